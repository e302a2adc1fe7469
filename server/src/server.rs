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
use crate::jetstream::{JetStream, JetStreamConfig, Outbound};
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
    #[serde(skip_serializing_if = "is_false")]
    jetstream: bool,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    api_lvl: Option<u32>,
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
    /// The JetStream engine, when `jetstream` is enabled.
    pub jetstream: Option<Arc<JetStream>>,
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
        let jetstream = opts.jetstream.enabled.then(|| Arc::new(JetStream::new(jetstream_config(&opts, &name))));
        let srv = Arc::new(Server {
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
            jetstream,
            opts,
        });
        srv.wire_jetstream();
        crate::system::install(&srv);
        srv
    }

    /// Connects the JetStream engine to the core: every client publish goes
    /// to `on_publish` (its outbound messages are published as the server's
    /// internal client), the engine answers requests on subjects it listens
    /// on (no 503 no-responders), and it asks the account sublists whether a
    /// subject has subscribers.
    fn wire_jetstream(self: &Arc<Self>) {
        let Some(js) = &self.jetstream else { return };
        let weak = Arc::downgrade(self);
        js.set_interest_probe(Arc::new(move |account, subject| {
            weak.upgrade()
                .and_then(|s| s.accounts.get(account))
                .is_some_and(|a| !a.sublist.match_subject(subject).is_empty())
        }));
        let weak = Arc::downgrade(self);
        let engine = Arc::clone(js);
        self.set_publish_hook(Arc::new(move |p: &Published<'_>| {
            let js = &engine;
            let reply = p.reply.and_then(|r| std::str::from_utf8(r).ok());
            // Returns at once (no allocation, no engine lock) for subjects
            // JetStream neither serves nor captures.
            let out = js.on_publish(p.account, p.subject, reply, p.headers, p.payload);
            if !out.is_empty() {
                if let Some(srv) = weak.upgrade() {
                    srv.publish_js(js, p.account, out, 0);
                }
                return true;
            }
            // Only a request can trigger the no-responders status.
            reply.is_some() && js.is_listening(p.account, p.subject)
        }));
    }

    /// Publishes JetStream's outbound messages in order as the internal
    /// client of `account`, feeding each back to the engine like a client
    /// publish (a deliver subject or republish target may be captured by a
    /// stream). `depth` bounds such chains.
    pub fn publish_js(&self, js: &JetStream, account: &str, out: Vec<Outbound>, depth: u32) {
        for o in out {
            self.publish_internal(
                account,
                &o.subject,
                o.msg_subject.as_deref(),
                o.reply.as_deref(),
                o.headers.as_deref(),
                &o.payload,
            );
            if depth < 8 {
                let more = js.on_publish(account, &o.subject, o.reply.as_deref(), o.headers.as_deref(), &o.payload);
                if !more.is_empty() {
                    self.publish_js(js, account, more, depth + 1);
                }
            }
        }
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
            jetstream: self.jetstream.is_some(),
            api_lvl: self.jetstream.is_some().then_some(crate::jetstream::api::API_LEVEL),
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

    /// Allocates a client id (Go's `gcid`); internal clients take one too.
    pub fn next_client_id(&self) -> u64 {
        self.next_cid.fetch_add(1, Ordering::Relaxed)
    }

    /// The system account's name (`system_account`, default `$SYS`).
    pub fn system_account_name(&self) -> &str {
        self.opts.system_account.as_deref().unwrap_or(SYSTEM_ACCOUNT)
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

    /// Logs Go's JetStream banner, creates the store directory and starts the
    /// engine's timer (redeliveries, heartbeats, expiries).
    fn start_jetstream(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let js = self.jetstream.as_ref()?;
        let started = Instant::now();
        info!("Starting JetStream");
        let dir = jetstream_store_dir(&self.opts);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            warn!("Could not create JetStream store directory {}: {e}", dir.display());
        }
        for line in [
            "    _ ___ _____ ___ _____ ___ ___   _   __  __",
            " _ | | __|_   _/ __|_   _| _ \\ __| /_\\ |  \\/  |",
            "| || | _|  | | \\__ \\ | | |   / _| / _ \\| |\\/| |",
            " \\__/|___| |_| |___/ |_| |_|_\\___/_/ \\_\\_|  |_|",
            "",
            "         https://docs.nats.io/jetstream",
            "",
            "---------------- JETSTREAM ----------------",
        ] {
            info!("{line}");
        }
        let cfg = js.config();
        info!("  Strict:          true");
        info!("  Max Memory:      {}", friendly_bytes(cfg.max_memory));
        info!("  Max Storage:     {}", friendly_bytes(cfg.max_store));
        info!("  Store Directory: \"{}\"", dir.display());
        if let Some(k) = &cfg.keys {
            info!("  Encryption:      {}", k.cipher.banner());
        }
        info!("  API Level:       {}", crate::jetstream::api::API_LEVEL);
        info!("-------------------------------------------");
        js.load();
        info!("Took {:?} to start JetStream", started.elapsed());
        let weak = Arc::downgrade(self);
        Some(crate::jetstream::spawn_timer(Arc::clone(js), move |account, o| {
            if let Some(srv) = weak.upgrade() {
                if let Some(js) = &srv.jetstream {
                    srv.publish_js(js, account, vec![o], 0);
                }
            }
        }))
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
        let js_timer = self.start_jetstream();
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
        if let Some(t) = js_timer {
            t.abort();
        }
        if let Some(js) = &self.jetstream {
            js.save();
        }
        info!("Server Exiting..");
        Ok(())
    }
}

/// The engine settings from the options (Go's `enableJetStream` defaults:
/// 75% of system memory, 75% of the store directory's free disk, store in
/// `<store_dir>/jetstream`). With no configured accounts only the global
/// account has JetStream; otherwise the accounts that enable it.
fn jetstream_config(opts: &Options, server_name: &str) -> JetStreamConfig {
    use crate::store::crypto::{Cipher, KeyConfig};
    use crate::store::file::SyncMode;
    let enabled_accounts = if opts.accounts.is_empty() {
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
            Some(s) => crate::options::parse_go_duration(s)
                .ok()
                .filter(|&n| n > 0)
                .map_or_else(SyncMode::default, |n| SyncMode::Every(std::time::Duration::from_nanos(n as u64))),
            None => SyncMode::default(),
        },
    }
}

/// `<store_dir>/jetstream`; the store dir defaults to `<tmp>/nats`.
pub fn jetstream_store_dir(opts: &Options) -> std::path::PathBuf {
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

/// Go's `friendlyBytes`: `17.66 GB`.
pub fn friendly_bytes(bytes: i64) -> String {
    let f = bytes as f64;
    if f < 1024.0 {
        return format!("{f} B");
    }
    let exp = ((f.ln() / 1024f64.ln()) as usize).clamp(1, 6);
    let pre = ["K", "M", "G", "T", "P", "E"][exp - 1];
    format!("{:.2} {pre}B", f / 1024f64.powi(exp as i32))
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
