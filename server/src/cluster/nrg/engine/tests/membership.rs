//! Go's membership tests (`raft_test.go`): one change at a time, applied
//! when stored and undone when truncated, removals proposed or forwarded,
//! peers joining an unmanaged group, and quorums that must not form from
//! peers that are gone or not yet official.
use super::super::*;
use super::harness::*;
use crate::cluster::nrg::codec::{EntryType, PeerState};

fn changing(e: &Engine<MemLog>) -> bool {
    e.membership.is_some()
}

/// Waits up to `secs` for `done`.
fn wait_for(c: &mut Cluster, secs: u64, done: impl Fn(&Cluster) -> bool) -> bool {
    for _ in 0..secs * 20 {
        if done(c) {
            return true;
        }
        c.advance(50 * MILLISECOND);
    }
    done(c)
}

fn all_peers(c: &Cluster, n: usize) -> bool {
    (0..c.m.len()).filter(|&i| c.running(i)).all(|i| c.e(i).peers().len() == n)
}

/// Go: TestNRGRemoveLeaderPeerDeadlockBug
#[test]
fn a_leader_that_removes_itself_hands_over() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let old = c.id(l);
    c.run(l, Input::RemovePeer(old));
    assert!(wait_for(&mut c, 10, |c| c.leader().is_some_and(|n| n != l) && c.e(l).leader() != Some(old)));
}

/// The kinds of node Go's truncation tests run: one that proposed the
/// change, one that stored it live, one that replayed it on start.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Leader,
    Follower,
    Restart,
}

/// A node of `peers` holding a normal entry then the `change` at index 2.
fn holding(kind: Kind, peers: &[PeerId], change: Input, entry: Vec<Entry>) -> Node {
    let first = ae(nats(0), 1, 0, 0, 0, normal());
    let second = ae(nats(0), 1, 0, 1, 1, entry);
    match kind {
        Kind::Leader => {
            let mut n = node(peers);
            n.elect();
            n.step(change);
            n
        }
        Kind::Follower => {
            let mut n = node(peers);
            n.live(&first);
            n.live(&second);
            n
        }
        Kind::Restart => {
            let disk = MemLog::default();
            disk.put(1, &first);
            disk.put(2, &second);
            let mut all = vec![me()];
            all.extend_from_slice(peers);
            Node::start(config(me(), &all), disk, 0)
        }
    }
}

/// Go: TestNRGTruncateWALRevertsUncommittedAddPeer
#[test]
fn truncating_an_uncommitted_add_peer_undoes_it() {
    for kind in [Kind::Leader, Kind::Follower, Kind::Restart] {
        let new = nats(1);
        let mut n = holding(kind, &[nats(0)], Input::AddPeer(new), entry(EntryType::AddPeer, &new));
        assert_eq!(n.e.last().1, 2, "{kind:?}");
        assert!(n.e.peers().contains(&new));
        assert_eq!((n.e.cluster_size(), n.e.quorum()), (3, 2));
        let m = n.e.membership.expect("in progress");
        assert_eq!((m.index, m.peer, m.removed.is_none()), (2, new, true));
        let outs = n.force(|e, _, out| e.truncate(1, 1, out));
        assert_eq!(n.e.last().1, 1);
        assert!(!n.e.peers().contains(&new), "{kind:?}");
        assert_eq!((n.e.cluster_size(), n.e.quorum()), (2, 2));
        assert!(!changing(&n.e));
        assert!(outs.iter().any(|o| matches!(o, Output::PersistPeers(_))), "the reverted peers are written");
    }
}

