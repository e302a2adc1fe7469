//! The server: identity, client listener and accept loop, the registry of live
//! connections, global statistics, and signal-driven shutdown (Go's
//! `server/server.go`).
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::account::Accounts;
use crate::auth::{Auth, GLOBAL_ACCOUNT};
use crate::client::{ClientShared, CloseReason};
use crate::options::Options;
use crate::sublist::FxHashMap;

/// The upstream release whose behaviour this server reproduces.
pub const VERSION: &str = "2.15.1";
/// Protocol level advertised in INFO (Go's `PROTO`).
pub const PROTO: i32 = 1;
/// Stands in for Go's runtime version in INFO `go` and `/varz`: the workspace
/// minimum Rust version.
pub const LANG_VERSION: &str = "rust1.85";

/// A client publish as seen by a [`PublishHook`].
pub struct Published<'a> {
    pub account: &'a str,
    pub subject: &'a str,
    pub reply: Option<&'a [u8]>,
    /// The raw `NATS/1.0 ...` header block for `HPUB`, `None` for `PUB`.
    pub headers: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

/// Called for every client publish that passed permission checks, after normal
/// routing; returns true when it consumed the message (an internal service such
/// as a JetStream API answered), which suppresses the no-responders status.
/// This is where an in-process engine (JetStream) plugs into the core.
pub type PublishHook = Arc<dyn Fn(&Published<'_>) -> bool + Send + Sync>;

/// Go's `DEFAULT_MAX_CLOSED_CLIENTS`: closed connections kept for `/connz`.
const MAX_CLOSED_CLIENTS: usize = 10_000;

/// A closed connection as `/connz?state=closed` reports it.
#[derive(Clone)]
pub struct ClosedClient {
    pub client: Arc<ClientShared>,
    pub stop: SystemTime,
    /// Subjects it was subscribed to when it closed.
    pub subs: Vec<String>,
}

/// Go's default system account name.
pub const SYSTEM_ACCOUNT: &str = "$SYS";

/// Server-wide message and connection counters.
#[derive(Default)]
pub struct Stats {
    pub in_msgs: AtomicU64,
    pub out_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_bytes: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub stale_connections: AtomicU64,
    pub stalled_clients: AtomicU64,
    pub total_connections: AtomicU64,
}

/// The INFO sent to each client on connect, with Go's field names and order
/// (Go's `Info` struct in `server/server.go`).
#[derive(Serialize)]
struct ClientInfo<'a> {
    server_id: &'a str,
    server_name: &'a str,
    version: &'a str,
    proto: i32,
    go: &'a str,
    host: &'a str,
    port: u16,
    headers: bool,
    #[serde(skip_serializing_if = "is_false")]
    auth_required: bool,
    max_payload: i32,
    client_id: u64,
    client_ip: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    nonce: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    connect_urls: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    ldm: bool,
    #[serde(skip_serializing_if = "is_false")]
    connect_info: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_account: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    acc_is_sys: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
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
    pub opts: Options,
    pub id: String,
    pub name: String,
    pub auth: Auth,
    pub accounts: Accounts,
    pub stats: Stats,
    pub start: Instant,
    pub start_time: SystemTime,
    clients: Mutex<FxHashMap<u64, Arc<ClientShared>>>,
    closed: Mutex<std::collections::VecDeque<ClosedClient>>,
    next_cid: AtomicU64,
    /// The bound client address (the configured port may be 0 or -1).
    pub client_addr: Mutex<Option<SocketAddr>>,
    pub http_addr: Mutex<Option<SocketAddr>>,
    lame_duck: AtomicBool,
    stop_accept: Notify,
    shutdown: Notify,
    shutting_down: AtomicBool,
    pub config_file: Option<String>,
    publish_hook: std::sync::OnceLock<PublishHook>,
}

impl Server {
    pub fn new(opts: Options) -> Arc<Server> {
        let id = nkeys::KeyPair::new_server().public_key();
        let name = opts.server_name.clone().unwrap_or_else(|| id.clone());
        let auth = Auth::from_options(&opts);
        let accounts = Accounts::new(!opts.disable_sublist_cache);
        accounts.get_or_create(GLOBAL_ACCOUNT);
        // Go always has a system account; ours only exists so monitoring shows it.
        accounts.get_or_create(opts.system_account.as_deref().unwrap_or(SYSTEM_ACCOUNT));
        for acc in &opts.accounts {
            accounts.get_or_create(&acc.name);
        }
        let config_file = opts.config_file.as_ref().map(|p| p.display().to_string());
        Arc::new(Server {
            id,
            name,
            auth,
            accounts,
            stats: Stats::default(),
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
            shutting_down: AtomicBool::new(false),
            config_file,
            publish_hook: std::sync::OnceLock::new(),
            opts,
        })
    }

