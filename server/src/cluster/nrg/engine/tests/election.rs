//! Go's election tests (`raft_test.go`): timers, campaigns, votes, stepping
//! down, leader transfer and the lead-change signal.
use super::super::*;
use super::harness::*;
use crate::cluster::nrg::codec::EntryType;

/// Go: TestNRGSimpleElection
#[test]
fn a_step_down_runs_one_election_that_every_member_grants() {
    let mut c = Cluster::new(9);
    let l = c.wait_leader().expect("a leader");
    let start = c.e(l).term();
    c.sent.clear();
    c.run(l, Input::StepDown(None));
    c.advance(100 * MILLISECOND);
    let (cand, msg) = c.sent.iter().find(|(_, m)| m.subject.starts_with("$NRG.V.")).expect("a vote request").clone();
    let req = VoteRequest::decode(&msg.payload).unwrap();
    assert_eq!(req.candidate, c.id(cand));
    assert_eq!((req.term, req.last_term), (start + 1, start), "the term bumped, the log of the old term");
    let inbox = c.m[cand].cfg.inbox.clone();
    let answers: Vec<VoteResponse> = c
        .sent
        .iter()
        .filter(|(_, m)| m.subject == inbox && m.payload.len() == 17)
        .map(|(_, m)| VoteResponse::decode(&m.payload).unwrap())
        .collect();
    assert_eq!(answers.len(), 8, "every follower answers");
    assert!(answers.iter().all(|v| v.granted && v.term == start + 1));
    for i in 0..9 {
        assert_eq!((c.e(i).term(), c.e(i).vote()), (start + 1, Some(req.candidate)), "member {i}");
    }
}

/// Go: TestNRGRecoverFromFollowingNoLeader
#[test]
fn followers_without_a_leader_elect_one_in_a_new_term() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let term = c.e(l).term();
    for i in 0..3 {
        c.force(i, |e, now, out| e.become_follower(now, None, out));
    }
    assert_eq!(c.leader(), None);
    let l = c.wait_leader().expect("a new leader");
    assert_ne!(c.e(l).term(), term);
}

/// Go: TestNRGInlineStepdown
#[test]
fn a_step_down_is_done_when_the_step_returns() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let mut n = c.m[l].node.take().unwrap();
    n.step(Input::StepDown(None));
    assert_ne!(n.e.role(), Role::Leader);
}

/// Go: TestNRGLeaderTransfer
#[test]
fn a_step_down_to_a_preferred_peer_sends_a_leader_transfer_and_it_wins() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let preferred = c.id(c.follower());
    c.sent.clear();
    c.run(l, Input::StepDown(Some(preferred)));
    let new = c.wait_leader().expect("a new leader");
    assert_eq!(c.id(new), preferred);
    let transfer = c.sent.iter().filter(|(_, m)| m.subject == "$NRG.AE.TEST").any(|(_, m)| {
        let ae = AppendEntry::decode(&m.payload).unwrap();
        matches!(ae.entries.as_slice(), [e] if e.kind == EntryType::LeaderTransfer && e.data == preferred)
    });
    assert!(transfer, "an append entry of one EntryLeaderTransfer naming the preferred peer");
}

/// Go: TestNRGStepDownOnSameTermDoesntClearVote
#[test]
fn a_leader_of_the_same_term_makes_a_leader_step_down_keeping_its_vote() {
    let mut n = node(&[nats(1), nats(2)]);
    n.lead();
    let (term, index) = (n.e.term(), n.e.last().1);
    // An older term with a fake leader: ignored, refused.
    let outs = n.live(&ae(nats(1), term - 1, 0, term, index, vec![]));
    assert_eq!(n.e.role(), Role::Leader);
    assert!(lead_changes(&outs).is_empty());
    assert!(!responses(&outs, AE_REPLY)[0].0.success);
    // The same term: step down, but the vote stays.
    let outs = n.live(&ae(nats(1), term, 0, term, index, vec![]));
    assert_eq!(lead_changes(&outs), [false]);
    assert_eq!(n.e.role(), Role::Follower);
    assert_eq!(n.e.leader(), Some(nats(1)));
    assert_eq!(n.e.vote(), Some(me()));
}

