//! Server processes under test: generated configs, free ports on 127.0.0.1, a temp
//! folder each, and process control (start, stop, kill -9, restart, reload, pause).
//!
//! No server may outlive the run: each child gets `PR_SET_PDEATHSIG(SIGKILL)`, every
//! live pid is kept in a registry that `ReaperGuard` and the Ctrl-C handler kill, and
//! dropping a `ServerProc` kills its process.
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// How long a server may take to accept clients after it is started.
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// What Go (and rnats) log once the client listener is bound; client test suites wait
/// for it too.
pub const LISTENING_LINE: &str = "Listening for client connections on";

/// How long a graceful stop may take before the process is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

fn live() -> &'static Mutex<HashSet<i32>> {
    static LIVE: OnceLock<Mutex<HashSet<i32>>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(HashSet::new()))
}

fn used_ports() -> &'static Mutex<HashSet<u16>> {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    USED.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Kills every server process this run started. Safe to call from a panic hook or a
/// signal handler thread.
pub fn kill_all() {
    let pids: Vec<i32> = live().lock().map(|mut l| l.drain().collect()).unwrap_or_default();
    for pid in pids {
        // SAFETY: kill(2) with a pid we spawned; a stale pid is harmless here because
        // we only register children and reap them before unregistering.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// Installs a SIGINT/SIGTERM handler that kills all servers before the process goes
/// away. (A panic unwinds through `ReaperGuard`; a `kill -9` of the runner is covered
/// by each child's parent-death signal.)
pub fn install_reaper() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(_) => return,
            };
            rt.block_on(async {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
                else {
                    return;
                };
                let code = tokio::select! {
                    _ = int.recv() => 130,
                    _ = term.recv() => 143,
                };
                kill_all();
                eprintln!("conformance: interrupted; all servers killed");
                std::process::exit(code);
            });
        });
    });
}

/// Guard that kills all servers when dropped: holds for the whole run so even an
/// early return or unwinding panic in the runner cleans up.
pub struct ReaperGuard;

impl Drop for ReaperGuard {
    fn drop(&mut self) {
        kill_all();
    }
}

/// A free TCP port on 127.0.0.1, not handed out before in this run.
///
/// Ports come from below the kernel's ephemeral range: a port picked there
/// and released until the server binds it could meanwhile become the source
/// port of any outgoing connection (a route dial, a client), and a server
/// restarted on its old ports would find it taken. Below the range only
/// another listener can take it.
pub fn free_port() -> Result<u16> {
    let (low, high) = listen_port_range();
    let span = u32::from(high - low);
    let start = rand::random::<u32>() % span;
    let mut used = used_ports().lock().map_err(|_| anyhow!("port registry poisoned"))?;
    for i in 0..span {
        let port = low + ((start + i) % span) as u16;
        if used.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            used.insert(port);
            return Ok(port);
        }
    }
    bail!("no free port found between {low} and {high}")
}

/// Where listen ports are picked: from 10000 up to the start of the
/// ephemeral range (`net.ipv4.ip_local_port_range`, 32768 by default).
fn listen_port_range() -> (u16, u16) {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse::<u16>().ok()))
        .unwrap_or(32768);
    if ephemeral_low > 11000 {
        (10000, ephemeral_low)
    } else {
        // An unusual range: fall back to above it.
        (61000, 65000)
    }
}

/// One server process and everything it owns on disk.
#[derive(Debug)]
pub struct ServerProc {
    pub name: String,
    pub dir: PathBuf,
    pub store_dir: PathBuf,
    pub config_path: PathBuf,
    pub log_path: PathBuf,
    pub port: u16,
    pub http_port: u16,
    /// Scenario-supplied config lines, before placeholder substitution.
    pub extra_config: String,
    /// A log line (followed by `127.0.0.1:<port>`) that proves this process listens on
    /// its port. Without it, a probe could be answered by another program that grabbed
    /// the port between allocation and bind, e.g. a second runner on the machine.
    pub ready_line: Option<String>,
    binary: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    paused: bool,
}

impl ServerProc {
    pub fn new(name: &str, parent: &Path, binary: &Path, args: &[String], extra_config: &str) -> Result<Self> {
        let dir = parent.join(name);
        let store_dir = dir.join("store");
        std::fs::create_dir_all(&store_dir).with_context(|| format!("creating {}", store_dir.display()))?;
        Ok(ServerProc {
            name: name.to_string(),
            config_path: dir.join("server.conf"),
            log_path: dir.join("server.log"),
            store_dir,
            dir,
            port: free_port()?,
            http_port: free_port()?,
            extra_config: extra_config.to_string(),
            ready_line: Some(LISTENING_LINE.to_string()),
            binary: binary.to_path_buf(),
            args: args.to_vec(),
            child: None,
            paused: false,
        })
    }

