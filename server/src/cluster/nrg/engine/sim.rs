//! A seeded simulator of several engines on a simulated subject bus, with
//! virtual time. Delivery is FIFO per link; faults are message loss,
//! crashes and restarts from what was persisted, pauses, and partitions.
//! The upper layer of each node applies what is committed (a hash chain of
//! the operations), acknowledges it with `Applied`, and now and then takes a
//! snapshot, which compacts the log and makes lagging followers install it.
//!
//! After every step it checks:
//! - election safety: at most one leader per term;
//! - a node votes at most once per term, and nothing it publishes about a
//!   vote is ahead of what it persisted;
//! - log matching: two logs with an entry of the same index and term agree
//!   on everything up to it;
//! - a committed entry never changes, and every new leader holds all of
//!   them; no node truncates below what it committed;
//! - commit and applied never go back within a node's life, and every
//!   node's upper-layer state at an index is the same;
//! - liveness: without faults a leader is elected within two election
//!   timeouts, and again after faults stop; what is proposed then is
//!   committed everywhere.
//!
//! A run that breaks one prints its seed and its last events; the same seed
//! replays it exactly.
use std::cell::RefCell;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::rc::Rc;

use super::*;
use crate::cluster::nrg::codec::{peer_id, EntryType};

const MS: Nanos = MILLISECOND;
const ELECTION_MAX: Nanos = Timers::GO.election_max;

#[derive(Debug, Clone)]
struct Msg {
    subject: String,
    reply: Option<String>,
    payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Tick(usize),
    Deliver(usize, u64),
    Crash(usize),
    Restart(usize),
    Pause(usize, Nanos),
    /// Cut the links between the nodes in the mask and the others.
    Partition(u64),
    Heal,
}

/// Faults of one run.
#[derive(Clone, Copy)]
struct Faults {
    /// Out of 1000 messages.
    drop_per_mille: u64,
    max_delay: Nanos,
}

/// What a node keeps across a crash.
#[derive(Default)]
struct Disk {
    tav: Option<TermAndVote>,
    /// index -> (term, append entry bytes).
    log: BTreeMap<u64, (u64, Vec<u8>)>,
    snapshot: Option<SnapshotFile>,
}

#[derive(Clone, Default)]
struct SimLog(Rc<RefCell<Disk>>);

impl Log for SimLog {
    fn load(&self, index: u64) -> Option<Vec<u8>> {
        self.0.borrow().log.get(&index).map(|(_, b)| b.clone())
    }

    fn snapshot(&self) -> Option<SnapshotFile> {
        self.0.borrow().snapshot.clone()
    }
}

struct Node {
    engine: Option<Engine<SimLog>>,
    disk: SimLog,
    /// Inboxes and leader-only subjects it listens on now.
    subs: BTreeSet<String>,
    /// A hash of the log up to each index, so prefixes compare in one step.
    chain: BTreeMap<u64, u64>,
    /// The highest index it committed in this life, and its commit before.
    checked: u64,
    /// The upper layer: the index applied and the state's hash there.
    applied: u64,
    state: u64,
    paused_until: Nanos,
    cfg: Config,
}

struct Sim {
    now: Nanos,
    rng: u64,
    nodes: Vec<Node>,
    queue: BinaryHeap<std::cmp::Reverse<(Nanos, u64, Event)>>,
    seq: u64,
    in_flight: HashMap<u64, Msg>,
    /// The last delivery time on each link, for FIFO.
    links: HashMap<(usize, usize), Nanos>,
    /// Nodes on one side of a partition (bit i = node i), 0 when whole.
    partition: u64,
    leaders_by_term: BTreeMap<u64, PeerId>,
    votes_by_term: HashMap<(usize, u64), PeerId>,
    /// Every committed index and its entry, and the upper-layer state
    /// after applying it.
    committed: BTreeMap<u64, Vec<u8>>,
    /// The term in which each index was first committed (the committing
    /// leader's term).
    committed_in: BTreeMap<u64, u64>,
    states: BTreeMap<u64, u64>,
    faults: Faults,
    /// Out of 1000 applies, how many take a snapshot.
    snapshot_per_mille: u64,
    trace: VecDeque<String>,
}

