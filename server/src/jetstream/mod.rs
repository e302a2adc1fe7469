//! JetStream: streams, consumers and the `$JS.API` surface, as a
//! self-contained engine the core server drives; Go nats-server 2.15 is the
//! reference for every reply. On a lone server streams and consumers live
//! here alone. In a cluster, [`cluster`] runs the meta group (Go's
//! `_meta_`), whose leader places streams and consumers on servers, and
//! `replication` runs this server's replicas of them, each with its own NRG
//! group, and decides who answers each API request (Go's
//! `jetstream_cluster.go`).
//!
//! # How the core drives it
//!
//! The engine is synchronous and knows nothing of connections: [`service`]
//! puts it on the message path. Its entry points, each taking the engine's
//! one lock for the call:
//!
//! - [`JetStream::on_publish`]: a message JetStream subscribed to in an
//!   account (an API request, an ack, a flow-control reply, or a message a
//!   stream captures); returns what to publish in that account (replies,
//!   pub acks, consumer deliveries, advisories), in order.
//! - [`JetStream::tick`]: timer work (ack-wait redelivery, heartbeats,
//!   pull-request expiry, max age and TTLs, inactive consumer cleanup).
//! - [`JetStream::listen_subjects`] and [`api::api_subjects`]: what JetStream must
//!   subscribe to; [`JetStream::generation`] changes whenever the former may.
//! - [`JetStream::load`] once at start-up and [`JetStream::save`] at shutdown
//!   keep file streams (and their consumers) across a restart (see `persist`).
//!
//! What the engine publishes is a [`Msg`], the core's one message type:
//! routed by `subject`, shown to receivers as `shown` when set (consumers
//! deliver a stored message's own subject to an inbox or deliver subject, as
//! Go does). A delivery of a stored message hands on the store's buffer.
//!
//! # Module layers
//!
//! Each submodule uses only those below it (`server/tests/module_graph.rs`
//! checks there is no import circle):
//!
//! - `service` (the core's side, with `api_import`, the API's crossing into
//!   the system account in a cluster) over this engine, with
//! - `replication` (the engine's clustered side) over `cluster` (the meta
//!   group, assignments and the codecs of replicated entries, over
//!   `crate::cluster::nrg`), over
//! - `api` (the `$JS.API` requests), over
//! - `persist` (files) and `sourcing` (mirrors and sources), over
//! - `stream` (streams, an account's streams), over
//! - `consumer`, over
//! - `api_types` (wire shapes and their shared rules) and `errors`.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

pub(crate) mod api;
pub(crate) mod api_import;
mod api_types;
pub(crate) mod cluster;
mod consumer;
mod errors;
mod persist;
mod replication;
pub(crate) mod service;
mod sourcing;
mod stream;

#[cfg(test)]
mod tests;

use crate::message::Msg;
use api::{api_type_for, Ctx, API_PREFIX};
use consumer::ACK_PREFIX;
use errors::{ApiError, E};
use stream::{AccountJs, Stream};

/// Server-level settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct JetStreamConfig {
    /// Reported as the stream leader in stream info.
    pub(crate) server_name: String,
    /// Server version for `_nats.ver` metadata; defaults to the core's.
    pub(crate) version: Option<String>,
    /// Max memory/storage bytes (-1 or 0 = unlimited): streams reserving
    /// `max_bytes` beyond them are refused.
    pub(crate) max_memory: i64,
    pub(crate) max_store: i64,
    /// Accounts with JetStream enabled; `None` enables every account.
    pub(crate) enabled_accounts: Option<HashSet<String>>,
    /// Where file streams are kept across restarts (`None`: not kept).
    pub(crate) store_dir: Option<std::path::PathBuf>,
    /// Encryption at rest (`jetstream { key, prev_key, cipher }`).
    pub(crate) keys: Option<crate::store::crypto::KeyConfig>,
    /// `jetstream { sync_interval }`.
    pub(crate) sync: crate::store::file::SyncMode,
    /// Per-account limits (accounts not listed are unlimited).
    pub(crate) account_limits: HashMap<String, crate::options::JsAccountLimits>,
    /// JetStream domain: reported in account info and pub acks, and
    /// `$JS.<domain>.API.>` reaches the API.
    pub(crate) domain: Option<String>,
}