    pub fn client_url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn monitor_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Replaces `{store_dir}`, `{port}`, `{http_port}`, `{name}` and `{dir}`.
    pub fn substitute(&self, text: &str) -> String {
        text.replace("{store_dir}", &self.store_dir.to_string_lossy())
            .replace("{port}", &self.port.to_string())
            .replace("{http_port}", &self.http_port.to_string())
            .replace("{name}", &self.name)
            .replace("{dir}", &self.dir.to_string_lossy())
    }

    /// The whole config file: the harness's listen settings, then the scenario's lines.
    pub fn render_config(&self) -> String {
        format!(
            "# generated by the conformance harness\nserver_name: \"{}\"\nhost: 127.0.0.1\nport: {}\nhttp: \"127.0.0.1:{}\"\n\n{}\n",
            self.name,
            self.port,
            self.http_port,
            self.substitute(&self.extra_config)
        )
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Writes the config, spawns the process and waits until it accepts clients. A port
    /// taken in the meantime (another runner on the machine) gets new ports and a retry,
    /// but only on the first start: a restart must keep its ports.
    pub async fn start(&mut self) -> Result<()> {
        let first_start = self.child.is_none() && !self.log_path.exists();
        let mut attempt = 0;
        loop {
            let log_before = std::fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
            match self.start_once().await {
                Err(e)
                    if first_start && attempt < 3 && self.log_since(log_before).contains("address already in use") =>
                {
                    attempt += 1;
                    self.kill();
                    self.port = free_port()?;
                    self.http_port = free_port()?;
                    let _ = e;
                }
                other => return other,
            }
        }
    }

    async fn start_once(&mut self) -> Result<()> {
        if self.is_running() {
            bail!("server {} is already running", self.name);
        }
        std::fs::write(&self.config_path, self.render_config())?;
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log_path)?;
        let args: Vec<String> =
            self.args.iter().map(|a| a.replace("{config}", &self.config_path.to_string_lossy())).collect();
        let mut cmd = Command::new(&self.binary);
        cmd.args(&args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().with_context(|| format!("spawning {}", self.binary.display()))?;
        live().lock().map_err(|_| anyhow!("pid registry poisoned"))?.insert(child.id() as i32);
        self.child = Some(child);
        self.paused = false;
        self.wait_ready(READY_TIMEOUT).await
    }

    /// Starts the server expecting it to refuse its config and exit non-zero; returns
    /// its log. A server that comes up instead is an error (and is killed).
    pub async fn start_expecting_failure(&mut self) -> Result<String> {
        let before = std::fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        match self.start_once().await {
            Ok(()) => {
                self.kill();
                bail!("server {} started, expected it to refuse its config\n{}", self.name, self.log_tail(10))
            }
            Err(_) if !self.is_running() => Ok(self.log_since(before)),
            Err(e) => {
                self.kill();
                Err(e)
            }
        }
    }

    /// Polls the client port until the server greets with INFO.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.reap();
                bail!("server {} exited during start-up ({status})\n{}", self.name, self.log_tail(30));
            }
            let listening = match &self.ready_line {
                Some(line) => self.log().contains(&format!("{line} 127.0.0.1:{}", self.port)),
                None => true,
            };
            if listening && probe_info(self.port).await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("server {} not ready after {:?}\n{}", self.name, timeout, self.log_tail(30));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> Result<i32> {
        self.child.as_ref().map(|c| c.id() as i32).ok_or_else(|| anyhow!("server {} is not running", self.name))
    }

    /// Sends a Unix signal to the server process.
    pub fn signal(&self, sig: i32) -> Result<()> {
        let pid = self.pid()?;
        // SAFETY: plain kill(2) on our own child.
        if unsafe { libc::kill(pid, sig) } != 0 {
            bail!("kill({pid}, {sig}) failed: {}", std::io::Error::last_os_error());
        }
        Ok(())
    }

