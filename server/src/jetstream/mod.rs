//! JetStream: streams, consumers and the `$JS.API` surface, as a
//! self-contained engine the core server drives. Single server, no
//! clustering; Go nats-server 2.15 is the reference for every reply.
//!
//! # Wiring (what the core calls)
//!
//! One `JetStream` per server, created when JetStream is enabled:
//!
//! ```ignore
//! let js = Arc::new(JetStream::new(JetStreamConfig {
//!     server_name: info.server_name.clone(),
//!     enabled_accounts: None, // or Some(set) of accounts with JetStream
//!     ..Default::default()
//! }));
//! // Optional but recommended: let push consumers and pull requests know
//! // whether a subject has subscribers in an account.
//! js.set_interest_probe(Arc::new(move |account, subject| accounts.has_interest(account, subject)));
//! ```
//!
//! 1. **Every client publish** (after permission checks, alongside normal
//!    routing to subscribers) in account `acc`:
//!    `for o in js.on_publish(acc, subject, reply, headers, payload) { publish(acc, o) }`.
//!    `on_publish` handles `$JS.API.>` requests (same as `handle_api`),
//!    `$JS.ACK.>` acknowledgements, `$JS.FC.>` flow-control replies, and
//!    stores messages whose subject a stream captures (returning the pub
//!    ack to `reply` plus consumer deliveries). For any other subject it
//!    returns an empty `Vec` quickly. `headers` is the raw `NATS/1.0` block
//!    (HPUB), `None` for PUB.
//! 2. **A timer**: `jetstream::spawn_timer(js.clone(), |acc, o| publish(acc, o))`
//!    once at startup (a tokio task calling `js.tick()` every 50 ms), or call
//!    `for (acc, o) in js.tick() { publish(&acc, o) }` from an existing
//!    timer (`js.next_deadline()` says when work is due). It covers ack-wait
//!    redelivery, heartbeats, pull-request expiry, max age and TTLs, and
//!    inactive consumer cleanup.
//! 3. **No-responders**: before answering a request with a 503 status
//!    because no client subscribed, check `js.is_listening(acc, subject)`;
//!    JetStream answers those itself (Go has internal subscriptions there).
//! 4. **Publishing an `Outbound`** as the server's internal client in the
//!    account: route by `o.subject`; in the delivered MSG/HMSG line show
//!    `o.msg_subject` when it is `Some` (consumers deliver the stored
//!    message's original subject to an inbox/deliver subject, exactly as Go
//!    does), otherwise `o.subject`; `o.reply` is the reply subject; send HMSG
//!    when `o.headers` is `Some`. Publish outbounds in order, after the call
//!    returns (the engine lock is released by then). Treat each one like a
//!    client publish on `o.subject`, including calling `on_publish` for it,
//!    as Go's internal client does: a republish destination or deliver
//!    subject may be captured by another stream.
//!
//! 5. **Restarts**: with `store_dir` set, `js.load()` once before clients
//!    connect and `js.save()` on shutdown keep file-storage streams (and
//!    their consumers) across a graceful restart (see `persist`).
//!
//! The engine takes one internal mutex per call; all calls are synchronous
//! and never block on I/O (except `load`/`save`).
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

pub mod api;
pub mod api_types;
pub mod consumer;
pub mod errors;
pub mod persist;
pub mod sourcing;
pub mod stream;

#[cfg(test)]
mod tests;

use api::Ctx;
use errors::{ApiError, E};
use stream::{json_str, Stream};

/// A message the core publishes on the engine's behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// Subject to route by (an inbox, deliver subject or reply subject).
    pub subject: String,
    /// Subject to show receivers when it differs from the routing subject
    /// (the stored message's own subject for consumer deliveries).
    pub msg_subject: Option<String>,
    pub reply: Option<String>,
    /// Raw `NATS/1.0 ...\r\n\r\n` header block, if any.
    pub headers: Option<Bytes>,
    pub payload: Bytes,
}

