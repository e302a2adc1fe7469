//! The NRG engine of one group: RAFT state behind one pure entry point,
//! [`Engine::step`], with time passed in and randomness from a seed. It does
//! no I/O: what it wants done comes back as [`Output`]s, a persist always
//! before the publish that depends on it. It reads what it stored earlier
//! through [`Log`] (the driver's WAL, the simulator's map), for catch-up and
//! for committing entries stored before a restart.
//!
//! It follows Go's `server/raft.go`, one concern to a file:
//! - `election.rs`: timers firing, campaigns, votes, winning, stepping down
//!   and leader transfer (`switchToCandidate`, `requestVote`,
//!   `processVoteRequest`, `runAsCandidate`, `switchToLeader`, `StepDown`);
//! - `replication.rs`: proposals, append entries stored then broadcast once,
//!   what a follower does with a live append entry, acks, commit and apply
//!   (`sendAppendEntry`, `processAppendEntry`, `processAppendEntryResponse`,
//!   `trackResponse`, `tryCommit`, `applyCommit`);
//! - `catchup.rs`: a follower that finds a gap asks on its own inbox; the
//!   leader streams stored entries there with 2 MiB in flight, acked on
//!   `$NRG.CP`, after a snapshot when the follower is behind the log's start;
//!   the upper layer's snapshots compact the log (`createCatchup`,
//!   `catchupFollower`, `runCatchup`, `sendSnapshotToFollower`,
//!   `installSnapshot`);
//! - `membership.rs`: peers, one membership change at a time applied when
//!   stored and made official when committed, peer state, peers joining an
//!   unmanaged group by answering its leader, and the lost-quorum check
//!   (`sendMembershipChange`, `addPeer`, `removePeer`, `processPeerState`,
//!   `trackPeer`, `lostQuorum`).
//!
//! Where the engine differs from Go on purpose, the code says so; none of it
//! shows on the wire.
use std::collections::{BTreeMap, BTreeSet};

use super::codec::{
    random_id, AppendEntry, AppendEntryResponse, Entry, PeerId, SnapshotFile, TermAndVote, VoteRequest, VoteResponse,
};

mod catchup;
mod election;
mod membership;
mod replication;

/// Nanoseconds on the caller's clock.
pub type Nanos = u64;

pub const MILLISECOND: Nanos = 1_000_000;
pub const SECOND: Nanos = 1_000 * MILLISECOND;

/// The engine's timers. None of them shows on the wire, so a node may pick
/// its own; [`Timers::GO`] are Go's defaults (`raft.go`).
#[derive(Debug, Clone, Copy)]
pub struct Timers {
    /// A leader sends a heartbeat when nothing went out for this long
    /// (`hbInterval`).
    pub heartbeat: Nanos,
    /// The election timeout is uniform in `[election_min, election_max)`.
    pub election_min: Nanos,
    pub election_max: Nanos,
    /// A node with a newer log that refused a vote, or asked to campaign,
    /// runs after `[campaign_min, campaign_max)` (`randCampaignTimeout`).
    pub campaign_min: Nanos,
    pub campaign_max: Nanos,
    /// A leader that has not heard from a quorum for this long steps down;
    /// it checks as often (`lostQuorumInterval`, `lostQuorumCheck`).
    pub lost_quorum: Nanos,
}

impl Timers {
    pub fn heartbeat_duration(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.heartbeat)
    }

    pub const GO: Timers = Timers {
        heartbeat: SECOND,
        election_min: 4 * SECOND,
        election_max: 9 * SECOND,
        campaign_min: 100 * MILLISECOND,
        campaign_max: 800 * MILLISECOND,
        lost_quorum: 10 * SECOND,
    };
}

/// How long a quorum rescue lasts (`rescueQuorumTimeout`).
const RESCUE_TIMEOUT: Nanos = 300 * SECOND;
/// An observer's election timer (`observerModeInterval`).
const OBSERVER_PARK: Nanos = 48 * 3600 * SECOND;
/// A transferred leadership's campaign (`xferCampaign`).
const TRANSFER_CAMPAIGN: Nanos = 10 * MILLISECOND;
/// Either side of a catch-up gives up after this long without progress.
const CATCHUP_STALL: Nanos = 2 * SECOND;
/// A peer removed from an unmanaged group cannot rejoin by answering the
/// leader for this long (`peerRemoveTimeout`).
const PEER_REMOVE_TIMEOUT: Nanos = 300 * SECOND;