impl Sim {
    fn new(n: usize, seed: u64, faults: Faults) -> Sim {
        let ids: Vec<PeerId> = (0..n).map(|i| peer_id(&format!("sim-{i}"))).collect();
        let nodes = (0..n)
            .map(|i| Node {
                engine: None,
                disk: SimLog::default(),
                subs: BTreeSet::new(),
                chain: BTreeMap::new(),
                checked: 0,
                applied: 0,
                state: 0,
                paused_until: 0,
                cfg: Config {
                    group: "_meta_".into(),
                    id: ids[i],
                    peers: ids.clone(),
                    cluster_size: n,
                    observer: false,
                    managed: false,
                    initializing: false,
                    inbox: format!("$NRG.R.inbox{i}"),
                    timers: Timers::GO,
                },
            })
            .collect();
        let mut sim = Sim {
            now: 0,
            rng: seed | 1,
            nodes,
            queue: BinaryHeap::new(),
            seq: 0,
            in_flight: HashMap::new(),
            links: HashMap::new(),
            partition: 0,
            leaders_by_term: BTreeMap::new(),
            votes_by_term: HashMap::new(),
            committed: BTreeMap::new(),
            committed_in: BTreeMap::new(),
            states: BTreeMap::new(),
            faults,
            snapshot_per_mille: 0,
            trace: VecDeque::new(),
        };
        for i in 0..n {
            sim.boot(i);
        }
        sim
    }

    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn note(&mut self, what: String) {
        if self.trace.len() == 300 {
            self.trace.pop_front();
        }
        self.trace.push_back(format!("{:>12.3} ms {what}", self.now as f64 / MS as f64));
    }

