//! NRG's binary layouts, little-endian as Go writes them (`server/raft.go`:
//! `appendEntry.encode`, `decodeAppendEntry`, `appendEntryResponse.encode`,
//! `voteRequest.encode`, `voteResponse.encode`, `encodePeerState`,
//! `decodePeerState`; peer ids are `getHash` of `server/events.go`).
//!
//! Also the files of a group's directory as Go writes them: `tav.idx` (term
//! and vote), `peers.idx` (peer state), `snapshots/snap.<term>.<index>` and
//! `commit.idx`, whose checksums are HighwayHash-64 keyed with the SHA-256 of
//! the group's name (`raft.go`: `encodeSnapshot`, `loadLastSnapshot`).
//!
//! Decoding takes untrusted bytes off the wire or the disk: every length is
//! checked and bad bytes are an [`Error`], never a panic. Encoding what was
//! decoded gives the same bytes back.
use highway::{HighwayHash, HighwayHasher, Key};
use sha2::{Digest, Sha256};

/// Peer ids, and the leader and candidate ids inside messages, are 8 bytes.
pub const ID_LEN: usize = 8;

/// A peer (or leader, or candidate) id: 8 characters of `[0-9A-Za-z]`.
pub type PeerId = [u8; ID_LEN];

/// An append entry without entries and without `lterm`.
const APPEND_ENTRY_BASE_LEN: usize = 42;
const APPEND_ENTRY_RESPONSE_LEN: usize = 25;
const VOTE_REQUEST_LEN: usize = 32;
const VOTE_RESPONSE_LEN: usize = 17;

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the fixed part, or an entry runs past the end.
    Truncated(&'static str),
    /// A fixed-size message of the wrong size.
    WrongLength { what: &'static str, want: usize, got: usize },
    /// An entry whose length field is 0 (it must count its type byte).
    EmptyEntry,
    /// More entries than an append entry can carry (65,535).
    TooManyEntries,
    /// Peer state listing more or fewer ids than it says.
    CorruptPeers,
    /// A file whose checksum does not match its content.
    BadChecksum(&'static str),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Truncated(what) => write!(f, "malformed {what}: truncated"),
            Error::WrongLength { what, want, got } => write!(f, "malformed {what}: {got} bytes, want {want}"),
            Error::EmptyEntry => write!(f, "malformed append entry: an entry of length 0"),
            Error::TooManyEntries => write!(f, "append entry with more than 65535 entries"),
            Error::CorruptPeers => write!(f, "corrupt peer state"),
            Error::BadChecksum(what) => write!(f, "{what}: checksum does not match"),
        }
    }
}

impl std::error::Error for Error {}

/// What an entry carries (Go's `EntryType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// An upper-layer operation.
    Normal,
    /// Legacy; applied as a snapshot.
    OldSnapshot,
    /// The group's peers ([`PeerState`]); a new leader's first entry.
    PeerState,
    /// An 8-byte peer id to add.
    AddPeer,
    /// An 8-byte peer id to remove.
    RemovePeer,
    /// The 8-byte id of the chosen successor.
    LeaderTransfer,
    /// Opaque upper-layer state.
    Snapshot,
    /// Internal only in Go; never sent.
    Catchup,
    /// A type this version does not know, kept as is.
    Other(u8),
}

impl EntryType {
    fn from_byte(b: u8) -> EntryType {
        match b {
            0 => EntryType::Normal,
            1 => EntryType::OldSnapshot,
            2 => EntryType::PeerState,
            3 => EntryType::AddPeer,
            4 => EntryType::RemovePeer,
            5 => EntryType::LeaderTransfer,
            6 => EntryType::Snapshot,
            7 => EntryType::Catchup,
            b => EntryType::Other(b),
        }
    }

    fn byte(self) -> u8 {
        match self {
            EntryType::Normal => 0,
            EntryType::OldSnapshot => 1,
            EntryType::PeerState => 2,
            EntryType::AddPeer => 3,
            EntryType::RemovePeer => 4,
            EntryType::LeaderTransfer => 5,
            EntryType::Snapshot => 6,
            EntryType::Catchup => 7,
            EntryType::Other(b) => b,
        }
    }
}

/// One entry of an append entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryType,
    pub data: Vec<u8>,
}