/// Go: TestNRGTruncateWALRevertsUncommittedRemovePeer
#[test]
fn truncating_an_uncommitted_remove_peer_undoes_it() {
    for kind in [Kind::Leader, Kind::Follower, Kind::Restart] {
        let old = nats(1);
        let mut n = holding(kind, &[nats(0), old], Input::RemovePeer(old), entry(EntryType::RemovePeer, &old));
        assert!(!n.e.peers().contains(&old), "{kind:?}");
        assert_eq!((n.e.cluster_size(), n.e.quorum()), (2, 2));
        assert!(!n.e.removed.contains_key(&old));
        let m = n.e.membership.expect("in progress");
        assert_eq!((m.index, m.peer, m.removed.is_some()), (2, old, true));
        n.force(|e, _, out| e.truncate(1, 1, out));
        assert!(n.e.peers().contains(&old), "{kind:?}");
        assert_eq!((n.e.cluster_size(), n.e.quorum()), (3, 2));
        assert!(!n.e.removed.contains_key(&old));
        assert!(!changing(&n.e));
    }
}

/// Go: TestNRGTrackPeerAutoAddOnlyUnmanaged
#[test]
fn only_an_unmanaged_leader_adds_whoever_answers_it() {
    for managed in [false, true] {
        let mut cfg = config(me(), &[me()]);
        cfg.managed = managed;
        let mut n = Node::start(cfg, MemLog::default(), 0);
        n.elect();
        let outs = n.ack(nats(0), n.e.term(), 1);
        let adds: Vec<AppendEntry> = appends(&outs, "$NRG.AE.")
            .into_iter()
            .filter(|ae| ae.entries.iter().any(|e| e.kind == EntryType::AddPeer && e.data == nats(0)))
            .collect();
        assert_eq!(adds.len(), usize::from(!managed), "managed: {managed}");
    }
}

/// Go: TestNRGProposeRemovePeer
#[test]
fn a_removed_follower_leaves_every_member_s_peers() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let gone = c.id(c.follower());
    c.run(l, Input::RemovePeer(gone));
    assert!(wait_for(&mut c, 10, |c| all_peers(c, 2)));
}

/// Go: TestNRGProposeRemovePeerNonExistent
#[test]
fn removing_an_unknown_peer_does_nothing() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let bogus = *b"deadbeef";
    let outs = c.run(l, Input::RemovePeer(bogus));
    assert!(stores(&outs).is_empty());
    assert!(!changing(c.e(l)));
    for i in 0..3 {
        assert!(!c.e(i).removed.contains_key(&bogus));
        assert_eq!(c.e(i).peers().len(), 3);
    }
    let real = c.id(c.follower());
    c.run(l, Input::RemovePeer(real));
    assert!(wait_for(&mut c, 2, |c| all_peers(c, 2)));
}

/// Go: TestNRGForwardedRemovePeerProposalNonExistent
#[test]
fn a_forwarded_removal_of_an_unknown_peer_does_nothing() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let f = c.follower();
    let outs = c.run(f, Input::RemovePeer(*b"deadbeef"));
    assert_eq!(published(&outs, "$NRG.RP.TEST").len(), 1, "forwarded");
    c.advance(500 * MILLISECOND);
    assert!(!changing(c.e(l)));
    for i in 0..3 {
        assert!(!c.e(i).removed.contains_key(b"deadbeef"));
        assert_eq!(c.e(i).peers().len(), 3);
    }
    let me = c.id(f);
    c.run(f, Input::RemovePeer(me));
    assert!(wait_for(&mut c, 2, |c| all_peers(c, 2)));
}

/// Go: TestNRGProposeRemovePeerConcurrent
#[test]
fn a_second_removal_waits_for_the_first() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    for &f in &fs {
        c.block(f);
    }
    c.run(l, Input::RemovePeer(c.id(fs[0])));
    assert!(changing(c.e(l)));
    let outs = c.run(l, Input::RemovePeer(c.id(fs[1])));
    assert!(stores(&outs).is_empty(), "refused while a change is in progress");
    for &f in &fs {
        c.unblock(f);
    }
    assert!(wait_for(&mut c, 10, |c| all_peers(c, 2)));
}

