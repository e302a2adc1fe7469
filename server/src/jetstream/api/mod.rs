//! `$JS.API.>` requests (Go jetstream_api.go), single-server semantics:
//! `dispatch` routes a request by subject to its family's handler (streams
//! in `stream`, consumers in `consumer`, message gets in `direct`, account
//! info and limits in `account`), wraps the handler's reply payload in an
//! `Outbound` to the request's reply subject, and adds the action and audit
//! advisories of `advisory`. Shared here: request parsing (Go's lenient and
//! strict decoding), reply encoding and Go's error reply shapes.
use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Serialize;

use super::api_types::*;
use super::errors::{ApiError, E};
use super::stream::get_header;
use super::stream::AccountJs;
use crate::message::Msg;

mod account;
mod advisory;
pub(crate) mod consumer;
mod direct;
pub(crate) mod stream;

use account::account_info;
use advisory::{action_advisories, advisory_msg, ApiAudit, Event};
use consumer::{consumer_create, consumer_delete, consumer_info_req, consumer_list, consumer_names, consumer_pause};
pub(crate) use direct::direct_get;
use direct::msg_get;
use stream::{
    msg_delete, stream_create, stream_delete, stream_info_req, stream_list, stream_names, stream_purge, stream_update,
};

/// Every API subject starts with this.
pub(crate) const API_PREFIX: &str = "$JS.API.";

/// Go `JSApiLevel`.
pub(crate) const API_LEVEL: u32 = 5;

/// Go `JSApiNamesLimit` / `JSApiListLimit` / `JSMaxSubjectDetails`.
pub(crate) const NAMES_LIMIT: usize = 1024;
pub(crate) const LIST_LIMIT: usize = 256;
const MAX_SUBJECT_DETAILS: usize = 100_000;

/// Response type names (Go `JSApi*ResponseType`).
pub(crate) mod types {
    pub(crate) const ACCOUNT_INFO: &str = "io.nats.jetstream.api.v1.account_info_response";
    pub(crate) const STREAM_CREATE: &str = "io.nats.jetstream.api.v1.stream_create_response";
    pub(crate) const STREAM_UPDATE: &str = "io.nats.jetstream.api.v1.stream_update_response";
    pub(crate) const STREAM_DELETE: &str = "io.nats.jetstream.api.v1.stream_delete_response";
    pub(crate) const STREAM_INFO: &str = "io.nats.jetstream.api.v1.stream_info_response";
    pub(crate) const STREAM_NAMES: &str = "io.nats.jetstream.api.v1.stream_names_response";
    pub(crate) const STREAM_LIST: &str = "io.nats.jetstream.api.v1.stream_list_response";
    pub(crate) const STREAM_PURGE: &str = "io.nats.jetstream.api.v1.stream_purge_response";
    pub(crate) const MSG_GET: &str = "io.nats.jetstream.api.v1.stream_msg_get_response";
    pub(crate) const MSG_DELETE: &str = "io.nats.jetstream.api.v1.stream_msg_delete_response";
    pub(crate) const STREAM_STEPDOWN: &str = "io.nats.jetstream.api.v1.stream_leader_stepdown_response";
    pub(crate) const CONSUMER_CREATE: &str = "io.nats.jetstream.api.v1.consumer_create_response";
    pub(crate) const CONSUMER_DELETE: &str = "io.nats.jetstream.api.v1.consumer_delete_response";
    pub(crate) const CONSUMER_INFO: &str = "io.nats.jetstream.api.v1.consumer_info_response";
    pub(crate) const CONSUMER_NAMES: &str = "io.nats.jetstream.api.v1.consumer_names_response";
    pub(crate) const CONSUMER_LIST: &str = "io.nats.jetstream.api.v1.consumer_list_response";
    pub(crate) const CONSUMER_PAUSE: &str = "io.nats.jetstream.api.v1.consumer_pause_response";
    pub(crate) const CONSUMER_STEPDOWN: &str = "io.nats.jetstream.api.v1.consumer_leader_stepdown_response";
    pub(crate) const CONSUMER_UNPIN: &str = "io.nats.jetstream.api.v1.consumer_unpin_response";
}

/// Context a handler needs besides the account.
pub(crate) struct Ctx<'a> {
    pub(crate) server_name: &'a str,
    pub(crate) version: &'a str,
    pub(crate) now: i64,
    pub(crate) interest: &'a dyn Fn(&str) -> bool,
    pub(crate) max_memory: i64,
    pub(crate) max_store: i64,
    /// JetStream domain, empty when none.
    pub(crate) domain: &'a str,
    /// The account's JetStream limits, if it has any.
    pub(crate) limits: Option<&'a crate::options::JsAccountLimits>,
    /// The account's name (file streams live under it).
    pub(crate) account: &'a str,
    /// Where file streams are kept; `None` keeps them in memory.
    pub(crate) store: Option<&'a crate::jetstream::persist::StoreEnv>,
    /// Clustered: the `cluster` of the stream or consumer a request names,
    /// as its group's leader reports it.
    pub(crate) stream_cluster: Option<crate::jetstream::api_types::ClusterInfo>,
    /// Clustered: the account's streams and consumers as the meta group
    /// assigns them.
    pub(crate) assets: Option<(usize, usize)>,
}