/// Server-level settings.
#[derive(Clone, Debug, Default)]
pub struct JetStreamConfig {
    /// Reported as the stream leader in stream info.
    pub server_name: String,
    /// Server version for `_nats.ver` metadata; defaults to the core's.
    pub version: Option<String>,
    /// Max memory/storage bytes (-1 or 0 = unlimited): streams reserving
    /// `max_bytes` beyond them are refused.
    pub max_memory: i64,
    pub max_store: i64,
    /// Accounts with JetStream enabled; `None` enables every account.
    pub enabled_accounts: Option<HashSet<String>>,
    /// Where file streams are kept across restarts (`None`: not kept).
    pub store_dir: Option<std::path::PathBuf>,
    /// Encryption at rest (`jetstream { key, prev_key, cipher }`).
    pub keys: Option<crate::store::crypto::KeyConfig>,
    /// `jetstream { sync_interval }`.
    pub sync: crate::store::file::SyncMode,
    /// Per-account limits (accounts not listed are unlimited).
    pub account_limits: HashMap<String, crate::options::JsAccountLimits>,
    /// JetStream domain: reported in account info and pub acks, and
    /// `$JS.<domain>.API.>` reaches the API.
    pub domain: Option<String>,
}

/// Per-account usage, for monitoring.
#[derive(Clone, Debug, Default)]
pub struct AccountStats {
    pub name: String,
    pub memory: u64,
    pub storage: u64,
    pub reserved_memory: u64,
    pub reserved_storage: u64,
    pub api_total: u64,
    pub api_errors: u64,
    pub streams: u64,
    pub consumers: u64,
    pub messages: u64,
    pub bytes: u64,
}

/// Server-wide usage, for monitoring.
#[derive(Clone, Debug, Default)]
pub struct JsStats {
    pub memory: u64,
    pub storage: u64,
    pub reserved_memory: u64,
    pub reserved_storage: u64,
    pub api_total: u64,
    pub api_errors: u64,
    pub streams: u64,
    pub consumers: u64,
    pub messages: u64,
    pub bytes: u64,
    pub accounts: Vec<AccountStats>,
}

/// Interest probe: `(account, subject) -> has subscribers`.
pub type InterestProbe = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Per-account JetStream state.
#[derive(Default)]
pub struct AccountJs {
    pub streams: BTreeMap<String, Stream>,
    pub api_total: u64,
    pub api_errors: u64,
}

struct Inner {
    accounts: HashMap<String, AccountJs>,
    probe: Option<InterestProbe>,
}

/// The JetStream engine of one server.
pub struct JetStream {
    cfg: JetStreamConfig,
    version: String,
    inner: Mutex<Inner>,
    /// Subject filters of every stream by account: the publish fast path
    /// consults it without taking `inner`. Rebuilt after API calls.
    index: RwLock<HashMap<String, Vec<String>>>,
    /// False while no stream exists anywhere: the publish path then skips
    /// even the index lock.
    any_streams: std::sync::atomic::AtomicBool,
    /// File stream settings, when there is a store directory.
    store_env: Option<persist::StoreEnv>,
}

/// Current wall clock in Unix nanoseconds.
pub fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

const API_PREFIX: &str = "$JS.API.";
const ACK_PREFIX: &str = "$JS.ACK.";
const FC_PREFIX: &str = "$JS.FC.";

