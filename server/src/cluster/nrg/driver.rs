//! The NRG engine on real I/O: one group run by one thread, its messages
//! carried by internal subscriptions of the system account (Go's
//! `raft_transport.go`, `createInternalSubs`, `sendRPC`), its log in a
//! [`Wal`] and its small files beside it, and its timers from the
//! thread's clock.
//!
//! The thread owns the engine. Everything reaches it through one channel:
//! messages on the group's subjects and inboxes (the subscriptions'
//! callbacks only forward), and the upper layer's commands through
//! [`Group`]. After each step it carries out the outputs in order:
//! `tav.idx`, stored entries and snapshots are written and synced before
//! any publish that follows them; commits and leadership go to the upper
//! layer's channel. A failed write stops the group rather than let it vote
//! or ack on state it could not keep.
//!
//! A thread per group suits the meta group and a handful of assets; many
//! replicated assets will want a shared pool.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::codec::{random_id, Entry, PeerId, SnapshotFile, TermAndVote};
use super::engine::{Config, Engine, Input, Log, Nanos, Output, Role, Timers};
use super::wal::{self, Wal};
use crate::account::Account;
use crate::connection::deliver::Publisher;
use crate::connection::{lock, Connection, InternalCallback, Kind, Subscription};
use crate::message::Msg;

/// Where a group's events go (a channel's sender, or a queue of the upper
/// layer's thread).
pub(crate) type EventSink = Box<dyn Fn(Event) + Send>;

/// Most proposals gathered into one step (the engine splits them into
/// append entries of Go's size limits).
const MAX_PROPOSALS_PER_STEP: usize = 4096;

/// What the group tells its upper layer.
#[derive(Debug)]
pub(crate) enum Event {
    /// `index` is committed: apply `entries`, then call [`Group::applied`].
    Committed { index: u64, entries: Vec<Entry> },
    /// This node may act as leader now, or no longer.
    Leading(bool),
}

/// A group's state for monitoring (`/raftz`, `/jsz`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Status {
    pub(crate) leader: Option<PeerId>,
    pub(crate) is_leader: bool,
    pub(crate) term: u64,
    pub(crate) pterm: u64,
    pub(crate) pindex: u64,
    pub(crate) commit: u64,
    pub(crate) applied: u64,
    pub(crate) peers: Vec<PeerId>,
    pub(crate) cluster_size: usize,
    /// Votes or acks needed, lowered during a rescue.
    pub(crate) quorum: usize,
    pub(crate) rescue: bool,
    pub(crate) catching_up: bool,
    pub(crate) observer: bool,
    pub(crate) membership_changing: bool,
    /// A live append entry carried this node's removal.
    pub(crate) removed_while_running: bool,
    pub(crate) vote: Option<PeerId>,
    /// A leader was ever known.
    pub(crate) had_leader: bool,
    /// When we last heard from each peer (leader's view; the leader only
    /// as a follower), as an age.
    pub(crate) heard: HashMap<PeerId, Instant>,
    /// The last index each peer told the leader it stored.
    pub(crate) peer_index: HashMap<PeerId, u64>,
    pub(crate) leader_since: Option<std::time::SystemTime>,
    /// The write error that stopped the group (`/healthz` reports it).
    pub(crate) stopped: Option<String>,
}

/// What the thread takes in.
enum Cmd {
    Msg {
        subject: String,
        reply: Option<String>,
        payload: Vec<u8>,
    },
    Input(Input),
    /// A quorum rescue, answered with the quorum before and after, or why
    /// it does not apply.
    Rescue {
        qn: usize,
        answer: Sender<Result<(usize, usize), &'static str>>,
    },
    Stop,
}

/// A handle on a running group.
#[derive(Clone)]
pub(crate) struct Group {
    tx: Sender<Cmd>,
    status: Arc<Mutex<Status>>,
}