/// Go: TestNRGUnsuccessfulVoteRequestDoesntResetElectionTimer
#[test]
fn a_refused_vote_request_leaves_the_timers_alone() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    c.propose(l, 1);
    assert!(c.wait_total(1));
    let f = c.follower();
    let before: Vec<Nanos> = (0..3).map(|i| c.e(i).next_deadline()).collect();
    let term = c.e(f).term() - 1;
    let req = VoteRequest { term, last_term: term, last_index: 0, candidate: c.id(f) };
    for i in 0..3 {
        let outs = c.run(i, Input::VoteRequest { req, reply: "$VR".into() });
        let answer = votes(&outs);
        assert!(answer.len() == 1 && !answer[0].granted, "member {i} answers no");
    }
    let after: Vec<Nanos> = (0..3).map(|i| c.e(i).next_deadline()).collect();
    assert_eq!(before, after);
}

/// Go: TestNRGUnsuccessfulVoteRequestCampaignEarly
#[test]
fn a_voter_with_a_newer_log_campaigns_early_unless_it_is_a_candidate() {
    let t = Timers::GO;
    let mut n = node(&[nats(1), nats(2)]);
    n.now = 100 * SECOND;
    // A follower votes, and its timer restarts.
    assert!(n.vote(1, 0, 0, nats(0)).granted);
    assert_eq!((n.e.term(), n.e.vote()), (1, Some(nats(0))));
    assert!(n.e.next_deadline() >= n.now + t.election_min);
    // With a log of 100 entries it refuses an outdated candidate and runs
    // itself soon.
    for i in 0..100 {
        n.live(&ae(nats(0), 1, 0, u64::from(i > 0), i, normal()));
    }
    n.now += SECOND;
    assert!(!n.vote(2, 1, 2, nats(0)).granted);
    assert_eq!((n.e.term(), n.e.vote()), (2, None));
    assert!(n.e.next_deadline() < n.now + t.campaign_max);
    // A candidate refusing a newer term steps down and runs again soon.
    n.fire();
    assert_eq!((n.e.role(), n.e.term()), (Role::Candidate, 3));
    n.now += 10 * MILLISECOND;
    assert!(!n.vote(4, 1, 2, nats(0)).granted);
    assert_eq!((n.e.term(), n.e.vote()), (4, None));
    assert!(n.e.next_deadline() < n.now + t.campaign_max);
    // A candidate refusing its own term keeps its timer: another candidate
    // must not be able to push its campaign back.
    n.fire();
    assert_eq!((n.e.role(), n.e.term()), (Role::Candidate, 5));
    let deadline = n.e.next_deadline();
    n.now += 10 * MILLISECOND;
    assert!(!n.vote(5, 1, 2, nats(0)).granted);
    assert_eq!((n.e.term(), n.e.vote()), (5, Some(me())));
    assert_eq!(n.e.next_deadline(), deadline);
}

/// Go: TestNRGAssumeHighTermAfterCandidateIsolation
#[test]
fn a_candidate_back_from_isolation_moves_everyone_to_its_term() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    let f = c.follower();
    // A long isolation bumped its term; its campaign goes out now.
    c.m[f].node.as_mut().unwrap().e.term += 99;
    let at = c.e(f).next_deadline();
    c.now = c.now.max(at);
    c.run(f, Input::Tick);
    let nterm = c.e(f).term();
    for i in 0..3 {
        assert_eq!(c.e(i).term(), nterm, "member {i}");
    }
    let l = c.wait_leader().expect("a leader");
    c.propose(l, 1);
    assert!(c.wait_total(1));
    for i in 0..3 {
        assert_ne!(c.e(i).role(), Role::Candidate);
        assert!(c.e(i).term() >= nterm);
    }
}

/// Go: TestNRGElectionTimerAfterObserver
#[test]
fn leaving_observer_mode_restarts_the_election_timer() {
    let mut c = Cluster::new(3);
    c.wait_leader().expect("a leader");
    for i in 0..3 {
        c.run(i, Input::SetObserver(true));
    }
    c.advance(Timers::GO.election_max);
    let before = c.now;
    for i in 0..3 {
        c.run(i, Input::SetObserver(false));
    }
    for i in c.followers() {
        assert!(c.e(i).next_deadline() > before);
        assert!(c.e(i).next_deadline() < before + Timers::GO.election_max);
    }
}

