//! Clustered JetStream, the meta group (Go's `server/jetstream_cluster.go`:
//! `setupMetaGroup`, `monitorCluster`, `applyMetaEntries`,
//! `encodeMetaSnapshot`, `applyMetaSnapshot`).
//!
//! With JetStream on and a cluster configured, every server runs the NRG
//! group `_meta_` in the system account. A new group bootstraps from this
//! server alone with an expected size of the configured routes (at least 2);
//! the others join by answering the leader, as in Go. Its log carries the
//! meta entries, an op byte then JSON: stream and consumer assignments,
//! updates and removals (section 3.1 of the cluster design note). This layer
//! applies them to its view of the cluster's assets and snapshots that view
//! each minute (S2-compressed JSON, Go's layout) so the log stays short and
//! a server far behind catches up from the snapshot.
//!
//! What rnats does not do yet (issue 12): run the assets assigned to it, or,
//! as meta leader, place new ones. Asset requests it would have to answer as
//! leader get a clear error; a follower leaves them to the leader, as Go
//! does.
pub(crate) mod assignment;
pub(crate) mod catchup;
pub(crate) mod consumer_op;
pub(crate) mod consumer_state;
pub(crate) mod stream_group;
pub(crate) mod stream_op;
pub(crate) mod stream_snapshot;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::api::ClusterView;
use crate::account::Account;
use crate::cluster::nrg::codec::{peer_id, EntryType, PeerId};
use crate::cluster::nrg::driver::{Event, Group, Start, Status};
use crate::cluster::nrg::engine::Timers;
use crate::connection::deliver::Publisher;
use crate::connection::{lock, Connection, InternalCallback, Kind, Subscription};
use crate::message::Msg;

/// The meta leader's requests for a stream's info, `$JSC.SI.<acc>.<stream>`
/// in the system account (Go's `clusterStreamInfoT`), answered by the
/// stream's leader.
pub(crate) const INFO_REQUEST_PREFIX: &str = "$JSC.SI.";
/// The same for a consumer, `$JSC.CI.<acc>.<stream>.<consumer>`.
pub(crate) const CONSUMER_INFO_REQUEST_PREFIX: &str = "$JSC.CI.";

/// The meta group's name (Go's `defaultMetaGroupName`).
pub(crate) const META_GROUP: &str = "_meta_";
/// Asks the meta leader to hand over (system account only).
const META_STEPDOWN: &str = "$JS.API.META.LEADER.STEPDOWN";
/// Asks every server to lower the meta group's quorum (disaster recovery).
const META_RESCUE: &str = "$JS.API.META.RESCUE";
/// Asks the meta leader to remove a server from the group.
const SERVER_REMOVE: &str = "$JS.API.SERVER.REMOVE";
/// Go's `lostQuorumInterval`: a group without a leader this long after it
/// started is leaderless.
const LEADERLESS_AFTER: Duration = Duration::from_secs(10);
/// Go's meta `compactInterval`.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(60);

/// Meta entry ops (Go's `entryOp`); only ever added to at the end.
pub(crate) mod op {
    pub(crate) const ASSIGN_STREAM: u8 = 0;
    pub(crate) const ASSIGN_CONSUMER: u8 = 1;
    pub(crate) const REMOVE_STREAM: u8 = 2;
    pub(crate) const REMOVE_CONSUMER: u8 = 3;
    pub(crate) const ASSIGN_COMPRESSED_CONSUMER: u8 = 9;
    pub(crate) const UPDATE_STREAM: u8 = 11;
}

/// A stream assignment as the meta log carries it, with its consumers'.
#[derive(Debug, Clone, Default)]
struct StreamAssignment {
    sa: Value,
    consumers: BTreeMap<String, Value>,
}

/// An asset: account, stream and, for a consumer, its name.
pub(crate) type AssetKey = (String, String, Option<String>);

/// The cluster's assets as the meta log describes them: by account, then
/// stream name.
#[derive(Debug, Default)]
struct Assets {
    streams: BTreeMap<String, BTreeMap<String, StreamAssignment>>,
    /// Assets just removed, with the removal's reply: taken by the
    /// notification that follows.
    removed: HashMap<AssetKey, Value>,
}

/// A server's JetStream memory and storage, each as (limit, used or
/// reserved), from its STATSZ.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Capacity {
    pub(crate) memory: (i64, i64),
    pub(crate) storage: (i64, i64),
}