/// Per-account usage, for monitoring.
#[derive(Clone, Debug, Default)]
pub(crate) struct AccountStats {
    pub(crate) name: String,
    pub(crate) memory: u64,
    pub(crate) storage: u64,
    pub(crate) reserved_memory: u64,
    pub(crate) reserved_storage: u64,
    pub(crate) api_total: u64,
    pub(crate) api_errors: u64,
    pub(crate) streams: u64,
    pub(crate) consumers: u64,
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
}

/// Server-wide usage, for monitoring.
#[derive(Clone, Debug, Default)]
pub(crate) struct JsStats {
    pub(crate) memory: u64,
    pub(crate) storage: u64,
    pub(crate) reserved_memory: u64,
    pub(crate) reserved_storage: u64,
    pub(crate) api_total: u64,
    pub(crate) api_errors: u64,
    pub(crate) streams: u64,
    pub(crate) consumers: u64,
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) accounts: Vec<AccountStats>,
}

/// Interest probe: `(account, subject) -> has subscribers`.
pub(crate) type InterestProbe = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

struct Inner {
    accounts: HashMap<String, AccountJs>,
    probe: Option<InterestProbe>,
    /// Clustered: this server's replicas of assigned streams.
    groups: cluster::stream_group::Groups,
    /// Clustered: this server's replicas of assigned consumers.
    consumer_groups: cluster::stream_group::ConsumerGroups,
    /// Clustered: the catch-ups this server sends as a stream leader.
    sending: Vec<cluster::catchup::Sending>,
}

/// One account's entry in the publish index.
struct AccountIndex {
    /// Subject filters of every stream.
    subjects: Vec<String>,
    /// Every stream is a memory stream that sources nothing, so a message
    /// can be stored on the publisher's thread without touching a file.
    memory_only: bool,
}

/// The JetStream engine of one server.
pub(crate) struct JetStream {
    cfg: JetStreamConfig,
    version: String,
    inner: Mutex<Inner>,
    /// Per account, what the publish fast path needs without taking
    /// `inner`. Rebuilt (under `inner`) after API calls that change streams.
    index: RwLock<HashMap<String, AccountIndex>>,
    /// False while no stream exists anywhere: the publish path then skips
    /// even the index lock.
    any_streams: std::sync::atomic::AtomicBool,
    /// File stream settings, when there is a store directory.
    store_env: Option<persist::StoreEnv>,
    /// Bumped whenever streams or consumers may have come or gone, so the
    /// service knows to bring JetStream's subscriptions in line.
    generation: std::sync::atomic::AtomicU64,
    /// The meta group, when JetStream runs in a cluster.
    meta: std::sync::OnceLock<Arc<cluster::Meta>>,
    /// Clustered: the engine thread's queue for cluster events.
    cluster_sink: std::sync::OnceLock<cluster::stream_group::ClusterSink>,
}

/// Go's "JetStream not enabled for account" answer to an API request.
fn not_enabled(subject: &str, reply: &str) -> Vec<Msg> {
    match api_type_for(subject) {
        Some(kind) => vec![Msg::reply_to(reply, api::error_reply(kind, &ApiError::new(E::NotEnabledForAccount)))],
        None => Vec::new(),
    }
}

/// Current wall clock in Unix nanoseconds.
pub(crate) fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

const FC_PREFIX: &str = "$JS.FC.";

impl JetStream {
    pub(crate) fn new(cfg: JetStreamConfig) -> JetStream {
        let version = cfg.version.clone().unwrap_or_else(|| crate::consts::VERSION.to_string());
        let store_env = cfg.store_dir.as_ref().map(|root| persist::StoreEnv {
            root: root.clone(),
            keys: cfg.keys.clone(),
            sync: cfg.sync,
            deferred: Arc::default(),
        });
        JetStream {
            store_env,
            cfg,
            version,
            inner: Mutex::new(Inner {
                accounts: HashMap::new(),
                probe: None,
                groups: HashMap::new(),
                consumer_groups: HashMap::new(),
                sending: Vec::new(),
            }),
            index: RwLock::new(HashMap::new()),
            any_streams: std::sync::atomic::AtomicBool::new(false),
            generation: std::sync::atomic::AtomicU64::new(0),
            meta: std::sync::OnceLock::new(),
            cluster_sink: std::sync::OnceLock::new(),
        }
    }

