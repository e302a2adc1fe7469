//! Go's replication tests (`raft_test.go`): proposals, live append entries
//! stored or refused, truncation of what a new leader does not have, commit
//! by quorum of the current term, and recovery from the log.
use super::super::*;
use super::harness::*;
use crate::cluster::nrg::codec::EntryType;

fn op(delta: i64) -> Vec<u8> {
    delta.to_le_bytes().to_vec()
}

/// Go: TestNRGSimple
#[test]
fn proposals_from_any_member_reach_every_member() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    c.propose(0, 22);
    c.propose(1, -11);
    c.propose(2, -10);
    assert!(c.wait_total(1));
}

/// Go: TestNRGObserverMode
#[test]
fn observers_apply_what_is_committed_and_stay_observers() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    for f in c.followers() {
        c.run(f, Input::SetObserver(true));
    }
    for d in 1..=3 {
        c.propose(l, d);
    }
    assert!(c.wait_total(6));
    for f in c.followers() {
        assert!(c.e(f).is_observer());
    }
}

/// Go: TestNRGAEFromOldLeader
#[test]
fn an_append_entry_of_an_older_term_is_refused_without_a_catchup() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    c.run(l, Input::StepDown(None));
    let l = c.wait_leader().expect("a new leader");
    assert_eq!(c.e(l).term(), 2);
    c.sent.clear();
    let old = ae(c.id(l), 1, 0, 0, 0, vec![]);
    for i in 0..3 {
        let outs = c.run(i, Input::AppendEntry { ae: old.clone(), reply: "$OLD".into() });
        let r = responses(&outs, "$OLD");
        assert!(r.len() == 1 && !r[0].0.success, "member {i} refuses");
    }
    c.advance(2 * SECOND);
    let catchup = |s: &str| s.starts_with("$NRG.CR.");
    assert!(!c.sent.iter().any(|(_, m)| catchup(&m.subject) || m.reply.as_deref().is_some_and(catchup)));
    assert!((0..3).all(|i| !c.e(i).is_catching_up()));
}

/// Go: TestNRGHeartbeatOnLeaderChange
#[test]
fn restarting_the_leader_again_and_again_loses_no_progress() {
    let mut c = Cluster::new(3);
    for i in 0..10 {
        let l = c.wait_leader().expect("a leader");
        for d in [22, -11, -10] {
            c.propose(l, d);
        }
        assert!(c.wait_total(i + 1), "round {i}");
        c.stop(l);
        c.restart(l);
    }
}

/// Go: TestNRGNoResetOnAppendEntryResponse
#[test]
fn a_refusal_with_a_higher_term_makes_the_leader_step_down_keeping_its_log() {
    let mut n = node(&[nats(1), nats(2)]);
    n.lead();
    let outs = n.step(Input::Propose(vec![op(5)]));
    let sent = appends(&outs, "$NRG.AE.").pop().expect("sent");
    let resp = AppendEntryResponse { term: sent.term + 1, index: sent.commit, peer: nats(1), success: false };
    let outs = n.step(Input::AppendEntryResponse { resp, reply: None });
    assert_eq!(n.e.role(), Role::Follower);
    assert_eq!(lead_changes(&outs), [false]);
    assert_eq!(n.e.term(), sent.term + 1);
    assert!(truncates(&outs).is_empty());
    assert_eq!(n.e.last(), (1, 2));
    assert_eq!(n.msgs(), 2);
}

/// Go: TestNRGTermNoDecreaseAfterWALReset
#[test]
fn an_older_term_is_refused_even_after_the_log_was_reset() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 20, 0, 0, 0, normal()));
    assert_eq!(n.e.term(), 20);
    let old = ae(nats(0), 3, 0, 0, 0, normal());
    let outs = n.live(&old);
    assert_eq!(n.e.term(), 20);
    assert!(!responses(&outs, AE_REPLY)[0].0.success);
    n.force(|e, _, out| e.truncate(0, 0, out));
    let outs = n.live(&old);
    assert_eq!(n.e.term(), 20);
    assert!(stores(&outs).is_empty());
    assert!(!responses(&outs, AE_REPLY)[0].0.success);
}