/// What the meta group needs of its server.
pub(crate) struct MetaConfig {
    pub(crate) server_name: String,
    pub(crate) server_id: String,
    pub(crate) cluster_name: String,
    /// JetStream's store directory (`<store_dir>/jetstream`).
    pub(crate) store_dir: PathBuf,
    /// Configured route URLs (the expected size when bootstrapping).
    pub(crate) routes: usize,
    /// The system account, which carries NRG and the meta API.
    pub(crate) sys: Arc<Account>,
}

/// The meta group of this server.
pub(crate) struct Meta {
    server_name: String,
    server_id: String,
    /// This server was removed from the group while running: its JetStream
    /// is off (Go's `DisableJetStream` from `processRemovePeer`).
    disabled: std::sync::atomic::AtomicBool,
    cluster_name: String,
    sys: Arc<Account>,
    group: Group,
    assets: Arc<Mutex<Assets>>,
    started: Instant,
    /// Server names by peer id, and whether each is offline: names stay
    /// once seen (Go's `nodeToInfo`).
    names: Mutex<HashMap<PeerId, (String, bool)>>,
    /// Other servers' cluster and tags, from their STATSZ events (Go's
    /// `nodeToInfo`).
    placement: Mutex<HashMap<PeerId, (String, Vec<String>)>>,
    /// Other servers' (and our own) JetStream memory and storage, each as
    /// (limit, used or reserved), from their STATSZ events.
    capacity: Mutex<HashMap<PeerId, Capacity>>,
    /// `SERVER.REMOVE` requests waiting for their removal to commit: the
    /// peer and the reply subject.
    removals: Mutex<HashMap<PeerId, String>>,
    /// Where changes to the stream assignments go (the JetStream engine's
    /// queue), once it listens.
    sink: Arc<Mutex<Option<assignment::AssetSink>>>,
    /// `<store_dir>/jetstream/<system account>/_js_`: the groups' folders.
    groups_dir: PathBuf,
    /// Ids for the internal clients of asset groups, apart from the
    /// server's own range.
    next_cid: std::sync::atomic::AtomicU64,
}

