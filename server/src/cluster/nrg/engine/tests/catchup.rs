//! Go's catch-up and snapshot tests (`raft_test.go`): a follower that finds
//! a gap asks on its own inbox and ignores live entries until it reaches the
//! leader's point; the leader streams its log, after a snapshot when the
//! follower is behind it; snapshots compact the log and recovery starts from
//! them.
use super::super::*;
use super::harness::*;
use crate::cluster::nrg::codec::EntryType;

/// Go's `Healthy`, as far as the engine knows it: something committed,
/// not catching up, and everything committed applied.
fn healthy(n: &Node) -> bool {
    n.e.commit() > 0 && !n.e.is_catching_up() && n.e.applied() == n.e.commit()
}

fn big(index: u64) -> AppendEntry {
    let entries = vec![Entry { kind: EntryType::Normal, data: vec![7; 1024 * 1024] }];
    ae(nats(0), 1, 0, u64::from(index > 1), index - 1, entries)
}

/// Go: TestNRGCatchupFromSnapshotClearsPendingAppendEntryCache
#[test]
fn a_snapshot_from_the_leader_replaces_what_was_pending() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 0, 1, 1, normal()));
    assert_eq!((n.e.last().1, n.e.pending.len()), (2, 2));
    n.live(&ae(nats(0), 1, 100, 1, 100, vec![]));
    assert!(n.e.is_catching_up());
    let outs = n.catchup(&ae(nats(0), 1, 100, 1, 100, snapshot_entries(b"snap", &[me()])));
    assert_eq!((n.e.last().1, n.e.commit()), (100, 100));
    assert!(n.e.pending.is_empty());
    assert_eq!(commits(&outs), [(100, entry(EntryType::Snapshot, b"snap"))]);
    assert_eq!(n.disk.0.borrow().snapshot.as_ref().map(|s| s.last_index), Some(100));
    assert_eq!(n.msgs(), 0);
}

/// Go: TestNRGCatchupDoesNotTruncateUncommittedEntriesWithQuorum
#[test]
fn a_catchup_keeps_an_uncommitted_entry_the_new_leader_has() {
    let mut n = node(&[]);
    let (n0, n1) = (nats(0), nats(1));
    let missed = ae(n1, 2, 1, 1, 2, normal());
    let trigger = ae(n1, 2, 1, 2, 3, normal());
    n.live(&ae(n0, 1, 0, 0, 0, normal()));
    assert_eq!((n.msgs(), n.stored(1).leader), (1, n0));
    n.live(&ae(n0, 1, 1, 1, 1, vec![]));
    assert_eq!(n.e.commit(), 1);
    n.live(&ae(n0, 1, 1, 1, 1, normal()));
    assert_eq!((n.msgs(), n.stored(2).leader), (2, n0));
    n.live(&ae(n0, 1, 1, 1, 2, normal()));
    assert_eq!((n.msgs(), n.stored(3).leader), (3, n0));
    // The new leader's entry follows another at index 3: that one goes.
    n.live(&trigger);
    assert_eq!(n.msgs(), 2);
    assert!(!n.e.is_catching_up());
    n.live(&ae(n1, 2, 2, 2, 4, vec![]));
    assert_eq!((n.msgs(), n.e.commit()), (2, 1));
    assert_eq!(n.catchup_from(), Some((1, 2)));
    n.catchup(&missed);
    assert_eq!(n.msgs(), 3);
    assert!(n.e.is_catching_up());
    n.catchup(&trigger);
    assert_eq!((n.msgs(), n.stored(4).leader), (4, n1));
    assert!(n.e.is_catching_up());
    n.live(&ae(n1, 2, 4, 2, 4, vec![]));
    assert_eq!(n.e.commit(), 4);
    assert!(!n.e.is_catching_up());
}

