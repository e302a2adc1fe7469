//! A seeded simulator of several engines: a network that delays, reorders
//! and drops messages, nodes that crash and restart from what they
//! persisted, and the invariants checked after every step:
//! - election safety: at most one leader per term;
//! - a node votes at most once per term, and nothing it publishes about a
//!   vote is ahead of what it persisted;
//! - log matching: two logs with an entry of the same index and term agree
//!   on everything up to it;
//! - a committed entry never changes, and every new leader holds all of
//!   them;
//! - liveness: without faults a leader is elected within two election
//!   timeouts, and after faults stop, again; without faults what is
//!   proposed is committed everywhere.
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use super::*;
use crate::cluster::nrg::codec::peer_id;

const MS: Nanos = 1_000_000;

#[derive(Debug, Clone)]
struct Msg {
    subject: String,
    reply: Option<String>,
    payload: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Tick(usize),
    Deliver(usize, u64),
    Crash(usize),
    Restart(usize),
}

/// Faults of one run.
#[derive(Clone, Copy)]
struct Faults {
    /// Out of 1000 messages.
    drop_per_mille: u64,
    max_delay: Nanos,
}

struct Node {
    engine: Option<Engine>,
    /// What `tav.idx` holds.
    disk: TermAndVote,
    /// The stored log: index -> (term, append entry bytes).
    log: BTreeMap<u64, (u64, Vec<u8>)>,
    /// A hash of the log up to each index, so two logs' prefixes compare in
    /// one step.
    chain: BTreeMap<u64, u64>,
    /// Committed indexes already checked against the common record.
    checked: u64,
    cfg: Config,
}

struct Sim {
    now: Nanos,
    rng: u64,
    nodes: Vec<Node>,
    queue: BinaryHeap<std::cmp::Reverse<(Nanos, u64, Event)>>,
    seq: u64,
    in_flight: HashMap<u64, Msg>,
    leaders_by_term: BTreeMap<u64, PeerId>,
    votes_by_term: HashMap<(usize, u64), PeerId>,
    /// Every committed index and its entry.
    committed: BTreeMap<u64, Vec<u8>>,
    faults: Faults,
}

impl Sim {
    fn new(n: usize, seed: u64, faults: Faults) -> Sim {
        let ids: Vec<PeerId> = (0..n).map(|i| peer_id(&format!("sim-{i}"))).collect();
        let nodes = (0..n)
            .map(|i| {
                let cfg = Config {
                    group: "_meta_".into(),
                    id: ids[i],
                    peers: ids.clone(),
                    cluster_size: n,
                    observer: false,
                    inbox: format!("$NRG.R.inbox{i}"),
                };
                let disk = TermAndVote { term: 0, vote: None };
                let engine = Engine::new(cfg.clone(), disk, 0, seed.wrapping_add(i as u64 * 7919));
                Node { engine: Some(engine), disk, log: BTreeMap::new(), chain: BTreeMap::new(), checked: 0, cfg }
            })
            .collect();
        let mut sim = Sim {
            now: 0,
            rng: seed | 1,
            nodes,
            queue: BinaryHeap::new(),
            seq: 0,
            in_flight: HashMap::new(),
            leaders_by_term: BTreeMap::new(),
            votes_by_term: HashMap::new(),
            committed: BTreeMap::new(),
            faults,
        };
        for i in 0..n {
            sim.schedule_tick(i);
        }
        sim
    }

    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn push(&mut self, at: Nanos, e: Event) {
        self.seq += 1;
        self.queue.push(std::cmp::Reverse((at, self.seq, e)));
    }

    fn schedule_tick(&mut self, i: usize) {
        if let Some(e) = &self.nodes[i].engine {
            let at = e.next_deadline().max(self.now);
            self.push(at, Event::Tick(i));
        }
    }

    fn send(&mut self, from: usize, m: Msg) {
        let targets: Vec<usize> = if m.subject.starts_with("$NRG.R.") {
            self.nodes.iter().position(|n| n.cfg.inbox == m.subject).into_iter().collect()
        } else {
            (0..self.nodes.len()).filter(|&j| j != from).collect()
        };
        for to in targets {
            if self.random() % 1000 < self.faults.drop_per_mille {
                continue;
            }
            let delay = MS + self.random() % self.faults.max_delay.max(1);
            self.seq += 1;
            let id = self.seq;
            self.in_flight.insert(id, m.clone());
            self.push(self.now + delay, Event::Deliver(to, id));
        }
    }