/// How to start a group.
pub(crate) struct Start {
    pub(crate) group: String,
    pub(crate) dir: PathBuf,
    pub(crate) id: PeerId,
    /// The peers to start with when the directory has no `peers.idx` (Go's
    /// bootstrap), and the expected size.
    pub(crate) bootstrap: Vec<PeerId>,
    pub(crate) cluster_size: usize,
    pub(crate) managed: bool,
    pub(crate) observer: bool,
    /// Go's `Recovering`: false for a new asset's group.
    pub(crate) recovering: bool,
    pub(crate) timers: Timers,
    /// When the log is forced to disk (`jetstream { sync_interval }`, as
    /// Go's raft WAL takes it): `None` before anything that depends on a
    /// write goes out (`sync_interval: always`), else every so often and on
    /// stop. Between syncs what a node stored survives its process dying,
    /// not its machine losing power; the other replicas hold it.
    pub(crate) sync_every: Option<Duration>,
}

/// The WAL shared between the engine (reads) and the thread (writes).
#[derive(Clone)]
struct WalLog {
    wal: Arc<Mutex<Wal>>,
    dir: PathBuf,
    group: String,
}

impl Log for WalLog {
    fn load(&self, index: u64) -> Option<Vec<u8>> {
        lock(&self.wal).load(index)
    }

    fn snapshot(&self) -> Option<SnapshotFile> {
        wal::load_snapshot(&self.dir, &self.group)
    }

    fn last_index(&self) -> Option<u64> {
        Some(lock(&self.wal).last())
    }
}

impl Group {
    /// Opens the group's directory and starts its thread; committed entries
    /// and leadership go to `events`.
    /// `sys` is the system account, which carries the group's messages, and
    /// `client_id` the id of the group's internal client.
    pub(crate) fn start(sys: &Arc<Account>, client_id: u64, start: Start, events: EventSink) -> std::io::Result<Group> {
        let wal = Wal::open(&start.dir)?;
        let tav = match std::fs::read(start.dir.join("tav.idx")) {
            Ok(b) => TermAndVote::decode(&b).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => TermAndVote { term: 0, vote: None },
            Err(e) => return Err(e),
        };
        let (peers, cluster_size) = match std::fs::read(start.dir.join("peers.idx")) {
            Ok(b) => {
                let ps = super::codec::PeerState::decode(&b).map_err(std::io::Error::other)?;
                (ps.peers, ps.cluster_size as usize)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let ps = super::codec::PeerState {
                    cluster_size: start.cluster_size as u32,
                    peers: start.bootstrap.clone(),
                    domain_ext: 0,
                };
                wal::write_file(&start.dir.join("peers.idx"), &ps.encode())?;
                (start.bootstrap.clone(), start.cluster_size)
            }
            Err(e) => return Err(e),
        };
        let empty = wal.last() == 0;
        let log = WalLog { wal: Arc::new(Mutex::new(wal)), dir: start.dir.clone(), group: start.group.clone() };
        let inbox = format!("$NRG.R.{}", String::from_utf8_lossy(&random_id(rand::random())));
        let cfg = Config {
            group: start.group.clone(),
            id: start.id,
            peers,
            cluster_size,
            observer: start.observer,
            managed: start.managed,
            initializing: !start.recovering && empty,
            inbox: inbox.clone(),
            timers: start.timers,
        };
        let (tx, rx) = mpsc::channel();
        let status = Arc::new(Mutex::new(Status::default()));
        let group = Group { tx: tx.clone(), status: Arc::clone(&status) };
        let client = Connection::new_internal(client_id, Kind::System, &sys.name, &sys.sublist);
        let mut runner = Runner {
            id: start.id,
            sys: Arc::downgrade(sys),
            client,
            sids: AtomicU64::new(1),
            subs: HashMap::new(),
            tx,
            events,
            status,
            log: log.clone(),
            epoch: Instant::now(),
            group: start.group.clone(),
            sync_every: start.sync_every,
            synced: Instant::now(),
        };
        for subject in [format!("$NRG.V.{}", start.group), format!("$NRG.AE.{}", start.group), inbox] {
            runner.subscribe(subject);
        }
        let now = runner.now();
        let (engine, outs) = Engine::start(cfg, tav, log, now, rand::random());
        let name = format!("nrg-{}", start.group);
        std::thread::Builder::new().name(name).spawn(move || runner.run(engine, outs, rx))?;
        Ok(group)
    }