/// Go: TestNRGUncommittedMembershipChangeOnNewLeader
#[test]
fn a_new_leader_finishes_a_change_it_stored_before_another() {
    let mut n = node(&[nats(1), nats(2)]);
    n.live(&ae(nats(1), 1, 0, 0, 0, entry(EntryType::RemovePeer, &nats(2))));
    assert_eq!(n.e.last().1, 1);
    assert_eq!(n.e.commit(), 0);
    n.elect();
    let outs = n.step(Input::RemovePeer(nats(1)));
    assert!(stores(&outs).is_empty());
    assert!(changing(&n.e));
}

/// Go: TestNRGUncommittedMembershipChangeGetsTruncated
#[test]
fn a_change_is_in_progress_until_truncated() {
    let mut n = node(&[]);
    n.live(&ae(nats(1), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(1), 1, 0, 1, 1, entry(EntryType::AddPeer, &nats(1))));
    assert_eq!(n.e.last().1, 2);
    assert_eq!(n.e.membership.map(|m| m.index), Some(2));
    n.force(|e, _, out| e.truncate(1, 2, out));
    assert_eq!(n.e.membership.map(|m| m.index), Some(2));
    n.force(|e, _, out| e.truncate(1, 1, out));
    assert!(!changing(&n.e));
}

/// Go: TestNRGUncommittedMembershipChangeOnNewLeaderForwardedRemovePeerProposal
#[test]
fn a_forwarded_removal_waits_for_the_change_a_new_leader_inherited() {
    let mut n = node(&[nats(1), nats(2)]);
    n.live(&ae(nats(1), 1, 0, 0, 0, entry(EntryType::RemovePeer, &nats(2))));
    n.elect();
    n.e.leading = true;
    let before = n.e.last();
    assert!(changing(&n.e));
    n.step(Input::ForwardedRemovePeer(nats(1).to_vec()));
    let outs = n.step(Input::ForwardedRemovePeerRequest { peer: nats(1).to_vec(), reply: "$CLIENT".into() });
    assert!(published(&outs, "$CLIENT").is_empty(), "not answered");
    assert_eq!(n.e.last(), before);
    assert!(changing(&n.e));
}

/// Go: TestNRGProposeRemovePeerQuorum
#[test]
fn a_removal_needs_a_quorum_of_the_group_without_the_peer() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    c.block(fs[0]);
    c.run(l, Input::RemovePeer(c.id(fs[1])));
    c.advance(SECOND);
    assert!(changing(c.e(l)));
    c.unblock(fs[0]);
    assert!(wait_for(&mut c, 10, |c| !changing(c.e(l))));
}

/// Go: TestNRGProposeRemovePeerLeader
#[test]
fn a_leader_removing_itself_does_not_count_its_own_ack() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    c.block(fs[0]);
    c.run(l, Input::RemovePeer(c.id(l)));
    c.advance(SECOND);
    assert!(changing(c.e(l)), "one follower's ack is not a quorum of two");
    c.unblock(fs[0]);
    assert!(wait_for(&mut c, 10, |c| !changing(c.e(l))));
    assert!(wait_for(&mut c, 10, |c| c.leader().is_some_and(|n| n != l)));
    let new = c.leader().unwrap();
    assert_ne!(c.e(l).role(), Role::Leader);
    assert!(c.e(l).retired, "the removed leader goes quiet, as Go's stops");
    assert_eq!(c.e(new).peers().len(), 2);
    assert!(!changing(c.e(new)));
}

/// Go: TestNRGProposeRemovePeerAll
#[test]
fn the_last_member_can_not_be_removed() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    assert_eq!(c.e(l).peers().len(), 3);
    for (i, &f) in fs.iter().enumerate() {
        c.run(l, Input::RemovePeer(c.id(f)));
        assert!(wait_for(&mut c, 2, |c| c.e(l).peers().len() == 2 - i));
    }
    assert_eq!(c.e(l).peers(), [c.id(l)]);
    let outs = c.run(l, Input::RemovePeer(c.id(l)));
    assert!(stores(&outs).is_empty());
}

