//! The harness of the ported tests: an in-memory log whose disk follows the
//! engine's outputs, one node driven by hand, and a few nodes on a bus that
//! delivers at once and in order, with stops, restarts, partitions and
//! blocked nodes (Go's tests lock a node; what is sent to it waits). Time is
//! virtual and passes only when a test says so.
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use super::super::*;
use crate::cluster::nrg::codec::{peer_id, EntryType, PeerState};

/// The reply inbox the tests put on the append entries they hand a node.
pub(super) const AE_REPLY: &str = "$TEST";

/// The id of Go's server `name` (`nats-0` is `S1Nunr6R`).
pub(super) fn id(name: &str) -> PeerId {
    peer_id(name)
}

/// `nats-<i>`, the peers Go's single-node tests talk about.
pub(super) fn nats(i: u32) -> PeerId {
    peer_id(&format!("nats-{i}"))
}

/// The node under test in the single-node tests (Go's `S-1`).
pub(super) fn me() -> PeerId {
    peer_id("S-1")
}

/// One normal entry, the content does not matter.
pub(super) fn normal() -> Vec<Entry> {
    vec![Entry { kind: EntryType::Normal, data: b"foo".to_vec() }]
}

pub(super) fn entry(kind: EntryType, data: &[u8]) -> Vec<Entry> {
    vec![Entry { kind, data: data.to_vec() }]
}

/// An append entry as Go's tests build them: `lterm` 0 unless set.
pub(super) fn ae(leader: PeerId, term: u64, commit: u64, pterm: u64, pindex: u64, entries: Vec<Entry>) -> AppendEntry {
    AppendEntry { leader, term, commit, pterm, pindex, entries, lterm: Some(0) }
}

/// The same append entry with the leader's term stated.
pub(super) fn with_lterm(mut ae: AppendEntry, lterm: u64) -> AppendEntry {
    ae.lterm = Some(lterm);
    ae
}

/// `[Snapshot, PeerState]`, what a leader sends ahead of a catch-up.
pub(super) fn snapshot_entries(data: &[u8], peers: &[PeerId]) -> Vec<Entry> {
    let ps = PeerState { cluster_size: peers.len() as u32, peers: peers.to_vec(), domain_ext: 0 };
    vec![
        Entry { kind: EntryType::Snapshot, data: data.to_vec() },
        Entry { kind: EntryType::PeerState, data: ps.encode() },
    ]
}

/// A log of one entry per term in `terms` (index `i + 1` of `terms[i]`),
/// as `leader` sent them, with `tav` at the last term.
pub(super) fn log_of(leader: PeerId, terms: &[u64]) -> MemLog {
    let log = MemLog::default();
    let mut pterm = 0;
    for (i, &t) in terms.iter().enumerate() {
        log.put(i as u64 + 1, &ae(leader, t, 0, pterm, i as u64, normal()));
        pterm = t;
    }
    log.0.borrow_mut().tav = Some(TermAndVote { term: pterm, vote: None });
    log
}

/// What a node keeps across a restart.
#[derive(Debug, Default)]
pub(super) struct Disk {
    pub tav: Option<TermAndVote>,
    /// index -> (term, append entry as stored).
    pub log: BTreeMap<u64, (u64, Vec<u8>)>,
    pub snapshot: Option<SnapshotFile>,
    /// `peers.idx`.
    pub peers: Option<Vec<u8>>,
    /// The WAL's last sequence: compaction and removals leave it.
    pub last_seq: u64,
}

/// The log as a WAL holds it: stores only at the next index.
#[derive(Debug, Clone, Default)]
pub(super) struct MemLog(pub Rc<RefCell<Disk>>);

impl Log for MemLog {
    fn load(&self, index: u64) -> Option<Vec<u8>> {
        self.0.borrow().log.get(&index).map(|(_, b)| b.clone())
    }

    fn snapshot(&self) -> Option<SnapshotFile> {
        self.0.borrow().snapshot.clone()
    }

