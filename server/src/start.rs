//! Starting and stopping a server: the banner, binding the client and
//! monitoring listeners, the accept loop, JetStream's start-up, the ports and
//! pid files, signals, lame duck mode and the shutdown sequence (Go's
//! `Server.Start`, `AcceptLoop`, `lameDuckMode` and `Shutdown` in
//! `server/server.go`, and `server/signal.go`).
//!
//! This is the top of the module graph: it wires the server's state
//! (`server`) to the protocols (`client`), the services (`system`,
//! `jetstream::service`) and monitoring (`monitor`).
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use crate::connection::CloseReason;
use crate::consts::VERSION;
use crate::jetstream::service::Service;
use crate::server::{jetstream_store_dir, Server};

/// Longest wait at shutdown for JetStream to store what is queued and save
/// its state files.
const JETSTREAM_STOP_LIMIT: Duration = Duration::from_secs(10);

impl Server {
    /// Lame duck mode (Go's `lameDuckMode`): stop accepting, tell clients via INFO
    /// `ldm`, wait the grace period, then close clients spread over the rest of
    /// `lame_duck_duration` and shut down.
    async fn lame_duck(self: Arc<Self>) {
        if self.lame_duck.swap(true, Ordering::SeqCst) || self.is_shutting_down() {
            return;
        }
        info!("Entering lame duck mode, stop accepting new clients");
        // RAFT groups stop campaigning and hand over any leadership (Go's
        // `transferRaftLeaders` and observer mode for lame duck).
        if let Some(js) = self.jetstream.as_ref().filter(|js| js.meta().is_some()) {
            js.hand_over_groups(false);
        }
        if let Some(meta) = self.jetstream.as_ref().and_then(|js| js.meta()) {
            meta.lame_duck();
        }
        self.stop_accept.notify_one();
        if self.is_clustered() {
            crate::route::announce_lame_duck(&self);
        }
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
                    tokio::time::sleep(pause.min(Duration::from_secs(1))).await;
                }
            }
        }
        crate::system::shutdown_event(&self);
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
        /// Go's `Ports`, the listeners rnats has.
        #[derive(serde::Serialize)]
        struct Ports {
            nats: Vec<String>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            monitoring: Vec<String>,
        }
        let http = *self.http_addr.lock().unwrap_or_else(|e| e.into_inner());
        let ports = Ports {
            nats: vec![format!("nats://{client}")],
            monitoring: http.map(|h| format!("http://{h}")).into_iter().collect(),
        };
        match std::fs::write(&path, crate::json::to_vec(&ports)) {
            Ok(()) => Some(path),
            Err(e) => {
                error!("Error writing ports file ({}): {e}", path.display());
                None
            }
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
            .filter(|u| self.sys_only_user.as_deref() != Some(u.username.as_str()))
            .any(|u| !u.password.starts_with("$2"))
            || self.opts.password.as_deref().is_some_and(|p| !p.starts_with("$2"));
        if plaintext {
            warn!("Plaintext passwords detected, use nkeys or bcrypt");
        }
        if let Some(f) = &self.config_file {
            info!("Using configuration file: {f}");
        }
    }

    /// Logs Go's JetStream banner, creates the store directory, loads the
    /// stored streams and puts JetStream on the message path.
    fn start_jetstream(self: &Arc<Self>) -> Option<Service> {
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
        if self.is_clustered() && !self.opts.no_system_account {
            let cfg = crate::jetstream::cluster::MetaConfig {
                server_name: self.name.clone(),
                server_id: self.id.clone(),
                cluster_name: self.opts.cluster.name.clone().unwrap_or_default(),
                store_dir: dir.clone(),
                routes: self.opts.cluster.routes.len(),
                sys: self.accounts.get_or_create(self.system_account_name()),
                sync_every: js.config().sync.interval(),
            };
            if let Some(meta) = crate::jetstream::cluster::Meta::start(cfg, &|| self.next_client_id()) {
                js.set_meta(meta);
            }
        }
        Some(Service::start(Arc::clone(js), Arc::clone(&self.accounts), &|| self.next_client_id()))
    }

    /// Binds the listeners and serves until shutdown. Returns an error text if a
    /// listener cannot be bound.
    pub async fn run(self: &Arc<Self>) -> Result<(), String> {
        self.print_banner();
        crate::system::install(self);
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
        let jetstream = self.start_jetstream();
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
        if self.is_clustered() {
            crate::route::start(self).await?;
        }

        tokio::spawn(watch_signals(Arc::clone(self)));

        loop {
            tokio::select! {
                r = listener.accept() => {
                    match r {
                        Ok((stream, peer)) => {
                            if self.is_shutting_down() {
                                continue;
                            }
                            let cid = self.next_client_id();
                            tokio::spawn(crate::client::serve(Arc::clone(self), stream, cid, peer));
                        }
                        Err(e) => {
                            error!("Temporary Client Accept Error({e}), sleeping 10ms");
                            tokio::time::sleep(Duration::from_millis(10)).await;
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
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.num_clients() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if let Some(path) = ports_file {
            let _ = std::fs::remove_file(path);
        }
        if let Some(js) = jetstream {
            js.stop(JETSTREAM_STOP_LIMIT).await;
        }
        info!("Server Exiting..");
        Ok(())
    }
}

/// Go's `friendlyBytes`: `17.66 GB`.
fn friendly_bytes(bytes: i64) -> String {
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
    crate::system::shutdown_event(&srv);
    srv.shutdown();
}
