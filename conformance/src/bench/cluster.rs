//! Cluster bench workloads: three servers of one target joined by routes.
//! A message published on one server and received on another crosses one
//! route; the rows measure that path (pub/sub across servers, fan-out to
//! every server, a queue group spread over the servers, request/reply across
//! servers). With JetStream on, the failover rows kill the meta leader
//! (`kill -9`) and time until both survivors name the same new one, over
//! several kills. The JetStream cluster, its meta leader and the failover
//! figures are shared with the replicated-stream rows (`replicated`).
//!
//! Before each workload the publisher's server must know the remote
//! subscribers' interest. A subscriber subscribes to the workload subject and
//! then to a sentinel subject on the same connection, so routes carry the two
//! in that order; once a sentinel published on the publisher's server reaches
//! the subscriber, the workload interest has arrived too.
use super::core::{fan_in, queue_share, request_latency_between, subscriber, Conn};
use super::{count_for, Figure, Scale};
use crate::harness::{free_port, ServerProc};
use crate::steps::monitor::http_get;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long three servers may take to form a full mesh.
const FORMATION: Duration = Duration::from_secs(30);
/// How long interest may take to cross a route.
const PROPAGATION: Duration = Duration::from_secs(10);

/// Three servers with every route URL listed on each. Fields drop in order: the
/// processes are killed before a JetStream cluster's folder goes.
pub(super) struct Cluster {
    pub(super) nodes: Vec<ServerProc>,
    /// The fresh folder of a JetStream cluster, so no run recovers another's stores.
    _dir: Option<tempfile::TempDir>,
}

impl Cluster {
    /// Three servers; `extra` goes into each config (e.g. JetStream).
    async fn start(
        root: &Path,
        binary: &Path,
        args: &[String],
        ready_line: Option<String>,
        extra: &str,
    ) -> Result<Cluster> {
        let route_ports: Vec<u16> = (0..3).map(|_| free_port()).collect::<Result<_>>()?;
        let routes: Vec<String> = route_ports.iter().map(|p| format!("\"nats-route://127.0.0.1:{p}\"")).collect();
        let mut nodes = Vec::new();
        for (i, port) in route_ports.iter().enumerate() {
            let config = format!(
                "max_pending: 256MB\n{extra}cluster {{\n  name: \"BENCH\"\n  listen: \"127.0.0.1:{port}\"\n  routes: [{}]\n}}\n",
                routes.join(", ")
            );
            let mut node = ServerProc::new(&format!("node{}", i + 1), root, binary, args, &config)?;
            node.ready_line = ready_line.clone();
            node.start().await?;
            nodes.push(node);
        }
        let cluster = Cluster { nodes, _dir: None };
        cluster.wait_formed().await?;
        Ok(cluster)
    }

    /// Three JetStream servers on fresh stores in a new folder under `root` (named
    /// after `name`), once they agree on a meta leader.
    pub(super) async fn start_jetstream(
        root: &Path,
        name: &str,
        binary: &Path,
        args: &[String],
        ready_line: Option<String>,
    ) -> Result<Cluster> {
        std::fs::create_dir_all(root)?;
        let dir = tempfile::Builder::new().prefix(&format!("{name}-")).tempdir_in(root)?;
        let js = "jetstream { store_dir: \"{store_dir}\" }\n";
        let mut c = Cluster::start(dir.path(), binary, args, ready_line, js).await?;
        c._dir = Some(dir);
        let all: Vec<&ServerProc> = c.nodes.iter().collect();
        agreed_leader(&all, None, FAILOVER_BOUND).await?;
        Ok(c)
    }