/// What the group is and who this node is.
#[derive(Debug, Clone)]
pub struct Config {
    pub group: String,
    pub id: PeerId,
    /// Known peers (`peers.idx`, or the bootstrap list), this node included.
    pub peers: Vec<PeerId>,
    /// The expected size (may exceed the known peers while bootstrapping).
    pub cluster_size: usize,
    /// Votes and follows, never campaigns.
    pub observer: bool,
    /// Peers come only from the upper layer (streams and consumers); an
    /// unmanaged group (`_meta_`) adds whoever answers its leader.
    pub managed: bool,
    /// A new group with nothing stored: empty-log voters count as full votes
    /// (Go's `initializing`, a group not created `Recovering`).
    pub initializing: bool,
    /// This node's reply inbox (`$NRG.R.<8>`).
    pub inbox: String,
    pub timers: Timers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

/// What the engine stored earlier, read back.
pub trait Log {
    /// The append entry stored as `index`, as stored.
    fn load(&self, index: u64) -> Option<Vec<u8>>;
    /// The latest snapshot.
    fn snapshot(&self) -> Option<SnapshotFile>;
    /// The highest index stored, when the log can tell (a WAL's last
    /// sequence). Recovery drops what lies past a gap or a misaligned entry,
    /// as Go's replay in `newRaft` does; without it, only a tail right after
    /// the last good entry is seen.
    fn last_index(&self) -> Option<u64> {
        None
    }
}

/// What happens to the engine.
#[derive(Debug, Clone)]
pub enum Input {
    /// Time passed; timers may fire.
    Tick,
    /// A vote request on `$NRG.V.<group>`, with its reply inbox.
    VoteRequest { req: VoteRequest, reply: String },
    /// An answer to our vote request.
    VoteResponse(VoteResponse),
    /// A live append entry on `$NRG.AE.<group>`, with its reply inbox.
    AppendEntry { ae: AppendEntry, reply: String },
    /// An append entry on one of our catch-up inboxes (`$NRG.CR.<8>`), with
    /// its reply (the leader's `$NRG.CP.<8>`, which we ack).
    CatchupEntry { ae: AppendEntry, inbox: String, reply: Option<String> },
    /// An answer to our append entry on our inbox; a follower that needs
    /// catching up sets `reply` to its catch-up inbox.
    AppendEntryResponse { resp: AppendEntryResponse, reply: Option<String> },
    /// A follower's ack of a catch-up entry on our `$NRG.CP.<8>`.
    CatchupAck(AppendEntryResponse),
    /// Upper-layer operations to replicate, each one `EntryNormal`, in
    /// append entries of at most 256 KiB or 4,096 entries. Ignored unless
    /// leading.
    Propose(Vec<Vec<u8>>),
    /// An operation from anywhere: proposed when leading, else sent to the
    /// leader on `$NRG.P.<group>` (Go's `ForwardProposal`).
    Forward(Vec<u8>),
    /// An operation a follower forwarded on `$NRG.P.<group>`.
    Forwarded(Vec<u8>),
    /// The same sent as a request: once proposed, an empty message answers
    /// `reply` (Go's `runAsLeader` answers proposals that carry a reply).
    ForwardedRequest { op: Vec<u8>, reply: String },
    /// Add a peer (leader only).
    AddPeer(PeerId),
    /// Remove a peer: proposed when leading, else sent to the leader on
    /// `$NRG.RP.<group>`.
    RemovePeer(PeerId),
    /// A removal a follower forwarded on `$NRG.RP.<group>` (raw bytes).
    ForwardedRemovePeer(Vec<u8>),
    /// The same sent as a request: once proposed, an empty message answers
    /// `reply`.
    ForwardedRemovePeerRequest { peer: Vec<u8>, reply: String },
    /// Leading: hand leadership to `preferred`, or to an up-to-date peer.
    StepDown(Option<PeerId>),
    /// Campaign soon: in `[campaign_min, campaign_max)` (Go's `Campaign`).
    Campaign,
    /// Campaign almost at once (Go's `CampaignImmediately`).
    CampaignImmediately,
    /// The server of this peer went away (its route closed). A follower of
    /// it campaigns soon instead of waiting out its election timer, which
    /// is the fast-failover lever; the vote rules keep it safe.
    PeerGone(PeerId),
    /// The upper layer applied everything up to this index.
    Applied(u64),
    /// The upper layer's state as of what it applied: becomes the snapshot,
    /// and the log up to it is dropped.
    Snapshot(Vec<u8>),
    /// Enter or leave observer mode.
    SetObserver(bool),
    /// Disaster recovery: lower the quorum to this for 5 minutes, so that
    /// the survivors of a group that lost too many peers can elect a leader
    /// and remove the lost ones (Go's `RescueQuorum`; see
    /// [`Engine::can_rescue`]). It ends early once the peer set is small
    /// enough for its own quorum to be as low.
    RescueQuorum(usize),
}

impl Input {
    /// The input for a message on one of a group's subjects or inboxes
    /// (`$NRG.V`, `.AE`, `.R`, `.CR`, `.CP`, `.P`, `.RP`); `None` for another
    /// subject or bytes that do not decode.
    pub fn from_message(subject: &str, reply: Option<String>, p: &[u8]) -> Option<Input> {
        Some(match subject.split('.').nth(1)? {
            "V" => Input::VoteRequest { req: VoteRequest::decode(p).ok()?, reply: reply? },
            "AE" => Input::AppendEntry { ae: AppendEntry::decode(p).ok()?, reply: reply? },
            "R" if p.len() == 17 => Input::VoteResponse(VoteResponse::decode(p).ok()?),
            "R" => Input::AppendEntryResponse { resp: AppendEntryResponse::decode(p).ok()?, reply },
            "CR" => Input::CatchupEntry { ae: AppendEntry::decode(p).ok()?, inbox: subject.to_string(), reply },
            "CP" => Input::CatchupAck(AppendEntryResponse::decode(p).ok()?),
            "P" => match reply {
                Some(reply) => Input::ForwardedRequest { op: p.to_vec(), reply },
                None => Input::Forwarded(p.to_vec()),
            },
            "RP" => match reply {
                Some(reply) => Input::ForwardedRemovePeerRequest { peer: p.to_vec(), reply },
                None => Input::ForwardedRemovePeer(p.to_vec()),
            },
            _ => return None,
        })
    }
}

/// What the engine wants done, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write `tav.idx` (and sync) before anything that follows goes out.
    Persist(TermAndVote),
    /// Write `peers.idx`.
    PersistPeers(Vec<u8>),
    Publish {
        subject: String,
        reply: Option<String>,
        payload: Vec<u8>,
    },
    Subscribe(String),
    Unsubscribe(String),
    /// The leader changed (`None`: none known).
    LeaderChanged(Option<PeerId>),
    /// This node may act as leader (it applied its first entry of the term),
    /// or may not: it left the leader state, it stepped down as candidate,
    /// or another node became the first leader of a group it was asked to
    /// campaign in at once (Go's lead change channel).
    Leading(bool),
    /// Store an append entry's bytes as log `index` (written before what
    /// follows goes out).
    Store {
        index: u64,
        term: u64,
        bytes: Vec<u8>,
    },
    /// Drop the log after `index`.
    Truncate(u64),
    /// Write this snapshot, then drop the log up to its last index.
    Snapshot(SnapshotFile),
    /// `index` is committed; hand `entries` (normal ops, snapshots, peer
    /// changes) to the upper layer.
    Commit {
        index: u64,
        entries: Vec<Entry>,
    },
}