/// An append entry (`$NRG.AE.<group>`, and catchup on `$NRG.CR.<inbox>`).
/// One with entries takes exactly one log index, `pindex + 1`; one without
/// is a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendEntry {
    pub leader: PeerId,
    pub term: u64,
    /// The leader's commit index when it built this.
    pub commit: u64,
    /// Term of the entry at `pindex`.
    pub pterm: u64,
    /// The index this one follows.
    pub pindex: u64,
    pub entries: Vec<Entry>,
    /// The leader's current term, as a trailing uvarint (catchup sets it;
    /// live ones carry 0). `None` when absent, as older servers send them.
    pub lterm: Option<u64>,
}

impl AppendEntry {
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let count = u16::try_from(self.entries.len()).map_err(|_| Error::TooManyEntries)?;
        let size = APPEND_ENTRY_BASE_LEN + self.entries.iter().map(|e| 5 + e.data.len()).sum::<usize>() + 10;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&self.leader);
        for n in [self.term, self.commit, self.pterm, self.pindex] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&count.to_le_bytes());
        for e in &self.entries {
            let len = u32::try_from(1 + e.data.len()).map_err(|_| Error::TooManyEntries)?;
            out.extend_from_slice(&len.to_le_bytes());
            out.push(e.kind.byte());
            out.extend_from_slice(&e.data);
        }
        if let Some(lterm) = self.lterm {
            crate::varint::put_uvarint(&mut out, lterm);
        }
        Ok(out)
    }

    pub fn decode(msg: &[u8]) -> Result<AppendEntry, Error> {
        if msg.len() < APPEND_ENTRY_BASE_LEN {
            return Err(Error::Truncated("append entry"));
        }
        let count = usize::from(u16::from_le_bytes([msg[40], msg[41]]));
        let mut at = APPEND_ENTRY_BASE_LEN;
        let mut entries = Vec::with_capacity(count.min(msg.len() / 5));
        for _ in 0..count {
            let len_bytes = msg.get(at..at + 4).ok_or(Error::Truncated("append entry"))?;
            let len = u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
            at += 4;
            if len == 0 {
                return Err(Error::EmptyEntry);
            }
            let body = msg.get(at..at.checked_add(len).ok_or(Error::Truncated("append entry"))?);
            let body = body.ok_or(Error::Truncated("append entry"))?;
            entries.push(Entry { kind: EntryType::from_byte(body[0]), data: body[1..].to_vec() });
            at += len;
        }
        // Go reads a trailing uvarint when there is one and ignores what it
        // cannot read.
        let lterm = if at < msg.len() { get_uvarint(&msg[at..]) } else { None };
        Ok(AppendEntry {
            leader: id_at(msg, 0),
            term: u64_at(msg, 8),
            commit: u64_at(msg, 16),
            pterm: u64_at(msg, 24),
            pindex: u64_at(msg, 32),
            entries,
            lterm,
        })
    }
}

/// A follower's answer to an append entry (25 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendEntryResponse {
    /// The follower's pterm (its term when refusing an older leader).
    pub term: u64,
    /// The follower's pindex.
    pub index: u64,
    pub peer: PeerId,
    pub success: bool,
}

impl AppendEntryResponse {
    pub fn encode(&self) -> [u8; APPEND_ENTRY_RESPONSE_LEN] {
        let mut out = [0u8; APPEND_ENTRY_RESPONSE_LEN];
        out[0..8].copy_from_slice(&self.term.to_le_bytes());
        out[8..16].copy_from_slice(&self.index.to_le_bytes());
        out[16..24].copy_from_slice(&self.peer);
        out[24] = u8::from(self.success);
        out
    }

    pub fn decode(msg: &[u8]) -> Result<AppendEntryResponse, Error> {
        exact(msg, APPEND_ENTRY_RESPONSE_LEN, "append entry response")?;
        Ok(AppendEntryResponse {
            term: u64_at(msg, 0),
            index: u64_at(msg, 8),
            peer: id_at(msg, 16),
            success: msg[24] == 1,
        })
    }
}

/// A candidate's request for votes (`$NRG.V.<group>`, 32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteRequest {
    pub term: u64,
    pub last_term: u64,
    pub last_index: u64,
    pub candidate: PeerId,
}