    fn last_index(&self) -> Option<u64> {
        Some(self.last())
    }
}

impl MemLog {
    pub fn last(&self) -> u64 {
        self.0.borrow().last_seq
    }

    /// Stores `ae` as `index`, as a test that writes the WAL directly does.
    pub fn put(&self, index: u64, ae: &AppendEntry) {
        let mut d = self.0.borrow_mut();
        d.log.insert(index, (ae.term, ae.encode().unwrap()));
        d.last_seq = d.last_seq.max(index);
    }

    fn apply(&self, outs: &[Output]) {
        for o in outs {
            match o {
                Output::Persist(tav) => self.0.borrow_mut().tav = Some(*tav),
                Output::PersistPeers(ps) => self.0.borrow_mut().peers = Some(ps.clone()),
                Output::Store { index, term, bytes } => {
                    let last = self.last();
                    assert_eq!(*index, last + 1, "stored index {index} after {last}");
                    let mut d = self.0.borrow_mut();
                    d.log.insert(*index, (*term, bytes.clone()));
                    d.last_seq = *index;
                }
                Output::Truncate(index) => {
                    let mut d = self.0.borrow_mut();
                    d.log.retain(|&k, _| k <= *index);
                    d.last_seq = *index;
                    if d.snapshot.as_ref().is_some_and(|s| s.last_index > *index) {
                        d.snapshot = None;
                    }
                }
                Output::Snapshot(file) => {
                    let mut d = self.0.borrow_mut();
                    d.log.retain(|&k, _| k > file.last_index);
                    d.last_seq = d.last_seq.max(file.last_index);
                    d.snapshot = Some(file.clone());
                }
                _ => {}
            }
        }
    }
}

/// A group `TEST` member: `id` among `peers`, a new group.
pub(super) fn config(id: PeerId, peers: &[PeerId]) -> Config {
    Config {
        group: "TEST".into(),
        id,
        peers: peers.to_vec(),
        cluster_size: peers.len(),
        observer: false,
        managed: false,
        initializing: true,
        inbox: format!("$NRG.R.{}", String::from_utf8_lossy(&id)),
        timers: Timers::GO,
    }
}

/// Go's `initSingleMemRaftNode`, with `others` added as peers.
pub(super) fn node(others: &[PeerId]) -> Node {
    let mut peers = vec![me()];
    peers.extend_from_slice(others);
    Node::start(config(me(), &peers), MemLog::default(), 0)
}

/// One engine driven by hand, its disk kept up to date.
pub(super) struct Node {
    pub e: Engine<MemLog>,
    pub disk: MemLog,
    pub cfg: Config,
    pub now: Nanos,
    /// Inboxes and leader-only subjects it listens on.
    pub subs: BTreeSet<String>,
    /// What `start` returned.
    pub boot: Vec<Output>,
    /// The `(pterm, pindex)` of our last request for a catch-up.
    asked: Option<(u64, u64)>,
}

impl Node {
    pub fn start(cfg: Config, disk: MemLog, now: Nanos) -> Node {
        let tav = disk.0.borrow().tav.unwrap_or(TermAndVote { term: 0, vote: None });
        let seed = u64::from_le_bytes(cfg.id);
        let (e, boot) = Engine::start(cfg.clone(), tav, disk.clone(), now, seed);
        disk.apply(&boot);
        let subs = [cfg.inbox.clone()].into_iter().collect();
        Node { e, disk, cfg, now, subs, boot, asked: None }
    }

    /// The same node started again from its disk, its peers from
    /// `peers.idx` as Go reads them.
    pub fn restart(&self) -> Node {
        let mut cfg = self.cfg.clone();
        cfg.initializing = false;
        if let Some(ps) = self.disk.0.borrow().peers.as_ref().and_then(|b| PeerState::decode(b).ok()) {
            cfg.peers = ps.peers;
            cfg.cluster_size = ps.cluster_size as usize;
        }
        Node::start(cfg, self.disk.clone(), self.now)
    }

