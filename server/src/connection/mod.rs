//! A connection of any kind, as every other connection sees it: identity,
//! account binding, permissions, subscriptions, counters and the outbound
//! queue (Go's `client` struct in `server/client.go`, whose `kind` says
//! whether it is a client, route, gateway, leaf node or one of the server's
//! internal connections).
//!
//! - [`outbound`]: the outbound queue and the writer task (slow consumers,
//!   write deadline);
//! - [`subscription`]: subscriptions, including the server's own internal ones;
//! - [`deliver`]: the one delivery and fan-out path that every sender uses.
//!
//! What reads a socket and runs a protocol lives with its kind: `client` for
//! the client protocol. This module knows nothing of the server above it.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::auth::ClientPermissions;
use crate::stats::Stats;
use crate::sublist::{FxHashMap, Sublist};

pub(crate) mod deliver;
pub(crate) mod outbound;
mod subscription;

pub(crate) use outbound::write_loop;
use outbound::Outbound;
pub(crate) use subscription::{ImportCallback, ImportSubject, InternalCallback, Shadow, Subscription};

/// What is at the other end of a connection (Go's `CLIENT`, `ROUTER`,
/// `GATEWAY`, `LEAF`, `SYSTEM`, `JETSTREAM` and `ACCOUNT` kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Client,
    Router,
    // Constructed once gateways and leaf nodes land.
    #[allow(dead_code)]
    Gateway,
    #[allow(dead_code)]
    Leaf,
    /// The server's internal client in the system account.
    System,
    /// JetStream's internal client of an account.
    JetStream,
    /// An account's internal client (service imports and their responses).
    Account,
}

impl Kind {
    /// Go's `kindStringMap` text, as `/connz` shows it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Client => "Client",
            Kind::Router => "Router",
            Kind::Gateway => "Gateway",
            Kind::Leaf => "Leafnode",
            Kind::System => "System",
            Kind::JetStream => "JetStream",
            Kind::Account => "Account",
        }
    }

    /// Internal connections have no socket: their subscriptions carry callbacks.
    fn is_internal(self) -> bool {
        matches!(self, Kind::System | Kind::JetStream | Kind::Account)
    }
}

/// Why a connection closed (reported in logs and `/connz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseReason {
    ClientClosed,
    ProtocolViolation,
    AuthViolation,
    AuthTimeout,
    SlowConsumerPendingBytes,
    SlowConsumerWriteDeadline,
    StaleConnection,
    MaxPayload,
    MaxControlLine,
    WriteError,
    ServerShutdown,
    ReadError,
    DuplicateRoute,
    ClusterNameConflict,
    DuplicateServerName,
    WrongPort,
    WrongGateway,
}

impl CloseReason {
    /// Go's `ClosedState.String()` text.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CloseReason::ClientClosed => "Client Closed",
            CloseReason::ProtocolViolation => "Protocol Violation",
            CloseReason::AuthViolation => "Authentication Failure",
            CloseReason::AuthTimeout => "Authentication Timeout",
            CloseReason::SlowConsumerPendingBytes => "Slow Consumer (Pending Bytes)",
            CloseReason::SlowConsumerWriteDeadline => "Slow Consumer (Write Deadline)",
            CloseReason::StaleConnection => "Stale Connection",
            CloseReason::MaxPayload => "Maximum Message Payload Exceeded",
            CloseReason::MaxControlLine => "Maximum Control Line Exceeded",
            CloseReason::WriteError => "Write Error",
            CloseReason::ServerShutdown => "Server Shutdown",
            CloseReason::ReadError => "Read Error",
            CloseReason::DuplicateRoute => "Duplicate Route",
            CloseReason::ClusterNameConflict => "Cluster Name Conflict",
            CloseReason::DuplicateServerName => "Duplicate Server Name",
            CloseReason::WrongPort => "Attempted To Connect To Route Port",
            CloseReason::WrongGateway => "Wrong Gateway",
        }
    }
}

/// Descriptive data about a connection, for monitoring.
#[derive(Debug, Clone)]
pub(crate) struct ConnMeta {
    pub(crate) start: SystemTime,
    pub(crate) name: String,
    pub(crate) lang: String,
    pub(crate) version: String,
    pub(crate) user: Option<String>,
    pub(crate) account: String,
    pub(crate) rtt: Duration,
    pub(crate) ping_sent: Option<Instant>,
}

