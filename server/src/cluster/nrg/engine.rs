//! The NRG engine of one group: RAFT state behind one pure entry point,
//! [`Engine::step`], with time passed in and randomness from a seed. It does
//! no I/O: what it wants done comes back as [`Output`]s, a persist always
//! before the publish that depends on it.
//!
//! This slice covers elections and leadership, as Go's `raft.go` runs them
//! (`switchToCandidate`, `requestVote`, `processVoteRequest`,
//! `handleVoteResponse`, `runAsLeader`'s heartbeats, `processAppendEntry`'s
//! term checks):
//! - A follower whose election timer (uniform in [4 s, 9 s)) fires bumps its
//!   term, votes for itself, persists term and vote, and asks for votes.
//! - A voter adopts a higher term (clearing its vote and leader), grants when
//!   its vote is free or already the candidate's and the candidate's log is
//!   at least as up to date, persists, and re-arms its timer. There is no
//!   pre-vote and no lease: a live leader does not stop a grant.
//! - A candidate counts grants from known peers (from anyone while fewer are
//!   known than the cluster size), and wins with `cluster_size / 2 + 1`.
//! - A leader sends a heartbeat append entry when nothing went out for 1 s;
//!   a node that sees a higher term, or an append entry of its term from a
//!   leader while it campaigns, follows.
//! - An observer votes but never campaigns.
//!
//! And replication (`sendAppendEntryLocked`, `processAppendEntry`,
//! `processAppendEntryResponse`, `tryCommit`):
//! - A new leader's first append entry carries one `PeerState` entry, its
//!   no-op. Proposals go out batched in one append entry, which takes one
//!   index (`pindex + 1`): an NRG index counts append entries, not entries.
//!   Each is stored (an [`Output::Store`] of its bytes) before it is
//!   published.
//! - A follower whose `(pterm, pindex)` matches stores the entry, applies
//!   the leader's commit up to what it has, and answers with its new
//!   `(pterm, pindex)`; it answers heartbeats the same way. One that holds
//!   entries of an older term past the leader's point truncates back to it
//!   when the terms there agree; a late append entry of the same leader
//!   changes nothing.
//! - The leader commits an index once a quorum (itself included) stored
//!   it, and sends a heartbeat at once so followers learn the commit.
//!
//! Catch-up (a follower behind the leader's point), snapshots and membership
//! changes come next; until then a follower that missed an append entry
//! stays behind.
use std::collections::{BTreeMap, BTreeSet};

use super::codec::{
    AppendEntry, AppendEntryResponse, Entry, EntryType, PeerId, PeerState, TermAndVote, VoteRequest, VoteResponse,
};

/// Nanoseconds on the caller's clock.
pub type Nanos = u64;

const SECOND: Nanos = 1_000_000_000;
/// Go's `hbInterval`.
const HEARTBEAT: Nanos = SECOND;
/// Go's election timeout range, [`minElectionTimeout`, `maxElectionTimeout`).
const ELECTION_MIN: Nanos = 4 * SECOND;
const ELECTION_MAX: Nanos = 9 * SECOND;

/// What the group is and who this node is.
#[derive(Debug, Clone)]
pub struct Config {
    pub group: String,
    pub id: PeerId,
    /// Known peers, this node included.
    pub peers: Vec<PeerId>,
    /// The expected size (may exceed the known peers while bootstrapping).
    pub cluster_size: usize,
    /// Votes and follows, never campaigns.
    pub observer: bool,
    /// This node's reply inbox (`$NRG.R.<8>`).
    pub inbox: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

/// What happens to the engine.
#[derive(Debug, Clone)]
pub enum Input {
    /// Time passed; timers may fire.
    Tick,
    /// A vote request on `$NRG.V.<group>`, with its reply inbox.
    VoteRequest { req: VoteRequest, reply: String },
    /// An answer on our inbox.
    VoteResponse(VoteResponse),
    /// A live append entry on `$NRG.AE.<group>`, with its reply inbox.
    AppendEntry { ae: AppendEntry, reply: String },
    /// A follower's answer to an append entry.
    AppendEntryResponse(AppendEntryResponse),
    /// Upper-layer bytes to replicate (an `EntryNormal`); ignored unless
    /// leading.
    Propose(Vec<u8>),
}

/// What the engine wants done, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write `tav.idx` (and sync) before anything that follows goes out.
    Persist(TermAndVote),
    Publish {
        subject: String,
        reply: Option<String>,
        payload: Vec<u8>,
    },
    /// The leader changed (`None`: none known).
    LeaderChanged(Option<PeerId>),
    /// Store an append entry's bytes as log `index` (written before what
    /// follows goes out).
    Store {
        index: u64,
        term: u64,
        bytes: Vec<u8>,
    },
    /// Drop the log after `index`.
    Truncate(u64),
    /// Everything up to `index` is committed.
    Commit(u64),
}

