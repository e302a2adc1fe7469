//! One client connection: reads and executes protocol operations, delivers
//! messages to subscribers, and keeps the connection healthy (keepalive pings,
//! auth timeout, slow-consumer detection).
//!
//! Each connection runs two tasks. The reader owns the socket's read half and all
//! per-connection protocol state. The writer drains an outbound buffer that any
//! publisher (on any connection) appends to, so many small messages coalesce into
//! few socket writes. Semantics follow Go's `server/client.go`.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::account::Account;
use crate::auth::{ClientPermissions, ConnectArgs};
use crate::protocol::{Limits, Op, Parser, ProtoError};
use crate::server::Server;
use crate::sublist::{is_valid_literal_subject, FxHashMap, SublistError};

/// Go's `firstClientPingInterval`: the first keepalive ping comes early.
const FIRST_CLIENT_PING_INTERVAL: Duration = Duration::from_secs(2);
/// Read buffer growth step.
const READ_CHUNK: usize = 32 * 1024;
/// Smallest read size; idle connections keep buffers this small (Go starts its
/// read buffer at 512 bytes and adapts it to traffic).
const READ_MIN: usize = 512;

/// A subscription held in an account's sublist.
pub struct Subscription {
    pub client: Arc<ClientShared>,
    /// Unique key inside the sublist.
    pub key: u64,
    pub subject: Box<str>,
    pub queue: Option<Box<str>>,
    pub sid: Bytes,
    /// Auto-unsubscribe limit; 0 means none.
    pub max: AtomicU64,
    pub delivered: AtomicU64,
    /// Set on the server's own subscriptions (Go's `icb`): a matching message
    /// is handed to this callback instead of being written to a connection.
    pub icb: Option<InternalCallback>,
}

/// A message delivered to an internal subscription.
pub struct InternalMsg<'a> {
    /// The connection that published it; `None` when the server did.
    pub from: Option<&'a Arc<ClientShared>>,
    pub subject: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// The raw `NATS/1.0 ...` header block, if any.
    pub headers: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

/// Handler of an internal subscription (Go's `msgHandler`).
pub type InternalCallback = Arc<dyn Fn(&InternalMsg<'_>) + Send + Sync>;

impl Subscription {
    /// A server-owned subscription on `subject` held by the internal client
    /// `client` (see [`ClientShared::new_internal`]); it is not registered
    /// anywhere yet.
    pub fn new_internal(client: &Arc<ClientShared>, subject: &str, sid: u64, icb: InternalCallback) -> Arc<Self> {
        Arc::new(Subscription {
            client: Arc::clone(client),
            key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
            subject: subject.into(),
            queue: None,
            sid: Bytes::from(sid.to_string()),
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            icb: Some(icb),
        })
    }

    /// Hands a message to an internal subscription's callback; false for a
    /// subscription of a connection.
    fn call_internal(
        &self,
        from: Option<&Arc<ClientShared>>,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        payload: &[u8],
    ) -> bool {
        let Some(icb) = &self.icb else {
            return false;
        };
        self.delivered.fetch_add(1, Ordering::Relaxed);
        let (headers, payload) = match header_len {
            Some(h) => (payload.get(..h), payload.get(h..).unwrap_or(&[])),
            None => (None, payload),
        };
        icb(&InternalMsg { from, subject, reply, headers, payload });
        true
    }
}

static NEXT_SUB_KEY: AtomicU64 = AtomicU64::new(1);

/// How the outbound side should wind down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Write what is queued (e.g. a final `-ERR`), then close.
    Flush,
    /// Close now, discarding queued data (slow consumer, write error).
    Drop,
}

struct Outbound {
    buf: BytesMut,
    closing: Option<Closing>,
}

/// Result of queueing outbound data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queued {
    Ok,
    /// Queued, but the buffer is more than half full.
    Stall,
    Closed,
}

/// Most time a producer spends per read waiting for slow subscribers to drain
/// (Go's `stallTotalAllowed`).
const STALL_BUDGET: Duration = Duration::from_millis(10);

/// Why a connection closed (reported in logs and `/connz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
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
}

impl CloseReason {
    /// Go's `ClosedState.String()` text.
    pub fn as_str(self) -> &'static str {
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
        }
    }
}

/// Descriptive data about a connection, for monitoring.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub start: SystemTime,
    pub last_activity: SystemTime,
    pub name: String,
    pub lang: String,
    pub version: String,
    pub user: Option<String>,
    pub account: String,
    pub rtt: Duration,
    pub ping_sent: Option<Instant>,
}

