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

use serde_json::{json, Map, Value};

use crate::auth::{ClientPermissions, SubjectRules};
use crate::connection::deliver::Publisher;
use crate::connection::{Connection, InternalCallback, Kind, Subscription};
use crate::consts::VERSION;
use crate::log::rfc3339;
use crate::message::Msg;
use crate::server::Server;

/// Go's `userDirectInfoSubj`: who am I, asked by any client of any account.
pub const USER_INFO_SUBJECT: &str = "$SYS.REQ.USER.INFO";
/// Go's `serverStatsPingReqSubj`: every server answers with its statsz.
pub const SERVER_PING_SUBJECT: &str = "$SYS.REQ.SERVER.PING";

/// Go 2.15.1's merged feature flags, as `/varz` also reports them.
const FEATURE_FLAGS: [(&str, bool); 4] = [
    ("js_ack_fc_v2", false),
    ("js_api_reply_v2", false),
    ("js_raft_delete_range", true),
    ("js_snapshot_sources", false),
];

/// Go's `JetStreamEnabled` server capability flag.
const CAP_JETSTREAM: u64 = 1;

/// State shared by the service callbacks.
struct Ctx {
    srv: Weak<Server>,
    /// Go's `s.sys.seq`: numbers every message carrying a server-info header.
    seq: AtomicU64,
}

/// A request to a service: who sent it, where to answer, and its payload.
struct Request<'a> {
    /// The requesting connection; `None` when the server asked itself.
    from: Option<&'a Arc<Connection>>,
    reply: Option<&'a str>,
    payload: &'a [u8],
}