/// Go: TestNRGCatchupCanTruncateMultipleEntriesWithoutQuorum
#[test]
fn a_catchup_truncates_every_entry_the_new_leader_does_not_have() {
    let mut n = node(&[]);
    let (n0, n1) = (nats(0), nats(1));
    let missed1 = ae(n1, 2, 1, 1, 1, normal());
    let missed2 = ae(n1, 2, 1, 2, 2, normal());
    let trigger = ae(n1, 2, 1, 2, 3, normal());
    let heartbeat2 = ae(n1, 2, 2, 2, 4, vec![]);
    n.live(&ae(n0, 1, 0, 0, 0, normal()));
    n.live(&ae(n0, 1, 1, 1, 1, vec![]));
    assert_eq!(n.e.commit(), 1);
    n.live(&ae(n0, 1, 1, 1, 1, normal()));
    n.live(&ae(n0, 1, 1, 1, 2, normal()));
    assert_eq!(n.msgs(), 3);
    n.live(&trigger);
    assert_eq!(n.msgs(), 2);
    assert!(!n.e.is_catching_up());
    n.live(&heartbeat2);
    assert_eq!((n.msgs(), n.e.commit(), n.catchup_from()), (2, 1, Some((1, 2))));
    // The leader's entry at 2 is of its term: ours goes too, and the
    // catch-up with it.
    n.catchup(&missed2);
    assert_eq!(n.msgs(), 1);
    assert!(!n.e.is_catching_up());
    n.live(&heartbeat2);
    assert_eq!((n.msgs(), n.e.commit(), n.catchup_from()), (1, 1, Some((1, 1))));
    for (ae, msgs) in [(&missed1, 2), (&missed2, 3), (&trigger, 4)] {
        n.catchup(ae);
        assert_eq!(n.msgs(), msgs);
        assert!(n.e.is_catching_up());
    }
    assert_eq!(n.stored(4).leader, n1);
    n.live(&ae(n1, 2, 4, 2, 4, vec![]));
    assert_eq!(n.e.commit(), 4);
    assert!(!n.e.is_catching_up());
}

/// Go: TestNRGCatchupFromNewLeaderWithIncorrectPterm
#[test]
fn a_first_catchup_entry_of_another_term_at_our_point_restarts_the_catchup() {
    let mut n = node(&[]);
    let msg = ae(nats(0), 1, 0, 1, 0, normal());
    let heartbeat = ae(nats(0), 1, 1, 1, 1, vec![]);
    n.live(&heartbeat);
    assert_eq!((n.e.commit(), n.catchup_from()), (0, Some((0, 0))));
    n.catchup(&msg);
    assert!(!n.e.is_catching_up());
    assert_eq!(n.e.last(), (1, 0), "the leader's term taken at our point");
    n.live(&heartbeat);
    assert_eq!((n.e.commit(), n.catchup_from()), (0, Some((1, 0))));
    n.catchup(&msg);
    assert_eq!((n.msgs(), n.stored(1).leader), (1, nats(0)));
    n.live(&heartbeat);
    assert_eq!(n.e.commit(), 1);
}

/// Go: TestNRGCancelCatchupWhenDetectingHigherTermDuringVoteRequest
#[test]
fn a_vote_request_of_a_higher_term_cancels_the_catchup() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!(n.catchup_from(), Some((0, 0)));
    let inbox = n.catchup_inbox().unwrap();
    n.catchup(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert!(n.e.is_catching_up());
    n.vote(2, 1, 1, nats(0));
    assert!(!n.e.is_catching_up());
    assert!(!n.subs.contains(&inbox), "its inbox is dropped");
}

