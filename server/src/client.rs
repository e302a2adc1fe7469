//! The client protocol on a client connection: reads and executes what a
//! client sends (CONNECT, PUB/HPUB, SUB, UNSUB, PING/PONG), and keeps the
//! connection healthy (keepalive pings, auth timeout, stalls behind slow
//! subscribers). Semantics follow Go's `server/client.go` (`processConnect`,
//! `processPub`, `processSub`, `processUnsub`, `processPingTimer`).
//!
//! Each client connection runs two tasks: this reader, which owns the socket's
//! read half and all per-connection protocol state, and the writer of its
//! outbound queue (`connection::outbound`). Messages go out through the one
//! delivery path of `connection::deliver`.
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::account::Account;
use crate::auth::{ClientPermissions, ConnectArgs};
use crate::connection::deliver::{deliver, fan_out, Publisher};
use crate::connection::outbound::STALL_BUDGET;
use crate::connection::{lock, write_loop, CloseReason, Connection, Kind, Subscription};
use crate::json::go_quote;
use crate::message::Msg;
use crate::protocol::{Limits, Op, Parser, ProtoError};
use crate::server::Server;

/// Go's `firstClientPingInterval`: the first keepalive ping comes early.
const FIRST_CLIENT_PING_INTERVAL: Duration = Duration::from_secs(2);
/// Read buffer growth step.
const READ_CHUNK: usize = 32 * 1024;
/// Smallest read size; idle connections keep buffers this small (Go starts its
/// read buffer at 512 bytes and adapts it to traffic).
const READ_MIN: usize = 512;

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
    shared: Arc<Connection>,
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
    /// This client as a publisher: delivery counts and the subscribers whose
    /// outbound queues passed half of `max_pending` during the current read
    /// (we wait for them before reading more).
    publisher: Publisher,
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
}

/// Serves one accepted connection until it closes.
pub(crate) async fn serve(srv: Arc<Server>, stream: TcpStream, cid: u64, addr: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let (mut rd, wr) = stream.into_split();
    let opts = &srv.opts;
    let account = srv.accounts.get_or_create(crate::consts::GLOBAL_ACCOUNT);
    let max_pending = usize::try_from(opts.max_pending).unwrap_or(usize::MAX).max(1);
    let shared =
        Arc::new(Connection::new(cid, Kind::Client, addr, &account.name, &account.sublist, max_pending, &srv.stats));
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
        publisher: Publisher::connection(&shared),
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
                                if self.publisher.stalled.is_empty() {
                                    break;
                                }
                                for target in std::mem::take(&mut self.publisher.stalled) {
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
                // A client parser never produces route operations.
                Op::RouteSub(_) | Op::RouteUnsub(_) | Op::LeafSub(_) | Op::LeafUnsub(_) | Op::Routed { .. } => {
                    Flow::Close(CloseReason::ProtocolViolation)
                }
            };
            if let Flow::Close(_) = flow {
                return flow;
            }
            if !self.publisher.stalled.is_empty() {
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
        // From now on it hears of cluster changes (Go's `sendAsyncInfoToClients`).
        self.shared.async_info.store(true, Ordering::Relaxed);
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
        let (out_msgs, out_bytes) = self.publisher.take_counts();
        if out_msgs > 0 {
            self.account.out_msgs.fetch_add(out_msgs, Ordering::Relaxed);
            self.account.out_bytes.fetch_add(out_bytes, Ordering::Relaxed);
            self.srv.stats.out_msgs.fetch_add(out_msgs, Ordering::Relaxed);
            self.srv.stats.out_bytes.fetch_add(out_bytes, Ordering::Relaxed);
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
            Op::RouteSub(_) | Op::RouteUnsub(_) | Op::LeafSub(_) | Op::LeafUnsub(_) | Op::Routed { .. } => return,
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
            self.shared.remove_all_subs();
            self.account.num_clients.fetch_sub(1, Ordering::Relaxed);
            acc.num_clients.fetch_add(1, Ordering::Relaxed);
            self.shared.rebind(&acc.name, &acc.sublist);
            self.account = acc;
        }
        let has_deny =
            outcome.permissions.as_ref().and_then(|p| p.subscribe.as_ref()).is_some_and(|s| !s.deny.is_empty());
        self.shared.has_sub_deny.store(has_deny, Ordering::Relaxed);
        let has_resp = outcome.permissions.as_ref().is_some_and(|p| p.response.is_some());
        self.shared.has_resp.store(has_resp, Ordering::Relaxed);
        *self.shared.perms.write().unwrap_or_else(|e| e.into_inner()) = outcome.permissions.clone();
        self.perms = outcome.permissions;
        lock(&self.shared.meta).user = outcome.user;
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
                        self.shared.remove_all_subs();
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
        if self.opts.pedantic && !crate::subject::is_valid_literal(subj) {
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
        // Mappings apply after the permission check (Go's `selectMappedSubject`).
        // A weighted mapping may drop the message (an empty subject, which
        // nothing matches).
        let subject = match self.account.map_subject(subj) {
            None => subject,
            Some(mapped) => Bytes::from(mapped),
        };
        let msg = Msg { subject, shown: None, reply, header_len, data: payload };
        let delivered =
            !msg.subject.is_empty() && fan_out(&self.account.name, &self.account.sublist, &msg, &mut self.publisher);
        if !delivered && self.opts.no_responders && self.opts.headers {
            if let Some(reply) = &msg.reply {
                self.send_no_responders(&msg.subject, reply);
            }
        }
        Flow::Continue
    }

    /// Go's no-responders status: a 503 header-only message to the requester's own
    /// subscriptions on the reply subject, naming the subject that had no listeners.
    fn send_no_responders(&mut self, subject: &[u8], reply: &Bytes) {
        let mut hdr = Vec::with_capacity(40 + subject.len());
        hdr.extend_from_slice(b"NATS/1.0 503\r\nNats-Subject: ");
        hdr.extend_from_slice(subject);
        hdr.extend_from_slice(b"\r\n\r\n");
        let status =
            Msg { subject: reply.clone(), shown: None, reply: None, header_len: Some(hdr.len()), data: hdr.into() };
        let result = self.account.sublist.match_subject(status.subject_str());
        for sub in &result.psubs {
            if sub.conn.cid == self.shared.cid {
                // Go delivers the status once, to the first matching subscription,
                // and regardless of the echo setting.
                deliver(sub, &status, &mut self.publisher, true);
                break;
            }
        }
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
        // Go keeps the first subscription when a sid is reused.
        if !lock(&self.shared.subs).contains_key(&sid) {
            let valid = !subj.is_empty() && queue_str.is_none_or(|q| !q.is_empty());
            let sub = Subscription::new(&self.shared, subj, queue_str, sid);
            if !valid || !self.shared.add_sub(Arc::clone(&sub)) {
                self.send_err("Invalid Subject");
                return Flow::Continue;
            }
            crate::account::stream_import::add_shadows(&self.account, &sub);
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
        let subjects = self.shared.remove_all_subs();
        self.account.num_clients.fetch_sub(1, Ordering::Relaxed);
        self.srv.unregister_client(&self.shared, subjects);
    }
}