    /// The INFO JSON for a new client connection.
    pub fn client_info_json(&self, cid: u64, ip: IpAddr, auth_required: bool, nonce: &str) -> String {
        self.client_info_json_full(cid, ip, auth_required, nonce, None)
    }

    /// INFO JSON; with `remote_account` set it is the post-CONNECT confirmation.
    pub fn client_info_json_full(
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
        let info = ClientInfo {
            server_id: &self.id,
            server_name: &self.name,
            version: VERSION,
            proto: PROTO,
            go: LANG_VERSION,
            host,
            port,
            headers: !self.opts.no_header_support,
            auth_required,
            max_payload: self.opts.max_payload,
            client_id: cid,
            client_ip: ip.to_string(),
            nonce,
            connect_urls: Vec::new(),
            ldm: self.lame_duck.load(Ordering::Relaxed),
            connect_info: remote_account.is_some(),
            acc_is_sys: remote_account.is_some_and(|a| a == self.system_account_name()),
            remote_account,
        };
        serde_json::to_string(&info).unwrap_or_else(|_| "{}".into())
    }

    /// Adds a client to the registry; false when `max_connections` is reached.
    pub fn register_client(&self, c: &Arc<ClientShared>) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let max = self.opts.max_connections;
        if max > 0 && clients.len() >= max as usize {
            return false;
        }
        clients.insert(c.cid, Arc::clone(c));
        self.stats.total_connections.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// The system account's name (`system_account`, default `$SYS`).
    pub fn system_account_name(&self) -> &str {
        self.opts.system_account.as_deref().unwrap_or(SYSTEM_ACCOUNT)
    }

    /// Reply to Go's `$SYS.REQ.USER.INFO` service: who the requester is, its
    /// account and permissions, wrapped in Go's server-info envelope.
    pub fn user_info_json(&self, user: &str, account: &str, perms: Option<&crate::auth::ClientPermissions>) -> String {
        use serde_json::{json, Map, Value};
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let rules = |r: &crate::auth::SubjectRules| {
            let mut m = Map::new();
            if let Some(a) = &r.allow {
                m.insert("allow".into(), json!(a));
            }
            if !r.deny.is_empty() {
                m.insert("deny".into(), json!(r.deny));
            }
            Value::Object(m)
        };
        let mut data = Map::new();
        data.insert("user".into(), json!(user));
        data.insert("account".into(), json!(account));
        data.insert("account_name".into(), json!(account));
        if let Some(p) = perms {
            let mut pm = Map::new();
            if let Some(r) = &p.publish {
                pm.insert("publish".into(), rules(r));
            }
            if let Some(r) = &p.subscribe {
                pm.insert("subscribe".into(), rules(r));
            }
            data.insert("permissions".into(), Value::Object(pm));
        }
        // Field order matters only to byte-for-byte readers; build the envelope by
        // hand so `server` precedes `data` as in Go.
        let server = format!(
            "{{\"name\":{},\"host\":{},\"id\":{},\"ver\":\"{VERSION}\",\"jetstream\":false,\"flags\":0,\"seq\":{},\"time\":\"{}\"}}",
            json!(self.name),
            json!(self.opts.host),
            json!(self.id),
            SEQ.fetch_add(1, Ordering::Relaxed) + 1,
            crate::log::rfc3339(SystemTime::now())
        );
        let out = format!("{{\"server\":{server},\"data\":{}}}", Value::Object(data));
        out.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
    }

    /// Installs the publish hook (once; later calls are ignored and return false).
    pub fn set_publish_hook(&self, hook: PublishHook) -> bool {
        self.publish_hook.set(hook).is_ok()
    }

    pub fn publish_hook(&self) -> Option<&PublishHook> {
        self.publish_hook.get()
    }

    /// Publishes on the server's behalf into `account` (see
    /// [`crate::client::publish_internal`]); `headers` is a raw `NATS/1.0` block.
    /// Returns whether any subscriber received it.
    pub fn publish_internal(
        &self,
        account: &str,
        route_subject: &str,
        shown_subject: Option<&str>,
        reply: Option<&str>,
        headers: Option<&[u8]>,
        payload: &[u8],
    ) -> bool {
        let acc = self.accounts.get_or_create(account);
        let shown = shown_subject.unwrap_or(route_subject).as_bytes();
        let reply = reply.map(str::as_bytes);
        match headers {
            Some(h) => {
                let mut full = Vec::with_capacity(h.len() + payload.len());
                full.extend_from_slice(h);
                full.extend_from_slice(payload);
                crate::client::publish_internal(&acc, route_subject, shown, reply, Some(h.len()), &full)
            }
            None => crate::client::publish_internal(&acc, route_subject, shown, reply, None, payload),
        }
    }

