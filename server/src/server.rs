//! The server's state: identity, options, accounts, the registry of live and
//! recently closed connections, statistics, the INFO it sends, and the
//! JetStream engine (Go's `Server` in `server/server.go`).
//!
//! Starting and stopping (listeners, accept loops, signals, lame duck mode)
//! is `start`, above this module; the protocols of each connection kind
//! (`client`) sit above it too, and the connections themselves below.
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use tokio::sync::Notify;

use crate::account::Accounts;
use crate::auth::Auth;
use crate::connection::{lock, CloseReason, Connection};
use crate::consts::{GLOBAL_ACCOUNT, LANG_VERSION, PROTO, SYSTEM_ACCOUNT, VERSION};
use crate::jetstream::{JetStream, JetStreamConfig};
use crate::options::Options;
use crate::stats::Stats;
use crate::sublist::FxHashMap;

/// A closed connection as `/connz?state=closed` reports it.
#[derive(Clone)]
pub(crate) struct ClosedClient {
    pub(crate) client: Arc<Connection>,
    pub(crate) stop: SystemTime,
    /// Subjects it was subscribed to when it closed.
    pub(crate) subs: Vec<String>,
}

/// One route connection that passed its handshake, as `/routez` shows it
/// (Go keeps this in the route connection's `route` struct).
pub(crate) struct RouteEntry {
    pub(crate) conn: Arc<Connection>,
    pub(crate) did_solicit: bool,
    /// Dialled because the config lists it (Go's `Explicit` route type).
    pub(crate) is_configured: bool,
    /// The account a pinned route carries alone.
    pub(crate) account: Option<String>,
    /// Subscriptions the remote holds here (its interest).
    pub(crate) num_subs: Arc<std::sync::atomic::AtomicUsize>,
    /// The URL to dial again when an accepted route closes, learnt from our
    /// own dial of the same server that lost to it (Go's
    /// `upgradeRouteToSolicited`), and whether the config lists it.
    pub(crate) redial: Option<(String, bool)>,
}

/// A server at the other end of one or more routes (Go's `s.routes[id]`
/// and `s.accRoutes[acc][id]`).
pub(crate) struct RemoteServer {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The remote's client URLs, merged into our client INFO.
    pub(crate) connect_urls: Vec<String>,
    /// The remote speaks no pooling: one connection carries every account.
    pub(crate) no_pool: bool,
    /// Pooled connections by pool index (one slot when `no_pool`).
    pub(crate) pool: Vec<Option<RouteEntry>>,
    /// Pinned-account connections by account.
    pub(crate) pinned: std::collections::BTreeMap<String, RouteEntry>,
}

impl RemoteServer {
    /// Every connection to this server.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &RouteEntry> {
        self.pool.iter().flatten().chain(self.pinned.values())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries().next().is_none()
    }

    /// The connection that carries `account` to this server, and whether
    /// the account is implied on it (a pinned route).
    pub(crate) fn conn_for(&self, account: &str, pool_size: usize) -> Option<(&Arc<Connection>, bool)> {
        if let Some(e) = self.pinned.get(account) {
            return Some((&e.conn, true));
        }
        let idx = if self.no_pool { 0 } else { pool_index(self.pool.len().max(pool_size), account) };
        self.pool.get(idx).and_then(Option::as_ref).map(|e| (&e.conn, false))
    }
}

/// Go's `computeRoutePoolIdx`: the pool connection an account uses,
/// `fnv32a(account) % pool_size`, the same on every server.
pub(crate) fn pool_index(pool_size: usize, account: &str) -> usize {
    if pool_size <= 1 {
        return 0;
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in account.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h % pool_size as u32) as usize
}

