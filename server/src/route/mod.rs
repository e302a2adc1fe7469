//! Routes: the connections that join servers into a cluster (Go's
//! `server/route.go`). Each pair of servers keeps one route; a message
//! published on one server reaches subscribers on another through it, at
//! most once per server, and a queue group spans the cluster.
//!
//! What this module does, and where:
//! - [`start`]: binds the route listener, accepts routes and dials the
//!   configured ones (explicit routes, retried every second forever).
//! - [`link`]: one route connection: the handshake (`INFO`/`CONNECT`, with
//!   Go's checks for a route to self, the cluster name and a duplicate server
//!   name), then `RS+`/`RS-`, `RMSG`/`HMSG` and keepalive.
//! - Interest: every account's sublist tells [`local_interest_changed`] when
//!   local interest changes (clients and the server's internal subscribers,
//!   never routes). Plain subjects go out as `RS+` on 0→1 and `RS-` on 1→0;
//!   a queue group goes out on every change with its member count as weight
//!   (Go's `updateRouteSubscriptionMap`). A new route first gets everything
//!   (Go's `sendSubsToRoute`).
//! - Gossip: when a route to a new server registers, its INFO (with its route
//!   URL as `ip`) goes to every other route, and a server told of a peer it
//!   has no route to dials it as an implicit route (Go's
//!   `forwardNewRouteInfoToKnownServers` and `processImplicitRoute`, with the
//!   same gossip modes).
//! - Client URLs of peers are merged into client INFO `connect_urls`, and
//!   clients that take async INFO hear when they change.
//!
//! Pooling and pinned accounts, as Go 2.10+ has them: each pair of servers
//! keeps `pool_size` connections (default 3) for ordinary accounts, an
//! account travelling on connection `fnv32a(account) % pool_size`, plus one
//! connection per pinned account (the `cluster { accounts }` and, with
//! pooling, the system account), whose lines leave the account out. A
//! server without pooling (`pool_size: -1`, or an older one) gets one
//! connection carrying every account, and no pinned routes. Compression is
//! offered as `off`, which any Go peer accepts.
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::net::TcpListener;

use crate::account::Account;
use crate::connection::{lock, Kind, Subscription};
use crate::server::Server;

mod link;

/// Go's `DEFAULT_ROUTE_CONNECT`: the pause between attempts to dial a route.
const ROUTE_CONNECT: Duration = Duration::from_secs(1);

/// Go's gossip modes (`gossipDefault`, `gossipDisabled`, `gossipOverride`).
const GOSSIP_DEFAULT: u8 = 0;
const GOSSIP_DISABLED: u8 = 1;
const GOSSIP_OVERRIDE: u8 = 2;

/// A route URL (`nats-route://[user:pass@]host:port`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RouteUrl {
    host: String,
    port: u16,
    user: Option<String>,
    pass: Option<String>,
}

impl RouteUrl {
    /// Parses `scheme://[user[:pass]@]host:port[/]`; IPv6 hosts in brackets.
    pub(crate) fn parse(text: &str) -> Option<RouteUrl> {
        let rest = text.split_once("://").map_or(text, |(_, r)| r);
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = hostport.rsplit_once(':')?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return None;
        }
        let port = port.parse().ok()?;
        let (user, pass) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((a, b)) => (Some(a.to_string()), Some(b.to_string())),
                None => (Some(u.to_string()), None),
            },
            None => (None, None),
        };
        Some(RouteUrl { host: host.to_string(), port, user, pass })
    }

    fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for RouteUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nats-route://{}", self.host_port())
    }
}

/// Why and how a route is dialled.
#[derive(Clone, Debug)]
pub(crate) struct Dial {
    url: RouteUrl,
    /// Listed in the config (retried forever) rather than learnt by gossip.
    explicit: bool,
    /// The gossip mode of the INFO that told us of this server.
    gossip_mode: u8,
    /// The account this connection is pinned to, if any.
    account: Option<String>,
}

impl Dial {
    /// The same server, dialled for `account` (or for the pool).
    fn for_account(&self, account: Option<String>) -> Dial {
        Dial { account, ..self.clone() }
    }
}

/// Binds the route listener, then accepts and dials routes in the background.
pub(crate) async fn start(srv: &Arc<Server>) -> Result<(), String> {
    let opts = &srv.opts.cluster;
    {
        let mut name = lock(&srv.cluster_name);
        if name.is_empty() {
            *name = crate::nuid::next();
        }
        info!("Cluster name is {name}");
    }
    if opts.name.is_none() {
        warn!("Cluster name was dynamically generated, consider setting one");
    }
    let port = if opts.port < 0 { 0 } else { opts.port };
    let host = if opts.host.is_empty() { "0.0.0.0" } else { opts.host.as_str() };
    let addr = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("Error listening on router port: {} - listen tcp {addr}: {e}", opts.port))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    *lock(&srv.route_addr) = Some(local);
    info!("Listening for route connections on {}", crate::route::join_host_port(host, local.port()));

    for acc in srv.accounts.list() {
        watch_interest(srv, &acc);
    }
    let weak = Arc::downgrade(srv);
    srv.accounts.set_new_account_hook(Arc::new(move |acc: &Arc<Account>| {
        if let Some(srv) = weak.upgrade() {
            watch_interest(&srv, acc);
        }
    }));

    tokio::spawn(accept_loop(Arc::clone(srv), listener));
    for text in &opts.routes {
        match RouteUrl::parse(text) {
            Some(url) => {
                if is_self(srv, &url, local) {
                    debug!("Detected route to self, ignoring {url}");
                    continue;
                }
                spawn_dials(srv, Dial { url, explicit: true, gossip_mode: GOSSIP_DEFAULT, account: None });
            }
            None => error!("Error parsing route URL {text:?}"),
        }
    }
    Ok(())
}

