//! The system account's internal services (Go's `server/events.go`): server-owned
//! subscriptions that answer requests such as `$SYS.REQ.USER.INFO` and
//! `$SYS.REQ.SERVER.PING`.
//!
//! Go registers each service as a subscription of the system account's internal
//! client, and gives every other account a service import of the user-facing
//! ones (a subscription in that account forwarding into the system account).
//! rnats has no imports yet, so an importing account holds a subscription with
//! the same callback: the subscription is real (it shows in `/subsz` and
//! `/accountz`, and makes the request "have responders"), and the answer goes
//! back into the requester's own account as Go's response import would route it.
//!
//! Implemented: `USER.INFO` (system account, and imported by every account that
//! exists at start-up), the `STATSZ` ping (`$SYS.REQ.SERVER.PING`), and the
//! per-server and ping forms of `IDZ`, `STATSZ`, `VARZ` and `HEALTHZ`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::auth::SubjectRules;
use crate::connection::deliver::Publisher;
use crate::connection::{Connection, InternalCallback, Kind, Subscription};
use crate::consts::VERSION;
use crate::gotime::rfc3339;
use crate::json::{self, Obj};
use crate::message::Msg;
use crate::monitor::{feature_flags, HealthStatus};
use crate::server::Server;

/// Go's `userDirectInfoSubj`: who am I, asked by any client of any account.
const USER_INFO_SUBJECT: &str = "$SYS.REQ.USER.INFO";
/// Go's `serverStatsPingReqSubj`: every server answers with its statsz.
const SERVER_PING_SUBJECT: &str = "$SYS.REQ.SERVER.PING";

/// Go's `JetStreamEnabled` server capability flag.
const CAP_JETSTREAM: u64 = 1;

/// State shared by the service callbacks.
struct Ctx {
    srv: Weak<Server>,
    /// Servers whose STATSZ events we have seen, by id.
    known: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Go's `s.sys.seq`: numbers every message carrying a server-info header.
    seq: AtomicU64,
}

/// A request to a service: who sent it, where to answer, and its payload.
struct Request<'a> {
    /// The requesting connection; `None` when the server asked itself.
    from: Option<&'a Arc<Connection>>,
    /// The account the request arrived in (where its answer goes): a
    /// request routed from another server comes over a route connection,
    /// which is no client of that account.
    account: &'a str,
    reply: Option<&'a str>,
    payload: &'a [u8],
}