impl VoteRequest {
    pub fn encode(&self) -> [u8; VOTE_REQUEST_LEN] {
        let mut out = [0u8; VOTE_REQUEST_LEN];
        out[0..8].copy_from_slice(&self.term.to_le_bytes());
        out[8..16].copy_from_slice(&self.last_term.to_le_bytes());
        out[16..24].copy_from_slice(&self.last_index.to_le_bytes());
        out[24..32].copy_from_slice(&self.candidate);
        out
    }

    pub fn decode(msg: &[u8]) -> Result<VoteRequest, Error> {
        exact(msg, VOTE_REQUEST_LEN, "vote request")?;
        Ok(VoteRequest {
            term: u64_at(msg, 0),
            last_term: u64_at(msg, 8),
            last_index: u64_at(msg, 16),
            candidate: id_at(msg, 24),
        })
    }
}

/// A vote (17 bytes): the voter's term, its id, and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteResponse {
    pub term: u64,
    pub voter: PeerId,
    pub granted: bool,
    /// The voter's log is empty (such grants count only when every node
    /// answered).
    pub empty: bool,
}

impl VoteResponse {
    pub fn encode(&self) -> [u8; VOTE_RESPONSE_LEN] {
        let mut out = [0u8; VOTE_RESPONSE_LEN];
        out[0..8].copy_from_slice(&self.term.to_le_bytes());
        out[8..16].copy_from_slice(&self.voter);
        out[16] = u8::from(self.granted) | (u8::from(self.empty) << 1);
        out
    }

    pub fn decode(msg: &[u8]) -> Result<VoteResponse, Error> {
        exact(msg, VOTE_RESPONSE_LEN, "vote response")?;
        Ok(VoteResponse {
            term: u64_at(msg, 0),
            voter: id_at(msg, 8),
            granted: msg[16] & 1 != 0,
            empty: msg[16] & 2 != 0,
        })
    }
}

/// A group's peers (entry `PeerState`, and `peers.idx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerState {
    pub cluster_size: u32,
    pub peers: Vec<PeerId>,
    /// 0 undetermined, 1 extended, 2 not extended (leaf-node domains).
    pub domain_ext: u16,
}

impl PeerState {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10 + ID_LEN * self.peers.len());
        out.extend_from_slice(&self.cluster_size.to_le_bytes());
        out.extend_from_slice(&(self.peers.len() as u32).to_le_bytes());
        for p in &self.peers {
            out.extend_from_slice(p);
        }
        out.extend_from_slice(&self.domain_ext.to_le_bytes());
        out
    }

    pub fn decode(buf: &[u8]) -> Result<PeerState, Error> {
        if buf.len() < 8 {
            return Err(Error::CorruptPeers);
        }
        let cluster_size = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let n = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
        let rest = &buf[8..];
        if rest.len() / ID_LEN < n {
            return Err(Error::CorruptPeers);
        }
        let peers = (0..n).map(|i| id_at(rest, i * ID_LEN)).collect();
        let tail = &rest[n * ID_LEN..];
        let domain_ext = if tail.len() >= 2 { u16::from_le_bytes([tail[0], tail[1]]) } else { 0 };
        Ok(PeerState { cluster_size, peers, domain_ext })
    }
}

/// `tav.idx`: the term and the vote cast in it, persisted before a vote or
/// a vote request goes out (8 bytes without a vote, 16 with one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermAndVote {
    pub term: u64,
    pub vote: Option<PeerId>,
}

impl TermAndVote {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.term.to_le_bytes().to_vec();
        if let Some(v) = self.vote {
            out.extend_from_slice(&v);
        }
        out
    }

    pub fn decode(buf: &[u8]) -> Result<TermAndVote, Error> {
        match buf.len() {
            8 => Ok(TermAndVote { term: u64_at(buf, 0), vote: None }),
            16 => Ok(TermAndVote { term: u64_at(buf, 0), vote: Some(id_at(buf, 8)) }),
            got => Err(Error::WrongLength { what: "term and vote", want: 16, got }),
        }
    }
}

/// A snapshot file (`snapshots/snap.<term>.<index>`): the last term and
/// index it covers, the peer state then, the upper layer's state, and a
/// checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    pub last_term: u64,
    pub last_index: u64,
    /// Encoded [`PeerState`].
    pub peer_state: Vec<u8>,
    pub data: Vec<u8>,
}

/// Term, index and the peer state's length come first.
const SNAPSHOT_HEADER_LEN: usize = 20;
const CHECKSUM_LEN: usize = 8;