/// What the node knows of a peer.
#[derive(Debug, Clone, Copy, Default)]
struct Peer {
    /// When we last heard from it (0: never).
    heard: Nanos,
    /// The last index it told us it stored.
    index: u64,
}

/// A membership change stored but not yet committed.
#[derive(Debug, Clone, Copy)]
struct MembershipChange {
    index: u64,
    peer: PeerId,
    /// A removal: the peer as it was, to put back if the change is dropped.
    removed: Option<Peer>,
}

/// A follower's catch-up in progress (Go's `catchupState`).
#[derive(Debug, Clone)]
struct Catchup {
    /// The leader's point when we found the gap: done once we reach it.
    cterm: u64,
    cindex: u64,
    /// Our index when progress was last seen, and when.
    pindex: u64,
    active: Nanos,
    inbox: String,
}

/// A leader's catch-up of one follower.
#[derive(Debug, Clone)]
struct Progress {
    /// The follower's catch-up inbox.
    subject: String,
    /// Our ack inbox for it (`$NRG.CP.<8>`).
    ack_inbox: String,
    /// The last index sent, and the last to send.
    next: u64,
    last: u64,
    /// Bytes in flight per index sent.
    in_flight: BTreeMap<u64, usize>,
    total: usize,
    active: Nanos,
}