    pub fn step(&mut self, input: Input) -> Vec<Output> {
        let outs = self.e.step(self.now, input);
        self.absorb(&outs);
        outs
    }

    /// Runs one of the engine's own steps, as Go's tests call its internals.
    pub fn force(&mut self, f: impl FnOnce(&mut Engine<MemLog>, Nanos, &mut Vec<Output>)) -> Vec<Output> {
        let mut outs = Vec::new();
        f(&mut self.e, self.now, &mut outs);
        self.absorb(&outs);
        outs
    }

    fn absorb(&mut self, outs: &[Output]) {
        self.disk.apply(outs);
        for o in outs {
            match o {
                Output::Subscribe(s) => {
                    self.subs.insert(s.clone());
                }
                Output::Unsubscribe(s) => {
                    self.subs.remove(s);
                }
                Output::Publish { reply: Some(r), payload, .. } if r.starts_with("$NRG.CR.") => {
                    if let Ok(resp) = AppendEntryResponse::decode(payload) {
                        self.asked = Some((resp.term, resp.index));
                    }
                }
                _ => {}
            }
        }
    }

    /// A live append entry, replied to on [`AE_REPLY`].
    pub fn live(&mut self, ae: &AppendEntry) -> Vec<Output> {
        self.step(Input::AppendEntry { ae: ae.clone(), reply: AE_REPLY.into() })
    }

    /// An entry on the catch-up inbox in use.
    pub fn catchup(&mut self, ae: &AppendEntry) -> Vec<Output> {
        let inbox = self.catchup_inbox().expect("catching up");
        self.on_inbox(&inbox, ae)
    }

    /// An entry on `inbox`, a catch-up inbox in use or not.
    pub fn on_inbox(&mut self, inbox: &str, ae: &AppendEntry) -> Vec<Output> {
        self.step(Input::CatchupEntry { ae: ae.clone(), inbox: inbox.into(), reply: None })
    }

    pub fn catchup_inbox(&self) -> Option<String> {
        self.e.catchup.as_ref().map(|c| c.inbox.clone())
    }

    /// The catch-up's `(cterm, cindex)`, the leader's point to reach.
    pub fn catchup_target(&self) -> Option<(u64, u64)> {
        self.e.catchup.as_ref().map(|c| (c.cterm, c.cindex))
    }

    /// Our `(pterm, pindex)` when the catch-up started, as we told the
    /// leader.
    pub fn catchup_from(&self) -> Option<(u64, u64)> {
        self.e.catchup.as_ref().and(self.asked)
    }

    /// Lets the election timer fire.
    pub fn fire(&mut self) -> Vec<Output> {
        self.now = self.now.max(self.e.next_deadline());
        self.step(Input::Tick)
    }

    /// Campaigns and collects a vote from every other peer until leading.
    pub fn elect(&mut self) -> Vec<Output> {
        let mut outs = Vec::new();
        for _ in 0..10 {
            if self.e.role() == Role::Candidate {
                break;
            }
            outs.extend(self.fire());
            if self.e.role() == Role::Leader {
                return outs;
            }
        }
        assert_eq!(self.e.role(), Role::Candidate, "campaigns");
        let me = self.cfg.id;
        for voter in self.e.peers().into_iter().filter(|&p| p != me) {
            let term = self.e.term();
            outs.extend(self.step(Input::VoteResponse(VoteResponse { term, voter, granted: true, empty: false })));
            if self.e.role() == Role::Leader {
                break;
            }
        }
        assert_eq!(self.e.role(), Role::Leader, "won");
        outs
    }

    /// Elected, its no-op stored by the other peers, committed and applied:
    /// it may act as leader.
    pub fn lead(&mut self) -> Vec<Output> {
        let mut outs = self.elect();
        let (term, index) = (self.e.term(), self.e.last().1);
        let me = self.cfg.id;
        for peer in self.e.peers().into_iter().filter(|&p| p != me) {
            outs.extend(self.ack(peer, term, index));
        }
        if let Some((index, _)) = commits(&outs).last() {
            outs.extend(self.step(Input::Applied(*index)));
        }
        assert!(self.leading(), "leads");
        outs
    }

