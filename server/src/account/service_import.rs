//! Service imports: a request published in the importing account crosses
//! into the exporting account, with a reply subject of the exporter's own
//! (`_R_.<prefix>.<token>`) that the server maps back to the requester's
//! reply, once (singleton) or until the responses stop (streamed and
//! chunked), within the export's response threshold (Go's
//! `server/accounts.go`: `addServiceImport`, `addServiceImportSub`,
//! `addRespServiceImport`, `newServiceReply`, `processServiceImportResponse`;
//! and `processServiceImport` in `server/client.go`).
//!
//! The import's subscription in the importing account stays on this server
//! (every server has the same imports and handles its own clients'
//! requests); the exporter's `_R_.<prefix>.>` subscription is interest like
//! any other, so an answer given on another server comes back here.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::Account;
use crate::connection::deliver::{fan_out, Publisher};
use crate::connection::{lock, Connection, ImportCallback, Kind, Subscription};
use crate::message::Msg;
use crate::options::ResponseType;
use crate::subject::{self, transform};
use crate::sublist::FxHashMap;

/// Go's default `response_threshold`.
pub(crate) const DEFAULT_RESPONSE_THRESHOLD: Duration = Duration::from_secs(120);

/// Ids of service exports, to notice a message coming round to an export it
/// already passed (a request or its answer; Go compares `si.se`).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A new service export id.
pub(crate) fn export_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// How a service export answers: its response type and threshold, and the
/// export's id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answering {
    pub(crate) response_type: ResponseType,
    pub(crate) threshold: Duration,
    pub(crate) export: u64,
}

/// This server, as a request's `Nats-Request-Info` names it when shared
/// or sent into the system account.
pub(crate) struct Origin {
    pub(crate) server: String,
    pub(crate) cluster: String,
    /// The system account's name.
    pub(crate) system: String,
}

/// How a service import sends a request on: the export's answering, and
/// whether the requester's details are shared (`share`).
pub(crate) struct Crossing {
    pub(crate) answering: Answering,
    pub(crate) share: bool,
    pub(crate) origin: Arc<Origin>,
}

/// A reply waiting for its answer(s).
struct Pending {
    requester: Weak<Account>,
    reply: Bytes,
    answering: Answering,
    last: Instant,
}

/// An exporting account's mapped replies (Go's `exports.responses`).
pub(crate) struct Responses {
    /// `_R_.<6 chars>.`
    prefix: String,
    pending: std::sync::Mutex<FxHashMap<String, Pending>>,
}

impl Responses {
    /// Subscribes to the reply prefix of `exporter` with its internal connection.
    pub(crate) fn new(exporter: &Arc<Account>, conn: &Arc<Connection>, sid: u64) -> Responses {
        // Go's `_R_.<6 characters>.` prefix (and 6-character tokens below),
        // random characters taken from a nuid.
        let prefix = format!("_R_.{}.", &crate::nuid::next()[..6]);
        let weak = Arc::downgrade(exporter);
        let cb: ImportCallback = Arc::new(move |msg: &Msg, p: &mut Publisher| -> bool {
            weak.upgrade().is_some_and(|acc| answer(&acc, msg, p))
        });
        conn.add_sub(Subscription::new_import(conn, &format!("{prefix}>"), sid, false, cb));
        Responses { prefix, pending: Default::default() }
    }

    /// A new reply subject in the exporting account that maps to `reply` in
    /// `requester`.
    fn register(&self, requester: &Arc<Account>, reply: &str, answering: Answering) -> String {
        let subject = format!("{}{}", self.prefix, &crate::nuid::next()[16..]);
        let mut pending = lock(&self.pending);
        if pending.len() > 1024 {
            pending.retain(|_, p| p.last.elapsed() <= p.answering.threshold);
        }
        pending.insert(
            subject.clone(),
            Pending {
                requester: Arc::downgrade(requester),
                reply: Bytes::copy_from_slice(reply.as_bytes()),
                answering,
                last: Instant::now(),
            },
        );
        subject
    }