impl SnapshotFile {
    pub fn encode(&self, group: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(SNAPSHOT_HEADER_LEN + self.peer_state.len() + self.data.len() + 8);
        out.extend_from_slice(&self.last_term.to_le_bytes());
        out.extend_from_slice(&self.last_index.to_le_bytes());
        out.extend_from_slice(&(self.peer_state.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.peer_state);
        out.extend_from_slice(&self.data);
        let sum = checksum(group, &out);
        out.extend_from_slice(&sum);
        out
    }

    pub fn decode(group: &str, buf: &[u8]) -> Result<SnapshotFile, Error> {
        if buf.len() < SNAPSHOT_HEADER_LEN + CHECKSUM_LEN {
            return Err(Error::Truncated("snapshot"));
        }
        let (body, sum) = buf.split_at(buf.len() - CHECKSUM_LEN);
        if checksum(group, body) != sum {
            return Err(Error::BadChecksum("snapshot"));
        }
        let ps_len = u32::from_le_bytes([body[16], body[17], body[18], body[19]]) as usize;
        let ps_end = SNAPSHOT_HEADER_LEN.checked_add(ps_len).filter(|&e| e <= body.len());
        let ps_end = ps_end.ok_or(Error::Truncated("snapshot"))?;
        Ok(SnapshotFile {
            last_term: u64_at(body, 0),
            last_index: u64_at(body, 8),
            peer_state: body[SNAPSHOT_HEADER_LEN..ps_end].to_vec(),
            data: body[ps_end..].to_vec(),
        })
    }
}

/// `commit.idx` (Go 2.15, meta group): the commit index and its checksum.
pub fn encode_commit_index(group: &str, commit: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&commit.to_le_bytes());
    let sum = checksum(group, &out[..8]);
    out[8..].copy_from_slice(&sum);
    out
}

pub fn decode_commit_index(group: &str, buf: &[u8]) -> Result<u64, Error> {
    exact(buf, 16, "commit index")?;
    if checksum(group, &buf[..8]) != buf[8..] {
        return Err(Error::BadChecksum("commit index"));
    }
    Ok(u64_at(buf, 0))
}

/// HighwayHash-64 of `data`, keyed with SHA-256 of the group's name, as the
/// 8 bytes Go appends.
fn checksum(group: &str, data: &[u8]) -> [u8; CHECKSUM_LEN] {
    let key = Sha256::digest(group.as_bytes());
    let mut words = [0u64; 4];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u64_at(&key, i * 8);
    }
    let mut h = HighwayHasher::new(Key(words));
    h.append(data);
    h.finalize64().to_le_bytes()
}

/// A server's peer id: for each of the first 8 bytes of SHA-256 of its
/// name, that byte mod 62 picks from `0-9A-Z a-z` (Go's `getHash`).
pub fn peer_id(server_name: &str) -> PeerId {
    let sum = Sha256::digest(server_name.as_bytes());
    base62(&sum[..ID_LEN])
}

/// The 8 base-62 characters of a random number: the tail of a group's
/// inboxes (`$NRG.R.<8>`, `$NRG.CR.<8>`, `$NRG.CP.<8>`), as Go's
/// `newInbox` makes them.
pub fn random_id(random: u64) -> PeerId {
    base62(&random.to_le_bytes())
}

fn base62(bytes: &[u8]) -> PeerId {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = [0u8; ID_LEN];
    for (b, s) in id.iter_mut().zip(bytes) {
        *b = DIGITS[usize::from(s % 62)];
    }
    id
}

fn exact(msg: &[u8], want: usize, what: &'static str) -> Result<(), Error> {
    if msg.len() == want {
        Ok(())
    } else {
        Err(Error::WrongLength { what, want, got: msg.len() })
    }
}

/// Callers have checked `at + 8 <= msg.len()`.
fn u64_at(msg: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&msg[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Callers have checked `at + ID_LEN <= msg.len()`.
fn id_at(msg: &[u8], at: usize) -> PeerId {
    let mut id = [0u8; ID_LEN];
    id.copy_from_slice(&msg[at..at + ID_LEN]);
    id
}

/// Go's `binary.Uvarint`, the value only.
fn get_uvarint(buf: &[u8]) -> Option<u64> {
    crate::varint::uvarint(buf).map(|(v, _)| v)
}

#[cfg(test)]
mod tests;
