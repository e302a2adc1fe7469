//! One route connection: the handshake, then the route protocol until it
//! closes (Go's `createRoute`, `processInfo`, `processRouteConnect`,
//! `addRoute`, `processRemoteSub`, `processRemoteUnsub`,
//! `processInboundRoutedMsg` and `removeRoute` in `server/route.go`).
//!
//! The accepting side sends its INFO at once. The dialling side sends
//! CONNECT, and its INFO at once on a pinned-account route or without
//! pooling; a pooled dialler waits for the remote's INFO and answers with
//! the pool index it picked (Go's `routeShouldDelayInfo`). Each side
//! registers the route when the other's INFO arrives, then sends the
//! interest the connection carries and a PING. A dialler whose pool to that
//! server is not full opens the next connection after its first PONG.
//!
//! A second route to a server without pooling, or to a pool slot or pinned
//! account already taken, is closed as a duplicate; the first one stays.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use super::{Carries, Dial, RouteUrl, GOSSIP_DEFAULT, GOSSIP_DISABLED, GOSSIP_OVERRIDE};
use crate::account::Account;
use crate::connection::deliver::{fan_out, Publisher};
use crate::connection::{lock, write_loop, CloseReason, Connection, Kind, Subscription};
use crate::consts::{LANG_VERSION, VERSION};
use crate::message::Msg;
use crate::protocol::{parse_size, split_args, Info, Limits, Op, Parser};
use crate::server::{RemoteServer, RouteEntry, Server};

/// Route protocol level (Go's `RouteProtoV2` family: 3 on 2.15).
const ROUTE_PROTO: i32 = 3;
/// Go caps the route keepalive interval (`routeMaxPingInterval`).
const MAX_PING_INTERVAL: Duration = Duration::from_secs(30);
/// Go's default time for an accepted route to send CONNECT (`AUTH_TIMEOUT`).
const ROUTE_AUTH_TIMEOUT: Duration = Duration::from_secs(2);
/// Go's first ping on a new route comes early (`firstPingInterval`).
const FIRST_PING: Duration = Duration::from_secs(1);
const READ_SIZE: usize = 64 * 1024;

/// How a route connection ended, for the dialler.
pub(super) enum Ended {
    /// Dial again (an explicit route that closed, or failed its handshake).
    Retry,
    /// Do not: a route to ourselves, or one the remote refused for good.
    Stop,
}

/// A route's CONNECT (Go's `connectInfo`, route fields).
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct RouteConnect {
    echo: bool,
    verbose: bool,
    pedantic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass: Option<String>,
    tls_required: bool,
    headers: bool,
    /// The sender's server ID.
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    cluster: String,
    #[serde(skip_serializing_if = "is_false")]
    cluster_dynamic: bool,
    #[serde(skip_serializing_if = "is_false")]
    lnoc: bool,
    /// Set by clients; a route never sends it.
    #[serde(skip_serializing)]
    lang: String,
    #[serde(skip_serializing)]
    gateway: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}
/// Our route INFO (Go's `routeInfo`).
fn our_info(srv: &Server) -> Info {
    let pool = srv.route_pool_size();
    let opts = &srv.opts.cluster;
    let bound = lock(&srv.route_addr).map_or(0, |a| a.port());
    let (host, port, ip) = match opts.advertise.as_deref() {
        Some(adv) => {
            let (h, p) = match adv.rsplit_once(':').and_then(|(h, p)| p.parse::<u16>().ok().map(|p| (h, p))) {
                Some((h, p)) => (h.to_string(), p),
                None => (adv.to_string(), bound),
            };
            let ip = format!("nats-route://{}/", super::join_host_port(&h, p));
            (h, p, ip)
        }
        None => (opts.host.clone(), bound, String::new()),
    };
    let cluster = srv.cluster_name();
    Info {
        server_id: srv.id.clone(),
        server_name: srv.name.clone(),
        version: VERSION.to_string(),
        proto: ROUTE_PROTO,
        go: LANG_VERSION.to_string(),
        host,
        port,
        headers: !srv.opts.no_header_support,
        auth_required: opts.username.is_some(),
        max_payload: srv.opts.max_payload,
        jetstream: srv.jetstream.is_some(),
        ip,
        cluster,
        cluster_dynamic: opts.name.is_none(),
        connect_urls: if opts.no_advertise { Vec::new() } else { srv.own_client_url().into_iter().collect() },
        ldm: srv.lame_duck.load(Ordering::Relaxed),
        compression: "off".into(),
        import: opts.permissions.as_ref().and_then(|p| p.publish.as_ref()).map(subject_permission_json),
        export: opts.permissions.as_ref().and_then(|p| p.subscribe.as_ref()).map(subject_permission_json),
        lnoc: true,
        lnocu: true,
        route_pool_size: i64::try_from(pool).unwrap_or(0),
        ..Info::default()
    }
}

/// Tells every server we route to that we are in lame duck mode, once each
/// (Go's `sendLDMToRoutes`): they drop our client URLs.
pub(super) fn send_lame_duck(srv: &Server) {
    let line = info_line(&our_info(srv));
    let routes = lock(&srv.routes);
    for remote in routes.values() {
        if let Some(e) = remote.entries().next() {
            e.conn.queue_out(&[&line]);
        }
    }
}