/// Go: TestNRGHealthCheckWaitForCatchup
#[test]
fn not_healthy_until_caught_up_and_applied() {
    let mut n = node(&[nats(0)]);
    let heartbeat = ae(nats(0), 1, 3, 1, 3, vec![]);
    n.live(&heartbeat);
    assert_eq!(n.catchup_from(), Some((0, 0)));
    assert_eq!(n.catchup_target(), Some((1, 3)));
    n.catchup(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 1);
    assert!(!healthy(&n));
    n.catchup(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!((n.e.last().1, n.e.commit()), (2, 1));
    n.step(Input::Applied(1));
    assert!(!healthy(&n), "still catching up");
    n.catchup(&ae(nats(0), 1, 2, 1, 2, normal()));
    assert_eq!((n.e.last().1, n.e.commit()), (3, 2));
    n.step(Input::Applied(2));
    assert!(!healthy(&n));
    n.live(&heartbeat);
    assert!(!n.e.is_catching_up());
    assert_eq!((n.e.last().1, n.e.commit()), (3, 3));
    assert!(!healthy(&n), "the last entry is not applied yet");
    n.step(Input::Applied(3));
    assert!(healthy(&n));
}

/// Go: TestNRGHealthCheckWaitForDoubleCatchup
#[test]
fn a_catchup_that_reaches_an_old_target_starts_another() {
    let mut n = node(&[nats(0)]);
    let (msg3, heartbeat1, heartbeat2) =
        (ae(nats(0), 1, 2, 1, 2, normal()), ae(nats(0), 1, 2, 1, 2, vec![]), ae(nats(0), 1, 3, 1, 3, vec![]));
    n.live(&heartbeat1);
    assert_eq!((n.catchup_from(), n.catchup_target()), (Some((0, 0)), Some((1, 2))));
    n.catchup(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 1);
    // Live entries wait while we catch up.
    for live in [&msg3, &heartbeat2] {
        n.live(live);
        assert!(n.e.is_catching_up());
        assert_eq!(n.e.last().1, 1);
        assert!(!healthy(&n));
    }
    n.catchup(&ae(nats(0), 1, 1, 1, 1, normal()));
    assert_eq!((n.e.last().1, n.e.commit()), (2, 1));
    n.step(Input::Applied(1));
    assert!(!healthy(&n));
    assert_eq!(n.catchup_target(), Some((1, 2)));
    // The next live entry is past that target: catch up again.
    n.live(&heartbeat2);
    assert_eq!((n.catchup_from(), n.catchup_target()), (Some((1, 2)), Some((1, 3))));
    assert!(!healthy(&n));
    n.catchup(&msg3);
    assert_eq!((n.e.last().1, n.e.commit()), (3, 2));
    n.step(Input::Applied(2));
    assert!(!healthy(&n));
    n.live(&heartbeat2);
    assert!(!n.e.is_catching_up());
    assert_eq!((n.e.last().1, n.e.commit()), (3, 3));
    assert!(!healthy(&n));
    n.step(Input::Applied(3));
    assert!(healthy(&n));
}

/// Go: TestNRGCatchupDontCountTowardQuorum
#[test]
fn catchup_entries_are_never_answered_on_the_append_reply() {
    let mut n = node(&[]);
    let missed = ae(nats(0), 1, 0, 0, 0, normal());
    let trigger = ae(nats(0), 1, 0, 1, 1, normal());
    let outs = n.live(&trigger);
    assert_eq!((n.catchup_from(), n.catchup_target()), (Some((0, 0)), Some((1, 1))));
    let r = responses(&outs, AE_REPLY);
    assert_eq!((r.len(), r[0].0.index, r[0].0.success), (1, 0, false));
    assert!(r[0].1.as_deref().is_some_and(|s| s.starts_with("$NRG.CR.")), "it asks on a catch-up inbox");
    let inbox = n.catchup_inbox().unwrap();
    for ae in [&missed, &trigger] {
        let outs = n.step(Input::CatchupEntry { ae: ae.clone(), inbox: inbox.clone(), reply: Some(AE_REPLY.into()) });
        assert!(responses(&outs, AE_REPLY).is_empty());
    }
    let outs = n.live(&ae(nats(0), 1, 0, 1, 2, vec![]));
    let r = responses(&outs, AE_REPLY);
    assert_eq!((r.len(), r[0].0.index, r[0].0.success), (1, 2, true));
    assert_eq!(r[0].1, None);
}

/// Go: TestNRGRejectAppendEntryDuringCatchupFromPreviousLeader
#[test]
fn a_catchup_entry_of_an_older_leader_term_is_refused() {
    for catching_up in [false, true] {
        for old_server in [false, true] {
            let case = format!("catching up: {catching_up}, from an old server: {old_server}");
            let mut n = node(&[]);
            let (mut msg1, mut msg2) = (ae(nats(0), 1, 0, 0, 0, normal()), ae(nats(0), 1, 1, 1, 1, normal()));
            n.live(&msg2);
            assert_eq!((n.catchup_from(), n.catchup_target()), (Some((0, 0)), Some((1, 1))));
            // A newer leader states its term on catch-up entries.
            if !old_server {
                msg1 = with_lterm(msg1, 1);
                msg2 = with_lterm(msg2, 1);
            }
            n.catchup(&msg1);
            assert_eq!(n.e.last(), (1, 1));
            let catchup = n.e.catchup.clone();
            n.vote(5, 1, 2, nats(3));
            assert!(!n.e.is_catching_up(), "{case}");
            if catching_up {
                // As if the vote had not cancelled it.
                n.e.catchup = catchup;
                n.catchup(&msg2);
            } else {
                n.live(&msg2);
            }
            assert_eq!(n.e.last().0, 1, "{case}");
            // Only an old server's catch-up can not be told from the current.
            let want = if catching_up && old_server { 2 } else { 1 };
            assert_eq!(n.e.last().1, want, "{case}");
        }
    }
}

/// Go: TestNRGDontRejectAppendEntryFromReplay
#[test]
fn an_entry_stored_by_the_leader_alone_reaches_a_returning_follower() {
    for restart in [false, true] {
        let mut c = Cluster::new(3);
        let l = c.wait_leader().expect("a leader");
        let rs = c.follower();
        for f in c.followers() {
            c.stop(f);
        }
        let before = c.e(l).last().1;
        c.propose(l, 10);
        assert!(c.e(l).last().1 > before, "stored");
        if restart {
            c.stop(l);
            c.restart(l);
        }
        c.restart(rs);
        let mut done = false;
        for _ in 0..200 {
            if c.m[l].app.total == 10 && c.m[rs].app.total == 10 {
                done = true;
                break;
            }
            c.advance(50 * MILLISECOND);
        }
        assert!(done, "applied on both (leader restarted: {restart})");
    }
}

/// Go: TestNRGSimpleCatchup
#[test]
fn a_stopped_follower_catches_up_when_back() {
    for leader_change in [false, true] {
        let mut c = Cluster::new(3);
        let l = c.wait_leader().expect("a leader");
        let nl = c.follower();
        c.stop(nl);
        c.propose(l, 10);
        assert!(c.wait_total(10));
        assert_eq!(c.m[nl].app.total, 0);
        if leader_change {
            c.run(l, Input::StepDown(None));
        }
        c.restart(nl);
        assert!(c.wait_total(10), "leader changed: {leader_change}");
    }
}

/// Go: TestNRGSnapshotCatchup
#[test]
fn a_follower_behind_the_snapshot_catches_up_through_it() {
    for restart in [false, true] {
        let mut c = Cluster::new(3);
        let l = c.wait_leader().expect("a leader");
        let (s1, s2) = (c.followers()[0], c.followers()[1]);
        c.stop(s1);
        c.propose(l, 10);
        assert!(c.wait_total(10));
        c.stop(s2);
        c.snapshot(l);
        assert!(c.m[l].disk.0.borrow().snapshot.is_some());
        let before = c.e(l).last().1;
        c.propose(l, 10);
        assert!(c.e(l).last().1 > before, "stored");
        if restart {
            c.stop(l);
            c.restart(l);
        }
        c.restart(s1);
        let mut done = false;
        for _ in 0..200 {
            if c.m[l].app.total == 20 && c.m[s1].app.total == 20 {
                done = true;
                break;
            }
            c.advance(50 * MILLISECOND);
        }
        assert!(done, "applied on both (leader restarted: {restart})");
        assert!(c.m[s1].disk.0.borrow().snapshot.is_some(), "through the snapshot");
    }
}

/// Go: TestNRGIgnoreEntryAfterCanceledCatchup
#[test]
fn an_entry_on_a_cancelled_catchup_inbox_is_not_stored() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 1, 1, normal()));
    let inbox = n.catchup_inbox().expect("catching up");
    n.force(|e, _, out| e.cancel_catchup(out));
    n.on_inbox(&inbox, &ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 0);
}