    /// Removes a client from the registry and remembers it for `/connz?state=closed`.
    pub fn unregister_client(&self, c: &Arc<ClientShared>, subs: Vec<String>) {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&c.cid);
        let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        if closed.len() >= MAX_CLOSED_CLIENTS {
            closed.pop_front();
        }
        closed.push_back(ClosedClient { client: Arc::clone(c), stop: SystemTime::now(), subs });
    }

    /// Recently closed clients, oldest first.
    pub fn closed_clients(&self) -> Vec<ClosedClient> {
        self.closed.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    /// Snapshot of connected clients, ordered by cid.
    pub fn clients(&self) -> Vec<Arc<ClientShared>> {
        let mut v: Vec<Arc<ClientShared>> =
            self.clients.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by_key(|c| c.cid);
        v
    }

    pub fn num_clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn total_subscriptions(&self) -> usize {
        self.accounts.list().iter().map(|a| a.sublist.count()).sum()
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes all clients and wakes `run`.
    pub fn shutdown(&self) {
        if self.shutting_down.swap(true, Ordering::SeqCst) {
            return;
        }
        info!("Initiating Shutdown...");
        for c in self.clients() {
            c.close(CloseReason::ServerShutdown);
        }
        self.shutdown.notify_waiters();
        self.shutdown.notify_one();
    }

    /// Lame duck mode (Go's `lameDuckMode`): stop accepting, tell clients via INFO
    /// `ldm`, wait the grace period, then close clients spread over the rest of
    /// `lame_duck_duration` and shut down.
    pub async fn lame_duck(self: Arc<Self>) {
        if self.lame_duck.swap(true, Ordering::SeqCst) || self.is_shutting_down() {
            return;
        }
        info!("Entering lame duck mode, stop accepting new clients");
        self.stop_accept.notify_one();
        for c in self.clients() {
            let info = self.client_info_json(c.cid, c.addr.ip(), self.auth.required(), "");
            c.queue_out(&[b"INFO ", info.as_bytes(), b" \r\n"]);
        }
        let duration = self.opts.lame_duck_duration;
        let grace = self.opts.lame_duck_grace_period.min(duration);
        tokio::time::sleep(grace).await;
        let clients = self.clients();
        if !clients.is_empty() {
            info!("Closing existing clients");
            let spread = duration.saturating_sub(grace);
            let pause = spread / clients.len() as u32;
            let last = clients.len() - 1;
            for (i, c) in clients.into_iter().enumerate() {
                if self.is_shutting_down() {
                    break;
                }
                c.close(CloseReason::ServerShutdown);
                if i < last && !pause.is_zero() {
                    tokio::time::sleep(pause.min(std::time::Duration::from_secs(1))).await;
                }
            }
        }
        self.shutdown();
    }

    /// Go's `ports_file_dir`: `<dir>/<exe>_<pid>.ports` listing the bound client and
    /// monitoring URLs, removed again at shutdown.
    fn write_ports_file(&self, client: SocketAddr) -> Option<std::path::PathBuf> {
        let dir = self.opts.ports_file_dir.as_ref()?;
        let exe = std::env::args()
            .next()
            .and_then(|a| std::path::Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "rnats".into());
        let path = dir.join(format!("{exe}_{}.ports", std::process::id()));
        // Written by hand to keep Go's key order (`nats` first).
        let mut ports = format!("{{\"nats\":[\"nats://{client}\"]");
        if let Some(http) = *self.http_addr.lock().unwrap_or_else(|e| e.into_inner()) {
            ports.push_str(&format!(",\"monitoring\":[\"http://{http}\"]"));
        }
        ports.push('}');
        match std::fs::write(&path, ports) {
            Ok(()) => Some(path),
            Err(e) => {
                error!("Error writing ports file ({}): {e}", path.display());
                None
            }
        }
    }

    /// Go's `setBaselineOptions` uses the client host when no monitoring host was
    /// given. `Options` defaults `http_host` to `0.0.0.0`, so that value is read as
    /// "not given" here.
    pub fn http_host(&self) -> &str {
        if self.opts.http_host == "0.0.0.0" || self.opts.http_host.is_empty() {
            &self.opts.host
        } else {
            &self.opts.http_host
        }
    }

    fn print_banner(&self) {
        info!("Starting nats-server");
        info!("  Version:  {VERSION}");
        info!("  Git:      [not set]");
        info!("  Name:     {}", self.name);
        info!("  ID:       {}", self.id);
        let plaintext = self
            .opts
            .users
            .iter()
            .chain(self.opts.accounts.iter().flat_map(|a| a.users.iter()))
            .any(|u| !u.password.starts_with("$2"))
            || self.opts.password.as_deref().is_some_and(|p| !p.starts_with("$2"));
        if plaintext {
            warn!("Plaintext passwords detected, use nkeys or bcrypt");
        }
        if let Some(f) = &self.config_file {
            info!("Using configuration file: {f}");
        }
    }

    /// Binds the listeners and serves until shutdown. Returns an error text if a
    /// listener cannot be bound.
    pub async fn run(self: &Arc<Self>) -> Result<(), String> {
        self.print_banner();
        if self.opts.http_port != 0 {
            let port = if self.opts.http_port < 0 { 0 } else { self.opts.http_port };
            let http_host = self.http_host();
            let addr = format!("{}:{}", bracket_host(http_host), port);
            let listener = TcpListener::bind(&addr).await.map_err(|e| {
                format!("Can't start monitoring: can't listen to the monitor port: {}", go_listen_error(&addr, &e))
            })?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            *self.http_addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(local);
            info!("Starting http monitor on {}:{}", bracket_host(http_host), local.port());
            tokio::spawn(crate::monitor::serve(Arc::clone(self), listener));
        }
        let port = if self.opts.port < 0 { 0 } else { self.opts.port };
        let addr = format!("{}:{}", bracket_host(&self.opts.host), port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("Error listening on port: {addr}, \"{}\"", go_listen_error(&addr, &e)))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        *self.client_addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(local);
        info!("Listening for client connections on {}:{}", bracket_host(&self.opts.host), local.port());
        if self.auth.required() {
            info!("Client connection authentication required");
        }
        if let Some(pid_file) = &self.opts.pid_file {
            if let Err(e) = std::fs::write(pid_file, std::process::id().to_string()) {
                error!("Could not write pidfile: {e}");
            }
        }
        let ports_file = self.write_ports_file(local);
        info!("Server is ready");

        tokio::spawn(watch_signals(Arc::clone(self)));

        loop {
            tokio::select! {
                r = listener.accept() => {
                    match r {
                        Ok((stream, peer)) => {
                            if self.is_shutting_down() {
                                continue;
                            }
                            let cid = self.next_cid.fetch_add(1, Ordering::Relaxed);
                            tokio::spawn(crate::client::serve(Arc::clone(self), stream, cid, peer));
                        }
                        Err(e) => {
                            error!("Temporary Client Accept Error({e}), sleeping 10ms");
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        }
                    }
                }
                _ = self.stop_accept.notified() => {
                    drop(listener);
                    self.shutdown.notified().await;
                    break;
                }
                _ = self.shutdown.notified() => break,
            }
        }
        // Give connections a moment to flush and close.
        let deadline = Instant::now() + std::time::Duration::from_secs(2);
        while self.num_clients() > 0 && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if let Some(path) = ports_file {
            let _ = std::fs::remove_file(path);
        }
        info!("Server Exiting..");
        Ok(())
    }
}

/// Formats a bind failure the way Go's `net.Listen` error reads.
fn go_listen_error(addr: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::AddrInUse => "bind: address already in use".to_string(),
        std::io::ErrorKind::AddrNotAvailable => "bind: cannot assign requested address".to_string(),
        std::io::ErrorKind::PermissionDenied => "bind: permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("listen tcp {addr}: {what}")
}

/// IPv6 hosts need brackets in `host:port` strings.
fn bracket_host(h: &str) -> String {
    if h.contains(':') && !h.starts_with('[') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

/// SIGINT/SIGTERM shut the server down, SIGUSR2 enters lame duck mode; SIGHUP
/// would reload the config and SIGUSR1 reopen the log file (neither supported yet,
/// so they are only logged).
async fn watch_signals(srv: Arc<Server>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term), Ok(mut hup), Ok(mut usr1), Ok(mut usr2)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::user_defined1()),
        signal(SignalKind::user_defined2()),
    ) else {
        error!("Unable to install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = int.recv() => {
                info!("Trapped \"interrupt\" signal");
                break;
            }
            _ = term.recv() => {
                info!("Trapped \"terminated\" signal");
                break;
            }
            _ = hup.recv() => {
                info!("Trapped \"hangup\" signal");
                info!("Reloading server configuration is not supported yet");
            }
            _ = usr1.recv() => {
                info!("Trapped \"user defined signal 1\" signal");
            }
            _ = usr2.recv() => {
                info!("Trapped \"user defined signal 2\" signal");
                tokio::spawn(Arc::clone(&srv).lame_duck());
            }
        }
    }
    srv.shutdown();
}