/// The part of a connection other connections touch when delivering to it.
pub(crate) struct Connection {
    pub(crate) cid: u64,
    pub(crate) kind: Kind,
    pub(crate) addr: SocketAddr,
    out: Outbound,
    /// Set when the connection should stop reading (closed, killed).
    pub(crate) kill: Notify,
    pub(crate) killed: AtomicBool,
    close_reason: Mutex<Option<CloseReason>>,
    pub(crate) echo: AtomicBool,
    pub(crate) headers: AtomicBool,
    /// A route that carries one account, which its lines leave out.
    pub(crate) route_pinned: AtomicBool,
    /// Set once a client may be sent INFO at any time (protocol 1, after its
    /// first PONG), as cluster membership changes.
    pub(crate) async_info: AtomicBool,
    /// Set when the permissions deny some subscribe subjects; wildcard
    /// subscriptions then filter deliveries (Go's `checkDenySub`).
    pub(crate) has_sub_deny: AtomicBool,
    pub(crate) perms: RwLock<Option<Arc<ClientPermissions>>>,
    /// Set with `allow_responses`; deliveries with a reply subject then record
    /// it in `replies`.
    pub(crate) has_resp: AtomicBool,
    /// Reply subjects this connection may publish to: remaining uses and expiry.
    pub(crate) replies: Mutex<FxHashMap<Bytes, (usize, Option<Instant>)>>,
    pub(crate) subs: Mutex<FxHashMap<Bytes, Arc<Subscription>>>,
    /// The subscription index of the bound account: where `subs` live.
    sublist: RwLock<Arc<Sublist<Subscription>>>,
    pub(crate) in_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
    pub(crate) meta: Mutex<ConnMeta>,
    /// `v<version>:<lang>:<name>` from CONNECT, for log lines.
    pub(crate) tag: Mutex<Option<String>>,
    /// Go's `c.last`: time of the last inbound message or subscription change, as
    /// nanoseconds since the Unix epoch (0 = never).
    pub(crate) last_activity_ns: AtomicU64,
    stats: Arc<Stats>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Connection {
    /// A connection of `kind` bound to the account whose subscriptions live in
    /// `sublist`, before any CONNECT: echo on, headers off, no permissions, as
    /// Go's `client` starts out.
    pub(crate) fn new(
        cid: u64,
        kind: Kind,
        addr: SocketAddr,
        account: &str,
        sublist: &Arc<Sublist<Subscription>>,
        max_pending: usize,
        stats: &Arc<Stats>,
    ) -> Connection {
        let now = SystemTime::now();
        Connection {
            cid,
            kind,
            addr,
            out: Outbound::new(max_pending),
            kill: Notify::new(),
            killed: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            echo: AtomicBool::new(true),
            headers: AtomicBool::new(false),
            async_info: AtomicBool::new(false),
            route_pinned: AtomicBool::new(false),
            has_sub_deny: AtomicBool::new(false),
            perms: RwLock::new(None),
            has_resp: AtomicBool::new(false),
            replies: Mutex::new(FxHashMap::default()),
            subs: Mutex::new(FxHashMap::default()),
            sublist: RwLock::new(Arc::clone(sublist)),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            out_msgs: AtomicU64::new(0),
            out_bytes: AtomicU64::new(0),
            meta: Mutex::new(ConnMeta {
                start: now,
                name: String::new(),
                lang: String::new(),
                version: String::new(),
                user: None,
                account: account.to_string(),
                rtt: Duration::ZERO,
                ping_sent: None,
            }),
            last_activity_ns: AtomicU64::new(0),
            tag: Mutex::new(None),
            stats: Arc::clone(stats),
        }
    }

    /// A socket-less connection owned by the server (Go's internal clients)
    /// that holds internal subscriptions in an account. Nothing is ever
    /// written to it: its subscriptions carry callbacks.
    pub(crate) fn new_internal(
        cid: u64,
        kind: Kind,
        account: &str,
        sublist: &Arc<Sublist<Subscription>>,
    ) -> Arc<Connection> {
        debug_assert!(kind.is_internal());
        let addr = SocketAddr::from(([0, 0, 0, 0], 0));
        let c = Connection::new(cid, kind, addr, account, sublist, usize::MAX, &Arc::default());
        c.echo.store(false, Ordering::Relaxed);
        c.headers.store(true, Ordering::Relaxed);
        Arc::new(c)
    }

    /// Asks the connection to close, flushing what is queued unless it was already
    /// marked to drop.
    pub(crate) fn close(&self, reason: CloseReason) {
        {
            let mut r = lock(&self.close_reason);
            if r.is_none() {
                *r = Some(reason);
            }
        }
        self.out.close_flush();
        self.killed.store(true, Ordering::Release);
        self.kill.notify_one();
    }

    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        *lock(&self.close_reason)
    }

    /// Appends protocol bytes to the outbound queue. Returns false if the
    /// connection is closing or just became a slow consumer.
    pub(crate) fn queue_out(&self, parts: &[&[u8]]) -> bool {
        self.enqueue(parts) != outbound::Queued::Closed
    }