/// Go: TestNRGLeaderResurrectsRemovedPeers
#[test]
fn a_restarted_leader_does_not_bring_back_a_removed_peer() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    c.run(l, Input::RemovePeer(c.id(fs[0])));
    assert!(wait_for(&mut c, 2, |c| c.e(l).peers().len() == 2));
    c.stop(l);
    c.stop(fs[1]);
    c.restart(l);
    assert_eq!(c.e(l).peers().len(), 2);
    c.restart(fs[1]);
    assert_eq!(c.e(l).peers().len(), 2);
}

/// Go: TestNRGAddPeers
#[test]
fn new_servers_join_an_unmanaged_group_one_by_one() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    assert_eq!(c.e(l).cluster_size(), 3);
    for _ in 0..6 {
        c.add();
    }
    assert!(wait_for(&mut c, 10, |c| c.e(l).cluster_size() == 9));
}

/// Go: TestNRGDisjointMajorities
#[test]
fn a_leader_can_not_commit_with_only_the_peers_it_added() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    for f in c.followers() {
        c.block(f);
    }
    c.add();
    assert!(wait_for(&mut c, 1, |c| c.e(l).cluster_size() == 4));
    c.add();
    c.advance(SECOND);
    assert_eq!(c.e(l).cluster_size(), 4);
    assert!(changing(c.e(l)));
}

/// Go: TestNRGAppendEntryResurrectsLeader
#[test]
fn a_removed_leader_s_append_entries_do_not_bring_it_back() {
    let s2 = id("S-2");
    let mut n = node(&[s2]);
    assert_eq!((n.e.peers().len(), n.e.cluster_size()), (2, 2));
    n.live(&ae(s2, 1, 0, 0, 0, entry(EntryType::RemovePeer, &s2)));
    n.live(&ae(s2, 1, 1, 1, 1, vec![]));
    assert_eq!((n.e.peers().len(), n.e.cluster_size()), (1, 1));
    n.live(&ae(s2, 1, 1, 1, 1, vec![]));
    assert_eq!((n.e.peers().len(), n.e.cluster_size()), (1, 1));
}

/// Go: TestNRGSingleNodeElection
#[test]
fn the_last_member_leads_alone_and_grows_again() {
    let mut c = Cluster::new(3);
    for _ in 0..2 {
        let l = c.wait_leader().expect("a leader");
        c.run(l, Input::RemovePeer(c.id(l)));
        assert!(wait_for(&mut c, 1, |c| c.e(l).role() != Role::Leader));
        assert!(!changing(c.e(l)));
    }
    let l = c.wait_leader().expect("the last member leads");
    assert_eq!((c.e(l).peers().len(), c.e(l).cluster_size()), (1, 1));
    assert!(!changing(c.e(l)));
    for d in [1, 10, 100] {
        c.propose(l, d);
    }
    assert!(c.wait_total(111));
    c.add();
    c.add();
    assert!(wait_for(&mut c, 10, |c| c.e(l).cluster_size() == 3 && !changing(c.e(l))));
    assert!(c.wait_total(111));
}

/// Go: TestNRGReplayAddPeerKeepsClusterSize (the entries this node wrote as
/// leader come back to it in a catch-up)
#[test]
fn replaying_an_add_of_a_known_peer_keeps_the_cluster_size() {
    let (a, b) = (id("S-2"), id("S-3"));
    let mut n = Node::start(config(me(), &[me(), a, b]), MemLog::default(), 0);
    assert_eq!(n.e.cluster_size(), 3);
    n.live(&ae(b, 2, 2, 2, 2, vec![]));
    assert!(n.e.is_catching_up());
    n.catchup(&with_lterm(ae(me(), 2, 0, 0, 0, normal()), 2));
    n.catchup(&with_lterm(ae(me(), 2, 2, 2, 1, entry(EntryType::AddPeer, &a)), 2));
    assert_eq!((n.e.last().1, n.e.commit()), (2, 2));
    let n = n.restart();
    assert_eq!((n.e.cluster_size(), n.e.quorum()), (3, 2));
}