    fn forget(&self, subject: &str) {
        lock(&self.pending).remove(subject);
    }
}

/// An answer on the exporter's reply prefix goes to the requester's reply.
fn answer(exporter: &Account, msg: &Msg, p: &mut Publisher) -> bool {
    let Some(rs) = exporter.responses.get() else { return false };
    let subject = msg.subject_str();
    let (requester, reply, answering) = {
        let mut pending = lock(&rs.pending);
        let Some(w) = pending.get(subject) else { return false };
        if w.last.elapsed() > w.answering.threshold {
            pending.remove(subject);
            return false;
        }
        (w.requester.clone(), w.reply.clone(), w.answering)
    };
    let Some(requester) = requester.upgrade() else {
        rs.forget(subject);
        return false;
    };
    let out = Msg { subject: reply, shown: None, reply: None, header_len: msg.header_len, data: msg.data.clone() };
    let delivered = p.answer_crossing(answering.export, |p| fan_out(&requester.name, &requester.sublist, &out, p));
    // The one answer of a singleton, an empty end-of-stream message, or an
    // answer nobody took ends the mapping; other answers keep it alive.
    if !delivered || answering.response_type == ResponseType::Singleton || msg.data.is_empty() {
        rs.forget(subject);
    } else if let Some(w) = lock(&rs.pending).get_mut(subject) {
        w.last = Instant::now();
    }
    delivered
}

/// Where a request on the local subject goes in the exporting account.
enum Remote {
    /// The subject as published (the import keeps the export's wildcards).
    Published,
    Literal(String),
    /// Through `src -> dest` (a renaming wildcard import).
    Transform {
        src: String,
        dest: String,
    },
}

/// Subscribes `importer`'s internal connection `conn` to the local subject
/// of its import of `remote` from `exporter`, sent on as `crossing` says.
pub(crate) fn subscribe(
    importer: &Arc<Account>,
    exporter: &Arc<Account>,
    remote: &str,
    local: &str,
    crossing: Crossing,
    conn: &Arc<Connection>,
    sid: u64,
) {
    let answering = crossing.answering;
    let local_filter = transform::untokenize(local);
    let how = if subject::is_literal(remote) {
        Remote::Literal(remote.to_string())
    } else if local == remote {
        Remote::Published
    } else {
        match transform::reverse(&transform::untokenize(remote), &transform::tokenize(local)) {
            Some((src, dest)) => Remote::Transform { src, dest },
            None => Remote::Literal(remote.to_string()),
        }
    };
    let id = answering.export;
    let (imp, exp) = (Arc::downgrade(importer), Arc::downgrade(exporter));
    let cb: ImportCallback = Arc::new(move |msg: &Msg, p: &mut Publisher| -> bool {
        // A request a route brought was handled on the requester's server.
        if p.is_route() || p.passed(id) {
            return false;
        }
        let (Some(importer), Some(exporter)) = (imp.upgrade(), exp.upgrade()) else { return false };
        let published = msg.subject_str();
        let to = match &how {
            Remote::Published => published.to_string(),
            Remote::Literal(s) => s.clone(),
            Remote::Transform { src, dest } => {
                transform::transform_subject(src, dest, published).unwrap_or_else(|| published.to_string())
            }
        };
        let to = exporter.map_subject(&to).unwrap_or(to);
        if to.is_empty() {
            return false;
        }
        let mut mapped = None;
        let reply = match msg.reply_str() {
            None => None,
            // Acks of a pull consumer across accounts keep their subject.
            Some(r) if r.starts_with("$JS.ACK.") => Some(Bytes::copy_from_slice(r.as_bytes())),
            Some(r) => match exporter.responses.get() {
                Some(rs) => {
                    let s = rs.register(&importer, r, answering);
                    mapped = Some(s.clone());
                    Some(Bytes::from(s))
                }
                None => None,
            },
        };
        let detail = Detail {
            share: crossing.share,
            origin: (crossing.share || exporter.name == crossing.origin.system).then_some(&*crossing.origin),
        };
        let headers = request_info(msg, &importer.name, p, &detail);
        let fwd = match &headers {
            Some(h) => Msg::with_headers(to, reply, h, msg.payload()),
            None => Msg { subject: Bytes::from(to), shown: None, reply, ..msg.clone() },
        };
        let delivered = p.crossing(id, |p| fan_out(&exporter.name, &exporter.sublist, &fwd, p));
        if !delivered {
            if let (Some(s), Some(rs)) = (mapped, exporter.responses.get()) {
                rs.forget(&s);
            }
        }
        delivered
    });
    conn.add_sub(Subscription::new_import(conn, &local_filter, sid, true, cb));
}