/// Go: TestNRGCandidateDoesntRevertTermAfterOldAE
#[test]
fn a_candidate_keeps_its_term_against_an_older_append_entry() {
    let mut n = node(&[nats(1), nats(2)]);
    n.live(&ae(nats(0), 4, 0, 0, 0, normal()));
    assert_eq!((n.e.term(), n.e.last()), (4, (4, 1)));
    n.e.term += 5;
    n.fire();
    assert_eq!((n.e.role(), n.e.term()), (Role::Candidate, 10));
    // Newer than our log, older than our term.
    let outs = n.live(&ae(nats(0), 6, 0, 4, 1, vec![]));
    assert_eq!(n.e.term(), 10);
    assert_eq!(n.e.role(), Role::Candidate);
    assert_eq!(responses(&outs, AE_REPLY)[0].0, AppendEntryResponse { term: 10, index: 1, peer: me(), success: false });
}

/// Go: TestNRGCandidateDontStepdownDueToLeaderOfPreviousTerm
#[test]
fn a_candidate_ignores_the_heartbeat_of_a_leader_of_an_older_term() {
    let disk = log_of(nats(0), &[50; 70]);
    disk.0.borrow_mut().tav = Some(TermAndVote { term: 99, vote: None });
    let mut n = Node::start(config(me(), &[me(), nats(0), nats(1)]), disk, 0);
    n.fire();
    assert_eq!((n.e.role(), n.e.term(), n.e.last()), (Role::Candidate, 100, (50, 70)));
    n.live(&ae(nats(0), 50, 0, 50, 70, vec![]));
    assert_eq!(n.e.role(), Role::Candidate);
    assert_eq!(n.e.term(), 100);
}

/// Go: TestNRGDontSwitchToCandidateWithInflightSnapshot
#[test]
fn no_campaign_while_a_received_snapshot_is_not_applied() {
    let peers = [me(), nats(1), nats(2)];
    let mut n = node(&peers[1..]);
    n.live(&ae(nats(0), 1, 1, 1, 1, vec![]));
    assert_eq!(n.catchup_from(), Some((0, 0)));
    n.catchup(&ae(nats(0), 1, 1, 1, 1, snapshot_entries(b"", &peers)));
    assert_eq!((n.e.last().1, n.e.commit()), (1, 1));
    // The next entry from the leader ends the catch-up; the snapshot is
    // still with the upper layer.
    n.live(&ae(nats(0), 1, 1, 1, 1, vec![]));
    assert!(!n.e.is_catching_up());
    n.fire();
    assert_eq!(n.e.role(), Role::Follower);
    n.step(Input::Applied(1));
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
}

/// Go: TestNRGDontSwitchToCandidateWithMultipleInflightSnapshots
#[test]
fn no_campaign_until_every_committed_snapshot_is_applied() {
    let peers = [me(), nats(1), nats(2)];
    let mut n = node(&peers[1..]);
    n.live(&ae(nats(0), 1, 0, 0, 0, snapshot_entries(b"", &peers)));
    assert_eq!((n.e.last().1, n.e.commit(), n.e.applied()), (1, 0, 0));
    n.live(&ae(nats(0), 1, 1, 1, 1, snapshot_entries(b"", &peers)));
    assert_eq!((n.e.last().1, n.e.commit(), n.e.applied()), (2, 1, 0));
    n.live(&ae(nats(0), 1, 2, 1, 2, vec![]));
    assert_eq!((n.e.last().1, n.e.commit(), n.e.applied()), (2, 2, 0));
    for i in 1..=2 {
        n.fire();
        assert_eq!(n.e.role(), Role::Follower);
        n.step(Input::Applied(i));
    }
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
}

/// Go: TestNRGSignalLeadChangeFalseIfCampaignImmediately
#[test]
fn a_node_asked_to_campaign_at_once_hears_it_does_not_lead() {
    for kind in ["follower", "candidate", "leader"] {
        let mut n = node(&[nats(1), nats(2)]);
        n.step(Input::CampaignImmediately);
        match kind {
            "candidate" => {
                n.fire();
                assert_eq!(n.e.role(), Role::Candidate);
            }
            "leader" => {
                let outs = n.elect();
                assert!(lead_changes(&outs).is_empty(), "no signal before the no-op is applied");
            }
            _ => {}
        }
        let outs = n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
        assert_eq!(lead_changes(&outs), [false], "{kind}");
        assert_eq!(n.e.role(), Role::Follower, "{kind}");
        assert_eq!(n.e.leader(), Some(nats(0)), "{kind}");
        assert_eq!(n.e.term(), 1, "{kind}");
    }
}