/// Go: TestNRGTruncateWALClearsPendingAppendEntryCache
#[test]
fn what_is_stored_again_after_a_truncation_is_what_gets_committed() {
    let mut n = node(&[]);
    for i in 0..3 {
        n.live(&ae(nats(0), 1, 0, u64::from(i > 0), i, normal()));
    }
    assert_eq!((n.e.last().1, n.msgs()), (3, 3));
    assert_eq!(n.e.pending.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    n.force(|e, _, out| e.truncate(1, 1, out));
    assert_eq!((n.e.last().1, n.msgs()), (1, 1));
    assert_eq!(n.e.pending.keys().copied().collect::<Vec<_>>(), [1]);
    let (two, three) = (entry(EntryType::Normal, b"two"), entry(EntryType::Normal, b"three"));
    n.live(&ae(nats(1), 2, 0, 1, 1, two.clone()));
    n.live(&ae(nats(1), 2, 0, 2, 2, three.clone()));
    let outs = n.live(&ae(nats(1), 2, 3, 2, 3, vec![]));
    assert_eq!(commits(&outs), [(1, normal()), (2, two), (3, three)]);
}

/// Go: TestNRGCatchupDoesNotTruncateCommittedEntriesDuringRedelivery
#[test]
fn a_redelivered_committed_entry_truncates_nothing() {
    let mut n = node(&[]);
    let msg1 = ae(nats(0), 1, 0, 0, 0, normal());
    n.live(&msg1);
    assert_eq!((n.msgs(), n.stored(1).leader), (1, nats(0)));
    n.live(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!(n.msgs(), 2);
    n.live(&ae(nats(0), 1, 2, 1, 2, vec![]));
    assert_eq!(n.e.commit(), 2);
    n.live(&ae(nats(0), 1, 1, 1, 2, normal()));
    assert_eq!(n.msgs(), 3);
    let outs = n.live(&msg1);
    assert!(truncates(&outs).is_empty());
    assert_eq!((n.e.commit(), n.msgs()), (2, 3));
    n.live(&ae(nats(0), 1, 3, 1, 3, vec![]));
    assert_eq!(n.e.commit(), 3);
}

/// Go: TestNRGTruncateDownToCommitted
#[test]
fn a_new_leader_truncates_down_to_the_commit_and_stores_at_once() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!((n.e.commit(), n.msgs()), (0, 1));
    n.live(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!((n.e.commit(), n.msgs(), n.stored(2).leader), (1, 2, nats(0)));
    let outs = n.live(&ae(nats(1), 2, 1, 1, 1, normal()));
    assert_eq!(truncates(&outs), [1]);
    assert_eq!((n.e.commit(), n.msgs(), n.stored(2).leader), (1, 2, nats(1)));
    n.live(&ae(nats(1), 2, 2, 2, 2, vec![]));
    assert_eq!(n.e.commit(), 2);
}

/// Go: TestNRGForwardProposalResponse
#[test]
fn a_forwarded_proposal_sent_as_a_request_is_answered_and_applied() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    c.publish("$NRG.P.TEST", Some("$CLIENT"), &op(123));
    assert_eq!(c.sent_to("$CLIENT").len(), 1, "answered");
    assert!(c.wait_total(123));
}

/// Go: TestNRGAppendEntryCanEstablishQuorumAfterLeaderChange
#[test]
fn a_new_leader_commits_an_older_entry_with_its_no_op() {
    let mut n = node(&[nats(0)]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 1);
    n.elect();
    let term = n.e.term();
    assert_eq!((n.e.last(), n.e.commit()), ((term, 2), 0));
    let outs = n.ack(nats(0), term, 2);
    assert_eq!(commits(&outs).iter().map(|c| c.0).collect::<Vec<_>>(), [1, 2]);
    assert!(!n.leading());
    let outs = n.step(Input::Applied(2));
    assert_eq!(lead_changes(&outs), [true]);
}

/// A member of `peers` in a group that expects `size` members.
fn booting(peers: &[PeerId], size: usize) -> Node {
    let mut cfg = config(me(), peers);
    cfg.cluster_size = size;
    Node::start(cfg, MemLog::default(), 0)
}

/// Go: TestNRGQuorumAccounting
#[test]
fn a_group_of_five_commits_with_two_acks_besides_the_leader() {
    let mut n = booting(&[me(), nats(1), nats(2)], 5);
    assert_eq!((n.e.cluster_size(), n.e.quorum()), (5, 3));
    n.elect();
    let term = n.e.term();
    assert_eq!(n.e.last().1, 1);
    n.ack(nats(1), term, 1);
    assert_eq!(n.e.commit(), 0);
    n.ack(nats(2), term, 1);
    assert_eq!(n.e.commit(), 1);
}

/// Go: TestNRGRevalidateQuorumAfterLeaderChange
#[test]
fn acks_from_an_earlier_leadership_do_not_count() {
    let mut n = booting(&[me(), nats(1), nats(2)], 5);
    n.elect();
    let term = n.e.term();
    n.ack(nats(1), term, 1);
    assert_eq!(n.e.commit(), 0);
    assert_eq!(n.e.acks[&1].len(), 1);
    n.force(|e, now, out| e.become_follower(now, None, out));
    n.elect();
    let term = n.e.term();
    let index = n.e.last().1;
    assert_eq!(index, 2);
    n.ack(nats(2), term, index);
    assert_eq!(n.e.commit(), 0, "the earlier ack of nats-1 is gone");
    assert_eq!(n.e.acks[&index].len(), 1);
}

/// Go: TestNRGIgnoreTrackResponseWhenNotLeader
#[test]
fn an_ack_after_stepping_down_commits_nothing() {
    let mut n = node(&[nats(1)]);
    n.elect();
    assert_eq!((n.e.term(), n.e.last(), n.e.commit()), (1, (1, 1), 0));
    n.force(|e, now, out| e.become_follower(now, None, out));
    assert_eq!((n.e.last(), n.e.commit()), ((1, 1), 0));
    n.ack(nats(1), 1, 1);
    assert_eq!(n.e.commit(), 0);
}

/// Go: TestNRGRejectNewAppendEntryFromPreviousLeader
#[test]
fn after_voting_in_a_new_term_the_old_leader_is_refused() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last(), (1, 1));
    n.vote(5, 1, 2, nats(3));
    let outs = n.live(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!(n.e.last(), (1, 1));
    assert!(!responses(&outs, AE_REPLY)[0].0.success);
}