/// The RAFT state of one group on one node.
#[derive(Debug)]
pub struct Engine {
    cfg: Config,
    role: Role,
    term: u64,
    vote: Option<PeerId>,
    leader: Option<PeerId>,
    /// Term and index of the last stored entry.
    pterm: u64,
    pindex: u64,
    commit: u64,
    votes: BTreeSet<PeerId>,
    election_at: Nanos,
    last_append: Nanos,
    rng: u64,
    /// Term of each stored index (the log's shape; its bytes are the
    /// caller's).
    terms: BTreeMap<u64, u64>,
    /// Leader: who stored each uncommitted index.
    acks: BTreeMap<u64, BTreeSet<PeerId>>,
}

impl Engine {
    /// A node starting as a follower with `term`/`vote` from `tav.idx`.
    pub fn new(cfg: Config, tav: TermAndVote, now: Nanos, seed: u64) -> Engine {
        let mut e = Engine {
            cfg,
            role: Role::Follower,
            term: tav.term,
            vote: tav.vote,
            leader: None,
            pterm: 0,
            pindex: 0,
            commit: 0,
            votes: BTreeSet::new(),
            election_at: 0,
            last_append: 0,
            rng: seed | 1,
            terms: BTreeMap::new(),
            acks: BTreeMap::new(),
        };
        e.reset_election(now);
        e
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

    /// Starts from a log the caller recovered: its last term and index, the
    /// term of each index, and the commit it had reached.
    pub fn restore_log(&mut self, terms: BTreeMap<u64, u64>, commit: u64) {
        if let Some((&i, &t)) = terms.iter().next_back() {
            (self.pindex, self.pterm) = (i, t);
        }
        self.commit = commit.min(self.pindex);
        self.terms = terms;
    }

    /// When the engine next wants a [`Input::Tick`].
    pub fn next_deadline(&self) -> Nanos {
        match self.role {
            Role::Leader => self.last_append + HEARTBEAT,
            _ => self.election_at,
        }
    }

    /// Runs one input at `now`.
    pub fn step(&mut self, now: Nanos, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        match input {
            Input::Tick => self.tick(now, &mut out),
            Input::VoteRequest { req, reply } => self.on_vote_request(now, req, reply, &mut out),
            Input::VoteResponse(resp) => self.on_vote_response(now, resp, &mut out),
            Input::AppendEntry { ae, reply } => self.on_append_entry(now, ae, reply, &mut out),
            Input::AppendEntryResponse(resp) => self.on_append_response(now, resp, &mut out),
            Input::Propose(data) => {
                if self.role == Role::Leader {
                    self.append(now, vec![Entry { kind: EntryType::Normal, data }], &mut out);
                }
            }
        }
        out
    }

    fn quorum(&self) -> usize {
        self.cfg.cluster_size.max(self.cfg.peers.len()) / 2 + 1
    }

    fn subject(&self, kind: &str) -> String {
        format!("$NRG.{kind}.{}", self.cfg.group)
    }

    /// xorshift64*: the engine's only randomness.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn reset_election(&mut self, now: Nanos) {
        let span = ELECTION_MAX - ELECTION_MIN;
        self.election_at = now + ELECTION_MIN + self.random() % span;
    }

    fn persist(&self, out: &mut Vec<Output>) {
        out.push(Output::Persist(TermAndVote { term: self.term, vote: self.vote }));
    }

    fn set_leader(&mut self, leader: Option<PeerId>, out: &mut Vec<Output>) {
        if self.leader != leader {
            self.leader = leader;
            out.push(Output::LeaderChanged(leader));
        }
    }

