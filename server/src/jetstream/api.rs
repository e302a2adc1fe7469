//! `$JS.API.>` request handlers (Go jetstream_api.go), single-server
//! semantics. Each handler returns the reply payload; `handle` wraps it in
//! an `Outbound` to the request's reply subject.
use std::collections::BTreeMap;

use bytes::Bytes;
use rand::Rng;
use serde::Serialize;

use super::api_types::*;
use super::consumer::{check_consumer_config, check_consumer_pedantic, set_consumer_defaults, Consumer};
use super::errors::{ApiError, E};
use super::stream::{apply_seal, check_stream_config, check_stream_config_mode, check_update, get_header, Stream};
use super::{AccountJs, Outbound};
use crate::store::StreamStore;
use crate::subject::collide;

/// Go `JSApiLevel`.
pub const API_LEVEL: u32 = 5;
/// Go `JSApiNamesLimit` / `JSApiListLimit` / `JSMaxSubjectDetails`.
const NAMES_LIMIT: usize = 1024;
const LIST_LIMIT: usize = 256;
const MAX_SUBJECT_DETAILS: usize = 100_000;

/// Response type names (Go `JSApi*ResponseType`).
pub mod types {
    pub const ACCOUNT_INFO: &str = "io.nats.jetstream.api.v1.account_info_response";
    pub const STREAM_CREATE: &str = "io.nats.jetstream.api.v1.stream_create_response";
    pub const STREAM_UPDATE: &str = "io.nats.jetstream.api.v1.stream_update_response";
    pub const STREAM_DELETE: &str = "io.nats.jetstream.api.v1.stream_delete_response";
    pub const STREAM_INFO: &str = "io.nats.jetstream.api.v1.stream_info_response";
    pub const STREAM_NAMES: &str = "io.nats.jetstream.api.v1.stream_names_response";
    pub const STREAM_LIST: &str = "io.nats.jetstream.api.v1.stream_list_response";
    pub const STREAM_PURGE: &str = "io.nats.jetstream.api.v1.stream_purge_response";
    pub const MSG_GET: &str = "io.nats.jetstream.api.v1.stream_msg_get_response";
    pub const MSG_DELETE: &str = "io.nats.jetstream.api.v1.stream_msg_delete_response";
    pub const STREAM_STEPDOWN: &str = "io.nats.jetstream.api.v1.stream_leader_stepdown_response";
    pub const CONSUMER_CREATE: &str = "io.nats.jetstream.api.v1.consumer_create_response";
    pub const CONSUMER_DELETE: &str = "io.nats.jetstream.api.v1.consumer_delete_response";
    pub const CONSUMER_INFO: &str = "io.nats.jetstream.api.v1.consumer_info_response";
    pub const CONSUMER_NAMES: &str = "io.nats.jetstream.api.v1.consumer_names_response";
    pub const CONSUMER_LIST: &str = "io.nats.jetstream.api.v1.consumer_list_response";
    pub const CONSUMER_PAUSE: &str = "io.nats.jetstream.api.v1.consumer_pause_response";
    pub const CONSUMER_STEPDOWN: &str = "io.nats.jetstream.api.v1.consumer_leader_stepdown_response";
    pub const CONSUMER_UNPIN: &str = "io.nats.jetstream.api.v1.consumer_unpin_response";
}

/// Context a handler needs besides the account.
pub struct Ctx<'a> {
    pub server_name: &'a str,
    pub version: &'a str,
    pub now: i64,
    pub interest: &'a dyn Fn(&str) -> bool,
    pub max_memory: i64,
    pub max_store: i64,
    /// JetStream domain, empty when none.
    pub domain: &'a str,
    /// The account's JetStream limits, if it has any.
    pub limits: Option<&'a crate::options::JsAccountLimits>,
    /// The account's name (file streams live under it).
    pub account: &'a str,
    /// Where file streams are kept; `None` keeps them in memory.
    pub store: Option<&'a super::persist::StoreEnv>,
}

/// A reply as Go's encoder writes it.
fn go_json<T: Serialize>(v: &T) -> Bytes {
    Bytes::from(crate::json::to_vec(v))
}

#[derive(Serialize)]
struct Typed<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    body: T,
}

fn typed<T: Serialize>(kind: &str, body: T) -> Bytes {
    go_json(&Typed { kind, body })
}

/// `{"type":..,"error":{..}}` plus the fields Go's response struct always
/// marshals (no `omitempty`), e.g. the paging of names/list/info replies.
pub fn error_reply(kind: &str, err: &ApiError) -> Bytes {
    #[derive(Serialize)]
    struct Paged<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        error: &'a ApiError,
        total: u8,
        offset: u8,
        limit: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        streams: Option<Option<[u8; 0]>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        consumers: Option<[u8; 0]>,
    }
    let paged =
        |streams, consumers| go_json(&Paged { kind, error: err, total: 0, offset: 0, limit: 0, streams, consumers });
    match kind {
        types::STREAM_INFO => paged(None, None),
        types::STREAM_NAMES => paged(Some(None), None),
        types::STREAM_LIST => paged(Some(Some([])), None),
        types::CONSUMER_NAMES | types::CONSUMER_LIST => paged(None, Some([])),
        types::STREAM_PURGE => {
            #[derive(Serialize)]
            struct P<'a> {
                #[serde(rename = "type")]
                kind: &'a str,
                error: &'a ApiError,
                purged: u8,
            }
            go_json(&P { kind, error: err, purged: 0 })
        }
        types::CONSUMER_PAUSE => {
            #[derive(Serialize)]
            struct P<'a> {
                #[serde(rename = "type")]
                kind: &'a str,
                error: &'a ApiError,
                paused: bool,
                pause_until: GoTime,
            }
            go_json(&P { kind, error: err, paused: false, pause_until: GoTime(0) })
        }
        _ => go_json(&ErrorResponse { kind, error: err }),
    }
}

fn parse<T: serde::de::DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Ok(T::default());
    }
    // Go's encoding/json leaves a field at its zero value when the JSON says `null`
    // (clients send `"consumer_limits": null`, for example); dropping null members
    // before decoding gives serde the same semantics.
    let value = match serde_json::from_slice::<serde_json::Value>(payload) {
        // Go's decoder leaves the request at its zero value for `null`.
        Ok(serde_json::Value::Null) => return Ok(T::default()),
        Ok(mut v) => {
            drop_nulls(&mut v);
            v
        }
        Err(e) => return Err(ApiError::err(E::InvalidJson, go_json_error(&e))),
    };
    serde_json::from_value(value).map_err(|e| ApiError::err(E::InvalidJson, go_json_error(&e)))
}

/// Removes `null` object members, recursively.
pub(crate) fn drop_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Approximates Go's `encoding/json` error texts for the common cases.
fn go_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".to_string(),
        _ => {
            let msg = e.to_string();
            match msg.rfind(" at line ") {
                Some(i) => msg[..i].to_string(),
                None => msg,
            }
        }
    }
}

fn with_dynamic_meta(meta: &Option<BTreeMap<String, String>>, version: &str) -> Option<BTreeMap<String, String>> {
    let mut m = meta.clone().unwrap_or_default();
    m.insert("_nats.level".into(), API_LEVEL.to_string());
    m.insert("_nats.ver".into(), version.to_string());
    Some(m)
}