    /// Puts JetStream in clustered mode under this meta group.
    pub(crate) fn set_meta(&self, meta: Arc<cluster::Meta>) {
        let _ = self.meta.set(meta);
    }

    pub(crate) fn meta(&self) -> Option<&Arc<cluster::Meta>> {
        self.meta.get()
    }

    /// Writes what file stores handed off (group commit), outside the
    /// engine's lock; called before anything that depends on it is
    /// published. `Err` names the first write that failed.
    pub(crate) fn flush_deferred(&self) -> Result<(), String> {
        match &self.store_env {
            Some(env) => env.deferred.flush(),
            None => Ok(()),
        }
    }

    /// The server-level settings this engine was created with.
    pub(crate) fn config(&self) -> &JetStreamConfig {
        &self.cfg
    }

    /// Whether this server holds stream `stream` of `account` and, when
    /// named, its consumer `consumer` (for `/healthz` checks of one asset).
    pub(crate) fn holds(&self, account: &str, stream: &str, consumer: Option<&str>) -> (bool, bool) {
        let inner = self.lock();
        let s = inner.accounts.get(account).and_then(|a| a.streams.get(stream));
        (s.is_some(), consumer.is_some_and(|c| s.is_some_and(|s| s.consumers.contains_key(c))))
    }

    /// Clustered: how many streams and consumers this server leads.
    pub(crate) fn leader_counts(&self) -> (usize, usize) {
        let inner = self.lock();
        let streams = inner.groups.values().filter(|g| g.is_leader()).count();
        (streams, inner.consumer_groups.values().filter(|g| g.leader).count())
    }

    /// Whether JetStream is enabled for `account`.
    pub(crate) fn account_enabled(&self, account: &str) -> bool {
        self.enabled(account)
    }

    /// True when some stream of `account` may capture `subject` (lock-free
    /// with respect to the engine: only the subject index is read).
    fn captured(&self, account: &str, subject: &str) -> bool {
        if !self.any_streams.load(std::sync::atomic::Ordering::Acquire) {
            return false;
        }
        let idx = self.index.read().unwrap_or_else(|e| e.into_inner());
        idx.get(account).is_some_and(|a| a.subjects.iter().any(|f| crate::subject::matches(subject, f)))
    }

    /// Whether the account's streams are all memory streams that source
    /// nothing (see [`AccountIndex::memory_only`]).
    fn memory_only(&self, account: &str) -> bool {
        self.index.read().unwrap_or_else(|e| e.into_inner()).get(account).is_some_and(|a| a.memory_only)
    }