/// Go: TestNRGSnapshotExcludesUncommittedMembershipChange
#[test]
fn a_snapshot_carries_only_committed_peers() {
    for add in [true, false] {
        let other = nats(1);
        let (peers, kind) =
            if add { (vec![nats(0)], EntryType::AddPeer) } else { (vec![nats(0), other], EntryType::RemovePeer) };
        let mut n = node(&peers);
        n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
        n.live(&ae(nats(0), 1, 1, 1, 1, entry(kind, &other)));
        assert_eq!(n.e.commit(), 1);
        assert_eq!(n.e.peers().contains(&other), add);
        assert_eq!(n.e.cluster_size(), if add { 3 } else { 2 });
        n.step(Input::Applied(1));
        n.step(Input::Snapshot(Vec::new()));
        let snap = n.disk.0.borrow().snapshot.clone().expect("a snapshot");
        assert_eq!(snap.last_index, 1);
        let ps = PeerState::decode(&snap.peer_state).unwrap();
        let want = peers.len() + 1;
        assert_eq!((ps.cluster_size as usize, ps.peers.len()), (want, want), "add: {add}");
        assert_eq!(ps.peers.contains(&other), !add);
    }
}

/// Go: TestNRGDontSwitchToCandidateWithInflightSelfMembershipChange
#[test]
fn no_campaign_while_our_own_removal_is_uncommitted() {
    let mut n = node(&[nats(0), nats(1)]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 1, 1, 1, entry(EntryType::RemovePeer, &me())));
    assert!(!n.e.peers().contains(&me()));
    let m = n.e.membership.expect("in progress");
    assert_eq!((m.peer, m.index), (me(), 2));
    assert_eq!(n.e.leader(), Some(nats(0)));
    n.step(Input::Applied(1));
    n.fire();
    assert_eq!(n.e.role(), Role::Follower);
    assert_eq!(n.e.leader(), None, "the timer fired: no leader heard of");
    n.force(|e, _, out| e.truncate(1, 1, out));
    assert!(n.e.peers().contains(&me()));
    assert!(!changing(&n.e));
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
}

/// Go: TestNRGDontSwitchToCandidateAsManagedNodeOutsidePeerSet
#[test]
fn a_managed_node_outside_its_peers_does_not_campaign() {
    let ps = |peers: &[PeerId]| PeerState { cluster_size: peers.len() as u32, peers: peers.to_vec(), domain_ext: 0 };
    let mut cfg = config(me(), &[me(), nats(1), nats(2)]);
    cfg.managed = true;
    let mut n = Node::start(cfg, MemLog::default(), 0);
    let only = ps(&[nats(0)]).encode();
    n.force(|e, _, out| e.apply_peer_state(&only, out));
    assert!(!n.e.peers().contains(&me()));
    n.fire();
    assert_eq!(n.e.role(), Role::Follower);
    let with_us = ps(&[nats(0), me()]).encode();
    n.force(|e, _, out| e.apply_peer_state(&with_us, out));
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
    // An unmanaged group has no assigned members: campaign anyway.
    n.force(|e, now, out| e.become_follower(now, None, out));
    n.e.cfg.managed = false;
    n.force(|e, _, out| e.apply_peer_state(&only, out));
    assert!(!n.e.peers().contains(&me()));
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
}