/// Go: TestNRGStepdownWithHighestTermDuringCatchup
#[test]
fn an_append_entry_stating_a_higher_leader_term_makes_us_follow_and_store() {
    let mut n = node(&[nats(1), nats(2)]);
    n.fire();
    assert_eq!((n.e.role(), n.e.term()), (Role::Candidate, 1));
    n.live(&with_lterm(ae(nats(0), 1, 0, 0, 0, normal()), 10));
    assert_eq!((n.e.role(), n.e.term(), n.e.last().1), (Role::Follower, 10, 1));
    n.elect();
    n.live(&with_lterm(ae(nats(0), 1, 0, 1, 1, normal()), 20));
    assert_eq!((n.e.role(), n.e.term(), n.e.last().1), (Role::Follower, 20, 2));
}

/// Go: TestNRGLostQuorum
#[test]
fn a_vote_counts_as_hearing_from_the_voter() {
    let mut n = node(&[nats(1), nats(0)]);
    assert!(n.e.lost_quorum(n.now), "a follower has heard from nobody");
    n.fire();
    assert_eq!(n.e.role(), Role::Candidate);
    assert!(n.e.lost_quorum(n.now));
    let term = n.e.term();
    n.step(Input::VoteResponse(VoteResponse { term, voter: nats(0), granted: true, empty: false }));
    assert_eq!(n.e.role(), Role::Leader);
    assert!(!n.e.lost_quorum(n.now));
}

/// Go: TestNRGReportLeaderAfterNoopEntry
#[test]
fn a_new_leader_may_act_once_it_applied_its_no_op() {
    let mut n = node(&[]);
    assert_eq!((n.e.role(), n.e.term(), n.leading()), (Role::Follower, 0, false));
    let outs = n.fire();
    assert_eq!((n.e.role(), n.e.term()), (Role::Leader, 1));
    assert_eq!(n.e.last().1, 1, "the no-op went out");
    assert_eq!(n.e.applied(), 0);
    assert!(lead_changes(&outs).is_empty() && !n.leading());
    let outs = n.step(Input::Applied(1));
    assert_eq!(lead_changes(&outs), [true]);
    assert!(n.leading());
}

/// Go: TestNRGMustNotResetVoteOnStepDownOrLeaderTransfer
#[test]
fn neither_a_step_down_nor_a_leader_transfer_forgets_the_vote() {
    let mut n = node(&[nats(0), nats(1)]);
    assert!(n.vote(1, 0, 0, nats(0)).granted);
    assert_eq!((n.e.term(), n.e.vote()), (1, Some(nats(0))));
    n.e.role = Role::Leader;
    n.step(Input::StepDown(None));
    assert_eq!(n.e.role(), Role::Follower);
    assert_eq!(n.e.vote(), Some(nats(0)));
    n.live(&ae(nats(0), 1, 0, 0, 0, entry(EntryType::LeaderTransfer, &nats(0))));
    assert_eq!((n.e.term(), n.e.vote()), (1, Some(nats(0))));
}

/// Go: TestNRGSwitchToCandidateResetsVote
#[test]
fn a_campaign_never_keeps_an_old_vote_in_the_new_term() {
    let mut n = node(&[nats(1), nats(2)]);
    n.e.vote = Some(nats(0));
    let outs = n.fire();
    assert_eq!((n.e.term(), n.e.vote()), (1, Some(me())));
    let persisted: Vec<TermAndVote> =
        outs.iter().filter_map(|o| if let Output::Persist(t) = o { Some(*t) } else { None }).collect();
    assert!(persisted.iter().all(|t| t.term == 1 && t.vote != Some(nats(0))));
    assert_eq!(n.disk.0.borrow().tav, Some(TermAndVote { term: 1, vote: Some(me()) }));
}