/// Go: TestNRGDelayedMessagesAfterCatchupDontCountTowardQuorum
#[test]
fn late_live_entries_after_a_catchup_are_not_answered() {
    let mut n = node(&[]);
    let msg1 = ae(nats(0), 1, 0, 0, 0, normal());
    let msg2 = ae(nats(0), 1, 1, 1, 1, normal());
    let msg3 = ae(nats(0), 1, 1, 1, 2, normal());
    n.live(&msg3);
    assert!(n.e.is_catching_up());
    n.catchup(&msg1);
    n.catchup(&msg2);
    assert_eq!((n.e.last().1, n.e.commit()), (2, 1));
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(Vec::new()));
    assert_eq!(n.disk.0.borrow().snapshot.as_ref().map(|s| s.last_index), Some(1));
    // The same entries arriving late on the live subject: an answer would
    // count toward a quorum we may not give.
    for late in [&msg1, &msg2] {
        let outs = n.live(late);
        assert_eq!(n.e.last().1, 2);
        assert!(responses(&outs, AE_REPLY).is_empty());
    }
    let outs = n.live(&msg3);
    assert_eq!(n.e.last().1, 3);
    let r = responses(&outs, AE_REPLY);
    assert_eq!((r.len(), r[0].0.index, r[0].0.success, r[0].1.clone()), (1, 3, true, None));
}

