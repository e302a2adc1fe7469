//! Replication: proposals become append entries, stored then broadcast once;
//! followers store what matches and answer; the leader commits by quorum and
//! the upper layer gets what is committed (Go's `sendAppendEntry`,
//! `processAppendEntry`, `processAppendEntryResponse`, `trackResponse`,
//! `tryCommit`, `applyCommit`).
//!
//! - Proposals go out batched, up to 256 KiB or 4,096 entries to an append
//!   entry, and an append entry takes one index (`pindex + 1`): an NRG index
//!   counts append entries, not entries.
//! - A follower whose `(pterm, pindex)` matches stores the entry, applies
//!   membership entries at once, applies the leader's commit up to what it
//!   has, and answers every live append entry with its `(pterm, pindex)`.
//! - One whose point is past the leader's truncates back to where their
//!   terms agree (never below its commit) and does not answer; one that is
//!   behind asks for catch-up (`catchup.rs`).
//! - The leader commits an index once a quorum of members stored it (itself
//!   counted while a member), then sends a heartbeat so followers learn it.
use super::*;
use crate::cluster::nrg::codec::EntryType;

/// Go's `runAsLeader` batch bounds.
const MAX_BATCH_BYTES: usize = 256 * 1024;
const MAX_BATCH_ENTRIES: usize = 4096;

impl<L: Log> Engine<L> {
    pub(super) fn propose(&mut self, now: Nanos, ops: Vec<Vec<u8>>, out: &mut Vec<Output>) {
        let mut batch = Vec::new();
        let mut size = 0;
        for op in ops {
            size += op.len() + 1;
            batch.push(Entry { kind: EntryType::Normal, data: op });
            if size >= MAX_BATCH_BYTES || batch.len() >= MAX_BATCH_ENTRIES {
                self.append(now, std::mem::take(&mut batch), out);
                size = 0;
            }
        }
        if !batch.is_empty() {
            self.append(now, batch, out);
        }
    }

