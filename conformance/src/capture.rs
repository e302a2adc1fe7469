//! Capturing NRG traffic for golden vectors (`conformance capture-nrg`): a
//! three-node JetStream cluster of one target, a system-account subscriber
//! on `$NRG.>`, and a short script that makes the group speak: the meta
//! group forming, an R3 stream created and published to, and a meta leader
//! step-down (which makes votes fly). Every message seen is kept as subject,
//! reply and hex payload, at most two of each (kind, length), the ones with
//! entries included, so the file stays small and covers every layout.
//!
//! Recorded from the Go oracle only, like every golden file; rnats's NRG
//! codec tests read the result (`golden/nrg/`).
use crate::cluster::{node_names, node_proc, route_names, Cluster, NodeConfig, SYS_USER};
use crate::harness::ServerProc;
use crate::steps::monitor::http_get;
use crate::target::Target;
use anyhow::{bail, Context, Result};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long three servers may take to form and elect a meta leader.
const FORMATION: Duration = Duration::from_secs(40);

/// Runs the script against `target` and writes the capture to `out`.
pub async fn capture_nrg(target: &Target, root: &Path, out: &Path) -> Result<usize> {
    let mut cluster = Cluster::new("NRG", true);
    let names = node_names(3);
    for n in &names {
        cluster.add_node(n).await?;
    }
    let proxies: Vec<u16> = names.iter().map(|n| cluster.ports[n].proxy).collect();
    let mut nodes: Vec<ServerProc> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let p = &cluster.ports[n];
        let cfg = NodeConfig {
            cluster: &cluster.name,
            listen_port: p.route,
            advertise_port: p.proxy,
            routes: proxies.clone(),
            jetstream: true,
            system_account: true,
            ..NodeConfig::default()
        };
        let mut node = node_proc(target, i, n, root, &cfg.render())?;
        node.start().await?;
        cluster.proxy.set_monitor(n, node.http_port);
        nodes.push(node);
    }
    let result = script(&nodes, out).await;
    for n in &mut nodes {
        n.kill();
    }
    result
}

async fn script(nodes: &[ServerProc], out: &Path) -> Result<usize> {
    wait_formed(nodes).await?;
    let sys = async_nats::ConnectOptions::with_user_and_password(SYS_USER.into(), SYS_USER.into())
        .connect(format!("nats://127.0.0.1:{}", nodes[0].port))
        .await
        .context("connecting as the system user")?;
    let mut sub = sys.subscribe("$NRG.>").await?;
    sys.flush().await?;
    let mut seen: Vec<(String, String, Vec<u8>)> = Vec::new();
    pump(&mut sub, &mut seen, Duration::from_secs(2)).await;
    let client = async_nats::connect(format!("nats://127.0.0.1:{}", nodes[1].port)).await?;
    let create = serde_json::json!({"name": "ORDERS", "subjects": ["orders.>"], "num_replicas": 3, "storage": "file"});
    let reply =
        client.request("$JS.API.STREAM.CREATE.ORDERS", create.to_string().into()).await.context("stream create")?;
    if !String::from_utf8_lossy(&reply.payload).contains("\"config\"") {
        bail!("stream create failed: {}", String::from_utf8_lossy(&reply.payload));
    }
    pump(&mut sub, &mut seen, Duration::from_secs(2)).await;
    for i in 0..3 {
        client.request(format!("orders.{i}"), "hello".into()).await.context("publish")?;
    }
    pump(&mut sub, &mut seen, Duration::from_secs(2)).await;
    // The reply may not come back from a leader that is stepping down; the
    // votes that follow are what is wanted.
    sys.publish("$JS.API.META.LEADER.STEPDOWN", "".into()).await?;
    sys.flush().await?;
    pump(&mut sub, &mut seen, Duration::from_secs(6)).await;
    write(out, &select(&seen), nodes[0].name.as_str())
}

/// Keeps what arrives on `sub` for `limit`.
async fn pump(sub: &mut async_nats::Subscriber, seen: &mut Vec<(String, String, Vec<u8>)>, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Some(m)) = tokio::time::timeout_at(deadline, sub.next()).await {
        let reply = m.reply.map(|r| r.to_string()).unwrap_or_default();
        seen.push((m.subject.to_string(), reply, m.payload.to_vec()));
    }
}

/// Polls until every node routes to the others and one is the meta leader.
async fn wait_formed(nodes: &[ServerProc]) -> Result<()> {
    let deadline = Instant::now() + FORMATION;
    loop {
        let mut routed = true;
        for n in nodes {
            routed &= route_names(n.http_port).await.map(|r| r.len() + 1 == nodes.len()).unwrap_or(false);
        }
        let mut leaders = 0;
        for n in nodes {
            let url = format!("{}/jsz?leader-only=true", n.monitor_url());
            leaders += usize::from(http_get(&url).await.map(|(s, _)| s == 200).unwrap_or(false));
        }
        if routed && leaders == 1 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the cluster did not form with one meta leader within {FORMATION:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// At most two messages of each (kind, length); every append entry that
/// carries entries.
fn select(seen: &[(String, String, Vec<u8>)]) -> Vec<&(String, String, Vec<u8>)> {
    let mut count: HashMap<(String, usize), usize> = HashMap::new();
    seen.iter()
        .filter(|(subject, _, payload)| {
            let kind = subject.split('.').nth(1).unwrap_or("").to_string();
            let n = count.entry((kind, payload.len())).or_insert(0);
            *n += 1;
            *n <= 2
        })
        .collect()
}

fn write(out: &Path, msgs: &[&(String, String, Vec<u8>)], first_node: &str) -> Result<usize> {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let doc = serde_json::json!({
        "source": format!(
            "three-node cluster with JetStream (server names {first_node}..), captured by `conformance capture-nrg`: \
             a $SYS subscriber on $NRG.> during start-up, an R3 stream create with three publishes, and a meta leader step-down"
        ),
        "messages": msgs.iter().map(|(s, r, p)| serde_json::json!({"subject": s, "reply": r, "hex": hex(p)})).collect::<Vec<_>>(),
    });
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(msgs.len())
}
