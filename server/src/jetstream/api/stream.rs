//! Stream requests (Go jetstream_api.go `jsStreamCreateRequest`,
//! `jsStreamUpdateRequest`, `jsStreamDeleteRequest`, `jsStreamInfoRequest`,
//! `jsStreamNamesRequest`, `jsStreamListRequest`, `jsStreamPurgeRequest`,
//! `jsMsgDeleteRequest`): create and update with Go's config checks,
//! strict field checking and API-level metadata, info with subject and
//! deleted details, names and lists with paging, purge and message delete.
use bytes::Bytes;
use serde::Serialize;

use super::account::check_account_limits;
use super::*;
use crate::jetstream::stream::{apply_seal, check_stream_config, check_stream_config_mode, check_update, Stream};
use crate::store::StreamStore;
use crate::subject::collide;

fn stream_state_json(store: &dyn StreamStore, consumers: usize) -> StreamStateJson {
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

/// A stream's state as its info shows it (without subject or delete
/// details).
pub(crate) fn state_json(s: &Stream) -> StreamStateJson {
    stream_state_json(&*s.store, s.consumers.len())
}

pub(super) fn stream_info(s: &Stream, ctx: &Ctx, dynamic: bool, cluster: bool) -> StreamInfo {
    let mut config = s.cfg.clone();
    if dynamic {
        config.metadata = with_dynamic_meta(&config.metadata, ctx.version);
    }
    let (mirror, sources) = crate::jetstream::sourcing::info(s, &|_| None, ctx.now);
    StreamInfo {
        config,
        created: GoTime(s.created),
        state: stream_state_json(&*s.store, s.consumers.len()),
        cluster: cluster.then(|| {
            ctx.stream_cluster.clone().unwrap_or(ClusterInfo {
                name: None,
                raft_group: None,
                leader: ctx.server_name.to_string(),
                leader_since: None,
                system_account: None,
                traffic_account: None,
                replicas: Vec::new(),
            })
        }),
        mirror,
        sources,
        ts: GoTime(ctx.now),
    }
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

const STREAM_INFO_FIELDS: &[&str] = &["deleted_details", "subjects_filter", "offset"];

/// A create request's config, checked and completed as Go stores it
/// (defaults, static metadata); shared by the single-server and the
/// clustered create.
pub(crate) fn check_create(name: &str, payload: &[u8]) -> Result<StreamConfig, ApiError> {
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
    let level = stream_req_level(&cfg);
    with_static_meta(&mut cfg.metadata, level);
    Ok(cfg)
}

/// An update request's config checked against the stream's current one,
/// completed as Go stores it; shared by both modes.
pub(crate) fn check_update_request(
    old: &StreamConfig,
    name: &str,
    payload: &[u8],
    lookup: &dyn Fn(&str) -> Option<StreamConfig>,
) -> Result<StreamConfig, ApiError> {
    let cfg: StreamConfig = parse(payload)?;
    strict(payload, STREAM_FIELDS, None)?;
    if cfg.name != name {
        return Err(ApiError::new(E::StreamMismatch));
    }
    let mut cfg = check_stream_config(cfg)?;
    // Go's `checkStreamCfg` ends with the cycle check, before the update's
    // own checks.
    check_cycle(&cfg, lookup)?;
    check_update(old, &cfg)?;
    apply_seal(&mut cfg);
    let level = stream_req_level(&cfg);
    with_static_meta(&mut cfg.metadata, level);
    Ok(cfg)
}

/// Clustered: the answer to a create or update that a stream's leader
/// sends once the assignment is applied (Go's `processClusterCreateStream`
/// and `processClusterUpdateStream`).
pub(crate) fn assignment_reply(acc: &AccountJs, name: &str, ctx: &Ctx, create: bool) -> Option<Bytes> {
    let s = acc.streams.get(name)?;
    let info = stream_info(s, ctx, true, true);
    Some(if create {
        typed(types::STREAM_CREATE, Created { info, did_create: true })
    } else {
        typed(types::STREAM_UPDATE, info)
    })
}

/// Clustered: a stream's info as its leader gives it to the meta leader
/// for a stream list (Go's `jsClusteredStreamInfoRequest`: the bare
/// `StreamInfo`).
pub(crate) fn leader_info(acc: &AccountJs, name: &str, ctx: &Ctx) -> Option<Bytes> {
    acc.streams.get(name).map(|s| go_json(&stream_info(s, ctx, false, true)))
}

/// A stream config from a stream assignment (Go's JSON, decoded as a
/// request's is).
pub(crate) fn decode_config(v: &serde_json::Value) -> Result<StreamConfig, ApiError> {
    parse(&serde_json::to_vec(v).unwrap_or_default())
}

pub(super) fn stream_create(acc: &mut AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let cfg = check_create(name, payload)?;
    if cfg.num_replicas > 1 {
        return Err(ApiError::new(E::StreamReplicasNotSupported));
    }
    check_cycle(&cfg, &|n| acc.streams.get(n).map(|s| s.cfg.clone()))?;
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
        Some(env) if cfg.storage == Storage::File => {
            crate::jetstream::persist::create_stream(env, ctx.account, cfg, ctx.now)
                .map_err(|e| ApiError::err(E::StreamCreate, format!("could not create the stream's files: {e}")))?
        }
        _ => Stream::new(cfg, ctx.now),
    };
    let body = Created { info: stream_info(&s, ctx, true, false), did_create: true };
    acc.streams.insert(name.to_string(), s);
    Ok(typed(types::STREAM_CREATE, body))
}

/// Refuses a stream whose sources or mirror lead back to itself (Go's
/// cycle check in `checkStreamCfg`): a source seen before is a cycle when
/// its filter overlaps the subjects of the stream that sources it, a
/// mirror seen before always is. `lookup` finds the account's other
/// streams (the engine's, or the meta leader's assignments).
pub(crate) fn check_cycle(cfg: &StreamConfig, lookup: &dyn Fn(&str) -> Option<StreamConfig>) -> Result<(), ApiError> {
    let cycle = || Err(ApiError::err(E::StreamInvalidConfig, "detected cycle"));
    let local = |v: &serde_json::Value| v.get("external").is_none_or(|e| e.is_null());
    let mut to_visit = std::collections::VecDeque::from([cfg.clone()]);
    let mut visited: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Each stream is looked up at most once per name seen, so this ends.
    let mut steps = 0usize;
    while let Some(c) = to_visit.pop_front() {
        steps += 1;
        if steps > 10_000 {
            break;
        }
        visited.insert(c.name.clone());
        for src in c.sources.iter().flatten().filter(|s| local(s)) {
            let name = src["name"].as_str().unwrap_or_default();
            if visited.contains(name) {
                let filter = src["filter_subject"].as_str().unwrap_or_default();
                if filter.is_empty() || c.subjects.iter().any(|s| collide(s, filter)) {
                    return cycle();
                }
            } else if let Some(next) = lookup(name) {
                to_visit.push_back(next);
            }
        }
        if let Some(m) = c.mirror.as_ref().filter(|m| local(m)) {
            let name = m["name"].as_str().unwrap_or_default();
            if visited.contains(name) {
                return cycle();
            }
            if let Some(next) = lookup(name) {
                to_visit.push_back(next);
            }
        }
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

pub(super) fn stream_update(acc: &mut AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
    let cfg: StreamConfig = parse(payload)?;
    strict(payload, STREAM_FIELDS, None)?;
    if cfg.name != name {
        return Err(ApiError::new(E::StreamMismatch));
    }
    let Some(existing) = acc.streams.get(name) else {
        check_stream_config(cfg)?;
        return Err(ApiError::new(E::StreamNotFound));
    };
    let cfg = check_update_request(&existing.cfg, name, payload, &|n| acc.streams.get(n).map(|s| s.cfg.clone()))?;
    if cfg.num_replicas > 1 {
        return Err(ApiError::new(E::StreamReplicasNotSupported));
    }
    check_consumer_limits_update(&existing.cfg, &cfg, existing.consumers.iter().map(|(n, c)| (n.as_str(), &c.cfg)))?;
    check_overlap(acc, name, &cfg)?;
    check_account_limits(acc, &cfg, Some(name), ctx)?;
    let s = acc.streams.get_mut(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    s.update_config(cfg);
    crate::jetstream::persist::update_stream(s);
    let Stream { consumers, cfg, .. } = &mut *s;
    for c in consumers.values_mut() {
        c.refresh_filters(cfg);
    }
    Ok(typed(types::STREAM_UPDATE, stream_info(s, ctx, true, false)))
}

/// Refuses an update whose new consumer limits an existing consumer
/// exceeds (Go's `updateWithAdvisory`, and the meta leader's check in
/// `jsClusteredStreamUpdateRequest`).
pub(crate) fn check_consumer_limits_update<'a>(
    old: &StreamConfig,
    new: &StreamConfig,
    consumers: impl Iterator<Item = (&'a str, &'a crate::jetstream::api_types::ConsumerConfig)>,
) -> Result<(), ApiError> {
    let (threshold, pending) = (new.consumer_limits.inactive_threshold, new.consumer_limits.max_ack_pending);
    let changed = (threshold > 0 && threshold != old.consumer_limits.inactive_threshold)
        || (pending > 0 && pending != old.consumer_limits.max_ack_pending);
    if !changed {
        return Ok(());
    }
    let mut over: Vec<&str> = consumers
        .filter(|(_, c)| {
            (threshold > 0 && c.inactive_threshold > threshold) || (pending > 0 && c.max_ack_pending > pending)
        })
        .map(|(n, _)| n)
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    over.sort_unstable();
    Err(ApiError::err(E::StreamUpdate, format!("change to limits violates consumers: {}", over.join(", "))))
}

pub(super) fn stream_delete(
    acc: &mut AccountJs,
    name: &str,
    payload: &[u8],
    out: &mut Vec<Msg>,
) -> Result<Bytes, ApiError> {
    if !is_empty_request(payload) {
        return Err(ApiError::new(E::NotEmptyRequest));
    }
    let mut s = acc.streams.remove(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    for c in s.consumers.values_mut() {
        c.on_delete(out);
    }
    crate::jetstream::persist::delete_stream(&s);
    Ok(typed(types::STREAM_DELETE, Success { success: true }))
}

pub(super) fn stream_info_req(acc: &AccountJs, name: &str, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
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

pub(super) fn stream_names(acc: &AccountJs, payload: &[u8]) -> Result<Bytes, ApiError> {
    let all: Vec<(String, Vec<String>)> =
        acc.streams.iter().map(|(n, s)| (n.clone(), s.cfg.subjects.clone())).collect();
    names_reply(&all, payload)
}

/// A stream names answer from `(name, subjects)` pairs sorted by name (the
/// account's streams, or clustered, the meta leader's assignments).
pub(crate) fn names_reply(all: &[(String, Vec<String>)], payload: &[u8]) -> Result<Bytes, ApiError> {
    let req: PagedRequest = parse(payload)?;
    let filter = req.subject.as_str();
    let names: Vec<String> = all
        .iter()
        .filter(|(_, subjects)| filter.is_empty() || subjects.iter().any(|x| collide(x, filter)))
        .map(|(n, _)| n.clone())
        .collect();
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

pub(super) fn stream_list(acc: &AccountJs, payload: &[u8], ctx: &Ctx) -> Result<Bytes, ApiError> {
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

pub(super) fn stream_purge(acc: &mut AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
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

pub(super) fn msg_delete(acc: &mut AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
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