/// Go: TestNRGLeaderCatchupHandling
#[test]
fn a_leader_streams_its_log_from_the_follower_s_point() {
    let mut n = node(&[nats(1), nats(2)]);
    for i in 0..3 {
        n.live(&ae(nats(0), 1, 0, u64::from(i > 0), i, normal()));
    }
    assert_eq!(n.e.last().1, 3);
    n.elect();
    let resp = AppendEntryResponse { term: 1, index: 1, peer: nats(1), success: false };
    let outs = n.step(Input::AppendEntryResponse { resp, reply: Some("$TEST".into()) });
    let sent = published(&outs, "$TEST");
    let points: Vec<(u64, u64)> =
        sent.iter().map(|(_, _, p)| AppendEntry::decode(p).unwrap()).map(|ae| (ae.pterm, ae.pindex)).collect();
    assert_eq!(points[..2], [(1, 1), (1, 2)]);
    assert!(sent.iter().all(|(_, r, _)| r.is_some_and(|r| r.starts_with("$NRG.CP."))), "acked on $NRG.CP");
}

/// Go: TestNRGNewEntriesFromOldLeaderResetsWALDuringCatchup
#[test]
fn an_old_leader_can_not_disturb_a_catchup() {
    let mut n = node(&[]);
    let msg1 = with_lterm(ae(nats(0), 20, 0, 0, 0, normal()), 20);
    let msg2 = with_lterm(ae(nats(0), 20, 0, 20, 1, normal()), 20);
    let msg3 = with_lterm(ae(nats(0), 20, 0, 20, 2, normal()), 20);
    let fork1 = ae(nats(0), 1, 0, 0, 0, normal());
    let fork2 = ae(nats(0), 1, 0, 1, 1, normal());
    n.live(&msg2);
    assert_eq!(n.catchup_target(), Some((20, 1)));
    let inbox = n.catchup_inbox().unwrap();
    n.on_inbox(&inbox, &msg1);
    assert_eq!(n.e.last(), (20, 1));
    // A stalled catch-up would be asked for again, but not from an older
    // leader: it hears our term.
    n.now += 10 * SECOND;
    if let Some(c) = n.e.catchup.as_mut() {
        (c.pindex, c.active) = (1, 0);
    }
    let outs = n.live(&fork1);
    assert_eq!(n.e.last(), (20, 1));
    assert_eq!(n.catchup_target(), Some((20, 1)));
    assert_eq!(responses(&outs, AE_REPLY)[0].0, AppendEntryResponse { term: 20, index: 1, peer: me(), success: false });
    n.live(&fork2);
    assert_eq!(n.e.last(), (20, 1));
    assert_eq!(n.catchup_target(), Some((20, 1)));
    n.on_inbox(&inbox, &msg2);
    assert_eq!(n.e.last(), (20, 2));
    assert!(!n.e.is_catching_up());
    // A straggler of the catch-up that follows is still taken.
    n.on_inbox(&inbox, &msg3);
    assert_eq!(n.e.last(), (20, 3));
}

/// Go: TestNRGParallelCatchupRollback
#[test]
fn a_straggler_of_a_finished_catchup_truncates_nothing() {
    let mut n = node(&[]);
    let msg1 = with_lterm(ae(nats(0), 1, 0, 0, 0, normal()), 1);
    let msg2 = with_lterm(ae(nats(0), 1, 0, 1, 1, normal()), 1);
    n.live(&msg2);
    assert_eq!((n.e.last().1, n.catchup_target()), (0, Some((1, 1))));
    let inbox = n.catchup_inbox().unwrap();
    n.on_inbox(&inbox, &msg1);
    assert_eq!(n.e.last().1, 1);
    n.on_inbox(&inbox, &msg2);
    assert_eq!(n.e.last().1, 2);
    assert!(!n.e.is_catching_up());
    let outs = n.live(&ae(nats(0), 1, 0, 1, 2, vec![]));
    let r = responses(&outs, AE_REPLY);
    assert_eq!(r[0].0, AppendEntryResponse { term: 1, index: 2, peer: me(), success: true });
    let outs = n.on_inbox(&inbox, &msg1);
    assert!(truncates(&outs).is_empty());
    assert_eq!(n.e.last().1, 2);
}