    fn input_for(m: &Msg) -> Option<Input> {
        let kind = m.subject.split('.').nth(1)?;
        match kind {
            "V" => Some(Input::VoteRequest { req: VoteRequest::decode(&m.payload).ok()?, reply: m.reply.clone()? }),
            "AE" => Some(Input::AppendEntry { ae: AppendEntry::decode(&m.payload).ok()?, reply: m.reply.clone()? }),
            "R" if m.payload.len() == 17 => Some(Input::VoteResponse(VoteResponse::decode(&m.payload).ok()?)),
            "R" => Some(Input::AppendEntryResponse(AppendEntryResponse::decode(&m.payload).ok()?)),
            _ => None,
        }
    }

    /// Runs one node's input and applies its outputs in order, checking
    /// that what it publishes about votes is already on its disk.
    fn run(&mut self, i: usize, input: Input) {
        let Some(engine) = self.nodes[i].engine.as_mut() else { return };
        let outs = engine.step(self.now, input);
        for o in outs {
            match o {
                Output::Persist(tav) => {
                    let n = &mut self.nodes[i];
                    assert!(tav.term >= n.disk.term, "node {i}: term went back on disk");
                    if let Some(v) = tav.vote {
                        let prev = self.votes_by_term.insert((i, tav.term), v);
                        assert!(prev.is_none_or(|p| p == v), "node {i} voted twice in term {}", tav.term);
                    }
                    n.disk = tav;
                }
                Output::Publish { subject, reply, payload } => {
                    let disk = self.nodes[i].disk;
                    if subject.starts_with("$NRG.V.") {
                        let req = VoteRequest::decode(&payload).unwrap();
                        assert_eq!(
                            (disk.term, disk.vote),
                            (req.term, Some(req.candidate)),
                            "node {i}: vote request not persisted first"
                        );
                    }
                    if payload.len() == 17 && subject.starts_with("$NRG.R.") {
                        let resp = VoteResponse::decode(&payload).unwrap();
                        if resp.granted {
                            assert_eq!(disk.term, resp.term, "node {i}: grant ahead of its term on disk");
                            assert!(disk.vote.is_some(), "node {i}: grant not persisted");
                        }
                    }
                    self.send(i, Msg { subject, reply, payload });
                }
                Output::LeaderChanged(_) => {}
                Output::Store { index, term, bytes } => {
                    let n = &mut self.nodes[i];
                    let last = n.log.keys().next_back().copied().unwrap_or(0);
                    assert_eq!(index, last + 1, "node {i}: stored index {index} after {last}");
                    let prev = n.chain.get(&last).copied().unwrap_or(0);
                    n.chain.insert(index, prefix_hash(prev, term, &bytes));
                    n.log.insert(index, (term, bytes));
                }
                Output::Truncate(index) => {
                    let n = &mut self.nodes[i];
                    assert!(index >= n.checked, "node {i}: truncated below what it committed");
                    n.log.retain(|&k, _| k <= index);
                    n.chain.retain(|&k, _| k <= index);
                }
                Output::Commit(index) => {
                    let from = self.nodes[i].checked + 1;
                    self.nodes[i].checked = self.nodes[i].checked.max(index);
                    for (k, (_, bytes)) in self.nodes[i].log.range(from..=index) {
                        match self.committed.get(k) {
                            Some(c) => assert_eq!(c, bytes, "node {i}: committed index {k} differs"),
                            None => {
                                self.committed.insert(*k, bytes.clone());
                            }
                        }
                    }
                    assert!(self.nodes[i].log.contains_key(&index), "node {i}: committed {index} it does not hold");
                }
            }
        }
        self.check(i);
        self.schedule_tick(i);
    }

    fn check(&mut self, i: usize) {
        let Some(e) = &self.nodes[i].engine else { return };
        if e.role() == Role::Leader {
            let id = self.nodes[i].cfg.id;
            let prev = self.leaders_by_term.insert(e.term(), id);
            assert!(prev.is_none_or(|p| p == id), "two leaders in term {}", e.term());
            if prev.is_none() {
                // Leader completeness.
                for (k, c) in &self.committed {
                    let held = self.nodes[i].log.get(k).map(|(_, b)| b);
                    assert_eq!(held, Some(c), "new leader {i} of term {} lacks committed index {k}", e.term());
                }
            }
        }
        // Log matching against every other node.
        for j in 0..self.nodes.len() {
            if j == i {
                continue;
            }
            let (a, b) = (&self.nodes[i].log, &self.nodes[j].log);
            let top = a.keys().next_back().copied().unwrap_or(0).min(b.keys().next_back().copied().unwrap_or(0));
            let last_same =
                a.range(..=top).rev().find(|(k, (t, _))| b.get(k).is_some_and(|(u, _)| u == t)).map(|(k, _)| *k);
            if let Some(k) = last_same {
                let (ca, cb) = (self.nodes[i].chain.get(&k), self.nodes[j].chain.get(&k));
                assert_eq!(ca, cb, "logs of {i} and {j} differ below their common index {k}");
            }
        }
    }