    /// Starts node `i` from its disk.
    fn boot(&mut self, i: usize) {
        let seed = self.random();
        let n = &mut self.nodes[i];
        let tav = n.disk.0.borrow().tav.unwrap_or(TermAndVote { term: 0, vote: None });
        n.subs = [n.cfg.inbox.clone()].into_iter().collect();
        n.checked = 0;
        // The upper layer restarts from its snapshot.
        let snap = n.disk.0.borrow().snapshot.clone();
        (n.applied, n.state) = match snap {
            Some(s) => (s.last_index, u64::from_le_bytes(s.data[..8].try_into().unwrap())),
            None => (0, 0),
        };
        let (engine, outs) = Engine::start(n.cfg.clone(), tav, n.disk.clone(), self.now, seed);
        n.engine = Some(engine);
        self.apply_outputs(i, outs);
        self.schedule_tick(i);
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

    fn cut(&self, a: usize, b: usize) -> bool {
        self.partition != 0 && ((self.partition >> a) & 1) != ((self.partition >> b) & 1)
    }

    fn send(&mut self, from: usize, m: Msg) {
        let group_wide = ["$NRG.V.", "$NRG.AE.", "$NRG.P.", "$NRG.RP."].iter().any(|p| m.subject.starts_with(p));
        let targets: Vec<usize> = (0..self.nodes.len())
            .filter(|&j| {
                let n = &self.nodes[j];
                if m.subject.starts_with("$NRG.P.") || m.subject.starts_with("$NRG.RP.") {
                    n.subs.contains(&m.subject)
                } else if group_wide {
                    j != from
                } else {
                    n.subs.contains(&m.subject)
                }
            })
            .collect();
        for to in targets {
            if self.cut(from, to) || self.random() % 1000 < self.faults.drop_per_mille {
                continue;
            }
            let delay = MS + self.random() % self.faults.max_delay.max(1);
            let at = (self.now + delay).max(self.links.get(&(from, to)).copied().unwrap_or(0));
            self.links.insert((from, to), at);
            self.seq += 1;
            let id = self.seq;
            self.in_flight.insert(id, m.clone());
            self.push(at, Event::Deliver(to, id));
        }
    }

    /// Runs one input on node `i` and applies its outputs.
    fn run(&mut self, i: usize, input: Input) {
        let Some(engine) = self.nodes[i].engine.as_mut() else { return };
        let before = (engine.commit(), engine.applied());
        let outs = engine.step(self.now, input);
        let after = (engine.commit(), engine.applied());
        assert!(after.0 >= before.0 && after.1 >= before.1, "node {i}: commit or applied went back");
        self.apply_outputs(i, outs);
        self.check(i);
        self.schedule_tick(i);
    }

    fn apply_outputs(&mut self, i: usize, outs: Vec<Output>) {
        let mut applied = Vec::new();
        for o in outs {
            match o {
                Output::Persist(tav) => {
                    let mut d = self.nodes[i].disk.0.borrow_mut();
                    let old = d.tav.map_or(0, |t| t.term);
                    assert!(tav.term >= old, "node {i}: term went back on disk");
                    if let Some(v) = tav.vote {
                        let prev = self.votes_by_term.insert((i, tav.term), v);
                        assert!(prev.is_none_or(|p| p == v), "node {i} voted twice in term {}", tav.term);
                    }
                    d.tav = Some(tav);
                }
                Output::PersistPeers(_) | Output::LeaderChanged(_) | Output::Leading(_) => {}
                Output::Subscribe(s) => {
                    self.nodes[i].subs.insert(s);
                }
                Output::Unsubscribe(s) => {
                    self.nodes[i].subs.remove(&s);
                }
                Output::Publish { subject, reply, payload } => {
                    self.check_vote_persisted(i, &subject, &payload);
                    self.send(i, Msg { subject, reply, payload });
                }
                Output::Store { index, term, bytes } => {
                    let n = &mut self.nodes[i];
                    let mut d = n.disk.0.borrow_mut();
                    let last = d.log.keys().next_back().copied().or(d.snapshot.as_ref().map(|s| s.last_index));
                    let last = last.unwrap_or(0);
                    assert_eq!(index, last + 1, "node {i}: stored index {index} after {last}");
                    let prev = n.chain.get(&last).copied().unwrap_or(0);
                    n.chain.insert(index, prefix_hash(prev, term, &bytes));
                    d.log.insert(index, (term, bytes));
                }
                Output::Truncate(index) => {
                    let n = &mut self.nodes[i];
                    assert!(index >= n.checked, "node {i}: truncated to {index} below its commit {}", n.checked);
                    n.disk.0.borrow_mut().log.retain(|&k, _| k <= index);
                    n.chain.retain(|&k, _| k <= index);
                    let mut d = n.disk.0.borrow_mut();
                    if d.snapshot.as_ref().is_some_and(|s| s.last_index > index) {
                        d.snapshot = None;
                    }
                }
                Output::Snapshot(file) => {
                    let n = &mut self.nodes[i];
                    let mut d = n.disk.0.borrow_mut();
                    d.log.retain(|&k, _| k > file.last_index);
                    n.chain.retain(|&k, _| k >= file.last_index);
                    d.snapshot = Some(file);
                }
                Output::Commit { index, entries } => {
                    self.on_commit(i, index, &entries);
                    applied.push(index);
                }
            }
        }
        // The upper layer applies at once, and now and then snapshots what
        // it applied.
        if let Some(index) = applied.pop() {
            if let Some(e) = self.nodes[i].engine.as_mut() {
                let outs = e.step(self.now, Input::Applied(index));
                self.apply_outputs(i, outs);
            }
            if self.snapshot_per_mille > 0 && self.random() % 1000 < self.snapshot_per_mille {
                let data = self.nodes[i].state.to_le_bytes().to_vec();
                if let Some(e) = self.nodes[i].engine.as_mut() {
                    let outs = e.step(self.now, Input::Snapshot(data));
                    self.apply_outputs(i, outs);
                }
            }
        }
    }

    fn check_vote_persisted(&self, i: usize, subject: &str, payload: &[u8]) {
        let disk = self.nodes[i].disk.0.borrow().tav.unwrap_or(TermAndVote { term: 0, vote: None });
        if subject.starts_with("$NRG.V.") {
            let req = VoteRequest::decode(payload).unwrap();
            assert_eq!((disk.term, disk.vote), (req.term, Some(req.candidate)), "node {i}: vote request not persisted");
        }
        if payload.len() == 17 && subject.starts_with("$NRG.R.") {
            let resp = VoteResponse::decode(payload).unwrap();
            if resp.granted {
                assert_eq!(disk.term, resp.term, "node {i}: grant ahead of its term on disk");
                assert!(disk.vote.is_some(), "node {i}: grant not persisted");
            }
        }
    }

    fn on_commit(&mut self, i: usize, index: u64, entries: &[Entry]) {
        let term = self.nodes[i].engine.as_ref().map_or(0, |e| e.term());
        let n = &mut self.nodes[i];
        n.checked = n.checked.max(index);
        if let Some((_, bytes)) = n.disk.0.borrow().log.get(&index) {
            match self.committed.get(&index) {
                Some(c) => assert_eq!(c, bytes, "node {i}: committed index {index} differs"),
                None => {
                    self.committed.insert(index, bytes.clone());
                    self.committed_in.insert(index, term);
                }
            }
        }
        // The upper layer: a snapshot replaces the state; ops chain onto it.
        if index <= n.applied {
            return;
        }
        for e in entries {
            n.state = match e.kind {
                EntryType::Snapshot => u64::from_le_bytes(e.data[..8].try_into().unwrap()),
                _ => prefix_hash(n.state, 0, &e.data),
            };
        }
        n.applied = index;
        match self.states.get(&index) {
            Some(&s) => assert_eq!(s, n.state, "node {i}: upper-layer state at {index} differs"),
            None => {
                self.states.insert(index, n.state);
            }
        }
    }

    fn check(&mut self, i: usize) {
        let Some(e) = &self.nodes[i].engine else { return };
        if e.role() == Role::Leader {
            let (id, term) = (self.nodes[i].cfg.id, e.term());
            let prev = self.leaders_by_term.insert(term, id);
            assert!(prev.is_none_or(|p| p == id), "two leaders in term {term}");
            if prev.is_none() {
                self.note(format!("node {i} leads term {term}"));
                // Leader completeness: a leader of term T holds every entry
                // committed in an earlier term (above what its snapshot
                // covers). A stale candidate can win an older term after a
                // later one committed: it need not hold that, and it cannot
                // commit over it.
                let d = self.nodes[i].disk.0.borrow();
                let base = d.snapshot.as_ref().map_or(0, |s| s.last_index);
                let earlier = |k: &u64| self.committed_in.get(k).is_some_and(|&t| t < term);
                for (k, c) in self.committed.range(base + 1..).filter(|(k, _)| earlier(k)) {
                    let held = d.log.get(k).map(|(_, b)| b);
                    assert_eq!(held, Some(c), "new leader {i} of term {term} lacks committed index {k}");
                }
            }
        }
        // Log matching against every other node.
        for j in 0..self.nodes.len() {
            if j == i {
                continue;
            }
            let (a, b) = (&self.nodes[i].disk.0.borrow().log, &self.nodes[j].disk.0.borrow().log);
            let top = a.keys().next_back().copied().unwrap_or(0).min(b.keys().next_back().copied().unwrap_or(0));
            let same = a.range(..=top).rev().find(|(k, (t, _))| b.get(k).is_some_and(|(u, _)| u == t));
            if let Some((&k, _)) = same {
                // Compare from the later of the two log starts.
                let start = a.keys().next().copied().unwrap_or(0).max(b.keys().next().copied().unwrap_or(0));
                for idx in start..=k {
                    assert_eq!(a.get(&idx), b.get(&idx), "logs of {i} and {j} differ at {idx} below common {k}");
                }
            }
        }
    }

    fn leader_index(&self) -> Option<usize> {
        self.nodes.iter().position(|n| n.engine.as_ref().is_some_and(|e| e.role() == Role::Leader))
    }

    /// Proposes `data` to whichever node leads now, if any.
    fn propose(&mut self, data: Vec<u8>) -> bool {
        let Some(i) = self.leader_index() else { return false };
        self.run(i, Input::Propose(vec![data]));
        true
    }

    fn step(&mut self) -> bool {
        let Some(std::cmp::Reverse((at, _, event))) = self.queue.pop() else { return false };
        self.now = self.now.max(at);
        let node = match &event {
            Event::Tick(i) | Event::Deliver(i, _) => Some(*i),
            _ => None,
        };
        if let Some(i) = node {
            let until = self.nodes[i].paused_until;
            if self.now < until {
                // A paused node handles nothing until it resumes, in order.
                if matches!(event, Event::Deliver(..)) {
                    self.push(until, event);
                }
                return true;
            }
        }
        match event {
            Event::Tick(i) => self.run(i, Input::Tick),
            Event::Deliver(i, id) => {
                if let Some(m) = self.in_flight.remove(&id) {
                    // An inbox or leader-only subject dropped meanwhile gets
                    // nothing.
                    let group_wide = m.subject.starts_with("$NRG.V.") || m.subject.starts_with("$NRG.AE.");
                    if !group_wide && !self.nodes[i].subs.contains(&m.subject) {
                        return true;
                    }
                    if let Some(input) = Input::from_message(&m.subject, m.reply.clone(), &m.payload) {
                        self.run(i, input);
                    }
                }
            }
            Event::Crash(i) => {
                if self.nodes[i].engine.take().is_some() {
                    self.note(format!("node {i} crashes"));
                }
            }
            Event::Restart(i) => {
                if self.nodes[i].engine.is_none() {
                    self.note(format!("node {i} restarts"));
                    self.boot(i);
                }
            }
            Event::Pause(i, until) => {
                self.note(format!("node {i} pauses"));
                self.nodes[i].paused_until = until;
                self.push(until, Event::Tick(i));
            }
            Event::Partition(mask) => {
                self.note(format!("partition {mask:b}"));
                self.partition = mask;
            }
            Event::Heal => {
                self.note("heal".into());
                self.partition = 0;
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
        let live: Vec<&Engine<SimLog>> = self.nodes.iter().filter_map(|n| n.engine.as_ref()).collect();
        let leaders: Vec<&&Engine<SimLog>> = live.iter().filter(|e| e.role() == Role::Leader).collect();
        if leaders.len() != 1 {
            return None;
        }
        let id = leaders[0].id();
        live.iter().all(|e| e.leader() == Some(id)).then_some(id)
    }

    /// Random faults over `[from, to)`: crashes with restarts, pauses,
    /// partitions with heals.
    fn schedule_faults(&mut self, from: Nanos, to: Nanos) {
        let n = self.nodes.len() as u64;
        let mut t = from;
        while t < to {
            t += SECOND + self.random() % (8 * SECOND);
            let i = (self.random() % n) as usize;
            let back = t + SECOND + self.random() % (5 * SECOND);
            match self.random() % 4 {
                0 | 1 => {
                    self.push(t, Event::Crash(i));
                    self.push(back, Event::Restart(i));
                }
                2 => self.push(t, Event::Pause(i, back)),
                _ => {
                    let mask = 1 + self.random() % ((1 << n) - 2);
                    self.push(t, Event::Partition(mask));
                    self.push(back, Event::Heal);
                }
            }
        }
    }

    /// Runs `f` on this seed's simulation; on a failure prints the seed and
    /// the last events, then fails.
    fn replayable(seed: u64, mut sim: Sim, f: impl FnOnce(&mut Sim)) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut sim)));
        if let Err(e) = result {
            eprintln!("seed {seed} failed at {} ms; its last events:", sim.now / MS);
            for line in &sim.trace {
                eprintln!("  {line}");
            }
            std::panic::resume_unwind(e);
        }
    }
}