    /// A live append entry from this leader at its current point, with a
    /// zero `lterm` as Go's live ones carry.
    fn live_entry(&self, entries: Vec<Entry>) -> AppendEntry {
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
    pub(super) fn append(&mut self, now: Nanos, entries: Vec<Entry>, out: &mut Vec<Output>) {
        let ae = self.live_entry(entries);
        let Ok(bytes) = ae.encode() else { return };
        let index = self.pindex + 1;
        out.push(Output::Store { index, term: self.term, bytes: bytes.clone() });
        (self.pindex, self.pterm) = (index, self.term);
        self.terms.insert(index, self.term);
        self.pending.insert(index, ae.entries);
        self.acks.entry(index).or_default();
        out.push(Output::Publish { subject: self.subject("AE"), reply: Some(self.cfg.inbox.clone()), payload: bytes });
        self.last_append = now;
        self.try_commit(index, out);
    }

    /// A heartbeat: an append entry without entries.
    pub(super) fn send_heartbeat(&mut self, now: Nanos, out: &mut Vec<Output>) {
        if let Ok(payload) = self.live_entry(Vec::new()).encode() {
            out.push(Output::Publish { subject: self.subject("AE"), reply: Some(self.cfg.inbox.clone()), payload });
        }
        self.last_append = now;
    }

    /// Commits up to `index` once a quorum of members stored it.
    pub(super) fn try_commit(&mut self, index: u64, out: &mut Vec<Output>) -> bool {
        if index <= self.commit || self.terms.get(&index) != Some(&self.term) {
            return false;
        }
        let me = usize::from(self.peers.contains_key(&self.cfg.id));
        if self.acks.get(&index).map_or(0, BTreeSet::len) + me < self.quorum() {
            return false;
        }
        self.apply_commits(index, out);
        true
    }

    /// Commits each index up to `upto` (no further than what is stored) and
    /// hands its entries up; membership entries become official here.
    pub(super) fn apply_commits(&mut self, upto: u64, out: &mut Vec<Output>) {
        let upto = upto.min(self.pindex);
        while self.commit < upto {
            let index = self.commit + 1;
            let entries = match self.pending.remove(&index) {
                Some(e) => e,
                None => match self.log.load(index).and_then(|b| AppendEntry::decode(&b).ok()) {
                    Some(ae) => ae.entries,
                    None => break,
                },
            };
            self.commit = index;
            self.acks.remove(&index);
            let mut up = Vec::new();
            let mut removed_self = false;
            for e in entries {
                match e.kind {
                    EntryType::Normal | EntryType::Snapshot => up.push(e),
                    EntryType::OldSnapshot => up.push(Entry { kind: EntryType::Snapshot, data: e.data }),
                    EntryType::PeerState if self.role != Role::Leader => self.apply_peer_state(&e.data, out),
                    EntryType::AddPeer | EntryType::RemovePeer => {
                        let Ok(peer) = PeerId::try_from(e.data.as_slice()) else { continue };
                        // A leader skips a change it reverted; a follower
                        // applies whatever the leader committed.
                        if self.membership.is_none() && self.role == Role::Leader {
                            continue;
                        }
                        if e.kind == EntryType::AddPeer {
                            self.add_peer(peer, out);
                        } else {
                            self.remove_peer(peer, index, out);
                            removed_self |= peer == self.cfg.id;
                        }
                        self.membership = None;
                        up.push(e);
                    }
                    _ => {}
                }
            }
            out.push(Output::Commit { index, entries: up });
            if removed_self && self.role == Role::Leader {
                // Removed as leader: hand over, and go quiet as Go's node
                // stops (`errNodeRemoved`).
                self.retired = true;
                self.step_down_to(self.now, None, out);
            }
        }
    }

    pub(super) fn on_append_response(
        &mut self,
        now: Nanos,
        resp: AppendEntryResponse,
        reply: Option<String>,
        out: &mut Vec<Output>,
    ) {
        if self.role != Role::Leader {
            return;
        }
        self.track_peer(now, resp.peer, out);
        if resp.success {
            if self.track_response(now, &resp, out) && self.try_commit(resp.index, out) {
                self.send_heartbeat(now, out);
            }
        } else if let Some(inbox) = reply {
            self.catchup_follower(now, resp, inbox, out);
        } else if resp.term > self.term {
            self.term = resp.term;
            self.vote = None;
            self.persist(out);
            self.become_follower(now, None, out);
        }
    }

    /// Records a follower's success; whether it counts toward a commit.
    fn track_response(&mut self, now: Nanos, resp: &AppendEntryResponse, out: &mut Vec<Output>) -> bool {
        if let Some(p) = self.peers.get_mut(&resp.peer) {
            p.index = p.index.max(resp.index);
        }
        if self.progress.contains_key(&resp.peer) {
            self.catchup_progress(now, resp.peer, resp.index, out);
        }
        if resp.index <= self.commit || resp.term != self.term || !self.peers.contains_key(&resp.peer) {
            return false;
        }
        self.acks.entry(resp.index).or_default().insert(resp.peer);
        true
    }

    /// An append entry, live on the group's subject or from a catch-up on
    /// one of our inboxes (`catchup_inbox`), as Go's `processAppendEntry`
    /// takes it.
    pub(super) fn on_append_entry(
        &mut self,
        now: Nanos,
        ae: AppendEntry,
        reply: Option<String>,
        catchup_inbox: Option<String>,
        out: &mut Vec<Output>,
    ) {
        let live = catchup_inbox.is_none();
        // The leader states its current term on catch-up entries.
        let lterm = ae.lterm.filter(|&t| t != 0).unwrap_or(ae.term);
        let explicit_lterm = ae.lterm.is_some_and(|t| t != 0);
        // Our own live append entry, echoed back: Go never hears its own. One
        // that states an older term than ours as leader is refused below like
        // any other. Catch-up entries we wrote as an earlier leader are
        // stored like any other.
        if live && ae.leader == self.cfg.id && !(self.role == Role::Leader && lterm < self.term) {
            return;
        }
        let current = catchup_inbox.is_some() && self.catchup.as_ref().map(|c| &c.inbox) == catchup_inbox.as_ref();
        if !self.transfer {
            self.reset_election(now);
        }
        match self.role {
            Role::Leader if lterm < self.term => {
                let resp =
                    AppendEntryResponse { term: self.term, index: self.pindex, peer: self.cfg.id, success: false };
                if let Some(r) = reply {
                    self.reply(r, None, resp, out);
                }
                return;
            }
            Role::Leader | Role::Candidate if lterm >= self.term => {
                if lterm > self.term {
                    self.term = lterm;
                    self.vote = None;
                    self.persist(out);
                }
                self.become_follower(now, Some(ae.leader), out);
                // Go signals a candidate that another leads, too.
                self.lead_change(false, out);
            }
            _ => {}
        }
        // An entry of a catch-up we no longer run.
        if !live && !current && (!explicit_lterm || ae.pindex < self.pindex) {
            return;
        }
        // A leader's snapshot is never a log entry: one at or below our
        // point tells us nothing (Go would store it and diverge).
        if !live && is_snapshot_install(&ae) && ae.pindex <= self.pindex {
            return;
        }
        if lterm > self.term {
            self.term = lterm;
            self.vote = None;
            if live {
                self.persist(out);
            }
        } else if lterm < self.term && (live || explicit_lterm) {
            if live {
                let resp =
                    AppendEntryResponse { term: self.term, index: self.pindex, peer: self.cfg.id, success: false };
                if let Some(r) = reply {
                    self.reply(r, None, resp, out);
                }
            }
            return;
        }
        let mut catching_up = self.catchup.is_some();
        if let Some(c) = &self.catchup {
            if self.pterm >= c.cterm && self.pindex >= c.cindex {
                self.cancel_catchup(out);
                catching_up = false;
            } else if live {
                // Live entries wait while we catch up; a stalled catch-up
                // asks again.
                if self.catchup_stalled(now) {
                    self.ask_catchup(&ae, now, reply, out);
                }
                return;
            }
        }
        if live && self.leader != Some(ae.leader) && self.role == Role::Follower {
            self.set_leader(Some(ae.leader), out);
            self.persist(out);
        }
        if live && self.leader == Some(ae.leader) {
            if let Some(p) = self.peers.get_mut(&ae.leader) {
                p.heard = now;
            }
        }
        if (ae.pterm, ae.pindex) != (self.pterm, self.pindex) {
            if ae.pindex <= self.pindex {
                if self.realign(&ae, live, out) {
                    // Truncated back to the leader's point: store on.
                } else {
                    return;
                }
            } else if catching_up {
                self.install_leader_snapshot(now, ae, out);
                return;
            } else {
                self.ask_catchup(&ae, now, reply, out);
                return;
            }
        }
        if !ae.entries.is_empty() {
            let index = self.pindex + 1;
            let bytes = if live { ae.encode() } else { self.as_stored(&ae) };
            let Ok(bytes) = bytes else { return };
            out.push(Output::Store { index, term: ae.term, bytes });
            (self.pindex, self.pterm) = (index, ae.term);
            self.terms.insert(index, ae.term);
            self.initializing = false;
            self.on_stored(index, &ae.entries, live, now);
            self.pending.insert(index, ae.entries);
        }
        if ae.commit > self.commit {
            self.apply_commits(ae.commit, out);
        }
        let resp = AppendEntryResponse { term: self.pterm, index: self.pindex, peer: self.cfg.id, success: true };
        match reply {
            // Only live entries count toward quorum.
            Some(r) if live => self.reply(r, None, resp, out),
            // Catch-up entries are acked for flow control (Go 2.15).
            Some(r) if r.starts_with("$NRG.CP.") => self.reply(r, None, resp, out),
            _ => {}
        }
    }

    /// Starts a catch-up to the point of `ae` and asks the leader for it:
    /// failure, our `(pterm, pindex)`, and the catch-up inbox as the reply.
    fn ask_catchup(&mut self, ae: &AppendEntry, now: Nanos, reply: Option<String>, out: &mut Vec<Output>) {
        let inbox = self.create_catchup(ae, now, out);
        let resp = AppendEntryResponse { term: self.pterm, index: self.pindex, peer: self.cfg.id, success: false };
        if let Some(r) = reply {
            self.reply(r, Some(inbox), resp, out);
        }
    }

    /// A catch-up entry is stored as the leader first stored it: without the
    /// `lterm` the catch-up added.
    fn as_stored(&self, ae: &AppendEntry) -> Result<Vec<u8>, crate::cluster::nrg::codec::Error> {
        AppendEntry { lterm: Some(0), ..ae.clone() }.encode()
    }

    /// Our log runs past the leader's point, or disagrees at it (Go's
    /// `pindex <= n.pindex` branch of `processAppendEntry`): truncate to
    /// where we agree, never below our commit. True when we now stand at the
    /// leader's point and can store its entry; false (no answer) otherwise.
    fn realign(&mut self, ae: &AppendEntry, live: bool, out: &mut Vec<Output>) -> bool {
        if ae.pindex < self.commit {
            // Committed already: nothing to undo.
            return false;
        }
        // A late copy of an entry of this leader we hold already. Go would
        // truncate and store it again; over FIFO routes it cannot happen.
        if self.terms.get(&(ae.pindex + 1)) == Some(&ae.term) {
            return false;
        }
        // Only what the log holds counts: index 0 and the snapshot's index
        // are not entries (Go's `loadEntry` finds nothing there).
        let ok = match self.terms.get(&ae.pindex).copied() {
            None => {
                if ae.pterm == self.pterm && live {
                    // Processed already (a snapshot covers it).
                    return false;
                }
                if ae.pindex == self.pindex {
                    // Only the terms differ: take the leader's, and wait for
                    // its next entry.
                    self.truncate(ae.pterm, ae.pindex, out);
                    false
                } else if self.snapshot == Some((ae.pterm, ae.pindex)) {
                    self.truncate(ae.pterm, ae.pindex, out);
                    true
                } else {
                    // Something went very wrong: start over (Go's `resetWAL`).
                    if self.commit == 0 {
                        self.truncate(0, 0, out);
                    }
                    false
                }
            }
            Some(t) if t == ae.pterm => {
                self.truncate(ae.pterm, ae.pindex, out);
                true
            }
            Some(_) => {
                // Our entry there is of another term: drop it and what follows.
                let back = ae.pindex - 1;
                if back < self.commit {
                    return false;
                }
                let t = self.term_at(back).unwrap_or(0);
                self.truncate(t, back, out);
                false
            }
        };
        if !ok {
            self.cancel_catchup(out);
        }
        ok && (self.pterm, self.pindex) == (ae.pterm, ae.pindex)
    }

    /// Drops the log after `index` (Go's `truncateWAL`).
    pub(super) fn truncate(&mut self, term: u64, index: u64, out: &mut Vec<Output>) {
        if index < self.commit {
            return;
        }
        out.push(Output::Truncate(index));
        (self.pterm, self.pindex) = (term, index);
        self.terms.retain(|&i, _| i <= index);
        self.pending.retain(|&i, _| i <= index);
        self.acks.retain(|&i, _| i <= index);
        if self.snapshot.is_some_and(|(_, i)| i > index) {
            self.snapshot = None;
        }
        if self.membership.is_some_and(|m| m.index > index) {
            self.revert_membership(out);
        }
    }
}

/// A leader's catch-up snapshot: `[Snapshot, PeerState]`.
pub(super) fn is_snapshot_install(ae: &AppendEntry) -> bool {
    matches!(ae.entries.as_slice(), [s, p] if s.kind == EntryType::Snapshot && p.kind == EntryType::PeerState)
}