    /// Proposes `data` to whichever node leads now, if any.
    fn propose(&mut self, data: Vec<u8>) -> bool {
        let Some(i) = self.nodes.iter().position(|n| n.engine.as_ref().is_some_and(|e| e.role() == Role::Leader))
        else {
            return false;
        };
        self.run(i, Input::Propose(data));
        true
    }

    fn step(&mut self) -> bool {
        let Some(std::cmp::Reverse((at, _, event))) = self.queue.pop() else { return false };
        self.now = self.now.max(at);
        match event {
            Event::Tick(i) => {
                // Only the latest scheduled tick matters; stale ones are harmless.
                self.run(i, Input::Tick);
            }
            Event::Deliver(i, id) => {
                if let Some(m) = self.in_flight.remove(&id) {
                    if let Some(input) = Self::input_for(&m) {
                        self.run(i, input);
                    }
                }
            }
            Event::Crash(i) => self.nodes[i].engine = None,
            Event::Restart(i) => {
                let n = &mut self.nodes[i];
                // The commit index is not persisted: it comes back from the leader.
                n.checked = 0;
                let seed = self.rng.wrapping_add(i as u64);
                let mut engine = Engine::new(n.cfg.clone(), n.disk, self.now, seed);
                engine.restore_log(n.log.iter().map(|(k, (t, _))| (*k, *t)).collect(), 0);
                n.engine = Some(engine);
                self.schedule_tick(i);
            }
        }
        true
    }

    fn run_until(&mut self, until: Nanos) {
        while self.queue.peek().is_some_and(|std::cmp::Reverse((at, _, _))| *at <= until) {
            self.step();
        }
        self.now = until;
    }

    /// The one node every live node agrees leads, if any.
    fn agreed_leader(&self) -> Option<PeerId> {
        let live: Vec<&Engine> = self.nodes.iter().filter_map(|n| n.engine.as_ref()).collect();
        let leaders: Vec<&&Engine> = live.iter().filter(|e| e.role() == Role::Leader).collect();
        if leaders.len() != 1 {
            return None;
        }
        let id = leaders[0].cfg.id;
        live.iter().all(|e| e.leader() == Some(id)).then_some(id)
    }
}

/// The hash of a log prefix: the previous prefix's, then this entry.
fn prefix_hash(prev: u64, term: u64, bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (prev, term, bytes).hash(&mut h);
    h.finish()
}

#[test]
fn three_nodes_elect_one_leader_within_two_election_timeouts() {
    for seed in 1..=50u64 {
        let mut sim = Sim::new(3, seed, Faults { drop_per_mille: 0, max_delay: 20 * MS });
        sim.run_until(2 * ELECTION_MAX);
        assert!(sim.agreed_leader().is_some(), "seed {seed}: no agreed leader");
        // And it stays: heartbeats keep the followers' timers from firing.
        let leader = sim.agreed_leader();
        sim.run_until(2 * ELECTION_MAX + 30 * SECOND);
        assert_eq!(sim.agreed_leader(), leader, "seed {seed}: leadership changed without a fault");
    }
}

#[test]
fn safety_holds_with_loss_reordering_and_crashes_and_a_leader_comes_back() {
    for seed in 1..=30u64 {
        let mut sim = Sim::new(5, seed, Faults { drop_per_mille: 200, max_delay: 300 * MS });
        // Crash and restart nodes at random for two simulated minutes.
        let mut t = 0;
        while t < 120 * SECOND {
            t += 2 * SECOND + sim.random() % (10 * SECOND);
            let i = (sim.random() % 5) as usize;
            sim.push(t, Event::Crash(i));
            let back = t + SECOND + sim.random() % (5 * SECOND);
            sim.push(back, Event::Restart(i));
        }
        sim.run_until(130 * SECOND);
        // Then a calm network: a leader must emerge.
        sim.faults = Faults { drop_per_mille: 0, max_delay: 20 * MS };
        sim.run_until(130 * SECOND + 3 * ELECTION_MAX);
        assert!(sim.agreed_leader().is_some(), "seed {seed}: no leader after the faults stopped");
        assert!(!sim.leaders_by_term.is_empty());
    }
}