/// Go: TestNRGNoLogResetOnCorruptedSendToFollower
#[test]
fn a_leader_without_a_readable_snapshot_keeps_its_log() {
    let mut c = Cluster::new(2);
    let l = c.wait_leader().expect("a leader");
    let f = c.follower();
    for d in 1..=10 {
        c.propose(l, d);
        c.advance(50 * MILLISECOND);
    }
    assert!(c.wait_total(55));
    c.snapshot(l);
    assert_eq!(c.m[l].disk.0.borrow().log.len(), 0, "compacted");
    let last = c.e(l).last().1;
    // The follower comes back with nothing; the leader's snapshot can not be
    // read.
    c.stop(f);
    {
        let mut d = c.m[f].disk.0.borrow_mut();
        d.log.clear();
        d.snapshot = None;
    }
    c.m[l].disk.0.borrow_mut().snapshot = None;
    c.restart(f);
    c.advance(20 * SECOND);
    assert!(!c.truncated.iter().any(|&(i, _)| i == l), "the old leader truncated nothing");
    assert!(c.e(l).last().1 >= last, "its log was not reset");
}

/// Go: TestNRGCatchupRerequestDoesNotOrphanProgressQueue
#[test]
fn a_catchup_asked_again_replaces_the_running_one() {
    let disk = MemLog::default();
    for i in 1..=3 {
        disk.put(i, &big(i));
    }
    disk.0.borrow_mut().tav = Some(TermAndVote { term: 1, vote: None });
    let mut n = Node::start(config(me(), &[me(), nats(1), nats(2)]), disk, 0);
    n.elect();
    assert_eq!(n.e.last().1, 4);
    let ask = |n: &mut Node, inbox: &str| {
        let resp = AppendEntryResponse { term: 1, index: 0, peer: nats(1), success: false };
        n.step(Input::AppendEntryResponse { resp, reply: Some(inbox.into()) })
    };
    // Two entries of a MiB fill the window.
    let outs = ask(&mut n, "$NRG.CR.TEST1");
    assert_eq!(published(&outs, "$NRG.CR.TEST1").len(), 2);
    let first = n.e.progress[&nats(1)].ack_inbox.clone();
    n.step(Input::Propose(vec![vec![7; 1024 * 1024]]));
    let outs = ask(&mut n, "$NRG.CR.TEST2");
    assert!(outs.contains(&Output::Unsubscribe(first.clone())), "the first run is gone");
    let p = &n.e.progress[&nats(1)];
    assert_eq!(p.subject, "$NRG.CR.TEST2");
    assert_ne!(p.ack_inbox, first);
    // Acks on the new run move it on.
    let outs = n.step(Input::CatchupAck(AppendEntryResponse { term: 1, index: 1, peer: nats(1), success: true }));
    assert_eq!(appends(&outs, "$NRG.CR.TEST2").iter().map(|ae| ae.pindex).collect::<Vec<_>>(), [2]);
}

/// Go: TestNRGTermDoesntRollBackToPtermOnCatchup
#[test]
fn a_catchup_keeps_our_term() {
    let mut n = Node::start(config(me(), &[me(), nats(0), nats(1)]), log_of(nats(0), &[1; 6]), 0);
    assert_eq!((n.e.term(), n.e.last()), (1, (1, 6)));
    let outs = n.live(&ae(nats(1), 2, 6, 2, 7, vec![]));
    assert!(n.e.is_catching_up());
    assert_eq!(n.e.term(), 2);
    let r = responses(&outs, AE_REPLY);
    assert_eq!(r[0].0, AppendEntryResponse { term: 1, index: 6, peer: me(), success: false });
}