    fn rebuild_index(&self, inner: &Inner) {
        let mut idx = HashMap::new();
        for (name, acc) in &inner.accounts {
            let subjects: Vec<String> = acc.streams.values().flat_map(|s| s.cfg.subjects.iter().cloned()).collect();
            if !subjects.is_empty() {
                let memory_only = self.meta.get().is_none()
                    && acc.streams.values().all(|s| {
                        s.cfg.storage == api_types::Storage::Memory
                            && s.cfg.mirror.is_none()
                            && s.cfg.sources.as_ref().is_none_or(|v| v.is_empty())
                    });
                idx.insert(name.clone(), AccountIndex { subjects, memory_only });
            }
        }
        self.any_streams.store(!idx.is_empty(), std::sync::atomic::Ordering::Release);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = idx;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// Changes whenever streams or consumers may have been created, changed
    /// or removed, i.e. when [`JetStream::listen_subjects`] may differ.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Per enabled account, the subjects JetStream listens on beyond the API
    /// ([`api::api_subjects`]): acks and flow-control replies, each stream's
    /// subjects, direct gets of streams that allow them, and each consumer's
    /// pull requests (Go subscribes to each of these).
    pub(crate) fn listen_subjects(&self) -> HashMap<String, Vec<String>> {
        let inner = self.lock();
        let mut all: HashMap<String, Vec<String>> = HashMap::new();
        let names: Vec<String> = match &self.cfg.enabled_accounts {
            Some(set) => set.iter().cloned().collect(),
            None => inner.accounts.keys().cloned().collect(),
        };
        if let Some(meta) = self.meta.get() {
            // Clustered: stream leaders answer the meta leader's info requests.
            let sys = meta.sys().name.clone();
            let stream_info = format!("{}*.*", cluster::INFO_REQUEST_PREFIX);
            all.insert(sys, vec![stream_info, format!("{}*.*.*", cluster::CONSUMER_INFO_REQUEST_PREFIX)]);
        }
        for name in names {
            let mut subjects = vec![format!("{ACK_PREFIX}>"), format!("{FC_PREFIX}>")];
            if let Some(acc) = inner.accounts.get(&name) {
                for (sname, s) in &acc.streams {
                    // Clustered, only a stream's leader takes its subjects (Go's
                    // `subscribeToStream` on becoming leader): a stream without
                    // a leader has no responders, and a follower that has not
                    // yet applied an update takes no publish to a dropped subject.
                    let follower = inner.groups.get(&(name.clone(), sname.clone())).is_some_and(|g| !g.is_leader());
                    if !follower {
                        subjects.extend(s.cfg.subjects.iter().cloned());
                    }
                    if s.cfg.allow_direct {
                        subjects.push(format!("{API_PREFIX}DIRECT.GET.{sname}"));
                        subjects.push(format!("{API_PREFIX}DIRECT.GET.{sname}.>"));
                    }
                    for cname in s.consumers.keys() {
                        subjects.push(format!("{API_PREFIX}CONSUMER.MSG.NEXT.{sname}.{cname}"));
                    }
                }
            }
            all.insert(name, subjects);
        }
        all
    }

    /// The deliver subjects of every push consumer, by account: a new
    /// subscription to one of them should start deliveries at once.
    pub(crate) fn push_deliver_subjects(&self) -> HashMap<String, Vec<String>> {
        let inner = self.lock();
        let mut all: HashMap<String, Vec<String>> = HashMap::new();
        for (name, acc) in &inner.accounts {
            let subjects: Vec<String> = acc
                .streams
                .values()
                .flat_map(|s| s.consumers.values())
                .filter(|c| c.is_push())
                .map(|c| c.cfg.deliver_subject.clone())
                .collect();
            if !subjects.is_empty() {
                all.insert(name.clone(), subjects);
            }
        }
        all
    }

    /// Writes what file streams hold only in memory and their state files
    /// (call on shutdown).
    pub(crate) fn save(&self) {
        let mut inner = self.lock();
        for acc in inner.accounts.values_mut() {
            for s in acc.streams.values_mut() {
                persist::close_stream(s);
            }
        }
    }

    /// Reads back the file streams of every enabled account (call once at
    /// startup, before clients connect).
    pub(crate) fn load(&self) {
        let Some(env) = &self.store_env else { return };
        let dir = &env.root;
        let names: Vec<String> = match &self.cfg.enabled_accounts {
            Some(set) => set.iter().cloned().collect(),
            None => std::fs::read_dir(dir)
                .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default(),
        };
        let now = now_nanos();
        let mut inner = self.lock();
        for name in names {
            let streams = persist::load_account(env, &name, now);
            if streams.is_empty() {
                continue;
            }
            let acc = inner.accounts.entry(name).or_default();
            for s in streams {
                acc.streams.insert(s.cfg.name.clone(), s);
            }
        }
        self.rebuild_index(&inner);
    }

    /// Usage totals for monitoring (`/jsz`, `/varz`).
    pub(crate) fn stats(&self) -> JsStats {
        let inner = self.lock();
        let mut st = JsStats::default();
        for (name, acc) in &inner.accounts {
            let mut a = AccountStats {
                name: name.clone(),
                api_total: acc.api_total,
                api_errors: acc.api_errors,
                ..Default::default()
            };
            for s in acc.streams.values() {
                let state = s.store.state();
                if s.cfg.storage == api_types::Storage::Memory {
                    a.memory += state.bytes;
                    a.reserved_memory += s.cfg.max_bytes.max(0) as u64;
                } else {
                    a.storage += state.bytes;
                    a.reserved_storage += s.cfg.max_bytes.max(0) as u64;
                }
                a.streams += 1;
                a.consumers += s.consumers.len() as u64;
                a.messages += state.msgs;
                a.bytes += state.bytes;
            }
            st.memory += a.memory;
            st.storage += a.storage;
            st.reserved_memory += a.reserved_memory;
            st.reserved_storage += a.reserved_storage;
            st.api_total += a.api_total;
            st.api_errors += a.api_errors;
            st.streams += a.streams;
            st.consumers += a.consumers;
            st.messages += a.messages;
            st.bytes += a.bytes;
            st.accounts.push(a);
        }
        st.accounts.sort_by(|a, b| a.name.cmp(&b.name));
        st
    }

    /// Installs the interest probe used for push delivery and ephemeral
    /// cleanup. Without one every subject counts as having interest.
    pub(crate) fn set_interest_probe(&self, probe: InterestProbe) {
        self.lock().probe = Some(probe);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enabled(&self, account: &str) -> bool {
        self.cfg.enabled_accounts.as_ref().is_none_or(|s| s.contains(account))
    }

    fn handle_api_at(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        let Some(reply) = reply.filter(|r| !r.is_empty()) else { return Vec::new() };
        if let Some(meta) = self.meta.get() {
            // Clustered: requests arrive in the system account, naming the
            // requester's (`api_import`), and the meta leader, the stream's
            // leader or nobody answers there (see the `replication` module).
            let sys = &meta.sys().name;
            let account = match (account == sys, api_import::stays_in_account(subject)) {
                // Direct gets and pull requests stay in their account.
                (false, true) => account.to_string(),
                (true, false) => api_import::request_account(headers, account),
                _ => return Vec::new(),
            };
            let hdr = headers.unwrap_or_default();
            return self.clustered_api(meta, &account, subject, reply, hdr, payload, now);
        }
        if !self.enabled(account) {
            return not_enabled(subject, reply);
        }
        let mut inner = self.lock();
        self.local_api(&mut inner, account, subject, reply, headers.unwrap_or_default(), payload, now, None)
    }

    /// An API request served from this server's own streams and consumers
    /// (the single-server path; clustered, the part a stream's leader or
    /// the meta leader serves from what it holds).
    #[allow(clippy::too_many_arguments)]
    fn local_api(
        &self,
        inner: &mut Inner,
        account: &str,
        subject: &str,
        reply: &str,
        headers: &[u8],
        payload: &[u8],
        now: i64,
        stream_cluster: Option<api_types::ClusterInfo>,
    ) -> Vec<Msg> {
        let mut out = Vec::new();
        self.with_ctx(inner, account, now, stream_cluster, |acc, ctx| {
            api::dispatch(acc, subject, reply, headers, payload, ctx, &mut out);
            sourcing::sync(acc, now, ctx.interest, &mut out);
        });
        if !api::is_read_only(subject) {
            self.rebuild_index(inner);
        }
        out
    }

    /// Runs `f` on an account's JetStream with the context API handlers
    /// take.
    fn with_ctx<R>(
        &self,
        inner: &mut Inner,
        account: &str,
        now: i64,
        stream_cluster: Option<api_types::ClusterInfo>,
        f: impl FnOnce(&mut AccountJs, &Ctx) -> R,
    ) -> R {
        let probe = inner.probe.clone();
        let interest = |s: &str| probe.as_ref().is_none_or(|p| p(account, s));
        let acc = inner.accounts.entry(account.to_string()).or_default();
        let ctx = Ctx {
            server_name: &self.cfg.server_name,
            version: &self.version,
            now,
            interest: &interest,
            max_memory: self.cfg.max_memory,
            max_store: self.cfg.max_store,
            domain: self.cfg.domain.as_deref().unwrap_or(""),
            limits: self.cfg.account_limits.get(account),
            account,
            store: self.store_env.as_ref(),
            stream_cluster,
            assets: self.meta.get().map(|m| m.asset_counts(account)),
        };
        f(acc, &ctx)
    }

    /// A direct get served on the requester's thread, as Go serves them in
    /// the client's read loop (`processDirectGetLastBySubjectRequest` in
    /// `stream.go`): only for memory streams, so that no file is read on a
    /// network thread, and only when the engine is not busy. `None` means
    /// "queue it for the engine thread as usual".
    pub(crate) fn try_direct_get(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Option<Vec<Msg>> {
        let reply = reply.filter(|r| !r.is_empty())?;
        let rest = subject.strip_prefix(API_PREFIX)?.strip_prefix("DIRECT.GET.")?;
        if !self.enabled(account) || headers.is_some_and(|h| stream::get_header(h, "Nats-Required-Api-Level").is_some())
        {
            return None;
        }
        let inner = self.inner.try_lock().ok()?;
        let acc = inner.accounts.get(account)?;
        let (name, last_subj) = rest.split_once('.').unwrap_or((rest, ""));
        if acc.streams.get(name)?.cfg.storage != api_types::Storage::Memory {
            return None;
        }
        let mut out = Vec::new();
        api::direct_get(acc, name, last_subj, reply, payload, &mut out);
        Some(out)
    }

    /// Called for every message published in `account`. See the module docs.
    pub(crate) fn on_publish(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Vec<Msg> {
        self.on_publish_at(account, subject, reply, headers, payload, now_nanos())
    }

    fn on_publish_at(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        if subject.starts_with(API_PREFIX) {
            return self.handle_api_at(account, subject, reply, headers, payload, now);
        }
        if let Some(api) = self.domain_api(subject) {
            return self.handle_api_at(account, &api, reply, headers, payload, now);
        }
        if subject.starts_with(cluster::INFO_REQUEST_PREFIX)
            || subject.starts_with(cluster::CONSUMER_INFO_REQUEST_PREFIX)
        {
            return self.info_request(account, subject, reply, payload, now);
        }
        let mut out = Vec::new();
        // Fast path: most subjects are neither JetStream's own nor captured.
        if !subject.starts_with("$JS.") && !self.captured(account, subject) {
            return out;
        }
        if !self.enabled(account) {
            return out;
        }
        let mut inner = self.lock();
        let probe = inner.probe.clone();
        let interest = |s: &str| probe.as_ref().is_none_or(|p| p(account, s));
        let Inner { accounts, groups, .. } = &mut *inner;
        let Some(acc) = accounts.get_mut(account) else { return out };
        if !subject.starts_with("$JS.") && !groups.is_empty() {
            // Clustered: a replicated stream's leader proposes the message.
            if let Some(name) = acc.streams.iter().find(|(_, s)| s.matches(subject)).map(|(n, _)| n.clone()) {
                let hdr = headers.unwrap_or_default();
                let over = acc
                    .streams
                    .get(&name)
                    .is_some_and(|s| self.over_account_limits(acc, account, &s.cfg, subject, hdr, payload));
                let Some(s) = acc.streams.get_mut(&name) else { return out };
                let routed = self.route_publish(groups, s, account, subject, reply, hdr, payload, over, now);
                if let cluster::stream_group::Routed::Handled(msgs) = routed {
                    return msgs;
                }
            }
        }
        if let Some(rest) = subject.strip_prefix(ACK_PREFIX) {
            process_ack(acc, rest, reply, payload, now, &interest, &mut out);
            return out;
        }
        if subject.starts_with(FC_PREFIX) {
            for s in acc.streams.values_mut() {
                let Stream { consumers, store, .. } = s;
                for c in consumers.values_mut() {
                    if c.flow_control_reply(subject) {
                        c.deliver(&**store, now, &interest, &mut out);
                    }
                }
            }
            return out;
        }
        self.store_msg(acc, account, subject, reply, headers, payload, now, false, &interest, &mut out);
        out
    }

    /// A message for a stream: stores it (or refuses it) in the stream that
    /// captures `subject`, emits the pub ack, and hands the news to that
    /// stream's consumers and to streams sourcing from it. `checked`: a
    /// replicated message, its publish checks done by the leader.
    #[allow(clippy::too_many_arguments)]
    fn store_msg(
        &self,
        acc: &mut AccountJs,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
        now: i64,
        checked: bool,
        interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) {
        let Some((sname, s)) = acc.streams.iter().find(|(_, s)| s.matches(subject)) else { return };
        let sname = sname.clone();
        let mut ack = String::new();
        let hdr = headers.unwrap_or_default();
        // A replicated message was held to the account's limits by its leader.
        let over = !checked && self.over_account_limits(acc, account, &s.cfg, subject, hdr, payload);
        let Some(s) = acc.streams.get_mut(&sname) else { return };
        let result = if over {
            Err(ApiError::new(E::AccountResourcesExceeded))
        } else {
            s.process_msg(subject, hdr, payload, now, checked, &mut ack, out)
        };
        let ack = self.pub_ack(&s.cfg.name, result.as_ref().err(), ack);
        if let Some(r) = reply.filter(|r| !r.is_empty()) {
            if !s.cfg.no_ack {
                // After a republish, before consumer deliveries (Go order).
                out.push(Msg::reply_to(r, Bytes::from(ack)));
            }
        }
        if let Ok(Some(_)) = result {
            let Stream { consumers, store, .. } = s;
            for c in consumers.values_mut() {
                c.deliver(&**store, now, interest, out);
            }
            s.sweep_retention();
            sourcing::sync(acc, now, interest, out);
        }
    }

    /// Whether storing this message would take the account past its
    /// JetStream memory or storage limit.
    fn over_account_limits(
        &self,
        acc: &AccountJs,
        account: &str,
        cfg: &api_types::StreamConfig,
        subject: &str,
        hdr: &[u8],
        payload: &[u8],
    ) -> bool {
        self.cfg.account_limits.get(account).is_some_and(|l| {
            let memory = cfg.storage == api_types::Storage::Memory;
            let max = if memory { l.max_memory } else { l.max_store };
            max >= 0 && {
                let size = stream::store_limits(cfg).size_model.size(subject.len(), hdr.len(), payload.len());
                let used: u64 = acc
                    .streams
                    .values()
                    .filter(|o| (o.cfg.storage == api_types::Storage::Memory) == memory)
                    .map(|o| o.store.state().bytes)
                    .sum();
                used + size > max as u64
            }
        })
    }

    /// The pub ack to send: `error` as Go's error ack, else `ack` (a
    /// stored or duplicate message's) with the domain when there is one.
    fn pub_ack(&self, stream: &str, error: Option<&ApiError>, ack: String) -> String {
        match (error, self.cfg.domain.as_deref().filter(|d| !d.is_empty())) {
            (Some(e), _) => pub_ack_error(stream, e),
            (None, Some(d)) => with_domain(&ack, d),
            (None, None) => ack,
        }
    }

    /// A message published to a stream's subject, stored on the publisher's
    /// thread (Go stores in the client's read loop too): only when every
    /// stream of the account is a memory stream that sources nothing, so no
    /// file is touched there, and only when the engine's lock is free. `None`
    /// means "queue it for the engine thread".
    pub(crate) fn try_store_inline(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Option<Vec<Msg>> {
        if subject.starts_with("$JS.") || !self.enabled(account) || !self.memory_only(account) {
            return None;
        }
        let mut inner = self.inner.try_lock().ok()?;
        // Streams may have changed since the look above; the index is
        // rebuilt under `inner`, so it is current now.
        if !self.memory_only(account) || !self.captured(account, subject) {
            return None;
        }
        let probe = inner.probe.clone();
        let acc = inner.accounts.get_mut(account)?;
        let interest = |s: &str| probe.as_ref().is_none_or(|p| p(account, s));
        let mut out = Vec::new();
        self.store_msg(acc, account, subject, reply, headers, payload, now_nanos(), false, &interest, &mut out);
        Some(out)
    }

    /// `$JS.<domain>.API.x` as `$JS.API.x` when it names our domain.
    fn domain_api(&self, subject: &str) -> Option<String> {
        let d = self.cfg.domain.as_deref().filter(|d| !d.is_empty())?;
        let rest = subject.strip_prefix("$JS.")?.strip_prefix(d)?.strip_prefix(".API.")?;
        Some(format!("{API_PREFIX}{rest}"))
    }

    /// Timer work for all accounts; returns `(account, message)` pairs.
    pub(crate) fn tick(&self) -> Vec<(String, Msg)> {
        self.tick_at(now_nanos())
    }

    pub(crate) fn tick_at(&self, now: i64) -> Vec<(String, Msg)> {
        let mut inner = self.lock();
        let probe = inner.probe.clone();
        let mut all = Vec::new();
        for (name, acc) in inner.accounts.iter_mut() {
            let interest = |s: &str| probe.as_ref().is_none_or(|p| p(name, s));
            let mut out = Vec::new();
            for s in acc.streams.values_mut() {
                let expired = s.expire(now);
                let Stream { consumers, store, .. } = s;
                let mut gone = Vec::new();
                for (cname, c) in consumers.iter_mut() {
                    // What aged out is no longer pending (Go's
                    // `decStreamPending` from the store's removal callback).
                    if expired > 0 {
                        c.on_purge(&**store);
                    }
                    c.tick(&**store, now, &interest, &mut out);
                    if c.is_inactive(now) {
                        gone.push(cname.clone());
                    }
                }
                for g in &gone {
                    if let Some(mut c) = consumers.remove(g) {
                        c.on_delete(&mut out);
                    }
                }
                for g in &gone {
                    persist::delete_consumer(s, g);
                }
                if !gone.is_empty() {
                    self.generation.fetch_add(1, std::sync::atomic::Ordering::Release);
                }
                s.sweep_retention();
                persist::tick_stream(s);
            }
            sourcing::sync(acc, now, &interest, &mut out);
            all.extend(out.into_iter().map(|o| (name.clone(), o)));
        }
        all
    }

    /// Runs push consumer deliveries only: after a new subscription to a
    /// deliver subject, and while a consumer far behind works through its
    /// backlog [`consumer::PUSH_BATCH`] messages at a time.
    pub(crate) fn deliver_push(&self) -> Vec<(String, Msg)> {
        let now = now_nanos();
        let mut inner = self.lock();
        let probe = inner.probe.clone();
        let mut all = Vec::new();
        for (name, acc) in inner.accounts.iter_mut() {
            let interest = |s: &str| probe.as_ref().is_none_or(|p| p(name, s));
            let mut out = Vec::new();
            for s in acc.streams.values_mut() {
                let before = out.len();
                let Stream { consumers, store, .. } = s;
                for c in consumers.values_mut().filter(|c| c.is_push()) {
                    c.deliver(&**store, now, &interest, &mut out);
                }
                if out.len() > before {
                    s.sweep_retention();
                }
            }
            all.extend(out.into_iter().map(|o| (name.clone(), o)));
        }
        all
    }
}

/// Adds `"domain"` before `"seq"` in a pub ack. Go writes pub acks from a
/// per-stream prefix, not with its `PubAck` struct, and that prefix puts the
/// domain between the stream and the sequence (`mset.pubAck` in
/// `stream.go`; seen on 2.15.1: `{"stream":"S","domain":"HUB","seq":1}`).
fn with_domain(ack: &str, domain: &str) -> String {
    let Some(i) = ack.find("\"seq\":") else { return ack.to_string() };
    format!("{}\"domain\":{},{}", &ack[..i], crate::json::quote(domain), &ack[i..])
}

/// `{"error":{...},"stream":"S","seq":0}` as Go marshals `JSPubAckResponse`
/// with an error and the stream name set.
fn pub_ack_error(stream: &str, e: &ApiError) -> String {
    #[derive(serde::Serialize)]
    struct PubAckError<'a> {
        error: &'a ApiError,
        stream: &'a str,
        seq: u64,
    }
    crate::json::to_string(&PubAckError { error: e, stream, seq: 0 })
}

/// Parses `$JS.ACK.` tokens (v1: stream.consumer.dc.sseq.dseq.ts.pending;
/// v2 adds domain and account hash in front and a random token at the end)
/// and applies the ack.
fn process_ack(
    acc: &mut AccountJs,
    rest: &str,
    reply: Option<&str>,
    payload: &[u8],
    now: i64,
    interest: &dyn Fn(&str) -> bool,
    out: &mut Vec<Msg>,
) {
    let toks: Vec<&str> = rest.split('.').collect();
    let (stream, consumer, nums) = match toks.len() {
        7 => (toks[0], toks[1], &toks[2..]),
        9 | 10 => (toks[2], toks[3], &toks[4..]),
        _ => return,
    };
    let (Some(sseq), Some(dseq)) = (nums[1].parse::<u64>().ok(), nums[2].parse::<u64>().ok()) else { return };
    let Some(s) = acc.streams.get_mut(stream) else { return };
    let acked = {
        let Stream { consumers, store, .. } = &mut *s;
        let Some(c) = consumers.get_mut(consumer) else { return };
        c.process_ack(sseq, dseq, payload, reply.filter(|r| !r.is_empty()), &**store, now, interest, out)
    };
    for seq in acked {
        s.check_retention_ack(seq);
    }
    s.sweep_retention();
}