/// The hash of a log prefix: the previous prefix's, then this entry.
fn prefix_hash(prev: u64, term: u64, bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (prev, term, bytes).hash(&mut h);
    h.finish()
}

/// Seeds to sweep: `NRG_SIM_SEEDS` as a count (`10000`: seeds 1 to 10000)
/// or a range (`1612..1612` replays one), else 1 to `default`.
fn seeds(default: u64) -> std::ops::RangeInclusive<u64> {
    let spec = std::env::var("NRG_SIM_SEEDS").unwrap_or_default();
    if let Some((a, b)) = spec.split_once("..") {
        if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
            return a..=b;
        }
    }
    1..=spec.parse().unwrap_or(default)
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
fn an_observer_votes_but_never_leads() {
    let mut sim = Sim::new(3, 7, Faults { drop_per_mille: 0, max_delay: 20 * MS });
    for i in 0..2 {
        sim.run(i, Input::SetObserver(true));
    }
    sim.run_until(4 * ELECTION_MAX);
    let leader = sim.agreed_leader().expect("the one non-observer leads, with the observers' votes");
    assert_eq!(leader, sim.nodes[2].cfg.id);
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
        let log = sim.nodes[0].disk.0.borrow().log.clone();
        let last = log.keys().next_back().copied().unwrap_or(0);
        assert!(last >= 21, "seed {seed}: the no-op and 20 proposals are stored ({last})");
        for (i, n) in sim.nodes.iter().enumerate() {
            assert_eq!(n.disk.0.borrow().log, log, "seed {seed}: node {i} has another log");
            assert_eq!(n.engine.as_ref().unwrap().commit(), last, "seed {seed}: node {i} did not commit everything");
        }
    }
}

