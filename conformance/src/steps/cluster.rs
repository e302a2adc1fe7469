//! Clusters: start N routed servers (optionally with JetStream and per-node config),
//! add a server that joins through a seed, wait until routes and health are in
//! place, cut and heal the network between nodes, read what each node sees of its
//! routes and of the remote interest, speak the route protocol as a fake server, check
//! the client URLs servers gossip to clients, and find, move (by a preferred step-down)
//! and check the JetStream meta leader through `/jsz?leader-only=true`, and the leaders
//! of replicated streams and consumers through their INFO replies. The fixtures and the
//! proxy are in `crate::cluster`.
use super::{docstring, Dur, StepResult};
use crate::cluster::{self, poll, route_names, Cluster, FORM_TIMEOUT};
use crate::fail;
use crate::raw::RawConn;
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, bail, Result};
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use std::collections::BTreeSet;
use std::time::Duration;

/// Name every scenario cluster gets.
pub const CLUSTER_NAME: &str = "C1";

fn list(names: &str) -> Vec<String> {
    names.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn the_cluster(w: &mut NatsWorld) -> Result<&mut Cluster> {
    w.cluster.as_mut().ok_or_else(|| anyhow!("the scenario has no cluster"))
}

/// Config lines for a node: `*` then the node's own, from the pending maps.
fn pending(map: &std::collections::BTreeMap<String, String>, node: &str) -> String {
    [map.get("*"), map.get(node)].into_iter().flatten().cloned().collect::<Vec<_>>().join("\n")
}

/// Starts node `name` (index `index` for placement) with routes to `seeds`' proxies.
async fn start_node(w: &mut NatsWorld, index: usize, name: &str, seeds: &[String]) -> Result<()> {
    w.require_process("a cluster")?;
    std::fs::create_dir_all(&w.dir)?;
    let extra = pending(&w.pending_node_config, name);
    let options = pending(&w.pending_cluster_options, name);
    let creds = w.pending_route_credentials.get(name).or(w.pending_route_credentials.get("*")).cloned();
    let c = the_cluster(w)?;
    let ports = c.ports_of(name)?.clone();
    let routes: Vec<u16> = seeds.iter().map(|s| c.ports_of(s).map(|p| p.proxy)).collect::<Result<_>>()?;
    let fixture = cluster::NodeConfig {
        cluster: &c.name,
        listen_port: ports.route,
        advertise_port: ports.proxy,
        routes,
        route_credentials: creds.as_deref(),
        jetstream: c.jetstream,
        system_account: c.system_account,
        cluster_options: &options,
    };
    let config = format!("{}\n{extra}", fixture.render());
    let mut s = cluster::node_proc(&w.ctx.target, index, name, &w.dir, &config)?;
    // Known before the start, so the proxy can name the node as soon as it dials out;
    // set again after, since a port clash at start-up moves the ports.
    the_cluster(w)?.proxy.set_monitor(name, s.http_port);
    let res = s.start().await;
    the_cluster(w)?.proxy.set_monitor(name, s.http_port);
    w.servers.insert(name.to_string(), s);
    res
}

/// Starts an N-node cluster and waits until it has formed.
async fn start_cluster(w: &mut NatsWorld, n: usize, jetstream: bool, system_account: bool) -> Result<()> {
    if w.cluster.is_some() {
        bail!("the scenario already has a cluster");
    }
    if n == 0 {
        bail!("a cluster needs at least one server");
    }
    let names = cluster::node_names(n);
    let mut c = Cluster::new(CLUSTER_NAME, jetstream);
    c.system_account = system_account;
    for name in &names {
        c.add_node(name).await?;
    }
    w.cluster = Some(c);
    for (i, name) in names.iter().enumerate() {
        start_node(w, i, name, &names).await?;
    }
    wait_formed(w, FORM_TIMEOUT).await
}

/// Full mesh in every node's `/routez` (distinct `remote_name`s), then `/healthz` 200
/// everywhere, then, with JetStream, exactly one meta leader.
async fn wait_formed(w: &mut NatsWorld, timeout: Duration) -> Result<()> {
    let c = the_cluster(w)?;
    let nodes = c.nodes.clone();
    let js = c.jetstream;
    let http: Vec<(String, u16)> = nodes
        .iter()
        .map(|n| w.servers.get(n).map(|s| (n.clone(), s.http_port)))
        .collect::<Option<_>>()
        .ok_or_else(|| anyhow!("a cluster node has no server"))?;
    let deadline = std::time::Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(std::time::Instant::now());
    poll(left(), "every node routes to every other", || {
        let http = http.clone();
        let nodes = nodes.clone();
        async move {
            for (n, port) in &http {
                let want: BTreeSet<String> = nodes.iter().filter(|x| *x != n).cloned().collect();
                let got = route_names(*port).await?;
                if got != want {
                    return Ok(Err(format!("{n} routes to {got:?}, expected {want:?}")));
                }
            }
            Ok(Ok(()))
        }
    })
    .await?;
    poll(left(), "every node is healthy", || {
        let http = http.clone();
        async move {
            for (n, port) in &http {
                let (status, body) = super::monitor::http_get(&format!("http://127.0.0.1:{port}/healthz")).await?;
                if status != 200 {
                    return Ok(Err(format!("{n} /healthz {status}: {body}")));
                }
            }
            Ok(Ok(()))
        }
    })
    .await?;
    if js {
        wait_meta_leader(&http, left()).await?;
    }
    Ok(())
}

/// Exactly one node answers `/jsz?leader-only=true` with 200.
async fn wait_meta_leader(http: &[(String, u16)], timeout: Duration) -> Result<String> {
    let found = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    poll(timeout, "exactly one JetStream meta leader", || {
        let http = http.to_vec();
        let found = found.clone();
        async move {
            let leaders = leaders_now(&http).await;
            if leaders.len() == 1 {
                if let Ok(mut f) = found.lock() {
                    *f = leaders[0].clone();
                }
                return Ok(Ok(()));
            }
            Ok(Err(format!("leaders: {leaders:?}")))
        }
    })
    .await?;
    let leader = found.lock().map_err(|_| anyhow!("poisoned"))?.clone();
    Ok(leader)
}

#[given(regex = r"^a cluster of (\d+) servers?( with JetStream)?$")]
async fn a_cluster(w: &mut NatsWorld, n: usize, js: String) -> StepResult {
    Ok(start_cluster(w, n, !js.is_empty(), true).await?)
}

/// For raw route scenarios: no system account, so the route carries only the
/// scenario's own interest.
#[given(regex = r"^a cluster of (\d+) servers? without a system account$")]
async fn a_cluster_no_sys(w: &mut NatsWorld, n: usize) -> StepResult {
    Ok(start_cluster(w, n, false, false).await?)
}

/// The docstring goes into every node's config (placeholders: `{name}`, `{port}`,
/// `{http_port}`, `{store_dir}`, `{dir}`).
#[given(regex = r"^a cluster of (\d+) servers?( with JetStream)? with config:$")]
async fn a_cluster_with_config(w: &mut NatsWorld, n: usize, js: String, step: &Step) -> StepResult {
    w.pending_node_config.insert("*".into(), docstring(step)?);
    Ok(start_cluster(w, n, !js.is_empty(), true).await?)
}

/// Config for nodes of the cluster the scenario starts next: `every cluster node`, or
/// `cluster node "B"`; `config` is top-level, `cluster options` go inside `cluster {}`.
#[given(regex = r#"^(?:every cluster node|cluster node "([^"]+)") has (config|cluster options):$"#)]
async fn node_config(w: &mut NatsWorld, node: String, kind: String, step: &Step) -> StepResult {
    let key = if node.is_empty() { "*".to_string() } else { node };
    let map = if kind == "config" { &mut w.pending_node_config } else { &mut w.pending_cluster_options };
    let text = docstring(step)?;
    map.entry(key).and_modify(|t| *t = format!("{t}\n{text}")).or_insert(text);
    Ok(())
}

/// Credentials (`user:password`) in the route URLs of the next cluster's nodes.
#[given(regex = r#"^(?:every cluster node|cluster node "([^"]+)") dials routes as "([^"]+)"$"#)]
async fn route_credentials(w: &mut NatsWorld, node: String, creds: String) -> StepResult {
    let key = if node.is_empty() { "*".to_string() } else { node };
    w.pending_route_credentials.insert(key, creds);
    Ok(())
}

/// Adds a node that dials only `seeds` (existing nodes) and starts it.
async fn add_and_start(w: &mut NatsWorld, name: &str, seeds: &[String]) -> Result<()> {
    if w.cluster.is_none() {
        w.cluster = Some(Cluster::new(CLUSTER_NAME, false));
    }
    let c = the_cluster(w)?;
    for s in seeds {
        c.ports_of(s).map_err(|_| anyhow!("no node '{s}' yet: start the seeds first"))?;
    }
    let index = c.nodes.len();
    c.add_node(name).await?;
    start_node(w, index, name, seeds).await
}

/// A server that knows only its seed and learns the others by gossip.
#[given(regex = r#"^a server "([^"]+)" joins the cluster through "([^"]+)"$"#)]
async fn joins(w: &mut NatsWorld, name: String, seed: String) -> StepResult {
    add_and_start(w, &name, &[seed]).await?;
    Ok(wait_formed(w, FORM_TIMEOUT).await?)
}

/// Starts the next node without waiting for the cluster to form (it may be unable to).
#[given(regex = r#"^a server "([^"]+)" is started with routes to "([^"]*)"$"#)]
async fn node_with_routes(w: &mut NatsWorld, name: String, seeds: String) -> StepResult {
    Ok(add_and_start(w, &name, &list(&seeds)).await?)
}

#[then(regex = r"^the cluster is formed within (\d+(?:ms|s|m))$")]
async fn formed(w: &mut NatsWorld, within: Dur) -> StepResult {
    Ok(wait_formed(w, within.0).await?)
}

#[then(regex = r"^a JetStream meta leader is elected within (\d+(?:ms|s|m))$")]
async fn meta_leader(w: &mut NatsWorld, within: Dur) -> StepResult {
    running_meta_leader(w, within.0).await?;
    Ok(())
}

/// The meta leader among the running nodes.
async fn running_meta_leader(w: &mut NatsWorld, within: Duration) -> Result<String> {
    let http = running_http(w)?;
    wait_meta_leader(&http, within).await
}

/// Takes down the node that is the JetStream meta leader (`killed`: kill -9;
/// `paused`: SIGSTOP) and remembers it as the former leader.
#[when(regex = r"^the JetStream meta leader is (killed|stopped|paused)$")]
async fn stop_meta_leader(w: &mut NatsWorld, how: String) -> StepResult {
    w.require_process("stopping the meta leader")?;
    let leader = running_meta_leader(w, DEFAULT_WAIT).await?;
    let s = w.server(Some(&leader))?;
    match how.as_str() {
        "killed" => s.kill(),
        "stopped" => s.stop().await?,
        _ => s.pause()?,
    }
    the_cluster(w)?.former_leader = Some(leader);
    Ok(())
}

/// Brings back the node the step above took down.
#[when(regex = r"^the former JetStream meta leader is (resumed|started again)$")]
async fn former_leader_back(w: &mut NatsWorld, how: String) -> StepResult {
    let name = the_cluster(w)?.former_leader.clone().ok_or_else(|| anyhow!("no meta leader was taken down"))?;
    let s = w.server(Some(&name))?;
    if how == "resumed" {
        s.resume()?;
    } else {
        s.start().await?;
    }
    Ok(())
}

/// Monitoring ports of the running nodes.
fn running_http(w: &mut NatsWorld) -> Result<Vec<(String, u16)>> {
    let nodes = the_cluster(w)?.nodes.clone();
    let mut http = Vec::new();
    for n in nodes {
        let s = w.server(Some(&n))?;
        if s.is_running() {
            http.push((n, s.http_port));
        }
    }
    Ok(http)
}

/// The running nodes that answer `/jsz?leader-only=true` with 200.
async fn leaders_now(http: &[(String, u16)]) -> Vec<String> {
    let mut leaders = Vec::new();
    for (n, port) in http {
        let url = format!("http://127.0.0.1:{port}/jsz?leader-only=true");
        if let Ok(Ok((200, _))) = tokio::time::timeout(Duration::from_secs(1), super::monitor::http_get(&url)).await {
            leaders.push(n.clone());
        }
    }
    leaders
}

/// Subject of the meta leader step-down API (system account only).
const META_STEPDOWN: &str = "$JS.API.META.LEADER.STEPDOWN";

/// Makes `target` the meta leader: nothing when it already is, else a step-down
/// request preferring it, sent through `target` as the system user, then a wait for it
/// to lead; repeated until `within` (a transfer can lose to another candidate).
async fn move_meta_leader(w: &mut NatsWorld, target: &str, within: Duration) -> Result<()> {
    let deadline = std::time::Instant::now() + within;
    let left = || deadline.saturating_duration_since(std::time::Instant::now());
    let url = w.url_of(Some(target))?;
    let mut client = None;
    loop {
        let leader = running_meta_leader(w, left().max(Duration::from_millis(100))).await?;
        if leader == target {
            return Ok(());
        }
        if client.is_none() {
            let opts =
                async_nats::ConnectOptions::with_user_and_password(cluster::SYS_USER.into(), cluster::SYS_USER.into())
                    .connection_timeout(DEFAULT_WAIT);
            client = Some(
                tokio::time::timeout(DEFAULT_WAIT, opts.connect(url.as_str()))
                    .await
                    .map_err(|_| anyhow!("no system-user connection to {target} in time"))??,
            );
        }
        let c = client.as_ref().ok_or_else(|| anyhow!("no client"))?;
        let body = serde_json::json!({"placement": {"preferred": target}}).to_string();
        let last = match tokio::time::timeout(Duration::from_secs(2), c.request(META_STEPDOWN, body.into())).await {
            Ok(Ok(reply)) => String::from_utf8_lossy(&reply.payload).to_string(),
            Ok(Err(e)) => format!("request failed: {e}"),
            Err(_) => "no reply".into(),
        };
        let settle = std::time::Instant::now() + Duration::from_secs(3).min(left());
        while std::time::Instant::now() < settle {
            if leaders_now(&running_http(w)?).await == [target.to_string()] {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if left().is_zero() {
            bail!("{target} did not become the meta leader within {within:?}; last step-down reply: {last}");
        }
    }
}

/// Moves the meta leadership to a node (see `move_meta_leader`), so that a scenario
/// can name the leader and its followers.
#[given(regex = r#"^the JetStream meta leader is moved to server "([^"]+)"$"#)]
#[when(regex = r#"^the JetStream meta leader is moved to server "([^"]+)"$"#)]
async fn moved_to(w: &mut NatsWorld, target: String) -> StepResult {
    Ok(move_meta_leader(w, &target, Duration::from_secs(20)).await?)
}

/// Exactly one running node leads the meta group and it is the named one (or one of
/// the named ones): `within` polls until so, `for` checks it stays so throughout.
#[then(regex = r#"^the JetStream meta leader is (?:server|one of) "([^"]+)" (within|for) (\d+(?:ms|s|m))$"#)]
async fn leader_is(w: &mut NatsWorld, names: String, mode: String, bound: Dur) -> StepResult {
    let want = list(&names);
    let deadline = std::time::Instant::now() + bound.0;
    loop {
        let leaders = leaders_now(&running_http(w)?).await;
        let ok = leaders.len() == 1 && want.contains(&leaders[0]);
        if mode == "within" && ok {
            return Ok(());
        }
        if mode == "for" && !ok {
            fail!("meta leaders {leaders:?}, expected one of {want:?} throughout {:?}", bound.0);
        }
        if std::time::Instant::now() >= deadline {
            if ok {
                return Ok(());
            }
            fail!("meta leaders {leaders:?} after {:?}, expected one of {want:?}", bound.0);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The node never answers `/jsz?leader-only=true` with 200 throughout (another node
/// may lead, or none).
#[then(regex = r#"^server "([^"]+)" is not the JetStream meta leader for (\d+(?:ms|s|m))$"#)]
async fn not_leader(w: &mut NatsWorld, node: String, bound: Dur) -> StepResult {
    let port = http_port(w, &node)?;
    let deadline = std::time::Instant::now() + bound.0;
    loop {
        if leaders_now(&[(node.clone(), port)]).await.contains(&node) {
            fail!("{node} leads the meta group");
        }
        if std::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// No running node answers `/jsz?leader-only=true` with 200, throughout.
#[then(regex = r"^no JetStream meta leader is elected for (\d+(?:ms|s|m))$")]
async fn no_leader(w: &mut NatsWorld, bound: Dur) -> StepResult {
    let deadline = std::time::Instant::now() + bound.0;
    loop {
        let leaders = leaders_now(&running_http(w)?).await;
        if !leaders.is_empty() {
            fail!("{leaders:?} leads the meta group, expected no leader");
        }
        if std::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn http_port(w: &mut NatsWorld, node: &str) -> Result<u16> {
    Ok(w.server(Some(node))?.http_port)
}

/// The distinct `remote_name`s of the node's `/routez` are exactly these ("" for
/// none): `within` polls until they are, `for` checks they stay so the whole time.
#[then(regex = r#"^server "([^"]+)" has routes to "([^"]*)" (within|for) (\d+(?:ms|s|m))$"#)]
async fn routes_to(w: &mut NatsWorld, node: String, names: String, mode: String, within: Dur) -> StepResult {
    let port = http_port(w, &node)?;
    let want: BTreeSet<String> = list(&names).into_iter().collect();
    if mode == "for" {
        let deadline = std::time::Instant::now() + within.0;
        loop {
            let got = route_names(port).await?;
            if got != want {
                fail!("{node} routes to {got:?}, expected {want:?} throughout {:?}", within.0);
            }
            if std::time::Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(poll(within.0, &format!("{node} routes to {want:?}"), || {
        let want = want.clone();
        async move {
            let got = route_names(port).await?;
            Ok(if got == want { Ok(()) } else { Err(format!("it routes to {got:?}")) })
        }
    })
    .await?)
}

#[then(regex = r#"^server "([^"]+)" has no route to "([^"]+)" within (\d+(?:ms|s|m))$"#)]
async fn no_route_to(w: &mut NatsWorld, node: String, other: String, within: Dur) -> StepResult {
    let port = http_port(w, &node)?;
    Ok(poll(within.0, &format!("{node} has no route to {other}"), || {
        let other = other.clone();
        async move {
            let got = route_names(port).await?;
            Ok(if got.contains(&other) { Err(format!("it routes to {got:?}")) } else { Ok(()) })
        }
    })
    .await?)
}

/// Remote interest one node holds from another: the `subscriptions_list` entries of
/// its `/routez?subs=1` routes whose `remote_name` is the other node.
async fn remote_interest(port: u16, from: &str) -> Result<Vec<String>> {
    let url = format!("http://127.0.0.1:{port}/routez?subs=1");
    let (_, body) = super::monitor::http_get(&url).await?;
    let v: serde_json::Value = serde_json::from_str(&body)?;
    let mut out = Vec::new();
    for r in v.get("routes").and_then(|r| r.as_array()).into_iter().flatten() {
        if r.get("remote_name").and_then(|n| n.as_str()) != Some(from) {
            continue;
        }
        for s in r.get("subscriptions_list").and_then(|l| l.as_array()).into_iter().flatten() {
            if let Some(s) = s.as_str() {
                out.push(s.to_string());
            }
        }
    }
    Ok(out)
}

/// Whether interest in a subject (`foo`, or `foo q` for a queue group) has reached a
/// node from another, as the node's `/routez?subs=1` shows it.
#[then(regex = r#"^server "([^"]+)" (sees|does not see) interest in "([^"]+)" from "([^"]+)" within (\d+(?:ms|s|m))$"#)]
async fn sees_interest(
    w: &mut NatsWorld,
    node: String,
    how: String,
    subject: String,
    from: String,
    within: Dur,
) -> StepResult {
    let port = http_port(w, &node)?;
    let want = how == "sees";
    Ok(poll(within.0, &format!("{node} {how} interest in '{subject}' from {from}"), || {
        let (subject, from) = (subject.clone(), from.clone());
        async move {
            let got = remote_interest(port, &from).await?;
            let has = got.iter().any(|s| s == &subject);
            Ok(if has == want { Ok(()) } else { Err(format!("its interest from {from}: {got:?}")) })
        }
    })
    .await?)
}

/// Cuts (or heals) the network between two groups of nodes: `"A"` and `"B,C"`.
#[when(regex = r#"^the network between "([^"]+)" and "([^"]+)" is (cut|healed)$"#)]
async fn partition(w: &mut NatsWorld, left: String, right: String, what: String) -> StepResult {
    let (l, r) = (list(&left), list(&right));
    let c = the_cluster(w)?;
    for n in l.iter().chain(&r) {
        c.ports_of(n)?;
    }
    if what == "cut" {
        c.proxy.cut(&l, &r);
    } else {
        c.proxy.heal(&l, &r);
    }
    Ok(())
}

#[when(regex = r"^the network is healed$")]
async fn heal_all(w: &mut NatsWorld) -> StepResult {
    the_cluster(w)?.proxy.heal_all();
    Ok(())
}

/// A raw connection to a node's route listener that speaks as a fake server whose
/// server id is `id`, in the scenario's cluster: CONNECT, a pool-less INFO and PING,
/// up to the server's PONG (see `RawConn::route_handshake`). With `that sends only its
/// CONNECT`, the INFO and PING are left to the scenario.
#[given(
    regex = r#"^a raw route connection "([^"]+)" to server "([^"]+)" as "([^"]+)"(?: in cluster "([^"]+)")?( that sends only its CONNECT)?$"#
)]
async fn raw_route(
    w: &mut NatsWorld,
    name: String,
    node: String,
    id: String,
    cluster: String,
    only: String,
) -> StepResult {
    let c = the_cluster(w)?;
    let port = c.ports_of(&node)?.route;
    let cluster = if cluster.is_empty() { c.name.clone() } else { cluster };
    let mut conn = RawConn::connect(&format!("127.0.0.1:{port}"), DEFAULT_WAIT).await?;
    conn.route_handshake(&id, &cluster, !only.is_empty(), DEFAULT_WAIT).await?;
    w.raws.insert(name, conn);
    Ok(())
}

/// A plain raw connection to a node's route port, as a client that dialed the wrong
/// port would make: the route INFO is read and kept, nothing is sent.
#[given(regex = r#"^a raw connection "([^"]+)" to the route port of server "([^"]+)"$"#)]
async fn raw_to_route_port(w: &mut NatsWorld, name: String, node: String) -> StepResult {
    let port = the_cluster(w)?.ports_of(&node)?.route;
    let conn = RawConn::connect(&format!("127.0.0.1:{port}"), DEFAULT_WAIT).await?;
    w.raws.insert(name, conn);
    Ok(())
}

/// Sends the INFO the server greeted with back to it, as a route to itself would.
#[when(regex = r#"^"([^"]+)" sends back the INFO it received$"#)]
async fn echo_info(w: &mut NatsWorld, name: String) -> StepResult {
    let c = w.raw(&name)?;
    let info = c.info.to_string();
    Ok(c.send(format!("INFO {info}\r\n").as_bytes()).await?)
}

/// The client URLs (`127.0.0.1:<client port>`) of the named servers.
fn client_urls(w: &mut NatsWorld, names: &str) -> Result<BTreeSet<String>> {
    list(names).iter().map(|n| Ok(format!("127.0.0.1:{}", w.server(Some(n))?.port))).collect()
}

fn urls_in(info: &serde_json::Value) -> BTreeSet<String> {
    info.get("connect_urls")
        .and_then(|u| u.as_array())
        .map(|a| a.iter().filter_map(|u| u.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The greeting INFO's `connect_urls` are exactly the client URLs of these servers.
#[then(regex = r#"^the INFO of "([^"]+)" lists the client URLs of "([^"]*)"$"#)]
async fn info_urls(w: &mut NatsWorld, raw: String, names: String) -> StepResult {
    let want = client_urls(w, &names)?;
    let got = urls_in(&w.raw(&raw)?.info);
    if got != want {
        fail!("connect_urls {got:?}, expected {want:?}");
    }
    Ok(())
}

/// An asynchronous INFO arrives whose `connect_urls` are exactly these servers' client
/// URLs; earlier INFOs with other lists are passed over, any other line fails.
#[then(regex = r#"^"([^"]+)" receives an INFO listing the client URLs of "([^"]*)" within (\d+(?:ms|s|m))$"#)]
async fn async_info_urls(w: &mut NatsWorld, raw: String, names: String, within: Dur) -> StepResult {
    let want = client_urls(w, &names)?;
    let deadline = tokio::time::Instant::now() + within.0;
    let c = w.raw(&raw)?;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let line = c
            .read_line(left, true)
            .await
            .map_err(|e| anyhow!("{e:#}; INFOs seen: {seen:?}; expected connect_urls {want:?}"))?;
        let Some(json) = line.strip_prefix("INFO ") else {
            fail!("expected an INFO, got \"{line}\"");
        };
        let info: serde_json::Value = serde_json::from_str(json)?;
        let got = urls_in(&info);
        if got == want {
            c.info = info;
            return Ok(());
        }
        seen.push(got);
    }
}

/// A replicated JetStream asset of the global account, as a step names it:
/// `stream "S"` (`consumer` empty) or `consumer "C" of stream "S"`.
struct Asset {
    stream: String,
    consumer: String,
}

impl Asset {
    /// From a step's captures: the stream of `stream "S"`, or the consumer and stream
    /// of `consumer "C" of stream "S"` (the unused alternative captures nothing).
    fn new(stream: String, consumer: String, consumer_stream: String) -> Asset {
        if consumer.is_empty() {
            Asset { stream, consumer }
        } else {
            Asset { stream: consumer_stream, consumer }
        }
    }

    fn api(&self, verb: &str) -> String {
        if self.consumer.is_empty() {
            format!("$JS.API.STREAM.{verb}.{}", self.stream)
        } else {
            format!("$JS.API.CONSUMER.{verb}.{}.{}", self.stream, self.consumer)
        }
    }

    fn describe(&self) -> String {
        if self.consumer.is_empty() {
            format!("stream {}", self.stream)
        } else {
            format!("consumer {} of stream {}", self.consumer, self.stream)
        }
    }
}

/// A client of the global account on the first running node, for the steps that ask
/// the cluster who leads an asset.
async fn probe_client(w: &mut NatsWorld) -> Result<async_nats::Client> {
    let node = running_http(w)?.into_iter().next().map(|(n, _)| n).ok_or_else(|| anyhow!("no node is running"))?;
    let url = w.url_of(Some(&node))?;
    let opts = async_nats::ConnectOptions::new().connection_timeout(DEFAULT_WAIT);
    Ok(tokio::time::timeout(DEFAULT_WAIT, opts.connect(url.as_str()))
        .await
        .map_err(|_| anyhow!("no connection to {node} in time"))??)
}

/// Sends one request (1 s bound) and reads the reply as JSON; any failure is text.
async fn probe(c: &async_nats::Client, subject: &str, body: String) -> Result<serde_json::Value, String> {
    match tokio::time::timeout(Duration::from_secs(1), c.request(subject.to_string(), body.into())).await {
        Ok(Ok(reply)) => serde_json::from_slice(&reply.payload)
            .map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(&reply.payload))),
        Ok(Err(e)) => Err(format!("request failed: {e}")),
        Err(_) => Err("no reply".into()),
    }
}

/// The asset's leader as its INFO reply names it (`cluster.leader`), or why there is
/// none: no answer (an election under way), an error reply, no leader field.
async fn asset_leader(c: &async_nats::Client, a: &Asset) -> Result<String, String> {
    let info = probe(c, &a.api("INFO"), String::new()).await?;
    match info.pointer("/cluster/leader").and_then(|l| l.as_str()) {
        Some(l) if !l.is_empty() => Ok(l.to_string()),
        _ => Err(format!("no leader in {info}")),
    }
}

/// Makes `target` the asset's leader: nothing when it already leads, else a step-down
/// request preferring it, then a wait for it to lead; repeated until `within` (Go hands
/// the leadership to another peer when the preferred one is not current yet).
async fn move_asset_leader(w: &mut NatsWorld, a: &Asset, target: &str, within: Duration) -> Result<()> {
    let c = probe_client(w).await?;
    let deadline = std::time::Instant::now() + within;
    let left = || deadline.saturating_duration_since(std::time::Instant::now());
    let mut last: String;
    loop {
        match asset_leader(&c, a).await {
            Ok(l) if l == target => return Ok(()),
            Ok(_) => {
                let body = serde_json::json!({"placement": {"preferred": target}}).to_string();
                last = match probe(&c, &a.api("LEADER.STEPDOWN"), body).await {
                    Ok(v) => v.to_string(),
                    Err(e) => e,
                };
                let settle = std::time::Instant::now() + Duration::from_secs(3).min(left());
                while std::time::Instant::now() < settle {
                    if asset_leader(&c, a).await.as_deref() == Ok(target) {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Err(why) => {
                last = why;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        if left().is_zero() {
            bail!("{target} did not become the leader of {} within {within:?}; last: {last}", a.describe());
        }
    }
}

/// Moves the leadership of a stream or consumer (global account) to a node through a
/// step-down preferring it, so that a scenario can name the leader and its followers.
#[given(
    regex = r#"^the leader of (?:stream "([^"]+)"|consumer "([^"]+)" of stream "([^"]+)") is moved to server "([^"]+)"$"#
)]
#[when(
    regex = r#"^the leader of (?:stream "([^"]+)"|consumer "([^"]+)" of stream "([^"]+)") is moved to server "([^"]+)"$"#
)]
async fn asset_moved_to(w: &mut NatsWorld, stream: String, consumer: String, cs: String, target: String) -> StepResult {
    let a = Asset::new(stream, consumer, cs);
    Ok(move_asset_leader(w, &a, &target, Duration::from_secs(20)).await?)
}

/// The stream's or consumer's INFO names one of these nodes as its leader: `within`
/// polls until it does (through a failover), `for` checks it does throughout.
#[then(
    regex = r#"^the leader of (?:stream "([^"]+)"|consumer "([^"]+)" of stream "([^"]+)") is (?:server|one of) "([^"]+)" (within|for) (\d+(?:ms|s|m))$"#
)]
async fn asset_leader_is(
    w: &mut NatsWorld,
    stream: String,
    consumer: String,
    cs: String,
    names: String,
    mode: String,
    bound: Dur,
) -> StepResult {
    let a = Asset::new(stream, consumer, cs);
    let want = list(&names);
    let c = probe_client(w).await?;
    let deadline = std::time::Instant::now() + bound.0;
    loop {
        let got = asset_leader(&c, &a).await;
        let ok = matches!(&got, Ok(l) if want.contains(l));
        if mode == "within" && ok {
            return Ok(());
        }
        if mode == "for" && !ok {
            fail!("the leader of {}: {got:?}, expected one of {want:?} throughout {:?}", a.describe(), bound.0);
        }
        if std::time::Instant::now() >= deadline {
            if ok {
                return Ok(());
            }
            fail!("the leader of {}: {got:?} after {:?}, expected one of {want:?}", a.describe(), bound.0);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
