//! Clusters of servers for `@cluster` scenarios: the config each node gets, the
//! partition proxy in front of every route listener, and readiness polled over the
//! monitoring endpoints only, so every implementation (and a `mix:` of them) is driven
//! the same way.
//!
//! # Nodes
//!
//! Node `i` of a cluster runs the implementation `Target::member_for(i)` (round-robin
//! over a `mix:` target's members). Each node is a [`ServerProc`] kept in the world's
//! server map under its name, so the process steps (stop, kill, restart, pause) work
//! on nodes as on any server. On top of the harness's lines (`server_name`, client
//! port, `http`), its config has a system account `$SYS` with user `sys`/`sys` (or,
//! for raw route scenarios, `no_sys_acc: true`, so its internal interest stays off the
//! wire), and
//! a `cluster {}` block: `name`, `listen` on a free 127.0.0.1 port, `advertise` set
//! to the node's proxy address and `routes` listing every node's proxy address (a
//! node that joins later lists only its seed's). Scenario config comes after these
//! lines (a top-level key there replaces the harness's); `cluster options` lines go
//! inside the `cluster {}` block. Restarts keep ports and store.
//!
//! # The partition proxy
//!
//! Routes never connect to a node directly: every node has a TCP proxy on its own
//! 127.0.0.1 port that forwards to its route listener, and that address is what the
//! other nodes dial, both the configured routes and, through `advertise`, the
//! addresses gossip hands out for implicit routes. So every route connection between
//! two nodes passes one proxy, whichever side dials.
//!
//! The proxy reads the dialer's first line, the route `CONNECT`, whose `name` field is
//! the dialer's server id, before it dials the listener. That id maps to a node
//! through each node's `/varz` `server_id`, looked up again when an id is new (a
//! restarted server gets a new id). Only an allowed dialer gets a connection to the
//! listener, so a refused one never sees the listener's INFO (from which it would
//! register the route for a moment). A dialer that stays silent for half a second may
//! be waiting for that INFO (Go sends its CONNECT first; another implementation may
//! not): it is then connected and judged once its CONNECT comes. A connection whose
//! dialer cannot be named within a few seconds, or that sends no `CONNECT`, is
//! forwarded as unidentified, and a cut never applies to it.
//!
//! A cut between two sets of nodes closes every open link between the two sides and
//! refuses new ones, in both directions, until healed: a refused connection is closed
//! as soon as its `CONNECT` names a dialer on the other side. Gossip cannot route
//! around a cut, since the gossiped address of a node is its proxy address. A third
//! node keeps its links to both sides. Healing lifts the refusal; the servers' own
//! reconnects (explicit routes retry every second in Go) restore the links.
use crate::harness::{free_port, ServerProc};
use crate::steps::monitor::http_get;
use crate::target::{Launch, Target};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Default bound for a cluster to form (routes, then health, then a meta leader).
pub const FORM_TIMEOUT: Duration = Duration::from_secs(40);
/// How long the proxy waits for a dialer's `CONNECT` and for its id to be known.
const IDENTIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a dialer may stay silent before the proxy lets the listener's INFO through
/// (for implementations that wait for it before their `CONNECT`).
const INFO_GRACE: Duration = Duration::from_millis(500);
/// User and password of the system account every node has.
pub const SYS_USER: &str = "sys";

/// Names of the nodes of an N-node cluster: `A`, `B`, `C`, ...
pub fn node_names(n: usize) -> Vec<String> {
    (0..n).map(|i| ((b'A' + (i % 26) as u8) as char).to_string()).collect()
}

/// What the cluster fixture puts in one node's config (before the scenario's lines).
#[derive(Debug, Clone, Default)]
pub struct NodeConfig<'a> {
    pub cluster: &'a str,
    /// The route listener's port.
    pub listen_port: u16,
    /// The node's proxy port, which it advertises.
    pub advertise_port: u16,
    /// Proxy ports of the nodes it dials.
    pub routes: Vec<u16>,
    /// `user:password` for its route URLs.
    pub route_credentials: Option<&'a str>,
    pub jetstream: bool,
    pub system_account: bool,
    /// Lines for inside `cluster {}`.
    pub cluster_options: &'a str,
}

