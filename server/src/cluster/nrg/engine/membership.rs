//! Membership and the lost-quorum check (Go's `sendMembershipChange`,
//! `ProposeAddPeer`, `ProposeRemovePeer`, `addPeer`, `removePeer`,
//! `processPeerState`, `revertMembershipChange`, `trackPeer`,
//! `adjustClusterSizeAndQuorum`, `lostQuorum`).
//!
//! - One change at a time: an `AddPeer` or `RemovePeer` entry applies to the
//!   peers as soon as it is stored (leader and followers alike), becomes
//!   official when committed, and is undone if truncated first. The
//!   cluster size follows the peer count on every change.
//! - A follower takes the leader's committed peer state as its peers;
//!   peers it drops count as removed. A snapshot carries the peers as
//!   committed, without a change still in flight.
//! - The leader of an unmanaged group (`_meta_`) proposes adding whoever
//!   answers it, unless that peer was removed within 5 minutes; a managed
//!   group's peers come from the upper layer only.
//! - A leader that has not heard from a quorum (itself counted) within the
//!   lost-quorum interval steps down.
use super::*;
use crate::cluster::nrg::codec::{EntryType, PeerState};

impl<L: Log> Engine<L> {
    /// Notes that `peer` answered; an unmanaged group's leader adds it.
    pub(super) fn track_peer(&mut self, now: Nanos, peer: PeerId, out: &mut Vec<Output>) {
        let removed_lately = self.removed.get(&peer).is_some_and(|&at| now < at + PEER_REMOVE_TIMEOUT);
        match self.peers.get_mut(&peer) {
            Some(p) => p.heard = now,
            None => {
                if !self.cfg.managed && self.role == Role::Leader && !removed_lately {
                    self.propose_add_peer(now, peer, out);
                }
            }
        }
    }

    pub(super) fn propose_add_peer(&mut self, now: Nanos, peer: PeerId, out: &mut Vec<Output>) {
        if self.role != Role::Leader || self.membership.is_some() || self.peers.contains_key(&peer) {
            return;
        }
        self.membership = Some(MembershipChange { index: self.pindex + 1, peer, removed: None });
        self.append(now, vec![Entry { kind: EntryType::AddPeer, data: peer.to_vec() }], out);
        if self.membership.is_some() && !self.peers.contains_key(&peer) {
            self.peers.insert(peer, Peer { heard: now, index: 0 });
            self.adjust_cluster_size();
        }
    }

    /// Leading: propose the removal; following: ask the leader on
    /// `$NRG.RP.<group>`.
    pub(super) fn propose_remove_peer(&mut self, now: Nanos, peer: PeerId, out: &mut Vec<Output>) {
        if self.role != Role::Leader {
            let subject = self.subject("RP");
            out.push(Output::Publish { subject, reply: None, payload: peer.to_vec() });
            return;
        }
        if self.membership.is_some() || self.peers.len() <= 1 {
            return;
        }
        let Some(was) = self.peers.get(&peer).copied() else { return };
        let index = self.pindex + 1;
        self.membership = Some(MembershipChange { index, peer, removed: Some(was) });
        // Gone from the peers as soon as stored: the commit needs a quorum
        // of the group without it.
        self.peers.remove(&peer);
        self.adjust_cluster_size();
        self.append(now, vec![Entry { kind: EntryType::RemovePeer, data: peer.to_vec() }], out);
    }

    /// A follower stored `entries` at `index` (or found them in its log on
    /// start): membership changes apply now, and a transfer to us runs.
    pub(super) fn on_stored(&mut self, index: u64, entries: &[Entry], live: bool, now: Nanos) {
        for e in entries {
            let peer = PeerId::try_from(e.data.as_slice()).ok();
            match (e.kind, peer) {
                (EntryType::LeaderTransfer, Some(p)) if live && p == self.cfg.id => self.transfer_to_us(now),
                (EntryType::AddPeer, Some(p)) => {
                    self.membership = Some(MembershipChange { index, peer: p, removed: None });
                    self.peers.entry(p).or_default();
                    self.adjust_cluster_size();
                }
                (EntryType::RemovePeer, Some(p)) => {
                    self.removed_live |= live && p == self.cfg.id;
                    let was = self.peers.remove(&p).unwrap_or_default();
                    self.membership = Some(MembershipChange { index, peer: p, removed: Some(was) });
                    self.adjust_cluster_size();
                }
                _ => {}
            }
        }
    }