    /// A follower's success for `index` of `term`.
    pub fn ack(&mut self, peer: PeerId, term: u64, index: u64) -> Vec<Output> {
        let resp = AppendEntryResponse { term, index, peer, success: true };
        self.step(Input::AppendEntryResponse { resp, reply: None })
    }

    /// A vote request; the answer.
    pub fn vote(&mut self, term: u64, last_term: u64, last_index: u64, candidate: PeerId) -> VoteResponse {
        let req = VoteRequest { term, last_term, last_index, candidate };
        let outs = self.step(Input::VoteRequest { req, reply: "$VOTE".into() });
        votes(&outs).pop().expect("an answer")
    }

    /// Entries in the log (Go's `wal.State().Msgs`).
    pub fn msgs(&self) -> usize {
        self.disk.0.borrow().log.len()
    }

    /// The append entry stored as `index`.
    pub fn stored(&self, index: u64) -> AppendEntry {
        AppendEntry::decode(&self.disk.load(index).expect("stored")).unwrap()
    }

    pub fn leading(&self) -> bool {
        self.e.leading
    }
}

/// Publishes to subjects starting with `prefix`: subject, reply, payload.
pub(super) fn published<'a>(outs: &'a [Output], prefix: &str) -> Vec<(&'a str, Option<&'a str>, &'a [u8])> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Publish { subject, reply, payload } if subject.starts_with(prefix) => {
                Some((subject.as_str(), reply.as_deref(), payload.as_slice()))
            }
            _ => None,
        })
        .collect()
}

/// Append entry responses sent to `to`, with their reply subject.
pub(super) fn responses(outs: &[Output], to: &str) -> Vec<(AppendEntryResponse, Option<String>)> {
    published(outs, to)
        .into_iter()
        .filter(|(s, _, p)| *s == to && p.len() == 25)
        .map(|(_, r, p)| (AppendEntryResponse::decode(p).unwrap(), r.map(str::to_string)))
        .collect()
}

/// Vote responses sent.
pub(super) fn votes(outs: &[Output]) -> Vec<VoteResponse> {
    published(outs, "")
        .into_iter()
        .filter(|(_, _, p)| p.len() == 17)
        .map(|(_, _, p)| VoteResponse::decode(p).unwrap())
        .collect()
}

/// Append entries sent on `prefix` (`$NRG.AE.` live, or an inbox).
pub(super) fn appends(outs: &[Output], prefix: &str) -> Vec<AppendEntry> {
    published(outs, prefix).into_iter().filter_map(|(_, _, p)| AppendEntry::decode(p).ok()).collect()
}

pub(super) fn stores(outs: &[Output]) -> Vec<u64> {
    outs.iter().filter_map(|o| if let Output::Store { index, .. } = o { Some(*index) } else { None }).collect()
}

pub(super) fn truncates(outs: &[Output]) -> Vec<u64> {
    outs.iter().filter_map(|o| if let Output::Truncate(i) = o { Some(*i) } else { None }).collect()
}

pub(super) fn commits(outs: &[Output]) -> Vec<(u64, Vec<Entry>)> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Commit { index, entries } => Some((*index, entries.clone())),
            _ => None,
        })
        .collect()
}

/// The lead-change signals, in order.
pub(super) fn lead_changes(outs: &[Output]) -> Vec<bool> {
    outs.iter().filter_map(|o| if let Output::Leading(b) = o { Some(*b) } else { None }).collect()
}

/// The upper layer of a cluster member: Go's `stateAdder` (a sum of
/// deltas) and the chain-of-blocks machine (a count and a hash chain).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct App {
    pub applied: u64,
    pub total: i64,
    pub blocks: u64,
    pub hash: u64,
}

