//! No server outlives the runner: not after Ctrl-C, not after SIGTERM, not after the
//! runner itself is killed with SIGKILL. Uses a tiny fake server (python3) so the test
//! depends on neither rnats nor the Go oracle.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FAKE_SERVER: &str = r#"#!/usr/bin/env python3
import re, socket, sys
if "--version" in sys.argv:
    print("fake-server: v2.15.1")
    sys.exit(0)
conf = open(sys.argv[sys.argv.index("-c") + 1]).read()
port = int(re.search(r"^port: (\d+)", conf, re.M).group(1))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
print(f"[1] Listening for client connections on 127.0.0.1:{port}", file=sys.stderr, flush=True)
conns = []
while True:
    c, _ = s.accept()
    c.sendall(b'INFO {"server_id":"FAKE"}\r\n')
    conns.append(c)
"#;

const FEATURE: &str = r#"Feature: Waits long
  Scenario: holds a server open
    Given a server
    And a raw connection "r"
    Then "r" receives no data within 60s
"#;

/// Sets up a fake server and a features folder; returns (dir, fake server path).
fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake-nats-server");
    std::fs::write(&fake, FAKE_SERVER).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let feats = dir.path().join("features/reaper");
    std::fs::create_dir_all(&feats).unwrap();
    std::fs::write(feats.join("wait.feature"), FEATURE).unwrap();
    (dir, fake)
}

fn start_runner(dir: &Path, fake: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["run", "--target", &format!("bin:{}", fake.display()), "--subsystem", "reaper", "--features"])
        .arg(dir.join("features"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Pids of processes whose command line mentions `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
        if String::from_utf8_lossy(&cmd).contains(needle) && pid != std::process::id() as i32 {
            out.push(pid);
        }
    }
    out
}

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    // Bounded: every wait in this test has a deadline.
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn check_signal(sig: i32) {
    let (dir, fake) = setup();
    let needle = fake.to_string_lossy().to_string();
    let mut runner = start_runner(dir.path(), &fake);
    let sanitized: String = format!("bin:{needle}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let prefix = format!("nats-conformance-{sanitized}-");
    // The fake server's cmdline is "python3 <fake> -c <config>" once it runs; the
    // runner's (and a child's between fork and exec) holds "bin:<fake>".
    let server_pids =
        || pids_with(&format!("{needle}\0-c\0")).into_iter().filter(|p| *p != runner_pid(&runner)).collect::<Vec<_>>();
    wait_for("the server to start", Duration::from_secs(30), || !server_pids().is_empty());
    // Let the scenario reach its long wait, so the runner is mid-scenario when signalled.
    wait_for("the scenario to connect", Duration::from_secs(30), || {
        std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten().any(|e| {
            e.file_name().to_string_lossy().starts_with(&prefix)
                && e.path().join("reaper_wait_holds-a-server-open/S/server.conf").exists()
        })
    });
    let servers = server_pids();
    unsafe {
        libc::kill(runner.id() as i32, sig);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while runner.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "runner ignored signal {sig}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let gone = || servers.iter().all(|p| !Path::new(&format!("/proc/{p}")).exists() || is_zombie(*p));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if !gone() {
        for p in &servers {
            unsafe {
                libc::kill(*p, libc::SIGKILL);
            }
        }
        panic!("server processes {servers:?} outlived the runner (signal {sig})");
    }
}

fn runner_pid(c: &Child) -> i32 {
    c.id() as i32
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(true)
}

#[test]
fn ctrl_c_kills_servers() {
    check_signal(libc::SIGINT);
}

#[test]
fn sigterm_kills_servers() {
    check_signal(libc::SIGTERM);
}

#[test]
fn sigkill_of_the_runner_kills_servers() {
    check_signal(libc::SIGKILL);
}