/// The RAFT state of one group on one node.
#[derive(Debug)]
pub struct Engine<L> {
    cfg: Config,
    log: L,
    role: Role,
    term: u64,
    vote: Option<PeerId>,
    leader: Option<PeerId>,
    observer: bool,
    initializing: bool,
    /// Term and index of the last stored entry.
    pterm: u64,
    pindex: u64,
    commit: u64,
    applied: u64,
    /// The latest snapshot's term and index (the log starts after it).
    snapshot: Option<(u64, u64)>,
    /// Term of each stored index.
    terms: BTreeMap<u64, u64>,
    /// Entries stored and not yet committed (Go's `pae`).
    pending: BTreeMap<u64, Vec<Entry>>,
    election_at: Nanos,
    /// A leadership transfer to us is under way: live append entries do not
    /// push our campaign back.
    transfer: bool,
    votes: BTreeSet<PeerId>,
    empty_votes: BTreeSet<PeerId>,
    /// Leader: when an append entry last went out, the next lost-quorum
    /// check, who stored each uncommitted index, and the index whose apply
    /// makes this node ready to lead (0: told already).
    last_append: Nanos,
    quorum_check_at: Nanos,
    acks: BTreeMap<u64, BTreeSet<PeerId>>,
    ready_at: u64,
    leading: bool,
    /// Asked to campaign at once (Go's `maybeLeader`), and whether the
    /// group had a leader yet (`pleader`).
    maybe_leader: bool,
    had_leader: bool,
    /// Removed from the group while leading: Go stops such a node
    /// (`errNodeRemoved`); this one hands over and never campaigns again,
    /// though it still follows.
    retired: bool,
    /// An unsafe quorum rescue: the lowered quorum, until when.
    rescue: Option<(usize, Nanos)>,
    /// A live append entry (not a catch-up) removed this node: it was
    /// running when its removal was decided.
    removed_live: bool,
    peers: BTreeMap<PeerId, Peer>,
    cluster_size: usize,
    /// Peers removed, and when (they cannot rejoin an unmanaged group at
    /// once).
    removed: BTreeMap<PeerId, Nanos>,
    membership: Option<MembershipChange>,
    catchup: Option<Catchup>,
    progress: BTreeMap<PeerId, Progress>,
    rng: u64,
    /// The time of the input being run.
    now: Nanos,
}

impl<L: Log> Engine<L> {
    /// A node starting as a follower with `term`/`vote` from `tav.idx`,
    /// recovering what `log` holds: the snapshot, then each stored append
    /// entry in order up to the first that is missing or does not follow.
    /// The outputs hand the upper layer what was committed after the
    /// snapshot (it skips what it already applied), and drop a broken tail.
    pub fn start(cfg: Config, tav: TermAndVote, log: L, now: Nanos, seed: u64) -> (Engine<L>, Vec<Output>) {
        let peers = cfg.peers.iter().map(|&p| (p, Peer::default())).collect();
        let mut e = Engine {
            observer: cfg.observer,
            initializing: cfg.initializing,
            cluster_size: cfg.cluster_size.max(1),
            cfg,
            log,
            role: Role::Follower,
            term: tav.term,
            vote: tav.vote,
            leader: None,
            pterm: 0,
            pindex: 0,
            commit: 0,
            applied: 0,
            snapshot: None,
            terms: BTreeMap::new(),
            pending: BTreeMap::new(),
            election_at: 0,
            transfer: false,
            votes: BTreeSet::new(),
            empty_votes: BTreeSet::new(),
            last_append: 0,
            quorum_check_at: 0,
            acks: BTreeMap::new(),
            ready_at: 0,
            leading: false,
            maybe_leader: false,
            had_leader: false,
            retired: false,
            peers,
            removed_live: false,
            rescue: None,
            removed: BTreeMap::new(),
            membership: None,
            catchup: None,
            progress: BTreeMap::new(),
            rng: seed | 1,
            now,
        };
        let mut out = Vec::new();
        e.recover(&mut out);
        if e.pindex > 0 {
            e.initializing = false;
        }
        e.reset_election(now);
        (e, out)
    }

