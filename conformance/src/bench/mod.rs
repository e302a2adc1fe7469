//! Server benchmarks: the same workloads against several targets in one run, printed
//! with the ratio to the Go oracle: scales, figures, rounds and the table. The workloads
//! live in `core` (raw-protocol clients), `jetstream`, `cluster` (three servers joined
//! by routes), `replicated` (R3 streams and consumers on such a cluster) and `filestore`.
//!
//! These are measurements, never pass/fail tests: the machine, its load and the
//! client share the cores with the server under test.
mod cluster;
mod core;
mod filestore;
mod jetstream;
mod replicated;

use self::cluster::cluster_workloads;
use self::core::{memory_per_connection, pub_sub, queue_group, request_latency, wildcard_match};
use self::filestore::{file_store_workloads, FsLaunch};
use self::jetstream::jetstream_workloads;
use self::replicated::replicated_workloads;
use crate::harness::ServerProc;
use crate::progress::Progress;
use crate::target::{Launch, Target};
use anyhow::{anyhow, bail, Result};
use std::time::Duration;

/// Upper bound for any single workload, so a broken server cannot hang the bench.
const WORKLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// `f`, or an error naming `what` when it has no result within `limit`.
async fn bounded<T>(what: &str, limit: Duration, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, f).await.map_err(|_| anyhow!("{what}: no result within {limit:?}"))?
}

/// A client of `url`, connected with a bounded wait and no reconnect attempts at start.
async fn connect(url: &str) -> Result<async_nats::Client> {
    let connect = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(5)).connect(url);
    bounded("connect", Duration::from_secs(10), async { Ok(connect.await?) }).await
}

/// One figure of one workload on one target.
#[derive(Debug, Clone)]
pub struct Figure {
    pub workload: String,
    pub unit: &'static str,
    /// Higher is better (throughput) or lower is better (latency, memory).
    pub higher_is_better: bool,
    pub value: f64,
    /// Why there is no figure: the workload failed or the server never got there. Such a
    /// row is printed as `n/a`, never with a made-up number.
    pub failure: Option<String>,
    /// The whole error behind `failure` (its first line), printed when the group ends.
    pub failure_detail: Option<String>,
}

impl Figure {
    fn measured(workload: String, unit: &'static str, higher_is_better: bool, value: f64) -> Figure {
        Figure { workload, unit, higher_is_better, value, failure: None, failure_detail: None }
    }

    /// The figure of a workload that may fail on one target and not on another; the
    /// run goes on either way so the other rows still get measured.
    fn outcome(workload: String, unit: &'static str, higher_is_better: bool, r: Result<f64>) -> Figure {
        match r {
            Ok(v) => Figure::measured(workload, unit, higher_is_better, v),
            Err(e) => {
                let detail = format!("{e:#}");
                let first = detail.lines().next().unwrap_or_default().to_string();
                Figure {
                    workload,
                    unit,
                    higher_is_better,
                    value: f64::NAN,
                    failure: Some(first),
                    failure_detail: Some(detail),
                }
            }
        }
    }
}

/// How big the workloads are.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Bytes of payload per throughput workload, before the per-size message caps.
    pub bytes: usize,
    pub requests: usize,
    pub connections: usize,
    pub wildcard_subs: usize,
    /// Messages per JetStream workload.
    pub js_messages: usize,
    /// Messages on disk for the file-store read-back and kill -9 recovery workloads.
    pub fs_messages: usize,
    /// How long a restarted server may take to report all `fs_messages` again.
    pub fs_recovery_bound: Duration,
    /// Meta leaders killed in the failover workload.
    pub failovers: usize,
    /// Messages per replicated (R3) publish and consumer workload.
    pub r3_messages: usize,
    /// R3 stream leaders killed in the stream failover workload.
    pub stream_failovers: usize,
    /// Only the core or the file-store workloads (`--only core|filestore`).
    pub only: Option<Group>,
}

/// The parts of the bench: one server for the core and JetStream workloads, a
/// three-server cluster (with replicated JetStream), and a fresh server per
/// file-store workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    Core,
    Cluster,
    Filestore,
}

impl Group {
    /// What the progress shows while the group runs.
    pub fn label(self) -> &'static str {
        match self {
            Group::Core => "core and jetstream",
            Group::Cluster => "cluster and R3 JetStream",
            Group::Filestore => "filestore",
        }
    }
}

impl Scale {
    /// The groups a run measures, in the order it measures them.
    pub fn groups(&self) -> Vec<Group> {
        match self.only {
            Some(g) => vec![g],
            None => vec![Group::Core, Group::Cluster, Group::Filestore],
        }
    }