/// Go's `SubjectPermission` as INFO carries it.
fn subject_permission_json(p: &crate::options::SubjectPermission) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    if !p.allow.is_empty() {
        m.insert("allow".into(), serde_json::json!(p.allow));
    }
    if !p.deny.is_empty() {
        m.insert("deny".into(), serde_json::json!(p.deny));
    }
    serde_json::Value::Object(m)
}

fn info_line(info: &Info) -> Vec<u8> {
    let mut out = b"INFO ".to_vec();
    out.extend_from_slice(info.to_json().as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// A remote subscription held for a route: where it lives.
struct RemoteSub {
    account: Arc<Account>,
    sub: Arc<Subscription>,
}

struct Link {
    srv: Arc<Server>,
    conn: Arc<Connection>,
    dial: Option<Dial>,
    parser: Parser,
    /// The remote's server ID, from its CONNECT or INFO.
    remote_id: Option<String>,
    /// Set once registered in the server's route table.
    registered: bool,
    /// The remote asked for no more attempts (or is ourselves).
    stop: bool,
    /// Remote interest, by Go's routed-sub key (`<acc> <subject> [<queue>]`).
    subs: HashMap<Bytes, RemoteSub>,
    num_subs: Arc<AtomicUsize>,
    /// The account this route carries alone (a pinned route), which its
    /// lines then leave out.
    account: Option<Arc<Account>>,
    /// Our INFO still owed to the remote (a pooled dialler's, sent with the
    /// pool index once the remote's INFO arrived).
    info_owed: bool,
    /// The next pool connection to open after the first PONG.
    next_dial: Option<Dial>,
    pings_out: i32,
    publisher: Publisher,
    last_activity: Instant,
}

/// Runs a route connection; `dial` is set when we dialled it.
pub(super) async fn run(srv: Arc<Server>, stream: TcpStream, dial: Option<Dial>) -> Ended {
    let _ = stream.set_nodelay(true);
    let addr = stream.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    let (mut rd, wr) = stream.into_split();
    let cid = srv.next_client_id();
    let g = srv.accounts.get_or_create(crate::consts::GLOBAL_ACCOUNT);
    let max_pending = usize::try_from(srv.opts.max_pending).unwrap_or(usize::MAX).max(1);
    let conn = Arc::new(Connection::new(cid, Kind::Router, addr, "", &g.sublist, max_pending, &srv.stats));
    let writer = tokio::spawn(write_loop(Arc::clone(&conn), wr, srv.opts.write_deadline));
    crate::info!("{addr} - rid:{cid} - Route connection created");

    let mut link = Link {
        srv: Arc::clone(&srv),
        conn: Arc::clone(&conn),
        dial,
        parser: Parser::for_route(),
        remote_id: None,
        registered: false,
        stop: false,
        subs: HashMap::new(),
        num_subs: Arc::new(AtomicUsize::new(0)),
        account: None,
        info_owed: false,
        next_dial: None,
        pings_out: 0,
        publisher: Publisher::connection(&conn),
        last_activity: Instant::now(),
    };
    if let Some(d) = &link.dial {
        let connect = RouteConnect {
            echo: true,
            // Go sends the credentials of the URL only (`sendRouteConnect`);
            // implicit routes get ours when the remote asks for them.
            user: d.url.user.clone(),
            pass: d.url.pass.clone(),
            headers: !srv.opts.no_header_support,
            name: srv.id.clone(),
            cluster: srv.cluster_name(),
            cluster_dynamic: srv.opts.cluster.name.is_none(),
            lnoc: true,
            ..RouteConnect::default()
        };
        let line = format!("CONNECT {}\r\n", crate::json::to_string(&connect));
        if d.account.is_none() && srv.route_pool_size() > 0 {
            link.info_owed = true;
            conn.queue_out(&[line.as_bytes()]);
        } else {
            let mut info = our_info(&srv);
            info.route_account = d.account.clone().unwrap_or_default();
            conn.queue_out(&[line.as_bytes(), &info_line(&info)]);
        }
    } else {
        conn.queue_out(&[&info_line(&our_info(&srv))]);
    }
    let reason = link.read_loop(&mut rd).await;
    conn.close(reason);
    link.cleanup(reason);
    let _ = tokio::time::timeout(srv.opts.write_deadline, writer).await;
    if link.stop || link.lost_to_existing() {
        Ended::Stop
    } else {
        Ended::Retry
    }
}

impl Link {
    fn prefix(&self) -> String {
        format!("{} - rid:{}", self.conn.addr, self.conn.cid)
    }

    async fn read_loop(&mut self, rd: &mut tokio::net::tcp::OwnedReadHalf) -> CloseReason {
        let mut buf = BytesMut::with_capacity(READ_SIZE);
        let srv = Arc::clone(&self.srv);
        let opts = &srv.opts;
        let configured = opts.cluster.ping_interval.unwrap_or(opts.ping_interval);
        let interval = if configured.is_zero() { MAX_PING_INTERVAL } else { configured.min(MAX_PING_INTERVAL) };
        let max_pings_out = opts.cluster.ping_max.unwrap_or(opts.max_pings_out);
        // An accepted route must send its CONNECT in time (Go's route auth
        // timer, set whether or not credentials are required).
        let auth_deadline = tokio::time::Instant::now() + opts.cluster.auth_timeout.unwrap_or(ROUTE_AUTH_TIMEOUT);
        let mut next_ping = tokio::time::Instant::now() + FIRST_PING.min(interval);
        let limits = Limits { max_control_line: usize::MAX, max_payload: None, headers: true };
        let conn = Arc::clone(&self.conn);
        loop {
            if conn.killed.load(Ordering::Acquire) {
                return conn.close_reason().unwrap_or(CloseReason::ServerShutdown);
            }
            if buf.capacity() - buf.len() < READ_SIZE {
                buf.reserve(READ_SIZE);
            }
            tokio::select! {
                r = async {
                    let mut limited = (&mut buf).limit(READ_SIZE);
                    rd.read_buf(&mut limited).await
                } => match r {
                    Ok(0) => return CloseReason::ClientClosed,
                    Ok(_) => loop {
                        match self.parser.next_op(&mut buf, &limits) {
                            Ok(Some(op)) => {
                                if let Err(reason) = self.process(op) {
                                    return reason;
                                }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                crate::error!("{} - Route Error {e:?}", self.prefix());
                                conn.queue_out(&[b"-ERR 'Unknown Protocol Operation'\r\n"]);
                                return CloseReason::ProtocolViolation;
                            }
                        }
                    },
                    Err(_) => return CloseReason::ReadError,
                },
                _ = tokio::time::sleep_until(auth_deadline), if self.dial.is_none() && self.remote_id.is_none() => {
                    crate::error!("{} - Authentication Timeout", self.prefix());
                    conn.queue_out(&[b"-ERR 'Authentication Timeout'\r\n"]);
                    return CloseReason::AuthTimeout;
                }
                _ = tokio::time::sleep_until(next_ping) => {
                    next_ping += interval;
                    if self.pings_out + 1 > max_pings_out && self.last_activity.elapsed() >= interval {
                        conn.queue_out(&[b"-ERR 'Stale Connection'\r\n"]);
                        return CloseReason::StaleConnection;
                    }
                    self.pings_out += 1;
                    lock(&conn.meta).ping_sent = Some(Instant::now());
                    conn.queue_out(&[b"PING\r\n"]);
                }
                _ = conn.kill.notified() => {
                    return conn.close_reason().unwrap_or(CloseReason::ServerShutdown);
                }
            }
        }
    }

    fn process(&mut self, op: Op) -> Result<(), CloseReason> {
        if crate::log::trace_enabled() {
            self.trace_op(&op);
        }
        match op {
            Op::Connect(arg) => self.process_connect(&arg),
            Op::Info(arg) => self.process_info(&arg),
            Op::Ping => {
                self.conn.queue_out(&[b"PONG\r\n"]);
                Ok(())
            }
            Op::Pong => {
                if let Some(dial) = self.next_dial.take() {
                    tokio::spawn(super::solicit(Arc::clone(&self.srv), dial));
                }
                self.pings_out = 0;
                self.last_activity = Instant::now();
                let mut meta = lock(&self.conn.meta);
                if let Some(sent) = meta.ping_sent.take() {
                    meta.rtt = sent.elapsed();
                }
                Ok(())
            }
            Op::Ok => Ok(()),
            Op::Err(text) => {
                crate::error!("{} - Router Error {}", self.prefix(), String::from_utf8_lossy(&text));
                Err(CloseReason::ClientClosed)
            }
            Op::RouteSub(arg) => self.remote_sub(&arg, false),
            Op::LeafSub(arg) => self.remote_sub(&arg, true),
            Op::RouteUnsub(arg) => self.remote_unsub(&arg, false),
            Op::LeafUnsub(arg) => self.remote_unsub(&arg, true),
            Op::Routed { origin, args, header_len, payload } => self.routed_msg(origin, &args, header_len, payload),
            Op::Pub { .. } | Op::Sub { .. } | Op::Unsub { .. } => Err(CloseReason::ProtocolViolation),
        }
    }

    fn trace_op(&self, op: &Op) {
        let q = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
        let line = match op {
            Op::Connect(a) => format!("CONNECT {}", q(a)),
            Op::Info(a) => format!("INFO {}", q(a)),
            Op::RouteSub(a) => format!("RS+ {}", q(a)),
            Op::RouteUnsub(a) => format!("RS- {}", q(a)),
            Op::LeafSub(a) => format!("LS+ {}", q(a)),
            Op::LeafUnsub(a) => format!("LS- {}", q(a)),
            Op::Routed { args, payload, .. } => format!("RMSG {}{}", q(args), payload.len()),
            Op::Ping => "PING".into(),
            Op::Pong => "PONG".into(),
            _ => return,
        };
        self.conn.trace(format_args!("<<- [{line}]"));
    }

    /// Go's `processRouteConnect`: the dialler says who it is.
    fn process_connect(&mut self, arg: &[u8]) -> Result<(), CloseReason> {
        let Ok(c) = serde_json::from_slice::<RouteConnect>(arg) else {
            return Err(CloseReason::ProtocolViolation);
        };
        if !c.lang.is_empty() {
            self.send_err("Attempted To Connect To Route Port");
            return Err(CloseReason::WrongPort);
        }
        if !c.gateway.is_empty() {
            let text = format!("Rejecting connection from gateway {:?} on the Route port", c.gateway);
            crate::error!("{} - {text}", self.prefix());
            self.send_err(&text);
            return Err(CloseReason::WrongGateway);
        }
        let opts = &self.srv.opts.cluster;
        if let Some(user) = &opts.username {
            let ok = c.user.as_deref() == Some(user.as_str())
                && crate::auth::compare_password(
                    opts.password.as_deref().unwrap_or(""),
                    c.pass.as_deref().unwrap_or(""),
                );
            if !ok {
                crate::error!("{} - authentication error", self.prefix());
                self.send_err("Authorization Violation");
                return Err(CloseReason::AuthViolation);
            }
        }
        self.check_cluster_name(&c.cluster, c.cluster_dynamic, true)?;
        self.remote_id = Some(c.name);
        self.conn.headers.store(c.headers && !self.srv.opts.no_header_support, Ordering::Relaxed);
        Ok(())
    }

    /// Cluster names must match, unless ours is made up and theirs wins
    /// (static, or greater); then we take theirs.
    fn check_cluster_name(&self, theirs: &str, their_dynamic: bool, send_err: bool) -> Result<(), CloseReason> {
        let ours = self.srv.cluster_name();
        if theirs.is_empty() || theirs == ours {
            return Ok(());
        }
        if self.srv.opts.cluster.name.is_none() && (!their_dynamic || ours.as_str() < theirs) {
            *lock(&self.srv.cluster_name) = theirs.to_string();
            return Ok(());
        }
        let text = format!("Rejecting connection, cluster name {theirs:?} does not match {ours:?}");
        crate::error!("{} - {text}", self.prefix());
        if send_err {
            self.send_err(&text);
        }
        Err(CloseReason::ClusterNameConflict)
    }

    fn send_err(&self, text: &str) {
        self.conn.queue_out(&[b"-ERR '", text.as_bytes(), b"'\r\n"]);
    }

    /// Go's `processInfo`.
    fn process_info(&mut self, arg: &[u8]) -> Result<(), CloseReason> {
        let Ok(mut info) = serde_json::from_slice::<Info>(arg) else {
            return Err(CloseReason::ProtocolViolation);
        };
        if info.server_id == self.srv.id {
            // A route to ourselves: never dial it again.
            self.remote_id = Some(info.server_id);
            self.stop = true;
            return Err(CloseReason::DuplicateRoute);
        }
        self.check_cluster_name(&info.cluster, info.cluster_dynamic, false)?;
        if self.registered {
            let remote = self.remote_id.clone().unwrap_or_default();
            if info.server_id != remote {
                self.implicit_route(info);
            } else if info.ldm {
                if let Some(r) = lock(&self.srv.routes).get_mut(&remote) {
                    r.connect_urls.clear();
                }
                self.srv.send_async_info_to_clients();
            } else if let Some(r) = lock(&self.srv.routes).get_mut(&remote) {
                r.connect_urls = info.connect_urls;
            }
            return Ok(());
        }
        let did_solicit = self.dial.is_some();
        if !did_solicit && info.server_name == self.srv.name {
            crate::error!("{} - Remote server has a duplicate name: {:?}", self.prefix(), info.server_name);
            return Err(CloseReason::DuplicateServerName);
        }
        self.conn.headers.store(info.headers && !self.srv.opts.no_header_support, Ordering::Relaxed);
        if info.ip.is_empty() {
            info.ip = format!("nats-route://{}/", super::join_host_port(&self.conn.addr.ip().to_string(), info.port));
        }
        self.remote_id = Some(info.server_id.clone());
        lock(&self.conn.meta).name = info.server_name.clone();
        self.register(info, did_solicit)
    }

    /// Go's `addRoute`: places the connection in the remote's pool slot or
    /// as its pinned route for an account, or closes it as a duplicate.
    fn register(&mut self, info: Info, did_solicit: bool) -> Result<(), CloseReason> {
        let srv = Arc::clone(&self.srv);
        let explicit = self.dial.as_ref().is_some_and(|d| d.explicit);
        let ours = srv.route_pool_size();
        let pool = info.route_pool_size > 0 && ours > 0;
        let account_name = match &self.dial {
            Some(d) => d.account.clone(),
            None => Some(info.route_account.clone()).filter(|a| !a.is_empty()),
        };
        if let Some(a) = &account_name {
            if !pool {
                self.stop = true;
                return self.refuse(&format!(
                    "Not possible to have a dedicated route for account {a:?} between those servers"
                ));
            }
            if !srv.pinned_accounts().contains(a) {
                return self.refuse(&format!("No route for account {a:?}"));
            }
            match srv.accounts.get(a) {
                Some(acc) => self.account = Some(acc),
                None => return self.refuse(&format!("Unable to lookup account {a:?}: account not found")),
            }
            self.conn.route_pinned.store(true, Ordering::Relaxed);
        } else if pool && did_solicit && info.route_pool_idx != 0 {
            return self.refuse(&format!("Route pool index should not be set but is set to {}", info.route_pool_idx));
        }
        let effective = if pool { ours.max(usize::try_from(info.route_pool_size).unwrap_or(0)) } else { 1 };
        if pool && !did_solicit && account_name.is_none() && !(0..effective as i64).contains(&info.route_pool_idx) {
            return self.refuse(&format!(
                "Invalid route pool index: {} - pool size is {}",
                info.route_pool_idx, info.route_pool_size
            ));
        }
        let entry = RouteEntry {
            conn: Arc::clone(&self.conn),
            did_solicit,
            is_configured: explicit,
            account: account_name.clone(),
            num_subs: Arc::clone(&self.num_subs),
            redial: None,
        };
        let (first, others, idx, new_urls) = {
            let mut routes = lock(&srv.routes);
            if let Some(meta) = srv.jetstream.as_ref().and_then(|js| js.meta()) {
                meta.server_up(&info.server_name);
            }
            if !routes.contains_key(&info.server_id) {
                srv.announce.notify_one();
            }
            let remote = routes.entry(info.server_id.clone()).or_insert_with(|| RemoteServer {
                id: info.server_id.clone(),
                name: info.server_name.clone(),
                connect_urls: Vec::new(),
                no_pool: !pool,
                pool: Vec::new(),
                pinned: Default::default(),
            });
            let had_pool = remote.pool.iter().any(Option::is_some);
            let idx = if let Some(a) = &account_name {
                if remote.pinned.contains_key(a) {
                    self.stop = did_solicit;
                    return Err(self.duplicate(&info.server_id));
                }
                remote.pinned.insert(a.clone(), entry);
                0
            } else {
                if remote.pool.len() < effective {
                    remote.pool.resize_with(effective, || None);
                }
                remote.no_pool = !pool;
                let idx = if !pool {
                    0
                } else if did_solicit {
                    match remote.pool.iter().position(Option::is_none) {
                        Some(i) => i,
                        None => {
                            crate::debug!(
                                "{} - Route pool size reached, closing extra connection to {:?}",
                                self.prefix(),
                                info.server_id
                            );
                            self.stop = true;
                            return Err(CloseReason::DuplicateRoute);
                        }
                    }
                } else {
                    info.route_pool_idx as usize
                };
                if remote.pool[idx].is_some() {
                    self.stop = did_solicit && pool;
                    return Err(self.duplicate(&info.server_id));
                }
                remote.pool[idx] = Some(entry);
                idx
            };
            // The remote's client URLs come with its first connection,
            // pooled or pinned, whichever registers first.
            let new_urls = remote.connect_urls.is_empty() && !info.connect_urls.is_empty();
            if new_urls {
                remote.connect_urls = info.connect_urls.clone();
            }
            // Who hears of this server: for a pooled route, every other
            // server once (on its first connection); for a pinned one, the
            // other servers with pooling, on their route for the account
            // when they have one, and only once two servers have one.
            let first = match &account_name {
                None => !had_pool,
                Some(a) => routes.values().filter(|r| r.pinned.contains_key(a)).count() > 1,
            };
            let others: Vec<(Arc<Connection>, bool)> = routes
                .values()
                .filter(|r| r.id != info.server_id)
                .filter(|r| account_name.is_none() || !r.no_pool)
                .filter_map(|r| {
                    let pinned = account_name.as_ref().and_then(|a| r.pinned.get(a));
                    pinned.or_else(|| r.pool.iter().flatten().next()).map(|e| (Arc::clone(&e.conn), e.is_configured))
                })
                .collect();
            (first, others, idx, new_urls)
        };
        self.registered = true;
        srv.had_routes.store(true, Ordering::Relaxed);
        crate::debug!("{} - Registering remote route {:?}", self.prefix(), info.server_id);
        if self.info_owed {
            self.info_owed = false;
            let mut ours = our_info(&srv);
            ours.route_pool_idx = i64::try_from(idx).unwrap_or(0);
            ours.gossip_mode = self.dial.as_ref().map_or(GOSSIP_DEFAULT, |d| d.gossip_mode);
            self.conn.queue_out(&[&info_line(&ours)]);
        }
        if first {
            let local_gossip = self.dial.as_ref().map_or(GOSSIP_DEFAULT, |d| d.gossip_mode);
            let mut info = info.clone();
            info.route_account = account_name.clone().unwrap_or_default();
            forward_new_route_info(&info, &others, did_solicit, explicit, local_gossip);
        }
        let carries = match (&account_name, pool) {
            (Some(a), _) => Carries::Pinned(a),
            (None, false) => Carries::All,
            (None, true) => Carries::Pool { idx, size: effective },
        };
        let interest = super::all_interest(&srv, carries);
        if !interest.is_empty() {
            self.conn.queue_out(&[&interest]);
        }
        self.conn.queue_out(&[b"PING\r\n"]);
        if pool && did_solicit && account_name.is_none() {
            let taken = lock(&srv.routes).get(&info.server_id).map_or(effective, |r| r.pool.iter().flatten().count());
            if taken < effective {
                self.next_dial = self.dial.clone();
            }
        }
        if new_urls && !srv.opts.cluster.no_advertise {
            srv.send_async_info_to_clients();
        }
        Ok(())
    }

    /// Sends Go's error for a route it refuses, and closes.
    fn refuse(&self, text: &str) -> Result<(), CloseReason> {
        crate::error!("{} - {text}", self.prefix());
        self.send_err(text);
        Err(CloseReason::ProtocolViolation)
    }

    fn duplicate(&self, id: &str) -> CloseReason {
        crate::debug!("{} - Detected duplicate remote route {id:?}", self.prefix());
        CloseReason::DuplicateRoute
    }

    /// Go's `processImplicitRoute`: a peer told us of a server; dial it
    /// unless we already have a route to it or the config lists it.
    fn implicit_route(&self, info: Info) {
        if info.server_id == self.srv.id {
            return;
        }
        let account = Some(info.route_account.clone()).filter(|a| !a.is_empty());
        {
            let routes = lock(&self.srv.routes);
            let known = routes.get(&info.server_id);
            match &account {
                Some(a) => {
                    if self.srv.route_pool_size() == 0 || known.is_some_and(|r| r.pinned.contains_key(a)) {
                        return;
                    }
                }
                None => {
                    if known.is_some_and(|r| r.pool.iter().any(Option::is_some)) {
                        return;
                    }
                }
            }
        }
        let Some(mut url) = RouteUrl::parse(&info.ip) else {
            crate::error!("Error parsing URL from INFO: {:?}", info.ip);
            return;
        };
        let configured = self.srv.opts.cluster.routes.iter().filter_map(|r| RouteUrl::parse(r)).any(|r| {
            (r.host.eq_ignore_ascii_case(&info.host) || r.host.eq_ignore_ascii_case(&url.host)) && r.port == info.port
        });
        if configured {
            return;
        }
        if info.auth_required {
            url.user = self.srv.opts.cluster.username.clone();
            url.pass = self.srv.opts.cluster.password.clone();
        }
        let dial = Dial { url, explicit: false, gossip_mode: info.gossip_mode, account: account.clone() };
        // Told over a route without pooling, which cannot pass on pinned
        // routes: dial those too.
        let told_by_pool_less = self.account.is_none() && self.no_pool();
        if account.is_none() && told_by_pool_less {
            for a in self.srv.pinned_accounts() {
                tokio::spawn(super::solicit(Arc::clone(&self.srv), dial.for_account(Some(a.clone()))));
            }
        }
        tokio::spawn(super::solicit(Arc::clone(&self.srv), dial));
    }

    /// Whether this route's server speaks no pooling.
    fn no_pool(&self) -> bool {
        let id = self.remote_id.as_deref().unwrap_or("");
        lock(&self.srv.routes).get(id).is_none_or(|r| r.no_pool)
    }

    /// A route line's arguments, with the account put in where a pinned
    /// route leaves it out (after the origin of a leaf line).
    fn route_args(&self, arg: &Bytes, origin: bool) -> Vec<Bytes> {
        let mut args = split_args(arg);
        if let Some(acc) = &self.account {
            args.insert(usize::from(origin).min(args.len()), Bytes::copy_from_slice(acc.name.as_bytes()));
        }
        args
    }

    /// Go's `processRemoteSub`: `[<origin>] <acc> <subject> [<queue> <weight>]`.
    fn remote_sub(&mut self, arg: &Bytes, leaf: bool) -> Result<(), CloseReason> {
        let args = self.route_args(arg, leaf);
        let skip = usize::from(leaf);
        let (acc, subject, queue, weight) = match args.len().checked_sub(skip) {
            Some(2) => (&args[skip], &args[skip + 1], None, 1),
            Some(4) => (&args[skip], &args[skip + 1], Some(&args[skip + 2]), parse_size(&args[skip + 3]).max(1)),
            _ => {
                crate::error!("{} - processRemoteSub Parse Error: '{}'", self.prefix(), String::from_utf8_lossy(arg));
                return Err(CloseReason::ProtocolViolation);
            }
        };
        let (Ok(acc_name), Ok(subj)) = (std::str::from_utf8(acc), std::str::from_utf8(subject)) else {
            return Err(CloseReason::ProtocolViolation);
        };
        let queue = match queue.map(|q| std::str::from_utf8(q)) {
            Some(Ok(q)) => Some(q),
            Some(Err(_)) => return Err(CloseReason::ProtocolViolation),
            None => None,
        };
        if self.srv.route_permissions.as_ref().is_some_and(|p| !p.allows_subscribe(subj, None)) {
            crate::debug!("{} - Can not export {subj:?}, ignoring remote subscription request", self.prefix());
            return Ok(());
        }
        let key = sub_key(acc, subject, queue.map(str::as_bytes));
        if let Some(existing) = self.subs.get(&key) {
            existing.sub.qw.store(i32::try_from(weight).unwrap_or(i32::MAX), Ordering::Relaxed);
            return Ok(());
        }
        let Some(account) = self.srv.accounts.get(acc_name) else {
            crate::error!("{} - Unknown account {acc_name:?} for remote subject {subj:?}", self.prefix());
            return Ok(());
        };
        let sub = Subscription::new(&self.conn, subj, queue, key.clone());
        sub.qw.store(i32::try_from(weight).unwrap_or(i32::MAX), Ordering::Relaxed);
        if account.sublist.insert(subj, queue, sub.key, Arc::clone(&sub)).is_err() {
            crate::error!("{} - Could not insert subscription: invalid subject {subj:?}", self.prefix());
            return Ok(());
        }
        self.subs.insert(key, RemoteSub { account, sub });
        self.num_subs.store(self.subs.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Go's `processRemoteUnsub`: `[<origin>] <acc> <subject> [<queue>]`.
    fn remote_unsub(&mut self, arg: &Bytes, leaf: bool) -> Result<(), CloseReason> {
        let args = self.route_args(arg, leaf);
        // A leaf unsubscribe carries the origin only when we asked (`lnocu`):
        // we always do.
        let skip = usize::from(leaf);
        let (acc, subject, queue) = match args.len().checked_sub(skip) {
            Some(2) => (&args[skip], &args[skip + 1], None),
            Some(3) => (&args[skip], &args[skip + 1], Some(args[skip + 2].as_ref())),
            _ => {
                crate::error!("{} - processRemoteUnsub Parse Error: '{}'", self.prefix(), String::from_utf8_lossy(arg));
                return Err(CloseReason::ProtocolViolation);
            }
        };
        if let Some(rs) = self.subs.remove(&sub_key(acc, subject, queue)) {
            rs.account.sublist.remove(&rs.sub.subject, rs.sub.queue.as_deref(), rs.sub.key);
            self.num_subs.store(self.subs.len(), Ordering::Relaxed);
        }
        Ok(())
    }

    /// Go's `processRoutedMsgArgs` and `processInboundRoutedMsg`:
    /// `[<origin>] <acc> <subject> [<reply>|+ <reply> <queues>|| <queues>]`.
    fn routed_msg(
        &mut self,
        origin: bool,
        arg: &Bytes,
        header_len: Option<usize>,
        payload: Bytes,
    ) -> Result<(), CloseReason> {
        let args = self.route_args(arg, origin);
        let skip = usize::from(origin);
        if args.len() < skip + 2 {
            crate::error!("{} - processRoutedMsgArgs Parse Error: '{}'", self.prefix(), String::from_utf8_lossy(arg));
            return Err(CloseReason::ProtocolViolation);
        }
        let (acc, subject) = (&args[skip], args[skip + 1].clone());
        let rest = &args[skip + 2..];
        let (mut reply, queues): (Option<Bytes>, &[Bytes]) = match rest {
            [] => (None, &[]),
            [r] => (Some(r.clone()), &[]),
            [m, r, qs @ ..] if m.as_ref() == b"+" => (Some(r.clone()), qs),
            [m, qs @ ..] if m.as_ref() == b"|" => (None, qs),
            _ => {
                crate::error!(
                    "{} - processRoutedMsgArgs Bad or Missing Reply Indicator: '{}'",
                    self.prefix(),
                    String::from_utf8_lossy(arg)
                );
                return Err(CloseReason::ProtocolViolation);
            }
        };
        self.conn.in_msgs.fetch_add(1, Ordering::Relaxed);
        self.conn.in_bytes.fetch_add(payload.len() as u64, Ordering::Relaxed);
        self.srv.stats.in_msgs.fetch_add(1, Ordering::Relaxed);
        self.srv.stats.in_bytes.fetch_add(payload.len() as u64, Ordering::Relaxed);
        let Some(account) = std::str::from_utf8(acc).ok().and_then(|a| self.srv.accounts.get(a)) else {
            crate::debug!(
                "{} - Unknown account {:?} for routed message on subject {:?}",
                self.prefix(),
                String::from_utf8_lossy(acc),
                String::from_utf8_lossy(&subject)
            );
            return Ok(());
        };
        // A consumer's delivery carries the subject to show after `@`.
        let mut shown = None;
        if let Some(r) = &reply {
            if let Some(i) = crate::subject::js_ack_deliver_idx(r) {
                shown = Some(r.slice(i + 1..));
                reply = Some(r.slice(..i));
            }
        }
        let msg = Msg { subject, shown, reply, header_len, data: payload };
        self.publisher.queue_filter.clear();
        self.publisher.queue_filter.extend(queues.iter().cloned());
        fan_out(&account.name, &account.sublist, &msg, &mut self.publisher);
        let (msgs, bytes) = self.publisher.take_counts();
        account.out_msgs.fetch_add(msgs, Ordering::Relaxed);
        account.out_bytes.fetch_add(bytes, Ordering::Relaxed);
        account.in_msgs.fetch_add(1, Ordering::Relaxed);
        account.in_bytes.fetch_add(msg.data.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// A dialled route that closed while another connection fills the same
    /// place (the one route of a server without pooling, or the pinned
    /// route of our account): that one now carries our URL, and is dialled
    /// again when it closes (Go's `reconnect`, "already connected").
    fn lost_to_existing(&self) -> bool {
        let (Some(dial), Some(id)) = (&self.dial, &self.remote_id) else { return false };
        let mut routes = lock(&self.srv.routes);
        let Some(remote) = routes.get_mut(id) else { return false };
        let existing = match &dial.account {
            Some(a) => remote.pinned.get_mut(a),
            None if remote.no_pool => remote.pool.first_mut().and_then(Option::as_mut),
            None => None,
        };
        let Some(existing) = existing else { return false };
        if existing.conn.cid == self.conn.cid {
            return false;
        }
        existing.did_solicit = true;
        existing.is_configured |= dial.explicit;
        if existing.redial.is_none() {
            existing.redial = Some((dial.url.to_string(), dial.explicit));
        }
        true
    }

    /// Go's `removeRoute`: drop the remote's interest, and forget the
    /// connection; a server with no pooled connection left takes its client
    /// URLs with it.
    fn cleanup(&mut self, reason: CloseReason) {
        for (_, rs) in self.subs.drain() {
            rs.account.sublist.remove(&rs.sub.subject, rs.sub.queue.as_deref(), rs.sub.key);
        }
        self.num_subs.store(0, Ordering::Relaxed);
        let mut had_urls = false;
        let mut redial = None;
        let mut gone = None;
        if let (true, Some(id)) = (self.registered, &self.remote_id) {
            let mut routes = lock(&self.srv.routes);
            if let Some(remote) = routes.get_mut(id) {
                let cid = self.conn.cid;
                let mut removed = None;
                for slot in remote.pool.iter_mut() {
                    if slot.as_ref().is_some_and(|e| e.conn.cid == cid) {
                        removed = slot.take();
                    }
                }
                if removed.is_none() {
                    let key = remote.pinned.iter().find(|(_, e)| e.conn.cid == cid).map(|(k, _)| k.clone());
                    removed = key.and_then(|k| remote.pinned.remove(&k));
                }
                if let Some(entry) = removed {
                    redial = entry.redial.zip(Some(entry.account));
                }
                if remote.pool.iter().all(Option::is_none) && !remote.connect_urls.is_empty() {
                    had_urls = true;
                    remote.connect_urls.clear();
                }
                if remote.is_empty() {
                    gone = Some(remote.name.clone());
                    routes.remove(id);
                }
            }
        }
        // Its server is gone: a RAFT group it led campaigns soon.
        if let (Some(name), Some(js)) = (gone, self.srv.jetstream.as_ref()) {
            js.server_gone(&name);
        }
        // An accepted route that took over from our own dial.
        if let (None, Some(((url, explicit), account))) = (&self.dial, redial) {
            if let Some(url) = RouteUrl::parse(&url) {
                if !self.srv.is_shutting_down() {
                    let dial = Dial { url, explicit, gossip_mode: GOSSIP_DEFAULT, account };
                    tokio::spawn(super::solicit(Arc::clone(&self.srv), dial));
                }
            }
        }
        let name = lock(&self.conn.meta).name.clone();
        if name.is_empty() {
            crate::info!("{} - Router connection closed: {}", self.prefix(), reason.as_str());
        } else {
            crate::info!("{} - Router connection closed: {} - Remote: {name}", self.prefix(), reason.as_str());
        }
        if had_urls && !self.srv.opts.cluster.no_advertise {
            self.srv.send_async_info_to_clients();
        }
    }
}

/// Go's routed-subscription key: `<acc> <subject>[ <queue>]`.
fn sub_key(acc: &[u8], subject: &[u8], queue: Option<&[u8]>) -> Bytes {
    let mut k = Vec::with_capacity(acc.len() + subject.len() + 2 + queue.map_or(0, <[u8]>::len));
    k.extend_from_slice(acc);
    k.push(b' ');
    k.extend_from_slice(subject);
    if let Some(q) = queue {
        k.push(b' ');
        k.extend_from_slice(q);
    }
    Bytes::from(k)
}

/// Go's `forwardNewInfoToKnownServers`: tells every other route about
/// the server just registered, with the gossip mode that says whether the
/// receiver should pass it on.
fn forward_new_route_info(
    info: &Info,
    others: &[(Arc<Connection>, bool)],
    did_solicit: bool,
    explicit: bool,
    local_gossip: u8,
) {
    let from_gossip = did_solicit && !explicit;
    if (from_gossip && local_gossip != GOSSIP_OVERRIDE) || info.gossip_mode == GOSSIP_DISABLED || others.is_empty() {
        return;
    }
    let mut info = info.clone();
    info.nonce.clear();
    for (conn, other_explicit) in others {
        info.gossip_mode = if (!did_solicit && *other_explicit) || (did_solicit && explicit) {
            GOSSIP_OVERRIDE
        } else if !did_solicit {
            GOSSIP_DISABLED
        } else {
            GOSSIP_DEFAULT
        };
        conn.queue_out(&[&info_line(&info)]);
    }
}
