//! The cucumber world: per-scenario state (servers, clients, subscriptions, raw
//! connections, replies) plus the run-wide context shared by all scenarios.
use crate::catalog::Entry;
use crate::expectations::Expectations;
use crate::harness::ServerProc;
use crate::raw::RawConn;
use crate::results::ScenarioResult;
use crate::target::{Launch, Target};
use anyhow::{anyhow, bail, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Default bound for any network wait a step does not state itself.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// What every scenario of one run shares.
#[derive(Debug)]
pub struct RunContext {
    pub target: Target,
    /// Each scenario gets `<run_root>/<scenario id>/`.
    pub run_root: PathBuf,
    /// Catalog entries by (feature path, scenario name), to give cucumber's scenarios
    /// their stable ids.
    pub entries: HashMap<(PathBuf, String), Entry>,
    pub expectations: Expectations,
    pub results: Mutex<Vec<ScenarioResult>>,
    /// Keep scenario folders even when the scenario passes.
    pub keep_dirs: bool,
}

fn slot() -> &'static RwLock<Option<Arc<RunContext>>> {
    static CTX: RwLock<Option<Arc<RunContext>>> = RwLock::new(None);
    &CTX
}

/// Sets the context for the next run (runs against several targets are sequential).
pub fn set_context(ctx: Arc<RunContext>) {
    if let Ok(mut s) = slot().write() {
        *s = Some(ctx);
    }
}

pub fn context() -> Option<Arc<RunContext>> {
    slot().read().ok().and_then(|s| s.clone())
}

/// A subscription and what it has received.
#[derive(Debug)]
pub struct Sub {
    pub client: String,
    pub subscriber: async_nats::Subscriber,
    /// Messages taken off the subscription so far, in order.
    pub received: Vec<async_nats::Message>,
}

#[derive(Debug, cucumber::World)]
#[world(init = Self::new)]
pub struct NatsWorld {
    pub ctx: Arc<RunContext>,
    /// Set by the before hook.
    pub entry: Option<Entry>,
    pub dir: PathBuf,
    pub started: Instant,
    pub servers: BTreeMap<String, ServerProc>,
    /// On a `url:` target, the external server's URL.
    pub external_url: Option<String>,
    pub clients: HashMap<String, async_nats::Client>,
    pub subs: HashMap<String, Sub>,
    pub raws: HashMap<String, RawConn>,
    /// Named request outcomes: the reply, or the error text.
    pub replies: HashMap<String, Result<async_nats::Message, String>>,
    /// The last JSON reply (`$JS.API` requests, monitoring endpoints).
    pub last_json: Option<serde_json::Value>,
    /// Background tasks a step started (responders); aborted with the world.
    pub tasks: Vec<tokio::task::AbortHandle>,
    /// The scenario's cluster, if it has one; its nodes are in `servers`.
    pub cluster: Option<crate::cluster::Cluster>,
    /// Config for the next cluster's nodes, keyed by node name (`*`: every node).
    pub pending_node_config: BTreeMap<String, String>,
    /// Lines for the next cluster's `cluster {}` blocks, keyed like `pending_node_config`.
    pub pending_cluster_options: BTreeMap<String, String>,
    /// `user:password` the next cluster's nodes put in their route URLs, keyed likewise.
    pub pending_route_credentials: BTreeMap<String, String>,
}

impl Drop for NatsWorld {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl NatsWorld {
    fn new() -> Self {
        let ctx = context().expect("the conformance runner sets a context before running scenarios");
        NatsWorld {
            dir: ctx.run_root.clone(),
            ctx,
            entry: None,
            started: Instant::now(),
            servers: BTreeMap::new(),
            external_url: None,
            clients: HashMap::new(),
            subs: HashMap::new(),
            raws: HashMap::new(),
            replies: HashMap::new(),
            last_json: None,
            tasks: Vec::new(),
            cluster: None,
            pending_node_config: BTreeMap::new(),
            pending_cluster_options: BTreeMap::new(),
            pending_route_credentials: BTreeMap::new(),
        }
    }

    pub fn entry(&self) -> Result<&Entry> {
        self.entry.as_ref().ok_or_else(|| anyhow!("scenario has no catalog entry"))
    }

    /// Process control needs `@process` on the scenario, so `url:` runs can skip it
    /// up front instead of failing half-way.
    pub fn require_process(&self, what: &str) -> Result<()> {
        if !self.entry()?.has_tag("process") && !self.entry()?.has_tag("cluster") {
            bail!("'{what}' needs process control: tag the scenario @process");
        }
        Ok(())
    }

    /// Starts (or, on a url: target, adopts) a server.
    pub async fn start_server(&mut self, name: &str, extra_config: &str) -> Result<()> {
        if self.servers.contains_key(name) {
            bail!("server '{name}' already exists in this scenario");
        }
        match self.ctx.target.launch.clone() {
            Launch::Url(url) => {
                if !extra_config.trim().is_empty() {
                    bail!("a url: target cannot take a config");
                }
                self.external_url = Some(url);
                Ok(())
            }
            Launch::Process { binary, args } => {
                std::fs::create_dir_all(&self.dir)?;
                let mut s = ServerProc::new(name, &self.dir, &binary, &args, extra_config)?;
                s.ready_line = self.ctx.target.ready_log_line.clone();
                let res = s.start().await;
                self.servers.insert(name.to_string(), s);
                res
            }
        }
    }

    /// A server by name; `None` means the only one (or "S").
    pub fn server(&mut self, name: Option<&str>) -> Result<&mut ServerProc> {
        let key = match name {
            Some(n) => n.to_string(),
            None if self.servers.len() == 1 => self.servers.keys().next().cloned().unwrap_or_default(),
            None => "S".to_string(),
        };
        self.servers.get_mut(&key).ok_or_else(|| anyhow!("no server '{key}' in this scenario"))
    }

    /// Client URL of a server (or of the external one).
    pub fn url_of(&mut self, name: Option<&str>) -> Result<String> {
        if let Some(u) = &self.external_url {
            return Ok(u.clone());
        }
        Ok(self.server(name)?.client_url())
    }

    /// `host:port` of a server, for raw connections.
    pub fn addr_of(&mut self, name: Option<&str>) -> Result<String> {
        let url = self.url_of(name)?;
        Ok(url.trim_start_matches("nats://").split(',').next().unwrap_or_default().to_string())
    }

    pub fn client(&self, name: &str) -> Result<&async_nats::Client> {
        self.clients.get(name).ok_or_else(|| anyhow!("no client '{name}'"))
    }

    pub fn sub(&mut self, name: &str) -> Result<&mut Sub> {
        self.subs.get_mut(name).ok_or_else(|| anyhow!("no subscription '{name}'"))
    }

    pub fn raw(&mut self, name: &str) -> Result<&mut RawConn> {
        self.raws.get_mut(name).ok_or_else(|| anyhow!("no raw connection '{name}'"))
    }

    pub fn json(&self) -> Result<&serde_json::Value> {
        self.last_json.as_ref().ok_or_else(|| anyhow!("no JSON reply yet"))
    }

    /// Last lines of every server's log.
    pub fn server_logs(&self) -> Vec<String> {
        self.servers.values().map(|s| s.log_tail(40)).collect()
    }
}