    /// Polls `/routez` until every server has routes to both others.
    pub(super) async fn wait_formed(&self) -> Result<()> {
        let deadline = Instant::now() + FORMATION;
        loop {
            let mut formed = true;
            for n in &self.nodes {
                let (status, body) = http_get(&format!("{}/routez", n.monitor_url())).await.unwrap_or_default();
                let names: std::collections::BTreeSet<String> = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["routes"].as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| r["remote_name"].as_str().map(str::to_string))
                    .collect();
                formed &= status == 200 && names.len() == self.nodes.len() - 1;
            }
            if formed {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the cluster did not form within {FORMATION:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn addr(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.nodes[i].port)
    }

    /// Which of the nodes has the server name `name`.
    pub(super) fn index_of(&self, name: &str) -> Result<usize> {
        self.nodes.iter().position(|n| n.name == name).with_context(|| format!("{name} is not one of our servers"))
    }

    /// The last `lines` log lines of every node, each under its name, for a
    /// failure's details.
    pub(super) fn log_tails(&self, lines: usize) -> String {
        let mut out = String::new();
        for n in &self.nodes {
            out.push_str(&format!("--- {} log, last {lines} lines:\n{}\n", n.name, n.log_tail(lines).trim_end()));
        }
        out
    }

    pub(super) fn kill(&mut self) {
        for n in &mut self.nodes {
            n.kill();
        }
    }
}

/// Subscribes on `sub_addr` and waits until a publisher on `pub_addr` reaches it.
async fn remote_subscriber(pub_addr: &str, sub_addr: &str, subject: &str, queue: Option<&str>) -> Result<Conn> {
    let mut sub = subscriber(sub_addr, subject, queue).await?;
    let sentinel = format!("bench.sync.{}", rand::random::<u32>());
    sub.send(format!("SUB {sentinel} 99\r\nPING\r\n").as_bytes()).await?;
    sub.wait_pong().await?;
    let mut probe = Conn::open(pub_addr).await?;
    let deadline = Instant::now() + PROPAGATION;
    loop {
        probe.send(format!("PUB {sentinel} 0\r\n\r\nPING\r\n").as_bytes()).await?;
        probe.wait_pong().await?;
        if sub.saw_msg_within(Duration::from_millis(50)).await? {
            break;
        }
        if Instant::now() > deadline {
            bail!("interest in {subject} did not reach {pub_addr} within {PROPAGATION:?}");
        }
    }
    // Sentinels still in flight arrive before this PONG and are skipped.
    sub.send(b"UNSUB 99\r\nPING\r\n").await?;
    sub.wait_pong().await?;
    Ok(sub)
}

/// Publisher on server 0, subscribers on the servers in `on`; returns
/// delivered messages per second.
async fn across(c: &Cluster, on: &[usize], size: usize, count: usize) -> Result<f64> {
    let subject = "bench.cluster";
    let pub_addr = c.addr(0);
    let mut readers = Vec::new();
    for &i in on {
        readers.push(remote_subscriber(&pub_addr, &c.addr(i), subject, None).await?);
    }
    fan_in(&pub_addr, subject, readers, size, count).await
}

/// A queue group with one member on each server, publisher on server 0.
async fn queue_across(c: &Cluster, size: usize, count: usize) -> Result<f64> {
    let subject = "bench.cluster.queue";
    let pub_addr = c.addr(0);
    let mut members = Vec::new();
    for i in 0..c.nodes.len() {
        members.push(remote_subscriber(&pub_addr, &c.addr(i), subject, Some("q")).await?);
    }
    queue_share(&pub_addr, subject, members, size, count).await
}

/// Runs the cluster rows on a fresh three-server cluster of the target.
pub(super) async fn cluster_workloads(
    root: &Path,
    binary: &Path,
    args: &[String],
    ready_line: Option<String>,
    scale: &Scale,
) -> Vec<Figure> {
    let mut figs = Vec::new();
    let mut cluster = match Cluster::start(&root.join("cluster"), binary, args, ready_line.clone(), "").await {
        Ok(c) => c,
        Err(e) => {
            let e = e.context("starting a three-server cluster");
            for w in ["cluster pub/sub 16 B", "cluster pub/sub 1024 B"] {
                figs.push(Figure::outcome(w.into(), "msgs/s", true, Err(anyhow::anyhow!("{e:#}"))));
            }
            return figs;
        }
    };
    for size in [16usize, 1024] {
        let n = count_for(size, scale) / 2;
        let r = across(&cluster, &[1], size, n).await.context("publisher and subscriber on two servers");
        figs.push(Figure::outcome(format!("cluster pub/sub {size} B"), "msgs/s", true, r));
    }
    let n = count_for(1024, scale) / 4;
    let r = across(&cluster, &[0, 1, 2], 1024, n).await;
    figs.push(Figure::outcome("cluster fan-out to 3 servers, 1024 B".into(), "msgs/s", true, r));
    let r = queue_across(&cluster, 128, count_for(128, scale) / 2).await;
    figs.push(Figure::outcome("cluster queue group over 3 servers, 128 B".into(), "msgs/s", true, r));
    let (requester, responder) = (cluster.nodes[0].client_url(), cluster.nodes[1].client_url());
    match request_latency_between(&requester, &responder, scale.requests).await {
        Ok((p50, p99)) => {
            figs.push(Figure::outcome("cluster request/reply p50".into(), "µs", false, Ok(p50)));
            figs.push(Figure::outcome("cluster request/reply p99".into(), "µs", false, Ok(p99)));
        }
        Err(e) => {
            let why = format!("{e:#}");
            figs.push(Figure::outcome("cluster request/reply p50".into(), "µs", false, Err(anyhow::anyhow!("{why}"))));
            figs.push(Figure::outcome("cluster request/reply p99".into(), "µs", false, Err(e)));
        }
    }
    cluster.kill();
    let ms = meta_failover(root, binary, args, ready_line, scale.failovers).await;
    figs.extend(failover_figures("meta failover", ms));
    figs
}

/// The median and max rows of a failover workload's samples (milliseconds), named
/// `<what> after kill -9, median|max`; both `n/a` with the reason when it failed.
pub(super) fn failover_figures(what: &str, samples: Result<Vec<f64>>) -> Vec<Figure> {
    let names = [format!("{what} after kill -9, median"), format!("{what} after kill -9, max")];
    match samples {
        Ok(mut ms) if !ms.is_empty() => {
            ms.sort_by(f64::total_cmp);
            let median = ms[ms.len() / 2];
            let max = ms[ms.len() - 1];
            let [a, b] = names;
            vec![Figure::outcome(a, "ms", false, Ok(median)), Figure::outcome(b, "ms", false, Ok(max))]
        }
        Ok(_) => names.map(|n| Figure::outcome(n, "ms", false, Err(anyhow::anyhow!("no samples")))).into(),
        Err(e) => {
            let why = format!("{e:#}");
            names.map(|n| Figure::outcome(n, "ms", false, Err(anyhow::anyhow!("{why}")))).into()
        }
    }
}

/// How long a kill-induced failover may take (Go's election timers run to
/// 9 s, and a split vote adds a round).
pub(super) const FAILOVER_BOUND: Duration = Duration::from_secs(40);

/// The meta leader `node` reports (`/jsz` `meta_cluster.leader`).
async fn meta_leader_of(node: &ServerProc) -> Option<String> {
    let (status, body) = http_get(&format!("{}/jsz", node.monitor_url())).await.ok()?;
    let v: serde_json::Value = serde_json::from_str(&body).ok().filter(|_| status == 200)?;
    v["meta_cluster"]["leader"].as_str().map(str::to_string)
}

/// The leader every listed node names, once they agree and it is not
/// `not`, within `bound`.
async fn agreed_leader(nodes: &[&ServerProc], not: Option<&str>, bound: Duration) -> Result<String> {
    let deadline = Instant::now() + bound;
    loop {
        let mut seen = Vec::new();
        for n in nodes {
            seen.push(meta_leader_of(n).await);
        }
        if let Some(Some(first)) = seen.first() {
            if seen.iter().all(|s| s.as_deref() == Some(first)) && Some(first.as_str()) != not {
                return Ok(first.clone());
            }
        }
        if Instant::now() > deadline {
            bail!("no agreed meta leader within {bound:?} (saw {seen:?})");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Kills the meta leader `rounds` times; the milliseconds until both
/// survivors agree on a new one, each time (the killed server is started
/// again and the cluster settles between rounds).
async fn meta_failover(
    root: &Path,
    binary: &Path,
    args: &[String],
    ready_line: Option<String>,
    rounds: usize,
) -> Result<Vec<f64>> {
    let mut c = Cluster::start_jetstream(root, "failover", binary, args, ready_line)
        .await
        .context("starting a JetStream cluster")?;
    let mut samples = Vec::new();
    let result = async {
        for _ in 0..rounds.max(1) {
            let all: Vec<&ServerProc> = c.nodes.iter().collect();
            let leader = agreed_leader(&all, None, FAILOVER_BOUND).await?;
            let i = c.index_of(&leader)?;
            c.nodes[i].kill();
            let started = Instant::now();
            let survivors: Vec<&ServerProc> =
                c.nodes.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, n)| n).collect();
            agreed_leader(&survivors, Some(&leader), FAILOVER_BOUND).await?;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            c.nodes[i].start().await?;
            c.wait_formed().await?;
        }
        anyhow::Ok(())
    }
    .await;
    c.kill();
    result.map(|_| samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_rows_are_median_and_max_or_both_failed() {
        let rows = failover_figures("x failover", Ok(vec![30.0, 10.0, 20.0]));
        let got: Vec<(&str, f64)> = rows.iter().map(|f| (f.workload.as_str(), f.value)).collect();
        assert_eq!(got, [("x failover after kill -9, median", 20.0), ("x failover after kill -9, max", 30.0)]);
        let rows = failover_figures("x failover", Err(anyhow::anyhow!("no leader\nlog lines")));
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|f| f.failure.as_deref() == Some("no leader")), "{rows:?}");
    }
}