impl App {
    fn encode(&self) -> Vec<u8> {
        [self.total.to_le_bytes(), self.blocks.to_le_bytes(), self.hash.to_le_bytes()].concat()
    }

    fn decode(b: &[u8], applied: u64) -> App {
        let word = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
        App { applied, total: word(0) as i64, blocks: word(1), hash: word(2) }
    }

    fn apply(&mut self, index: u64, entries: &[Entry]) {
        if index <= self.applied {
            return;
        }
        for e in entries {
            match e.kind {
                EntryType::Normal => {
                    self.total += i64::from_le_bytes(e.data[..8].try_into().unwrap());
                    self.blocks += 1;
                    self.hash = chain(self.hash, &e.data);
                }
                EntryType::Snapshot => *self = App::decode(&e.data, index),
                _ => {}
            }
        }
        self.applied = index;
    }
}

fn chain(prev: u64, data: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (prev, data).hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone)]
pub(super) struct Msg {
    pub subject: String,
    pub reply: Option<String>,
    pub payload: Vec<u8>,
}

pub(super) struct Member {
    pub node: Option<Node>,
    pub cfg: Config,
    pub disk: MemLog,
    pub app: App,
    /// Only members of the same partition hear each other.
    pub part: u8,
    /// A blocked member handles nothing; what reaches it waits.
    pub blocked: bool,
    held: VecDeque<Msg>,
}

/// Called with each message once delivered; may change partitions.
pub(super) type Hook = Box<dyn FnMut(usize, &Msg) -> Vec<(usize, u8)>>;

/// A few members of group `TEST` on a bus.
pub(super) struct Cluster {
    pub m: Vec<Member>,
    pub now: Nanos,
    queue: VecDeque<(usize, Msg)>,
    /// Everything published, by whom.
    pub sent: Vec<(usize, Msg)>,
    /// Every truncation, by whom.
    pub truncated: Vec<(usize, u64)>,
    pub hook: Option<Hook>,
}

impl Cluster {
    /// `n` members `S-1`.. that know each other; the first campaigns at once,
    /// as Go's test groups do.
    pub fn new(n: usize) -> Cluster {
        let ids: Vec<PeerId> = (1..=n).map(|i| id(&format!("S-{i}"))).collect();
        let mut c = Cluster {
            m: Vec::new(),
            now: 0,
            queue: VecDeque::new(),
            sent: Vec::new(),
            truncated: Vec::new(),
            hook: None,
        };
        for &me in &ids {
            c.join(config(me, &ids));
        }
        c.run(0, Input::CampaignImmediately);
        c
    }

    /// A new server that knows every server as a peer, unknown to the group.
    pub fn add(&mut self) -> usize {
        let n = self.m.len() + 1;
        let mut ids: Vec<PeerId> = self.m.iter().map(|m| m.cfg.id).collect();
        ids.push(id(&format!("S-{n}")));
        self.join(config(ids[n - 1], &ids))
    }

    fn join(&mut self, cfg: Config) -> usize {
        let disk = MemLog::default();
        let node = Node::start(cfg.clone(), disk.clone(), self.now);
        self.m.push(Member {
            node: Some(node),
            cfg,
            disk,
            app: App::default(),
            part: 0,
            blocked: false,
            held: VecDeque::new(),
        });
        self.m.len() - 1
    }

    pub fn node(&self, i: usize) -> &Node {
        self.m[i].node.as_ref().expect("running")
    }

    pub fn e(&self, i: usize) -> &Engine<MemLog> {
        &self.node(i).e
    }

    pub fn id(&self, i: usize) -> PeerId {
        self.m[i].cfg.id
    }

    /// Runs one of the engine's own steps on `i` and delivers what follows.
    pub fn force(&mut self, i: usize, f: impl FnOnce(&mut Engine<MemLog>, Nanos, &mut Vec<Output>)) {
        let now = self.now;
        let node = self.m[i].node.as_mut().expect("running");
        node.now = now;
        let outs = node.force(f);
        self.after(i, &outs);
        self.settle();
    }