#[test]
fn an_observer_votes_but_never_leads() {
    let mut sim = Sim::new(3, 7, Faults { drop_per_mille: 0, max_delay: 20 * MS });
    for n in &mut sim.nodes[..2] {
        n.cfg.observer = true;
        if let Some(e) = &mut n.engine {
            e.cfg.observer = true;
        }
    }
    sim.run_until(4 * ELECTION_MAX);
    let leader = sim.agreed_leader().expect("the one non-observer leads, with the observers' votes");
    assert_eq!(leader, sim.nodes[2].cfg.id);
}

#[test]
fn a_higher_term_makes_a_leader_step_down() {
    let ids = [peer_id("a"), peer_id("b")];
    let cfg = Config {
        group: "g".into(),
        id: ids[0],
        peers: vec![ids[0]],
        cluster_size: 1,
        observer: false,
        inbox: "$NRG.R.a".into(),
    };
    let mut e = Engine::new(cfg, TermAndVote { term: 0, vote: None }, 0, 3);
    let out = e.step(ELECTION_MAX, Input::Tick);
    assert_eq!(e.role(), Role::Leader, "a group of one elects itself: {out:?}");
    assert!(matches!(out[0], Output::Persist(TermAndVote { term: 1, .. })), "persisted before the request: {out:?}");
    // A candidate whose log is behind (the leader stored its no-op) is refused...
    let behind = VoteRequest { term: 5, last_term: 0, last_index: 0, candidate: ids[1] };
    let out = e.step(ELECTION_MAX + 1, Input::VoteRequest { req: behind, reply: "$NRG.R.b".into() });
    assert_eq!((e.role(), e.term(), e.vote()), (Role::Follower, 5, None), "it still adopts the term: {out:?}");
    let Some(Output::Publish { payload, .. }) = out.last() else { panic!("an answer goes out: {out:?}") };
    assert!(!VoteResponse::decode(payload).unwrap().granted);
    // ...one as up to date is granted.
    let req = VoteRequest { term: 5, last_term: 1, last_index: 1, candidate: ids[1] };
    let out = e.step(ELECTION_MAX + 1, Input::VoteRequest { req, reply: "$NRG.R.b".into() });
    assert_eq!((e.role(), e.term(), e.vote()), (Role::Follower, 5, Some(ids[1])));
    let last = out.last().unwrap();
    let Output::Publish { payload, .. } = last else { panic!("a vote goes out last: {out:?}") };
    assert!(VoteResponse::decode(payload).unwrap().granted);
}

#[test]
fn without_faults_every_proposal_is_committed_on_every_node() {
    for seed in 1..=20u64 {
        let mut sim = Sim::new(3, seed, Faults { drop_per_mille: 0, max_delay: 0 });
        sim.run_until(2 * ELECTION_MAX);
        let mut t = 2 * ELECTION_MAX;
        for k in 0..20u8 {
            assert!(sim.propose(vec![k]), "seed {seed}: no leader to propose to");
            t += 50 * MS;
            sim.run_until(t);
        }
        sim.run_until(t + 3 * SECOND);
        let last = sim.nodes[0].log.keys().next_back().copied().unwrap_or(0);
        assert!(last >= 21, "seed {seed}: the no-op and 20 proposals are stored ({last})");
        for (i, n) in sim.nodes.iter().enumerate() {
            assert_eq!(n.log, sim.nodes[0].log, "seed {seed}: node {i} has another log");
            assert_eq!(n.engine.as_ref().unwrap().commit(), last, "seed {seed}: node {i} did not commit everything");
        }
    }
}

#[test]
fn committed_entries_survive_loss_reordering_crashes_and_new_leaders() {
    for seed in 1..=30u64 {
        let mut sim = Sim::new(5, seed, Faults { drop_per_mille: 150, max_delay: 200 * MS });
        let mut t = 0;
        let mut k = 0u32;
        while t < 120 * SECOND {
            t += 200 * MS + sim.random() % SECOND;
            sim.run_until(t);
            sim.propose(k.to_le_bytes().to_vec());
            k += 1;
            if sim.random().is_multiple_of(10) {
                let i = (sim.random() % 5) as usize;
                sim.push(t, Event::Crash(i));
                let back = t + SECOND + sim.random() % (4 * SECOND);
                sim.push(back, Event::Restart(i));
            }
        }
        sim.run_until(130 * SECOND);
        assert!(!sim.committed.is_empty(), "seed {seed}: nothing was ever committed");
    }
}