    pub(crate) fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    fn send(&self, input: Input) {
        let _ = self.tx.send(Cmd::Input(input));
    }

    /// Replicates an upper-layer operation (ignored unless leading).
    pub(crate) fn propose(&self, op: Vec<u8>) {
        self.send(Input::Propose(vec![op]));
    }

    /// Proposes `op` when leading, else sends it to the leader.
    pub(crate) fn forward(&self, op: Vec<u8>) {
        self.send(Input::Forward(op));
    }

    pub(crate) fn applied(&self, index: u64) {
        self.send(Input::Applied(index));
    }

    pub(crate) fn snapshot(&self, data: Vec<u8>) {
        self.send(Input::Snapshot(data));
    }

    /// Campaigns within Go's campaign timeout (`Campaign`).
    pub(crate) fn campaign_soon(&self) {
        self.send(Input::Campaign);
    }

    /// Campaigns almost at once (Go's `CampaignImmediately`).
    pub(crate) fn campaign_now(&self) {
        self.send(Input::CampaignImmediately);
    }

    pub(crate) fn step_down(&self, preferred: Option<PeerId>) {
        self.send(Input::StepDown(preferred));
    }

    /// Removes a peer (proposed by the leader, else sent to it).
    pub(crate) fn remove_peer(&self, peer: PeerId) {
        self.send(Input::RemovePeer(peer));
    }

    /// The server behind `peer` went away.
    pub(crate) fn peer_gone(&self, peer: PeerId) {
        self.send(Input::PeerGone(peer));
    }

    pub(crate) fn set_observer(&self, observer: bool) {
        self.send(Input::SetObserver(observer));
    }

    /// Lowers the quorum for a while (Go's `RescueQuorum`): the quorum
    /// before and after, or why not.
    pub(crate) fn rescue(&self, qn: usize) -> Result<(usize, usize), &'static str> {
        let (answer, rx) = mpsc::channel();
        let _ = self.tx.send(Cmd::Rescue { qn, answer });
        rx.recv_timeout(Duration::from_secs(2)).unwrap_or(Err("raft: node closed"))
    }

    pub(crate) fn stop(&self) {
        let _ = self.tx.send(Cmd::Stop);
    }
}

struct Runner {
    id: PeerId,
    sys: Weak<Account>,
    client: Arc<Connection>,
    sids: AtomicU64,
    subs: HashMap<String, Arc<Subscription>>,
    tx: Sender<Cmd>,
    events: EventSink,
    status: Arc<Mutex<Status>>,
    log: WalLog,
    epoch: Instant,
    group: String,
    sync_every: Option<Duration>,
    synced: Instant,
}

impl Runner {
    fn now(&self) -> Nanos {
        self.epoch.elapsed().as_nanos() as Nanos
    }