fn with_static_meta(meta: &mut Option<BTreeMap<String, String>>, level: u32) {
    let m = meta.get_or_insert_with(BTreeMap::new);
    m.retain(|k, _| !k.starts_with("_nats."));
    m.insert("_nats.req.level".into(), level.to_string());
}

pub fn stream_state_json(store: &dyn StreamStore, consumers: usize) -> StreamStateJson {
    let st = store.state();
    StreamStateJson {
        messages: st.msgs,
        bytes: st.bytes,
        first_seq: st.first_seq,
        first_ts: GoTime(st.first_ts),
        last_seq: st.last_seq,
        last_ts: GoTime(st.last_ts),
        num_subjects: st.num_subjects,
        subjects: None,
        num_deleted: st.num_deleted,
        deleted: None,
        consumer_count: consumers as u64,
    }
}

fn stream_info(s: &Stream, ctx: &Ctx, dynamic: bool, cluster: bool) -> StreamInfo {
    let mut config = s.cfg.clone();
    if dynamic {
        config.metadata = with_dynamic_meta(&config.metadata, ctx.version);
    }
    let (mirror, sources) = super::sourcing::info(s, &|_| None, ctx.now);
    StreamInfo {
        config,
        created: GoTime(s.created),
        state: stream_state_json(&*s.store, s.consumers.len()),
        cluster: cluster.then(|| ClusterInfo { leader: ctx.server_name.to_string() }),
        mirror,
        sources,
        ts: GoTime(ctx.now),
    }
}

fn consumer_info(c: &Consumer, store: &dyn StreamStore, ctx: &Ctx, dynamic: bool) -> ConsumerInfo {
    let mut info = c.info(store, ctx.now);
    info.push_bound = c.is_push() && (ctx.interest)(&c.cfg.deliver_subject);
    if dynamic {
        info.config.metadata = with_dynamic_meta(&info.config.metadata, ctx.version);
    }
    info
}

/// A random 22-character id (pin ids, like Go's NUIDs).
pub fn random_id() -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut r = rand::rng();
    (0..22).map(|_| CH[r.random_range(0..CH.len())] as char).collect()
}

/// Random 8-character consumer name (Go `createConsumerName`).
fn ephemeral_name() -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut r = rand::rng();
    (0..8).map(|_| CH[r.random_range(0..CH.len())] as char).collect()
}

/// Dispatches one API request. Returns the reply payload (and any extra
/// messages in `out`), or `None` when Go sends no reply at all.
/// API requests that change no stream or consumer, so that the subjects
/// JetStream listens on stay as they are (the engine skips rebuilding its
/// index after them: they include every pull request and direct get).
pub(crate) fn is_read_only(subject: &str) -> bool {
    const READ_ONLY: [&str; 9] = [
        "STREAM.INFO.",
        "STREAM.NAMES",
        "STREAM.LIST",
        "STREAM.MSG.GET.",
        "DIRECT.GET.",
        "CONSUMER.INFO.",
        "CONSUMER.NAMES.",
        "CONSUMER.LIST.",
        "CONSUMER.MSG.NEXT.",
    ];
    subject.strip_prefix("$JS.API.").is_some_and(|rest| rest == "INFO" || READ_ONLY.iter().any(|p| rest.starts_with(p)))
}

pub fn dispatch(
    acc: &mut AccountJs,
    subject: &str,
    reply: &str,
    hdr: &[u8],
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Outbound>,
) {
    let Some(rest) = subject.strip_prefix("$JS.API.") else { return };
    let start = out.len();
    let toks: Vec<&str> = rest.split('.').collect();
    // Go `errorOnRequiredApiLevel`: a client may demand a minimum API level.
    let level_err =
        get_header(hdr, "Nats-Required-Api-Level").is_some_and(|v| v.parse::<u32>().map_or(true, |l| l > API_LEVEL));
    if level_err {
        if let Some(kind) = super::api_type_for(subject) {
            acc.api_total += 1;
            acc.api_errors += 1;
            out.push(super::reply_msg(reply, error_reply(kind, &ApiError::new(E::RequiredApiLevel))));
            return;
        }
    }
    let (kind, res): (&str, Result<Bytes, ApiError>) = match toks.as_slice() {
        ["INFO"] => (types::ACCOUNT_INFO, Ok(account_info(acc, ctx))),
        ["STREAM", "CREATE", name] => (types::STREAM_CREATE, stream_create(acc, name, payload, ctx)),
        ["STREAM", "UPDATE", name] => (types::STREAM_UPDATE, stream_update(acc, name, payload, ctx)),
        ["STREAM", "DELETE", name] => (types::STREAM_DELETE, stream_delete(acc, name, payload, out)),
        ["STREAM", "INFO", name] => (types::STREAM_INFO, stream_info_req(acc, name, payload, ctx)),
        ["STREAM", "NAMES"] => (types::STREAM_NAMES, stream_names(acc, payload)),
        ["STREAM", "LIST"] => (types::STREAM_LIST, stream_list(acc, payload, ctx)),
        ["STREAM", "PURGE", name] => (types::STREAM_PURGE, stream_purge(acc, name, payload)),
        ["STREAM", "MSG", "GET", name] => (types::MSG_GET, msg_get(acc, name, payload)),
        ["STREAM", "MSG", "DELETE", name] => (types::MSG_DELETE, msg_delete(acc, name, payload)),
        ["STREAM", "LEADER", "STEPDOWN", name] => {
            let r = if acc.streams.contains_key(*name) {
                Err(ApiError::new(E::ClusterRequired))
            } else {
                Err(ApiError::new(E::StreamNotFound))
            };
            (types::STREAM_STEPDOWN, r)
        }
        ["DIRECT", "GET", name, subj @ ..] => {
            direct_get(acc, name, &subj.join("."), reply, payload, out);
            return;
        }
        ["CONSUMER", "CREATE", stream, rest @ ..] => {
            (types::CONSUMER_CREATE, consumer_create(acc, stream, rest, false, payload, ctx, out))
        }
        ["CONSUMER", "DURABLE", "CREATE", stream, rest @ ..] => {
            (types::CONSUMER_CREATE, consumer_create(acc, stream, rest, true, payload, ctx, out))
        }
        ["CONSUMER", "DELETE", stream, name] => (types::CONSUMER_DELETE, consumer_delete(acc, stream, name, out)),
        ["CONSUMER", "INFO", stream, name] => (types::CONSUMER_INFO, consumer_info_req(acc, stream, name, ctx)),
        ["CONSUMER", "NAMES", stream] => (types::CONSUMER_NAMES, consumer_names(acc, stream, payload)),
        ["CONSUMER", "LIST", stream] => (types::CONSUMER_LIST, consumer_list(acc, stream, payload, ctx)),
        ["CONSUMER", "PAUSE", stream, name] => {
            (types::CONSUMER_PAUSE, consumer_pause(acc, stream, name, payload, ctx, out))
        }
        ["CONSUMER", "LEADER", "STEPDOWN", stream, name] => {
            let r = match acc.streams.get(*stream) {
                None => Err(ApiError::new(E::StreamNotFound)),
                Some(s) if !s.consumers.contains_key(*name) => Err(ApiError::new(E::ConsumerNotFound)),
                Some(_) => Err(ApiError::new(E::ClusterRequired)),
            };
            (types::CONSUMER_STEPDOWN, r)
        }
        ["CONSUMER", "UNPIN", stream, name] => {
            let r = match acc.streams.get_mut(*stream) {
                None => Err(ApiError::new(E::StreamNotFound)),
                Some(s) => match s.consumers.get_mut(*name) {
                    None => Err(ApiError::new(E::ConsumerNotFound)),
                    Some(c) => match parse::<UnpinRequest>(payload) {
                        Err(e) => Err(e),
                        Ok(req) => c.unpin(&req.group).map(|_| typed(types::CONSUMER_UNPIN, serde_json::json!({}))),
                    },
                },
            };
            (types::CONSUMER_UNPIN, r)
        }
        ["CONSUMER", "MSG", "NEXT", stream, name] => {
            if let Some(s) = acc.streams.get_mut(*stream) {
                if let Some(c) = s.consumers.get_mut(*name) {
                    c.next_request(reply, payload, &*s.store, ctx.now, ctx.interest, out);
                    s.sweep_retention();
                }
            }
            return;
        }
        _ => return,
    };
    acc.api_total += 1;
    // What the handler emitted (deliveries, pull request statuses) follows
    // the reply, as Go's consumer goroutines send it after the API returns.
    let emitted = out.split_off(start);
    if let Ok(body) = &res {
        action_advisories(&toks, body, ctx.now, out);
    }
    // Go answers a successful message get without the audit advisory.
    let audited = !(res.is_ok() && kind == types::MSG_GET);
    let body = match res {
        Ok(b) => b,
        Err(e) => {
            acc.api_errors += 1;
            error_reply(kind, &e)
        }
    };
    // Go sends a stream or consumer action advisory before the reply, the
    // audit after it (`addStream` then `sendAPIResponse`).
    out.push(super::reply_msg(reply, body.clone()));
    out.extend(emitted);
    if !audited {
        return;
    }
    // Go audits every API call on `$JS.EVENT.ADVISORY.API`.
    let audit = ApiAudit {
        event: Event::new("io.nats.jetstream.advisory.v1.api_audit", ctx.now),
        server: ctx.server_name,
        subject,
        request: &String::from_utf8_lossy(payload),
        response: &String::from_utf8_lossy(&body),
    };
    out.push(advisory_msg("$JS.EVENT.ADVISORY.API".to_string(), &audit));
}

