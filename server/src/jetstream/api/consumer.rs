//! Consumer requests (Go jetstream_api.go `jsConsumerCreateRequest`,
//! `jsConsumerDeleteRequest`, `jsConsumerInfoRequest`,
//! `jsConsumerNamesRequest`, `jsConsumerListRequest`,
//! `jsConsumerPauseRequest`; stream.go `addConsumerWithAction` and
//! consumer.go `checkNewConsumerConfig` for create and update): create or
//! update with Go's checks and actions, delete, info, names, lists, pause.
use bytes::Bytes;
use rand::Rng;
use serde::Serialize;

use super::*;
use crate::jetstream::consumer::{check_consumer_config, check_consumer_pedantic, set_consumer_defaults, Consumer};
use crate::jetstream::stream::Stream;
use crate::store::StreamStore;
use crate::subject::collide;

fn consumer_info(c: &Consumer, store: &dyn StreamStore, ctx: &Ctx, dynamic: bool) -> ConsumerInfo {
    let mut info = c.info(store, ctx.now);
    info.cluster = ctx.stream_cluster.clone();
    info.push_bound = c.is_push() && (ctx.interest)(&c.cfg.deliver_subject);
    if dynamic {
        info.config.metadata = with_dynamic_meta(&info.config.metadata, ctx.version);
    }
    info
}

/// Random 8-character consumer name (Go `createConsumerName`).
fn ephemeral_name() -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut r = rand::rng();
    (0..8).map(|_| CH[r.random_range(0..CH.len())] as char).collect()
}

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

fn consumer_req_level(cfg: &ConsumerConfig) -> u32 {
    if cfg.pause_until.is_some() || !cfg.priority_groups.is_empty() {
        1
    } else {
        0
    }
}

pub(super) fn consumer_create(
    acc: &mut AccountJs,
    stream: &str,
    rest: &[&str],
    legacy_durable: bool,
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Msg>,
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
    if cfg.num_replicas > 1 && ctx.assets.is_none() {
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
        existing.update_config(cfg, &s.cfg);
        let info = consumer_info(existing, &*s.store, ctx, true);
        if let Some(env) = ctx.store {
            crate::jetstream::persist::save_consumer_config(s, &name, env);
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
        crate::jetstream::persist::save_consumer_config(s, &name, env);
    }
    s.sweep_retention();
    Ok(typed(types::CONSUMER_CREATE, info))
}

/// Clustered, on the meta leader: a create checked as the single-server
/// path checks it, against a scratch copy of the stream (its config, and
/// its consumers' configs from their assignments). Returns the consumer's
/// name and its config with Go's defaults, or the error to answer.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dry_run_create(
    stream_cfg: &StreamConfig,
    existing: &[(String, ConsumerConfig)],
    stream: &str,
    rest: &[&str],
    legacy_durable: bool,
    payload: &[u8],
    ctx: &Ctx,
) -> Result<(String, ConsumerConfig), ApiError> {
    let ctx = Ctx { store: None, stream_cluster: None, ..*ctx };
    let mut acc = AccountJs::default();
    let mut s = Stream::new(stream_cfg.clone(), ctx.now);
    for (n, c) in existing {
        let consumer = Consumer::new(stream_cfg, n, c.clone(), &*s.store, ctx.now);
        s.consumers.insert(n.clone(), consumer);
    }
    acc.streams.insert(stream.to_string(), s);
    let body = consumer_create(&mut acc, stream, rest, legacy_durable, payload, &ctx, &mut Vec::new())?;
    let name = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    let cfg = acc.streams.get(stream).and_then(|s| s.consumers.get(&name)).map(|c| c.cfg.clone());
    cfg.map(|c| (name, c)).ok_or_else(|| ApiError::err(E::ConsumerCreate, "consumer was not created"))
}

/// Clustered: a consumer's info as its leader gives it for a consumer list
/// (Go's `jsClusteredConsumerInfoRequest`: the bare `ConsumerInfo`).
pub(crate) fn leader_info(acc: &AccountJs, stream: &str, name: &str, ctx: &Ctx) -> Option<Bytes> {
    let s = acc.streams.get(stream)?;
    let c = s.consumers.get(name)?;
    Some(go_json(&consumer_info(c, &*s.store, ctx, false)))
}

/// A consumer config from a consumer assignment.
pub(crate) fn decode_config(v: &serde_json::Value) -> Result<ConsumerConfig, ApiError> {
    parse(&serde_json::to_vec(v).unwrap_or_default())
}

/// Clustered: the answer to a create the consumer's leader sends once the
/// assignment is applied (Go's `processClusterCreateConsumer`).
pub(crate) fn assignment_reply(acc: &AccountJs, stream: &str, name: &str, ctx: &Ctx) -> Option<Bytes> {
    let s = acc.streams.get(stream)?;
    let c = s.consumers.get(name)?;
    Some(typed(types::CONSUMER_CREATE, consumer_info(c, &*s.store, ctx, true)))
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

pub(super) fn consumer_delete(
    acc: &mut AccountJs,
    stream: &str,
    name: &str,
    out: &mut Vec<Msg>,
) -> Result<Bytes, ApiError> {
    let s = acc.streams.get_mut(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let mut c = s.consumers.remove(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    c.on_delete(out);
    crate::jetstream::persist::delete_consumer(s, name);
    s.sweep_retention();
    Ok(typed(types::CONSUMER_DELETE, Success { success: true }))
}

pub(super) fn consumer_info_req(acc: &AccountJs, stream: &str, name: &str, ctx: &Ctx) -> Result<Bytes, ApiError> {
    let s = acc.streams.get(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let c = s.consumers.get(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    Ok(typed(types::CONSUMER_INFO, consumer_info(c, &*s.store, ctx, true)))
}

pub(super) fn consumer_names(acc: &AccountJs, stream: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
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

pub(super) fn consumer_list(acc: &AccountJs, stream: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
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

pub(super) fn consumer_pause(
    acc: &mut AccountJs,
    stream: &str,
    name: &str,
    payload: &[u8],
    ctx: &Ctx,
    out: &mut Vec<Msg>,
) -> Result<Bytes, ApiError> {
    let until = pause_request(payload)?;
    let s = acc.streams.get_mut(stream).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let c = s.consumers.get_mut(name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    set_pause(&mut c.cfg, until);
    if until.is_none_or(|t| t.0 <= ctx.now) {
        c.deliver(&*s.store, ctx.now, ctx.interest, out);
    }
    Ok(pause_reply(until, ctx.now))
}

/// The time a `CONSUMER.PAUSE` request pauses until (`None`: resume).
pub(crate) fn pause_request(payload: &[u8]) -> Result<Option<GoTime>, ApiError> {
    let req: PauseRequest = parse(payload)?;
    Ok(req.pause_until.filter(|t| !t.is_zero()))
}

/// Pauses a consumer's config until `until` (or resumes it), with the API
/// level metadata that goes with it (Go's `setStaticConsumerMetadata`).
pub(crate) fn set_pause(cfg: &mut ConsumerConfig, until: Option<GoTime>) {
    cfg.pause_until = until;
    let level = consumer_req_level(cfg);
    with_static_meta(&mut cfg.metadata, level);
}

/// Go's `JSApiConsumerPauseResponse`.
pub(crate) fn pause_reply(until: Option<GoTime>, now: i64) -> Bytes {
    let remaining = until.map_or(0, |t| t.0.saturating_sub(now).max(0));
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
    typed(
        types::CONSUMER_PAUSE,
        Paused { paused: remaining > 0, pause_until: until.unwrap_or_default(), pause_remaining: remaining },
    )
}
