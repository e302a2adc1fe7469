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
}

fn is_false(b: &bool) -> bool {
    !*b
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
    next_cid: AtomicU64,
    /// The bound client address (the configured port may be 0 or -1).
    pub client_addr: Mutex<Option<SocketAddr>>,
    pub http_addr: Mutex<Option<SocketAddr>>,
    lame_duck: AtomicBool,
    shutdown: Notify,
    shutting_down: AtomicBool,
    pub config_file: Option<String>,
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
            next_cid: AtomicU64::new(1),
            client_addr: Mutex::new(None),
            http_addr: Mutex::new(None),
            lame_duck: AtomicBool::new(false),
            shutdown: Notify::new(),
            shutting_down: AtomicBool::new(false),
            config_file,
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
        let info = ClientInfo {
            server_id: &self.id,
            server_name: &self.name,
            version: VERSION,
            proto: PROTO,
            go: LANG_VERSION,
            host: &self.opts.host,
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

    pub fn unregister_client(&self, c: &ClientShared) {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&c.cid);
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
            let listener = TcpListener::bind(&addr)
                .await
                .map_err(|e| format!("Can't listen to the Monitor port: listen tcp {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            *self.http_addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(local);
            info!("Starting http monitor on {}:{}", bracket_host(http_host), local.port());
            tokio::spawn(crate::monitor::serve(Arc::clone(self), listener));
        }
        let port = if self.opts.port < 0 { 0 } else { self.opts.port };
        let addr = format!("{}:{}", bracket_host(&self.opts.host), port);
        let listener =
            TcpListener::bind(&addr).await.map_err(|e| format!("Error listening on port: {addr}, \"{e}\""))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        *self.client_addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(local);
        info!("Listening for client connections on {}:{}", bracket_host(&self.opts.host), local.port());
        if self.auth.required() {
            info!("Client connection authentication required");
        }
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
                _ = self.shutdown.notified() => break,
            }
        }
        drop(listener);
        // Give connections a moment to flush and close.
        let deadline = Instant::now() + std::time::Duration::from_secs(2);
        while self.num_clients() > 0 && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        info!("Server Exiting..");
        Ok(())
    }
}

/// IPv6 hosts need brackets in `host:port` strings.
fn bracket_host(h: &str) -> String {
    if h.contains(':') && !h.starts_with('[') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

/// SIGINT/SIGTERM shut the server down; SIGHUP would reload the config (not yet
/// supported, so it is only logged).
async fn watch_signals(srv: Arc<Server>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
    else {
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
        }
    }
    srv.shutdown();
}