/// Lame duck mode: the other servers stop offering our client URL.
pub(crate) fn announce_lame_duck(srv: &Server) {
    link::send_lame_duck(srv);
}

/// `host:port`, with IPv6 hosts in brackets (Go's `net.JoinHostPort`).
pub(crate) fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Whether `url` is our own route listener (Go's `routesToSelf` check).
fn is_self(srv: &Server, url: &RouteUrl, local: SocketAddr) -> bool {
    if url.port != local.port() {
        return false;
    }
    let host = srv.opts.cluster.host.as_str();
    url.host == host
        || (matches!(host, "" | "0.0.0.0" | "::") && matches!(url.host.as_str(), "127.0.0.1" | "localhost" | "::1"))
}

/// Dials a server for the pool and for each pinned account (Go's
/// `solicitRoutes`).
fn spawn_dials(srv: &Arc<Server>, dial: Dial) {
    debug_assert!(dial.account.is_none());
    for acc in srv.pinned_accounts() {
        tokio::spawn(solicit(Arc::clone(srv), dial.for_account(Some(acc.clone()))));
    }
    tokio::spawn(solicit(Arc::clone(srv), dial));
}

async fn accept_loop(srv: Arc<Server>, listener: TcpListener) {
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => {
                    if !srv.is_shutting_down() {
                        tokio::spawn(link::run(Arc::clone(&srv), stream, None));
                    }
                }
                Err(e) => {
                    error!("Temporary Route Accept Error({e}), sleeping 10ms");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = srv.shutdown.notified() => return,
        }
    }
}