type Handler = fn(&Server, &Ctx, &Request<'_>);

/// Installs the internal services: in the system account, and as imports in
/// every other account that exists at start-up. Does nothing when the system
/// account is disabled (`no_system_account`), as Go then has none.
pub(crate) fn install(srv: &Arc<Server>) {
    if srv.opts.no_system_account {
        return;
    }
    let ctx = Arc::new(Ctx { srv: Arc::downgrade(srv), seq: AtomicU64::new(0), known: Default::default() });
    let sys_name = srv.system_account_name().to_string();
    let sys = srv.accounts.get_or_create(&sys_name);
    let sys_client = Connection::new_internal(srv.next_client_id(), Kind::System, &sys.name, &sys.sublist);
    let sids = AtomicU64::new(1);
    let sub = |subject: &str, h: Handler| subscribe(&sys_client, &sids, subject, callback(&ctx, &sys_name, h));
    sub(USER_INFO_SUBJECT, user_info);
    sub(SERVER_PING_SUBJECT, statsz);
    let services: [(&str, Handler); 4] = [("IDZ", idz), ("STATSZ", statsz), ("VARZ", varz), ("HEALTHZ", healthz)];
    for (name, h) in services {
        sub(&format!("$SYS.REQ.SERVER.{}.{name}", srv.id), h);
        sub(&format!("$SYS.REQ.SERVER.PING.{name}"), h);
    }
    if srv.is_clustered() {
        tokio::spawn(statsz_heartbeat(Arc::clone(&ctx), sys_name.clone()));
        sub("$SYS.SERVER.*.STATSZ", remote_statsz);
        sub("$SYS.SERVER.*.SHUTDOWN", remote_shutdown);
    }
    for acc in srv.accounts.list() {
        if acc.name == sys_name {
            continue;
        }
        // Each account's imports are held by that account's internal client,
        // with sids of their own (Go's per-account internal client).
        let client = Connection::new_internal(srv.next_client_id(), Kind::Account, &acc.name, &acc.sublist);
        let sids = AtomicU64::new(1);
        subscribe(&client, &sids, USER_INFO_SUBJECT, callback(&ctx, &acc.name, user_info));
    }
}

/// Tells the cluster this server is going away (Go's `sendShutdownEvent`,
/// `$SYS.SERVER.<id>.SHUTDOWN` with its server info): a Go meta leader
/// then counts it offline at once, for placement and for the info of the
/// streams it held. Sent just before the shutdown starts, while the routes
/// still carry it.
pub(crate) fn shutdown_event(srv: &Server) {
    if srv.opts.no_system_account || !srv.is_clustered() {
        return;
    }
    let ctx = Ctx { srv: Weak::new(), seq: AtomicU64::new(0), known: Default::default() };
    let acc = srv.accounts.get_or_create(srv.system_account_name());
    let body = json::to_vec(&server_info(srv, &ctx));
    acc.publish(&Msg::new(format!("$SYS.SERVER.{}.SHUTDOWN", srv.id), None, body), &mut Publisher::server());
}

/// Another server's shutdown event: it counts as offline (Go's
/// `remoteServerShutdown`).
fn remote_shutdown(srv: &Server, _ctx: &Ctx, m: &Request<'_>) {
    let Ok(v) = serde_json::from_slice::<Value>(m.payload) else { return };
    let (Some(name), Some(id)) = (v["name"].as_str(), v["id"].as_str()) else { return };
    if id != srv.id {
        if let Some(meta) = srv.jetstream.as_ref().and_then(|js| js.meta()) {
            meta.server_offline(name);
        }
    }
}

/// Another server's STATSZ event: the first from a server makes this one
/// announce itself at once (Go's `processNewServer`), so servers learn of
/// each other without waiting for the next heartbeat.
fn remote_statsz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    let Ok(v) = serde_json::from_slice::<Value>(m.payload) else { return };
    let Some(id) = v["server"]["id"].as_str() else { return };
    if let (Some(meta), Some(name)) = (srv.jetstream.as_ref().and_then(|js| js.meta()), v["server"]["name"].as_str()) {
        let field = |k: &str| v["server"][k].as_str().unwrap_or("").to_string();
        let tags = v["server"]["tags"].as_array().map(|t| t.iter().filter_map(|s| s.as_str()).map(str::to_string));
        meta.server_info(name, field("cluster"), tags.map(Iterator::collect).unwrap_or_default());
        let js = &v["statsz"]["jetstream"];
        if js["config"].is_object() {
            let n = |x: &Value| x.as_i64().unwrap_or(0);
            let used = |a: &str, b: &str| n(&js["stats"][a]).max(n(&js["stats"][b]));
            let memory = (n(&js["config"]["max_memory"]), used("memory", "reserved_memory"));
            let storage = (n(&js["config"]["max_storage"]), used("storage", "reserved_storage"));
            meta.server_capacity(name, memory, storage);
        }
    }
    if id == srv.id || !crate::connection::lock(&ctx.known).insert(id.to_string()) {
        return;
    }
    statsz(srv, ctx, &Request { from: None, account: m.account, reply: None, payload: b"" });
}