impl NodeConfig<'_> {
    pub fn render(&self) -> String {
        let creds = self.route_credentials.map(|c| format!("{c}@")).unwrap_or_default();
        let routes: Vec<String> =
            self.routes.iter().map(|p| format!("    \"nats-route://{creds}127.0.0.1:{p}\"")).collect();
        let mut s = if self.system_account {
            format!(
                "accounts {{\n  $SYS {{ users: [ {{ user: \"{SYS_USER}\", password: \"{SYS_USER}\" }} ] }}\n}}\nsystem_account: \"$SYS\"\n"
            )
        } else {
            "no_sys_acc: true\n".to_string()
        };
        if self.jetstream {
            s.push_str("jetstream { store_dir: \"{store_dir}\" }\n");
        }
        s.push_str(&format!(
            "cluster {{\n  name: \"{}\"\n  listen: \"127.0.0.1:{}\"\n  advertise: \"127.0.0.1:{}\"\n  routes: [\n{}\n  ]\n",
            self.cluster,
            self.listen_port,
            self.advertise_port,
            routes.join("\n")
        ));
        for line in self.cluster_options.lines().filter(|l| !l.trim().is_empty()) {
            s.push_str("  ");
            s.push_str(line.trim());
            s.push('\n');
        }
        s.push_str("}\n");
        s
    }
}

/// One node's ports besides the harness's client and monitoring ones.
#[derive(Debug, Clone)]
pub struct NodePorts {
    /// The route listener itself (raw route connections use it).
    pub route: u16,
    /// The proxy in front of it, which other nodes dial.
    pub proxy: u16,
}

/// A cluster of a scenario: its name, its nodes in order and their proxies.
#[derive(Debug)]
pub struct Cluster {
    pub name: String,
    /// Node names in start order.
    pub nodes: Vec<String>,
    pub ports: BTreeMap<String, NodePorts>,
    pub jetstream: bool,
    /// Without one, a raw route sees only the scenario's interest, not the system
    /// account's internal subscriptions (`no_sys_acc`).
    pub system_account: bool,
    /// The node a step took down while it was the JetStream meta leader.
    pub former_leader: Option<String>,
    pub proxy: Proxy,
}

impl Cluster {
    pub fn new(name: &str, jetstream: bool) -> Cluster {
        Cluster {
            name: name.to_string(),
            nodes: vec![],
            ports: BTreeMap::new(),
            jetstream,
            system_account: true,
            former_leader: None,
            proxy: Proxy::new(),
        }
    }

    /// Reserves ports and starts the proxy for a node (not the server).
    pub async fn add_node(&mut self, name: &str) -> Result<NodePorts> {
        if self.ports.contains_key(name) {
            bail!("node '{name}' already exists");
        }
        let route = free_port()?;
        let proxy = self.proxy.listen(name, route).await?;
        let p = NodePorts { route, proxy };
        self.nodes.push(name.to_string());
        self.ports.insert(name.to_string(), p.clone());
        Ok(p)
    }

    pub fn ports_of(&self, node: &str) -> Result<&NodePorts> {
        self.ports.get(node).ok_or_else(|| anyhow!("no node '{node}' in the cluster"))
    }
}

/// Builds a node's server process from the member implementation for its index.
pub fn node_proc(target: &Target, index: usize, name: &str, dir: &std::path::Path, config: &str) -> Result<ServerProc> {
    let member = target.member_for(index);
    let Launch::Process { binary, args } = &member.launch else {
        bail!("a cluster needs a target that starts servers");
    };
    let mut s = ServerProc::new(name, dir, binary, args, config)?;
    s.ready_line = member.ready_log_line.clone();
    Ok(s)
}