/// The CI sweep: loss, crashes, pauses and partitions with proposals and
/// snapshots throughout; then calm, in which a leader must emerge and a
/// proposal must reach every node.
#[test]
fn safety_and_recovery_under_faults() {
    for seed in seeds(200) {
        let n = 3 + (seed % 2) as usize * 2;
        let sim = Sim::new(n, seed, Faults { drop_per_mille: 50, max_delay: 100 * MS });
        Sim::replayable(seed, sim, |sim| {
            sim.snapshot_per_mille = 100;
            sim.schedule_faults(0, 60 * SECOND);
            let mut t = 0;
            let mut k = 0u32;
            while t < 60 * SECOND {
                t += 100 * MS + sim.random() % (500 * MS);
                sim.run_until(t);
                sim.propose(k.to_le_bytes().to_vec());
                k += 1;
            }
            // Calm: everyone back, no loss.
            sim.run_until(70 * SECOND);
            for i in 0..n {
                sim.push(70 * SECOND, Event::Restart(i));
            }
            sim.push(70 * SECOND, Event::Heal);
            sim.faults = Faults { drop_per_mille: 0, max_delay: 20 * MS };
            let calm = 70 * SECOND + 3 * ELECTION_MAX;
            sim.run_until(calm);
            assert!(sim.agreed_leader().is_some(), "seed {seed}: no leader after the faults stopped");
            assert!(sim.propose(b"last".to_vec()));
            sim.run_until(calm + 2 * ELECTION_MAX);
            let leader = sim.leader_index().expect("a leader");
            let want = sim.nodes[leader].engine.as_ref().unwrap().commit();
            for (i, node) in sim.nodes.iter().enumerate() {
                let e = node.engine.as_ref().unwrap();
                assert_eq!(e.commit(), want, "seed {seed}: node {i} did not catch up");
            }
        });
    }
}