/// Go's `heartbeatStatsz`: a clustered server sends its STATSZ event on
/// `$SYS.SERVER.<id>.STATSZ`, every 250 ms at first, doubling to every
/// 10 s, so the other servers know it (Go counts them in `active_servers`
/// and names them in its monitoring).
async fn statsz_heartbeat(ctx: Arc<Ctx>, sys_name: String) {
    let mut every = std::time::Duration::from_millis(250);
    let max = std::time::Duration::from_secs(10);
    loop {
        let Some(srv) = ctx.srv.upgrade() else { return };
        tokio::select! {
            _ = tokio::time::sleep(every) => every = (every * 2).min(max),
            // A new server: announce once its interest has come over.
            _ = srv.announce.notified() => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
        if srv.is_shutting_down() {
            return;
        }
        statsz(&srv, &ctx, &Request { from: None, account: &sys_name, reply: None, payload: b"" });
    }
}

fn subscribe(client: &Arc<Connection>, sids: &AtomicU64, subject: &str, icb: InternalCallback) {
    client.add_sub(Subscription::new_internal(client, subject, sids.fetch_add(1, Ordering::Relaxed), icb));
}

/// A subscription callback of `account` running `h`.
fn callback(ctx: &Arc<Ctx>, account: &str, h: Handler) -> InternalCallback {
    let ctx = Arc::clone(ctx);
    let account = account.to_string();
    Arc::new(move |msg: &Msg, from: Option<&Arc<Connection>>| {
        if let Some(srv) = ctx.srv.upgrade() {
            h(&srv, &ctx, &Request { from, account: &account, reply: msg.reply_str(), payload: msg.payload() });
        }
    })
}

/// Publishes `body` as JSON to `subject` in the account the request came
/// in.
fn send(srv: &Server, m: &Request<'_>, subject: &str, body: &impl Serialize) {
    let acc = srv.accounts.get_or_create(m.account);
    let msg = Msg::new(subject.to_string(), None, json::to_vec(body));
    acc.publish(&msg, &mut Publisher::server());
}

/// Go's `ServerInfo`, the header of every system message.
#[derive(Serialize)]
struct ServerInfo<'a> {
    name: &'a str,
    host: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    cluster: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    domain: &'a str,
    ver: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    feature_flags: Obj,
    jetstream: bool,
    flags: u64,
    seq: u64,
    time: String,
}

/// The server-info header of the next system message (each takes a number).
fn server_info<'a>(srv: &'a Server, ctx: &Ctx) -> ServerInfo<'a> {
    let jetstream = srv.jetstream.is_some();
    ServerInfo {
        name: &srv.name,
        host: &srv.opts.host,
        id: &srv.id,
        cluster: if srv.is_clustered() { srv.opts.cluster.name.as_deref().unwrap_or("") } else { "" },
        domain: srv.opts.jetstream.domain.as_deref().unwrap_or(""),
        ver: VERSION,
        tags: &srv.opts.server_tags,
        feature_flags: feature_flags(),
        jetstream,
        // Go also claims binary stream snapshots and account NRG with
        // JetStream; those are clustering capabilities rnats does not have.
        flags: if jetstream { CAP_JETSTREAM } else { 0 },
        seq: ctx.seq.fetch_add(1, Ordering::Relaxed) + 1,
        time: rfc3339(SystemTime::now()),
    }
}

/// Go's `ServerAPIResponse`: the server-info header and either `data` or an
/// error.
#[derive(Serialize)]
struct ApiResponse<'a, T> {
    server: ServerInfo<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ApiError<'a>>,
}

/// Go's `ApiError` as the system services report it.
#[derive(Serialize)]
struct ApiError<'a> {
    code: u16,
    description: &'a str,
}

fn api_response<'a, T: Serialize>(srv: &'a Server, ctx: &Ctx, data: T) -> ApiResponse<'a, T> {
    ApiResponse { server: server_info(srv, ctx), data: Some(data), error: None }
}

fn api_error<'a>(srv: &'a Server, ctx: &Ctx, code: u16, description: &'a str) -> ApiResponse<'a, ()> {
    ApiResponse { server: server_info(srv, ctx), data: None, error: Some(ApiError { code, description }) }
}

/// Go's `EventFilterOptions`: which servers should answer a ping.
#[derive(Default)]
struct Filter {
    name: String,
    cluster: String,
    host: String,
    exact: bool,
    tags: Vec<String>,
    domain: String,
}

/// Reads a request body into Go's `<kind>EventOptions` (only the filter part is
/// used here). An empty body is no options; errors follow `encoding/json`'s
/// type errors (matching on field names is case-insensitive there too).
fn parse_filter(body: &[u8], kind: &str) -> Result<Filter, String> {
    let mut f = Filter::default();
    if body.is_empty() {
        return Ok(f);
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let type_name = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => return Ok(f),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type server.{kind}EventOptions",
                type_name(&other)
            ))
        }
    };
    let field_err = |field: &str, v: &Value, want: &str| {
        format!(
            "json: cannot unmarshal {} into Go struct field {kind}EventOptions.{field} of type {want}",
            type_name(v)
        )
    };
    for (k, v) in &obj {
        let key = k.to_ascii_lowercase();
        let text = |slot: &mut String| match v {
            Value::String(s) => {
                *slot = s.clone();
                Ok(())
            }
            Value::Null => Ok(()),
            other => Err(field_err(&key, other, "string")),
        };
        match key.as_str() {
            "server_name" => text(&mut f.name)?,
            "cluster" => text(&mut f.cluster)?,
            "host" => text(&mut f.host)?,
            "domain" => text(&mut f.domain)?,
            "exact_match" => match v {
                Value::Bool(b) => f.exact = *b,
                Value::Null => {}
                other => return Err(field_err(&key, other, "bool")),
            },
            "tags" => match v {
                Value::Array(a) => {
                    for t in a {
                        match t {
                            Value::String(s) => f.tags.push(s.clone()),
                            other => return Err(field_err(&key, other, "string")),
                        }
                    }
                }
                Value::Null => {}
                other => return Err(field_err(&key, other, "[]string")),
            },
            _ => {}
        }
    }
    Ok(f)
}