    /// Bytes waiting to be written.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.out.pending()
    }

    /// The name of the bound account.
    pub(crate) fn account_name(&self) -> String {
        lock(&self.meta).account.clone()
    }

    /// Binds the connection to another account: its subscriptions will live in
    /// `sublist` (the caller drops the ones made under the old binding).
    pub(crate) fn rebind(&self, account: &str, sublist: &Arc<Sublist<Subscription>>) {
        *self.sublist.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(sublist);
        lock(&self.meta).account = account.to_string();
    }

    pub(crate) fn num_subs(&self) -> usize {
        lock(&self.subs).len()
    }

    /// The permissions the connection authenticated with, if any.
    pub(crate) fn permissions(&self) -> Option<Arc<ClientPermissions>> {
        self.perms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Adds a subscription to the bound account's index and to this
    /// connection's map; false when the index refuses its subject or queue.
    pub(crate) fn add_sub(&self, sub: Arc<Subscription>) -> bool {
        let sublist = Arc::clone(&self.sublist.read().unwrap_or_else(|e| e.into_inner()));
        if sublist.insert(&sub.subject, sub.queue.as_deref(), sub.key, Arc::clone(&sub)).is_err() {
            return false;
        }
        sublist.interest_changed(&sub, 1);
        lock(&self.subs).insert(sub.sid.clone(), sub);
        true
    }

    /// Drops a subscription from the account's index and this connection's map.
    pub(crate) fn remove_sub(&self, sub: &Subscription) {
        let sublist = Arc::clone(&self.sublist.read().unwrap_or_else(|e| e.into_inner()));
        if sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key) {
            sublist.interest_changed(sub, -1);
        }
        sub.drop_shadows();
        let mut subs = lock(&self.subs);
        if subs.get(&sub.sid).is_some_and(|s| s.key == sub.key) {
            subs.remove(&sub.sid);
        }
    }

    /// Drops every subscription; returns their subjects.
    pub(crate) fn remove_all_subs(&self) -> Vec<String> {
        let subs: Vec<Arc<Subscription>> = lock(&self.subs).drain().map(|(_, s)| s).collect();
        let sublist = Arc::clone(&self.sublist.read().unwrap_or_else(|e| e.into_inner()));
        // A queue group's members leave together: one interest change for
        // the group (Go's `closeConnection` sends routes one update).
        let mut groups: Vec<(&Arc<Subscription>, i32)> = Vec::new();
        let subjects = subs
            .iter()
            .map(|sub| {
                sub.drop_shadows();
                if sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key) {
                    if sub.queue.is_none() {
                        sublist.interest_changed(sub, -1);
                    } else if let Some(g) =
                        groups.iter_mut().find(|(g, _)| g.subject == sub.subject && g.queue == sub.queue)
                    {
                        g.1 += 1;
                    } else {
                        groups.push((sub, 1));
                    }
                }
                sub.subject.to_string()
            })
            .collect();
        for (sub, n) in groups {
            sublist.interest_changed(sub, -n);
        }
        subjects
    }

    /// Records a reply subject this connection may answer under `allow_responses`.
    fn note_reply(&self, reply: &[u8]) {
        if !self.has_resp.load(Ordering::Relaxed) {
            return;
        }
        let rules = self.perms.read().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|p| p.response);
        let Some(rules) = rules else {
            return;
        };
        let expires = (!rules.expires.is_zero()).then(|| Instant::now() + rules.expires);
        let mut replies = lock(&self.replies);
        // Drop expired entries now and then so the map cannot grow without bound.
        if replies.len() > 1024 {
            let now = Instant::now();
            replies.retain(|_, (_, e)| e.is_none_or(|e| now < e));
        }
        replies.insert(Bytes::copy_from_slice(reply), (rules.max_msgs.max(1), expires));
    }

    /// Go's connection log prefix: `ip:port - cid:N`, plus `"v<version>:<lang>:<name>"`
    /// once CONNECT named the client.
    pub(crate) fn log_prefix(&self) -> String {
        match lock(&self.tag).as_deref() {
            Some(tag) => format!("{} - cid:{} - {}", self.addr, self.cid, crate::json::go_quote(tag.as_bytes())),
            None => format!("{} - cid:{}", self.addr, self.cid),
        }
    }

    /// A protocol trace line (`-V`), e.g. `<<- [SUB foo 1]`.
    pub(crate) fn trace(&self, msg: std::fmt::Arguments<'_>) {
        crate::trace!("{} - {}", self.log_prefix(), msg);
    }

    pub(crate) fn log_error(&self, msg: std::fmt::Arguments<'_>) {
        error!("{} - {}", self.log_prefix(), msg);
    }

    fn log_notice(&self, msg: std::fmt::Arguments<'_>) {
        crate::info!("{} - {}", self.log_prefix(), msg);
    }
}