    pub fn full() -> Scale {
        Scale {
            bytes: 256 << 20,
            requests: 5000,
            connections: 2000,
            wildcard_subs: 100_000,
            js_messages: 200_000,
            fs_messages: 1_000_000,
            fs_recovery_bound: Duration::from_secs(120),
            failovers: 10,
            r3_messages: 20_000,
            stream_failovers: 3,
            only: None,
        }
    }
    /// The recovery bound is shorter here: 100k messages take Go well under a second,
    /// and a server that cannot recover should not cost minutes per round.
    pub fn quick() -> Scale {
        Scale {
            bytes: 16 << 20,
            requests: 500,
            connections: 200,
            wildcard_subs: 10_000,
            js_messages: 20_000,
            fs_messages: 100_000,
            fs_recovery_bound: Duration::from_secs(30),
            failovers: 3,
            r3_messages: 5_000,
            stream_failovers: 2,
            only: None,
        }
    }
}

fn count_for(size: usize, scale: &Scale) -> usize {
    (scale.bytes / size.max(1)).clamp(2_000, 2_000_000)
}

/// Runs every workload of the scale's groups against one target; `progress` counts
/// groups and failed figures.
pub async fn run_target(
    target: &Target,
    scale: Scale,
    root: &std::path::Path,
    progress: &Progress,
) -> Result<Vec<Figure>> {
    let Launch::Process { binary, args } = &target.launch else {
        bail!("bench needs a target it can start (not a url: target)");
    };
    let launch = FsLaunch { binary, args, ready_line: target.ready_log_line.clone(), root };
    let mut figs = Vec::new();
    for group in scale.groups() {
        progress.set_label(format!("{} on {}", group.label(), target.name));
        let part = match group {
            Group::Core => core_and_jetstream(target, binary, args, &scale, root).await?,
            Group::Cluster => {
                let ready = target.ready_log_line.clone();
                let mut figs = cluster_workloads(root, binary, args, ready.clone(), &scale).await;
                figs.extend(replicated_workloads(root, binary, args, ready, &scale).await);
                figs
            }
            Group::Filestore => file_store_workloads(&launch, &scale).await,
        };
        let mut failed = 0;
        for f in &part {
            if let Some(detail) = &f.failure_detail {
                failed += 1;
                progress.eprintln(format!("bench: {}: failed: {detail}", f.workload));
            }
        }
        progress.advance_by(1, failed);
        figs.extend(part);
    }
    Ok(figs)
}

/// The raw-protocol core workloads and the JetStream ones, on one fresh server.
async fn core_and_jetstream(
    target: &Target,
    binary: &std::path::Path,
    args: &[String],
    scale: &Scale,
    root: &std::path::Path,
) -> Result<Vec<Figure>> {
    let config = "max_connections: 100000\nmax_pending: 256MB\njetstream { store_dir: \"{store_dir}\" }\n";
    let mut server = ServerProc::new(&crate::suite::sanitize(&target.name), root, binary, args, config)?;
    server.ready_line = target.ready_log_line.clone();
    server.start().await?;
    let addr = format!("127.0.0.1:{}", server.port);
    let url = server.client_url();
    let mut figs = Vec::new();
    let mut push = |workload: String, unit, higher_is_better, value| {
        figs.push(Figure::measured(workload, unit, higher_is_better, value));
    };
    let work = async {
        // First, on the fresh server: after the throughput rows, a server that
        // keeps its grown heap (Go) fits new connections in memory it already
        // holds, and the row would measure nothing.
        let per_conn = memory_per_connection(&addr, server.pid()?, scale.connections).await?;
        push(format!("memory per connection ({})", scale.connections), "KiB", false, per_conn);
        for size in [16usize, 128, 1024, 65536] {
            let n = count_for(size, scale);
            let rate = pub_sub(&addr, size, n, 1).await?;
            push(format!("pub/sub 1:1 {size} B"), "msgs/s", true, rate);
        }
        for size in [16usize, 1024] {
            let n = count_for(size, scale) / 4;
            let rate = pub_sub(&addr, size, n, 4).await?;
            push(format!("fan-out 1:4 {size} B"), "msgs/s", true, rate);
        }
        let rate = queue_group(&addr, 128, count_for(128, scale), 4).await?;
        push("queue group of 4, 128 B".into(), "msgs/s", true, rate);
        let rate = wildcard_match(&addr, scale.wildcard_subs, count_for(64, scale) / 4).await?;
        push(format!("match with {} subs", scale.wildcard_subs), "msgs/s", true, rate);
        let (p50, p99) = request_latency(&url, scale.requests).await?;
        push("request/reply p50".into(), "µs", false, p50);
        push("request/reply p99".into(), "µs", false, p99);
        jetstream_workloads(&url, scale, &mut push).await?;
        anyhow::Ok(())
    };
    let res = tokio::time::timeout(WORKLOAD_TIMEOUT * 5, work).await;
    server.kill();
    match res {
        Err(_) => bail!("bench against {} timed out", target.name),
        Ok(r) => r?,
    }
    Ok(figs)
}