/// Go: TestNRGChainOfBlocksStopAndCatchUp
#[test]
fn blocks_proposed_while_a_member_is_down_reach_it_when_back() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    for it in 1..=50u64 {
        let stopped = (it * 5 % 3) as usize;
        c.stop(stopped);
        c.snapshot((stopped + 1) % 3);
        c.wait_leader().expect("a leader");
        for b in 0..3 {
            let proposer = (stopped + 1 + (b + it as usize) % 2) % 3;
            c.propose(proposer, 1);
        }
        c.restart(stopped);
        let want = it * 3;
        let mut converged = false;
        for _ in 0..60 {
            let apps: Vec<App> = c.m.iter().map(|m| m.app).collect();
            if apps.iter().all(|a| a.blocks == want && a.hash == apps[0].hash) {
                converged = true;
                break;
            }
            c.advance(50 * MILLISECOND);
        }
        assert!(converged, "round {it}: {want} blocks everywhere with the same hash");
    }
}

/// Go: TestNRGSnapshotAndRestart
#[test]
fn a_follower_that_snapshotted_and_stopped_catches_up_on_restart() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let f = c.follower();
    let (mut total, mut rng) = (0i64, 0x2545_f491_4f6c_dd1du64);
    for i in 0..1000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delta = (rng % 222) as i64;
        total += delta;
        c.propose(l, delta);
        if i == 250 {
            c.advance(50 * MILLISECOND);
            c.snapshot(l);
            c.snapshot(f);
            c.stop(f);
        }
    }
    c.restart(f);
    assert!(c.wait_total(total));
}

/// Go: TestNRGSnapshotRecovery (a restart hands the snapshot up first, as
/// Go does, so the upper layer starts from it; it counts as applied)
#[test]
fn a_restart_recovers_the_point_and_commit_from_the_snapshot() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 1, 0, 0, normal()));
    assert_eq!((n.e.last().1, n.e.commit(), n.e.applied()), (1, 1, 0));
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(b"state".to_vec()));
    let n = n.restart();
    assert_eq!((n.e.last(), n.e.commit(), n.e.applied()), ((1, 1), 1, 1));
    let handed = commits(&n.boot);
    assert_eq!(handed.len(), 1, "the snapshot and nothing after it: {handed:?}");
    assert_eq!(handed[0].0, 1);
    assert_eq!(handed[0].1, [Entry { kind: EntryType::Snapshot, data: b"state".to_vec() }]);
}

/// Go: TestNRGDontRemoveSnapshotIfTruncateToApplied
#[test]
fn truncating_to_the_snapshot_keeps_it() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 1, 1, 1, vec![]));
    assert_eq!((n.e.commit(), n.e.last().0), (1, 1));
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(Vec::new()));
    assert!(n.disk.0.borrow().snapshot.is_some());
    n.force(|e, _, out| e.truncate(1, 1, out));
    assert!(n.disk.0.borrow().snapshot.is_some());
}

/// Go: TestNRGSnapshotAndTruncateToApplied
#[test]
fn a_new_leader_at_our_snapshot_truncates_what_follows_and_keeps_commits() {
    let mut n = node(&[nats(1)]);
    n.live(&ae(nats(1), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(1), 1, 1, 1, 1, normal()));
    assert_eq!((n.e.commit(), n.msgs()), (1, 2));
    n.step(Input::Applied(1));
    // We lead for a while: our no-op commits what came before.
    n.elect();
    let term = n.e.term();
    n.ack(nats(1), term, 3);
    assert_eq!(n.e.commit(), 3);
    n.step(Input::Applied(3));
    n.step(Input::Snapshot(Vec::new()));
    assert_eq!(n.msgs(), 0);
    // Leading again, a no-op of a later term stays uncommitted.
    n.force(|e, now, out| e.become_follower(now, None, out));
    n.elect();
    assert_eq!((n.msgs(), n.e.commit()), (1, 3));
    n.force(|e, now, out| e.become_follower(now, None, out));
    // The old leader is back, at our snapshot.
    n.live(&ae(nats(1), term + 2, 3, term, 3, vec![]));
    assert_eq!((n.msgs(), n.e.commit(), n.e.applied()), (0, 3, 3));
    assert!(n.disk.0.borrow().snapshot.is_some());
}

