//! Catch-up and snapshots (Go's `createCatchup`, `catchupStalled`,
//! `catchupFollower`, `runCatchup`, `sendSnapshotToFollower`,
//! `installSnapshot`, the snapshot branch of `processAppendEntry`).
//!
//! - A follower that finds a gap subscribes a fresh `$NRG.CR.<8>` inbox and
//!   answers the live append entry with failure, its `(pterm, pindex)`, and
//!   that inbox as the reply. It ignores live entries until it reaches the
//!   point the leader had then, and asks again when nothing arrived for
//!   2 s.
//! - The leader streams its stored append entries from the follower's next
//!   index, each re-encoded with `lterm` = its term and the reply set to a
//!   fresh `$NRG.CP.<8>` inbox, keeping at most 2 MiB unacked; it gives up
//!   after 2 s without an ack. When the follower is behind the log's start,
//!   one append entry of `[Snapshot, PeerState]` at the snapshot's point
//!   goes first, with the leader's own inbox as reply. A follower not yet a
//!   peer is proposed as one when done.
//! - The follower stores catch-up entries like live ones and acks each on
//!   the `$NRG.CP` reply (Go 2.15); those acks never count toward quorum. A
//!   first catch-up entry that does not match must be the snapshot, which
//!   the follower installs as its own.
//! - The upper layer's snapshot of what it applied drops the log up to it.
use super::*;
use crate::cluster::nrg::codec::{EntryType, PeerState};

/// Unacked catch-up bytes a leader allows a follower.
const MAX_OUTSTANDING: usize = 2 * 1024 * 1024;

impl<L: Log> Engine<L> {
    /// Starts (or restarts) catching up to the point of `ae`; the inbox to
    /// reply with.
    pub(super) fn create_catchup(&mut self, ae: &AppendEntry, now: Nanos, out: &mut Vec<Output>) -> String {
        if let Some(old) = self.catchup.take() {
            out.push(Output::Unsubscribe(old.inbox));
        }
        let inbox = self.new_inbox("CR");
        out.push(Output::Subscribe(inbox.clone()));
        self.catchup = Some(Catchup {
            cterm: ae.pterm,
            cindex: ae.pindex,
            pindex: self.pindex,
            active: now,
            inbox: inbox.clone(),
        });
        inbox
    }

    pub(super) fn cancel_catchup(&mut self, out: &mut Vec<Output>) {
        if let Some(c) = self.catchup.take() {
            out.push(Output::Unsubscribe(c.inbox));
        }
    }

    /// No progress for 2 s (progress re-arms the clock).
    pub(super) fn catchup_stalled(&mut self, now: Nanos) -> bool {
        let pindex = self.pindex;
        let Some(c) = self.catchup.as_mut() else { return false };
        if c.pindex == pindex {
            return now > c.active + CATCHUP_STALL;
        }
        c.pindex = pindex;
        c.active = now;
        false
    }

    /// The first catch-up entry did not follow our log: it must be the
    /// leader's snapshot with its peer state, which becomes ours.
    pub(super) fn install_leader_snapshot(&mut self, _now: Nanos, ae: AppendEntry, out: &mut Vec<Output>) {
        let [snap, ps] = ae.entries.as_slice() else {
            self.cancel_catchup(out);
            return;
        };
        if snap.kind != EntryType::Snapshot || ps.kind != EntryType::PeerState {
            self.cancel_catchup(out);
            return;
        }
        if PeerState::decode(&ps.data).is_err() {
            self.cancel_catchup(out);
            return;
        }
        self.apply_peer_state(&ps.data, out);
        let file = SnapshotFile {
            last_term: ae.pterm,
            last_index: ae.pindex,
            peer_state: self.peer_state().encode(),
            data: snap.data.clone(),
        };
        out.push(Output::Snapshot(file));
        self.snapshot = Some((ae.pterm, ae.pindex));
        self.terms.clear();
        self.pending.clear();
        (self.pterm, self.pindex) = (ae.pterm, ae.pindex);
        self.commit = ae.pindex;
        self.initializing = false;
        out.push(Output::Commit { index: ae.pindex, entries: vec![snap.clone()] });
    }