    fn recover(&mut self, out: &mut Vec<Output>) {
        if let Some(snap) = self.log.snapshot() {
            (self.pterm, self.pindex) = (snap.last_term, snap.last_index);
            self.commit = snap.last_index;
            self.applied = snap.last_index;
            self.snapshot = Some((snap.last_term, snap.last_index));
            // The upper layer starts from its snapshot, then what the log
            // holds after it (Go replays the last snapshot on restart).
            let entries = vec![Entry { kind: super::codec::EntryType::Snapshot, data: snap.data }];
            out.push(Output::Commit { index: snap.last_index, entries });
        }
        let mut commit = self.commit;
        let mut stored = Vec::new();
        loop {
            let index = self.pindex + 1;
            let Some(ae) = self.log.load(index).and_then(|b| AppendEntry::decode(&b).ok()) else { break };
            if ae.pindex != self.pindex {
                break;
            }
            (self.pterm, self.pindex) = (ae.term, index);
            self.terms.insert(index, ae.term);
            commit = commit.max(ae.commit);
            stored.push((index, ae.entries));
        }
        // A broken or misaligned tail goes (Go's replay in `newRaft`), and
        // so does a log that does not start right after the snapshot.
        let beyond = match self.log.last_index() {
            Some(last) => last > self.pindex,
            None => self.log.load(self.pindex + 1).is_some(),
        };
        if beyond {
            out.push(Output::Truncate(self.pindex));
        }
        // The commit an entry carries is the leader's when it was built, so
        // everything up to it is committed. Entries take effect in log
        // order, each committed one before the next is stored: an old peer
        // state committed early must not undo a later membership change.
        for (index, entries) in stored {
            self.on_stored(index, &entries, false, 0);
            self.pending.insert(index, entries);
            if index <= commit {
                self.apply_commits(index, out);
            }
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn term(&self) -> u64 {
        self.term
    }

    pub fn leader(&self) -> Option<PeerId> {
        self.leader
    }

    pub fn vote(&self) -> Option<PeerId> {
        self.vote
    }

    pub fn commit(&self) -> u64 {
        self.commit
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// Term and index of the last stored entry.
    pub fn last(&self) -> (u64, u64) {
        (self.pterm, self.pindex)
    }

    pub fn id(&self) -> PeerId {
        self.cfg.id
    }

    pub fn group(&self) -> &str {
        &self.cfg.group
    }

    /// The peers, this node included if a member.
    pub fn peers(&self) -> Vec<PeerId> {
        self.peers.keys().copied().collect()
    }

    /// Each peer: when we last heard from it (0: never; a follower hears
    /// only its leader) and the last index it told us it stored.
    pub fn peer_progress(&self) -> Vec<(PeerId, Nanos, u64)> {
        self.peers.iter().map(|(id, p)| (*id, p.heard, p.index)).collect()
    }

    pub fn cluster_size(&self) -> usize {
        self.cluster_size
    }

    /// Votes or acks needed (`csz / 2 + 1`).
    pub fn quorum(&self) -> usize {
        self.rescue.map_or(self.cluster_size / 2 + 1, |(qn, _)| qn)
    }

    /// An unsafe quorum rescue is lowering the quorum.
    pub fn in_rescue(&self) -> bool {
        self.rescue.is_some()
    }

    /// Whether [`Input::RescueQuorum`] with `qn` would apply, else Go's
    /// reason (`RescueQuorum`): the quorum only goes down, only in a group
    /// with no known leader, on a voting member that holds data.
    pub fn can_rescue(&self, qn: usize) -> Result<(), &'static str> {
        if qn < 1 || qn > self.quorum() {
            return Err("raft: rescue quorum must be between 1 and current quorum");
        }
        if self.leader.is_some() {
            return Err("raft: leader is known");
        }
        if self.observer || !self.peers.contains_key(&self.cfg.id) {
            return Err("raft: not a voting member");
        }
        if self.pindex == 0 {
            return Err("raft: log is empty");
        }
        Ok(())
    }

    pub fn is_catching_up(&self) -> bool {
        self.catchup.is_some()
    }

    pub fn is_observer(&self) -> bool {
        self.observer
    }

    /// A live append entry (not a catch-up) carried this node's removal.
    pub fn removed_while_running(&self) -> bool {
        self.removed_live
    }

    /// A membership change is stored and not yet committed.
    pub fn membership_changing(&self) -> bool {
        self.membership.is_some()
    }

    /// The vote cast in the current term, and whether this node ever knew
    /// a leader of the group.
    pub fn voted_for(&self) -> Option<PeerId> {
        self.vote
    }

    /// When the engine next wants an [`Input::Tick`].
    pub fn next_deadline(&self) -> Nanos {
        match self.role {
            Role::Leader => {
                let stall = self.progress.values().map(|p| p.active + CATCHUP_STALL).min().unwrap_or(Nanos::MAX);
                (self.last_append + self.cfg.timers.heartbeat).min(self.quorum_check_at).min(stall)
            }
            _ => self.election_at,
        }
    }

    /// Runs one input at `now`.
    pub fn step(&mut self, now: Nanos, input: Input) -> Vec<Output> {
        self.now = now;
        let mut out = Vec::new();
        match input {
            Input::Tick => self.tick(now, &mut out),
            Input::VoteRequest { req, reply } => self.on_vote_request(now, req, reply, &mut out),
            Input::VoteResponse(resp) => self.on_vote_response(now, resp, &mut out),
            Input::AppendEntry { ae, reply } => self.on_append_entry(now, ae, Some(reply), None, &mut out),
            Input::CatchupEntry { ae, inbox, reply } => self.on_append_entry(now, ae, reply, Some(inbox), &mut out),
            Input::AppendEntryResponse { resp, reply } => self.on_append_response(now, resp, reply, &mut out),
            Input::CatchupAck(resp) => self.on_catchup_ack(now, resp, &mut out),
            Input::Propose(ops) => {
                if self.role == Role::Leader {
                    self.propose(now, ops, &mut out);
                }
            }
            Input::Forward(op) => {
                if self.role == Role::Leader {
                    self.propose(now, vec![op], &mut out);
                } else {
                    let subject = self.subject("P");
                    out.push(Output::Publish { subject, reply: None, payload: op });
                }
            }
            // Go's `handleForwardedProposal` and
            // `handleForwardedRemovePeerProposal` take forwarded proposals
            // only once the leader applied its no-op.
            Input::Forwarded(op) => {
                if self.role == Role::Leader && self.leading {
                    self.propose(now, vec![op], &mut out);
                }
            }
            Input::ForwardedRequest { op, reply } => {
                if self.role == Role::Leader && self.leading {
                    self.propose(now, vec![op], &mut out);
                    out.push(Output::Publish { subject: reply, reply: None, payload: Vec::new() });
                }
            }
            Input::AddPeer(peer) => self.propose_add_peer(now, peer, &mut out),
            Input::RemovePeer(peer) => self.propose_remove_peer(now, peer, &mut out),
            Input::ForwardedRemovePeer(bytes) => {
                self.forwarded_remove_peer(now, &bytes, &mut out);
            }
            Input::ForwardedRemovePeerRequest { peer, reply } => {
                if self.forwarded_remove_peer(now, &peer, &mut out) {
                    out.push(Output::Publish { subject: reply, reply: None, payload: Vec::new() });
                }
            }
            Input::StepDown(preferred) => self.step_down_to(now, preferred, &mut out),
            Input::Campaign => {
                if self.role != Role::Leader {
                    let span = self.cfg.timers.campaign_max - self.cfg.timers.campaign_min;
                    self.election_at = now + self.cfg.timers.campaign_min + self.random() % span.max(1);
                }
            }
            Input::CampaignImmediately => {
                if self.role != Role::Leader {
                    self.maybe_leader = true;
                    self.initializing = false;
                    self.election_at = now + self.cfg.timers.campaign_min / 2;
                }
            }
            Input::PeerGone(peer) => {
                if self.role != Role::Leader && self.leader == Some(peer) && !self.observer {
                    let span = self.cfg.timers.campaign_max - self.cfg.timers.campaign_min;
                    let at = now + self.cfg.timers.campaign_min + self.random() % span.max(1);
                    self.election_at = self.election_at.min(at);
                }
            }
            Input::Applied(index) => self.on_applied(index, &mut out),
            Input::Snapshot(data) => self.take_snapshot(data, &mut out),
            Input::RescueQuorum(qn) => {
                if self.can_rescue(qn).is_ok() {
                    self.rescue = Some((qn, now + RESCUE_TIMEOUT));
                    let t = self.cfg.timers;
                    self.election_at = now + t.campaign_min + self.random() % (t.campaign_max - t.campaign_min).max(1);
                }
            }
            Input::SetObserver(observer) => {
                self.observer = observer;
                if !observer && self.role != Role::Leader {
                    self.reset_election(now);
                }
            }
        }
        out
    }

    /// A forwarded removal, proposed if this leader applied its no-op;
    /// whether it was.
    fn forwarded_remove_peer(&mut self, now: Nanos, bytes: &[u8], out: &mut Vec<Output>) -> bool {
        let Ok(peer) = PeerId::try_from(bytes) else { return false };
        if self.role != Role::Leader || !self.leading {
            return false;
        }
        let before = self.pindex;
        self.propose_remove_peer(now, peer, out);
        self.pindex != before
    }

    fn subject(&self, kind: &str) -> String {
        format!("$NRG.{kind}.{}", self.cfg.group)
    }

    /// A fresh inbox `$NRG.<kind>.<8>`.
    fn new_inbox(&mut self, kind: &str) -> String {
        let id = random_id(self.random());
        format!("$NRG.{kind}.{}", String::from_utf8_lossy(&id))
    }

    /// xorshift64*: the engine's only randomness.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn reset_election(&mut self, now: Nanos) {
        let t = self.cfg.timers;
        let span = t.election_max - t.election_min;
        self.election_at = now + t.election_min + self.random() % span.max(1);
    }

    fn persist(&self, out: &mut Vec<Output>) {
        out.push(Output::Persist(TermAndVote { term: self.term, vote: self.vote }));
    }

    fn set_leader(&mut self, leader: Option<PeerId>, out: &mut Vec<Output>) {
        // A leader tracks everyone; a follower only its leader, so what it
        // knew of the others goes (Go's `updateLeader`).
        let was_leader = self.leader == Some(self.cfg.id);
        if leader != Some(self.cfg.id) && !was_leader {
            for (id, p) in self.peers.iter_mut() {
                p.index = 0;
                if Some(*id) != leader {
                    p.heard = 0;
                }
            }
        }
        if self.leader != leader {
            self.leader = leader;
            out.push(Output::LeaderChanged(leader));
        }
        // Asked to campaign at once, the upper layer may act as if leading
        // already: tell it when the group's first leader is another (Go's
        // `updateLeader` with `maybeLeader`).
        if let Some(l) = leader {
            if !self.had_leader {
                self.had_leader = true;
                if std::mem::take(&mut self.maybe_leader) && l != self.cfg.id {
                    self.lead_change(false, out);
                }
            }
        }
    }

    /// Go's lead change channel keeps only the latest signal: one step
    /// sends a signal once.
    fn lead_change(&mut self, leading: bool, out: &mut Vec<Output>) {
        let last = out.iter().rev().find_map(|o| if let Output::Leading(b) = o { Some(*b) } else { None });
        if last != Some(leading) {
            out.push(Output::Leading(leading));
        }
    }

    fn reply(&self, subject: String, reply: Option<String>, resp: AppendEntryResponse, out: &mut Vec<Output>) {
        out.push(Output::Publish { subject, reply, payload: resp.encode().to_vec() });
    }

    /// The term of a stored index, of the snapshot's last index, or 0 before
    /// the log.
    fn term_at(&self, index: u64) -> Option<u64> {
        if index == 0 {
            return Some(0);
        }
        if let Some((t, i)) = self.snapshot {
            if i == index {
                return Some(t);
            }
        }
        self.terms.get(&index).copied()
    }

    fn tick(&mut self, now: Nanos, out: &mut Vec<Output>) {
        if self.rescue.is_some_and(|(_, until)| now >= until) {
            self.rescue = None;
        }
        match self.role {
            Role::Leader => {
                if now >= self.quorum_check_at {
                    self.quorum_check_at = now + self.cfg.timers.lost_quorum;
                    if self.lost_quorum(now) {
                        self.become_follower(now, None, out);
                        return;
                    }
                }
                self.expire_catchups(now, out);
                if now >= self.last_append + self.cfg.timers.heartbeat {
                    self.send_heartbeat(now, out);
                }
            }
            Role::Follower | Role::Candidate => {
                if now >= self.election_at {
                    self.election_timeout(now, out);
                }
            }
        }
    }

    fn on_applied(&mut self, index: u64, out: &mut Vec<Output>) {
        self.applied = self.applied.max(index.min(self.commit));
        if self.role == Role::Leader && self.ready_at > 0 && self.applied >= self.ready_at {
            self.ready_at = 0;
            self.leading = true;
            self.lead_change(true, out);
        }
    }
}

#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;
