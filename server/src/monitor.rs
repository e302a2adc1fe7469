//! HTTP monitoring endpoints: `/varz`, `/connz`, `/subsz`, `/routez`, `/healthz`,
//! `/accountz` and friends, with the field names, order and JSON style of Go's
//! `server/monitor.go` (two-space indented, HTML characters escaped).
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::connection::{Connection, Subscription};
use crate::consts::{LANG_VERSION, PROTO, SYSTEM_ACCOUNT, VERSION};
use crate::gotime::{duration_string, rfc3339};
use crate::jetstream::cluster::META_GROUP;
use crate::json::{self, go_quote, obj, val as v, Obj, J};
use crate::server::Server;
use crate::sublist::SublistStats;

/// Build identifier shown as `git_commit` (set `RNATS_GIT_COMMIT` at build time).
const GIT_COMMIT: &str = match option_env!("RNATS_GIT_COMMIT") {
    Some(c) => c,
    None => "unknown",
};

/// Go's `DefaultConnListSize` / `DefaultSubListSize`.
const DEFAULT_LIST_SIZE: usize = 1024;

/// Per-endpoint request counters reported in `/varz` `http_req_stats`.
static REQ_STATS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// Serves monitoring requests until the server shuts down.
pub(crate) async fn serve(srv: Arc<Server>, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if srv.is_shutting_down() {
            return;
        }
        let srv = Arc::clone(&srv);
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let srv = Arc::clone(&srv);
                async move { Ok::<_, Infallible>(handle(&srv, &req)) }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

fn query_params(req: &Request<Incoming>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(q) = req.uri().query() {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn handle(srv: &Server, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let base = srv.opts.http_base_path.trim_end_matches('/');
    let path = req.uri().path();
    let path = path.strip_prefix(base).unwrap_or(path);
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let q = query_params(req);
    let endpoint = match path {
        "" | "/" => "/",
        "/varz" | "/connz" | "/subsz" | "/subscriptionsz" | "/routez" | "/healthz" | "/accountz" | "/leafz"
        | "/gatewayz" | "/accstatz" | "/jsz" | "/raftz" => path,
        _ => {
            return respond(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "404 page not found\n".into());
        }
    };
    {
        let mut stats = REQ_STATS.lock().unwrap_or_else(|e| e.into_inner());
        *stats.entry(endpoint.to_string()).or_insert(0) += 1;
    }
    let body = match endpoint {
        "/" => {
            return respond(
                StatusCode::OK,
                "text/html; charset=utf-8",
                format!(
                    "<html lang=\"en\">\n<body>\n<a href=./varz>General</a>\n<a href=./connz>Connections</a>\n\
                     <a href=./accountz>Accounts</a>\n<a href=./subsz>Subscriptions</a>\n<a href=./routez>Routes</a>\n\
                     <a href=./healthz>Health Probe</a>\n<p>v{VERSION}</p>\n</body>\n</html>\n"
                ),
            )
        }
        "/healthz" => {
            // Only whether JetStream is on, or this server alone: no meta check.
            let js_only = flag(&q, "js-enabled-only") || flag(&q, "js-server-only");
            let health = match HealthStatus::of_asset(srv, &q) {
                Some(h) => h,
                None if js_only => HealthStatus::ok(0),
                None => HealthStatus::of(srv, false),
            };
            return respond(health.http_status(), "application/json", json::to_string(&health));
        }
        "/varz" => varz(srv),
        "/connz" => match connz(srv, &q) {
            Ok(v) => v,
            Err(e) => return respond(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", e),
        },
        "/subsz" | "/subscriptionsz" => match subsz(srv, &q) {
            Ok(v) => v,
            Err(e) => return respond(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", e),
        },
        "/jsz" => {
            let leader_only = flag(&q, "leader-only");
            let meta = srv.jetstream.as_ref().and_then(|js| js.meta());
            if leader_only && meta.is_some_and(|m| !m.is_leader()) {
                return respond(
                    StatusCode::BAD_REQUEST,
                    "text/plain; charset=utf-8",
                    "filtered response: not leader".into(),
                );
            }
            jsz(srv, &q)
        }
        "/raftz" => match raftz(srv, &q) {
            Some(v) => v,
            None => {
                return respond(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "no matching raft groups".into())
            }
        },
        "/routez" => match routez(srv, &q) {
            Ok(v) => v,
            Err(e) => return respond(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", e),
        },
        "/leafz" => obj([
            ("server_id", v(&srv.id)),
            ("now", v(rfc3339(SystemTime::now()))),
            ("leafnodes", v(0)),
            ("leafs", v(json!([]))),
        ]),
        "/gatewayz" => obj([
            ("server_id", v(&srv.id)),
            ("now", v(rfc3339(SystemTime::now()))),
            ("outbound_gateways", v(json!({}))),
            ("inbound_gateways", v(json!({}))),
        ]),
        "/accstatz" => accstatz(srv, matches!(parse_bool(&q, "unused"), Ok(true))),
        _ => accountz(srv, &q),
    };
    respond(StatusCode::OK, "application/json", json::to_string_pretty(&body))
}

fn respond(status: StatusCode, ctype: &str, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    if let Ok(v) = ctype.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

/// Go 2.15.1's merged feature flags (its defaults), as `/varz` and the
/// system messages' server info report them; they describe JetStream wire
/// behaviour.
pub(crate) fn feature_flags() -> Obj {
    obj([
        ("js_ack_fc_v2", v(false)),
        ("js_api_reply_v2", v(false)),
        ("js_raft_delete_range", v(true)),
        ("js_snapshot_sources", v(false)),
    ])
}

/// Go's `HealthStatus`; rnats is healthy once it serves requests. The HTTP
/// endpoint leaves the status code out, the `HEALTHZ` service has it.
#[derive(Serialize)]
pub(crate) struct HealthStatus {
    status: &'static str,
    #[serde(skip_serializing_if = "is_zero_u16")]
    status_code: u16,
    #[serde(skip_serializing_if = "str::is_empty")]
    error: String,
    /// With `details=true`: each problem apart (Go's `HealthzError`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<HealthzError>,
}

/// Go's `HealthzError`.
#[derive(Serialize)]
struct HealthzError {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    account: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    stream: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    consumer: String,
    error: String,
}

impl HealthStatus {
    pub(crate) fn ok(status_code: u16) -> HealthStatus {
        HealthStatus { status: "ok", status_code, error: String::new(), errors: Vec::new() }
    }

    /// Go's `healthz` for one account's stream, or one of its consumers
    /// (`account`, `stream`, `consumer`, `details`): what this server holds,
    /// whoever leads it. `None` when the request names no asset.
    fn of_asset(srv: &Server, q: &BTreeMap<String, String>) -> Option<HealthStatus> {
        let get = |k: &str| q.get(k).map(String::as_str).filter(|s| !s.is_empty());
        let (account, stream, consumer) = (get("account"), get("stream"), get("consumer"));
        if account.is_none() && stream.is_none() && consumer.is_none() {
            return None;
        }
        let details = flag(q, "details");
        let fail = |code: u16, kind: &'static str, error: String| {
            let (a, s, c) = (account.unwrap_or(""), stream.unwrap_or(""), consumer.unwrap_or(""));
            if details {
                let e = HealthzError { kind, account: a.into(), stream: s.into(), consumer: c.into(), error };
                HealthStatus { status: "error", status_code: code, error: String::new(), errors: vec![e] }
            } else {
                let status = if code == 400 { "error" } else { "unavailable" };
                HealthStatus { status, status_code: code, error, errors: Vec::new() }
            }
        };
        let Some(account) = account else {
            return Some(fail(400, "BAD_REQUEST", "\"account\" must not be empty when checking stream health".into()));
        };
        let Some(stream) = stream else {
            if consumer.is_some() {
                let e = "\"stream\" must not be empty when checking consumer health".into();
                return Some(fail(400, "BAD_REQUEST", e));
            }
            return None;
        };
        let Some(js) = &srv.jetstream else {
            return Some(fail(503, "JETSTREAM", "JetStream not enabled".into()));
        };
        let (has_stream, has_consumer) = js.holds(account, stream, consumer);
        if !has_stream {
            let e = format!("JetStream stream {stream:?} not found on account {account:?}");
            return Some(fail(404, "STREAM", e));
        }
        if let (Some(c), false) = (consumer, has_consumer) {
            let e = format!("JetStream consumer {c:?} not found for stream {stream:?} on account {account:?}");
            return Some(fail(404, "CONSUMER", e));
        }
        Some(HealthStatus::ok(0))
    }

    /// Go's `healthz`: with clustered JetStream, the server is healthy once
    /// it knows a meta leader and is current with it. `with_code` puts the
    /// code in the body (the `$SYS` form does; HTTP has it in the status).
    pub(crate) fn of(srv: &Server, with_code: bool) -> HealthStatus {
        let meta = srv.jetstream.as_ref().and_then(|js| js.meta());
        let problem = meta.and_then(|m| {
            let st = m.status();
            if m.disabled() {
                Some("JetStream not enabled (10076)".to_string())
            } else if let Some(e) = st.stopped {
                Some(format!("JetStream meta layer write error: {e}"))
            } else if st.leader.is_none() {
                Some("JetStream has not established contact with a meta leader".to_string())
            } else if !m.is_current() {
                Some("JetStream is not current with the meta leader".to_string())
            } else {
                None
            }
        });
        match problem {
            None => HealthStatus::ok(if with_code { 200 } else { 0 }),
            Some(error) => HealthStatus { status: "unavailable", status_code: 503, error, errors: Vec::new() },
        }
    }

    pub(crate) fn http_status(&self) -> StatusCode {
        StatusCode::from_u16(self.status_code).ok().filter(|c| !c.is_success()).unwrap_or(StatusCode::OK)
    }
}

fn is_zero_u16(n: &u16) -> bool {
    *n == 0
}

/// Go's `myUptime`: whole seconds split into y/d/h/m/s.
fn uptime_string(d: Duration) -> String {
    let secs = d.as_secs();
    let (mins, hrs) = (secs / 60, secs / 3600);
    let (days, yrs) = (hrs / 24, hrs / 24 / 365);
    if yrs > 0 {
        format!("{yrs}y{}d{}h{}m{}s", days % 365, hrs % 24, mins % 60, secs % 60)
    } else if days > 0 {
        format!("{days}d{}h{}m{}s", hrs % 24, mins % 60, secs % 60)
    } else if hrs > 0 {
        format!("{hrs}h{}m{}s", mins % 60, secs % 60)
    } else if mins > 0 {
        format!("{mins}m{}s", secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Resident memory in bytes from `/proc/self/statm` (0 when unavailable).
pub(crate) fn resident_memory() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

fn system_account(srv: &Server) -> String {
    srv.opts.system_account.clone().unwrap_or_else(|| SYSTEM_ACCOUNT.to_string())
}

/// `/varz`; also the system account's `VARZ` service, which leaves
/// `http_req_stats` alone.
pub(crate) fn varz(srv: &Server) -> Obj {
    let o = &srv.opts;
    let st = &srv.stats;
    let port = srv.client_addr.lock().unwrap_or_else(|e| e.into_inner()).map(|a| a.port()).unwrap_or(0);
    let http_port = srv.http_addr.lock().unwrap_or_else(|e| e.into_inner()).map(|a| a.port()).unwrap_or(0);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let now = SystemTime::now();
    let req_stats: BTreeMap<String, u64> = REQ_STATS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let kinds = |clients: u64| obj([("clients", v(clients)), ("routes", v(0)), ("gateways", v(0)), ("leafs", v(0))]);
    let mut out = Obj::default();
    let mut put = |k: &str, val: Value| out.put(k, val);
    put("server_id", json!(srv.id));
    put("server_name", json!(srv.name));
    put("version", json!(VERSION));
    put("proto", json!(PROTO));
    put("git_commit", json!(GIT_COMMIT));
    put("go", json!(LANG_VERSION));
    put("host", json!(o.host));
    put("port", json!(port));
    if srv.auth.required() {
        put("auth_required", json!(true));
    }
    let connect_urls = srv.client_connect_urls();
    if !connect_urls.is_empty() {
        put("connect_urls", json!(connect_urls));
    }
    put("max_connections", json!(o.max_connections));
    if o.max_subscriptions > 0 {
        put("max_subscriptions", json!(o.max_subscriptions));
    }
    put("ping_interval", json!(o.ping_interval.as_nanos() as u64));
    put("ping_max", json!(o.max_pings_out));
    put("http_host", json!(srv.http_host()));
    put("http_port", json!(http_port));
    put("http_base_path", json!(o.http_base_path));
    put("https_port", json!(0));
    put("auth_timeout", json!(o.auth_timeout.as_secs_f64()));
    put("max_control_line", json!(o.max_control_line));
    put("max_payload", json!(o.max_payload));
    put("max_pending", json!(o.max_pending));
    for k in ["cluster", "gateway", "leaf", "mqtt", "websocket"] {
        put(k, json!({}));
    }
    // Filled in below, keeping the section's field order.
    put("jetstream", json!({}));
    put("tls_timeout", json!(2.0));
    put("write_deadline", json!(o.write_deadline.as_nanos() as u64));
    put("start", json!(rfc3339(srv.start_time)));
    put("now", json!(rfc3339(now)));
    put("uptime", json!(uptime_string(srv.start.elapsed())));
    put("mem", json!(resident_memory()));
    put("cores", json!(cores));
    put("gomaxprocs", json!(cores));
    put("cpu", json!(0));
    put("connections", json!(srv.num_clients()));
    put("total_connections", json!(st.total_connections.load(Ordering::Relaxed)));
    let (routes, remotes) = {
        let r = srv.routes.lock().unwrap_or_else(|e| e.into_inner());
        (r.values().map(|s| s.entries().count()).sum::<usize>(), r.len())
    };
    put("routes", json!(routes));
    put("remotes", json!(remotes));
    put("leafnodes", json!(0));
    let (im, ib) = (st.in_msgs.load(Ordering::Relaxed), st.in_bytes.load(Ordering::Relaxed));
    let (om, ob) = (st.out_msgs.load(Ordering::Relaxed), st.out_bytes.load(Ordering::Relaxed));
    put("in_msgs", json!(im));
    put("in_bytes", json!(ib));
    put("in_client_msgs", json!(im));
    put("in_client_bytes", json!(ib));
    put("out_msgs", json!(om));
    put("out_bytes", json!(ob));
    put("out_client_msgs", json!(om));
    put("out_client_bytes", json!(ob));
    let slow = st.slow_consumers.load(Ordering::Relaxed);
    let stale = st.stale_connections.load(Ordering::Relaxed);
    put("slow_consumers", json!(slow));
    put("stale_connections", json!(stale));
    put("stalled_clients", json!(st.stalled_clients.load(Ordering::Relaxed)));
    put("subscriptions", json!(srv.total_subscriptions()));
    put("http_req_stats", json!(req_stats));
    put("config_load_time", json!(rfc3339(srv.start_time)));
    put("config_digest", json!(o.config_digest));
    if !o.server_tags.is_empty() {
        put("tags", json!(o.server_tags));
    }
    out.put("feature_flags", feature_flags());
    out.put("system_account", v(system_account(srv)));
    out.put("slow_consumer_stats", kinds(slow));
    out.put("stale_connection_stats", kinds(stale));
    out.put(
        "disk_io_wait_stats",
        obj([("waiters", v(0)), ("waits", v(0)), ("wait_time", v(0)), ("max_wait_time", v(0))]),
    );
    for (k, slot) in &mut out.0 {
        match k.as_str() {
            "jetstream" => *slot = J::O(varz_jetstream(srv)),
            "cluster" if srv.is_clustered() => *slot = J::O(varz_cluster(srv)),
            _ => {}
        }
    }
    out
}

/// Go's connz `sort` options.
fn sort_clients(clients: &mut [ConnSnapshot], by: &str) -> Result<(), String> {
    match by {
        "" | "cid" => clients.sort_by_key(|c| c.cid),
        "start" => clients.sort_by_key(|c| c.start),
        "subs" => clients.sort_by_key(|c| std::cmp::Reverse(c.subs)),
        "pending" => clients.sort_by_key(|c| std::cmp::Reverse(c.pending)),
        "msgs_to" => clients.sort_by_key(|c| std::cmp::Reverse(c.out_msgs)),
        "msgs_from" => clients.sort_by_key(|c| std::cmp::Reverse(c.in_msgs)),
        "bytes_to" => clients.sort_by_key(|c| std::cmp::Reverse(c.out_bytes)),
        "bytes_from" => clients.sort_by_key(|c| std::cmp::Reverse(c.in_bytes)),
        "last" => clients.sort_by_key(|c| std::cmp::Reverse(c.last)),
        "idle" => clients.sort_by_key(|c| c.last),
        "uptime" => clients.sort_by_key(|c| c.start),
        "rtt" => clients.sort_by_key(|c| std::cmp::Reverse(c.rtt)),
        "stop" => clients.sort_by_key(|c| std::cmp::Reverse(c.closed.as_ref().map(|(t, _)| *t))),
        "reason" => clients.sort_by_key(|c| c.client.close_reason().map(|r| r.as_str())),
        other => return Err(format!("invalid sorting option: {other}")),
    }
    Ok(())
}

struct ConnSnapshot {
    cid: u64,
    client: Arc<Connection>,
    start: SystemTime,
    last: SystemTime,
    subs: usize,
    pending: usize,
    in_msgs: u64,
    out_msgs: u64,
    in_bytes: u64,
    out_bytes: u64,
    rtt: Duration,
    /// Stop time and subscription subjects, for closed connections.
    closed: Option<(SystemTime, Vec<String>)>,
}

/// One subscription as `/connz?subs=detail` and `/subsz?subs=1` show it.
fn sub_detail(sub: &Subscription, with_account: bool) -> Obj {
    let mut o = Obj::default();
    if with_account {
        let name = sub.conn.account_name();
        o.put("account", v(&name));
        o.put("account_tag", v(&name));
    }
    o.put("subject", v(&*sub.subject));
    if let Some(q) = &sub.queue {
        o.put("qgroup", v(&**q));
    }
    o.put("sid", v(String::from_utf8_lossy(&sub.sid)));
    o.put("msgs", v(sub.delivered.load(Ordering::Relaxed)));
    let max = sub.max.load(Ordering::Relaxed);
    if max > 0 {
        o.put("max", v(max));
    }
    o.put("cid", v(sub.conn.cid));
    o
}

fn flag(q: &BTreeMap<String, String>, k: &str) -> bool {
    matches!(parse_bool(q, k), Ok(true)) || q.get(k).map(String::as_str) == Some("detail")
}

/// Go's `strconv.ParseBool` on a query parameter (absent means false), with its
/// error text as monitoring reports it.
fn parse_bool(q: &BTreeMap<String, String>, k: &str) -> Result<bool, String> {
    match q.get(k).map(String::as_str) {
        None | Some("") => Ok(false),
        Some("1" | "t" | "T" | "TRUE" | "true" | "True") => Ok(true),
        Some("0" | "f" | "F" | "FALSE" | "false" | "False") => Ok(false),
        Some("detail") if k == "subs" => Ok(true),
        Some(other) => Err(format!(
            "Error decoding boolean for '{k}': strconv.ParseBool: parsing {}: invalid syntax",
            go_quote(other.as_bytes())
        )),
    }
}

/// `/routez` (Go's `Routez`): one entry per route connection.
fn routez(srv: &Server, q: &BTreeMap<String, String>) -> Result<Obj, String> {
    let subs = parse_bool(q, "subs")?;
    let detail = q.get("subs").map(String::as_str) == Some("detail");
    let now = SystemTime::now();
    let routes = srv.routes.lock().unwrap_or_else(|e| e.into_inner());
    let mut entries: Vec<(&crate::server::RemoteServer, &crate::server::RouteEntry)> =
        routes.values().flat_map(|remote| remote.entries().map(move |e| (remote, e))).collect();
    entries.sort_by_key(|(_, r)| r.conn.cid);
    let list: Vec<J> = entries
        .iter()
        .map(|(remote, r)| {
            let c = &r.conn;
            let meta = c.meta.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let last_ns = c.last_activity_ns.load(Ordering::Relaxed);
            let last = if last_ns == 0 { meta.start } else { UNIX_EPOCH + Duration::from_nanos(last_ns) };
            let mut out = Obj::default();
            out.put("rid", json!(c.cid));
            out.put("remote_id", json!(remote.id));
            out.put("remote_name", json!(remote.name));
            out.put("did_solicit", json!(r.did_solicit));
            out.put("is_configured", json!(r.is_configured));
            out.put("ip", json!(c.addr.ip().to_string()));
            out.put("port", json!(c.addr.port()));
            out.put("start", json!(rfc3339(meta.start)));
            out.put("last_activity", json!(rfc3339(last)));
            out.put("rtt", json!(duration_string(meta.rtt.as_micros().min(i64::MAX as u128 / 1000) as i64 * 1000)));
            out.put("uptime", json!(uptime_string(now.duration_since(meta.start).unwrap_or_default())));
            out.put("idle", json!(uptime_string(now.duration_since(last).unwrap_or_default())));
            out.put("pending_size", json!(c.pending_bytes()));
            out.put("in_msgs", json!(c.in_msgs.load(Ordering::Relaxed)));
            out.put("out_msgs", json!(c.out_msgs.load(Ordering::Relaxed)));
            out.put("in_bytes", json!(c.in_bytes.load(Ordering::Relaxed)));
            out.put("out_bytes", json!(c.out_bytes.load(Ordering::Relaxed)));
            out.put("subscriptions", json!(r.num_subs.load(Ordering::Relaxed)));
            if subs {
                let mine: Vec<Arc<Subscription>> =
                    srv.accounts.list().iter().flat_map(|a| a.sublist.all()).filter(|s| s.conn.cid == c.cid).collect();
                if detail {
                    out.put(
                        "subscriptions_list_detail",
                        json!(mine.iter().map(|s| sub_detail(s, true)).collect::<Vec<_>>()),
                    );
                } else {
                    out.put(
                        "subscriptions_list",
                        json!(mine.iter().map(|s| s.subject.to_string()).collect::<Vec<_>>()),
                    );
                }
            }
            if let Some(a) = &r.account {
                out.put("account", json!(a));
            }
            out.put("compression", json!("off"));
            J::from(out)
        })
        .collect();
    Ok(obj([
        ("server_id", v(&srv.id)),
        ("server_name", v(&srv.name)),
        ("now", v(rfc3339(now))),
        ("num_routes", v(list.len())),
        ("routes", v(list)),
    ]))
}

/// The `cluster` section of `/varz` (Go's `ClusterOptsVarz`).
fn varz_cluster(srv: &Server) -> Obj {
    let o = &srv.opts.cluster;
    let port = srv.route_addr.lock().unwrap_or_else(|e| e.into_inner()).map_or(o.port.max(0) as u16, |a| a.port());
    let urls: Vec<String> = o
        .routes
        .iter()
        .map(|r| {
            let rest = r.split_once("://").map_or(r.as_str(), |(_, x)| x);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            rest.trim_end_matches('/').to_string()
        })
        .collect();
    let mut out = Obj::default();
    out.put("name", json!(srv.cluster_name()));
    out.put("addr", json!(if o.host.is_empty() { "0.0.0.0" } else { o.host.as_str() }));
    out.put("cluster_port", json!(port));
    out.put("auth_timeout", json!(o.auth_timeout.map_or(2.0, |d| d.as_secs_f64())));
    if !urls.is_empty() {
        out.put("urls", json!(urls));
    }
    out.put("tls_timeout", json!(2));
    out.put("pool_size", json!(o.pool_size.unwrap_or(3)));
    out
}

fn connz(srv: &Server, q: &BTreeMap<String, String>) -> Result<Obj, String> {
    for k in ["subs", "auth"] {
        parse_bool(q, k)?;
    }
    if let Some(sort @ ("stop" | "reason")) = q.get("sort").map(String::as_str) {
        if !matches!(q.get("state").map(String::as_str), Some("closed")) {
            return Err(format!("sort by {sort} only valid on closed connections"));
        }
    }
    let now = SystemTime::now();
    let snapshot = |c: Arc<Connection>, closed: Option<(SystemTime, Vec<String>)>| {
        let meta = c.meta.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let last_ns = c.last_activity_ns.load(Ordering::Relaxed);
        let last = if last_ns == 0 { meta.start } else { UNIX_EPOCH + Duration::from_nanos(last_ns) };
        ConnSnapshot {
            cid: c.cid,
            start: meta.start,
            last,
            subs: closed.as_ref().map(|(_, s)| s.len()).unwrap_or_else(|| c.num_subs()),
            pending: if closed.is_some() { 0 } else { c.pending_bytes() },
            in_msgs: c.in_msgs.load(Ordering::Relaxed),
            out_msgs: c.out_msgs.load(Ordering::Relaxed),
            in_bytes: c.in_bytes.load(Ordering::Relaxed),
            out_bytes: c.out_bytes.load(Ordering::Relaxed),
            rtt: meta.rtt,
            closed,
            client: c,
        }
    };
    let state = q.get("state").map(String::as_str).unwrap_or("open");
    let mut snaps: Vec<ConnSnapshot> = Vec::new();
    if matches!(state, "open" | "all" | "any") {
        snaps.extend(srv.clients().into_iter().map(|c| snapshot(c, None)));
    }
    if matches!(state, "closed" | "all" | "any") {
        snaps.extend(srv.closed_clients().into_iter().map(|cc| snapshot(cc.client, Some((cc.stop, cc.subs)))));
    }
    if !matches!(state, "open" | "closed" | "all" | "any") {
        return Err(format!("Error decoding state for {state}"));
    }
    if let Some(cid) = q.get("cid").and_then(|c| c.parse::<u64>().ok()) {
        snaps.retain(|s| s.cid == cid);
    }
    if let Some(acc) = q.get("acc") {
        snaps.retain(|s| s.client.account_name() == *acc);
    }
    sort_clients(&mut snaps, q.get("sort").map(String::as_str).unwrap_or(""))?;
    let total = snaps.len();
    let offset = q.get("offset").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let limit = q.get("limit").and_then(|v| v.parse::<usize>().ok()).filter(|&l| l > 0).unwrap_or(DEFAULT_LIST_SIZE);
    let detail = q.get("subs").map(String::as_str) == Some("detail");
    let subs = flag(q, "subs");
    let auth = flag(q, "auth");
    let conns: Vec<J> = snaps
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| {
            let c = &s.client;
            let meta = c.meta.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let mut out = Obj::default();
            let mut name_tag = None;
            let mut put = |k: &str, val: Value| out.put(k, val);
            put("cid", json!(c.cid));
            put("kind", json!(c.kind.as_str()));
            put("type", json!("nats"));
            put("ip", json!(c.addr.ip().to_string()));
            put("port", json!(c.addr.port()));
            put("start", json!(rfc3339(s.start)));
            put("last_activity", json!(rfc3339(s.last)));
            let end = match &s.closed {
                Some((stop, _)) => {
                    put("stop", json!(rfc3339(*stop)));
                    let reason = c.close_reason().map(|r| r.as_str()).unwrap_or("Client Closed");
                    put("reason", json!(reason));
                    *stop
                }
                None => now,
            };
            // The RTT in whole microseconds.
            put("rtt", json!(duration_string(s.rtt.as_micros().min(i64::MAX as u128 / 1000) as i64 * 1000)));
            put("uptime", json!(uptime_string(end.duration_since(s.start).unwrap_or_default())));
            put("idle", json!(uptime_string(end.duration_since(s.last).unwrap_or_default())));
            put("pending_bytes", json!(s.pending));
            put("in_msgs", json!(s.in_msgs));
            put("out_msgs", json!(s.out_msgs));
            put("in_bytes", json!(s.in_bytes));
            put("out_bytes", json!(s.out_bytes));
            put("subscriptions", json!(s.subs));
            if !meta.name.is_empty() {
                put("name", json!(meta.name));
            }
            if !meta.lang.is_empty() {
                put("lang", json!(meta.lang));
            }
            if !meta.version.is_empty() {
                put("version", json!(meta.version));
            }
            if auth {
                if let Some(u) = &meta.user {
                    put("authorized_user", json!(u));
                }
                put("account", json!(meta.account));
                name_tag = Some(meta.account.clone());
            }
            if let (true, Some((_, closed_subs))) = (subs, &s.closed) {
                if !closed_subs.is_empty() {
                    put("subscriptions_list", json!(closed_subs));
                }
            } else if subs {
                let mut list: Vec<Arc<Subscription>> =
                    c.subs.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
                list.sort_by(|a, b| a.sid.cmp(&b.sid));
                if !list.is_empty() {
                    if detail {
                        let d: Vec<J> = list.iter().map(|s| J::O(sub_detail(s, false))).collect();
                        out.put("subscriptions_list_detail", J::A(d));
                    } else {
                        let l: Vec<&str> = list.iter().map(|s| &*s.subject).collect();
                        put("subscriptions_list", json!(l));
                    }
                }
            }
            if let Some(tag) = name_tag {
                out.put("name_tag", v(tag));
            }
            J::O(out)
        })
        .collect();
    Ok(obj([
        ("server_id", v(&srv.id)),
        ("now", v(rfc3339(now))),
        ("num_connections", v(conns.len())),
        ("total", v(total)),
        ("offset", v(offset)),
        ("limit", v(limit)),
        ("connections", J::A(conns)),
    ]))
}

fn merged_stats(srv: &Server, only: Option<&str>) -> SublistStats {
    let mut total = SublistStats::default();
    let mut fan_sum = 0.0;
    let mut fan_n = 0usize;
    for acc in srv.accounts.list() {
        if only.is_some_and(|a| a != acc.name) {
            continue;
        }
        let s = acc.sublist.stats();
        total.num_subscriptions += s.num_subscriptions;
        total.num_cache += s.num_cache;
        total.num_inserts += s.num_inserts;
        total.num_removes += s.num_removes;
        total.num_matches += s.num_matches;
        total.cache_hits += s.cache_hits;
        total.max_fanout = total.max_fanout.max(s.max_fanout);
        fan_sum += s.avg_fanout * s.num_cache as f64;
        fan_n += s.num_cache;
    }
    if fan_n > 0 {
        total.avg_fanout = fan_sum / fan_n as f64;
    }
    total
}

fn stats_json(s: &SublistStats) -> Obj {
    let hit_rate = if s.num_matches > 0 { s.cache_hits as f64 / s.num_matches as f64 } else { 0.0 };
    obj([
        ("num_subscriptions", v(s.num_subscriptions)),
        ("num_cache", v(s.num_cache)),
        ("num_inserts", v(s.num_inserts)),
        ("num_removes", v(s.num_removes)),
        ("num_matches", v(s.num_matches)),
        ("cache_hit_rate", v(hit_rate)),
        ("max_fanout", v(s.max_fanout)),
        ("avg_fanout", v(s.avg_fanout)),
    ])
}

fn subsz(srv: &Server, q: &BTreeMap<String, String>) -> Result<Obj, String> {
    parse_bool(q, "subs")?;
    if let Some(t) = q.get("test") {
        if !crate::subject::is_valid_literal(t) {
            return Err(format!("invalid test subject, must be valid publish subject: {t}"));
        }
    }
    let acc = q.get("acc").map(String::as_str);
    let stats = merged_stats(srv, acc);
    let mut out = Obj::default();
    out.put("server_id", v(&srv.id));
    out.put("now", v(rfc3339(SystemTime::now())));
    out.0.extend(stats_json(&stats).0);
    let offset = q.get("offset").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let limit = q.get("limit").and_then(|v| v.parse::<usize>().ok()).filter(|&l| l > 0).unwrap_or(DEFAULT_LIST_SIZE);
    if flag(q, "subs") {
        let test = q.get("test").cloned();
        let mut all = Vec::new();
        for a in srv.accounts.list() {
            if acc.is_some_and(|n| n != a.name) {
                continue;
            }
            for s in a.sublist.all() {
                if let Some(t) = &test {
                    if !crate::subject::matches(t, &s.subject) {
                        continue;
                    }
                }
                all.push(J::O(sub_detail(&s, true)));
            }
        }
        out.put("total", v(all.len()));
        out.put("offset", v(offset));
        out.put("limit", v(limit));
        let page: Vec<J> = all.into_iter().skip(offset).take(limit).collect();
        if !page.is_empty() {
            out.put("subscriptions_list", J::A(page));
        }
    } else {
        out.put("total", v(0));
        out.put("offset", v(offset));
        out.put("limit", v(limit));
    }
    Ok(out)
}

/// `/jsz` config section (Go's `JetStreamConfig`).
fn js_config(srv: &Server, js: &crate::jetstream::JetStream) -> Obj {
    let cfg = js.config();
    obj([
        ("max_memory", v(cfg.max_memory)),
        ("max_storage", v(cfg.max_store)),
        ("store_dir", v(crate::server::jetstream_store_dir(&srv.opts).display().to_string())),
        ("sync_interval", v(120_000_000_000u64)),
        ("strict", v(true)),
    ])
}

/// Go's `JetStreamStats` as `/jsz` and `/varz` show it.
fn js_stats(st: &crate::jetstream::JsStats, accounts: usize) -> Vec<(&'static str, J)> {
    vec![
        ("memory", v(st.memory)),
        ("storage", v(st.storage)),
        ("reserved_memory", v(st.reserved_memory)),
        ("reserved_storage", v(st.reserved_storage)),
        ("accounts", v(accounts)),
        ("ha_assets", v(0)),
        (
            "api",
            J::O(obj([
                ("level", v(crate::jetstream::api::API_LEVEL)),
                ("total", v(st.api_total)),
                ("errors", v(st.api_errors)),
            ])),
        ),
    ]
}

/// Number of accounts with JetStream enabled.
fn js_accounts(srv: &Server, js: &crate::jetstream::JetStream) -> Vec<String> {
    srv.accounts.list().iter().filter(|a| js.account_enabled(&a.name)).map(|a| a.name.clone()).collect()
}

/// `/varz` `jetstream`: `{}` when disabled, else config, stats and limits.
fn varz_jetstream(srv: &Server) -> Obj {
    let Some(js) = &srv.jetstream else { return Obj::default() };
    let st = js.stats();
    let mut stats = Obj::default();
    for (k, val) in js_stats(&st, js_accounts(srv, js).len()) {
        stats.put(k, val);
    }
    let mut out = obj([("config", J::O(js_config(srv, js))), ("stats", J::O(stats))]);
    if let Some(meta) = js.meta() {
        out.put("meta", J::O(meta_cluster(srv, meta, true)));
    }
    out.put("limits", J::O(obj([("default_max_consumers", v(1000))])));
    out
}

/// `/jsz` (Go's `JSInfo`): totals, and per-account details on request
/// (`accounts`, `streams`, `consumers` or `acc`).
fn jsz(srv: &Server, q: &BTreeMap<String, String>) -> Obj {
    let now = rfc3339(SystemTime::now());
    // Off: not configured, or turned off by a removal from the cluster.
    let js = srv.jetstream.as_ref().filter(|js| !js.meta().is_some_and(|m| m.disabled()));
    let Some(js) = js else {
        return obj([
            ("memory", v(0)),
            ("storage", v(0)),
            ("reserved_memory", v(0)),
            ("reserved_storage", v(0)),
            ("accounts", v(0)),
            ("ha_assets", v(0)),
            ("api", J::O(obj([("level", v(0)), ("total", v(0)), ("errors", v(0))]))),
            ("server_id", v(&srv.id)),
            ("now", v(now)),
            ("disabled", v(true)),
            ("config", J::O(obj([("max_memory", v(0)), ("max_storage", v(0))]))),
            ("streams", v(0)),
            ("consumers", v(0)),
            ("messages", v(0)),
            ("bytes", v(0)),
            ("total", v(0)),
        ]);
    };
    let st = js.stats();
    let names = js_accounts(srv, js);
    let mut out = Obj::default();
    for (k, val) in js_stats(&st, names.len()) {
        out.put(k, val);
    }
    out.put("server_id", v(&srv.id));
    out.put("now", v(now));
    out.put("config", J::O(js_config(srv, js)));
    out.put("limits", J::O(obj([("default_max_consumers", v(1000))])));
    out.put("streams", v(st.streams));
    out.put("consumers", v(st.consumers));
    out.put("messages", v(st.messages));
    out.put("bytes", v(st.bytes));
    if let Some(meta) = js.meta() {
        out.put("meta_cluster", J::O(meta_cluster(srv, meta, true)));
        // Go's `streams_leader` and `consumers_leader` (left out at zero).
        let (streams, consumers) = js.leader_counts();
        if streams > 0 {
            out.put("streams_leader", v(streams));
        }
        if consumers > 0 {
            out.put("consumers_leader", v(consumers));
        }
    }
    let want = flag(q, "accounts") || flag(q, "streams") || flag(q, "consumers") || q.contains_key("acc");
    if want {
        let only = q.get("acc");
        let mut details = Vec::new();
        for name in names.iter().filter(|n| only.is_none_or(|o| o == *n)) {
            let a = st.accounts.iter().find(|a| &a.name == name).cloned().unwrap_or_default();
            details.push(J::O(obj([
                ("name", v(name)),
                ("id", v(name)),
                ("memory", v(a.memory)),
                ("storage", v(a.storage)),
                ("reserved_memory", v(u64::MAX)),
                ("reserved_storage", v(u64::MAX)),
                ("accounts", v(0)),
                ("ha_assets", v(0)),
                ("api", J::O(obj([("level", v(0)), ("total", v(a.api_total)), ("errors", v(a.api_errors))]))),
            ])));
        }
        out.put("account_details", J::A(details));
    }
    out.put("total", v(names.len()));
    out
}

/// `/jsz` `meta_cluster` (Go's `MetaClusterInfo` from `clusterInfo`):
/// the leader, and every other peer as this server sees it. A leader knows
/// each replica's lag; a follower knows only whether it heard its leader
/// within two heartbeats. `full: false` is the short form a follower sends
/// in STATSZ (Go's `sendStatsz`): named after the group, without replicas.
fn meta_cluster(srv: &Server, meta: &crate::jetstream::cluster::Meta, full: bool) -> Obj {
    let st = meta.status();
    let names = meta.server_names();
    let id_str = |id: &[u8; 8]| String::from_utf8_lossy(id).into_owned();
    let me = crate::cluster::nrg::codec::peer_id(&srv.name);
    let mut out = Obj::default();
    let name = if full { srv.opts.cluster.name.clone().unwrap_or_default() } else { META_GROUP.into() };
    out.put("name", v(name));
    if let Some((name, _)) = st.leader.and_then(|l| names.get(&l)) {
        out.put("leader", v(name));
        out.put("peer", v(id_str(&crate::cluster::nrg::codec::peer_id(name))));
    }
    let now = std::time::Instant::now();
    let mut replicas = Vec::new();
    // A leaderless server lists itself too.
    for p in st.peers.iter().filter(|p| full && (st.leader.is_none() || **p != me)) {
        let heard = st.heard.get(p).map(|t| now.duration_since(*t));
        let (mut current, lag) = if *p == me {
            (true, 0)
        } else if st.is_leader {
            let lag = st.commit.saturating_sub(st.peer_index.get(p).copied().unwrap_or(0));
            (lag == 0, lag)
        } else if Some(*p) == st.leader {
            (heard.is_some_and(|h| h <= Duration::from_secs(2)), 0)
        } else {
            (false, 0)
        };
        let active = heard.unwrap_or_default();
        if active > Duration::from_secs(10) {
            current = false;
        }
        let mut r = Obj::default();
        match names.get(p) {
            Some((name, offline)) => {
                r.put("name", v(name));
                r.put("current", v(current));
                if *offline {
                    r.put("offline", v(true));
                }
                r.put("active", v(active.as_nanos() as u64));
                if lag > 0 {
                    r.put("lag", v(lag));
                }
            }
            None => {
                r.put("name", v(format!("Server name unknown at this time (peerID: {})", id_str(p))));
                r.put("current", v(current));
                r.put("offline", v(true));
                r.put("active", v(active.as_nanos() as u64));
            }
        }
        r.put("peer", v(id_str(p)));
        replicas.push(J::O(r));
    }
    if !replicas.is_empty() {
        out.put("replicas", J::A(replicas));
    }
    out.put("cluster_size", v(st.cluster_size));
    out.put("quorum_needed", v(st.quorum));
    if st.rescue {
        out.put("rescue", v(true));
    }
    out.put("pending", v(0));
    out.put("pending_requests", v(0));
    out.put("pending_infos", v(0));
    out.put(
        "snapshot",
        J::O(obj([("pending_entries", v(0)), ("pending_size", v(0)), ("last_time", v("0001-01-01T00:00:00Z"))])),
    );
    out
}

/// `/raftz` (Go's `RaftzStatus`): each RAFT group by account, as
/// `{"<account>": {"<group>": {...}}}`; `acc` and `group` filter.
fn raftz(srv: &Server, q: &BTreeMap<String, String>) -> Option<Obj> {
    let meta = srv.jetstream.as_ref().and_then(|js| js.meta())?;
    let sys = srv.system_account_name().to_string();
    if q.get("acc").is_some_and(|a| *a != sys) || q.get("group").is_some_and(|g| g != META_GROUP) {
        return None;
    }
    let st = meta.status();
    let names = meta.server_names();
    let id_str = |id: &[u8; 8]| String::from_utf8_lossy(id).into_owned();
    let me = crate::cluster::nrg::codec::peer_id(&srv.name);
    let now = std::time::Instant::now();
    let mut peers = Obj::default();
    for p in st.peers.iter().filter(|p| **p != me) {
        let mut e = Obj::default();
        e.put("name", v(names.get(p).map(|(n, _)| n.clone()).unwrap_or_default()));
        e.put("known", v(true));
        if let Some(&i) = st.peer_index.get(p).filter(|i| **i > 0) {
            e.put("last_replicated_index", v(i));
        }
        if let Some(t) = st.heard.get(p) {
            e.put("last_seen", v(duration_string(now.duration_since(*t).as_nanos() as i64)));
        }
        peers.put(&id_str(p), J::O(e));
    }
    let state = match (st.is_leader, st.leader.is_some()) {
        (true, _) => "LEADER",
        (false, true) => "FOLLOWER",
        (false, false) if st.vote == Some(me) => "CANDIDATE",
        _ => "FOLLOWER",
    };
    let mut g = Obj::default();
    g.put("id", v(id_str(&me)));
    g.put("state", v(state));
    g.put("size", v(st.cluster_size));
    g.put("quorum_needed", v(st.quorum));
    if st.observer {
        g.put("observer", v(true));
    }
    g.put("committed", v(st.commit));
    g.put("applied", v(st.applied));
    if st.catching_up {
        g.put("catching_up", v(true));
    }
    if let Some(l) = st.leader {
        g.put("leader", v(id_str(&l)));
    }
    if let Some(t) = st.leader_since.filter(|_| st.is_leader) {
        g.put("leader_since", v(rfc3339(t)));
    }
    g.put("ever_had_leader", v(st.had_leader));
    g.put("term", v(st.term));
    if let Some(vote) = st.vote {
        g.put("voted_for", v(id_str(&vote)));
    }
    g.put("pterm", v(st.pterm));
    g.put("pindex", v(st.pindex));
    g.put("system_account", v(true));
    g.put("traffic_account", v(&sys));
    for k in ["ipq_proposal_len", "ipq_entry_len", "ipq_resp_len", "ipq_apply_len"] {
        g.put(k, v(0));
    }
    g.put("peers", J::O(peers));
    let mut groups = Obj::default();
    groups.put(META_GROUP, J::O(g));
    let mut out = Obj::default();
    out.put(&sys, J::O(groups));
    Some(out)
}

fn accountz(srv: &Server, q: &BTreeMap<String, String>) -> Obj {
    let now = rfc3339(SystemTime::now());
    if let Some(name) = q.get("acc") {
        let Some(acc) = srv.accounts.get(name) else {
            return obj([("server_id", v(&srv.id)), ("now", v(now)), ("system_account", v(system_account(srv)))]);
        };
        let mut detail = obj([
            ("account_name", v(&acc.name)),
            ("update_time", v(rfc3339(srv.start_time))),
            ("expired", v(false)),
            ("complete", v(true)),
            ("jetstream_enabled", v(srv.jetstream.as_ref().is_some_and(|js| js.account_enabled(&acc.name)))),
            ("leafnode_connections", v(0)),
            ("client_connections", v(acc.client_count())),
            ("subscriptions", v(acc.sublist.count())),
        ]);
        account_links(srv, &acc, &mut detail);
        detail.0.extend(obj([("name_tag", v(&acc.name)), ("sublist_stats", J::O(stats_json(&acc.sublist.stats())))]).0);
        return obj([
            ("server_id", v(&srv.id)),
            ("now", v(now)),
            ("system_account", v(system_account(srv))),
            ("account_detail", J::O(detail)),
        ]);
    }
    // Go lists accounts in map order; sorted by name is deterministic.
    let sys = system_account(srv);
    let names: Vec<String> = srv.accounts.list().into_iter().map(|a| a.name.clone()).collect();
    obj([("server_id", v(&srv.id)), ("now", v(now)), ("system_account", v(sys)), ("accounts", v(names))])
}

/// An account's `mappings`, `exports` and `imports` in `/accountz`, each
/// left out when empty (Go's `AccountInfo`; config mode only).
fn account_links(srv: &Server, acc: &crate::account::Account, detail: &mut Obj) {
    let mappings: Vec<(String, J)> = acc
        .mapping_entries()
        .into_iter()
        .map(|(src, dests)| {
            let dests = dests
                .into_iter()
                .map(|d| {
                    let mut o = obj([("subject", v(&d.subject)), ("weight", v(d.weight))]);
                    if !d.cluster.is_empty() {
                        o.put("cluster", v(&d.cluster));
                    }
                    let d = o;
                    J::O(d)
                })
                .collect();
            (src, J::A(dests))
        })
        .collect();
    if !mappings.is_empty() {
        detail.put("mappings", J::O(Obj(mappings)));
    }
    let Some(opts) = srv.opts.accounts.iter().find(|a| a.name == acc.name) else { return };
    let exports: Vec<J> = opts
        .exports
        .iter()
        .map(|e| {
            let mut x = obj([("subject", v(&e.subject)), ("type", v(if e.service { "service" } else { "stream" }))]);
            if e.service {
                let rt = match e.response_type {
                    crate::options::ResponseType::Singleton => "Singleton",
                    crate::options::ResponseType::Streamed => "Streamed",
                    crate::options::ResponseType::Chunked => "Chunked",
                };
                x.put("response_type", v(rt));
            }
            if let Some(list) = e.accounts.as_ref().filter(|l| !l.is_empty()) {
                x.put("approved_accounts", v(list));
            }
            J::O(x)
        })
        .collect();
    if !exports.is_empty() {
        detail.put("exports", J::A(exports));
    }
    let (streams, services): (Vec<_>, Vec<_>) = opts.imports.iter().partition(|i| !i.service);
    let mut imports: Vec<J> = Vec::new();
    for i in streams {
        imports.push(J::O(obj([
            ("subject", v(&i.subject)),
            ("account", v(&i.account)),
            ("local_subject", v(crate::subject::transform::untokenize(&i.to))),
            ("type", v("stream")),
            ("invalid", v(false)),
            ("share", v(false)),
            ("tracking", v(false)),
        ])));
    }
    for i in services {
        let local = crate::subject::transform::untokenize(&i.to);
        let remote =
            if i.to == i.subject { i.subject.clone() } else { crate::subject::transform::untokenize(&i.subject) };
        imports.push(J::O(obj([
            ("subject", v(remote)),
            ("account", v(&i.account)),
            ("to", v(&local)),
            ("local_subject", v(&local)),
            ("type", v("service")),
            ("invalid", v(false)),
            ("share", v(i.share)),
            ("tracking", v(false)),
        ])));
    }
    if !imports.is_empty() {
        detail.put("imports", J::A(imports));
    }
}

fn accstatz(srv: &Server, unused: bool) -> Obj {
    let accounts: Vec<J> = srv
        .accounts
        .list()
        .into_iter()
        .filter(|a| unused || a.client_count() > 0)
        .map(|a| {
            let traffic = |msgs: u64, bytes: u64| J::O(obj([("msgs", v(msgs)), ("bytes", v(bytes))]));
            J::O(obj([
                ("acc", v(&a.name)),
                ("name", v(&a.name)),
                ("conns", v(a.client_count())),
                ("leafnodes", v(0)),
                ("total_conns", v(a.client_count())),
                ("num_subscriptions", v(a.sublist.count())),
                ("sent", traffic(a.out_msgs.load(Ordering::Relaxed), a.out_bytes.load(Ordering::Relaxed))),
                ("received", traffic(a.in_msgs.load(Ordering::Relaxed), a.in_bytes.load(Ordering::Relaxed))),
                ("slow_consumers", v(0)),
            ]))
        })
        .collect();
    obj([("server_id", v(&srv.id)), ("now", v(rfc3339(SystemTime::now()))), ("account_statz", J::A(accounts))])
}

/// `statsz.jetstream` for the system account's `STATSZ` service: the `/varz`
/// JetStream section without the store directory, as Go sends it; `None`
/// without JetStream.
pub(crate) fn statsz_jetstream(srv: &Server) -> Option<Obj> {
    let meta = srv.jetstream.as_ref()?.meta();
    let mut js = varz_jetstream(srv);
    for (k, val) in &mut js.0 {
        if let (true, J::O(cfg)) = (k == "config", &mut *val) {
            cfg.0.retain(|(k, _)| k != "store_dir");
        }
        // A follower sends the meta group in short: its name, the leader,
        // the sizes (Go's `sendStatsz`).
        if let (true, Some(m)) = (k == "meta", meta.filter(|m| !m.is_leader())) {
            *val = J::O(meta_cluster(srv, m, false));
        }
    }
    Some(js)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(uptime_string(Duration::from_secs(769)), "12m49s");
        assert_eq!(uptime_string(Duration::from_secs(0)), "0s");
        assert_eq!(uptime_string(Duration::from_secs(90_061)), "1d1h1m1s");
    }
}