/// Go: TestNRGIgnoreDoubleSnapshot
#[test]
fn a_second_snapshot_of_the_same_point_is_refused() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 1, 1, 1, vec![]));
    assert_eq!(n.e.commit(), 1);
    n.step(Input::Applied(1));
    n.live(&ae(nats(0), 2, 1, 1, 1, normal()));
    assert_eq!((n.e.last(), n.e.commit(), n.e.term()), ((2, 2), 1, 2));
    let outs = n.step(Input::Snapshot(Vec::new()));
    assert!(outs.iter().any(|o| matches!(o, Output::Snapshot(s) if (s.last_term, s.last_index) == (1, 1))));
    let outs = n.step(Input::Snapshot(b"again".to_vec()));
    assert!(outs.is_empty());
    let snap = n.disk.0.borrow().snapshot.clone().unwrap();
    assert_eq!((snap.last_term, snap.last_index, snap.data), (1, 1, Vec::new()));
}

/// Go: TestNRGReplayOnSnapshotSameTerm
#[test]
fn a_replayed_entry_after_the_snapshot_truncates_nothing() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 1, 0, 0, normal()));
    assert_eq!((n.e.last().1, n.e.commit()), (1, 1));
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(Vec::new()));
    let msg2 = ae(nats(0), 1, 1, 1, 1, normal());
    n.live(&msg2);
    n.live(&ae(nats(0), 1, 1, 1, 2, normal()));
    assert_eq!(n.e.last().1, 3);
    let outs = n.live(&msg2);
    assert!(truncates(&outs).is_empty());
    assert_eq!(n.e.last().1, 3);
}

/// Go: TestNRGReplayOnSnapshotDifferentTerm (Go truncates back to the
/// snapshot and stores the replayed entry again; the engine keeps what it
/// holds of that leader, see `realign`, and ends where Go ends once the
/// rest is replayed too)
#[test]
fn a_replayed_entry_of_a_later_term_after_the_snapshot_changes_nothing() {
    let mut n = node(&[]);
    let msg2 = with_lterm(ae(nats(0), 2, 1, 1, 1, normal()), 2);
    let msg3 = with_lterm(ae(nats(0), 2, 1, 2, 2, normal()), 2);
    n.live(&with_lterm(ae(nats(0), 1, 1, 0, 0, normal()), 2));
    assert_eq!((n.e.last().1, n.e.commit()), (1, 1));
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(Vec::new()));
    n.e.applied = 0;
    n.live(&msg2);
    assert_eq!(n.e.last().1, 2);
    n.live(&msg3);
    assert_eq!(n.e.last().1, 3);
    for replay in [&msg2, &msg3] {
        let outs = n.live(replay);
        assert!(truncates(&outs).is_empty());
        assert_eq!(n.e.last(), (2, 3));
    }
    assert_eq!(n.disk.0.borrow().snapshot.as_ref().map(|s| s.last_index), Some(1));
}

/// Go: TestNRGTruncateLogWithMisalignedSnapshotGap
#[test]
fn a_restart_drops_a_log_that_does_not_start_after_the_snapshot() {
    let mut n = node(&[]);
    let (msg2, msg3) = (ae(nats(0), 1, 0, 1, 1, normal()), ae(nats(0), 1, 2, 1, 2, normal()));
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&msg2);
    n.live(&msg3);
    assert_eq!(n.e.last().1, 3);
    n.step(Input::Applied(1));
    n.step(Input::Snapshot(Vec::new()));
    assert_eq!(n.disk.0.borrow().log.keys().copied().collect::<Vec<_>>(), [2, 3]);
    // Compacted further than the snapshot.
    n.disk.0.borrow_mut().log.remove(&2);
    let mut n = n.restart();
    assert_eq!(truncates(&n.boot), [1]);
    assert_eq!((n.msgs(), n.e.last().1), (0, 1));
    n.live(&msg2);
    assert_eq!(n.e.last().1, 2);
    n.live(&msg3);
    assert_eq!(n.e.last().1, 3);
}

/// Go: TestNRGTruncateLogWithMissingSnapshot
#[test]
fn a_restart_drops_a_log_compacted_without_a_snapshot() {
    let mut n = node(&[]);
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    n.live(&ae(nats(0), 1, 0, 1, 1, normal()));
    n.live(&ae(nats(0), 1, 2, 1, 2, normal()));
    n.disk.0.borrow_mut().log.remove(&1);
    let n = n.restart();
    assert_eq!(truncates(&n.boot), [0]);
    assert_eq!((n.msgs(), n.e.last().1), (0, 0));
}