type Handler = fn(&Server, &Ctx, &Request<'_>);

/// Installs the internal services: in the system account, and as imports in
/// every other account that exists at start-up. Does nothing when the system
/// account is disabled (`no_system_account`), as Go then has none.
pub fn install(srv: &Arc<Server>) {
    if srv.opts.no_system_account {
        return;
    }
    let ctx = Arc::new(Ctx { srv: Arc::downgrade(srv), seq: AtomicU64::new(0) });
    let sys_name = srv.system_account_name().to_string();
    let sys = srv.accounts.get_or_create(&sys_name);
    let sys_client = Connection::new_internal(srv.next_client_id(), Kind::System, &sys.name, &sys.sublist);
    let sids = AtomicU64::new(1);
    let sub = |subject: &str, h: Handler| subscribe(&sys_client, &sids, subject, callback(&ctx, h));
    sub(USER_INFO_SUBJECT, user_info);
    sub(SERVER_PING_SUBJECT, statsz);
    let services: [(&str, Handler); 4] = [("IDZ", idz), ("STATSZ", statsz), ("VARZ", varz), ("HEALTHZ", healthz)];
    for (name, h) in services {
        sub(&format!("$SYS.REQ.SERVER.{}.{name}", srv.id), h);
        sub(&format!("$SYS.REQ.SERVER.PING.{name}"), h);
    }
    for acc in srv.accounts.list() {
        if acc.name == sys_name {
            continue;
        }
        // Each account's imports are held by that account's internal client,
        // with sids of their own (Go's per-account internal client).
        let client = Connection::new_internal(srv.next_client_id(), Kind::Account, &acc.name, &acc.sublist);
        let sids = AtomicU64::new(1);
        subscribe(&client, &sids, USER_INFO_SUBJECT, callback(&ctx, user_info));
    }
}

fn subscribe(client: &Arc<Connection>, sids: &AtomicU64, subject: &str, icb: InternalCallback) {
    client.add_sub(Subscription::new_internal(client, subject, sids.fetch_add(1, Ordering::Relaxed), icb));
}

fn callback(ctx: &Arc<Ctx>, h: Handler) -> InternalCallback {
    let ctx = Arc::clone(ctx);
    Arc::new(move |msg: &Msg, from: Option<&Arc<Connection>>| {
        if let Some(srv) = ctx.srv.upgrade() {
            h(&srv, &ctx, &Request { from, reply: msg.reply_str(), payload: msg.payload() });
        }
    })
}

/// Publishes `body` to `subject` in the requester's account (the system
/// account for a request the server made itself).
fn send(srv: &Server, m: &Request<'_>, subject: &str, body: &str) {
    let acc = match m.from {
        Some(c) => srv.accounts.get_or_create(&c.account_name()),
        None => srv.accounts.get_or_create(srv.system_account_name()),
    };
    let msg = Msg::new(subject.to_string(), None, body.to_string());
    acc.publish(&msg, &mut Publisher::server());
}

/// Go's `ServerInfo` header of every system message, in Go's field order
/// (serde_json's map would sort the keys).
fn server_info(srv: &Server, ctx: &Ctx) -> String {
    let mut si = format!("{{\"name\":{},\"host\":{},\"id\":{}", json!(srv.name), json!(srv.opts.host), json!(srv.id));
    if let Some(domain) = srv.opts.jetstream.domain.as_deref().filter(|d| !d.is_empty()) {
        si.push_str(&format!(",\"domain\":{}", json!(domain)));
    }
    si.push_str(&format!(",\"ver\":\"{VERSION}\",\"feature_flags\":{{"));
    for (i, (k, v)) in FEATURE_FLAGS.iter().enumerate() {
        si.push_str(&format!("{}\"{k}\":{v}", if i > 0 { "," } else { "" }));
    }
    let js = srv.jetstream.is_some();
    // Go also claims binary stream snapshots and account NRG with JetStream;
    // those are clustering capabilities rnats does not have.
    let flags = if js { CAP_JETSTREAM } else { 0 };
    let seq = ctx.seq.fetch_add(1, Ordering::Relaxed) + 1;
    si.push_str(&format!(
        "}},\"jetstream\":{js},\"flags\":{flags},\"seq\":{seq},\"time\":{}}}",
        json!(rfc3339(SystemTime::now()))
    ));
    si.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Go's JSON text: `<`, `>` and `&` escaped.
fn go_json(v: &Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Go's `ServerAPIResponse`: `{"server":…,"data":…}` with `data` already JSON.
fn api_response(srv: &Server, ctx: &Ctx, data: &str) -> String {
    format!("{{\"server\":{},\"data\":{data}}}", server_info(srv, ctx))
}

/// Go's `ServerAPIResponse` carrying an `ApiError`.
fn api_error(srv: &Server, ctx: &Ctx, code: u16, description: &str) -> String {
    let err = json!({ "code": code, "description": description });
    format!("{{\"server\":{},\"error\":{}}}", server_info(srv, ctx), go_json(&err))
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

/// Go's `userInfoReq`: tells the requesting client its user, account and
/// permissions; the answer goes to the reply subject in the requester's
/// account.
fn user_info(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    let (Some(from), Some(reply)) = (m.from, m.reply) else {
        return;
    };
    let account = from.account_name();
    let user = from.meta.lock().unwrap_or_else(|e| e.into_inner()).user.clone().unwrap_or_default();
    let mut data = Map::new();
    data.insert("user".into(), json!(user));
    data.insert("account".into(), json!(account));
    data.insert("account_name".into(), json!(account));
    if let Some(p) = from.permissions() {
        data.insert("permissions".into(), public_permissions(&p));
    }
    // serde_json's map sorts keys; Go's field order is user, account,
    // account_name, permissions.
    let mut text = String::from("{");
    for (i, k) in ["user", "account", "account_name", "permissions"].iter().enumerate() {
        let Some(v) = data.get(*k) else { continue };
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("{}:{}", json!(k), go_json(v)));
    }
    text.push('}');
    send(srv, m, reply, &api_response(srv, ctx, &text));
}

/// Go's `publicPermissions`: both directions are always present once the user
/// has permissions.
fn public_permissions(p: &ClientPermissions) -> Value {
    let rules = |r: Option<&SubjectRules>| {
        let mut m = Map::new();
        if let Some(r) = r {
            if let Some(a) = &r.allow {
                m.insert("allow".into(), json!(a));
            }
            if !r.deny.is_empty() {
                m.insert("deny".into(), json!(r.deny));
            }
        }
        Value::Object(m)
    };
    json!({ "publish": rules(p.publish.as_ref()), "subscribe": rules(p.subscribe.as_ref()) })
}

/// Go's `idzReq`: the server's name, host and id, without the server-info
/// header.
fn idz(srv: &Server, _ctx: &Ctx, m: &Request<'_>) {
    let Some(reply) = m.reply else { return };
    let body = json!({ "name": srv.name, "host": srv.opts.host, "id": srv.id });
    // Built in Go's field order.
    let text = format!("{{\"name\":{},\"host\":{},\"id\":{}}}", body["name"], body["host"], body["id"]);
    send(srv, m, reply, &text);
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
    let msg_bytes = |m: u64, b: u64| format!("{{\"msgs\":{m},\"bytes\":{b}}}");
    let kinds = |n: u64| format!("{{\"clients\":{n},\"routes\":0,\"gateways\":0,\"leafs\":0}}");
    let mut s = format!(
        "{{\"start\":{},\"mem\":{},\"cores\":{cores},\"cpu\":0,\"connections\":{},\"total_connections\":{},\
         \"active_accounts\":{active},\"subscriptions\":{},\"sent\":{},\"sent_to_clients\":{},\"received\":{},\
         \"received_from_clients\":{},\"slow_consumers\":{}",
        json!(rfc3339(srv.start_time)),
        crate::monitor::resident_memory(),
        srv.num_clients(),
        load(&st.total_connections),
        srv.total_subscriptions(),
        msg_bytes(om, ob),
        msg_bytes(om, ob),
        msg_bytes(im, ib),
        msg_bytes(im, ib),
        load(&st.slow_consumers),
    );
    // The detail fields are omitted while zero, as in Go.
    let slow = load(&st.slow_consumers);
    if slow > 0 {
        s.push_str(&format!(",\"slow_consumer_stats\":{}", kinds(slow)));
    }
    let stale = load(&st.stale_connections);
    if stale > 0 {
        s.push_str(&format!(",\"stale_connections\":{stale},\"stale_connection_stats\":{}", kinds(stale)));
    }
    let stalled = load(&st.stalled_clients);
    if stalled > 0 {
        s.push_str(&format!(",\"stalled_clients\":{stalled}"));
    }
    s.push_str(",\"active_servers\":1");
    if let Some(js) = crate::monitor::statsz_jetstream(srv) {
        s.push_str(&format!(",\"jetstream\":{js}"));
    }
    s.push_str(&format!(",\"gomaxprocs\":{cores}}}"));
    let text = format!("{{\"server\":{},\"statsz\":{s}}}", server_info(srv, ctx));
    send(srv, m, reply, &text);
}

/// Go's `zReq` for the monitoring services: parse the options (only the
/// server filter applies here), then answer with `data` or an error.
fn z_request(srv: &Server, ctx: &Ctx, m: &Request<'_>, kind: &str, data: impl FnOnce() -> String) {
    let Some(reply) = m.reply else { return };
    match parse_filter(m.payload, kind) {
        Err(e) => send(srv, m, reply, &api_error(srv, ctx, 400, &e)),
        Ok(f) if filtered(srv, &f) => {}
        Ok(_) => send(srv, m, reply, &api_response(srv, ctx, &data())),
    }
}

/// `VARZ`: the `/varz` document.
fn varz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    z_request(srv, ctx, m, "Varz", || crate::monitor::varz_compact(srv));
}

/// `HEALTHZ`: Go's `HealthStatus`; rnats has nothing that can be unhealthy
/// once it serves requests (as its `/healthz`).
fn healthz(srv: &Server, ctx: &Ctx, m: &Request<'_>) {
    z_request(srv, ctx, m, "Healthz", || "{\"status\":\"ok\",\"status_code\":200}".to_string());
}