/// What an API request needs to know of the meta group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClusterView {
    pub(crate) leader: bool,
    pub(crate) leaderless: bool,
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
pub(crate) fn error_reply(kind: &str, err: &ApiError) -> Bytes {
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
        Err(e) => {
            return Err(ApiError::err(
                E::InvalidJson,
                crate::json::go_decode_error(&e, payload, crate::json::GoDecode::Decoder),
            ))
        }
    };
    serde_json::from_value(value).map_err(|e| {
        ApiError::err(E::InvalidJson, crate::json::go_decode_error(&e, payload, crate::json::GoDecode::Decoder))
    })
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

#[derive(Serialize)]
struct Success {
    success: bool,
}

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

/// Dispatches one API request. Returns the reply payload (and any extra
/// messages in `out`), or `None` when Go sends no reply at all.
pub(crate) fn dispatch(
    acc: &mut AccountJs,
    subject: &str,
    reply: &str,
    hdr: &[u8],
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Msg>,
) {
    let Some(rest) = subject.strip_prefix("$JS.API.") else { return };
    let start = out.len();
    let toks: Vec<&str> = rest.split('.').collect();
    // Go `errorOnRequiredApiLevel`: a client may demand a minimum API level.
    let level_err =
        get_header(hdr, "Nats-Required-Api-Level").is_some_and(|v| v.parse::<u32>().map_or(true, |l| l > API_LEVEL));
    if level_err {
        if let Some(kind) = api_type_for(subject) {
            acc.api_total += 1;
            acc.api_errors += 1;
            out.push(Msg::reply_to(reply, error_reply(kind, &ApiError::new(E::RequiredApiLevel))));
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
    out.push(Msg::reply_to(reply, body.clone()));
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

/// The API requests JetStream serves, by subject prefix after `$JS.API.`,
/// with the response type of each (for errors raised before dispatch). A
/// prefix ending in `.` takes further tokens. Pull requests and direct gets
/// are not here: they exist only while their consumer or stream does.
const API_ROUTES: &[(&str, &str)] = {
    use types::*;
    &[
        ("INFO", ACCOUNT_INFO),
        ("STREAM.CREATE.", STREAM_CREATE),
        ("STREAM.UPDATE.", STREAM_UPDATE),
        ("STREAM.DELETE.", STREAM_DELETE),
        ("STREAM.INFO.", STREAM_INFO),
        ("STREAM.NAMES", STREAM_NAMES),
        ("STREAM.LIST", STREAM_LIST),
        ("STREAM.PURGE.", STREAM_PURGE),
        ("STREAM.MSG.GET.", MSG_GET),
        ("STREAM.MSG.DELETE.", MSG_DELETE),
        ("CONSUMER.CREATE.", CONSUMER_CREATE),
        ("CONSUMER.DURABLE.CREATE.", CONSUMER_CREATE),
        ("CONSUMER.DELETE.", CONSUMER_DELETE),
        ("CONSUMER.INFO.", CONSUMER_INFO),
        ("CONSUMER.NAMES.", CONSUMER_NAMES),
        ("CONSUMER.LIST.", CONSUMER_LIST),
        ("CONSUMER.PAUSE.", CONSUMER_PAUSE),
        ("CONSUMER.UNPIN.", CONSUMER_UNPIN),
        ("STREAM.LEADER.STEPDOWN.", STREAM_STEPDOWN),
        ("CONSUMER.LEADER.STEPDOWN.", CONSUMER_STEPDOWN),
    ]
};

/// The response type of an API subject, for errors raised before dispatch.
pub(crate) fn api_type_for(subject: &str) -> Option<&'static str> {
    let rest = subject.strip_prefix(API_PREFIX)?;
    API_ROUTES.iter().find(|(p, _)| rest.starts_with(p)).map(|(_, t)| *t)
}

/// The subscriptions that serve the API in every account (JetStream answers
/// accounts without it with "not enabled"). The system account's meta API
/// is covered too, so that another account's request finds a responder
/// that stays silent, as Go's `$JS.API.>` import does.
pub(crate) fn api_subjects() -> Vec<String> {
    let mut subjects: Vec<String> = API_ROUTES
        .iter()
        .map(|(route, _)| match route.strip_suffix('.') {
            Some(r) => format!("{API_PREFIX}{r}.>"),
            None => format!("{API_PREFIX}{route}"),
        })
        .collect();
    subjects.extend(["META.>", "SERVER.>"].map(|r| format!("{API_PREFIX}{r}")));
    subjects
}