    /// Adopts a higher term: no vote, no leader, follower.
    fn adopt_term(&mut self, term: u64, out: &mut Vec<Output>) {
        self.term = term;
        self.vote = None;
        self.role = Role::Follower;
        self.votes.clear();
        self.set_leader(None, out);
    }

    fn tick(&mut self, now: Nanos, out: &mut Vec<Output>) {
        match self.role {
            Role::Leader => {
                if now >= self.last_append + HEARTBEAT {
                    self.send_append(now, out);
                }
            }
            Role::Follower | Role::Candidate => {
                if now < self.election_at {
                    return;
                }
                if self.cfg.observer {
                    self.reset_election(now);
                    return;
                }
                self.campaign(now, out);
            }
        }
    }

    fn campaign(&mut self, now: Nanos, out: &mut Vec<Output>) {
        self.role = Role::Candidate;
        self.term += 1;
        self.vote = Some(self.cfg.id);
        self.votes.clear();
        self.votes.insert(self.cfg.id);
        self.set_leader(None, out);
        self.reset_election(now);
        // Term and vote are on disk before anyone hears of them.
        self.persist(out);
        let req =
            VoteRequest { term: self.term, last_term: self.pterm, last_index: self.pindex, candidate: self.cfg.id };
        out.push(Output::Publish {
            subject: self.subject("V"),
            reply: Some(self.cfg.inbox.clone()),
            payload: req.encode().to_vec(),
        });
        if self.votes.len() >= self.quorum() {
            self.become_leader(now, out);
        }
    }

    fn on_vote_request(&mut self, now: Nanos, req: VoteRequest, reply: String, out: &mut Vec<Output>) {
        if req.candidate == self.cfg.id {
            return;
        }
        if req.term > self.term {
            self.adopt_term(req.term, out);
            self.persist(out);
        }
        let log_ok = req.last_term > self.pterm || (req.last_term == self.pterm && req.last_index >= self.pindex);
        let free = self.vote.is_none() || self.vote == Some(req.candidate);
        let granted = req.term == self.term && free && log_ok && self.role == Role::Follower;
        if granted {
            self.vote = Some(req.candidate);
            self.persist(out);
            self.reset_election(now);
        }
        let resp = VoteResponse { term: self.term, voter: self.cfg.id, granted, empty: self.pindex == 0 };
        out.push(Output::Publish { subject: reply, reply: None, payload: resp.encode().to_vec() });
    }

    fn on_vote_response(&mut self, now: Nanos, resp: VoteResponse, out: &mut Vec<Output>) {
        if resp.term > self.term {
            self.adopt_term(resp.term, out);
            self.persist(out);
            self.reset_election(now);
            return;
        }
        if self.role != Role::Candidate || resp.term != self.term || !resp.granted {
            return;
        }
        let known = self.cfg.peers.contains(&resp.voter) || self.cfg.peers.len() < self.cfg.cluster_size;
        if known {
            self.votes.insert(resp.voter);
        }
        if self.votes.len() >= self.quorum() {
            self.become_leader(now, out);
        }
    }

    fn become_leader(&mut self, now: Nanos, out: &mut Vec<Output>) {
        self.role = Role::Leader;
        self.votes.clear();
        self.acks.clear();
        self.set_leader(Some(self.cfg.id), out);
        // Go's no-op: the group's peers, as the new leader's first entry.
        let ps = PeerState { cluster_size: self.cfg.cluster_size as u32, peers: self.cfg.peers.clone(), domain_ext: 0 };
        self.append(now, vec![Entry { kind: EntryType::PeerState, data: ps.encode() }], out);
    }

    /// A live append entry from this leader at its current point, with a
    /// zero `lterm` as Go's live ones carry.
    fn append_entry(&self, entries: Vec<Entry>) -> AppendEntry {
        AppendEntry {
            leader: self.cfg.id,
            term: self.term,
            commit: self.commit,
            pterm: self.pterm,
            pindex: self.pindex,
            entries,
            lterm: Some(0),
        }
    }

    /// Leader: one append entry carrying `entries`, stored, then published.
    fn append(&mut self, now: Nanos, entries: Vec<Entry>, out: &mut Vec<Output>) {
        let Ok(bytes) = self.append_entry(entries).encode() else { return };
        let index = self.pindex + 1;
        out.push(Output::Store { index, term: self.term, bytes: bytes.clone() });
        self.pindex = index;
        self.pterm = self.term;
        self.terms.insert(index, self.term);
        self.acks.entry(index).or_default().insert(self.cfg.id);
        out.push(Output::Publish { subject: self.subject("AE"), reply: Some(self.cfg.inbox.clone()), payload: bytes });
        self.last_append = now;
        self.try_commit(index, now, out);
    }