#[test]
fn a_follower_far_behind_catches_up_through_a_snapshot() {
    let mut sim = Sim::new(3, 11, Faults { drop_per_mille: 0, max_delay: 5 * MS });
    sim.run_until(2 * ELECTION_MAX);
    let leader = sim.leader_index().expect("a leader");
    let lagger = (leader + 1) % 3;
    sim.push(sim.now, Event::Crash(lagger));
    let mut t = sim.now;
    for k in 0..50u32 {
        t += 20 * MS;
        sim.run_until(t);
        sim.propose(k.to_le_bytes().to_vec());
    }
    sim.run_until(t + SECOND);
    // The leader snapshots, dropping the log the lagger misses.
    let data = sim.nodes[leader].state.to_le_bytes().to_vec();
    sim.run(leader, Input::Snapshot(data));
    assert!(sim.nodes[leader].disk.0.borrow().snapshot.is_some());
    for k in 50..60u32 {
        sim.propose(k.to_le_bytes().to_vec());
        t += 20 * MS;
        sim.run_until(t);
    }
    sim.push(sim.now, Event::Restart(lagger));
    sim.run_until(sim.now + 5 * SECOND);
    let want = sim.nodes[leader].engine.as_ref().unwrap().commit();
    let got = sim.nodes[lagger].engine.as_ref().unwrap().commit();
    assert_eq!(got, want, "the lagger caught up");
    assert!(sim.nodes[lagger].disk.0.borrow().snapshot.is_some(), "through the leader's snapshot");
    assert_eq!(sim.nodes[lagger].state, sim.nodes[leader].state, "with the same upper-layer state");
}