    fn reap(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
            if let Ok(mut l) = live().lock() {
                l.remove(&(c.id() as i32));
            }
        }
    }

    /// Graceful stop: SIGTERM, then SIGKILL if it takes longer than `STOP_TIMEOUT`.
    pub async fn stop(&mut self) -> Result<()> {
        if self.child.is_none() {
            return Ok(());
        }
        if self.paused {
            self.signal(libc::SIGCONT)?;
            self.paused = false;
        }
        self.signal(libc::SIGTERM)?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.reap();
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill();
        bail!("server {} ignored SIGTERM for {:?}; killed", self.name, STOP_TIMEOUT)
    }

    /// `kill -9`: no chance to flush or clean up.
    pub fn kill(&mut self) {
        if self.child.is_some() {
            let _ = self.signal(libc::SIGKILL);
            self.reap();
        }
        self.paused = false;
    }

    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await?;
        self.start().await
    }

    pub fn pause(&mut self) -> Result<()> {
        self.signal(libc::SIGSTOP)?;
        self.paused = true;
        Ok(())
    }

    pub fn resume(&mut self) -> Result<()> {
        self.signal(libc::SIGCONT)?;
        self.paused = false;
        Ok(())
    }

    /// Rewrites the config with new scenario lines and sends SIGHUP, then waits for the
    /// server to log the outcome. Returns an error carrying the server's complaint when
    /// the reload is rejected.
    pub async fn reload(&mut self, extra_config: &str, timeout: Duration) -> Result<()> {
        let before = std::fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        self.extra_config = extra_config.to_string();
        std::fs::write(&self.config_path, self.render_config())?;
        self.signal(libc::SIGHUP)?;
        let deadline = Instant::now() + timeout;
        loop {
            let new = self.log_since(before);
            if new.contains("Reloaded server configuration") {
                return Ok(());
            }
            if let Some(line) = new.lines().find(|l| l.contains("Failed to reload") || l.contains("[ERR]")) {
                bail!("reload rejected: {line}");
            }
            if Instant::now() >= deadline {
                bail!("server {} did not report a reload within {:?}\n{}", self.name, timeout, self.log_tail(20));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn log_since(&self, offset: u64) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log_path) {
            if f.seek(SeekFrom::Start(offset)).is_ok() {
                let _ = f.read_to_string(&mut s);
            }
        }
        s
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        self.log_since(0)
    }

    /// The last `n` lines of the server's log, for failure reports.
    pub fn log_tail(&self, n: usize) -> String {
        let text = self.log();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(n);
        format!(
            "--- last {} lines of {} ---\n{}",
            lines.len() - start,
            self.log_path.display(),
            lines[start..].join("\n")
        )
    }

    /// Truncates a file under the store dir (path relative to it) to `len` bytes.
    pub fn truncate_store_file(&self, rel: &str, len: u64) -> Result<()> {
        let p = self.find_store_file(rel)?;
        let f = std::fs::OpenOptions::new().write(true).open(&p)?;
        f.set_len(len)?;
        Ok(())
    }

    /// Flips every bit of `count` bytes at `offset` in a store file.
    pub fn corrupt_store_file(&self, rel: &str, offset: u64, count: usize) -> Result<()> {
        let p = self.find_store_file(rel)?;
        let mut data = std::fs::read(&p)?;
        let start = (offset as usize).min(data.len());
        let end = (start + count).min(data.len());
        for b in &mut data[start..end] {
            *b = !*b;
        }
        std::fs::write(&p, data)?;
        Ok(())
    }

    /// Resolves a store-relative path; a `*` in the last part matches any file name
    /// (e.g. `jetstream/$G/streams/S/msgs/*.blk`).
    pub fn find_store_file(&self, rel: &str) -> Result<PathBuf> {
        let full = self.store_dir.join(rel);
        if full.exists() {
            return Ok(full);
        }
        let parent = full.parent().ok_or_else(|| anyhow!("bad path {rel}"))?;
        let pattern = full.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let re = regex::Regex::new(&format!("^{}$", regex::escape(&pattern).replace(r"\*", ".*")))?;
        let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
            .with_context(|| format!("reading {}", parent.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(|n| re.is_match(&n.to_string_lossy())))
            .collect();
        found.sort();
        found.into_iter().next().ok_or_else(|| anyhow!("no file matches {rel} in {}", self.store_dir.display()))
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// True when a TCP connect to the port gets an `INFO ` line.
async fn probe_info(port: u16) -> bool {
    let attempt = async {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let mut reader = tokio::io::BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).await.ok()?;
        line.starts_with("INFO ").then_some(())
    };
    matches!(tokio::time::timeout(Duration::from_millis(500), attempt).await, Ok(Some(())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_not_reused() {
        let a = free_port().unwrap();
        let b = free_port().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn config_has_listen_settings_and_placeholders() {
        let dir = tempfile::tempdir().unwrap();
        let s =
            ServerProc::new("A", dir.path(), Path::new("/bin/true"), &[], "jetstream { store_dir: \"{store_dir}\" }")
                .unwrap();
        let c = s.render_config();
        assert!(c.contains(&format!("port: {}", s.port)));
        assert!(c.contains(&format!("http: \"127.0.0.1:{}\"", s.http_port)));
        assert!(c.contains(&s.store_dir.to_string_lossy().to_string()));
        assert!(!c.contains("{store_dir}"));
    }

    #[tokio::test]
    async fn a_server_that_exits_fails_fast_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            ServerProc::new("A", dir.path(), Path::new("/bin/sh"), &["-c".into(), "echo boom; exit 3".into()], "")
                .unwrap();
        let err = s.start().await.unwrap_err().to_string();
        assert!(err.contains("exited during start-up"), "{err}");
        assert!(err.contains("boom"), "{err}");
    }
}