    /// A committed `AddPeer`.
    pub(super) fn add_peer(&mut self, peer: PeerId, out: &mut Vec<Output>) {
        self.removed.remove(&peer);
        self.peers.entry(peer).or_default();
        self.adjust_cluster_size();
        out.push(Output::PersistPeers(self.peer_state().encode()));
    }

    /// A committed `RemovePeer`.
    pub(super) fn remove_peer(&mut self, peer: PeerId, _index: u64, out: &mut Vec<Output>) {
        self.removed.insert(peer, self.now);
        self.peers.remove(&peer);
        self.adjust_cluster_size();
        out.push(Output::PersistPeers(self.peer_state().encode()));
    }

    /// A committed peer state from the leader becomes ours.
    pub(super) fn apply_peer_state(&mut self, bytes: &[u8], out: &mut Vec<Output>) {
        let Ok(ps) = PeerState::decode(bytes) else { return };
        self.cluster_size = (ps.cluster_size as usize).max(1);
        self.recalc_quorum();
        let mut old = std::mem::take(&mut self.peers);
        for p in ps.peers {
            let known = old.remove(&p).unwrap_or_default();
            self.peers.insert(p, known);
            self.removed.remove(&p);
        }
        for p in old.into_keys() {
            self.removed.insert(p, self.now);
        }
        out.push(Output::PersistPeers(bytes.to_vec()));
    }

    /// The peers as committed at `index`: a change stored after it is
    /// undone (Go's `committedPeerStateLocked`), so a snapshot never carries
    /// a membership that may still be dropped.
    pub(super) fn committed_peer_state(&self, index: u64) -> PeerState {
        let mut ps = self.peer_state();
        if let Some(m) = self.membership.filter(|m| m.index > index) {
            match m.removed {
                Some(_) if !ps.peers.contains(&m.peer) => ps.peers.push(m.peer),
                Some(_) => {}
                None => ps.peers.retain(|&p| p != m.peer),
            }
            ps.peers.sort();
            ps.cluster_size = ps.peers.len() as u32;
        }
        ps
    }

    /// An uncommitted change was truncated away: undo it.
    pub(super) fn revert_membership(&mut self, out: &mut Vec<Output>) {
        let Some(m) = self.membership.take() else { return };
        match m.removed {
            Some(was) => {
                self.peers.insert(m.peer, was);
                self.removed.remove(&m.peer);
            }
            None => {
                self.peers.remove(&m.peer);
            }
        }
        self.adjust_cluster_size();
        out.push(Output::PersistPeers(self.peer_state().encode()));
    }

    /// The cluster size follows the peer count (Go's
    /// `adjustClusterSizeAndQuorum`).
    fn adjust_cluster_size(&mut self) {
        self.cluster_size = self.peers.len().max(1);
        self.recalc_quorum();
    }

    /// A rescue ends once the group's own quorum is as low as the rescued
    /// one (Go's `recalcQuorum`); above it, the rescued quorum stays.
    pub(super) fn recalc_quorum(&mut self) {
        if self.rescue.is_some_and(|(qn, _)| self.cluster_size / 2 < qn) {
            self.rescue = None;
        }
    }

    /// No quorum heard from within the interval, this node counted.
    pub(super) fn lost_quorum(&self, now: Nanos) -> bool {
        let window = self.cfg.timers.lost_quorum;
        let heard =
            self.peers.iter().filter(|(id, p)| **id == self.cfg.id || (p.heard > 0 && now < p.heard + window)).count();
        heard < self.quorum()
    }
}