/// Go: TestNRGWALEntryWithoutQuorumMustTruncate
#[test]
fn an_entry_only_a_crashed_leader_stored_is_truncated_when_it_returns() {
    for diverge in [false, true] {
        let mut c = Cluster::new(3);
        let l = c.wait_leader().expect("a leader");
        // Stored, then the leader dies before it is sent.
        c.m[l].node.as_mut().unwrap().step(Input::Propose(vec![op(7)]));
        c.stop(l);
        let new = c.wait_leader().expect("another leader");
        if diverge {
            c.propose(new, 11);
        }
        c.restart(l);
        let mut same = false;
        for _ in 0..100 {
            let logs: Vec<_> = (0..3).map(|i| c.m[i].disk.0.borrow().log.clone()).collect();
            if logs.iter().all(|log| *log == logs[0]) {
                same = true;
                break;
            }
            c.advance(50 * MILLISECOND);
        }
        assert!(same, "every log is the same (diverged: {diverge})");
        assert!(c.wait_total(if diverge { 11 } else { 0 }), "the lost entry was never applied");
    }
}

/// Go: TestNRGSendAppendEntryNotLeader
#[test]
fn a_follower_neither_stores_nor_sends_a_proposal() {
    let mut n = node(&[]);
    let outs = n.step(Input::Propose(vec![op(1)]));
    assert!(outs.is_empty());
    assert_eq!(n.e.last().1, 0);
}

/// Go: TestNRGOnlyCommitIfCurrentTerm
#[test]
fn a_leader_commits_only_by_acks_of_an_entry_of_its_own_term() {
    let (s2, s3) = (id("S-2"), id("S-3"));
    let mut n = Node::start(config(me(), &[me(), s2, s3]), log_of(me(), &[1, 2, 4]), 0);
    n.elect();
    let term = n.e.term();
    assert_eq!(n.e.last(), (term, 4));
    for (t, i) in [(1, 1), (2, 2), (4, 3)] {
        n.ack(s2, t, i);
        assert_eq!(n.e.commit(), 0, "an ack of term {t} commits nothing");
    }
    let outs = n.ack(s2, term, 4);
    assert_eq!(n.e.commit(), 4);
    assert_eq!(commits(&outs).len(), 4);
}