/// Cross-field checks Go makes before starting (`validateOptions` in
/// `server/server.go`); the error texts are Go's.
pub fn check_options(opts: &Options) -> Result<(), String> {
    if let Some(name) = &opts.no_auth_user {
        let known = opts.users.iter().any(|u| &u.username == name)
            || opts.nkeys.iter().any(|n| &n.nkey == name)
            || opts
                .accounts
                .iter()
                .any(|a| a.users.iter().any(|u| &u.username == name) || a.nkeys.iter().any(|n| &n.nkey == name));
        if !known {
            return Err(format!(
                "no_auth_user: \"{name}\" not present as user or nkey in authorization block or account configuration"
            ));
        }
    }
    // Go's `validateJetStreamOptions`: clustered JetStream names its
    // servers and its cluster (the meta group's peer ids derive from them).
    if opts.jetstream.enabled && opts.cluster.port != 0 {
        if opts.server_name.as_deref().unwrap_or("").is_empty() {
            return Err("jetstream cluster requires `server_name` to be set".into());
        }
        if opts.cluster.name.as_deref().unwrap_or("").is_empty() {
            return Err("jetstream cluster requires `cluster.name` to be set".into());
        }
    }
    if opts.max_pending > 0 && i64::from(opts.max_payload) > opts.max_pending {
        return Err(format!(
            "max_payload ({}) cannot be higher than max_pending ({})",
            opts.max_payload, opts.max_pending
        ));
    }
    Ok(())
}

/// A running server.
pub struct Server {
    pub(crate) opts: Options,
    pub id: String,
    pub(crate) name: String,
    pub(crate) auth: Auth,
    pub(crate) accounts: Arc<Accounts>,
    pub(crate) stats: Arc<Stats>,
    pub(crate) start: Instant,
    pub(crate) start_time: SystemTime,
    clients: Mutex<FxHashMap<u64, Arc<Connection>>>,
    closed: Mutex<std::collections::VecDeque<ClosedClient>>,
    next_cid: AtomicU64,
    /// The bound client address (the configured port may be 0 or -1).
    pub client_addr: Mutex<Option<SocketAddr>>,
    pub(crate) http_addr: Mutex<Option<SocketAddr>>,
    pub(crate) lame_duck: AtomicBool,
    pub(crate) stop_accept: Notify,
    pub(crate) shutdown: Notify,
    /// A route to a new server came up: send our STATSZ event soon.
    pub(crate) announce: Notify,
    shutting_down: AtomicBool,
    pub(crate) config_file: Option<String>,
    /// The JetStream engine, when `jetstream` is enabled.
    pub(crate) jetstream: Option<Arc<JetStream>>,
    /// Servers we have routes to, by server ID.
    pub(crate) routes: Mutex<FxHashMap<String, RemoteServer>>,
    /// The bound route listener address, once listening.
    pub(crate) route_addr: Mutex<Option<SocketAddr>>,
    /// The cluster's name: configured, or made up at start (Go's dynamic
    /// name) and then taken from the first peer with a static one.
    pub(crate) cluster_name: Mutex<String>,
    pinned_accounts: std::sync::OnceLock<Vec<String>>,
    /// Set when the first route registers.
    pub(crate) had_routes: AtomicBool,
    /// The made-up user that lets clients without credentials into `$G`
    /// when the only configured account is the system account.
    pub(crate) sys_only_user: Option<String>,
    /// `cluster { permissions }` as permissions of every route: import is
    /// publish, export is subscribe (Go's `setRoutePermissions`).
    pub(crate) route_permissions: Option<Arc<crate::auth::ClientPermissions>>,
}