    /// A follower asked for catch-up from its `(resp.term, resp.index)` on
    /// `inbox`.
    pub(super) fn catchup_follower(
        &mut self,
        now: Nanos,
        resp: AppendEntryResponse,
        inbox: String,
        out: &mut Vec<Output>,
    ) {
        if let Some(old) = self.progress.remove(&resp.peer) {
            out.push(Output::Unsubscribe(old.ack_inbox));
        }
        let mut start = resp.index + 1;
        let first = self.terms.keys().next().copied();
        let before_log = match first {
            Some(f) => start < f,
            None => start <= self.pindex,
        };
        if before_log {
            let Some(snap) = self.log.snapshot() else {
                // Nothing to catch it up from: let another lead.
                self.become_follower(now, None, out);
                return;
            };
            let mut pindex = snap.last_index;
            if let Some(f) = first {
                pindex = pindex.max(f - 1);
            }
            let ae = AppendEntry {
                leader: self.cfg.id,
                term: self.term,
                commit: self.commit,
                pterm: snap.last_term,
                pindex,
                entries: vec![
                    Entry { kind: EntryType::Snapshot, data: snap.data },
                    Entry { kind: EntryType::PeerState, data: snap.peer_state },
                ],
                lterm: Some(0),
            };
            let Ok(payload) = ae.encode() else { return };
            out.push(Output::Publish { subject: inbox.clone(), reply: Some(self.cfg.inbox.clone()), payload });
            start = pindex + 1;
            if start > self.pindex {
                self.catchup_done(resp.peer, out);
                return;
            }
        }
        if start > self.pindex + 1 {
            // It claims more than we hold: we should not lead.
            self.become_follower(now, None, out);
            return;
        }
        if !self.terms.contains_key(&start) && start <= self.pindex {
            self.become_follower(now, None, out);
            return;
        }
        let ack_inbox = self.new_inbox("CP");
        out.push(Output::Subscribe(ack_inbox.clone()));
        let p = Progress {
            subject: inbox,
            ack_inbox,
            next: start - 1,
            last: self.pindex,
            in_flight: BTreeMap::new(),
            total: 0,
            active: now,
        };
        self.progress.insert(resp.peer, p);
        if self.send_next(resp.peer, out) {
            self.finish_catchup(resp.peer, out);
        }
    }

    /// Sends stored entries while under the window; true once all are sent.
    fn send_next(&mut self, peer: PeerId, out: &mut Vec<Output>) -> bool {
        let term = self.term;
        let Some(p) = self.progress.get_mut(&peer) else { return true };
        while p.total <= MAX_OUTSTANDING {
            p.next += 1;
            if p.next > p.last {
                return true;
            }
            let Some(mut ae) = self.log.load(p.next).and_then(|b| AppendEntry::decode(&b).ok()) else {
                return true;
            };
            ae.lterm = Some(term);
            let Ok(payload) = ae.encode() else { return true };
            p.in_flight.insert(p.next, payload.len());
            p.total += payload.len();
            out.push(Output::Publish { subject: p.subject.clone(), reply: Some(p.ack_inbox.clone()), payload });
        }
        false
    }

    pub(super) fn on_catchup_ack(&mut self, now: Nanos, resp: AppendEntryResponse, out: &mut Vec<Output>) {
        if self.role == Role::Leader && self.progress.contains_key(&resp.peer) {
            if let Some(p) = self.peers.get_mut(&resp.peer) {
                p.heard = now;
            }
            self.catchup_progress(now, resp.peer, resp.index, out);
        }
    }

    /// The follower stored up to `index`: send more, or finish.
    pub(super) fn catchup_progress(&mut self, now: Nanos, peer: PeerId, index: u64, out: &mut Vec<Output>) {
        let Some(p) = self.progress.get_mut(&peer) else { return };
        p.active = now;
        if let Some(n) = p.in_flight.remove(&index) {
            p.total -= n;
        }
        p.in_flight.retain(|&i, _| i > index);
        p.total = p.in_flight.values().sum();
        let done = index > p.last;
        if done || self.send_next(peer, out) {
            self.finish_catchup(peer, out);
        }
    }

    fn finish_catchup(&mut self, peer: PeerId, out: &mut Vec<Output>) {
        if let Some(p) = self.progress.remove(&peer) {
            out.push(Output::Unsubscribe(p.ack_inbox));
        }
        self.catchup_done(peer, out);
    }

    /// A caught-up follower that is not a peer yet becomes one.
    /// Go's `runCatchup` adds any caught-up responder; a server removed
    /// within the last 5 minutes is not, as Go's removal tests observe
    /// (`TestJetStreamClusterPeerRemovalAndServerBroughtBack`).
    fn catchup_done(&mut self, peer: PeerId, out: &mut Vec<Output>) {
        let removed_lately = self.removed.get(&peer).is_some_and(|&at| self.now < at + PEER_REMOVE_TIMEOUT);
        if !self.peers.contains_key(&peer) && !removed_lately {
            self.propose_add_peer(self.now, peer, out);
        }
    }

    /// Drops catch-ups that had no ack for 2 s.
    pub(super) fn expire_catchups(&mut self, now: Nanos, out: &mut Vec<Output>) {
        let stalled: Vec<PeerId> =
            self.progress.iter().filter(|(_, p)| now >= p.active + CATCHUP_STALL).map(|(id, _)| *id).collect();
        for peer in stalled {
            if let Some(p) = self.progress.remove(&peer) {
                out.push(Output::Unsubscribe(p.ack_inbox));
            }
        }
    }

    /// The upper layer's state as of what it applied becomes the snapshot,
    /// and the log up to it goes.
    pub(super) fn take_snapshot(&mut self, data: Vec<u8>, out: &mut Vec<Output>) {
        let index = self.applied;
        if index == 0 || self.snapshot.is_some_and(|(_, i)| i >= index) {
            return;
        }
        let Some(term) = self.term_at(index) else { return };
        let peer_state = self.committed_peer_state(index).encode();
        let file = SnapshotFile { last_term: term, last_index: index, peer_state, data };
        out.push(Output::Snapshot(file));
        self.snapshot = Some((term, index));
        self.terms.retain(|&i, _| i > index);
        self.pending.retain(|&i, _| i > index);
    }
}