/// Go's `filterRequest`: true when this server should stay silent.
fn filtered(srv: &Server, f: &Filter) -> bool {
    let cluster = srv.opts.cluster.name.as_deref().unwrap_or("");
    let differs =
        |want: &str, have: &str| !want.is_empty() && if f.exact { want != have } else { !have.contains(want) };
    if differs(&f.name, &srv.name) || differs(&f.host, &srv.opts.host) || differs(&f.cluster, cluster) {
        return true;
    }
    // rnats has no server tags, so any tag filter excludes it.
    if !f.tags.is_empty() {
        return true;
    }
    !f.domain.is_empty() && srv.opts.jetstream.domain.as_deref().unwrap_or("") != f.domain
}

/// Go's `UserInfo`.
#[derive(Serialize)]
struct UserInfo<'a> {
    user: &'a str,
    account: &'a str,
    account_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<PublicPermissions<'a>>,
}

/// Go's `publicPermissions`: both directions are always present once the user
/// has permissions.
#[derive(Serialize)]
struct PublicPermissions<'a> {
    publish: Rules<'a>,
    subscribe: Rules<'a>,
}

/// Go's `SubjectPermission`.
#[derive(Serialize, Default)]
struct Rules<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    allow: Option<&'a [String]>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    deny: &'a [String],
}

impl<'a> Rules<'a> {
    fn of(r: Option<&'a SubjectRules>) -> Rules<'a> {
        r.map(|r| Rules { allow: r.allow.as_deref(), deny: &r.deny }).unwrap_or_default()
    }
}

/// Go's `userInfoReq`: tells the requesting client its user, account and
/// permissions; the answer goes to the reply subject in the requester's
/// account.
fn user_info(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    let (Some(from), Some(reply)) = (m.from, m.reply) else {
        return;
    };
    let account = from.account_name();
    let user = from.meta.lock().unwrap_or_else(|e| e.into_inner()).user.clone().unwrap_or_default();
    let perms = from.permissions();
    let info = UserInfo {
        user: &user,
        account: &account,
        account_name: &account,
        permissions: perms.as_ref().map(|p| PublicPermissions {
            publish: Rules::of(p.publish.as_ref()),
            subscribe: Rules::of(p.subscribe.as_ref()),
        }),
    };
    send(srv, m, reply, &api_response(srv, ctx, info));
}

/// Go's `idzReq`: the server's name, host and id, without the server-info
/// header.
fn idz(srv: &Server, _ctx: &Ctx, m: &Request<'_>) {
    let Some(reply) = m.reply else { return };
    #[derive(Serialize)]
    struct Idz<'a> {
        name: &'a str,
        host: &'a str,
        id: &'a str,
    }
    send(srv, m, reply, &Idz { name: &srv.name, host: &srv.opts.host, id: &srv.id });
}

/// Go's `DataStats` as rnats fills it: messages and bytes.
#[derive(Serialize)]
struct DataStats {
    msgs: u64,
    bytes: u64,
}

/// Go's per-connection-kind counters (`SlowConsumersStats`, `StaleConnectionStats`).
#[derive(Serialize)]
struct KindStats {
    clients: u64,
    routes: u64,
    gateways: u64,
    leafs: u64,
}