/// What a request's `Nats-Request-Info` tells beyond the account and RTT:
/// the requester's details (`share`), this server and cluster (`origin`,
/// when shared or sent into the system account).
struct Detail<'a> {
    share: bool,
    origin: Option<&'a Origin>,
}

/// Go's `ClientInfo` fields in their order (its JSON encoding order).
const CLIENT_INFO_FIELDS: [&str; 23] = [
    "start",
    "host",
    "id",
    "acc",
    "svc",
    "user",
    "name",
    "lang",
    "ver",
    "rtt",
    "server",
    "cluster",
    "alts",
    "stop",
    "jwt",
    "issuer_key",
    "name_tag",
    "tags",
    "kind",
    "client_type",
    "client_id",
    "nonce",
    "reply",
];

/// The request's `Nats-Request-Info` header as it enters the exporter (Go's
/// `ClientInfo`: the account and RTT, more as `detail` says; past an earlier
/// import, the first one's, naming this importing account as `svc`). `None`
/// when the server itself published.
fn request_info(msg: &Msg, importer: &str, p: &Publisher, detail: &Detail<'_>) -> Option<Vec<u8>> {
    use serde_json::{Map, Value};
    let conn = p.publishing_conn()?;
    if matches!(conn.kind, Kind::System | Kind::Router | Kind::Gateway) {
        return None;
    }
    let hdr = msg.headers().unwrap_or_default();
    let earlier = (p.chain_len() > 0)
        .then(|| crate::message::get_header(hdr, "Nats-Request-Info"))
        .flatten()
        .and_then(|v| serde_json::from_str::<Map<String, Value>>(v).ok());
    let mut ci = match earlier {
        Some(mut ci) => {
            ci.insert("svc".into(), importer.into());
            ci
        }
        None => {
            let meta = lock(&conn.meta);
            let mut ci = Map::new();
            if detail.share {
                ci.insert("start".into(), crate::gotime::rfc3339(meta.start).into());
                ci.insert("host".into(), conn.addr.ip().to_string().into());
                ci.insert("id".into(), conn.cid.into());
                for (k, v) in [("user", meta.user.as_deref()), ("name", Some(&meta.name)), ("lang", Some(&meta.lang))] {
                    ci.insert(k.into(), v.unwrap_or_default().into());
                }
                ci.insert("ver".into(), meta.version.clone().into());
                ci.insert("kind".into(), conn.kind.as_str().into());
                ci.insert("client_type".into(), "nats".into());
            }
            ci.insert("acc".into(), meta.account.clone().into());
            ci.insert("rtt".into(), (meta.rtt.as_nanos() as u64).into());
            ci
        }
    };
    if let Some(o) = detail.origin {
        ci.insert("server".into(), o.server.clone().into());
        ci.insert("cluster".into(), o.cluster.clone().into());
    }
    // Go leaves out empty fields (`omitempty`).
    let mut info = crate::json::Obj::default();
    for k in CLIENT_INFO_FIELDS {
        match ci.get(k) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Number(n)) if n.as_u64() == Some(0) => {}
            Some(v) => info.put(k, v.clone()),
        }
    }
    Some(crate::message::set_header(hdr, "Nats-Request-Info", &crate::json::to_string(&info)))
}