/// Dials `dial.url` and runs the route; an explicit route is dialled again
/// whenever it fails or closes, an implicit one `connect_retries` more times.
async fn solicit(srv: Arc<Server>, dial: Dial) {
    let mut attempts = 0;
    loop {
        if srv.is_shutting_down() {
            return;
        }
        attempts += 1;
        match tokio::net::TcpStream::connect(dial.url.host_port()).await {
            Ok(stream) => {
                attempts = 0;
                match link::run(Arc::clone(&srv), stream, Some(dial.clone())).await {
                    link::Ended::Retry => {}
                    link::Ended::Stop => return,
                }
                if !dial.explicit {
                    return;
                }
            }
            Err(e) => {
                let why = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
                    _ => e.to_string(),
                };
                error!(
                    "Error trying to connect to route (attempt {attempts}): dial tcp {}: {why}",
                    dial.url.host_port()
                );
                let retries = i64::from(srv.opts.cluster.connect_retries.max(0));
                if !dial.explicit && attempts > retries {
                    return;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(ROUTE_CONNECT) => {}
            _ = srv.shutdown.notified() => return,
        }
    }
}

/// Makes routes hear of local interest changes in `acc`, counting the
/// subscriptions it already has.
fn watch_interest(srv: &Arc<Server>, acc: &Arc<Account>) {
    {
        let mut rm = lock(&acc.route_interest);
        rm.clear();
        for sub in acc.sublist.all() {
            if !matches!(sub.conn.kind, Kind::Router | Kind::Gateway) && !sub.local_only {
                *rm.entry((sub.subject.clone(), sub.queue.clone())).or_insert(0) += 1;
            }
        }
    }
    let (srv, weak_acc): (Weak<Server>, Weak<Account>) = (Arc::downgrade(srv), Arc::downgrade(acc));
    acc.sublist.set_interest_hook(Some(Arc::new(move |sub: &Subscription, delta: i32| {
        // Service import subscriptions stay local (Go's `noForward`).
        if matches!(sub.conn.kind, Kind::Router | Kind::Gateway) || sub.local_only {
            return;
        }
        if let (Some(srv), Some(acc)) = (srv.upgrade(), weak_acc.upgrade()) {
            local_interest_changed(&srv, &acc, sub, delta);
        }
    })));
}

/// Counts a local subscription coming or going and tells every route when
/// that changes what it should know (Go's `updateRouteSubscriptionMap`).
/// Sent under the account's interest lock, so routes see changes in order.
fn local_interest_changed(srv: &Server, acc: &Account, sub: &Subscription, delta: i32) {
    let key = (sub.subject.clone(), sub.queue.clone());
    let mut rm = lock(&acc.route_interest);
    let old = rm.get(&key).copied().unwrap_or(0);
    let n = (old + delta).max(0);
    if n == 0 {
        rm.remove(&key);
    } else {
        rm.insert(key, n);
    }
    let update = if sub.queue.is_some() { n != old } else { (old == 0) != (n == 0) };
    if !update || !can_import(srv, &sub.subject) {
        return;
    }
    let pool_size = srv.route_pool_size();
    let pinned_here = srv.pinned_accounts().contains(&acc.name);
    let mut line = Vec::new();
    let routes = lock(&srv.routes);
    for remote in routes.values() {
        // A pinned account's interest goes on its own route, or on the one
        // route of a server without pooling; never on a pooled one.
        let target = if remote.no_pool {
            remote.conn_for(&acc.name, pool_size)
        } else if pinned_here {
            remote.pinned.get(&acc.name).map(|e| (&e.conn, true))
        } else {
            remote.conn_for(&acc.name, pool_size).filter(|(_, pinned)| !pinned)
        };
        let Some((conn, pinned)) = target else { continue };
        line.clear();
        interest_line(&mut line, (!pinned).then_some(acc.name.as_str()), &sub.subject, sub.queue.as_deref(), n);
        if crate::log::trace_enabled() {
            conn.trace(format_args!("->> [{}]", String::from_utf8_lossy(&line[..line.len() - 2])));
        }
        conn.queue_out(&[&line]);
    }
}

/// Whether routes may bring us messages on `subject` (`import`): only then
/// is our interest in it sent (Go's `importFilter`).
fn can_import(srv: &Server, subject: &str) -> bool {
    srv.route_permissions.as_ref().is_none_or(|p| p.allows_publish(subject))
}

/// `RS+ [<acc>] <subject> [<queue> <weight>]` while `n > 0`, else `RS- ...`;
/// the account is left out on a pinned route.
fn interest_line(out: &mut Vec<u8>, acc: Option<&str>, subject: &str, queue: Option<&str>, n: i32) {
    out.extend_from_slice(if n > 0 { b"RS+ " } else { b"RS- " });
    if let Some(acc) = acc {
        out.extend_from_slice(acc.as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(subject.as_bytes());
    if let Some(q) = queue {
        out.push(b' ');
        out.extend_from_slice(q.as_bytes());
        if n > 0 {
            out.push(b' ');
            out.extend_from_slice(n.to_string().as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Which accounts' interest a new route connection first hears (Go's
/// `sendSubsToRoute`).
#[derive(Clone, Copy)]
enum Carries<'a> {
    /// A server without pooling: every account.
    All,
    /// A pooled connection: the unpinned accounts of this pool index.
    Pool { idx: usize, size: usize },
    /// A pinned route: this account alone, named nowhere.
    Pinned(&'a str),
}

fn all_interest(srv: &Server, carries: Carries<'_>) -> Vec<u8> {
    let pinned = srv.pinned_accounts();
    let mut out = Vec::new();
    for acc in srv.accounts.list() {
        let (wanted, named) = match carries {
            Carries::All => (true, true),
            Carries::Pool { idx, size } => {
                (!pinned.contains(&acc.name) && crate::server::pool_index(size, &acc.name) == idx, true)
            }
            Carries::Pinned(a) => (a == acc.name, false),
        };
        if !wanted {
            continue;
        }
        let rm = lock(&acc.route_interest);
        for ((subject, queue), &n) in rm.iter() {
            if !can_import(srv, subject) {
                continue;
            }
            interest_line(&mut out, named.then_some(acc.name.as_str()), subject, queue.as_deref(), n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_urls() {
        let u = RouteUrl::parse("nats-route://ruser:top@127.0.0.1:6222/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.user.as_deref(), u.pass.as_deref()),
            ("127.0.0.1", 6222, Some("ruser"), Some("top"))
        );
        assert_eq!(u.to_string(), "nats-route://127.0.0.1:6222");
        let u = RouteUrl::parse("nats://[::1]:7").unwrap();
        assert_eq!((u.host.as_str(), u.host_port()), ("::1", "[::1]:7".to_string()));
        assert_eq!(RouteUrl::parse("nats://host"), None);
        assert_eq!(RouteUrl::parse("nats://:5"), None);
    }

    #[test]
    fn accounts_spread_over_the_pool_by_fnv32a() {
        use crate::server::pool_index;
        let got: Vec<usize> = ["$G", "A", "B", "$SYS", "ACC"].iter().map(|a| pool_index(3, a)).collect();
        assert_eq!(got, [2, 0, 0, 0, 1]);
        assert_eq!(pool_index(5, "ACC"), 3);
        assert_eq!((pool_index(1, "ACC"), pool_index(0, "ACC")), (0, 0));
    }

    #[test]
    fn interest_lines() {
        let mut out = Vec::new();
        interest_line(&mut out, Some("$G"), "foo", None, 1);
        interest_line(&mut out, Some("$G"), "foo", None, 0);
        interest_line(&mut out, Some("A"), "bar.*", Some("q"), 3);
        interest_line(&mut out, None, "bar.*", Some("q"), 0);
        assert_eq!(out, b"RS+ $G foo\r\nRS- $G foo\r\nRS+ A bar.* q 3\r\nRS- bar.* q\r\n");
    }
}
