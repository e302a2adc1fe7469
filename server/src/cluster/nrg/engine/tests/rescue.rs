//! Go's quorum-rescue tests (`raft_test.go`, `TestNRGRescueQuorum*`): the
//! survivors of a group that lost too many peers lower their quorum for a
//! while, to elect a leader and remove the lost peers.
use super::super::*;
use super::harness::*;

/// A member of a five-server group that stored one entry from `nats-0`
/// and knows no leader now (Go's `rescueStoreEntry`).
fn five_with_data() -> Node {
    let mut n = node(&[nats(0), nats(1), nats(2), nats(3)]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 1);
    n.force(|e, _, out| e.set_leader(None, out));
    n
}

/// Go: TestNRGRescueQuorum
#[test]
fn a_rescue_only_lowers_the_quorum_of_a_leaderless_voting_member_with_data() {
    let mut n = node(&[nats(0), nats(1), nats(2), nats(3)]);
    assert_eq!(n.e.quorum(), 3);
    let bad = "raft: rescue quorum must be between 1 and current quorum";
    assert_eq!(n.e.can_rescue(0), Err(bad));
    assert_eq!(n.e.can_rescue(4), Err(bad));
    assert_eq!(n.e.can_rescue(2), Err("raft: log is empty"));
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.can_rescue(2), Err("raft: leader is known"));
    n.force(|e, _, out| e.set_leader(None, out));
    n.e.observer = true;
    assert_eq!(n.e.can_rescue(2), Err("raft: not a voting member"));
    n.e.observer = false;
    let me = n.cfg.id;
    let mine = n.e.peers.remove(&me).unwrap();
    assert_eq!(n.e.can_rescue(2), Err("raft: not a voting member"));
    n.e.peers.insert(me, mine);
    // The current quorum itself arms a rescue without changing it.
    n.step(Input::RescueQuorum(3));
    assert_eq!((n.e.quorum(), n.e.in_rescue()), (3, true));
    n.step(Input::RescueQuorum(2));
    assert_eq!((n.e.quorum(), n.e.in_rescue()), (2, true));
    n.step(Input::RescueQuorum(1));
    assert_eq!(n.e.quorum(), 1);
    // The rescued quorum is the current one now: it cannot go up.
    assert_eq!(n.e.can_rescue(2), Err(bad));
    n.step(Input::RescueQuorum(2));
    assert_eq!(n.e.quorum(), 1);
}

/// Go: TestNRGRescueQuorumRecalc
#[test]
fn a_rescue_ends_once_the_peer_set_is_small_enough_for_its_own_quorum() {
    let mut n = five_with_data();
    n.step(Input::RescueQuorum(2));
    n.e.cluster_size = 4;
    n.e.recalc_quorum();
    assert_eq!((n.e.quorum(), n.e.in_rescue()), (2, true), "a natural quorum of 3 keeps the rescue");
    n.e.cluster_size = 2;
    n.e.recalc_quorum();
    assert_eq!((n.e.quorum(), n.e.in_rescue()), (2, false), "a natural quorum of 2 ends it");
    n.e.cluster_size = 1;
    n.e.recalc_quorum();
    assert_eq!(n.e.quorum(), 1);
}

/// Go: TestNRGRescueQuorumKeptOnPeerState
#[test]
fn a_new_leaders_peer_state_does_not_undo_a_rescue() {
    let mut n = node(&[nats(0), nats(1)]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.force(|e, _, out| e.set_leader(None, out));
    n.step(Input::RescueQuorum(1));
    let ps = crate::cluster::nrg::codec::PeerState {
        cluster_size: 3,
        peers: vec![n.cfg.id, nats(0), nats(1)],
        domain_ext: 0,
    };
    n.force(|e, _, out| e.apply_peer_state(&ps.encode(), out));
    assert_eq!((n.e.cluster_size(), n.e.quorum(), n.e.in_rescue()), (3, 1, true));
}

/// Go: TestNRGRescueQuorumExpires
#[test]
fn a_rescue_expires_and_the_natural_quorum_comes_back() {
    let mut n = five_with_data();
    n.step(Input::RescueQuorum(2));
    assert_eq!(n.e.quorum(), 2);
    n.now += RESCUE_TIMEOUT;
    n.step(Input::Tick);
    assert_eq!((n.e.quorum(), n.e.in_rescue()), (3, false));
}

/// Go: TestNRGRescueQuorumCountsEmptyVotes
#[test]
fn in_a_rescue_a_candidate_with_data_counts_an_empty_voters_grant() {
    let mut n = five_with_data();
    n.step(Input::RescueQuorum(2));
    for _ in 0..3 {
        if n.e.role() == Role::Candidate {
            break;
        }
        n.fire();
    }
    assert_eq!(n.e.role(), Role::Candidate);
    let term = n.e.term();
    n.step(Input::VoteResponse(VoteResponse { term, voter: nats(0), granted: true, empty: true }));
    assert_eq!(n.e.role(), Role::Leader, "two of a rescued quorum of two");
}

/// Go: TestNRGRescueQuorumEmptyVotesRequireRescue
#[test]
fn without_a_rescue_an_empty_voters_grant_does_not_elect() {
    let mut n = node(&[nats(0), nats(1)]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.force(|e, _, out| e.set_leader(None, out));
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
    let term = n.e.term();
    n.step(Input::VoteResponse(VoteResponse { term, voter: nats(0), granted: true, empty: true }));
    assert_ne!(n.e.role(), Role::Leader, "an empty grant counts only once every peer answered");
}