/// Go's `TypedEvent`, the head of every advisory.
#[derive(Serialize)]
struct Event {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    timestamp: GoTime,
}

impl Event {
    fn new(kind: &'static str, now: i64) -> Event {
        Event { kind, id: random_id(), timestamp: GoTime(now) }
    }
}

/// Go's `JSAPIAudit` (without the client it has no record of).
#[derive(Serialize)]
struct ApiAudit<'a> {
    #[serde(flatten)]
    event: Event,
    server: &'a str,
    subject: &'a str,
    request: &'a str,
    response: &'a str,
}

/// Go's `JSStreamActionAdvisory`.
#[derive(Serialize)]
struct StreamAction<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    action: &'a str,
}

/// Go's `JSConsumerActionAdvisory`.
#[derive(Serialize)]
struct ConsumerAction<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    consumer: &'a str,
    action: &'a str,
}

/// Go's `JSConsumerPauseAdvisory`.
#[derive(Serialize)]
struct ConsumerPause<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    consumer: &'a str,
    paused: bool,
    pause_until: &'a str,
}

fn advisory_msg(subject: String, body: &impl Serialize) -> Outbound {
    Outbound { subject, msg_subject: None, reply: None, headers: None, payload: go_json(body) }
}

/// Stream and consumer action advisories (Go `sendStreamAdvisory` and
/// friends) for a successful API call whose reply is `body`.
fn action_advisories(toks: &[&str], body: &[u8], now: i64, out: &mut Vec<Outbound>) {
    let stream_adv = |stream: &str, action: &str, kind: &str, out: &mut Vec<Outbound>| {
        let adv =
            StreamAction { event: Event::new("io.nats.jetstream.advisory.v1.stream_action", now), stream, action };
        out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.STREAM.{kind}.{stream}"), &adv));
    };
    let consumer_adv = |stream: &str, consumer: &str, action: &str, kind: &str, out: &mut Vec<Outbound>| {
        let adv = ConsumerAction {
            event: Event::new("io.nats.jetstream.advisory.v1.consumer_action", now),
            stream,
            consumer,
            action,
        };
        out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream}.{consumer}"), &adv));
    };
    let reply: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match toks {
        ["STREAM", "CREATE", name] => stream_adv(name, "create", "CREATED", out),
        ["STREAM", "UPDATE", name] => stream_adv(name, "modify", "UPDATED", out),
        ["STREAM", "DELETE", name] => stream_adv(name, "delete", "DELETED", out),
        ["CONSUMER", "CREATE", stream, ..] | ["CONSUMER", "DURABLE", "CREATE", stream, ..] => {
            if let Some(name) = reply.get("name").and_then(|n| n.as_str()) {
                consumer_adv(stream, name, "create", "CREATED", out);
            }
        }
        ["CONSUMER", "DELETE", stream, name] => consumer_adv(stream, name, "delete", "DELETED", out),
        ["CONSUMER", "PAUSE", stream, name] => {
            let adv = ConsumerPause {
                event: Event::new("io.nats.jetstream.advisory.v1.consumer_pause", now),
                stream,
                consumer: name,
                paused: reply.get("paused").and_then(|p| p.as_bool()).unwrap_or(false),
                pause_until: reply.get("pause_until").and_then(|p| p.as_str()).unwrap_or("0001-01-01T00:00:00Z"),
            };
            out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.CONSUMER.PAUSE.{stream}.{name}"), &adv));
        }
        _ => {}
    }
}

fn account_info(acc: &AccountJs, ctx: &Ctx) -> Bytes {
    #[derive(Serialize)]
    struct Limits {
        max_memory: i64,
        max_storage: i64,
        max_streams: i64,
        max_consumers: i64,
        max_ack_pending: i64,
        memory_max_stream_bytes: i64,
        storage_max_stream_bytes: i64,
        max_bytes_required: bool,
    }
    #[derive(Serialize)]
    struct Api {
        level: u32,
        total: u64,
        errors: u64,
    }
    #[derive(Serialize)]
    struct Info<'a> {
        memory: u64,
        storage: u64,
        reserved_memory: u64,
        reserved_storage: u64,
        streams: usize,
        consumers: usize,
        limits: Limits,
        #[serde(skip_serializing_if = "str::is_empty")]
        domain: &'a str,
        api: Api,
    }
    let (mut memory, mut storage, mut rmem, mut rsto) = (0, 0, 0, 0);
    for s in acc.streams.values() {
        let b = s.store.state().bytes;
        let reserved = s.cfg.max_bytes.max(0) as u64;
        if s.cfg.storage == Storage::Memory {
            memory += b;
            rmem += reserved;
        } else {
            storage += b;
            rsto += reserved;
        }
    }
    let _ = (ctx.max_memory, ctx.max_store);
    typed(
        types::ACCOUNT_INFO,
        Info {
            memory,
            storage,
            reserved_memory: rmem,
            reserved_storage: rsto,
            streams: acc.streams.len(),
            consumers: acc.streams.values().map(|s| s.consumers.len()).sum(),
            limits: {
                let l = ctx.limits.copied().unwrap_or_default();
                Limits {
                    max_memory: l.max_memory,
                    max_storage: l.max_store,
                    max_streams: l.max_streams,
                    max_consumers: l.max_consumers,
                    max_ack_pending: l.max_ack_pending,
                    memory_max_stream_bytes: l.memory_max_stream_bytes,
                    storage_max_stream_bytes: l.store_max_stream_bytes,
                    max_bytes_required: l.max_bytes_required,
                }
            },
            domain: ctx.domain,
            api: Api { level: API_LEVEL, total: acc.api_total, errors: acc.api_errors },
        },
    )
}