impl Meta {
    /// Starts the meta group when JetStream runs in a cluster.
    pub(crate) fn start(cfg: MetaConfig, next_client_id: &dyn Fn() -> u64) -> Option<Arc<Meta>> {
        crate::info!("Creating JetStream metadata controller");
        let groups_dir: PathBuf = cfg.store_dir.join(&cfg.sys.name).join("_js_");
        let dir = groups_dir.join(META_GROUP);
        let bootstrap = !dir.join("peers.idx").exists();
        if bootstrap {
            crate::info!("JetStream cluster bootstrapping");
        } else {
            crate::info!("JetStream cluster recovering state");
        }
        let me = peer_id(&cfg.server_name);
        let start = Start {
            group: META_GROUP.to_string(),
            dir,
            id: me,
            bootstrap: vec![me],
            // Go's `bootstrapRaftNode`: at least 2, else the configured routes.
            cluster_size: cfg.routes.max(2),
            managed: false,
            observer: false,
            recovering: true,
            timers: Timers::GO,
        };
        let (tx, rx) = mpsc::channel();
        let events = Box::new(move |e| {
            let _ = tx.send(e);
        });
        let group = match Group::start(&cfg.sys, next_client_id(), start, events) {
            Ok(g) => g,
            Err(e) => {
                crate::error!("Could not start JetStream metadata controller: {e}");
                return None;
            }
        };
        // Go's bootstrap campaigns soon rather than waiting out a timeout.
        if bootstrap {
            group.campaign_soon();
        }
        let leader_line = format!("JetStream cluster new metadata leader: {}/{}", cfg.server_name, cfg.cluster_name);
        let meta = Arc::new(Meta {
            server_name: cfg.server_name,
            server_id: cfg.server_id,
            disabled: Default::default(),
            cluster_name: cfg.cluster_name,
            sys: cfg.sys,
            group: group.clone(),
            assets: Arc::default(),
            started: Instant::now(),
            names: Mutex::default(),
            placement: Mutex::default(),
            capacity: Mutex::default(),
            removals: Mutex::default(),
            sink: Arc::default(),
            groups_dir,
            next_cid: std::sync::atomic::AtomicU64::new(1 << 48),
        });
        let assets = Arc::clone(&meta.assets);
        let sink = Arc::clone(&meta.sink);
        let weak_meta = Arc::downgrade(&meta);
        let spawned = std::thread::Builder::new().name("jetstream-meta".into()).spawn(move || {
            let mut since_snapshot = 0u64;
            let mut last_snapshot = Instant::now();
            loop {
                match rx.recv_timeout(SNAPSHOT_EVERY) {
                    Ok(Event::Committed { index, entries }) => {
                        for e in entries {
                            match e.kind {
                                EntryType::Normal => {
                                    let mut view = lock(&assets);
                                    let changed = apply_entry(&mut view, &e.data);
                                    assignment::notify(&mut view, &sink, changed);
                                }
                                EntryType::Snapshot => {
                                    let mut view = lock(&assets);
                                    let mut changed = assignment::asset_keys(&view);
                                    apply_snapshot(&mut view, &e.data);
                                    changed.extend(assignment::asset_keys(&view));
                                    changed.sort();
                                    changed.dedup();
                                    assignment::notify(&mut view, &sink, changed);
                                }
                                EntryType::RemovePeer => {
                                    if let (Some(m), Ok(peer)) =
                                        (weak_meta.upgrade(), PeerId::try_from(e.data.as_slice()))
                                    {
                                        m.removed(peer);
                                    }
                                }
                                _ => {}
                            }
                        }
                        since_snapshot += 1;
                        group.applied(index);
                    }
                    Ok(Event::Leading(on)) => {
                        if on {
                            crate::info!("{leader_line}");
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
                if since_snapshot > 0 && last_snapshot.elapsed() >= SNAPSHOT_EVERY {
                    group.snapshot(encode_snapshot(&lock(&assets)));
                    since_snapshot = 0;
                    last_snapshot = Instant::now();
                }
            }
        });
        if let Err(e) = spawned {
            crate::error!("Could not start JetStream metadata controller: {e}");
            meta.group.stop();
            return None;
        }
        meta.subscribe_api(next_client_id());
        Some(meta)
    }

    /// The system account's meta API, answered by the meta leader only:
    /// `$JS.API.META.LEADER.STEPDOWN` (Go's `jsLeaderStepDownRequest`) and
    /// `$JS.API.SERVER.REMOVE` (`jsLeaderServerRemoveRequest`).
    fn subscribe_api(self: &Arc<Meta>, client_id: u64) {
        let sys = &self.sys;
        let client = Connection::new_internal(client_id, Kind::System, &sys.name, &sys.sublist);
        type Handler = fn(&Meta, &str, &[u8]) -> Option<Vec<u8>>;
        let handlers: [(&str, Handler); 3] = [
            (META_STEPDOWN, |m, _, p| m.leader_stepdown(p)),
            (SERVER_REMOVE, |m, r, p| m.server_remove(r, p)),
            (META_RESCUE, |m, _, p| Some(m.rescue(p))),
        ];
        for (sid, (subject, handler)) in handlers.into_iter().enumerate() {
            let weak_meta = Arc::downgrade(self);
            let icb: InternalCallback = Arc::new(move |msg: &Msg, _from: Option<&Arc<Connection>>| {
                let Some(meta) = weak_meta.upgrade() else { return };
                let Some(reply) = msg.reply_str() else { return };
                // A request another account's client made reaches the system
                // account through a Go server's service import, naming its
                // account in `Nats-Request-Info` (Go's `getRequestInfo`):
                // only the system account's own requests are served.
                if !from_system_account(msg, &meta.sys.name) {
                    return;
                }
                if let Some(answer) = handler(&meta, reply, msg.payload()) {
                    meta.publish(reply, answer);
                }
            });
            client.add_sub(Subscription::new_internal(&client, subject, sid as u64 + 1, icb));
        }
    }

    /// `$JS.API.META.RESCUE`, answered by every server (Go's
    /// `jsMetaRescueRequest`): lowers the quorum this server needs, for a
    /// group that lost too many peers to elect a leader, and announces it.
    fn rescue(&self, payload: &[u8]) -> Vec<u8> {
        let answer = |error: Option<ApiErrorBody>, prev: usize, new: usize| {
            crate::json::to_vec(&RescueResponse {
                kind: RESCUE_RESPONSE,
                error,
                server: &self.server_name,
                server_id: &self.server_id,
                prev_quorum: prev,
                new_quorum: new,
            })
        };
        let fail = |code, err_code, description| answer(Some(ApiErrorBody { code, err_code, description }), 0, 0);
        let req = match parse_request(payload) {
            Ok(v) => v,
            Err((code, err_code, description)) => return fail(code, err_code, description),
        };
        let qn = req["quorum_needed"].as_u64().unwrap_or(0) as usize;
        match self.group.rescue(qn) {
            Err(why) => fail(400, 10224, format!("JetStream system rescue not applied: {why}")),
            Ok((prev, new)) => {
                crate::warn!("Unsafe quorum rescue applied, quorum lowered {prev} -> {new} for 5m0s");
                let adv = RescueAdvisory {
                    kind: "io.nats.jetstream.advisory.v1.meta_rescue",
                    id: crate::nuid::next(),
                    timestamp: crate::gotime::rfc3339(std::time::SystemTime::now()),
                    server: &self.server_name,
                    server_id: &self.server_id,
                    prev_quorum: prev,
                    new_quorum: new,
                    cluster: &self.cluster_name,
                };
                self.publish("$JS.EVENT.ADVISORY.SERVER.META_RESCUE", crate::json::to_vec(&adv));
                answer(None, prev, new)
            }
        }
    }

    /// Asks the group to remove a server; the answer waits for the removal
    /// to commit (`None` here), unless the request is refused at once.
    fn server_remove(&self, reply: &str, payload: &[u8]) -> Option<Vec<u8>> {
        if !self.is_leader() {
            return None;
        }
        let fail =
            |code, err_code, description| Some(error_response(SERVER_REMOVE_RESPONSE, code, err_code, description));
        let req = match parse_request(payload) {
            Ok(v) => v,
            Err((code, err_code, description)) => return fail(code, err_code, description),
        };
        // One removal at a time (Go checks this before looking the peer up).
        if !lock(&self.removals).is_empty() || self.status().membership_changing {
            return fail(400, 10202, "cluster member change is in progress".into());
        }
        let peers = self.status().peers;
        let names = self.server_names();
        let found = match req["peer_id"].as_str().filter(|s| !s.is_empty()) {
            Some(id) => peers.iter().find(|p| p.as_slice() == id.as_bytes()),
            None => {
                let want = req["peer"].as_str().unwrap_or("");
                peers.iter().find(|p| names.get(*p).is_some_and(|(n, _)| n == want))
            }
        };
        let Some(&peer) = found else {
            return fail(400, 10044, "server is not a member of the cluster".into());
        };
        lock(&self.removals).insert(peer, reply.to_string());
        self.group.remove_peer(peer);
        None
    }

    /// Answers a meta leader step-down request (`None`: not the leader,
    /// no answer). An optional placement names the preferred server, or a
    /// cluster and tags the successor must match.
    fn leader_stepdown(&self, payload: &[u8]) -> Option<Vec<u8>> {
        if !self.is_leader() {
            return None;
        }
        let fail = |code, err_code, description| Some(error_response(STEPDOWN_RESPONSE, code, err_code, description));
        let peers = self.status().peers;
        let preferred = match self.stepdown_placement(peers, payload) {
            Ok(p) => p,
            Err((err_code, description)) => return fail(400, err_code, description),
        };
        self.step_down(preferred);
        Some(crate::json::to_vec(&ApiResponse { kind: STEPDOWN_RESPONSE, error: None, success: true }))
    }

    /// The successor a step-down request asks for (Go's
    /// `getStepDownPreferredPlacement`) among a group's `peers`: the named
    /// preferred server, or an online peer other than us in the placement's
    /// cluster with its tags; `None` when the request names no placement.
    /// `Err` is Go's error code and description.
    pub(crate) fn stepdown_placement(
        &self,
        peers: Vec<PeerId>,
        payload: &[u8],
    ) -> Result<Option<PeerId>, (u32, String)> {
        let body = String::from_utf8_lossy(payload);
        if !body.trim_start().starts_with(['{', '[']) {
            return Ok(None);
        }
        let req: Value = serde_json::from_str(&body).map_err(|e| (10025, format!("invalid JSON: {e}")))?;
        let placement = &req["placement"];
        if !placement.is_object() {
            return Ok(None);
        }
        let names = self.server_names();
        let me = peer_id(&self.server_name);
        if let Some(want) = placement["preferred"].as_str().filter(|s| !s.is_empty()) {
            let found = peers.iter().find(|p| names.get(*p).is_some_and(|(n, _)| n == want));
            return match found {
                Some(p) if *p == me => Err((10005, format!("preferred server {want:?} is already leader"))),
                Some(p) => Ok(Some(*p)),
                None => Err((10005, format!("preferred server {want:?} not known"))),
            };
        }
        // Online peers other than us, in the placement's cluster, carrying
        // every tag it names (tags as Go's TagList compares them).
        let want_cluster = placement["cluster"].as_str().filter(|c| !c.is_empty());
        let want_tags = placement_tags(placement);
        let known = lock(&self.placement).clone();
        let fits = |p: &PeerId| {
            let (cluster, tags) = self.node_placement(&known, p);
            want_cluster.is_none_or(|c| c == cluster) && want_tags.iter().all(|t| tags.contains(t))
        };
        let online = peers.into_iter().filter(|p| *p != me && names.get(p).is_some_and(|(_, off)| !off));
        match online.filter(fits).min() {
            Some(p) => Ok(Some(p)),
            None => Err((10005, "no replacement peer connected".into())),
        }
    }

    pub(crate) fn status(&self) -> Status {
        self.group.status()
    }

    pub(crate) fn is_leader(&self) -> bool {
        self.group.status().is_leader
    }

    /// JetStream was turned off by this server's removal from the group.
    pub(crate) fn disabled(&self) -> bool {
        self.disabled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Leading, or following a leader heard from within two heartbeats with
    /// everything committed applied (Go's `isCurrent`).
    pub(crate) fn is_current(&self) -> bool {
        let st = self.group.status();
        if st.is_leader {
            return true;
        }
        let Some(leader) = st.leader else { return false };
        let heard = st.heard.get(&leader).is_some_and(|t| t.elapsed() <= 2 * Timers::GO.heartbeat_duration());
        heard && st.applied >= st.commit
    }

    /// What an API request needs to know, from one read of the status:
    /// leading, and leaderless (no leader known, long enough since the start
    /// to say so: Go's `isLeaderless`).
    pub(crate) fn api_view(&self) -> ClusterView {
        let st = self.group.status();
        ClusterView {
            leader: st.is_leader,
            leaderless: st.leader.is_none() && self.started.elapsed() > LEADERLESS_AFTER,
        }
    }

    /// Hands meta leadership on, to `preferred` if it can take it.
    pub(crate) fn step_down(&self, preferred: Option<PeerId>) {
        self.group.step_down(preferred);
    }

    /// The server called `name` went away (its last route closed): it shows
    /// offline, and if it led, the group campaigns soon.
    pub(crate) fn server_gone(&self, name: &str) {
        lock(&self.names).insert(peer_id(name), (name.to_string(), true));
        self.group.peer_gone(peer_id(name));
    }

    /// The server called `name` said it is shutting down: it shows offline.
    pub(crate) fn server_offline(&self, name: &str) {
        lock(&self.names).insert(peer_id(name), (name.to_string(), true));
    }

    /// A route to the server called `name` came up.
    pub(crate) fn server_up(&self, name: &str) {
        if !name.is_empty() {
            lock(&self.names).insert(peer_id(name), (name.to_string(), false));
        }
    }

    /// A server's cluster and tags as its STATSZ told them (ours for
    /// ourselves, and for a server not heard from yet: our cluster, no tags).
    pub(crate) fn node_placement(
        &self,
        known: &HashMap<PeerId, (String, Vec<String>)>,
        p: &PeerId,
    ) -> (String, Vec<String>) {
        let (cluster, tags) = known.get(p).cloned().unwrap_or_else(|| (self.cluster_name.clone(), vec![]));
        if *p == peer_id(&self.server_name) {
            return (self.cluster_name.clone(), tags);
        }
        (cluster, tags)
    }

    /// What another server's STATSZ says of it: its cluster and tags.
    pub(crate) fn server_info(&self, name: &str, cluster: String, tags: Vec<String>) {
        lock(&self.placement).insert(peer_id(name), (cluster, tags));
    }

    /// What another server's STATSZ says of its JetStream memory and
    /// storage: each as (limit, used or reserved).
    pub(crate) fn server_capacity(&self, name: &str, memory: (i64, i64), storage: (i64, i64)) {
        lock(&self.capacity).insert(peer_id(name), Capacity { memory, storage });
    }

    /// A server's removal committed: the leader answers whoever asked, and
    /// the removed server leaves the group (Go's `processRemovePeer`).
    fn removed(&self, peer: PeerId) {
        if peer == peer_id(&self.server_name) {
            // Removed while running, JetStream goes off and says so; one that
            // learns of it catching up after a restart only leaves the group
            // (as Go's servers are seen to do).
            if self.status().removed_while_running {
                crate::error!("JetStream being DISABLED, our server was removed from the cluster");
                self.disabled.store(true, std::sync::atomic::Ordering::Relaxed);
                let adv = ServerRemovedAdvisory {
                    kind: "io.nats.jetstream.advisory.v1.server_removed",
                    id: crate::nuid::next(),
                    timestamp: crate::gotime::rfc3339(std::time::SystemTime::now()),
                    server: &self.server_name,
                    server_id: &self.server_id,
                    cluster: &self.cluster_name,
                };
                self.publish("$JS.EVENT.ADVISORY.SERVER.REMOVED", crate::json::to_vec(&adv));
            }
            self.group.stop();
            return;
        }
        let reply = lock(&self.removals).remove(&peer);
        if let (Some(reply), true) = (reply, self.is_leader()) {
            let body = crate::json::to_vec(&ApiResponse { kind: SERVER_REMOVE_RESPONSE, error: None, success: true });
            self.publish(&reply, body);
        }
    }

    /// Lame duck: never campaign again, and hand leadership over.
    pub(crate) fn lame_duck(&self) {
        self.group.set_observer(true);
        if self.is_leader() {
            self.group.step_down(None);
        }
    }

    /// Hands leadership to another server (briefly waiting for the
    /// transfer to go out) and stops the group (shutdown).
    pub(crate) fn stop(&self) {
        self.lame_duck();
        let deadline = Instant::now() + Duration::from_millis(250);
        while self.is_leader() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.group.stop();
    }

    /// Server names by peer id, with whether each is offline: ours, and
    /// every server a route ever reached (a server that went away keeps its
    /// name, as in Go).
    pub(crate) fn server_names(&self) -> HashMap<PeerId, (String, bool)> {
        let mut known = lock(&self.names);
        known.insert(peer_id(&self.server_name), (self.server_name.clone(), false));
        known.clone()
    }

    /// The folder of the NRG group called `name`.
    pub(crate) fn group_dir(&self, name: &str) -> PathBuf {
        self.groups_dir.join(name)
    }

    /// The system account, which carries every group's messages.
    pub(crate) fn sys(&self) -> &Arc<Account> {
        &self.sys
    }

    /// An id for the internal client of an asset's group.
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_cid.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Publishes an answer in the system account.
    fn publish(&self, subject: &str, body: Vec<u8>) {
        self.sys.publish(&Msg::new(subject.to_string(), None, body), &mut Publisher::server());
    }
}

const STEPDOWN_RESPONSE: &str = "io.nats.jetstream.api.v1.meta_leader_stepdown_response";
const SERVER_REMOVE_RESPONSE: &str = "io.nats.jetstream.api.v1.meta_server_remove_response";

/// Go's `JSApiLeaderStepDownResponse` and `JSApiMetaServerRemoveResponse`.
#[derive(serde::Serialize)]
struct ApiResponse {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ApiErrorBody>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    success: bool,
}

#[derive(serde::Serialize)]
struct ApiErrorBody {
    code: u16,
    err_code: u32,
    description: String,
}

const RESCUE_RESPONSE: &str = "io.nats.jetstream.api.v1.meta_rescue_response";

/// Go's `JSApiMetaRescueResponse`.
#[derive(serde::Serialize)]
struct RescueResponse<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ApiErrorBody>,
    server: &'a str,
    server_id: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    prev_quorum: usize,
    #[serde(skip_serializing_if = "is_zero")]
    new_quorum: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Go's `JSMetaRescueAdvisory`.
#[derive(serde::Serialize)]
struct RescueAdvisory<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    timestamp: String,
    server: &'a str,
    server_id: &'a str,
    prev_quorum: usize,
    new_quorum: usize,
    cluster: &'a str,
}

/// Go's `JSServerRemovedAdvisory`.
#[derive(serde::Serialize)]
struct ServerRemovedAdvisory<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    timestamp: String,
    server: &'a str,
    server_id: &'a str,
    cluster: &'a str,
}

/// A placement's tags as Go's `TagList` compares them: trimmed, lower-cased.
pub(crate) fn placement_tags(placement: &Value) -> Vec<String> {
    placement["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(|s| s.as_str()).map(|s| s.trim().to_lowercase()).collect())
        .unwrap_or_default()
}

/// A request body that must hold JSON: an empty one is Go's "bad request"
/// (10003), one that does not parse its "invalid JSON" (10025).
fn parse_request(payload: &[u8]) -> Result<Value, (u16, u32, String)> {
    let body = String::from_utf8_lossy(payload);
    if matches!(body.trim(), "" | "{}") {
        return Err((400, 10003, "bad request".into()));
    }
    serde_json::from_str(&body).map_err(|e| (400, 10025, format!("invalid JSON: {e}")))
}

/// An API error answer of type `kind`.
fn error_response(kind: &'static str, code: u16, err_code: u32, description: String) -> Vec<u8> {
    let error = ApiErrorBody { code, err_code, description };
    crate::json::to_vec(&ApiResponse { kind, error: Some(error), success: false })
}

/// Whether a request in the system account was made there (no
/// `Nats-Request-Info`, or one naming the system account).
fn from_system_account(msg: &Msg, system: &str) -> bool {
    crate::jetstream::api_import::request_account(msg.headers(), system) == system
}

/// The account an assignment belongs to: its client's service account, else
/// its account (Go's `ClientInfo.serviceAccount`).
fn account_of(a: &Value) -> String {
    let c = &a["client"];
    c["svc"].as_str().filter(|s| !s.is_empty()).or(c["acc"].as_str()).unwrap_or("$G").to_string()
}

/// Applies one meta entry: an op byte, then its JSON. Returns the assets
/// whose assignment changed: account, stream and, for a consumer, its name.
fn apply_entry(assets: &mut Assets, data: &[u8]) -> Vec<AssetKey> {
    let Some((&kind, body)) = data.split_first() else { return vec![] };
    let decoded;
    let body = if kind == op::ASSIGN_COMPRESSED_CONSUMER {
        match crate::s2::decode_stream(body) {
            Ok(b) => {
                decoded = b;
                &decoded[..]
            }
            Err(e) => {
                crate::warn!("JetStream cluster: malformed compressed consumer assignment: {e}");
                return vec![];
            }
        }
    } else {
        body
    };
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        crate::warn!("JetStream cluster: malformed meta entry (op {kind})");
        return vec![];
    };
    let acc = account_of(&v);
    match kind {
        op::ASSIGN_STREAM | op::UPDATE_STREAM => {
            let Some(name) = v["stream"]["name"].as_str().map(str::to_string) else { return vec![] };
            let entry = assets.streams.entry(acc.clone()).or_default().entry(name.clone()).or_default();
            entry.sa = v;
            vec![(acc, name, None)]
        }
        op::REMOVE_STREAM => {
            let Some(name) = v["stream"]["name"].as_str() else { return vec![] };
            let mut changed = vec![(acc.clone(), name.to_string(), None)];
            if let Some(s) = assets.streams.get_mut(&acc) {
                if let Some(mut gone) = s.remove(name) {
                    // The reply of the removal, for whoever answers it.
                    gone.sa["reply"] = v["reply"].clone();
                    for c in gone.consumers.keys() {
                        changed.push((acc.clone(), name.to_string(), Some(c.clone())));
                    }
                    assets.removed.insert((acc.clone(), name.to_string(), None), gone.sa);
                }
            }
            changed
        }
        op::ASSIGN_CONSUMER | op::ASSIGN_COMPRESSED_CONSUMER | op::REMOVE_CONSUMER => {
            let (Some(stream), Some(name)) = (v["stream"].as_str(), v["name"].as_str()) else { return vec![] };
            let key = (acc.clone(), stream.to_string(), Some(name.to_string()));
            let Some(sa) = assets.streams.get_mut(&acc).and_then(|s| s.get_mut(stream)) else { return vec![] };
            if kind == op::REMOVE_CONSUMER {
                if let Some(mut gone) = sa.consumers.remove(name) {
                    gone["reply"] = v["reply"].clone();
                    assets.removed.insert(key.clone(), gone);
                }
            } else {
                sa.consumers.insert(name.to_string(), v);
            }
            vec![key]
        }
        other => {
            crate::debug!("JetStream cluster: meta entry op {other} ignored");
            vec![]
        }
    }
}

/// Go's meta snapshot: S2-compressed JSON of every stream assignment with
/// its consumers (`writeableStreamAssignment`); empty when there is none.
fn encode_snapshot(assets: &Assets) -> Vec<u8> {
    let mut out = Vec::new();
    for s in assets.streams.values().flat_map(BTreeMap::values) {
        let pick = |a: &Value, keys: &[&str]| {
            let mut m = serde_json::Map::new();
            for k in keys {
                if let Some(v) = a.get(*k) {
                    m.insert((*k).to_string(), v.clone());
                }
            }
            m
        };
        let mut w = pick(&s.sa, &["client", "created", "stream", "group", "sync"]);
        let consumers: Vec<Value> = s
            .consumers
            .values()
            .map(|c| Value::Object(pick(c, &["client", "created", "name", "stream", "consumer", "group"])))
            .collect();
        w.insert("Consumers".into(), Value::Array(consumers));
        out.push(Value::Object(w));
    }
    if out.is_empty() {
        return Vec::new();
    }
    crate::s2::encode_block(&serde_json::to_vec(&out).unwrap_or_default())
}

/// Replaces the view with a snapshot's.
fn apply_snapshot(assets: &mut Assets, data: &[u8]) {
    let mut fresh = Assets::default();
    if !data.is_empty() {
        let decoded = crate::s2::decode_block(data).map_err(|e| e.to_string());
        let list = decoded.and_then(|b| serde_json::from_slice::<Vec<Value>>(&b).map_err(|e| e.to_string()));
        let list = match list {
            Ok(l) => l,
            Err(e) => {
                crate::warn!("JetStream cluster: could not decode a meta snapshot: {e}");
                return;
            }
        };
        for mut w in list {
            let Some(name) = w["stream"]["name"].as_str().map(str::to_string) else { continue };
            let consumers = w.as_object_mut().and_then(|m| m.remove("Consumers"));
            let mut sa = StreamAssignment { sa: w, consumers: BTreeMap::new() };
            for c in consumers.and_then(|c| c.as_array().cloned()).unwrap_or_default() {
                if let Some(n) = c["name"].as_str() {
                    sa.consumers.insert(n.to_string(), c.clone());
                }
            }
            fresh.streams.entry(account_of(&sa.sa)).or_default().insert(name, sa);
        }
    }
    *assets = fresh;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: u8, json: &str) -> Vec<u8> {
        let mut b = vec![kind];
        b.extend_from_slice(json.as_bytes());
        b
    }

    #[test]
    fn meta_entries_build_the_view_and_a_snapshot_restores_it() {
        let mut a = Assets::default();
        let sa = r#"{"client":{"acc":"A"},"created":"2026-01-01T00:00:00Z","stream":{"name":"S"},"group":{"name":"S-R1F-x","peers":["p"]},"sync":"$JSC.SYNC.x"}"#;
        apply_entry(&mut a, &entry(op::ASSIGN_STREAM, sa));
        let ca = r#"{"client":{"acc":"A"},"name":"C","stream":"S","consumer":{"durable_name":"C"},"group":{"name":"C-R1F-y"}}"#;
        apply_entry(&mut a, &entry(op::ASSIGN_CONSUMER, ca));
        apply_entry(&mut a, &entry(op::ASSIGN_STREAM, r#"{"client":{"svc":"B","acc":"A"},"stream":{"name":"T"}}"#));
        assert_eq!(a.streams["A"]["S"].consumers.len(), 1);
        assert!(a.streams["B"].contains_key("T"), "the service account owns it");
        let snap = encode_snapshot(&a);
        let mut b = Assets::default();
        apply_snapshot(&mut b, &snap);
        assert_eq!(b.streams["A"]["S"].consumers["C"]["consumer"]["durable_name"], "C");
        assert_eq!(b.streams["A"]["S"].sa["sync"], "$JSC.SYNC.x");
        apply_entry(&mut b, &entry(op::REMOVE_CONSUMER, ca));
        apply_entry(&mut b, &entry(op::REMOVE_STREAM, sa));
        assert!(b.streams["A"].is_empty());
        // Garbage changes nothing and does not panic.
        apply_entry(&mut b, &[op::ASSIGN_STREAM, b'{']);
        apply_entry(&mut b, &[]);
        apply_snapshot(&mut b, b"\xff\xff");
        assert!(b.streams["B"].contains_key("T"));
    }

    #[test]
    fn the_snapshot_go_wrote_applies() {
        let file = include_bytes!("../../../../golden/nrg/files/meta.snap.2.6");
        let snap = crate::cluster::nrg::codec::SnapshotFile::decode(META_GROUP, file).unwrap();
        let mut a = Assets::default();
        apply_snapshot(&mut a, &snap.data);
        let n: usize = a.streams.values().map(BTreeMap::len).sum();
        assert!(n >= 1, "Go's snapshot holds the stream the capture created: {:?}", a.streams.keys());
    }
}