    pub fn running(&self, i: usize) -> bool {
        self.m[i].node.is_some()
    }

    /// Runs `input` on member `i` and delivers what follows.
    pub fn run(&mut self, i: usize, input: Input) -> Vec<Output> {
        let now = self.now;
        let Some(node) = self.m[i].node.as_mut() else { return Vec::new() };
        node.now = now;
        let outs = node.step(input);
        self.after(i, &outs);
        self.settle();
        outs
    }

    /// Queues what `i` published and lets its upper layer apply commits.
    fn after(&mut self, i: usize, outs: &[Output]) {
        let mut applied = None;
        for o in outs {
            match o {
                Output::Publish { subject, reply, payload } => {
                    let msg = Msg { subject: subject.clone(), reply: reply.clone(), payload: payload.clone() };
                    self.sent.push((i, msg.clone()));
                    self.queue.push_back((i, msg));
                }
                Output::Commit { index, entries } => {
                    self.m[i].app.apply(*index, entries);
                    applied = Some(*index);
                }
                Output::Truncate(index) => self.truncated.push((i, *index)),
                _ => {}
            }
        }
        if let Some(index) = applied {
            let now = self.now;
            if let Some(node) = self.m[i].node.as_mut() {
                node.now = now;
                let outs = node.step(Input::Applied(index));
                self.after(i, &outs);
            }
        }
    }

    fn targets(&self, from: usize, m: &Msg) -> Vec<usize> {
        let group_wide = m.subject.starts_with("$NRG.V.") || m.subject.starts_with("$NRG.AE.");
        (0..self.m.len())
            .filter(|&j| {
                let Some(node) = self.m[j].node.as_ref() else { return false };
                if group_wide {
                    j != from
                } else {
                    node.subs.contains(&m.subject)
                }
            })
            .filter(|&j| self.m[j].part == self.m[from].part)
            .collect()
    }

    fn deliver(&mut self, to: usize, m: Msg) {
        if self.m[to].blocked {
            self.m[to].held.push_back(m);
            return;
        }
        let Some(input) = Input::from_message(&m.subject, m.reply.clone(), &m.payload) else { return };
        let now = self.now;
        let Some(node) = self.m[to].node.as_mut() else { return };
        node.now = now;
        let outs = node.step(input);
        self.after(to, &outs);
    }

    /// A client outside the group publishes to the members listening on
    /// `subject` (and to all of them on a group-wide one).
    pub fn publish(&mut self, subject: &str, reply: Option<&str>, payload: &[u8]) {
        let m = Msg { subject: subject.into(), reply: reply.map(str::to_string), payload: payload.to_vec() };
        let group_wide = subject.starts_with("$NRG.V.") || subject.starts_with("$NRG.AE.");
        for j in 0..self.m.len() {
            if self.m[j].node.as_ref().is_some_and(|n| group_wide || n.subs.contains(subject)) {
                self.deliver(j, m.clone());
            }
        }
        self.settle();
    }

    /// What was published to `subject`.
    pub fn sent_to(&self, subject: &str) -> Vec<Msg> {
        self.sent.iter().filter(|(_, m)| m.subject == subject).map(|(_, m)| m.clone()).collect()
    }

    /// Delivers until nothing is in flight.
    pub fn settle(&mut self) {
        let mut steps = 0;
        while let Some((from, m)) = self.queue.pop_front() {
            steps += 1;
            assert!(steps < 1_000_000, "the bus never settles");
            for to in self.targets(from, &m) {
                self.deliver(to, m.clone());
            }
            if let Some(mut hook) = self.hook.take() {
                for (i, part) in hook(from, &m) {
                    self.m[i].part = part;
                }
                self.hook = Some(hook);
            }
        }
    }