impl Server {
    pub fn new(mut opts: Options) -> Arc<Server> {
        let sys_only_user = add_sys_only_no_auth_user(&mut opts);
        let id = nkeys::KeyPair::new_server().public_key();
        let name = opts.server_name.clone().unwrap_or_else(|| id.clone());
        let auth = Auth::from_options(&opts);
        let accounts = Arc::new(Accounts::new(!opts.disable_sublist_cache));
        accounts.get_or_create(GLOBAL_ACCOUNT);
        // Go always has a system account; ours only exists so monitoring shows it.
        accounts.get_or_create(opts.system_account.as_deref().unwrap_or(SYSTEM_ACCOUNT));
        for acc in &opts.accounts {
            accounts.get_or_create(&acc.name);
        }
        let config_file = opts.config_file.as_ref().map(|p| p.display().to_string());
        let jetstream = opts.jetstream.enabled.then(|| Arc::new(JetStream::new(jetstream_config(&opts, &name))));
        let srv = Arc::new(Server {
            id,
            name,
            auth,
            accounts,
            stats: Arc::default(),
            start: Instant::now(),
            start_time: SystemTime::now(),
            clients: Mutex::new(FxHashMap::default()),
            closed: Mutex::new(std::collections::VecDeque::new()),
            next_cid: AtomicU64::new(1),
            client_addr: Mutex::new(None),
            http_addr: Mutex::new(None),
            lame_duck: AtomicBool::new(false),
            stop_accept: Notify::new(),
            shutdown: Notify::new(),
            announce: Notify::new(),
            shutting_down: AtomicBool::new(false),
            config_file,
            jetstream,
            routes: Mutex::new(FxHashMap::default()),
            route_addr: Mutex::new(None),
            cluster_name: Mutex::new(opts.cluster.name.clone().unwrap_or_default()),
            pinned_accounts: std::sync::OnceLock::new(),
            had_routes: AtomicBool::new(false),
            sys_only_user,
            route_permissions: opts
                .cluster
                .permissions
                .as_ref()
                .map(|p| Arc::new(crate::auth::ClientPermissions::from_opts(p))),
            opts,
        });
        let cluster = srv.cluster_name();
        srv.accounts.configure(&srv.opts, &srv.name, &cluster, &|| srv.next_client_id());
        srv
    }

    /// The INFO JSON for a new client connection.
    pub(crate) fn client_info_json(&self, cid: u64, ip: IpAddr, auth_required: bool, nonce: &str) -> String {
        self.client_info_json_full(cid, ip, auth_required, nonce, None)
    }

    /// INFO JSON; with `remote_account` set it is the post-CONNECT confirmation.
    pub(crate) fn client_info_json_full(
        &self,
        cid: u64,
        ip: IpAddr,
        auth_required: bool,
        nonce: &str,
        remote_account: Option<&str>,
    ) -> String {
        let port = self.client_addr.lock().unwrap_or_else(|e| e.into_inner()).map(|a| a.port()).unwrap_or(0);
        // Go's `client_advertise` replaces the host (and port, when given) in INFO.
        let (host, port) = match self.opts.client_advertise.as_deref() {
            Some(adv) => match adv.rsplit_once(':').and_then(|(h, p)| p.parse::<u16>().ok().map(|p| (h, p))) {
                Some((h, p)) => (h, p),
                None => (adv, port),
            },
            None => (self.opts.host.as_str(), port),
        };
        let info = crate::protocol::Info {
            server_id: self.id.clone(),
            server_name: self.name.clone(),
            version: VERSION.into(),
            proto: PROTO,
            go: LANG_VERSION.into(),
            host: host.into(),
            port,
            headers: !self.opts.no_header_support,
            auth_required,
            max_payload: self.opts.max_payload,
            client_id: cid,
            client_ip: ip.to_string(),
            nonce: nonce.into(),
            cluster: self.cluster_name(),
            connect_urls: self.client_connect_urls(),
            ldm: self.lame_duck.load(Ordering::Relaxed),
            connect_info: remote_account.is_some(),
            acc_is_sys: remote_account.is_some_and(|a| a == self.system_account_name()),
            remote_account: remote_account.map(str::to_string),
            jetstream: self.jetstream.is_some(),
            // Go announces its JetStream API level whether or not JetStream
            // is enabled (seen on 2.15.1).
            api_lvl: u64::from(crate::jetstream::api::API_LEVEL),
            ..Default::default()
        };
        info.to_json()
    }