impl KindStats {
    fn clients(n: u64) -> Option<KindStats> {
        (n > 0).then_some(KindStats { clients: n, routes: 0, gateways: 0, leafs: 0 })
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Go's `ServerStats`, the fields rnats has.
#[derive(Serialize)]
struct ServerStats {
    start: String,
    mem: u64,
    cores: usize,
    cpu: f64,
    connections: usize,
    total_connections: u64,
    active_accounts: usize,
    subscriptions: usize,
    sent: DataStats,
    sent_to_clients: DataStats,
    received: DataStats,
    received_from_clients: DataStats,
    slow_consumers: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    slow_consumer_stats: Option<KindStats>,
    #[serde(skip_serializing_if = "is_zero")]
    stale_connections: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_connection_stats: Option<KindStats>,
    #[serde(skip_serializing_if = "is_zero")]
    stalled_clients: u64,
    active_servers: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    jetstream: Option<Obj>,
    gomaxprocs: usize,
}

/// Go's `ServerStatsMsg`.
#[derive(Serialize)]
struct ServerStatsMsg<'a> {
    server: ServerInfo<'a>,
    statsz: ServerStats,
}

/// Go's `statszReq`: server statistics. Without a reply subject the answer is
/// broadcast on `$SYS.SERVER.<id>.STATSZ`, as Go does.
fn statsz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    let broadcast = format!("$SYS.SERVER.{}.STATSZ", srv.id);
    let reply = m.reply.unwrap_or(&broadcast);
    match parse_filter(m.payload, "Statsz") {
        Err(e) => return send(srv, m, reply, &api_error(srv, ctx, 400, &e)),
        Ok(f) if filtered(srv, &f) => return,
        Ok(_) => {}
    }
    let st = &srv.stats;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let sys_name = srv.system_account_name();
    // Go counts accounts with a registered client; the system account always
    // has its internal one.
    let active = srv.accounts.list().iter().filter(|a| a.client_count() > 0 || a.name == sys_name).count();
    let (im, ib, om, ob) = (load(&st.in_msgs), load(&st.in_bytes), load(&st.out_msgs), load(&st.out_bytes));
    // The detail fields are omitted while zero, as in Go.
    let (slow, stale) = (load(&st.slow_consumers), load(&st.stale_connections));
    // Go counts the servers it heard from, and itself. (Read apart: the
    // routes' lock must not be held while JetStream's is taken below.)
    let active_servers = crate::connection::lock(&srv.routes).len() as u32 + 1;
    let statsz = ServerStats {
        start: rfc3339(srv.start_time),
        mem: crate::monitor::resident_memory(),
        cores,
        cpu: 0.0,
        connections: srv.num_clients(),
        total_connections: load(&st.total_connections),
        active_accounts: active,
        subscriptions: srv.total_subscriptions(),
        sent: DataStats { msgs: om, bytes: ob },
        sent_to_clients: DataStats { msgs: om, bytes: ob },
        received: DataStats { msgs: im, bytes: ib },
        received_from_clients: DataStats { msgs: im, bytes: ib },
        slow_consumers: slow,
        slow_consumer_stats: KindStats::clients(slow),
        stale_connections: stale,
        stale_connection_stats: KindStats::clients(stale),
        stalled_clients: load(&st.stalled_clients),
        active_servers,
        // A Go meta leader places streams on the servers whose STATSZ
        // events carry JetStream config and stats (`nodeInfo.selectable`).
        jetstream: crate::monitor::statsz_jetstream(srv),
        gomaxprocs: cores,
    };
    send(srv, m, reply, &ServerStatsMsg { server: server_info(srv, ctx), statsz });
}

/// Go's `zReq` for the monitoring services: parse the options (only the
/// server filter applies here), then answer with `data` or an error.
fn z_request<T: Serialize>(srv: &Server, ctx: &Ctx, m: &Request<'_>, kind: &str, data: impl FnOnce() -> T) {
    let Some(reply) = m.reply else { return };
    match parse_filter(m.payload, kind) {
        Err(e) => send(srv, m, reply, &api_error(srv, ctx, 400, &e)),
        Ok(f) if filtered(srv, &f) => {}
        Ok(_) => send(srv, m, reply, &api_response(srv, ctx, data())),
    }
}

/// `VARZ`: the `/varz` document.
fn varz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    z_request(srv, ctx, m, "Varz", || crate::monitor::varz(srv));
}

/// `HEALTHZ`: Go's `HealthStatus`, as `/healthz` reports it.
fn healthz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    z_request(srv, ctx, m, "Healthz", || HealthStatus::of(srv, true));
}