    fn run(mut self, mut engine: Engine<WalLog>, outs: Vec<Output>, rx: Receiver<Cmd>) {
        if let Err(e) = self.carry_out(outs) {
            return self.fail(&engine, e);
        }
        // A command taken off the channel while gathering proposals, to
        // handle next.
        let mut held: Option<Cmd> = None;
        loop {
            self.update_status(&engine);
            let wait = engine.next_deadline().saturating_sub(self.now());
            let next = match held.take() {
                Some(cmd) => Ok(cmd),
                None => rx.recv_timeout(Duration::from_nanos(wait)),
            };
            let input = match next {
                Ok(Cmd::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                // Proposals queued behind one another go out as one append
                // entry (Go's leader drains its proposal queue the same way),
                // so a burst costs one write, one sync and one round of acks.
                Ok(Cmd::Input(Input::Propose(mut ops))) => {
                    while ops.len() < MAX_PROPOSALS_PER_STEP {
                        match rx.try_recv() {
                            Ok(Cmd::Input(Input::Propose(more))) => ops.extend(more),
                            Ok(other) => {
                                held = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    Input::Propose(ops)
                }
                Ok(Cmd::Input(i)) => i,
                Ok(Cmd::Rescue { qn, answer }) => {
                    let prev = engine.quorum();
                    let result = engine.can_rescue(qn).map(|()| (prev, qn));
                    let _ = answer.send(result);
                    if result.is_err() {
                        continue;
                    }
                    Input::RescueQuorum(qn)
                }
                Ok(Cmd::Msg { subject, reply, payload }) => match Input::from_message(&subject, reply, &payload) {
                    // Our own broadcasts come back through our own
                    // subscriptions; Go's transport never delivers them
                    // (its send queue's client skips internal callbacks).
                    Some(Input::VoteRequest { req, .. }) if req.candidate == self.id => continue,
                    Some(Input::AppendEntry { ae, .. }) if ae.leader == self.id => continue,
                    Some(i) => i,
                    None => {
                        debug!("RAFT [{}] dropped a malformed message on {subject}", self.group);
                        continue;
                    }
                },
                Err(RecvTimeoutError::Timeout) => Input::Tick,
            };
            if crate::log::trace_enabled() {
                crate::trace!("RAFT [{}] input {}", self.group, describe(&input));
            }
            let outs = engine.step(self.now(), input);
            if let Err(e) = self.carry_out(outs) {
                return self.fail(&engine, e);
            }
        }
        if let Err(e) = self.sync_now() {
            warn!("RAFT [{}] could not sync its log on stop: {e}", self.group);
        }
        for (_, sub) in self.subs.drain() {
            self.client.remove_sub(&sub);
        }
    }

    fn fail(mut self, engine: &Engine<WalLog>, e: std::io::Error) {
        warn!("RAFT [{}] stopping: could not write its state: {e}", self.group);
        self.update_status(engine);
        lock(&self.status).stopped = Some(e.to_string());
        for (_, sub) in self.subs.drain() {
            self.client.remove_sub(&sub);
        }
    }

    /// Carries out the outputs in order: what is written is synced before
    /// anything published after it.
    fn carry_out(&mut self, outs: Vec<Output>) -> std::io::Result<()> {
        let dir = self.log.dir.clone();
        for o in outs {
            match o {
                Output::Persist(tav) => wal::write_file(&dir.join("tav.idx"), &tav.encode())?,
                Output::PersistPeers(ps) => wal::write_file(&dir.join("peers.idx"), &ps)?,
                Output::Store { index, bytes, .. } => lock(&self.log.wal).append(index, &bytes)?,
                Output::Truncate(index) => lock(&self.log.wal).truncate(index)?,
                Output::Snapshot(snap) => {
                    wal::save_snapshot(&dir, &self.group, &snap)?;
                    lock(&self.log.wal).compact(snap.last_index)?;
                }
                Output::Publish { subject, reply, payload } => {
                    self.sync_if_always()?;
                    self.publish(subject, reply, payload);
                }
                Output::Subscribe(subject) => self.subscribe(subject),
                Output::Unsubscribe(subject) => {
                    if let Some(sub) = self.subs.remove(&subject) {
                        self.client.remove_sub(&sub);
                    }
                }
                Output::LeaderChanged(l) => {
                    let who = l.map(|l| String::from_utf8_lossy(&l).into_owned()).unwrap_or_default();
                    crate::debug!("RAFT [{}] leader is now {who:?}", self.group);
                }
                Output::Leading(on) => {
                    lock(&self.status).leader_since = on.then(std::time::SystemTime::now);
                    (self.events)(Event::Leading(on));
                }
                Output::Commit { index, entries } => {
                    self.sync_if_always()?;
                    (self.events)(Event::Committed { index, entries });
                }
            }
        }
        match self.sync_every {
            Some(every) if self.synced.elapsed() < every => Ok(()),
            _ => self.sync_now(),
        }
    }

    /// Syncs the log before what depends on it goes out, with
    /// `sync_interval: always`.
    fn sync_if_always(&mut self) -> std::io::Result<()> {
        if self.sync_every.is_none() {
            lock(&self.log.wal).sync()?;
        }
        Ok(())
    }

    fn sync_now(&mut self) -> std::io::Result<()> {
        self.synced = Instant::now();
        lock(&self.log.wal).sync()
    }

    fn publish(&self, subject: String, reply: Option<String>, payload: Vec<u8>) {
        let Some(acc) = self.sys.upgrade() else { return };
        let msg = Msg::new(subject, reply.map(Bytes::from), payload);
        acc.publish(&msg, &mut Publisher::server());
    }

    fn subscribe(&mut self, subject: String) {
        if self.subs.contains_key(&subject) {
            return;
        }
        let tx = self.tx.clone();
        let icb: InternalCallback = Arc::new(move |msg: &Msg, _from: Option<&Arc<Connection>>| {
            let subject = String::from_utf8_lossy(&msg.subject).into_owned();
            let reply = msg.reply_str().map(str::to_string);
            let _ = tx.send(Cmd::Msg { subject, reply, payload: msg.payload().to_vec() });
        });
        let sid = self.sids.fetch_add(1, Ordering::Relaxed);
        let sub = Subscription::new_internal(&self.client, &subject, sid, icb);
        self.client.add_sub(Arc::clone(&sub));
        self.subs.insert(subject, sub);
    }

    fn update_status(&self, e: &Engine<WalLog>) {
        let mut s = lock(&self.status);
        let (pterm, pindex) = e.last();
        s.leader = e.leader();
        s.is_leader = e.role() == Role::Leader;
        s.term = e.term();
        (s.pterm, s.pindex) = (pterm, pindex);
        s.commit = e.commit();
        s.applied = e.applied();
        s.peers = e.peers();
        s.cluster_size = e.cluster_size();
        s.quorum = e.quorum();
        s.rescue = e.in_rescue();
        s.catching_up = e.is_catching_up();
        s.observer = e.is_observer();
        s.membership_changing = e.membership_changing();
        s.removed_while_running = e.removed_while_running();
        s.vote = e.voted_for();
        s.had_leader |= e.leader().is_some();
        let now = Instant::now();
        let epoch_now = self.now();
        s.heard.clear();
        s.peer_index.clear();
        for (peer, heard, index) in e.peer_progress() {
            if heard > 0 {
                s.heard.insert(peer, now - Duration::from_nanos(epoch_now.saturating_sub(heard)));
            }
            s.peer_index.insert(peer, index);
        }
    }
}

/// An input as a trace line shows it.
fn describe(input: &Input) -> String {
    let id = |p: &PeerId| String::from_utf8_lossy(p).into_owned();
    match input {
        Input::VoteRequest { req, .. } => {
            format!(
                "vote request from {} term {} last {}:{}",
                id(&req.candidate),
                req.term,
                req.last_term,
                req.last_index
            )
        }
        Input::VoteResponse(r) => {
            format!("vote response from {} term {} granted {} empty {}", id(&r.voter), r.term, r.granted, r.empty)
        }
        Input::AppendEntry { ae, .. } | Input::CatchupEntry { ae, .. } => format!(
            "append entry from {} term {} commit {} at {}:{} with {} entries",
            id(&ae.leader),
            ae.term,
            ae.commit,
            ae.pterm,
            ae.pindex,
            ae.entries.len()
        ),
        Input::AppendEntryResponse { resp, reply } => format!(
            "append entry response from {} {}:{} success {} catch-up {}",
            id(&resp.peer),
            resp.term,
            resp.index,
            resp.success,
            reply.is_some()
        ),
        other => format!("{other:?}").chars().take(120).collect(),
    }
}
