//! Elections: the timer firing, campaigns, votes, winning, stepping down and
//! leader transfer (Go's `switchToCandidate`, `requestVote`,
//! `processVoteRequest`, `runAsCandidate`, `switchToLeader`,
//! `switchToFollower`, `StepDown`).
//!
//! - A node whose election timer fires campaigns unless it observes or was
//!   removed while leading (its timer parks for 48 h), catches up, has
//!   committed more than it applied (re-armed after a quarter of the minimum
//!   timeout), or has an uncommitted change about itself or is missing from
//!   a managed group's peers (re-armed after the minimum).
//! - A campaign bumps the term, votes for itself, persists both, then asks.
//! - A voter adopts a higher term, grants when its vote is free or already
//!   the candidate's and the candidate's log is at least as up to date,
//!   persists, and re-arms its timer. One that refuses because its own log
//!   is newer, with its vote free, campaigns soon. No pre-vote, no lease.
//! - A candidate counts grants from peers (from anyone while fewer are
//!   known than the cluster size); grants from empty logs count only when
//!   every node answered, unless the voter is new to a new group.
//! - The winner's first append entry is its peer state, the no-op, and it
//!   may act as leader once it applied that.
use super::*;
use crate::cluster::nrg::codec::{EntryType, PeerState};

impl<L: Log> Engine<L> {
    pub(super) fn election_timeout(&mut self, now: Nanos, out: &mut Vec<Output>) {
        let t = self.cfg.timers;
        if self.observer || self.retired {
            self.election_at = now + OBSERVER_PARK;
            return;
        }
        if self.catchup.is_some() {
            if self.catchup_stalled(now) {
                self.cancel_catchup(out);
            }
            self.reset_election(now);
            return;
        }
        if self.applied < self.commit {
            self.election_at = now + t.election_min / 4;
            return;
        }
        let changing_self = self.membership.is_some_and(|m| m.peer == self.cfg.id);
        if changing_self || (self.cfg.managed && !self.peers.contains_key(&self.cfg.id)) {
            self.set_leader(None, out);
            self.election_at = now + t.election_min;
            return;
        }
        self.campaign(now, out);
    }

    fn campaign(&mut self, now: Nanos, out: &mut Vec<Output>) {
        self.role = Role::Candidate;
        self.term += 1;
        self.vote = Some(self.cfg.id);
        self.transfer = false;
        self.votes.clear();
        self.empty_votes.clear();
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
        if self.counts_vote_of(self.cfg.id) {
            self.votes.insert(self.cfg.id);
        }
        self.check_won(now, out);
    }

    /// Go's `shouldCountVoteFromPeer`.
    fn counts_vote_of(&self, peer: PeerId) -> bool {
        self.peers.contains_key(&peer) || self.peers.len() < self.cluster_size
    }

    fn check_won(&mut self, now: Nanos, out: &mut Vec<Output>) {
        let full = self.votes.len() >= self.quorum();
        // Everyone answered and some came up empty: our log is the newest.
        let everyone = self.votes.len() + self.empty_votes.len() >= self.cluster_size;
        if full || everyone {
            self.become_leader(now, out);
        }
    }

    pub(super) fn on_vote_request(&mut self, now: Nanos, req: VoteRequest, reply: String, out: &mut Vec<Output>) {
        let mut resp = VoteResponse { term: self.term, voter: self.cfg.id, granted: false, empty: self.pindex == 0 };
        if req.term < self.term {
            out.push(Output::Publish { subject: reply, reply: None, payload: resp.encode().to_vec() });
            return;
        }
        if req.term > self.term {
            if self.role != Role::Follower {
                self.become_follower(now, None, out);
            }
            self.cancel_catchup(out);
            self.term = req.term;
            self.vote = None;
            self.persist(out);
            self.set_leader(None, out);
        }
        let free = self.vote.is_none() || self.vote == Some(req.candidate);
        if free && resp.empty && self.initializing {
            resp.empty = false;
        }
        let log_ok = req.last_term > self.pterm || (req.last_term == self.pterm && req.last_index >= self.pindex);
        if free && log_ok {
            self.vote = Some(req.candidate);
            self.persist(out);
            resp.granted = true;
            self.reset_election(now);
        } else if self.vote.is_none() && self.role != Role::Candidate && !self.observer {
            // Our log is newer: run ourselves, soon.
            let t = self.cfg.timers;
            self.election_at = now + t.campaign_min + self.random() % (t.campaign_max - t.campaign_min).max(1);
        }
        resp.term = self.term;
        out.push(Output::Publish { subject: reply, reply: None, payload: resp.encode().to_vec() });
    }