/// Required API level of a stream config (Go `setStaticStreamMetadata`).
fn stream_req_level(cfg: &StreamConfig) -> u32 {
    if cfg.allow_msg_ttl || cfg.subject_delete_marker_ttl > 0 {
        1
    } else {
        0
    }
}

#[derive(Serialize)]
struct Created {
    #[serde(flatten)]
    info: StreamInfo,
    did_create: bool,
}

/// Go `StreamConfig` JSON fields (strict decoding refuses any other).
const STREAM_FIELDS: &[&str] = &[
    "name",
    "description",
    "subjects",
    "retention",
    "max_consumers",
    "max_msgs",
    "max_bytes",
    "max_age",
    "max_msgs_per_subject",
    "max_msg_size",
    "discard",
    "storage",
    "num_replicas",
    "no_ack",
    "template_owner",
    "duplicate_window",
    "placement",
    "mirror",
    "sources",
    "compression",
    "first_seq",
    "subject_transform",
    "republish",
    "allow_direct",
    "mirror_direct",
    "discard_new_per_subject",
    "sealed",
    "deny_delete",
    "deny_purge",
    "allow_rollup_hdrs",
    "consumer_limits",
    "allow_msg_ttl",
    "subject_delete_marker_ttl",
    "allow_msg_counter",
    "allow_atomic",
    "allow_msg_schedules",
    "allow_batched",
    "persist_mode",
    "metadata",
    "pedantic",
];
/// Go `ConsumerConfig` JSON fields.
const CONSUMER_FIELDS: &[&str] = &[
    "durable_name",
    "name",
    "description",
    "deliver_policy",
    "opt_start_seq",
    "opt_start_time",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "filter_subject",
    "filter_subjects",
    "replay_policy",
    "rate_limit_bps",
    "sample_freq",
    "max_waiting",
    "max_ack_pending",
    "flow_control",
    "idle_heartbeat",
    "headers_only",
    "max_batch",
    "max_expires",
    "max_bytes",
    "inactive_threshold",
    "num_replicas",
    "mem_storage",
    "metadata",
    "pause_until",
    "priority_groups",
    "priority_policy",
    "priority_timeout",
    "deliver_subject",
    "deliver_group",
    "direct",
];
const CREATE_CONSUMER_FIELDS: &[&str] = &["stream_name", "config", "action", "pedantic"];
const STREAM_INFO_FIELDS: &[&str] = &["deleted_details", "subjects_filter", "offset"];

/// Go decodes these requests with unknown fields disallowed (strict mode):
/// any other top-level key (or key of `nested`) is invalid JSON.
fn strict(payload: &[u8], allowed: &[&str], nested: Option<(&str, &[&str])>) -> Result<(), ApiError> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(payload) else { return Ok(()) };
    let unknown = |k: &str| ApiError::err(E::InvalidJson, format!("json: unknown field \"{k}\""));
    for (k, v) in &m {
        if !allowed.contains(&k.as_str()) {
            return Err(unknown(k));
        }
        if let (Some((name, fields)), serde_json::Value::Object(inner)) = (nested, v) {
            if k == name {
                if let Some(bad) = inner.keys().find(|ik| !fields.contains(&ik.as_str())) {
                    return Err(unknown(bad));
                }
            }
        }
    }
    Ok(())
}

/// Go's `isEmptyRequest`: nothing, or an empty JSON object.
fn is_empty_request(payload: &[u8]) -> bool {
    let t = payload.trim_ascii();
    t.is_empty()
        || matches!(serde_json::from_slice::<serde_json::Value>(t), Ok(serde_json::Value::Object(m)) if m.is_empty())
}

/// Go's `pedantic` flag of create/update requests (a sibling of the config
/// fields in the JSON body).
fn pedantic_flag(payload: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("pedantic").and_then(|p| p.as_bool()))
        .unwrap_or(false)
}

fn stream_create(acc: &mut AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    if name.contains(['/', '\\']) {
        return Err(ApiError::new(E::StreamNameContainsPathSeparators));
    }
    let cfg: StreamConfig = parse(payload)?;
    strict(payload, STREAM_FIELDS, None)?;
    let pedantic = pedantic_flag(payload);
    if cfg.name != name {
        return Err(ApiError::new(E::StreamMismatch));
    }
    if cfg.sealed {
        return Err(ApiError::err(E::StreamInvalidConfig, "stream configuration for create can not be sealed"));
    }
    let mut cfg = check_stream_config_mode(cfg, pedantic)?;
    if cfg.num_replicas > 1 {
        return Err(ApiError::new(E::StreamReplicasNotSupported));
    }
    let level = stream_req_level(&cfg);
    with_static_meta(&mut cfg.metadata, level);
    if let Some(existing) = acc.streams.get(name) {
        if existing.cfg != cfg {
            return Err(ApiError::new(E::StreamNameExist));
        }
        // Go answers an identical create like a fresh one, `did_create` too.
        return Ok(typed(
            types::STREAM_CREATE,
            Created { info: stream_info(existing, ctx, true, false), did_create: true },
        ));
    }
    check_overlap(acc, name, &cfg)?;
    check_account_limits(acc, &cfg, None, ctx)?;
    let s = match ctx.store {
        Some(env) if cfg.storage == Storage::File => super::persist::create_stream(env, ctx.account, cfg, ctx.now)
            .map_err(|e| ApiError::err(E::StreamCreate, format!("could not create the stream's files: {e}")))?,
        _ => Stream::new(cfg, ctx.now),
    };
    let body = Created { info: stream_info(&s, ctx, true, false), did_create: true };
    acc.streams.insert(name.to_string(), s);
    Ok(typed(types::STREAM_CREATE, body))
}

/// Go `checkStreamCfg` / `checkBytesLimits` against the account's limits
/// and the server's: stream count, consumer limit, and the bytes a stream
/// reserves (`max_bytes`) for its storage type. `updating` names the stream
/// whose current reservation is replaced.
fn check_account_limits(
    acc: &AccountJs,
    cfg: &StreamConfig,
    updating: Option<&str>,
    ctx: &Ctx,
) -> Result<(), ApiError> {
    let memory = cfg.storage == Storage::Memory;
    if let Some(l) = ctx.limits {
        if updating.is_none() && l.max_streams > 0 && acc.streams.len() as i64 >= l.max_streams {
            return Err(ApiError::new(E::MaximumStreamsLimit));
        }
        if l.max_consumers > 0 && cfg.max_consumers > l.max_consumers {
            return Err(ApiError::new(E::MaximumConsumersLimit));
        }
        if l.max_bytes_required && cfg.max_bytes <= 0 {
            return Err(ApiError::new(E::StreamMaxBytesRequired));
        }
        let per_stream = if memory { l.memory_max_stream_bytes } else { l.store_max_stream_bytes };
        if per_stream > 0 && cfg.max_bytes > per_stream {
            return Err(ApiError::new(E::StreamMaxStreamBytesExceeded));
        }
    }
    let add = if cfg.max_bytes > 0 { cfg.max_bytes } else { 1 };
    let reserved: i64 = acc
        .streams
        .iter()
        .filter(|(n, s)| Some(n.as_str()) != updating && (s.cfg.storage == Storage::Memory) == memory)
        .map(|(_, s)| s.cfg.max_bytes.max(0))
        .sum();
    let exceeded = if memory { E::MemoryResourcesExceeded } else { E::StorageResourcesExceeded };
    let account_max = ctx.limits.map_or(-1, |l| if memory { l.max_memory } else { l.max_store });
    if account_max >= 0 && reserved + add > account_max {
        return Err(ApiError::new(exceeded));
    }
    let server_max = if memory { ctx.max_memory } else { ctx.max_store };
    if server_max > 0 && reserved + add > server_max {
        return Err(ApiError::new(exceeded));
    }
    Ok(())
}