    /// Commits `index` once a quorum stored it (and a heartbeat spreads it).
    fn try_commit(&mut self, index: u64, now: Nanos, out: &mut Vec<Output>) {
        if index <= self.commit || self.terms.get(&index) != Some(&self.term) {
            return;
        }
        if self.acks.get(&index).map_or(0, BTreeSet::len) < self.quorum() {
            return;
        }
        self.commit = index;
        out.push(Output::Commit(index));
        self.acks.retain(|&i, _| i > index);
        self.send_append(now, out);
    }

    fn on_append_response(&mut self, now: Nanos, resp: AppendEntryResponse, out: &mut Vec<Output>) {
        if self.role != Role::Leader {
            return;
        }
        if !resp.success {
            if resp.term > self.term {
                self.adopt_term(resp.term, out);
                self.persist(out);
                self.reset_election(now);
            }
            return;
        }
        if resp.index > self.commit && resp.index <= self.pindex && self.terms.get(&resp.index) == Some(&resp.term) {
            self.acks.entry(resp.index).or_default().insert(resp.peer);
            self.try_commit(resp.index, now, out);
        }
    }

    /// A heartbeat: an append entry without entries.
    fn send_append(&mut self, now: Nanos, out: &mut Vec<Output>) {
        if let Ok(payload) = self.append_entry(Vec::new()).encode() {
            out.push(Output::Publish { subject: self.subject("AE"), reply: Some(self.cfg.inbox.clone()), payload });
        }
        self.last_append = now;
    }

    fn on_append_entry(&mut self, now: Nanos, ae: AppendEntry, reply: String, out: &mut Vec<Output>) {
        if ae.leader == self.cfg.id {
            return;
        }
        if ae.term < self.term {
            // An old leader: tell it our term.
            let resp = AppendEntryResponse { term: self.term, index: self.pindex, peer: self.cfg.id, success: false };
            out.push(Output::Publish { subject: reply, reply: None, payload: resp.encode().to_vec() });
            return;
        }
        if ae.term > self.term {
            self.adopt_term(ae.term, out);
            self.persist(out);
        } else if self.role != Role::Follower {
            // A leader of our term exists: follow it.
            self.role = Role::Follower;
            self.votes.clear();
        }
        self.set_leader(Some(ae.leader), out);
        self.reset_election(now);
        if ae.pindex < self.pindex {
            // A late or repeated append entry of this leader: we already
            // hold what follows its point.
            if self.terms.get(&(ae.pindex + 1)) == Some(&ae.term) {
                return;
            }
            // We hold entries of an older term past the leader's point:
            // drop them when the terms agree there (never committed, or the
            // leader would hold them).
            let term_there = if ae.pindex == 0 { Some(0) } else { self.terms.get(&ae.pindex).copied() };
            if term_there != Some(ae.pterm) || ae.pindex < self.commit {
                return;
            }
            self.terms.retain(|&i, _| i <= ae.pindex);
            (self.pindex, self.pterm) = (ae.pindex, ae.pterm);
            out.push(Output::Truncate(ae.pindex));
        }
        if ae.pterm != self.pterm || ae.pindex != self.pindex {
            // Behind the leader (catch-up comes next) or a mismatch.
            return;
        }
        if !ae.entries.is_empty() {
            let index = self.pindex + 1;
            let Ok(bytes) = ae.encode() else { return };
            out.push(Output::Store { index, term: ae.term, bytes });
            (self.pindex, self.pterm) = (index, ae.term);
            self.terms.insert(index, ae.term);
        }
        let commit = ae.commit.min(self.pindex);
        if commit > self.commit {
            self.commit = commit;
            out.push(Output::Commit(commit));
        }
        let resp = AppendEntryResponse { term: self.pterm, index: self.pindex, peer: self.cfg.id, success: true };
        out.push(Output::Publish { subject: reply, reply: None, payload: resp.encode().to_vec() });
    }
}

#[cfg(test)]
mod sim;