#[test]
fn a_leader_hands_over_on_step_down() {
    let mut sim = Sim::new(3, 5, Faults { drop_per_mille: 0, max_delay: 5 * MS });
    sim.run_until(2 * ELECTION_MAX);
    let old = sim.leader_index().expect("a leader");
    let want = sim.nodes[(old + 1) % 3].cfg.id;
    sim.run(old, Input::StepDown(Some(want)));
    sim.run_until(sim.now + 200 * MS);
    assert_eq!(sim.agreed_leader(), Some(want), "the preferred peer leads within 200 ms");
}

#[test]
fn followers_of_a_gone_leader_campaign_within_a_second() {
    for seed in 1..=20u64 {
        let mut sim = Sim::new(3, seed, Faults { drop_per_mille: 0, max_delay: 5 * MS });
        sim.run_until(2 * ELECTION_MAX);
        let old = sim.leader_index().expect("a leader");
        let gone = sim.nodes[old].cfg.id;
        sim.push(sim.now, Event::Crash(old));
        sim.run_until(sim.now + MS);
        for i in (0..3).filter(|&i| i != old) {
            sim.run(i, Input::PeerGone(gone));
        }
        sim.run_until(sim.now + SECOND);
        let new = sim.leader_index().expect("a new leader within a second");
        assert_ne!(new, old, "seed {seed}");
    }
}

#[test]
fn a_leader_without_quorum_steps_down() {
    let mut sim = Sim::new(3, 9, Faults { drop_per_mille: 0, max_delay: 5 * MS });
    sim.run_until(2 * ELECTION_MAX);
    let leader = sim.leader_index().expect("a leader");
    sim.push(sim.now, Event::Partition(1 << leader));
    sim.run_until(sim.now + 2 * Timers::GO.lost_quorum + SECOND);
    let e = sim.nodes[leader].engine.as_ref().unwrap();
    assert_ne!(e.role(), Role::Leader, "the cut-off leader stepped down");
}

#[test]
fn a_new_server_joins_an_unmanaged_group_by_answering_its_leader() {
    let mut sim = Sim::new(4, 3, Faults { drop_per_mille: 0, max_delay: 5 * MS });
    // Node 3 starts unknown to the others, which form a group of three.
    let three: Vec<PeerId> = sim.nodes[..3].iter().map(|n| n.cfg.id).collect();
    for i in 0..3 {
        sim.nodes[i].cfg.peers = three.clone();
        sim.nodes[i].cfg.cluster_size = 3;
        sim.nodes[i].engine = None;
        sim.boot(i);
    }
    sim.nodes[3].cfg.peers = three.clone();
    sim.nodes[3].cfg.cluster_size = 3;
    sim.nodes[3].cfg.observer = true;
    sim.nodes[3].engine = None;
    sim.boot(3);
    sim.run_until(3 * ELECTION_MAX);
    let leader = sim.leader_index().expect("a leader");
    let peers = sim.nodes[leader].engine.as_ref().unwrap().peers();
    assert!(peers.contains(&sim.nodes[3].cfg.id), "the fourth server was added: {peers:?}");
    assert_eq!(sim.nodes[leader].engine.as_ref().unwrap().cluster_size(), 4);
}

#[test]
fn a_server_joining_a_bootstrapped_group_late_follows_its_leader() {
    // Go's bootstrap: each server knows only itself, expecting two; the
    // third starts later with the same expectation.
    let mut sim = Sim::new(3, 21, Faults { drop_per_mille: 0, max_delay: 5 * MS });
    for i in 0..3 {
        let me = sim.nodes[i].cfg.id;
        sim.nodes[i].cfg.peers = vec![me];
        sim.nodes[i].cfg.cluster_size = 2;
        sim.nodes[i].engine = None;
    }
    for i in 0..2 {
        sim.boot(i);
        sim.run(i, Input::Campaign);
    }
    sim.run_until(3 * SECOND);
    let first = sim.leader_index().expect("the first two elect a leader");
    sim.boot(2);
    sim.run(2, Input::Campaign);
    sim.run_until(20 * SECOND);
    let leader = sim.agreed_leader().expect("one leader everyone follows");
    assert_eq!(leader, sim.nodes[first].cfg.id, "the late server did not take over");
    let e = sim.nodes[first].engine.as_ref().unwrap();
    assert_eq!((e.peers().len(), e.cluster_size()), (3, 3), "it joined the group");
}