fn check_overlap(acc: &AccountJs, name: &str, cfg: &StreamConfig) -> Result<(), ApiError> {
    for (other, s) in &acc.streams {
        if other == name {
            continue;
        }
        if cfg.subjects.iter().any(|a| s.cfg.subjects.iter().any(|b| collide(a, b))) {
            return Err(ApiError::new(E::StreamSubjectOverlap));
        }
    }
    Ok(())
}

fn stream_update(acc: &mut AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let cfg: StreamConfig = parse(payload)?;
    strict(payload, STREAM_FIELDS, None)?;
    if cfg.name != name {
        return Err(ApiError::new(E::StreamMismatch));
    }
    let mut cfg = check_stream_config(cfg)?;
    let Some(existing) = acc.streams.get(name) else {
        return Err(ApiError::new(E::StreamNotFound));
    };
    check_update(&existing.cfg, &cfg)?;
    apply_seal(&mut cfg);
    if cfg.num_replicas > 1 {
        return Err(ApiError::new(E::StreamReplicasNotSupported));
    }
    let level = stream_req_level(&cfg);
    with_static_meta(&mut cfg.metadata, level);
    check_overlap(acc, name, &cfg)?;
    check_account_limits(acc, &cfg, Some(name), ctx)?;
    let s = acc.streams.get_mut(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    s.update_config(cfg);
    super::persist::update_stream(s);
    let Stream { consumers, cfg, .. } = &mut *s;
    for c in consumers.values_mut() {
        c.refresh_filters(cfg);
    }
    Ok(typed(types::STREAM_UPDATE, stream_info(s, ctx, true, false)))
}

#[derive(Serialize)]
struct Success {
    success: bool,
}

fn stream_delete(acc: &mut AccountJs, name: &str, payload: &[u8], out: &mut Vec<Outbound>) -> Result<Bytes, ApiError> {
    if !is_empty_request(payload) {
        return Err(ApiError::new(E::NotEmptyRequest));
    }
    let mut s = acc.streams.remove(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    for c in s.consumers.values_mut() {
        c.on_delete(out);
    }
    super::persist::delete_stream(&s);
    Ok(typed(types::STREAM_DELETE, Success { success: true }))
}

fn stream_info_req(acc: &AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let req: StreamInfoRequest = parse(payload)?;
    strict(payload, STREAM_INFO_FIELDS, None)?;
    let s = acc.streams.get(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let mut info = stream_info(s, ctx, true, true);
    let (mut total, mut limit, mut offset) = (0usize, 0usize, 0usize);
    if !req.subjects_filter.is_empty() {
        let all: BTreeMap<String, u64> =
            s.store.subjects_state(&req.subjects_filter).into_iter().map(|(k, v)| (k, v.msgs)).collect();
        total = all.len();
        offset = req.offset.max(0) as usize;
        limit = MAX_SUBJECT_DETAILS;
        let page: BTreeMap<String, u64> = all.into_iter().skip(offset).take(MAX_SUBJECT_DETAILS).collect();
        if !page.is_empty() {
            info.state.subjects = Some(page);
        }
    }
    if req.deleted_details && s.store.state().msgs > 0 {
        let st = s.store.state();
        let deleted: Vec<u64> = (st.first_seq..=st.last_seq).filter(|&q| s.store.load_msg(q).is_none()).collect();
        if !deleted.is_empty() {
            info.state.deleted = Some(deleted);
        }
    }
    #[derive(Serialize)]
    struct Paged {
        total: usize,
        offset: usize,
        limit: usize,
        #[serde(flatten)]
        info: StreamInfo,
    }
    Ok(typed(types::STREAM_INFO, Paged { total, offset, limit, info }))
}

fn filtered_names(acc: &AccountJs, filter: &str) -> Vec<String> {
    acc.streams
        .iter()
        .filter(|(_, s)| filter.is_empty() || s.cfg.subjects.iter().any(|x| collide(x, filter)))
        .map(|(n, _)| n.clone())
        .collect()
}

fn stream_names(acc: &AccountJs, payload: &[u8]) -> Result<Bytes, ApiError> {
    let req: PagedRequest = parse(payload)?;
    let names = filtered_names(acc, &req.subject);
    let offset = req.offset.max(0) as usize;
    #[derive(Serialize)]
    struct Names {
        total: usize,
        offset: usize,
        limit: usize,
        /// Go leaves the slice nil (`null`) when nothing matched.
        streams: Option<Vec<String>>,
    }
    let total = names.len();
    let page: Vec<String> = names.into_iter().skip(offset).take(NAMES_LIMIT).collect();
    let streams = (!page.is_empty()).then_some(page);
    Ok(typed(types::STREAM_NAMES, Names { total, offset, limit: NAMES_LIMIT, streams }))
}

fn stream_list(acc: &AccountJs, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let req: PagedRequest = parse(payload)?;
    let names = filtered_names(acc, &req.subject);
    let offset = req.offset.max(0) as usize;
    #[derive(Serialize)]
    struct List {
        total: usize,
        offset: usize,
        limit: usize,
        streams: Vec<StreamInfo>,
    }
    let total = names.len();
    let streams = names
        .iter()
        .skip(offset)
        .take(LIST_LIMIT)
        .filter_map(|n| acc.streams.get(n))
        .map(|s| stream_info(s, ctx, false, false))
        .collect();
    Ok(typed(types::STREAM_LIST, List { total, offset, limit: LIST_LIMIT, streams }))
}

fn stream_purge(acc: &mut AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    let trimmed = payload.trim_ascii();
    let req: PurgeRequest = if trimmed.first().is_some_and(|&b| b == b'{' || b == b'[') {
        parse(trimmed)?
    } else {
        PurgeRequest::default()
    };
    if req.seq > 0 && req.keep > 0 {
        return Err(ApiError::new(E::BadRequest));
    }
    let s = acc.streams.get_mut(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    if s.cfg.sealed {
        return Err(ApiError::new(E::StreamSealed));
    }
    if s.cfg.deny_purge {
        return Err(ApiError::err(E::StreamPurgeFailed, "stream purge not permitted"));
    }
    let purged = if req.filter.is_empty() && req.seq == 0 && req.keep == 0 {
        s.store.purge()
    } else {
        s.store.purge_ex(&req.filter, req.seq, req.keep)
    };
    let Stream { consumers, store, .. } = s;
    for c in consumers.values_mut() {
        c.on_purge(&**store);
    }
    #[derive(Serialize)]
    struct Purged {
        success: bool,
        purged: u64,
    }
    Ok(typed(types::STREAM_PURGE, Purged { success: true, purged }))
}

fn stored_msg_json(m: &crate::store::StoredMsg) -> StoredMsgJson {
    StoredMsgJson {
        subject: m.subject.to_string(),
        seq: m.seq,
        hdrs: (!m.hdr.is_empty()).then(|| base64(&m.hdr)),
        data: (!m.msg.is_empty()).then(|| base64(&m.msg)),
        time: GoTime(m.ts),
    }
}

fn msg_get(acc: &AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Err(ApiError::new(E::BadRequest));
    }
    let req: MsgGetRequest = parse(payload)?;
    if req.batch > 0 || req.max_bytes > 0 {
        return Err(ApiError::new(E::BadRequest));
    }
    let (seq, last, next) = (req.seq, &req.last_by_subj, &req.next_by_subj);
    if (seq > 0 && !last.is_empty())
        || (seq == 0 && last.is_empty() && next.is_empty() && req.start_time.is_none())
        || (seq > 0 && req.start_time.is_some())
        || (req.start_time.is_some() && !last.is_empty())
        || (!last.is_empty() && !next.is_empty())
    {
        return Err(ApiError::new(E::BadRequest));
    }
    let s = acc.streams.get(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let m = if !last.is_empty() {
        s.store.load_last_msg(last)
    } else if !next.is_empty() {
        s.store.load_next_msg(next, seq)
    } else if let Some(t) = req.start_time {
        first_at_or_after(&*s.store, t.0)
    } else {
        s.store.load_msg(seq)
    };
    let m = m.ok_or_else(|| ApiError::new(E::NoMessageFound))?;
    #[derive(Serialize)]
    struct Get {
        message: StoredMsgJson,
    }
    Ok(typed(types::MSG_GET, Get { message: stored_msg_json(&m) }))
}

fn first_at_or_after(store: &dyn StreamStore, t: i64) -> Option<crate::store::StoredMsg> {
    let mut s = store.state().first_seq;
    loop {
        let m = store.load_next_msg("", s)?;
        if m.ts >= t {
            return Some(m);
        }
        s = m.seq + 1;
    }
}

fn msg_delete(acc: &mut AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Err(ApiError::new(E::BadRequest));
    }
    let req: MsgDeleteRequest = parse(payload)?;
    let s = acc.streams.get_mut(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    if s.cfg.sealed {
        return Err(ApiError::new(E::StreamSealed));
    }
    if s.cfg.deny_delete {
        return Err(ApiError::err(E::StreamMsgDeleteFailed, "message delete not permitted"));
    }
    // Go's file store reports a missing sequence as a store error.
    if s.cfg.storage == Storage::File {
        if req.seq > s.store.state().last_seq {
            return Err(ApiError::err(E::StreamMsgDeleteFailed, "stream store EOF"));
        }
        let removed = if req.no_erase { s.store.remove_msg(req.seq) } else { s.store.erase_msg(req.seq) };
        if !removed {
            return Err(ApiError::err(E::StreamMsgDeleteFailed, "no message found"));
        }
        return Ok(typed(types::MSG_DELETE, Success { success: true }));
    }
    // `no_erase` only changes whether a file store overwrites the bytes.
    if !s.store.remove_msg(req.seq) {
        return Err(ApiError::with(E::SequenceNotFound, "seq", req.seq));
    }
    Ok(typed(types::MSG_DELETE, Success { success: true }))
}

/// `$JS.API.DIRECT.GET.<stream>[.<subject>]`: replies with the raw message
/// and `Nats-*` headers (Go `processDirectGetRequest`).
pub(crate) fn direct_get(
    acc: &AccountJs,
    name: &str,
    last_subj: &str,
    reply: &str,
    payload: &[u8],
    out: &mut Vec<Outbound>,
) {
    let status = |line: &str| Outbound {
        subject: reply.to_string(),
        msg_subject: None,
        reply: None,
        headers: Some(Bytes::from(format!("NATS/1.0 {line}\r\n\r\n"))),
        payload: Bytes::new(),
    };
    let Some(s) = acc.streams.get(name) else { return };
    if !s.cfg.allow_direct {
        return;
    }
    let req: MsgGetRequest = if !last_subj.is_empty() {
        if !payload.trim_ascii().is_empty() {
            out.push(status("408 Bad Request"));
            return;
        }
        MsgGetRequest { last_by_subj: last_subj.to_string(), ..Default::default() }
    } else if payload.trim_ascii().is_empty() {
        out.push(status("408 Empty Request"));
        return;
    } else {
        match parse(payload) {
            Ok(r) => r,
            Err(_) => {
                out.push(status("408 Malformed Request"));
                return;
            }
        }
    };
    if !req.multi_last.is_empty() {
        direct_get_multi(s, &req, reply, out);
        return;
    }
    if req.seq == 0 && req.last_by_subj.is_empty() && req.next_by_subj.is_empty() && req.start_time.is_none() {
        out.push(status("408 Bad Request"));
        return;
    }
    let store = &*s.store;
    let one = |m: &crate::store::StoredMsg, extra: &str| -> Outbound {
        let mut h = if m.hdr.is_empty() || req.no_hdr {
            String::from("NATS/1.0\r\n")
        } else {
            String::from_utf8_lossy(&m.hdr[..m.hdr.len().saturating_sub(2)]).into_owned()
        };
        h.push_str(&format!(
            "Nats-Stream: {}\r\nNats-Subject: {}\r\nNats-Sequence: {}\r\nNats-Time-Stamp: {}\r\n{extra}\r\n",
            s.cfg.name,
            m.subject,
            m.seq,
            crate::gotime::format_rfc3339(m.ts)
        ));
        Outbound {
            subject: reply.to_string(),
            msg_subject: None,
            reply: None,
            headers: Some(Bytes::from(h)),
            payload: m.msg.clone(),
        }
    };
    if req.batch > 0 {
        let filter = if req.next_by_subj.is_empty() { "" } else { req.next_by_subj.as_str() };
        let mut seq = if let Some(t) = req.start_time {
            first_at_or_after(store, t.0).map_or(u64::MAX, |m| m.seq)
        } else {
            req.seq.max(1)
        };
        let (mut sent, mut bytes, mut last) = (0i64, 0i64, 0u64);
        while sent < req.batch {
            let Some(m) = store.load_next_msg(filter, seq) else { break };
            let size = (m.subject.len() + m.hdr.len() + m.msg.len()) as i64;
            if req.max_bytes > 0 && sent > 0 && bytes + size > req.max_bytes {
                break;
            }
            sent += 1;
            bytes += size;
            seq = m.seq + 1;
            let pending = store.num_pending(seq, filter, false);
            out.push(one(&m, &format!("Nats-Num-Pending: {pending}\r\nNats-Last-Sequence: {last}\r\n")));
            last = m.seq;
        }
        if sent == 0 {
            out.push(status("404 Message Not Found"));
            return;
        }
        let pending = store.num_pending(seq, filter, false);
        out.push(status(&format!("204 EOB\r\nNats-Num-Pending: {pending}\r\nNats-Last-Sequence: {last}")));
        return;
    }
    let m = if !req.last_by_subj.is_empty() {
        store.load_last_msg(&req.last_by_subj)
    } else if !req.next_by_subj.is_empty() {
        store.load_next_msg(&req.next_by_subj, req.seq)
    } else if let Some(t) = req.start_time {
        first_at_or_after(store, t.0)
    } else {
        store.load_msg(req.seq)
    };
    match m {
        Some(m) => out.push(one(&m, "")),
        None => out.push(status("404 Message Not Found")),
    }
}

/// Direct get of the last message of every subject matching `multi_last`
/// (Go `getDirectMulti`), up to a sequence or time, in sequence order,
/// closed by an end-of-batch status.
/// Most subjects a multi-subject direct get answers for.
const MAX_MULTI_LAST: usize = 1024;

fn direct_get_multi(s: &Stream, req: &MsgGetRequest, reply: &str, out: &mut Vec<Outbound>) {
    let store = &*s.store;
    let mut upto = if req.up_to_seq > 0 { req.up_to_seq } else { u64::MAX };
    if let Some(t) = req.up_to_time {
        upto = match first_at_or_after(store, t.0) {
            Some(m) => upto.min(m.seq.saturating_sub(1)),
            None => upto,
        };
    }
    let status = |line: String| Outbound {
        subject: reply.to_string(),
        msg_subject: None,
        reply: None,
        headers: Some(Bytes::from(format!("NATS/1.0 {line}\r\n\r\n"))),
        payload: Bytes::new(),
    };
    // The subjects with a message at or below `upto`, from the per-subject
    // state rather than by reading every message.
    let mut subjects: BTreeMap<String, crate::store::SimpleState> = BTreeMap::new();
    for f in &req.multi_last {
        subjects.extend(store.subjects_state(f).into_iter().filter(|(_, ss)| ss.first <= upto));
    }
    // Go stream.go `getDirectMulti` (maxAllowedResponses).
    if subjects.len() > MAX_MULTI_LAST {
        out.push(status("413 Too Many Results".into()));
        return;
    }
    let mut msgs: Vec<crate::store::StoredMsg> = Vec::with_capacity(subjects.len());
    for (subject, ss) in &subjects {
        let m = if ss.last <= upto {
            store.load_msg(ss.last)
        } else {
            // The subject's last message at or below `upto`.
            let mut found = None;
            let mut seq = ss.first;
            while let Some(m) = store.load_next_msg(subject, seq) {
                if m.seq > upto {
                    break;
                }
                seq = m.seq + 1;
                found = Some(m);
            }
            found
        };
        msgs.extend(m);
    }
    if msgs.is_empty() {
        out.push(status("404 Message Not Found".into()));
        return;
    }
    msgs.sort_by_key(|m| m.seq);
    if req.batch > 0 {
        msgs.truncate(req.batch as usize);
    }
    let total = msgs.len();
    let upto_shown = if upto == u64::MAX { store.state().last_seq } else { upto };
    let mut last_seq = 0;
    for (i, m) in msgs.iter().enumerate() {
        let mut h = if m.hdr.is_empty() || req.no_hdr {
            String::from("NATS/1.0\r\n")
        } else {
            String::from_utf8_lossy(&m.hdr[..m.hdr.len().saturating_sub(2)]).into_owned()
        };
        h.push_str(&format!(
            "Nats-Stream: {}\r\nNats-Subject: {}\r\nNats-Sequence: {}\r\nNats-Time-Stamp: {}\r\nNats-Num-Pending: {}\r\nNats-UpTo-Sequence: {upto_shown}\r\n\r\n",
            s.cfg.name,
            m.subject,
            m.seq,
            crate::gotime::format_rfc3339(m.ts),
            total - i - 1
        ));
        out.push(Outbound {
            subject: reply.to_string(),
            msg_subject: None,
            reply: None,
            headers: Some(Bytes::from(h)),
            payload: m.msg.clone(),
        });
        last_seq = m.seq;
    }
    out.push(status(format!("204 EOB\r\nNats-Num-Pending: 0\r\nNats-Last-Sequence: {last_seq}")));
}

fn consumer_req_level(cfg: &ConsumerConfig) -> u32 {
    if cfg.pause_until.is_some() || !cfg.priority_groups.is_empty() {
        1
    } else {
        0
    }
}

fn consumer_create(
    acc: &mut AccountJs,
    stream: &str,
    rest: &[&str],
    legacy_durable: bool,
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Outbound>,
) -> Result<Bytes, ApiError> {
    let req: CreateConsumerRequest = parse(payload)?;
    strict(payload, CREATE_CONSUMER_FIELDS, Some(("config", CONSUMER_FIELDS)))?;
    let (consumer_name, filtered) = match rest {
        [] if legacy_durable => return Err(ApiError::new(E::ConsumerDurableNameNotInSubject)),
        [] => (String::new(), String::new()),
        [name] => (name.to_string(), String::new()),
        _ if legacy_durable => return Err(ApiError::new(E::ConsumerDurableNameNotInSubject)),
        [name, f @ ..] => (name.to_string(), f.join(".")),
    };
    if stream != req.stream_name {
        return Err(ApiError::new(E::StreamMismatch));
    }
    // A missing config is a zero config in Go, not an error.
    let mut cfg = req.config.unwrap_or_default();
    let legacy_ephemeral = rest.is_empty() && !legacy_durable;
    let consumer_name = if legacy_ephemeral { cfg.name.clone() } else { consumer_name };
    if consumer_name.contains(['\\', '/']) {
        return Err(ApiError::new(E::ConsumerNameContainsPathSeparators));
    }
    if legacy_durable {
        if cfg.durable.is_empty() {
            return Err(ApiError::new(E::ConsumerDurableNameNotSet));
        }
        if consumer_name != cfg.durable {
            return Err(ApiError::new(E::ConsumerDurableNameNotMatchSubject));
        }
        cfg.name = consumer_name.clone();
    } else if !legacy_ephemeral {
        if !cfg.durable.is_empty() && consumer_name != cfg.durable {
            return Err(ApiError::new(E::ConsumerDurableNameNotMatchSubject));
        }
        if !cfg.name.is_empty() && cfg.name != consumer_name {
            return Err(ApiError::err(E::ConsumerCreate, "consumer name in subject does not match name in request"));
        }
        cfg.name = consumer_name.clone();
    }
    if legacy_ephemeral && !cfg.durable.is_empty() {
        return Err(ApiError::new(E::ConsumerEphemeralWithDurableName));
    }
    if !filtered.is_empty() && !cfg.filter_subjects.is_empty() {
        return Err(ApiError::new(E::ConsumerMultipleFiltersNotAllowed));
    }
    if !filtered.is_empty() && cfg.filter_subject != filtered {
        return Err(ApiError::new(E::ConsumerCreateFilterSubjectMismatch));
    }
    if cfg.num_replicas > 1 {
        return Err(ApiError::new(E::StreamReplicasNotSupported));
    }
    let total_consumers: usize = acc.streams.values().map(|s| s.consumers.len()).sum();
    let s = acc.streams.get_mut(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    if let Some(existing) = s.consumers.get(&cfg.name).filter(|_| !cfg.name.is_empty()) {
        cfg.pause_until = existing.cfg.pause_until;
    }
    let level = consumer_req_level(&cfg);
    with_static_meta(&mut cfg.metadata, level);
    if req.pedantic {
        check_consumer_pedantic(&cfg, &s.cfg)?;
    }
    set_consumer_defaults(&mut cfg, &s.cfg);
    check_consumer_config(&cfg, &s.cfg).map_err(|e| {
        if e.err_code == 10052 && !e.description.starts_with("consumer name") {
            // Go wraps these in the generic consumer create error.
            ApiError::err(E::ConsumerCreate, e.description)
        } else {
            e
        }
    })?;
    let action = req.action.as_str();
    let name = if cfg.name.is_empty() { ephemeral_name() } else { cfg.name.clone() };
    if let Some(existing) = s.consumers.get_mut(&name) {
        if action == "create" && existing.cfg != cfg {
            return Err(ApiError::new(E::ConsumerAlreadyExists));
        }
        check_consumer_update(&existing.cfg, &cfg).map_err(|e| ApiError::err(E::ConsumerCreate, e))?;
        existing.cfg = cfg;
        existing.refresh_filters(&s.cfg);
        let info = consumer_info(existing, &*s.store, ctx, true);
        if let Some(env) = ctx.store {
            super::persist::save_consumer_config(s, &name, env);
        }
        s.sweep_interest_all();
        return Ok(typed(types::CONSUMER_CREATE, info));
    }
    if action == "update" {
        return Err(ApiError::new(E::ConsumerDoesNotExist));
    }
    if let Some(l) = ctx.limits.filter(|l| l.max_consumers > 0) {
        if total_consumers >= l.max_consumers as usize {
            return Err(ApiError::new(E::MaximumConsumersLimit));
        }
    }
    if s.cfg.max_consumers > 0 && s.consumers.len() as i64 >= s.cfg.max_consumers {
        return Err(ApiError::new(E::MaximumConsumersLimit));
    }
    if s.cfg.retention == Retention::Workqueue {
        if cfg.ack_policy != AckPolicy::Explicit {
            return Err(ApiError::new(E::ConsumerWqRequiresExplicitAck));
        }
        if cfg.deliver_policy != DeliverPolicy::All {
            return Err(ApiError::new(E::ConsumerWqConsumerNotDeliverAll));
        }
        let mine: Vec<&str> = if !cfg.filter_subject.is_empty() {
            vec![cfg.filter_subject.as_str()]
        } else {
            cfg.filter_subjects.iter().map(|x| x.as_str()).collect()
        };
        for o in s.consumers.values() {
            let theirs: Vec<&str> = if !o.cfg.filter_subject.is_empty() {
                vec![o.cfg.filter_subject.as_str()]
            } else {
                o.cfg.filter_subjects.iter().map(|x| x.as_str()).collect()
            };
            if mine.is_empty() || theirs.is_empty() {
                return Err(ApiError::new(if mine.is_empty() && theirs.is_empty() {
                    E::ConsumerWqMultipleUnfiltered
                } else {
                    E::ConsumerWqConsumerNotUnique
                }));
            }
            if mine.iter().any(|a| theirs.iter().any(|b| collide(a, b))) {
                return Err(ApiError::new(E::ConsumerWqConsumerNotUnique));
            }
        }
    }
    let mut c = Consumer::new(&s.cfg, &name, cfg, &*s.store, ctx.now);
    // Go answers with the state before the first delivery.
    let info = consumer_info(&c, &*s.store, ctx, true);
    c.deliver(&*s.store, ctx.now, ctx.interest, out);
    s.consumers.insert(name.clone(), c);
    if let Some(env) = ctx.store {
        super::persist::save_consumer_config(s, &name, env);
    }
    s.sweep_retention();
    Ok(typed(types::CONSUMER_CREATE, info))
}

/// Go `checkNewConsumerConfig`: what a consumer update may not change.
fn check_consumer_update(old: &ConsumerConfig, new: &ConsumerConfig) -> Result<(), &'static str> {
    if old.deliver_policy != new.deliver_policy {
        return Err("deliver policy can not be updated");
    }
    if old.mem_storage != new.mem_storage {
        return Err("storage type can not be updated");
    }
    if old.direct != new.direct {
        return Err("direct can not be updated");
    }
    if old.opt_start_seq != new.opt_start_seq {
        return Err("start sequence can not be updated");
    }
    if old.opt_start_time != new.opt_start_time {
        return Err("start time can not be updated");
    }
    if old.ack_policy != new.ack_policy {
        return Err("ack policy can not be updated");
    }
    if old.replay_policy != new.replay_policy {
        return Err("replay policy can not be updated");
    }
    if old.heartbeat != new.heartbeat {
        return Err("heart beats can not be updated");
    }
    if old.flow_control != new.flow_control {
        return Err("flow control can not be updated");
    }
    if old.deliver_subject.is_empty() && !new.deliver_subject.is_empty() {
        return Err("can not update pull consumer to push based");
    }
    if !old.deliver_subject.is_empty() && new.deliver_subject.is_empty() {
        return Err("can not update push consumer to pull based");
    }
    Ok(())
}

fn consumer_delete(acc: &mut AccountJs, stream: &str, name: &str, out: &mut Vec<Outbound>) -> Result<Bytes, ApiError> {
    let s = acc.streams.get_mut(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let mut c = s.consumers.remove(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    c.on_delete(out);
    super::persist::delete_consumer(s, name);
    s.sweep_retention();
    Ok(typed(types::CONSUMER_DELETE, Success { success: true }))
}

fn consumer_info_req(acc: &AccountJs, stream: &str, name: &str, ctx: &Ctx) -> Result<Bytes, ApiError> {
    let s = acc.streams.get(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let c = s.consumers.get(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    Ok(typed(types::CONSUMER_INFO, consumer_info(c, &*s.store, ctx, true)))
}

fn consumer_names(acc: &AccountJs, stream: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    let req: PagedRequest = parse(payload)?;
    let s = acc.streams.get(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let offset = req.offset.max(0) as usize;
    #[derive(Serialize)]
    struct Names {
        total: usize,
        offset: usize,
        limit: usize,
        consumers: Vec<String>,
    }
    let consumers = s.consumers.keys().skip(offset).take(NAMES_LIMIT).cloned().collect();
    Ok(typed(types::CONSUMER_NAMES, Names { total: s.consumers.len(), offset, limit: NAMES_LIMIT, consumers }))
}

fn consumer_list(acc: &AccountJs, stream: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let req: PagedRequest = parse(payload)?;
    let s = acc.streams.get(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let offset = req.offset.max(0) as usize;
    #[derive(Serialize)]
    struct List {
        total: usize,
        offset: usize,
        limit: usize,
        consumers: Vec<ConsumerInfo>,
    }
    let consumers =
        s.consumers.values().skip(offset).take(LIST_LIMIT).map(|c| consumer_info(c, &*s.store, ctx, false)).collect();
    Ok(typed(types::CONSUMER_LIST, List { total: s.consumers.len(), offset, limit: LIST_LIMIT, consumers }))
}

fn consumer_pause(
    acc: &mut AccountJs,
    stream: &str,
    name: &str,
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Outbound>,
) -> Result<Bytes, ApiError> {
    let req: PauseRequest = parse(payload)?;
    let s = acc.streams.get_mut(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let c = s.consumers.get_mut(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    let until = req.pause_until.filter(|t| !t.is_zero());
    c.cfg.pause_until = until;
    let level = consumer_req_level(&c.cfg);
    with_static_meta(&mut c.cfg.metadata, level);
    let remaining = until.map_or(0, |t| t.0.saturating_sub(ctx.now).max(0));
    if remaining == 0 {
        c.deliver(&*s.store, ctx.now, ctx.interest, out);
    }
    #[derive(Serialize)]
    struct Paused {
        paused: bool,
        pause_until: GoTime,
        #[serde(skip_serializing_if = "is_zero")]
        pause_remaining: i64,
    }
    fn is_zero(v: &i64) -> bool {
        *v == 0
    }
    Ok(typed(
        types::CONSUMER_PAUSE,
        Paused { paused: remaining > 0, pause_until: until.unwrap_or_default(), pause_remaining: remaining },
    ))
}