    /// Whether a `cluster {}` with a listen port is configured.
    pub(crate) fn is_clustered(&self) -> bool {
        self.opts.cluster.port != 0
    }

    pub(crate) fn cluster_name(&self) -> String {
        lock(&self.cluster_name).clone()
    }

    /// This server's client URL as peers and clients should dial it (Go's
    /// `getClientConnectURLs`): `client_advertise`, or the listen address.
    pub(crate) fn own_client_url(&self) -> Option<String> {
        if let Some(adv) = &self.opts.client_advertise {
            return Some(if adv.contains(':') { adv.clone() } else { format!("{adv}:{}", self.opts.port) });
        }
        let addr = (*lock(&self.client_addr))?;
        let host = match self.opts.host.as_str() {
            "" | "0.0.0.0" | "::" => "127.0.0.1".to_string(),
            h => h.to_string(),
        };
        Some(format!("{host}:{}", addr.port()))
    }

    /// The `connect_urls` of client INFO in a cluster: ours first, then each
    /// route's (none with `cluster { no_advertise }` or outside a cluster).
    pub(crate) fn client_connect_urls(&self) -> Vec<String> {
        if !self.is_clustered() || self.opts.cluster.no_advertise {
            return Vec::new();
        }
        // Go fills them in when the first route registers, and keeps its
        // own once the last one is gone.
        if !self.had_routes.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let routes = lock(&self.routes);
        let mut urls: Vec<String> = self.own_client_url().into_iter().collect();
        let mut by_cid: Vec<(u64, &RemoteServer)> =
            routes.values().map(|r| (r.entries().map(|e| e.conn.cid).min().unwrap_or(0), r)).collect();
        by_cid.sort_by_key(|(cid, _)| *cid);
        for (_, r) in by_cid {
            for u in &r.connect_urls {
                if !urls.contains(u) {
                    urls.push(u.clone());
                }
            }
        }
        urls
    }

    /// Registered route connections, ordered by connection id.
    pub(crate) fn route_conns(&self) -> Vec<Arc<Connection>> {
        let mut v: Vec<Arc<Connection>> =
            lock(&self.routes).values().flat_map(|r| r.entries().map(|e| Arc::clone(&e.conn))).collect();
        v.sort_by_key(|c| c.cid);
        v
    }

    /// The configured route pool size: 0 means no pooling (`pool_size: -1`).
    pub(crate) fn route_pool_size(&self) -> usize {
        match self.opts.cluster.pool_size {
            None => crate::consts::DEFAULT_ROUTE_POOL_SIZE,
            Some(n) if n < 1 => 0,
            Some(n) => usize::try_from(n).unwrap_or(crate::consts::DEFAULT_ROUTE_POOL_SIZE),
        }
    }

    /// Accounts with routes of their own: the configured ones and, with
    /// pooling, the system account (Go's `PinnedAccounts`).
    pub(crate) fn pinned_accounts(&self) -> &[String] {
        self.pinned_accounts.get_or_init(|| {
            if self.route_pool_size() == 0 {
                return Vec::new();
            }
            let mut v = self.opts.cluster.accounts.clone();
            let sys = self.system_account_name().to_string();
            if !v.contains(&sys) {
                v.push(sys);
            }
            v
        })
    }

    /// Sends every client that can take one a fresh INFO (Go's
    /// `sendAsyncInfoToClients`): when peers come and go, so do connect URLs.
    pub(crate) fn send_async_info_to_clients(&self) {
        for c in self.clients() {
            if !c.async_info.load(Ordering::Relaxed) {
                continue;
            }
            let info = self.client_info_json(c.cid, c.addr.ip(), self.auth.info_auth_required(), "");
            c.queue_out(&[b"INFO ", info.as_bytes(), b" \r\n"]);
        }
    }