/// Go: TestNRGPartitionedPeerRemove
#[test]
fn a_peer_removed_behind_a_partition_learns_it_once_healed() {
    let mut c = Cluster::new(2);
    let l = c.wait_leader().expect("a leader");
    let f = c.follower();
    assert_eq!(c.e(l).cluster_size(), 2);
    c.partition(l, 1);
    c.run(l, Input::RemovePeer(c.id(f)));
    c.run(f, Input::CampaignImmediately);
    assert!(wait_for(&mut c, 1, |c| c.e(l).cluster_size() == 1 && !changing(c.e(l))));
    assert_ne!(c.e(f).role(), Role::Leader);
    assert_eq!(c.e(f).cluster_size(), 2);
    assert!(!changing(c.e(f)));
    c.heal();
    assert!(wait_for(&mut c, 30, |c| c.e(f).cluster_size() == 1));
}

/// A hook that cuts `leader` (and `with`) off once it sent an `AddPeer`.
fn cut_on_add_peer(leader: usize, leader_id: PeerId, with: Vec<usize>) -> Hook {
    Box::new(move |from: usize, m: &Msg| {
        let Ok(ae) = AppendEntry::decode(&m.payload) else { return Vec::new() };
        let add = matches!(ae.entries.as_slice(), [e] if e.kind == EntryType::AddPeer);
        if from != leader || m.subject != "$NRG.AE.TEST" || ae.leader != leader_id || !add {
            return Vec::new();
        }
        std::iter::once(leader).chain(with.iter().copied()).map(|i| (i, 1)).collect()
    })
}

/// Go: TestNRGPeerAddAndPartitionLeader
#[test]
fn a_peer_added_by_a_leader_cut_off_at_once_still_counts_everywhere() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    c.hook = Some(cut_on_add_peer(l, c.id(l), Vec::new()));
    let new = c.add();
    let group: Vec<usize> = fs.iter().copied().chain([new]).collect();
    let elected = wait_for(&mut c, 30, |c| group.iter().any(|&i| c.e(i).role() == Role::Leader && c.node(i).leading()));
    assert!(elected, "the rest elect a leader");
    for &i in &group {
        assert!(wait_for(&mut c, 5, |c| c.e(i).cluster_size() == 4), "member {i} counts four");
    }
    c.hook = None;
    c.heal();
    assert!(wait_for(&mut c, 30, |c| !changing(c.e(l)) && c.e(l).cluster_size() == 4));
    for &i in &group {
        assert_eq!(c.e(i).cluster_size(), 4);
    }
}

/// Go: TestNRGLeaderWithoutQuorumAfterPeerAdd
#[test]
fn half_of_a_group_grown_to_four_can_not_elect_a_leader() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let fs = c.followers();
    c.hook = Some(cut_on_add_peer(l, c.id(l), vec![fs[0]]));
    let new = c.add();
    for _ in 0..30 * 20 {
        c.advance(50 * MILLISECOND);
        for i in [new, fs[1]] {
            assert_ne!(c.e(i).role(), Role::Leader, "{{new, follower}} is no quorum of four");
        }
    }
    c.hook = None;
    c.heal();
    assert!(c.wait_leader().is_some());
    assert!(wait_for(&mut c, 30, |c| (0..4).all(|i| c.e(i).cluster_size() == 4)));
}

/// Go: TestNRGRemovedPeerVoteDoesNotElectLeader
#[test]
fn a_removed_peer_s_vote_does_not_count() {
    let mut c = Cluster::new(4);
    let a = c.wait_leader().expect("a leader");
    let fs = c.followers();
    let (b, cc, d) = (fs[0], fs[1], fs[2]);
    c.partition(d, 1);
    c.run(a, Input::RemovePeer(c.id(d)));
    assert!(wait_for(&mut c, 1, |c| [a, b, cc].iter().all(|&i| c.e(i).cluster_size() == 3)));
    c.partition(cc, 1);
    c.run(cc, Input::CampaignImmediately);
    for _ in 0..20 {
        c.advance(50 * MILLISECOND);
        assert_ne!(c.e(cc).role(), Role::Leader, "the removed peer helped elect a second leader");
    }
}