/// Merges a new round into the best-so-far figures (max throughput, min cost). A
/// failed round is sticky: a better round elsewhere must not hide it.
pub fn keep_best(best: &mut Vec<Figure>, round: Vec<Figure>) {
    for r in round {
        let Some(b) = best.iter_mut().find(|b| b.workload == r.workload) else {
            best.push(r);
            continue;
        };
        if b.failure.is_some() {
            continue;
        }
        let better = if b.higher_is_better { r.value > b.value } else { r.value < b.value };
        if r.failure.is_some() || better {
            *b = r;
        }
    }
}

/// Formats the figures of several targets as a Markdown table, with each target's
/// ratio to the first one named `go`.
pub fn table(results: &[(String, Vec<Figure>)]) -> String {
    let mut out = String::from("| workload |");
    for (name, _) in results {
        out.push_str(&format!(" {name} |"));
    }
    let go = results.iter().position(|(n, _)| n == "go");
    let others: Vec<usize> = (0..results.len()).filter(|i| Some(*i) != go).collect();
    if go.is_some() {
        for i in &others {
            out.push_str(&format!(" {}/go |", results[*i].0));
        }
    }
    out.push_str("\n|---|");
    for _ in 0..results.len() + if go.is_some() { others.len() } else { 0 } {
        out.push_str("---:|");
    }
    out.push('\n');
    // Rows by workload name, in order of first appearance, so a target that lacks a
    // row cannot shift the others.
    let mut rows: Vec<&Figure> = Vec::new();
    for f in results.iter().flat_map(|(_, figs)| figs) {
        if !rows.iter().any(|r| r.workload == f.workload) {
            rows.push(f);
        }
    }
    let find = |i: usize, w: &str| results[i].1.iter().find(|f| f.workload == w);
    for f in rows {
        out.push_str(&format!(
            "| {} ({}{}) |",
            f.workload,
            f.unit,
            if f.higher_is_better { ", higher is better" } else { ", lower is better" }
        ));
        for i in 0..results.len() {
            let cell = match find(i, &f.workload) {
                Some(Figure { failure: Some(why), .. }) => format!("n/a ({why})"),
                Some(x) => fmt_value(x.value),
                None => String::new(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        if let Some(g) = go {
            for i in &others {
                let value = |i| find(i, &f.workload).filter(|x| x.failure.is_none()).map(|x| x.value);
                let cell = match (value(*i), value(g)) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
                    _ => "n/a".into(),
                };
                out.push_str(&format!(" {cell} |"));
            }
        }
        out.push('\n');
    }
    out
}

fn fmt_value(v: f64) -> String {
    if v >= 100_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    #[test]
    fn table_has_ratios_against_go() {
        let f = |v| vec![Figure::measured("w".into(), "msgs/s", true, v)];
        let t = table(&[("rnats".into(), f(200.0)), ("go".into(), f(100.0))]);
        assert!(t.contains("rnats/go"), "{t}");
        assert!(t.contains("| 2.00 |"), "{t}");
    }

    #[test]
    fn a_failed_figure_is_na_and_stays_failed() {
        let ok = |v| Figure::measured("recovery".into(), "ms", false, v);
        let failed = Figure::outcome("recovery".into(), "ms", false, Err(anyhow!("saw 0 of 10 msgs")));
        let mut best = Vec::new();
        keep_best(&mut best, vec![ok(5.0)]);
        keep_best(&mut best, vec![failed]);
        keep_best(&mut best, vec![ok(1.0)]);
        let t = table(&[("rnats".into(), best), ("go".into(), vec![ok(2.0)])]);
        assert!(t.contains("| n/a (saw 0 of 10 msgs) | 2.00 | n/a |"), "{t}");
        assert!(t.contains("lower is better"), "{t}");
    }

    #[test]
    fn counts_are_bounded() {
        let s = Scale::quick();
        assert_eq!(count_for(16, &s), 1_048_576);
        assert_eq!(count_for(65536, &s), 2_000);
    }
}