/// Go: TestNRGInitSingleMemRaftNodeDefaults
#[test]
fn a_single_node_group_is_its_own_quorum() {
    let n = node(&[]);
    assert_eq!(&n.e.id(), b"esFhDys3");
    assert_eq!(n.e.peers(), [me()]);
    assert_eq!((n.e.cluster_size(), n.e.quorum()), (1, 1));
    assert!(!n.e.lost_quorum(n.now));
}

/// Go: TestNRGInitializeAndScaleUp (observer mode and scale-up are not the
/// engine's; the empty-vote flag is)
#[test]
fn a_new_group_votes_as_if_its_log_were_full_until_it_stores_something() {
    let mut n = node(&[nats(1), nats(2)]);
    assert!(n.e.initializing);
    let v = n.vote(1, 0, 0, nats(0));
    assert!(v.granted && !v.empty, "an empty log of a new group counts as a full vote");
    assert_eq!((n.e.term(), n.e.vote()), (1, Some(nats(0))));
    n.live(&ae(nats(0), 1, 0, 0, 0, normal()));
    assert_eq!(n.e.last().1, 1);
    assert!(!n.e.initializing);
    // A new leader empties our log: from now on our vote is an empty one.
    n.live(&ae(nats(1), 2, 0, 0, 0, vec![]));
    assert_eq!(n.e.last().1, 0);
    let v = n.vote(3, 0, 0, nats(2));
    assert!(v.granted && v.empty);
    assert_eq!((n.e.term(), n.e.vote()), (3, Some(nats(2))));
    // A snapshot from a catch-up ends the initializing state as well.
    n.e.initializing = true;
    n.live(&ae(nats(2), 3, 1, 1, 1, vec![]));
    n.catchup(&ae(nats(2), 3, 1, 1, 1, snapshot_entries(b"", &[me(), nats(1), nats(2)])));
    assert_eq!(n.e.last(), (1, 1));
    assert!(!n.e.initializing);
}

/// Go: TestNRGRecoverPindexPtermOnlyIfLogNotEmpty
#[test]
fn a_restart_with_only_a_term_on_disk_has_an_empty_log() {
    let disk = MemLog::default();
    disk.0.borrow_mut().tav = Some(TermAndVote { term: 5, vote: None });
    let n = Node::start(config(me(), &[me(), nats(1), nats(2)]), disk, 0);
    assert_eq!(n.e.term(), 5);
    assert_eq!(n.e.last(), (0, 0));
}

/// Go: TestNRGQuorumAfterLeaderStepdown (Go's `Quorum` is the engine's
/// `!lost_quorum`)
#[test]
fn a_leader_that_steps_down_keeps_what_it_heard_until_another_leads() {
    let mut n = node(&[nats(0), nats(1)]);
    n.elect();
    let term = n.e.term();
    n.ack(nats(0), term, 1);
    n.ack(nats(1), term, 1);
    assert!(!n.e.lost_quorum(n.now));
    n.step(Input::StepDown(None));
    assert_eq!(n.e.role(), Role::Follower);
    assert!(!n.e.lost_quorum(n.now));
    assert_eq!(n.e.peers().len(), 3);
    assert!(n.e.peers.values().filter(|p| p.heard > 0).count() == 2, "every timestamp kept");
    // Following nats-0 now: only its timestamp stays.
    n.live(&ae(nats(0), term + 1, 1, term, n.e.last().1, vec![]));
    assert_eq!(n.e.leader(), Some(nats(0)));
    assert!(!n.e.lost_quorum(n.now));
    assert!(n.e.peers[&nats(0)].heard > 0);
    assert_eq!(n.e.peers[&nats(1)].heard, 0);
}

/// Go: TestNRGTrackPeerActive
#[test]
fn the_timestamps_a_member_keeps_are_fresh_across_a_transfer() {
    let mut c = Cluster::new(3);
    let l = c.wait_leader().expect("a leader");
    let rs = c.follower();
    let preferred = c.id((0..3).find(|&i| i != l && i != rs).unwrap());
    let fresh = |c: &Cluster| c.e(rs).peers.values().filter(|p| p.heard > 0).all(|p| c.now - p.heard < SECOND);
    c.advance(2 * SECOND);
    assert!(fresh(&c));
    c.run(l, Input::StepDown(Some(preferred)));
    c.advance(2 * SECOND);
    assert_eq!(c.e(rs).leader(), Some(preferred));
    assert!(fresh(&c));
}