    /// Lets `dt` pass, firing timers as they come due.
    pub fn advance(&mut self, dt: Nanos) {
        let until = self.now + dt;
        loop {
            self.settle();
            let due = (0..self.m.len())
                .filter(|&i| !self.m[i].blocked)
                .filter_map(|i| self.m[i].node.as_ref().map(|n| (n.e.next_deadline(), i)))
                .min();
            match due {
                Some((at, i)) if at <= until => {
                    self.now = self.now.max(at);
                    self.run(i, Input::Tick);
                }
                _ => break,
            }
        }
        self.now = until;
    }

    /// The member that leads and may act on it, if exactly one does.
    pub fn leader(&self) -> Option<usize> {
        let leaders: Vec<usize> = (0..self.m.len())
            .filter(|&i| self.m[i].node.as_ref().is_some_and(|n| n.e.role() == Role::Leader && n.leading()))
            .collect();
        match leaders.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Waits up to a minute for a leader (Go's `waitOnLeader`).
    pub fn wait_leader(&mut self) -> Option<usize> {
        for _ in 0..1200 {
            if let Some(l) = self.leader() {
                return Some(l);
            }
            self.advance(50 * MILLISECOND);
        }
        None
    }

    /// A running member other than the leader.
    pub fn follower(&self) -> usize {
        let l = self.leader();
        (0..self.m.len()).find(|&i| Some(i) != l && self.running(i)).expect("a follower")
    }

    pub fn followers(&self) -> Vec<usize> {
        let l = self.leader();
        (0..self.m.len()).filter(|&i| Some(i) != l && self.running(i)).collect()
    }

    /// Go's `proposeDelta`: forwarded by member `i` to the leader.
    pub fn propose(&mut self, i: usize, delta: i64) {
        self.run(i, Input::Forward(delta.to_le_bytes().to_vec()));
    }

    /// Every running member applied `total` (Go's `waitOnTotal`), waiting
    /// up to five seconds.
    pub fn wait_total(&mut self, total: i64) -> bool {
        for _ in 0..100 {
            if (0..self.m.len()).filter(|&i| self.running(i)).all(|i| self.m[i].app.total == total) {
                return true;
            }
            self.advance(50 * MILLISECOND);
        }
        false
    }

    /// The upper layer of `i` snapshots what it applied.
    pub fn snapshot(&mut self, i: usize) {
        let data = self.m[i].app.encode();
        self.run(i, Input::Snapshot(data));
    }

    pub fn stop(&mut self, i: usize) {
        self.m[i].node = None;
        self.m[i].held.clear();
    }

    /// Starts `i` again from its disk; its upper layer from its snapshot.
    pub fn restart(&mut self, i: usize) {
        let mut cfg = self.m[i].cfg.clone();
        cfg.initializing = false;
        let disk = self.m[i].disk.clone();
        if let Some(ps) = disk.0.borrow().peers.as_ref().and_then(|b| PeerState::decode(b).ok()) {
            cfg.peers = ps.peers;
            cfg.cluster_size = ps.cluster_size as usize;
        }
        let snap = disk.0.borrow().snapshot.clone();
        self.m[i].app = snap.map_or(App::default(), |s| App::decode(&s.data, s.last_index));
        let node = Node::start(cfg, disk, self.now);
        let boot = node.boot.clone();
        self.m[i].node = Some(node);
        self.after(i, &boot);
        self.settle();
    }

    pub fn block(&mut self, i: usize) {
        self.m[i].blocked = true;
    }

    /// Unblocks `i`, which then handles what waited, in order.
    pub fn unblock(&mut self, i: usize) {
        self.m[i].blocked = false;
        while let Some(m) = self.m[i].held.pop_front() {
            self.deliver(i, m);
            self.settle();
        }
    }

    pub fn partition(&mut self, i: usize, part: u8) {
        self.m[i].part = part;
    }

    pub fn heal(&mut self) {
        for m in &mut self.m {
            m.part = 0;
        }
    }
}