/// The part of a connection other connections touch when delivering to it.
pub struct ClientShared {
    pub cid: u64,
    pub addr: SocketAddr,
    out: Mutex<Outbound>,
    out_ready: Notify,
    /// Signalled by the writer after each socket write.
    drained: Notify,
    kill: Notify,
    killed: AtomicBool,
    close_reason: Mutex<Option<CloseReason>>,
    max_pending: usize,
    pub echo: AtomicBool,
    pub headers: AtomicBool,
    /// Set when the client's permissions deny some subscribe subjects; wildcard
    /// subscriptions then filter deliveries (Go's `checkDenySub`).
    has_sub_deny: AtomicBool,
    perms: RwLock<Option<Arc<ClientPermissions>>>,
    /// Set when the client has `allow_responses`; deliveries with a reply subject
    /// then record it in `replies`.
    has_resp: AtomicBool,
    /// Reply subjects this client may publish to: remaining uses and expiry.
    replies: Mutex<FxHashMap<Bytes, (usize, Option<Instant>)>>,
    pub subs: Mutex<FxHashMap<Bytes, Arc<Subscription>>>,
    account: RwLock<Arc<Account>>,
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_msgs: AtomicU64,
    pub out_bytes: AtomicU64,
    pub meta: Mutex<ClientMeta>,
    /// `v<version>:<lang>:<name>` from CONNECT, for log lines.
    tag: Mutex<Option<String>>,
    /// Go's `c.last`: time of the last inbound message or subscription change, as
    /// nanoseconds since the Unix epoch (0 = never).
    pub last_activity_ns: AtomicU64,
    server: Arc<Server>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ClientShared {
    /// Appends protocol bytes to the outbound buffer. Returns false if the
    /// connection is closing or just became a slow consumer.
    pub fn queue_out(&self, parts: &[&[u8]]) -> bool {
        self.enqueue(parts) != Queued::Closed
    }

    /// Like [`ClientShared::queue_out`] but also says whether the buffer is past half
    /// of `max_pending`, in which case the producer should stall briefly
    /// (Go's `queueOutbound` stall channel) so the writer can catch up.
    fn enqueue(&self, parts: &[&[u8]]) -> Queued {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let mut out = lock(&self.out);
        if out.closing.is_some() {
            return Queued::Closed;
        }
        if out.buf.len() + total > self.max_pending {
            out.closing = Some(Closing::Drop);
            out.buf.clear();
            drop(out);
            self.server.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
            self.log_notice(format_args!("Slow Consumer Detected: MaxPending of {} Exceeded", self.max_pending));
            self.close(CloseReason::SlowConsumerPendingBytes);
            return Queued::Closed;
        }
        let was_empty = out.buf.is_empty();
        for p in parts {
            out.buf.extend_from_slice(p);
        }
        let stall = out.buf.len() > self.max_pending / 2;
        drop(out);
        if was_empty {
            self.out_ready.notify_one();
        }
        if stall {
            Queued::Stall
        } else {
            Queued::Ok
        }
    }

    /// Waits (bounded by `budget`) until this client's writer has brought the
    /// outbound buffer back under half of `max_pending`.
    async fn wait_drained(&self, budget: Duration) {
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            let notified = self.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let out = lock(&self.out);
                if out.closing.is_some() || out.buf.len() <= self.max_pending / 2 {
                    return;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }

    /// Bytes waiting to be written.
    pub fn pending_bytes(&self) -> usize {
        lock(&self.out).buf.len()
    }

    /// Asks the connection to close, flushing what is queued unless it was already
    /// marked to drop.
    pub fn close(&self, reason: CloseReason) {
        {
            let mut r = lock(&self.close_reason);
            if r.is_none() {
                *r = Some(reason);
            }
        }
        {
            let mut out = lock(&self.out);
            if out.closing.is_none() {
                out.closing = Some(Closing::Flush);
            }
        }
        self.killed.store(true, Ordering::Release);
        self.kill.notify_one();
        self.out_ready.notify_one();
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        *lock(&self.close_reason)
    }

    pub fn account(&self) -> Arc<Account> {
        Arc::clone(&self.account.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn num_subs(&self) -> usize {
        lock(&self.subs).len()
    }

    /// Go's client log prefix: `ip:port - cid:N`, plus `"v<version>:<lang>:<name>"`
    /// once CONNECT named the client.
    fn log_prefix(&self) -> String {
        match lock(&self.tag).as_deref() {
            Some(tag) => format!("{} - cid:{} - {}", self.addr, self.cid, go_quote(tag.as_bytes())),
            None => format!("{} - cid:{}", self.addr, self.cid),
        }
    }

    /// A protocol trace line (`-V`), e.g. `<<- [SUB foo 1]`.
    fn trace(&self, msg: std::fmt::Arguments<'_>) {
        crate::trace!("{} - {}", self.log_prefix(), msg);
    }

    fn log_error(&self, msg: std::fmt::Arguments<'_>) {
        error!("{} - {}", self.log_prefix(), msg);
    }

    fn log_notice(&self, msg: std::fmt::Arguments<'_>) {
        crate::info!("{} - {}", self.log_prefix(), msg);
    }

    /// Drops a subscription from the account sublist and this client's map.
    fn remove_sub(&self, sub: &Subscription) {
        let acc = self.account();
        acc.sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key);
        let mut subs = lock(&self.subs);
        if subs.get(&sub.sid).is_some_and(|s| s.key == sub.key) {
            subs.remove(&sub.sid);
        }
    }
}

/// Per-connection options from `CONNECT`. Go's `defaultOpts` start with verbose and
/// pedantic on (client.go `defaultOpts`), so a client that publishes before sending
/// `CONNECT` gets `+OK` replies and pedantic subject checks.
#[derive(Debug, Clone)]
struct ClientOpts {
    verbose: bool,
    pedantic: bool,
    echo: bool,
    headers: bool,
    no_responders: bool,
    protocol: i64,
}

impl Default for ClientOpts {
    fn default() -> Self {
        ClientOpts { verbose: true, pedantic: true, echo: true, headers: false, no_responders: false, protocol: 0 }
    }
}

/// Outcome of handling one operation.
enum Flow {
    Continue,
    Close(CloseReason),
}

/// Reader-side state of a connection.
struct Client {
    srv: Arc<Server>,
    shared: Arc<ClientShared>,
    parser: Parser,
    limits: Limits,
    opts: ClientOpts,
    connected: bool,
    first_pong_sent: bool,
    auth_required: bool,
    nonce: String,
    account: Arc<Account>,
    perms: Option<Arc<ClientPermissions>>,
    pings_out: i32,
    /// Last inbound message or subscription change; Go's `c.last` starts unset,
    /// so the first keepalive ping is never skipped for an idle client.
    last_activity: Option<Instant>,
    scratch: Vec<u8>,
    /// Subscribers whose outbound buffers passed half of `max_pending` during the
    /// current read; we wait for them before reading more.
    stalled: Vec<Arc<ClientShared>>,
    /// Message counters gathered during one read, published to the shared
    /// (contended) server and account counters once per read like Go does.
    counts: Counts,
}

#[derive(Default)]
struct Counts {
    /// A message or subscription change arrived (Go's `c.last` update).
    active: bool,
    in_msgs: u64,
    in_bytes: u64,
    out_msgs: u64,
    out_bytes: u64,
}

impl ClientShared {
    /// The state of one client in `account`, before CONNECT: echo on, headers
    /// off, no permissions, as Go's `client` starts out.
    fn new(srv: &Arc<Server>, cid: u64, addr: SocketAddr, account: &Arc<Account>, max_pending: usize) -> ClientShared {
        let now = SystemTime::now();
        ClientShared {
            cid,
            addr,
            out: Mutex::new(Outbound { buf: BytesMut::new(), closing: None }),
            out_ready: Notify::new(),
            drained: Notify::new(),
            kill: Notify::new(),
            killed: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            max_pending,
            echo: AtomicBool::new(true),
            headers: AtomicBool::new(false),
            has_sub_deny: AtomicBool::new(false),
            perms: RwLock::new(None),
            has_resp: AtomicBool::new(false),
            replies: Mutex::new(FxHashMap::default()),
            subs: Mutex::new(FxHashMap::default()),
            account: RwLock::new(Arc::clone(account)),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            out_msgs: AtomicU64::new(0),
            out_bytes: AtomicU64::new(0),
            meta: Mutex::new(ClientMeta {
                start: now,
                last_activity: now,
                name: String::new(),
                lang: String::new(),
                version: String::new(),
                user: None,
                account: account.name.clone(),
                rtt: Duration::ZERO,
                ping_sent: None,
            }),
            last_activity_ns: AtomicU64::new(0),
            tag: Mutex::new(None),
            server: Arc::clone(srv),
        }
    }

    /// A connection-less client owned by the server (Go's internal `SYSTEM`
    /// client) that holds internal subscriptions in `account`. Nothing is ever
    /// written to it: its subscriptions carry callbacks.
    pub fn new_internal(srv: &Arc<Server>, cid: u64, account: &Arc<Account>) -> Arc<ClientShared> {
        let c = ClientShared::new(srv, cid, SocketAddr::from(([0, 0, 0, 0], 0)), account, usize::MAX);
        c.echo.store(false, Ordering::Relaxed);
        c.headers.store(true, Ordering::Relaxed);
        Arc::new(c)
    }

    /// The permissions the client authenticated with, if any.
    pub fn permissions(&self) -> Option<Arc<ClientPermissions>> {
        self.perms.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Serves one accepted connection until it closes.
pub async fn serve(srv: Arc<Server>, stream: TcpStream, cid: u64, addr: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let (mut rd, wr) = stream.into_split();
    let opts = &srv.opts;
    let account = srv.accounts.get_or_create(crate::auth::GLOBAL_ACCOUNT);
    let max_pending = usize::try_from(opts.max_pending).unwrap_or(usize::MAX).max(1);
    let shared = Arc::new(ClientShared::new(&srv, cid, addr, &account, max_pending));
    let writer = tokio::spawn(write_loop(Arc::clone(&shared), wr, srv.opts.write_deadline));

    let auth_required = srv.auth.info_auth_required();
    let nonce = if srv.auth.uses_nkeys() {
        let bytes: [u8; 11] = rand::random();
        crate::auth::encode_base64_url(&bytes)
    } else {
        String::new()
    };
    let info = srv.client_info_json(cid, addr.ip(), auth_required, &nonce);
    shared.queue_out(&[b"INFO ", info.as_bytes(), b" \r\n"]);

    debug!("{} - Client connection created", shared.log_prefix());

    if !srv.register_client(&shared) {
        shared.log_error(format_args!("maximum connections exceeded"));
        shared.queue_out(&[b"-ERR 'maximum connections exceeded'\r\n"]);
        shared.close(CloseReason::ProtocolViolation);
        let _ = tokio::time::timeout(srv.opts.write_deadline, writer).await;
        return;
    }
    account.num_clients.fetch_add(1, Ordering::Relaxed);

    let max_payload = if opts.max_payload > 0 { Some(opts.max_payload as usize) } else { None };
    let mut client = Client {
        srv: Arc::clone(&srv),
        shared: Arc::clone(&shared),
        parser: Parser::new(),
        limits: Limits {
            max_control_line: usize::try_from(opts.max_control_line.max(1)).unwrap_or(4096),
            max_payload,
            headers: false,
        },
        opts: ClientOpts::default(),
        connected: false,
        first_pong_sent: false,
        auth_required,
        nonce,
        account,
        perms: None,
        pings_out: 0,
        last_activity: None,
        scratch: Vec::with_capacity(256),
        stalled: Vec::new(),
        counts: Counts::default(),
    };

    // With `no_auth_user`, a client is usable before (or without) CONNECT.
    if srv.auth.required() && !auth_required {
        if let Some(outcome) = srv.auth.no_auth_outcome() {
            client.bind(outcome);
        }
    }
    let reason = client.run(&mut rd).await;
    shared.close(reason);
    debug!("{} - Client connection closed: {}", shared.log_prefix(), reason.as_str());
    client.cleanup();
    let _ = tokio::time::timeout(srv.opts.write_deadline, writer).await;
}

async fn write_loop(shared: Arc<ClientShared>, mut wr: OwnedWriteHalf, deadline: Duration) {
    loop {
        let (data, closing) = {
            let mut out = lock(&shared.out);
            (out.buf.split().freeze(), out.closing)
        };
        if closing == Some(Closing::Drop) {
            break;
        }
        if data.is_empty() {
            if closing.is_some() {
                break;
            }
            shared.out_ready.notified().await;
            continue;
        }
        let deadline = if deadline.is_zero() { Duration::from_secs(3600) } else { deadline };
        match tokio::time::timeout(deadline, wr.write_all(&data)).await {
            Ok(Ok(())) => shared.drained.notify_waiters(),
            Ok(Err(_)) => {
                lock(&shared.out).closing = Some(Closing::Drop);
                shared.close(CloseReason::WriteError);
                break;
            }
            Err(_) => {
                lock(&shared.out).closing = Some(Closing::Drop);
                shared.server.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
                shared.log_notice(format_args!(
                    "Slow Consumer Detected: WriteDeadline of {:?} exceeded with {} chunks of {} total bytes.",
                    deadline,
                    1,
                    data.len()
                ));
                shared.close(CloseReason::SlowConsumerWriteDeadline);
                break;
            }
        }
    }
    let _ = wr.shutdown().await;
}

impl Client {
    async fn run(&mut self, rd: &mut tokio::net::tcp::OwnedReadHalf) -> CloseReason {
        let mut buf = BytesMut::with_capacity(READ_MIN);
        let mut read_size = READ_MIN;
        let opts = &self.srv.opts;
        let ping_interval =
            if opts.ping_interval.is_zero() { Duration::from_secs(3600 * 24 * 365) } else { opts.ping_interval };
        let mut first = ping_interval.min(FIRST_CLIENT_PING_INTERVAL);
        // Go randomizes the first ping by up to 20% so reconnect storms spread out.
        let jitter_ms = (first.as_millis() / 5) as u64;
        if jitter_ms > 0 {
            first += Duration::from_millis(rand::random::<u64>() % jitter_ms);
        }
        let mut next_ping = tokio::time::Instant::now() + first;
        let auth_deadline = tokio::time::Instant::now()
            + if opts.auth_timeout.is_zero() { Duration::from_secs(2) } else { opts.auth_timeout };
        let shared = Arc::clone(&self.shared);
        loop {
            if shared.killed.load(Ordering::Acquire) {
                return shared.close_reason().unwrap_or(CloseReason::ServerShutdown);
            }
            if buf.capacity() - buf.len() < read_size {
                buf.reserve(read_size);
            }
            // The auth timer runs whenever auth is configured, even when a
            // `no_auth_user` lets the client skip credentials (Go's `setAuthTimer`).
            let awaiting_auth = self.srv.auth.required() && !self.connected;
            tokio::select! {
                // Bounded reads keep one batch of deliveries small enough for the
                // stall check below to protect subscribers (Go caps reads at 64KB).
                r = async {
                    let mut limited = (&mut buf).limit(read_size);
                    rd.read_buf(&mut limited).await
                } => {
                    match r {
                        Ok(0) => return CloseReason::ClientClosed,
                        Ok(n) => {
                            // Grow the read size under load, shrink it when idle.
                            if n == read_size && read_size < READ_CHUNK {
                                read_size *= 2;
                            } else if n < read_size / 2 && read_size > READ_MIN {
                                read_size /= 2;
                            }
                            // Process what was read, pausing whenever a subscriber's
                            // buffer passes half of max_pending so its writer can drain.
                            let start = tokio::time::Instant::now();
                            loop {
                                let flow = self.process(&mut buf);
                                self.flush_counts();
                                if let Flow::Close(reason) = flow {
                                    return reason;
                                }
                                if self.stalled.is_empty() {
                                    break;
                                }
                                for target in std::mem::take(&mut self.stalled) {
                                    self.srv.stats.stalled_clients.fetch_add(1, Ordering::Relaxed);
                                    let left = STALL_BUDGET.saturating_sub(start.elapsed());
                                    target.wait_drained(left).await;
                                }
                            }
                        }
                        Err(_) => return CloseReason::ReadError,
                    }
                }
                _ = tokio::time::sleep_until(next_ping) => {
                    next_ping += ping_interval;
                    if let Flow::Close(reason) = self.ping_timer(ping_interval) {
                        return reason;
                    }
                }
                _ = tokio::time::sleep_until(auth_deadline), if awaiting_auth => {
                    self.send_err("Authentication Timeout");
                    shared.log_error(format_args!("Authentication Timeout"));
                    return CloseReason::AuthTimeout;
                }
                _ = shared.kill.notified() => {
                    return shared.close_reason().unwrap_or(CloseReason::ServerShutdown);
                }
            }
        }
    }

    /// Go's `processPingTimer`: skip the ping when the client was recently active,
    /// otherwise send one, closing with `Stale Connection` once too many are unanswered.
    fn ping_timer(&mut self, interval: Duration) -> Flow {
        if self.last_activity.is_some_and(|t| t.elapsed() < interval) {
            return Flow::Continue;
        }
        if self.pings_out + 1 > self.srv.opts.max_pings_out {
            self.srv.stats.stale_connections.fetch_add(1, Ordering::Relaxed);
            self.send_err("Stale Connection");
            return Flow::Close(CloseReason::StaleConnection);
        }
        self.pings_out += 1;
        lock(&self.shared.meta).ping_sent = Some(Instant::now());
        if crate::log::trace_enabled() {
            self.shared.trace(format_args!("->> [PING]"));
        }
        self.shared.queue_out(&[b"PING\r\n"]);
        Flow::Continue
    }

    fn process(&mut self, buf: &mut BytesMut) -> Flow {
        loop {
            let op = match self.parser.next_op(buf, &self.limits) {
                Ok(Some(op)) => op,
                Ok(None) => return Flow::Continue,
                Err(e) => return self.proto_error(e),
            };
            if crate::log::trace_enabled() {
                self.trace_op(&op);
            }
            if self.auth_required && !self.connected && !matches!(op, Op::Connect(_)) {
                self.auth_violation(None);
                return Flow::Close(CloseReason::AuthViolation);
            }
            let flow = match op {
                Op::Connect(arg) => self.process_connect(&arg),
                Op::Pub { subject, reply, header_len, payload } => {
                    self.process_pub(subject, reply, header_len, payload)
                }
                Op::Sub { subject, queue, sid } => self.process_sub(&subject, queue.as_deref(), &sid),
                Op::Unsub { sid, max } => self.process_unsub(&sid, max),
                Op::Ping => {
                    // A client PING counts as activity: it suppresses the next
                    // server keepalive ping like Go does.
                    self.touch();
                    if crate::log::trace_enabled() {
                        self.shared.trace(format_args!("->> [PONG]"));
                    }
                    self.shared.queue_out(&[b"PONG\r\n"]);
                    self.after_first_pong();
                    Flow::Continue
                }
                Op::Pong => {
                    self.pings_out = 0;
                    let mut meta = lock(&self.shared.meta);
                    if let Some(sent) = meta.ping_sent.take() {
                        meta.rtt = sent.elapsed();
                    }
                    Flow::Continue
                }
                Op::Info(arg) => {
                    if serde_json::from_slice::<serde_json::Value>(&arg).is_ok() {
                        Flow::Continue
                    } else {
                        self.shared.log_error(format_args!("invalid INFO from client"));
                        Flow::Close(CloseReason::ProtocolViolation)
                    }
                }
                Op::Ok => Flow::Continue,
                Op::Err(text) => {
                    self.shared.log_error(format_args!("Client Error {}", String::from_utf8_lossy(&text)));
                    Flow::Close(CloseReason::ClientClosed)
                }
            };
            if let Flow::Close(_) = flow {
                return flow;
            }
            if !self.stalled.is_empty() {
                return Flow::Continue;
            }
        }
    }

    fn proto_error(&mut self, e: ProtoError) -> Flow {
        match e {
            ProtoError::UnknownOp => {
                self.send_err("Unknown Protocol Operation");
                self.shared.log_error(format_args!("Client parser ERROR"));
                Flow::Close(CloseReason::ProtocolViolation)
            }
            ProtoError::MaxControlLine => {
                // Go sends the error value's text, lower case (errors.go `ErrMaxControlLine`).
                self.send_err("maximum control line exceeded");
                self.shared.log_error(format_args!("maximum control line exceeded"));
                Flow::Close(CloseReason::MaxControlLine)
            }
            ProtoError::MaxPayload { size, max } => {
                self.send_err("Maximum Payload Violation");
                self.shared.log_error(format_args!("maximum payload exceeded: {size} vs {max}"));
                Flow::Close(CloseReason::MaxPayload)
            }
            ProtoError::HeadersNotSupported => {
                self.shared.log_error(format_args!("message headers not supported"));
                Flow::Close(CloseReason::ProtocolViolation)
            }
            ProtoError::BadArgs(text) => {
                self.shared.log_error(format_args!("{text}"));
                Flow::Close(CloseReason::ProtocolViolation)
            }
        }
    }

    /// Go 2.15 follows the first `PONG` to a protocol-1 client with an INFO that
    /// confirms the CONNECT (`connect_info`) and names the bound account.
    fn after_first_pong(&mut self) {
        if self.first_pong_sent || !self.connected {
            return;
        }
        self.first_pong_sent = true;
        if self.opts.protocol < 1 {
            return;
        }
        let info = self.srv.client_info_json_full(
            self.shared.cid,
            self.shared.addr.ip(),
            self.auth_required,
            "",
            Some(&self.account.name),
        );
        self.shared.queue_out(&[b"INFO ", info.as_bytes(), b" \r\n"]);
    }

    fn flush_counts(&mut self) {
        let c = std::mem::take(&mut self.counts);
        if c.active {
            self.last_activity = Some(Instant::now());
            let ns = SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
            self.shared.last_activity_ns.store(ns, Ordering::Relaxed);
        }
        if c.in_msgs > 0 {
            self.shared.in_msgs.fetch_add(c.in_msgs, Ordering::Relaxed);
            self.shared.in_bytes.fetch_add(c.in_bytes, Ordering::Relaxed);
            self.account.in_msgs.fetch_add(c.in_msgs, Ordering::Relaxed);
            self.account.in_bytes.fetch_add(c.in_bytes, Ordering::Relaxed);
            self.srv.stats.in_msgs.fetch_add(c.in_msgs, Ordering::Relaxed);
            self.srv.stats.in_bytes.fetch_add(c.in_bytes, Ordering::Relaxed);
        }
        if c.out_msgs > 0 {
            self.account.out_msgs.fetch_add(c.out_msgs, Ordering::Relaxed);
            self.account.out_bytes.fetch_add(c.out_bytes, Ordering::Relaxed);
            self.srv.stats.out_msgs.fetch_add(c.out_msgs, Ordering::Relaxed);
            self.srv.stats.out_bytes.fetch_add(c.out_bytes, Ordering::Relaxed);
        }
    }

    /// Notes inbound activity; timestamps are taken once per read in `flush_counts`.
    fn touch(&mut self) {
        self.counts.active = true;
    }

    fn send_err(&self, text: &str) {
        if crate::log::trace_enabled() {
            self.shared.trace(format_args!("->> [-ERR {text}]"));
        }
        self.shared.queue_out(&[b"-ERR '", text.as_bytes(), b"'\r\n"]);
    }

    fn send_ok(&self) {
        if self.opts.verbose {
            if crate::log::trace_enabled() {
                self.shared.trace(format_args!("->> [OK]"));
            }
            self.shared.queue_out(&[b"+OK\r\n"]);
        }
    }

    /// Traces an inbound operation the way Go's `traceInOp` prints it.
    fn trace_op(&self, op: &Op) {
        let q = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
        let line = match op {
            Op::Connect(arg) => format!("CONNECT {}", q(arg)),
            Op::Pub { subject, reply, header_len, payload } => {
                let mut l = if header_len.is_some() { "HPUB ".to_string() } else { "PUB ".to_string() };
                l.push_str(&q(subject));
                if let Some(r) = reply {
                    l.push(' ');
                    l.push_str(&q(r));
                }
                if let Some(h) = header_len {
                    l.push_str(&format!(" {h}"));
                }
                l.push_str(&format!(" {}", payload.len()));
                self.shared.trace(format_args!("<<- [{l}]"));
                self.shared.trace(format_args!("<<- MSG_PAYLOAD: [{}]", go_quote(payload)));
                return;
            }
            Op::Sub { subject, queue, sid } => match queue {
                Some(g) => format!("SUB {} {} {}", q(subject), q(g), q(sid)),
                None => format!("SUB {} {}", q(subject), q(sid)),
            },
            Op::Unsub { sid, max } => match max {
                Some(m) => format!("UNSUB {} {m}", q(sid)),
                None => format!("UNSUB {}", q(sid)),
            },
            Op::Ping => "PING".into(),
            Op::Pong => "PONG".into(),
            Op::Info(_) | Op::Ok => return,
            Op::Err(t) => format!("-ERR {}", q(t)),
        };
        self.shared.trace(format_args!("<<- [{line}]"));
    }

    /// Go's `authViolation`: the client sees `Authorization Violation`, the log
    /// names what credential was tried (`authentication error - User "a"`).
    fn auth_violation(&self, args: Option<&ConnectArgs>) {
        self.send_err("Authorization Violation");
        let detail = match args {
            Some(a) if a.nkey.is_some() => {
                format!(" - Nkey {}", go_quote(a.nkey.as_deref().unwrap_or("").as_bytes()))
            }
            Some(a) if a.user.is_some() => {
                format!(" - User {}", go_quote(a.user.as_deref().unwrap_or("").as_bytes()))
            }
            Some(a) if a.auth_token.is_some() => " - Token \"[REDACTED]\"".to_string(),
            _ => String::new(),
        };
        self.shared.log_error(format_args!("authentication error{detail}"));
    }

    /// Binds the connection to an authenticated identity: its account and
    /// permissions (Go's `registerWithAccount` plus `setPermissions`).
    fn bind(&mut self, outcome: crate::auth::AuthOutcome) {
        let acc = self.srv.accounts.get_or_create(&outcome.account);
        if !Arc::ptr_eq(&acc, &self.account) {
            // Subscriptions live in the old account's sublist; they cannot follow.
            let subs: Vec<Arc<Subscription>> = lock(&self.shared.subs).drain().map(|(_, s)| s).collect();
            for sub in subs {
                self.account.sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key);
            }
            self.account.num_clients.fetch_sub(1, Ordering::Relaxed);
            acc.num_clients.fetch_add(1, Ordering::Relaxed);
            *self.shared.account.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&acc);
            self.account = acc;
        }
        let has_deny =
            outcome.permissions.as_ref().and_then(|p| p.subscribe.as_ref()).is_some_and(|s| !s.deny.is_empty());
        self.shared.has_sub_deny.store(has_deny, Ordering::Relaxed);
        let has_resp = outcome.permissions.as_ref().is_some_and(|p| p.response.is_some());
        self.shared.has_resp.store(has_resp, Ordering::Relaxed);
        *self.shared.perms.write().unwrap_or_else(|e| e.into_inner()) = outcome.permissions.clone();
        self.perms = outcome.permissions;
        let mut meta = lock(&self.shared.meta);
        meta.user = outcome.user;
        meta.account = self.account.name.clone();
    }

    fn process_connect(&mut self, arg: &[u8]) -> Flow {
        let args: ConnectArgs = match serde_json::from_slice(arg) {
            Ok(a) => a,
            Err(e) => {
                self.shared.log_error(format_args!("{e}"));
                return Flow::Close(CloseReason::ProtocolViolation);
            }
        };
        let o = &mut self.opts;
        if let Some(v) = args.verbose {
            o.verbose = v;
        }
        if let Some(v) = args.pedantic {
            o.pedantic = v;
        }
        if let Some(v) = args.echo {
            o.echo = v;
        }
        if let Some(v) = args.headers {
            o.headers = v;
        }
        if let Some(v) = args.no_responders {
            o.no_responders = v;
        }
        if let Some(v) = args.protocol {
            o.protocol = v;
        }
        if self.srv.auth.required() {
            match self.srv.auth.check(&args, self.nonce.as_bytes()) {
                Some(outcome) => {
                    // Go 2.12+: a repeated CONNECT re-binds the connection, dropping
                    // the subscriptions made under the previous binding.
                    if self.connected {
                        let subs: Vec<Arc<Subscription>> = lock(&self.shared.subs).drain().map(|(_, s)| s).collect();
                        for sub in subs {
                            self.account.sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key);
                        }
                    }
                    self.bind(outcome);
                }
                None => {
                    self.auth_violation(Some(&args));
                    return Flow::Close(CloseReason::AuthViolation);
                }
            }
        }
        // Go's `processConnect` accepts only protocol 0 and 1.
        if !(0..=1).contains(&self.opts.protocol) {
            self.send_err("invalid client protocol");
            self.shared.log_error(format_args!("invalid client protocol"));
            return Flow::Close(CloseReason::ProtocolViolation);
        }
        // Go's `processConnect`: no_responders only works with headers.
        if self.opts.no_responders && !self.opts.headers {
            self.send_err("no responders requires headers support");
            self.shared.log_error(format_args!("no responders requires headers support"));
            return Flow::Close(CloseReason::ProtocolViolation);
        }
        let headers = self.opts.headers && !self.srv.opts.no_header_support;
        self.opts.headers = headers;
        self.limits.headers = headers;
        self.shared.headers.store(headers, Ordering::Relaxed);
        self.shared.echo.store(self.opts.echo, Ordering::Relaxed);
        {
            let mut meta = lock(&self.shared.meta);
            if let Some(n) = args.name {
                meta.name = n;
            }
            if let Some(l) = args.lang {
                meta.lang = l;
            }
            if let Some(v) = args.version {
                meta.version = v;
            }
            // Go seeds the RTT with the time from sending INFO to receiving CONNECT.
            if meta.rtt.is_zero() {
                meta.rtt = SystemTime::now().duration_since(meta.start).unwrap_or_default();
            }
            // Go's `processConnect` client tag: "v<version>:<lang>:<name>", skipping
            // empty parts.
            let mut parts = Vec::new();
            if !meta.version.is_empty() {
                parts.push(format!("v{}", meta.version));
            }
            if !meta.lang.is_empty() {
                parts.push(meta.lang.clone());
            }
            if !meta.name.is_empty() {
                parts.push(meta.name.clone());
            }
            if !parts.is_empty() {
                *lock(&self.shared.tag) = Some(parts.join(":"));
            }
        }
        self.connected = true;
        self.send_ok();
        Flow::Continue
    }

    fn pub_allowed(&mut self, subject: &str) -> bool {
        // Go reserves `$NRG.` (its Raft traffic) for the server itself.
        if subject.starts_with("$NRG.") && self.account.name != self.srv.system_account_name() {
            return false;
        }
        let Some(perms) = &self.perms else {
            return true;
        };
        let Some(rules) = &perms.publish else {
            return true;
        };
        if rules.allows_publish(subject) {
            return true;
        }
        // allow_responses: a reply subject this client received may be used a limited
        // number of times before it expires.
        if perms.response.is_some() {
            let mut replies = lock(&self.shared.replies);
            if let Some((left, expires)) = replies.get_mut(subject.as_bytes()) {
                let fresh = expires.is_none_or(|e| Instant::now() < e);
                if fresh && *left > 0 {
                    *left -= 1;
                    if *left == 0 {
                        replies.remove(subject.as_bytes());
                    }
                    return true;
                }
                replies.remove(subject.as_bytes());
            }
        }
        false
    }

    fn process_pub(&mut self, subject: Bytes, reply: Option<Bytes>, header_len: Option<usize>, payload: Bytes) -> Flow {
        let size = payload.len() as u64;
        self.counts.in_msgs += 1;
        self.counts.in_bytes += size;
        self.touch();
        let subj = std::str::from_utf8(&subject).unwrap_or("");
        // Go quirk (client.go `processPub`): the pedantic check only reports the
        // error; the message is still delivered.
        if self.opts.pedantic && !is_valid_literal_subject(subj) {
            self.send_err("Invalid Publish Subject");
        }
        if !self.pub_allowed(subj) {
            self.send_err(&format!("Permissions Violation for Publish to {}", go_quote(&subject)));
            self.shared.log_error(format_args!(
                "Publish Violation - User {}, Subject {}",
                go_quote(lock(&self.shared.meta).user.as_deref().unwrap_or("").as_bytes()),
                go_quote(&subject)
            ));
            return Flow::Continue;
        }
        self.send_ok();
        let delivered = self.deliver_to_account(subj, &subject, reply.as_deref(), header_len, &payload);
        let handled = match self.srv.publish_hook() {
            Some(hook) => hook(&crate::server::Published {
                account: &self.account.name,
                subject: subj,
                reply: reply.as_deref(),
                headers: header_len.and_then(|h| payload.get(..h)),
                payload: header_len.and_then(|h| payload.get(h..)).unwrap_or(&payload),
            }),
            None => false,
        };
        if !delivered && !handled && self.opts.no_responders && self.opts.headers {
            if let Some(reply) = &reply {
                self.send_no_responders(&subject, reply);
            }
        }
        Flow::Continue
    }

    /// Go's no-responders status: a 503 header-only message to the requester's own
    /// subscriptions on the reply subject, naming the subject that had no listeners.
    fn send_no_responders(&mut self, subject: &[u8], reply: &[u8]) {
        let Ok(reply_str) = std::str::from_utf8(reply) else {
            return;
        };
        let mut hdr = Vec::with_capacity(40 + subject.len());
        hdr.extend_from_slice(b"NATS/1.0 503\r\nNats-Subject: ");
        hdr.extend_from_slice(subject);
        hdr.extend_from_slice(b"\r\n\r\n");
        let result = self.account.sublist.match_subject(reply_str);
        for sub in &result.psubs {
            if sub.client.cid == self.shared.cid {
                // Go delivers the status once, to the first matching subscription,
                // and regardless of the echo setting.
                self.deliver_inner(sub, reply, None, Some(hdr.len()), &hdr, true);
                break;
            }
        }
    }

    /// Fans a message out to the account's matching subscribers; returns whether
    /// anyone received it.
    fn deliver_to_account(
        &mut self,
        subj: &str,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        payload: &[u8],
    ) -> bool {
        let result = self.account.sublist.match_subject(subj);
        if result.is_empty() {
            return false;
        }
        let mut delivered = false;
        for sub in &result.psubs {
            delivered |= self.deliver(sub, subject, reply, header_len, payload);
        }
        for group in &result.qsubs {
            if group.is_empty() {
                continue;
            }
            let start = rand::random::<u32>() as usize % group.len();
            for i in 0..group.len() {
                let sub = &group[(start + i) % group.len()];
                if self.deliver(sub, subject, reply, header_len, payload) {
                    delivered = true;
                    break;
                }
            }
        }
        delivered
    }

    /// Writes one `MSG`/`HMSG` to a subscriber (Go's `deliverMsg`).
    fn deliver(
        &mut self,
        sub: &Arc<Subscription>,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        payload: &[u8],
    ) -> bool {
        self.deliver_inner(sub, subject, reply, header_len, payload, false)
    }

    fn deliver_inner(
        &mut self,
        sub: &Arc<Subscription>,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        payload: &[u8],
        to_self: bool,
    ) -> bool {
        if sub.call_internal(Some(&self.shared), subject, reply, header_len, payload) {
            return true;
        }
        let target = &sub.client;
        if target.cid == self.shared.cid && !self.opts.echo && !to_self {
            return false;
        }
        let Some((queued, size)) = write_msg(sub, subject, reply, header_len, payload, &mut self.scratch) else {
            return false;
        };
        match queued {
            Queued::Closed => return false,
            Queued::Stall => {
                if !self.stalled.iter().any(|c| c.cid == target.cid) {
                    self.stalled.push(Arc::clone(target));
                }
            }
            Queued::Ok => {}
        }
        self.counts.out_msgs += 1;
        self.counts.out_bytes += size;
        true
    }

    fn process_sub(&mut self, subject: &[u8], queue: Option<&[u8]>, sid: &[u8]) -> Flow {
        self.touch();
        let subj = std::str::from_utf8(subject).unwrap_or("");
        let queue_str = queue.map(|q| std::str::from_utf8(q).unwrap_or(""));
        // Go reserves the `_sys_` queue group for internal subscriptions.
        let reserved_queue = queue_str == Some("_sys_");
        let rules = self.perms.as_ref().and_then(|p| p.subscribe.as_ref());
        if reserved_queue || rules.is_some_and(|r| !r.allows_subscribe(subj, queue_str)) {
            let text = match queue {
                Some(q) => format!(
                    "Permissions Violation for Subscription to {} using queue {}",
                    go_quote(subject),
                    go_quote(q)
                ),
                None => format!("Permissions Violation for Subscription to {}", go_quote(subject)),
            };
            self.send_err(&text);
            self.shared.log_error(format_args!(
                "Subscription Violation - User {}, Subject {}, SID {}",
                go_quote(lock(&self.shared.meta).user.as_deref().unwrap_or("").as_bytes()),
                go_quote(subject),
                String::from_utf8_lossy(sid)
            ));
            return Flow::Continue;
        }
        // Go's `maxTokensViolation`: checked after permissions, before the limit
        // on the number of subscriptions.
        let max_tokens = self.srv.opts.max_sub_tokens;
        if max_tokens > 0 && subject.split(|b| *b == b'.').count() > max_tokens as usize {
            self.send_err(&format!("Permissions Violation for Subscription to {}, too many tokens", go_quote(subject)));
            self.shared.log_error(format_args!(
                "Subscription Violation Too Many Tokens - Subject {}, SID {}",
                go_quote(subject),
                String::from_utf8_lossy(sid)
            ));
            return Flow::Continue;
        }
        let max_subs = self.srv.opts.max_subscriptions;
        if max_subs > 0 && self.shared.num_subs() >= max_subs as usize {
            self.send_err("maximum subscriptions exceeded");
            self.shared.log_error(format_args!("maximum subscriptions exceeded"));
            return Flow::Continue;
        }
        let sid = Bytes::copy_from_slice(sid);
        {
            let mut subs = lock(&self.shared.subs);
            // Go keeps the first subscription when a sid is reused.
            if !subs.contains_key(&sid) {
                let sub = Arc::new(Subscription {
                    client: Arc::clone(&self.shared),
                    key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
                    subject: subj.into(),
                    queue: queue_str.map(Into::into),
                    sid: sid.clone(),
                    max: AtomicU64::new(0),
                    delivered: AtomicU64::new(0),
                    icb: None,
                });
                let valid = !subj.is_empty() && queue_str.is_none_or(|q| !q.is_empty());
                let res = if valid {
                    self.account.sublist.insert(subj, queue_str, sub.key, Arc::clone(&sub))
                } else {
                    Err(SublistError::InvalidSubject)
                };
                if res.is_err() {
                    drop(subs);
                    self.send_err("Invalid Subject");
                    return Flow::Continue;
                }
                subs.insert(sid, sub);
            }
        }
        self.send_ok();
        Flow::Continue
    }

    fn process_unsub(&mut self, sid: &[u8], max: Option<i64>) -> Flow {
        self.touch();
        let sub = lock(&self.shared.subs).get(sid).cloned();
        let mut remove = None;
        if let Some(sub) = sub {
            let max = max.unwrap_or(0);
            if max > 0 && (max as u64) > sub.delivered.load(Ordering::Relaxed) {
                sub.max.store(max as u64, Ordering::Relaxed);
            } else {
                remove = Some(sub);
            }
        }
        self.send_ok();
        if let Some(sub) = remove {
            if crate::log::trace_enabled() {
                self.shared.trace(format_args!("<-> [DELSUB {}]", String::from_utf8_lossy(&sub.sid)));
            }
            self.shared.remove_sub(&sub);
        }
        Flow::Continue
    }

    fn cleanup(&mut self) {
        let subs: Vec<Arc<Subscription>> = lock(&self.shared.subs).drain().map(|(_, s)| s).collect();
        let mut subjects = Vec::with_capacity(subs.len());
        for sub in subs {
            self.account.sublist.remove(&sub.subject, sub.queue.as_deref(), sub.key);
            subjects.push(sub.subject.to_string());
        }
        self.account.num_clients.fetch_sub(1, Ordering::Relaxed);
        self.srv.unregister_client(&self.shared, subjects);
    }
}

impl ClientShared {
    /// Records a reply subject this client may answer under `allow_responses`.
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
}

/// Formats and queues one `MSG`/`HMSG` for `sub` (Go's `deliverMsg`): applies the
/// subscriber's deny filter and auto-unsubscribe limit, strips headers for clients
/// that did not ask for them, and records reply subjects for `allow_responses`.
/// Returns the queue outcome and body size, or `None` when the message was skipped.
fn write_msg(
    sub: &Arc<Subscription>,
    subject: &[u8],
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    payload: &[u8],
    line: &mut Vec<u8>,
) -> Option<(Queued, u64)> {
    let target = &sub.client;
    if target.has_sub_deny.load(Ordering::Relaxed) {
        let perms = target.perms.read().unwrap_or_else(|e| e.into_inner());
        let subj = std::str::from_utf8(subject).unwrap_or("");
        if perms.as_ref().and_then(|p| p.subscribe.as_ref()).is_some_and(|s| s.denies_delivery(subj)) {
            return None;
        }
    }
    let max = sub.max.load(Ordering::Relaxed);
    if max > 0 {
        let n = sub.delivered.fetch_add(1, Ordering::Relaxed) + 1;
        if n > max {
            return None;
        }
        if n == max {
            target.remove_sub(sub);
        }
    } else {
        sub.delivered.fetch_add(1, Ordering::Relaxed);
    }
    // A client that did not announce header support gets the body only
    // (Go strips the header block in `deliverMsg`).
    let (header_len, body) = match header_len {
        Some(h) if target.headers.load(Ordering::Relaxed) => (Some(h), payload),
        Some(h) => (None, payload.get(h..).unwrap_or(&[])),
        None => (None, payload),
    };
    line.clear();
    line.extend_from_slice(if header_len.is_some() { b"HMSG " } else { b"MSG " });
    line.extend_from_slice(subject);
    line.push(b' ');
    line.extend_from_slice(&sub.sid);
    line.push(b' ');
    if let Some(r) = reply {
        line.extend_from_slice(r);
        line.push(b' ');
    }
    if let Some(h) = header_len {
        push_usize(line, h);
        line.push(b' ');
    }
    push_usize(line, body.len());
    line.extend_from_slice(b"\r\n");
    if crate::log::trace_enabled() {
        let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
        target.trace(format_args!("->> [{text}]"));
        target.trace(format_args!("->> MSG_PAYLOAD: [{}]", go_quote(body)));
    }
    let queued = target.enqueue(&[line, body, b"\r\n"]);
    if queued == Queued::Closed {
        return Some((queued, 0));
    }
    let size = body.len() as u64;
    target.out_msgs.fetch_add(1, Ordering::Relaxed);
    target.out_bytes.fetch_add(size, Ordering::Relaxed);
    if let Some(r) = reply {
        target.note_reply(r);
    }
    Some((queued, size))
}

/// Publishes a message on the server's behalf (no publishing client: no echo
/// rules, no permissions) to every matching subscriber in `account`, one member
/// per queue group. `route_subject` selects subscribers; `shown_subject` is what
/// the `MSG` line says (they differ for e.g. stream consumer deliveries).
/// `header_len` splits `payload` into headers and body. Returns whether anyone
/// received it.
pub fn publish_internal(
    account: &Account,
    route_subject: &str,
    shown_subject: &[u8],
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    payload: &[u8],
) -> bool {
    let result = account.sublist.match_subject(route_subject);
    let mut line = Vec::with_capacity(128);
    let mut delivered = false;
    let sent = |sub: &Arc<Subscription>, line: &mut Vec<u8>| {
        sub.call_internal(None, shown_subject, reply, header_len, payload)
            || matches!(
                write_msg(sub, shown_subject, reply, header_len, payload, line),
                Some((Queued::Ok | Queued::Stall, _))
            )
    };
    for sub in &result.psubs {
        delivered |= sent(sub, &mut line);
    }
    for group in &result.qsubs {
        if group.is_empty() {
            continue;
        }
        let start = rand::random::<u32>() as usize % group.len();
        for i in 0..group.len() {
            if sent(&group[(start + i) % group.len()], &mut line) {
                delivered = true;
                break;
            }
        }
    }
    let size = payload.len() as u64;
    if delivered {
        account.out_msgs.fetch_add(1, Ordering::Relaxed);
        account.out_bytes.fetch_add(size, Ordering::Relaxed);
    }
    delivered
}

fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Quotes bytes like Go's `%q` for the ASCII cases that matter in error texts.
pub fn go_quote(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for ch in String::from_utf8_lossy(b).chars() {
        match ch {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(go_quote(b"foo"), "\"foo\"");
        assert_eq!(go_quote(b"a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn numbers() {
        let mut v = Vec::new();
        push_usize(&mut v, 0);
        v.push(b' ');
        push_usize(&mut v, 1_048_576);
        assert_eq!(v, b"0 1048576");
    }
}