    /// Adds a client to the registry; false when `max_connections` is reached.
    pub(crate) fn register_client(&self, c: &Arc<Connection>) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let max = self.opts.max_connections;
        if max > 0 && clients.len() >= max as usize {
            return false;
        }
        clients.insert(c.cid, Arc::clone(c));
        self.stats.total_connections.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Allocates a client id (Go's `gcid`); internal clients take one too.
    pub(crate) fn next_client_id(&self) -> u64 {
        self.next_cid.fetch_add(1, Ordering::Relaxed)
    }

    /// The system account's name (`system_account`, default `$SYS`).
    pub(crate) fn system_account_name(&self) -> &str {
        self.opts.system_account.as_deref().unwrap_or(SYSTEM_ACCOUNT)
    }

    /// Removes a client from the registry and remembers it for `/connz?state=closed`.
    pub(crate) fn unregister_client(&self, c: &Arc<Connection>, subs: Vec<String>) {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&c.cid);
        let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        let max = usize::try_from(self.opts.max_closed_clients).unwrap_or(0);
        if max == 0 {
            return;
        }
        while closed.len() >= max {
            closed.pop_front();
        }
        closed.push_back(ClosedClient { client: Arc::clone(c), stop: SystemTime::now(), subs });
    }

    /// Recently closed clients, oldest first.
    pub(crate) fn closed_clients(&self) -> Vec<ClosedClient> {
        self.closed.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    /// Snapshot of connected clients, ordered by cid.
    pub(crate) fn clients(&self) -> Vec<Arc<Connection>> {
        let mut v: Vec<Arc<Connection>> =
            self.clients.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by_key(|c| c.cid);
        v
    }

    pub(crate) fn num_clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many subscriptions account `name` holds, internal ones included.
    pub fn account_subscriptions(&self, name: &str) -> Option<usize> {
        self.accounts.get(name).map(|a| a.sublist.count())
    }

    pub fn total_subscriptions(&self) -> usize {
        self.accounts.list().iter().map(|a| a.sublist.count()).sum()
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes all clients and wakes `run`.
    pub fn shutdown(&self) {
        if self.shutting_down.swap(true, Ordering::SeqCst) {
            return;
        }
        info!("Initiating Shutdown...");
        // Hand the leadership of every RAFT group over while the routes
        // still carry it (Go's `stepdownRaftNodes`).
        if let Some(js) = self.jetstream.as_ref().filter(|js| js.meta().is_some()) {
            js.hand_over_groups(true);
        }
        if let Some(meta) = self.jetstream.as_ref().and_then(|js| js.meta()) {
            meta.stop();
        }
        for c in self.clients() {
            c.close(CloseReason::ServerShutdown);
        }
        for c in self.route_conns() {
            c.close(CloseReason::ServerShutdown);
        }
        self.shutdown.notify_waiters();
        self.shutdown.notify_one();
    }

    /// Go's `setBaselineOptions` uses the client host when no monitoring host was
    /// given. `Options` defaults `http_host` to `0.0.0.0`, so that value is read as
    /// "not given" here.
    pub(crate) fn http_host(&self) -> &str {
        if self.opts.http_host == "0.0.0.0" || self.opts.http_host.is_empty() {
            &self.opts.host
        } else {
            &self.opts.http_host
        }
    }
}

/// Go's rule for a config whose only account is the system account (added
/// to give it users) and that has no `authorization {}` block nor
/// `no_auth_user`: clients without credentials still get into `$G`, as a
/// made-up no-auth user (`configureAccounts` in `server/server.go`).
fn add_sys_only_no_auth_user(opts: &mut Options) -> Option<String> {
    let sys = opts.system_account.as_deref()?;
    let only_sys = opts.accounts.len() == 1 && opts.accounts[0].name == sys;
    if !only_sys || opts.no_auth_user.is_some() || opts.auth_block_defined {
        return None;
    }
    let digits: String = (0..8).map(|_| char::from(b'0' + rand::random::<u8>() % 10)).collect();
    let name = format!("nats-{digits}");
    opts.users.push(crate::options::User {
        username: name.clone(),
        password: digits,
        permissions: None,
        account: None,
    });
    opts.no_auth_user = Some(name.clone());
    opts.sys_only_no_auth_user = Some(name.clone());
    Some(name)
}

/// The engine settings from the options (Go's `enableJetStream` defaults:
/// 75% of system memory, 75% of the store directory's free disk, store in
/// `<store_dir>/jetstream`). With no configured accounts but the global and
/// system ones, only the global account has JetStream; otherwise the
/// accounts that enable it.
fn jetstream_config(opts: &Options, server_name: &str) -> JetStreamConfig {
    use crate::store::crypto::{Cipher, KeyConfig};
    use crate::store::file::SyncMode;
    // Go's `globalAccountOnly`: the global and system accounts don't count.
    let system = opts.system_account.as_deref().unwrap_or("$SYS");
    let global_only = opts.accounts.iter().all(|a| a.name == GLOBAL_ACCOUNT || a.name == system);
    let enabled_accounts = if global_only {
        std::iter::once(GLOBAL_ACCOUNT.to_string()).collect()
    } else {
        opts.accounts.iter().filter(|a| a.jetstream).map(|a| a.name.clone()).collect()
    };
    let dir = jetstream_store_dir(opts);
    JetStreamConfig {
        server_name: server_name.to_string(),
        version: None,
        max_memory: opts.jetstream.max_memory.filter(|&m| m > 0).unwrap_or_else(default_max_memory),
        max_store: opts.jetstream.max_file.filter(|&m| m > 0).unwrap_or_else(|| default_max_store(&dir)),
        enabled_accounts: Some(enabled_accounts),
        store_dir: Some(dir),
        domain: opts.jetstream.domain.clone(),
        account_limits: opts.accounts.iter().filter_map(|a| a.jetstream_limits.map(|l| (a.name.clone(), l))).collect(),
        keys: opts.jetstream.key.as_ref().filter(|k| !k.is_empty()).map(|key| KeyConfig {
            key: key.clone(),
            prev_key: opts.jetstream.prev_key.clone().filter(|k| !k.is_empty()),
            cipher: opts.jetstream.cipher.as_deref().and_then(Cipher::parse).unwrap_or(Cipher::ChaCha),
        }),
        sync: match opts.jetstream.sync_interval.as_deref() {
            Some(s) if s.eq_ignore_ascii_case("always") => SyncMode::Always,
            Some(s) => crate::gotime::parse_duration(s)
                .ok()
                .filter(|&n| n > 0)
                .map_or_else(SyncMode::default, |n| SyncMode::Every(std::time::Duration::from_nanos(n as u64))),
            None => SyncMode::default(),
        },
    }
}

/// `<store_dir>/jetstream`; the store dir defaults to `<tmp>/nats`.
pub(crate) fn jetstream_store_dir(opts: &Options) -> std::path::PathBuf {
    let base = opts.jetstream.store_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("nats"));
    base.join("jetstream")
}

fn default_max_memory() -> i64 {
    let total_kb = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<i64>().ok()))
    });
    total_kb.map_or(256 * 1024 * 1024, |kb| kb.saturating_mul(1024) / 4 * 3)
}

fn default_max_store(dir: &std::path::Path) -> i64 {
    const FALLBACK: i64 = 1 << 40;
    let mut probe = dir.to_path_buf();
    while !probe.exists() {
        if !probe.pop() {
            return FALLBACK;
        }
    }
    let Ok(c) = std::ffi::CString::new(probe.as_os_str().as_encoded_bytes()) else { return FALLBACK };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a zeroed out-buffer.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return FALLBACK;
    }
    let avail = (st.f_bavail as u128).saturating_mul(st.f_frsize as u128);
    i64::try_from(avail / 4 * 3).unwrap_or(FALLBACK)
}