/// A link the proxy forwards: who dialed whom, and how to close it.
#[derive(Debug)]
struct Link {
    dialer: Option<String>,
    target: String,
    close: watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct ProxyState {
    /// Unordered pairs of nodes that may not talk.
    cuts: HashSet<(String, String)>,
    links: HashMap<u64, Link>,
    next_link: u64,
    /// server id -> node name.
    ids: HashMap<String, String>,
    /// node name -> monitoring port, to learn server ids.
    monitors: BTreeMap<String, u16>,
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl ProxyState {
    fn is_cut(&self, a: &str, b: &str) -> bool {
        self.cuts.contains(&pair(a, b))
    }
}

/// The route proxies of one cluster (see the module doc). Dropping it stops them all.
#[derive(Debug, Clone)]
pub struct Proxy {
    state: Arc<Mutex<ProxyState>>,
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if Arc::strong_count(&self.tasks) == 1 {
            if let Ok(t) = self.tasks.lock() {
                t.iter().for_each(|h| h.abort());
            }
            if let Ok(mut s) = self.state.lock() {
                for (_, l) in s.links.drain() {
                    let _ = l.close.send(true);
                }
            }
        }
    }
}

impl Default for Proxy {
    fn default() -> Self {
        Self::new()
    }
}

impl Proxy {
    pub fn new() -> Proxy {
        Proxy { state: Arc::new(Mutex::new(ProxyState::default())), tasks: Arc::new(Mutex::new(Vec::new())) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ProxyState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the proxy where a node's `/varz` is, to name the dialers it sees.
    pub fn set_monitor(&self, node: &str, http_port: u16) {
        self.state().monitors.insert(node.to_string(), http_port);
    }

    /// Names a dialer by server id directly (tests, fake servers).
    pub fn learn_id(&self, server_id: &str, node: &str) {
        self.state().ids.insert(server_id.to_string(), node.to_string());
    }

    /// Starts a proxy for `node` forwarding to `backend`; returns its port.
    pub async fn listen(&self, node: &str, backend: u16) -> Result<u16> {
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => {
                    let me = self.clone_weak();
                    let node = node.to_string();
                    let h = tokio::spawn(async move {
                        while let Ok((sock, _)) = l.accept().await {
                            let p = me.clone_weak();
                            let node = node.clone();
                            tokio::spawn(async move { p.forward(sock, node, backend).await });
                        }
                    });
                    self.tasks.lock().map_err(|_| anyhow!("proxy poisoned"))?.push(h.abort_handle());
                    return Ok(port);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(anyhow!("no proxy port: {last:?}"))
    }

    /// A handle for the proxy's own tasks that does not keep it alive.
    fn clone_weak(&self) -> ProxyTask {
        ProxyTask { state: Arc::downgrade(&self.state) }
    }

    /// Cuts every link between a node of `left` and a node of `right`, both ways, and
    /// refuses new ones until healed.
    pub fn cut(&self, left: &[String], right: &[String]) {
        let mut s = self.state();
        for a in left {
            for b in right {
                if a != b {
                    s.cuts.insert(pair(a, b));
                }
            }
        }
        let doomed: Vec<u64> = s
            .links
            .iter()
            .filter(|(_, l)| l.dialer.as_deref().is_some_and(|d| s.is_cut(d, &l.target)))
            .map(|(id, _)| *id)
            .collect();
        for id in doomed {
            if let Some(l) = s.links.remove(&id) {
                let _ = l.close.send(true);
            }
        }
    }

    /// Lifts the cuts between `left` and `right`.
    pub fn heal(&self, left: &[String], right: &[String]) {
        let mut s = self.state();
        for a in left {
            for b in right {
                s.cuts.remove(&pair(a, b));
            }
        }
    }

    /// Lifts every cut.
    pub fn heal_all(&self) {
        self.state().cuts.clear();
    }

    /// Open links as (dialer, target) pairs; an unidentified dialer shows as `?`.
    pub fn links(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .state()
            .links
            .values()
            .map(|l| (l.dialer.clone().unwrap_or_else(|| "?".into()), l.target.clone()))
            .collect();
        v.sort();
        v
    }
}

/// What a proxy's accept and forward tasks hold: the state, weakly, so dropping the
/// cluster ends everything.
#[derive(Debug, Clone)]
struct ProxyTask {
    state: std::sync::Weak<Mutex<ProxyState>>,
}

impl ProxyTask {
    fn clone_weak(&self) -> ProxyTask {
        self.clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut ProxyState) -> R) -> Option<R> {
        let s = self.state.upgrade()?;
        let mut g = s.lock().unwrap_or_else(|p| p.into_inner());
        Some(f(&mut g))
    }

    /// Names the node whose server id is `id`, asking every node's `/varz` while the
    /// id is unknown.
    async fn resolve(&self, id: &str, deadline: Instant) -> Option<String> {
        loop {
            let (known, monitors) = self.with(|s| (s.ids.get(id).cloned(), s.monitors.clone()))?;
            if known.is_some() {
                return known;
            }
            for (node, port) in monitors {
                let url = format!("http://127.0.0.1:{port}/varz");
                if let Ok(Ok((200, body))) = tokio::time::timeout(Duration::from_millis(800), http_get(&url)).await {
                    if let Some(sid) = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v.get("server_id").and_then(|s| s.as_str()).map(str::to_string))
                    {
                        self.with(|s| s.ids.insert(sid, node.clone()));
                    }
                }
            }
            if let Some(Some(n)) = self.with(|s| s.ids.get(id).cloned()) {
                return Some(n);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Forwards one route connection to `target`'s listener unless a cut forbids it.
    ///
    /// The listener is dialed only once the dialer is named and allowed, so a refused
    /// dialer never sees the target's INFO (it would register the route for a moment).
    /// A dialer that sends nothing for `INFO_GRACE` may be waiting for the INFO first:
    /// then the listener is dialed and its bytes flow while the proxy keeps waiting for
    /// the CONNECT, and a refusal closes the link as soon as it comes.
    async fn forward(self, inbound: TcpStream, target: String, backend: u16) {
        let _ = inbound.set_nodelay(true);
        let (mut ir, mut iw) = inbound.into_split();
        let mut buf = Vec::new();
        let early = read_connect(&mut ir, &mut buf, Instant::now() + INFO_GRACE).await;
        if matches!(early, Ident::Closed) {
            return;
        }
        let deadline = Instant::now() + IDENTIFY_TIMEOUT;
        if let Ident::Named(id) = &early {
            let dialer = self.resolve(id, deadline).await;
            if self.refused(dialer.as_deref(), &target) != Some(false) {
                return;
            }
        }
        let Ok(Ok(out)) =
            tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(("127.0.0.1", backend))).await
        else {
            return;
        };
        let _ = out.set_nodelay(true);
        let (mut br, mut bw) = out.into_split();
        let back = tokio::io::copy(&mut br, &mut iw);
        tokio::pin!(back);
        let dialer = match early {
            Ident::Named(id) => self.resolve(&id, deadline).await,
            Ident::Anonymous | Ident::Closed => None,
            Ident::Pending => {
                let late = async {
                    match read_connect(&mut ir, &mut buf, deadline).await {
                        Ident::Named(id) => Some(self.resolve(&id, deadline).await),
                        Ident::Closed => None,
                        Ident::Anonymous | Ident::Pending => Some(None),
                    }
                };
                tokio::select! {
                    d = late => match d { Some(d) => d, None => return },
                    _ = &mut back => return,
                }
            }
        };
        let (tx, mut rx) = watch::channel(false);
        let link = self.with(|s| {
            if dialer.as_deref().is_some_and(|d| s.is_cut(d, &target)) {
                return None;
            }
            let id = s.next_link;
            s.next_link += 1;
            s.links.insert(id, Link { dialer: dialer.clone(), target: target.clone(), close: tx });
            Some(id)
        });
        let Some(Some(link)) = link else { return };
        if bw.write_all(&buf).await.is_ok() {
            let ahead = tokio::io::copy(&mut ir, &mut bw);
            tokio::select! {
                _ = &mut back => {}
                _ = ahead => {}
                _ = rx.changed() => {}
            }
        }
        self.with(|s| s.links.remove(&link));
    }

    /// `Some(true)` when a cut separates the dialer from `target`; `None` once the
    /// cluster is gone.
    fn refused(&self, dialer: Option<&str>, target: &str) -> Option<bool> {
        self.with(|s| dialer.is_some_and(|d| s.is_cut(d, target)))
    }
}

/// What the dialer's first bytes say about it.
enum Ident {
    /// A route `CONNECT` naming this server id.
    Named(String),
    /// A first line that is no `CONNECT`, or one without a name.
    Anonymous,
    /// No whole first line before the deadline.
    Pending,
    Closed,
}

/// Reads the dialer's bytes into `buf` until its first line is complete.
async fn read_connect(ir: &mut tokio::net::tcp::OwnedReadHalf, buf: &mut Vec<u8>, deadline: Instant) -> Ident {
    let mut chunk = [0u8; 4096];
    loop {
        match connect_name(buf) {
            Some(Some(id)) => return Ident::Named(id),
            Some(None) => return Ident::Anonymous,
            None if buf.len() > 64 * 1024 => return Ident::Anonymous,
            None => {}
        }
        match tokio::time::timeout_at(deadline.into(), ir.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            Ok(_) => return Ident::Closed,
            Err(_) => return Ident::Pending,
        }
    }
}

/// The `name` of the first line when it is a complete `CONNECT {json}` line: `None`
/// while the line is incomplete, `Some(None)` when it is no CONNECT or has no name.
fn connect_name(buf: &[u8]) -> Option<Option<String>> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&buf[..end]).ok();
    Some(line.and_then(|l| {
        let json = l.strip_prefix("CONNECT ").or_else(|| l.strip_prefix("connect "))?;
        let v: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
        v.get("name").and_then(|n| n.as_str()).map(str::to_string)
    }))
}

/// `remote_name`s in a node's `/routez` (distinct).
pub async fn route_names(http_port: u16) -> Result<BTreeSet<String>> {
    let url = format!("http://127.0.0.1:{http_port}/routez");
    let (status, body) = http_get(&url).await.with_context(|| format!("GET {url}"))?;
    let v: serde_json::Value =
        serde_json::from_str(&body).with_context(|| format!("GET {url} ({status}) is not JSON: {body}"))?;
    Ok(v.get("routes")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(|r| r.get("remote_name").and_then(|n| n.as_str()).map(str::to_string)).collect())
        .unwrap_or_default())
}

/// Polls `check` until it returns `Ok(true)`, failing with the last complaint after `timeout`.
pub async fn poll<F, Fut>(timeout: Duration, what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<std::result::Result<(), String>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last: String;
    loop {
        match check().await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(why)) => last = why,
            Err(e) => last = format!("{e:#}"),
        }
        if Instant::now() >= deadline {
            bail!("{what}: not so after {timeout:?}: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_config_lists_every_route_through_the_proxies() {
        let c = NodeConfig {
            cluster: "C1",
            listen_port: 5000,
            advertise_port: 6000,
            routes: vec![6000, 6001, 6002],
            jetstream: true,
            system_account: true,
            cluster_options: "pool_size: -1\n",
            ..Default::default()
        }
        .render();
        assert!(c.contains("listen: \"127.0.0.1:5000\""));
        assert!(c.contains("advertise: \"127.0.0.1:6000\""));
        for p in [6000, 6001, 6002] {
            assert!(c.contains(&format!("\"nats-route://127.0.0.1:{p}\"")), "{c}");
        }
        assert!(c.contains("name: \"C1\""));
        assert!(c.contains("system_account: \"$SYS\""));
        assert!(c.contains("jetstream { store_dir: \"{store_dir}\" }"));
        assert!(c.contains("  pool_size: -1\n}"), "{c}");
        assert_eq!(node_names(5), ["A", "B", "C", "D", "E"]);
        let bare =
            NodeConfig { cluster: "C1", routes: vec![6000], route_credentials: Some("u:p"), ..Default::default() }
                .render();
        assert!(bare.contains("\"nats-route://u:p@127.0.0.1:6000\""), "{bare}");
        assert!(bare.contains("no_sys_acc: true") && !bare.contains("$SYS") && !bare.contains("jetstream"), "{bare}");
    }

    #[test]
    fn connect_names_the_dialer() {
        assert_eq!(
            connect_name(b"CONNECT {\"name\":\"NID\",\"cluster\":\"x\"}\r\nINFO {}\r\n"),
            Some(Some("NID".into()))
        );
        assert_eq!(connect_name(b"CONNECT {\"name\":\"NI"), None);
        assert_eq!(connect_name(b"PING\r\n"), Some(None));
    }

    /// A fake route listener behind the proxy: a dialer named in its CONNECT gets
    /// through, is cut off by a cut, refused while cut (without ever seeing the
    /// listener's INFO), and let through after healing. A dialer that waits for the
    /// INFO before its CONNECT gets it after the grace period and is still judged.
    #[tokio::test]
    async fn cuts_close_links_and_refuse_until_healed() {
        let backend = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bport = backend.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = backend.accept().await {
                tokio::spawn(async move {
                    let _ = s.write_all(b"INFO {}\r\n").await;
                    let mut b = [0u8; 1024];
                    while let Ok(n) = s.read(&mut b).await {
                        if n == 0 || s.write_all(&b[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let proxy = Proxy::new();
        proxy.learn_id("ID-A", "A");
        let port = proxy.listen("B", bport).await.unwrap();
        let read = |mut s: TcpStream| async move {
            let mut got = Vec::new();
            let mut b = [0u8; 256];
            while !got.ends_with(b"}\r\n") || !got.starts_with(b"INFO") || got.len() < 34 {
                match tokio::time::timeout(Duration::from_secs(2), s.read(&mut b)).await {
                    Ok(Ok(n)) if n > 0 => got.extend_from_slice(&b[..n]),
                    _ => break,
                }
            }
            (s, got)
        };
        // Go's order: CONNECT first, then read the INFO (and the echo of our CONNECT).
        let dial = || async move {
            let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            s.write_all(b"CONNECT {\"name\":\"ID-A\"}\r\n").await.unwrap();
            s
        };
        let (s, got) = read(dial().await).await;
        assert_eq!(got, b"INFO {}\r\nCONNECT {\"name\":\"ID-A\"}\r\n");
        assert_eq!(proxy.links(), [("A".to_string(), "B".to_string())]);
        proxy.cut(&["A".into()], &["B".into()]);
        let (_, after_cut) = read(s).await;
        assert!(after_cut.is_empty(), "link not closed by the cut");
        let (_, refused) = read(dial().await).await;
        assert!(refused.is_empty(), "a refused dialer saw {refused:?}");
        // A dialer that waits for the INFO first gets it, then is refused on CONNECT.
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut b = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut b)).await.unwrap().unwrap();
        assert_eq!(&b[..n], b"INFO {}\r\n");
        s.write_all(b"CONNECT {\"name\":\"ID-A\"}\r\n").await.unwrap();
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut b)).await.unwrap().unwrap_or(0);
        assert_eq!(n, 0, "a late CONNECT across the cut was let through");
        proxy.heal_all();
        let (_, healed) = read(dial().await).await;
        assert!(healed.starts_with(b"INFO {}\r\nCONNECT"), "{healed:?}");
    }

    /// A dialer whose id the proxy has not seen is named through the nodes' `/varz`;
    /// one that sends no CONNECT is forwarded unidentified, and no cut applies to it.
    #[tokio::test]
    async fn dialers_are_named_through_varz_or_forwarded_unidentified() {
        let varz = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let varz_port = varz.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = varz.accept().await {
                tokio::spawn(async move {
                    let mut b = [0u8; 1024];
                    let _ = s.read(&mut b).await;
                    let body = "{\"server_id\":\"ID-X\"}";
                    let _ = s
                        .write_all(
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes(),
                        )
                        .await;
                });
            }
        });
        let backend = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bport = backend.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((s, _)) = backend.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.into_split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        let proxy = Proxy::new();
        proxy.set_monitor("X", varz_port);
        let port = proxy.listen("B", bport).await.unwrap();
        let echo = |first: &'static [u8]| async move {
            let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            s.write_all(first).await.unwrap();
            let mut b = vec![0u8; first.len()];
            tokio::time::timeout(Duration::from_secs(7), s.read_exact(&mut b)).await.unwrap().unwrap();
            assert_eq!(b, first);
            s
        };
        let _named = echo(b"CONNECT {\"name\":\"ID-X\"}\r\n").await;
        assert_eq!(proxy.links(), [("X".to_string(), "B".to_string())]);
        proxy.cut(&["X".into()], &["B".into()]);
        assert!(proxy.links().is_empty());
        let _anonymous = echo(b"PING\r\n").await;
        assert_eq!(proxy.links(), [("?".to_string(), "B".to_string())]);
    }
}