    pub(super) fn on_vote_response(&mut self, now: Nanos, resp: VoteResponse, out: &mut Vec<Output>) {
        match self.role {
            Role::Candidate => {
                if resp.granted && resp.term == self.term {
                    self.track_peer(now, resp.voter, out);
                    if self.counts_vote_of(resp.voter) {
                        // In a rescue, a node with data counts empty voters
                        // too (Go's `countEmpty`).
                        if resp.empty && !(self.rescue.is_some() && self.pindex > 0) {
                            self.empty_votes.insert(resp.voter);
                        } else {
                            self.votes.insert(resp.voter);
                        }
                    }
                    self.check_won(now, out);
                } else if resp.term > self.term {
                    self.term = resp.term;
                    self.vote = None;
                    self.persist(out);
                    self.become_follower(now, None, out);
                }
            }
            // Go's leader steps down on a higher term in a late vote
            // response, without adopting it.
            Role::Leader if resp.term > self.term => self.become_follower(now, None, out),
            _ => {}
        }
    }

    fn become_leader(&mut self, now: Nanos, out: &mut Vec<Output>) {
        self.role = Role::Leader;
        self.transfer = false;
        self.votes.clear();
        self.empty_votes.clear();
        self.acks.clear();
        self.quorum_check_at = now + self.cfg.timers.lost_quorum;
        self.set_leader(Some(self.cfg.id), out);
        out.push(Output::Subscribe(self.subject("P")));
        out.push(Output::Subscribe(self.subject("RP")));
        // Go's no-op: the group's peers, as the new leader's first entry.
        let ps = self.peer_state();
        self.append(now, vec![Entry { kind: EntryType::PeerState, data: ps.encode() }], out);
        self.ready_at = self.pindex;
        if self.applied >= self.ready_at {
            self.ready_at = 0;
            self.leading = true;
            self.lead_change(true, out);
        }
    }

    pub(super) fn peer_state(&self) -> PeerState {
        PeerState { cluster_size: self.cluster_size as u32, peers: self.peers(), domain_ext: 0 }
    }

    /// Back to follower (Go's `switchToFollower`): a leader stops leading,
    /// drops its acks and catch-ups and its proposal subscriptions.
    pub(super) fn become_follower(&mut self, now: Nanos, leader: Option<PeerId>, out: &mut Vec<Output>) {
        let was_leader = self.role == Role::Leader;
        self.role = Role::Follower;
        self.transfer = false;
        self.votes.clear();
        self.empty_votes.clear();
        self.acks.clear();
        if was_leader {
            out.push(Output::Unsubscribe(self.subject("P")));
            out.push(Output::Unsubscribe(self.subject("RP")));
            for (_, p) in std::mem::take(&mut self.progress) {
                out.push(Output::Unsubscribe(p.ack_inbox));
            }
            self.ready_at = 0;
            // Leaving the leader state is signalled even before the no-op
            // was applied (Go's `switchState`).
            self.leading = false;
            self.lead_change(false, out);
        }
        self.set_leader(leader, out);
        self.reset_election(now);
    }

    /// Leading: hand leadership to `preferred` when it is a peer heard from
    /// lately, else to the most up-to-date such peer, with a stored
    /// `LeaderTransfer` entry; then follow. Go picks any healthy peer; the
    /// most up-to-date one wins its election soonest.
    pub(super) fn step_down_to(&mut self, now: Nanos, preferred: Option<PeerId>, out: &mut Vec<Output>) {
        if self.role != Role::Leader {
            return;
        }
        let recent = 3 * self.cfg.timers.heartbeat;
        let healthy = |id: &PeerId, p: &Peer| *id != self.cfg.id && p.heard > 0 && now < p.heard + recent;
        let chosen = preferred.filter(|id| self.peers.get(id).is_some_and(|p| healthy(id, p))).or_else(|| {
            let best = self.peers.iter().filter(|(id, p)| healthy(id, p)).max_by_key(|(_, p)| p.index);
            best.map(|(id, _)| *id)
        });
        if let Some(to) = chosen {
            self.append(now, vec![Entry { kind: EntryType::LeaderTransfer, data: to.to_vec() }], out);
        }
        self.become_follower(now, None, out);
    }

    /// A live append entry named us as the next leader.
    pub(super) fn transfer_to_us(&mut self, now: Nanos) {
        if !self.observer {
            self.transfer = true;
            self.election_at = now + TRANSFER_CAMPAIGN;
        }
    }
}