impl JetStream {
    pub fn new(cfg: JetStreamConfig) -> JetStream {
        let version = cfg.version.clone().unwrap_or_else(|| crate::server::VERSION.to_string());
        let store_env = cfg.store_dir.as_ref().map(|root| persist::StoreEnv {
            root: root.clone(),
            keys: cfg.keys.clone(),
            sync: cfg.sync,
        });
        JetStream {
            store_env,
            cfg,
            version,
            inner: Mutex::new(Inner { accounts: HashMap::new(), probe: None }),
            index: RwLock::new(HashMap::new()),
            any_streams: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The server-level settings this engine was created with.
    pub fn config(&self) -> &JetStreamConfig {
        &self.cfg
    }

    /// Whether JetStream is enabled for `account`.
    pub fn account_enabled(&self, account: &str) -> bool {
        self.enabled(account)
    }

    /// True when some stream of `account` may capture `subject` (lock-free
    /// with respect to the engine: only the subject index is read).
    fn captured(&self, account: &str, subject: &str) -> bool {
        if !self.any_streams.load(std::sync::atomic::Ordering::Acquire) {
            return false;
        }
        let idx = self.index.read().unwrap_or_else(|e| e.into_inner());
        idx.get(account).is_some_and(|fs| fs.iter().any(|f| crate::store::subject_matches(f, subject)))
    }

    fn rebuild_index(&self, inner: &Inner) {
        let mut idx = HashMap::new();
        for (name, acc) in &inner.accounts {
            let fs: Vec<String> = acc.streams.values().flat_map(|s| s.cfg.subjects.iter().cloned()).collect();
            if !fs.is_empty() {
                idx.insert(name.clone(), fs);
            }
        }
        self.any_streams.store(!idx.is_empty(), std::sync::atomic::Ordering::Release);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = idx;
    }

    /// Writes what file streams hold only in memory and their state files
    /// (call on shutdown).
    pub fn save(&self) {
        let mut inner = self.lock();
        for acc in inner.accounts.values_mut() {
            for s in acc.streams.values_mut() {
                persist::close_stream(s);
            }
        }
    }

    /// Reads back the file streams of every enabled account (call once at
    /// startup, before clients connect).
    pub fn load(&self) {
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
    pub fn stats(&self) -> JsStats {
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
    pub fn set_interest_probe(&self, probe: InterestProbe) {
        self.lock().probe = Some(probe);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enabled(&self, account: &str) -> bool {
        self.cfg.enabled_accounts.as_ref().is_none_or(|s| s.contains(account))
    }

    /// Handles a `$JS.API.>` request; returns the reply (and any other
    /// messages to publish). Requests without a reply subject are ignored,
    /// as Go does.
    pub fn handle_api(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Vec<Outbound> {
        self.handle_api_at(account, subject, reply, headers, payload, now_nanos())
    }

    fn handle_api_at(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
        now: i64,
    ) -> Vec<Outbound> {
        let Some(reply) = reply.filter(|r| !r.is_empty()) else { return Vec::new() };
        let mut out = Vec::new();
        if !self.enabled(account) {
            let kind = api_type_for(subject);
            if let Some(kind) = kind {
                let body = api::error_reply(kind, &ApiError::new(E::NotEnabledForAccount));
                out.push(reply_msg(reply, body));
            }
            return out;
        }
        let mut inner = self.lock();
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
        };
        let mut extra = Vec::new();
        if let Some(body) = api::dispatch(acc, subject, reply, headers.unwrap_or_default(), payload, &ctx, &mut extra) {
            out.push(reply_msg(reply, body));
        }
        sourcing::sync(acc, now, &interest, &mut extra);
        self.rebuild_index(&inner);
        out.extend(extra);
        out
    }

    /// Called for every message published in `account`. See the module docs.
    pub fn on_publish(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> Vec<Outbound> {
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
    ) -> Vec<Outbound> {
        if subject.starts_with(API_PREFIX) {
            return self.handle_api_at(account, subject, reply, headers, payload, now);
        }
        if let Some(api) = self.domain_api(subject) {
            return self.handle_api_at(account, &api, reply, headers, payload, now);
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
        let Some(acc) = inner.accounts.get_mut(account) else { return out };
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
        let Some((sname, s)) = acc.streams.iter().find(|(_, s)| s.matches(subject)) else { return out };
        let sname = sname.clone();
        let mut ack = String::new();
        let hdr = headers.unwrap_or_default();
        let over = self.cfg.account_limits.get(account).is_some_and(|l| {
            let memory = s.cfg.storage == api_types::Storage::Memory;
            let max = if memory { l.max_memory } else { l.max_store };
            max >= 0 && {
                let size = stream::store_limits(&s.cfg).size_model.size(subject.len(), hdr.len(), payload.len());
                let used: u64 = acc
                    .streams
                    .values()
                    .filter(|o| (o.cfg.storage == api_types::Storage::Memory) == memory)
                    .map(|o| o.store.state().bytes)
                    .sum();
                used + size > max as u64
            }
        });
        let Some(s) = acc.streams.get_mut(&sname) else { return out };
        let result = if over {
            Err(ApiError::new(E::AccountResourcesExceeded))
        } else {
            s.process_msg(subject, hdr, payload, now, &mut ack, &mut out)
        };
        if let Err(e) = &result {
            ack = pub_ack_error(&s.cfg.name, e);
        } else if let Some(d) = self.cfg.domain.as_deref().filter(|d| !d.is_empty()) {
            ack = with_domain(&ack, d);
        }
        if let Some(r) = reply.filter(|r| !r.is_empty()) {
            if !s.cfg.no_ack {
                // After a republish, before consumer deliveries (Go order).
                out.push(reply_msg(r, Bytes::from(ack)));
            }
        }
        if let Ok(Some(_)) = result {
            let Stream { consumers, store, .. } = s;
            for c in consumers.values_mut() {
                c.deliver(&**store, now, &interest, &mut out);
            }
            s.sweep_retention();
            sourcing::sync(acc, now, &interest, &mut out);
        }
        out
    }

    /// True when JetStream itself listens on `subject` in `account` (the
    /// API, acks, flow control, or a stream's subjects). The core must count
    /// this as a subscriber: no "503 no responders" for such requests, and
    /// the message must reach `on_publish` even with no client subscribed.
    /// `$JS.<domain>.API.x` as `$JS.API.x` when it names our domain.
    fn domain_api(&self, subject: &str) -> Option<String> {
        let d = self.cfg.domain.as_deref().filter(|d| !d.is_empty())?;
        let rest = subject.strip_prefix("$JS.")?.strip_prefix(d)?.strip_prefix(".API.")?;
        Some(format!("{API_PREFIX}{rest}"))
    }

    pub fn is_listening(&self, account: &str, subject: &str) -> bool {
        if let Some(api) = self.domain_api(subject) {
            return self.is_listening(account, &api);
        }
        if let Some(rest) = subject.strip_prefix(API_PREFIX) {
            // Go subscribes to each API subject; pull requests and direct
            // gets are answered by the consumer or stream itself, so only
            // exist while those do.
            if rest.starts_with("CONSUMER.MSG.NEXT.") || rest.starts_with("DIRECT.GET.") {
                if !self.enabled(account) {
                    return false;
                }
                let toks: Vec<&str> = rest.split('.').collect();
                let inner = self.lock();
                let Some(acc) = inner.accounts.get(account) else { return false };
                return match toks.as_slice() {
                    ["CONSUMER", "MSG", "NEXT", s, c] => {
                        acc.streams.get(*s).is_some_and(|s| s.consumers.contains_key(*c))
                    }
                    ["DIRECT", "GET", s, ..] => acc.streams.get(*s).is_some_and(|s| s.cfg.allow_direct),
                    _ => false,
                };
            }
            return api_type_for(subject).is_some();
        }
        if !self.enabled(account) {
            return false;
        }
        // Without the engine lock: any request a client makes on a JetStream
        // server may come through here.
        subject.starts_with(ACK_PREFIX) || subject.starts_with(FC_PREFIX) || self.captured(account, subject)
    }

    /// Timer work for all accounts; returns `(account, message)` pairs.
    pub fn tick(&self) -> Vec<(String, Outbound)> {
        self.tick_at(now_nanos())
    }

    pub fn tick_at(&self, now: i64) -> Vec<(String, Outbound)> {
        let mut inner = self.lock();
        let probe = inner.probe.clone();
        let mut all = Vec::new();
        for (name, acc) in inner.accounts.iter_mut() {
            let interest = |s: &str| probe.as_ref().is_none_or(|p| p(name, s));
            let mut out = Vec::new();
            for s in acc.streams.values_mut() {
                s.expire(now);
                let Stream { consumers, store, .. } = s;
                let mut gone = Vec::new();
                for (cname, c) in consumers.iter_mut() {
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
                s.sweep_retention();
                persist::tick_stream(s);
            }
            sourcing::sync(acc, now, &interest, &mut out);
            all.extend(out.into_iter().map(|o| (name.clone(), o)));
        }
        all
    }

    /// The earliest time (Unix nanos) `tick` has something to do, if any.
    /// A hint for timers that sleep until then: it may lie in the past while
    /// a consumer waits for interest, so still tick at least every ~100 ms.
    pub fn next_deadline(&self) -> Option<i64> {
        let inner = self.lock();
        let mut best: Option<i64> = None;
        for acc in inner.accounts.values() {
            for s in acc.streams.values() {
                let cands =
                    s.store.next_expiry().into_iter().chain(s.consumers.values().filter_map(|c| c.next_deadline()));
                for t in cands {
                    best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
        }
        best
    }
}

/// Drives `JetStream::tick` from a tokio task every 50 ms, handing each
/// produced message to `publish(account, outbound)`. This is the whole timer
/// wiring the core needs; abort the handle on shutdown.
pub fn spawn_timer<F>(js: Arc<JetStream>, publish: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(&str, Outbound) + Send + Sync + 'static,
{
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(std::time::Duration::from_millis(50));
        iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            iv.tick().await;
            for (acc, o) in js.tick() {
                publish(&acc, o);
            }
        }
    })
}

fn reply_msg(reply: &str, body: Bytes) -> Outbound {
    Outbound { subject: reply.to_string(), msg_subject: None, reply: None, headers: None, payload: body }
}

/// Adds `"domain"` after `"seq"` in a pub ack (Go `PubAck` field order).
fn with_domain(ack: &str, domain: &str) -> String {
    let Some(i) = ack.find("\"seq\":") else { return ack.to_string() };
    let digits = ack[i + 6..].bytes().take_while(|b| b.is_ascii_digit()).count();
    let at = i + 6 + digits;
    format!("{},\"domain\":\"{}\"{}", &ack[..at], json_str(domain), &ack[at..])
}

/// `{"error":{...},"stream":"S","seq":0}` as Go marshals `JSPubAckResponse`
/// with an error and the stream name set.
fn pub_ack_error(stream: &str, e: &ApiError) -> String {
    format!(
        "{{\"error\":{{\"code\":{},\"err_code\":{},\"description\":\"{}\"}},\"stream\":\"{}\",\"seq\":0}}",
        e.code,
        e.err_code,
        json_str(&e.description),
        json_str(stream)
    )
}

/// The response type of an API subject, for errors raised before dispatch.
pub(crate) fn api_type_for(subject: &str) -> Option<&'static str> {
    use api::types::*;
    let rest = subject.strip_prefix(API_PREFIX)?;
    let pairs: &[(&str, &str)] = &[
        ("INFO", ACCOUNT_INFO),
        ("STREAM.CREATE.", STREAM_CREATE),
        ("STREAM.UPDATE.", STREAM_UPDATE),
        ("STREAM.DELETE.", STREAM_DELETE),
        ("STREAM.INFO.", STREAM_INFO),
        ("STREAM.NAMES", STREAM_NAMES),
        ("STREAM.LIST", STREAM_LIST),
        ("STREAM.PURGE.", STREAM_PURGE),
        ("STREAM.MSG.GET.", MSG_GET),
        ("STREAM.MSG.DELETE.", MSG_DELETE),
        ("CONSUMER.CREATE.", CONSUMER_CREATE),
        ("CONSUMER.DURABLE.CREATE.", CONSUMER_CREATE),
        ("CONSUMER.DELETE.", CONSUMER_DELETE),
        ("CONSUMER.INFO.", CONSUMER_INFO),
        ("CONSUMER.NAMES.", CONSUMER_NAMES),
        ("CONSUMER.LIST.", CONSUMER_LIST),
        ("CONSUMER.PAUSE.", CONSUMER_PAUSE),
        ("CONSUMER.UNPIN.", CONSUMER_UNPIN),
        ("STREAM.LEADER.STEPDOWN.", STREAM_STEPDOWN),
        ("CONSUMER.LEADER.STEPDOWN.", CONSUMER_STEPDOWN),
    ];
    pairs.iter().find(|(p, _)| rest.starts_with(p)).map(|(_, t)| *t)
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
    out: &mut Vec<Outbound>,
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