/// Go: TestNRGProcessAppendEntryTermMismatchDoesNotRegressCommit
#[test]
fn a_term_mismatch_at_the_commit_keeps_the_commit() {
    let mut n = node(&[]);
    for i in 0..5 {
        n.live(&ae(nats(0), 1, i, u64::from(i > 0), i, normal()));
    }
    n.live(&ae(nats(0), 1, 5, 1, 5, vec![]));
    assert_eq!((n.e.commit(), n.e.last().1), (5, 5));
    let outs = n.live(&ae(nats(0), 2, 5, 2, 5, normal()));
    assert!(truncates(&outs).is_empty());
    assert_eq!(n.e.commit(), 5);
}

/// Go: TestNRGIgnoreForwardedProposalIfNotCaughtUpLeader
#[test]
fn a_leader_takes_forwarded_proposals_only_once_it_applied_its_no_op() {
    let mut n = node(&[nats(1), nats(2)]);
    n.elect();
    let before = n.e.last();
    let outs = n.step(Input::Forwarded(op(1)));
    assert!(stores(&outs).is_empty());
    let outs = n.step(Input::ForwardedRequest { op: op(1), reply: "$CLIENT".into() });
    assert!(outs.is_empty(), "not stored, not answered");
    assert_eq!(n.e.last(), before);
    // Once it may act as leader, they go through.
    let term = n.e.term();
    n.ack(nats(1), term, before.1);
    n.step(Input::Applied(before.1));
    let outs = n.step(Input::Forwarded(op(1)));
    assert_eq!(stores(&outs), [before.1 + 1]);
}

/// Go: TestNRGTruncateOnStartup
#[test]
fn a_restart_drops_a_tail_that_does_not_follow() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 0, 1, 1, normal()));
    assert_eq!(n.msgs(), 2);
    // A truncation cut short by a crash: the WAL still ends at 2.
    n.disk.0.borrow_mut().log.remove(&2);
    let n = n.restart();
    assert_eq!(truncates(&n.boot), [1]);
    assert_eq!((n.e.last().1, n.msgs(), n.disk.last()), (1, 1, 1));
    // An entry that does not follow its predecessor.
    n.disk.put(2, &ae(nats(0), 1, 0, 1, 0, normal()));
    let n = n.restart();
    assert_eq!(truncates(&n.boot), [1]);
    assert_eq!((n.e.last().1, n.msgs()), (1, 1));
}

/// Go: TestNRGChainOfBlocksRunInLockstep
#[test]
fn blocks_proposed_one_at_a_time_chain_the_same_everywhere() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    for it in 1..=50u64 {
        c.propose((it * 7 % 3) as usize, it as i64);
        let mut converged = false;
        for _ in 0..60 {
            let apps: Vec<App> = c.m.iter().map(|m| m.app).collect();
            if apps.iter().all(|a| a.blocks == it && a.hash == apps[0].hash) {
                converged = true;
                break;
            }
            c.advance(50 * MILLISECOND);
        }
        assert!(converged, "block {it} applied everywhere with the same hash");
    }
}

/// Go: TestNRGPendingAppendEntryCacheInvalidation
#[test]
fn stale_pending_entries_past_the_log_are_never_applied() {
    for stale in [1, 20_000, 20_001] {
        let mut n = node(&[]);
        n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
        n.live(&ae(nats(0), 1, 1, 1, 1, vec![]));
        assert_eq!(n.e.commit(), 1);
        // Whatever sits past the log must never reach the upper layer.
        for i in 0..stale {
            n.e.pending.insert(2 + i, entry(EntryType::Normal, b"stale"));
        }
        let real = entry(EntryType::Normal, b"real");
        n.live(&ae(nats(0), 1, 1, 1, 1, real.clone()));
        let outs = n.live(&ae(nats(0), 1, 2, 1, 2, vec![]));
        assert_eq!(commits(&outs), [(2, real)], "{stale} stale entries");
    }
}

/// Go: TestNRGResetWALClearsPendingAppendEntryCache
#[test]
fn a_reset_log_keeps_nothing_pending() {
    let mut n = node(&[]);
    for i in 0..3 {
        n.live(&ae(nats(0), 1, 0, u64::from(i > 0), i, normal()));
    }
    assert_eq!((n.e.last().1, n.e.pending.len()), (3, 3));
    n.force(|e, _, out| e.truncate(0, 0, out));
    assert_eq!((n.e.last().1, n.msgs()), (0, 0));
    assert!(n.e.pending.is_empty());
}
