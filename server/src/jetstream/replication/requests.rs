//! The JetStream API in a cluster: who answers which request (Go's
//! `server/jetstream_api.go` handlers in clustered mode and
//! `jsClusteredStreamRequest`, `jsClusteredStreamUpdateRequest`,
//! `jsClusteredStreamDeleteRequest`, `jsClusteredStreamPurgeRequest`,
//! `jsClusteredMsgDeleteRequest` of `server/jetstream_cluster.go`).
//!
//! Every server receives every request. The meta leader answers what
//! changes assignments (stream create, update, delete) by proposing a meta
//! entry; the answer comes from the stream's leader once the assignment is
//! applied there (a delete's from the meta leader). It also answers stream
//! names and account info. The stream's leader answers what reads or
//! changes a stream's content: info, message get, direct get, purge and
//! message delete (the last two through the stream's log), and leader
//! step-down. Everyone else stays silent, except that without any meta
//! leader the meta leader's requests fail with Go's "JetStream system
//! temporarily unavailable". Consumers in a cluster are not run by rnats
//! yet: the meta leader says so with Go's "not currently supported in
//! clustered mode".
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;

use crate::connection::deliver::Publisher;
use crate::connection::{Connection, InternalCallback, Kind, Subscription};
use crate::jetstream::api::{self, api_type_for, types};
use crate::jetstream::api_types::ConsumerConfig;
use crate::jetstream::cluster::assignment::group_peers;
use crate::jetstream::cluster::stream_op::{encode_json, op as stream_ops, DeleteMsg, Purge};
use crate::jetstream::cluster::{op, Meta};
use crate::jetstream::cluster::{CONSUMER_INFO_REQUEST_PREFIX, INFO_REQUEST_PREFIX};
use crate::jetstream::errors::{ApiError, E};
use crate::jetstream::{not_enabled, JetStream};
use crate::message::Msg;
use crate::subject::collide;

/// Go's stream replica maximum (`StreamMaxReplicas`).
const MAX_REPLICAS: usize = 5;

impl JetStream {
    /// Serves (or leaves to another server) one API request in a cluster.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn clustered_api(
        &self,
        meta: &Meta,
        account: &str,
        subject: &str,
        reply: &str,
        hdr: &[u8],
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        let system_only = ["$JS.API.META.", "$JS.API.SERVER.", "$JS.API.ACCOUNT.PURGE."];
        if system_only.iter().any(|p| subject.starts_with(p)) {
            return Vec::new();
        }
        let Some(rest) = subject.strip_prefix("$JS.API.") else { return Vec::new() };
        let view = meta.api_view();
        let toks: Vec<&str> = rest.split('.').collect();
        let kind = api_type_for(subject);
        let answer = |res: Result<Bytes, ApiError>| -> Vec<Msg> {
            match (res, kind) {
                (Ok(b), _) => vec![Msg::reply_to(reply, b)],
                (Err(e), Some(kind)) => vec![Msg::reply_to(reply, api::error_reply(kind, &e))],
                (Err(_), None) => Vec::new(),
            }
        };
        let stream_level = matches!(
            toks.as_slice(),
            ["STREAM", "INFO", _]
                | ["STREAM", "MSG", "GET", _]
                | ["STREAM", "MSG", "DELETE", _]
                | ["STREAM", "PURGE", _]
                | ["STREAM", "LEADER", "STEPDOWN", _]
                | ["DIRECT", "GET", _, ..]
        );
        if stream_level {
            return self.stream_leader_api(meta, &toks, account, subject, reply, hdr, payload, now);
        }
        let consumer_level = matches!(
            toks.as_slice(),
            ["CONSUMER", "INFO", _, _] | ["CONSUMER", "LEADER", "STEPDOWN", _, _] | ["CONSUMER", "MSG", "NEXT", _, _]
        );
        if consumer_level {
            return self.consumer_leader_api(meta, &toks, account, subject, reply, hdr, payload, now);
        }
        // The meta leader's requests.
        if !view.leader {
            return if view.leaderless { answer(Err(ApiError::new(E::ClusterNotAvail))) } else { Vec::new() };
        }
        if !self.enabled(account) {
            return not_enabled(subject, reply);
        }
        let level_err = crate::jetstream::stream::get_header(hdr, "Nats-Required-Api-Level")
            .is_some_and(|v| v.parse::<u32>().map_or(true, |l| l > api::API_LEVEL));
        if level_err && kind.is_some() {
            return answer(Err(ApiError::new(E::RequiredApiLevel)));
        }
        match toks.as_slice() {
            ["INFO"] => {
                let mut inner = self.lock();
                self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None)
            }
            ["STREAM", "CREATE", name] => match self.clustered_create(meta, account, name, subject, reply, payload) {
                Ok(()) => Vec::new(),
                Err(e) => answer(Err(e)),
            },
            ["STREAM", "UPDATE", name] => match self.clustered_update(meta, account, name, subject, reply, payload) {
                Ok(()) => Vec::new(),
                Err(e) => answer(Err(e)),
            },
            ["STREAM", "DELETE", name] => match clustered_delete(meta, account, name, subject, reply, payload) {
                Ok(()) => Vec::new(),
                Err(e) => answer(Err(e)),
            },
            ["STREAM", "LIST"] => self.clustered_list(meta, account, reply, payload, now),
            ["CONSUMER", "CREATE", stream, rest @ ..] => {
                match self.clustered_consumer_create(meta, account, stream, rest, false, subject, reply, payload, now) {
                    Ok(()) => Vec::new(),
                    Err(e) => answer(Err(e)),
                }
            }
            ["CONSUMER", "DURABLE", "CREATE", stream, rest @ ..] => {
                match self.clustered_consumer_create(meta, account, stream, rest, true, subject, reply, payload, now) {
                    Ok(()) => Vec::new(),
                    Err(e) => answer(Err(e)),
                }
            }
            ["CONSUMER", "DELETE", stream, name] => {
                match clustered_consumer_delete(meta, account, stream, name, subject, reply) {
                    Ok(()) => Vec::new(),
                    Err(e) => answer(Err(e)),
                }
            }
            ["CONSUMER", "NAMES", stream] => answer(consumer_names(meta, account, stream, payload)),
            ["CONSUMER", "PAUSE", stream, name] => {
                answer(clustered_consumer_pause(meta, account, stream, name, payload, now))
            }
            ["CONSUMER", "LIST", stream] => self.clustered_consumer_list(meta, account, stream, reply, payload, now),
            ["STREAM", "NAMES"] => {
                let all: Vec<(String, Vec<String>)> =
                    meta.stream_assignments(account).into_iter().map(|(n, sa)| (n, subjects_of(&sa))).collect();
                answer(api::stream::names_reply(&all, payload))
            }
            _ if kind.is_some() => answer(Err(ApiError::new(E::ClusterUnsupportedFeature))),
            _ => Vec::new(),
        }
    }

    /// A request about one stream's content: answered by its leader here,
    /// by the meta leader when no server has the stream, else by nobody.
    #[allow(clippy::too_many_arguments)]
    fn stream_leader_api(
        &self,
        meta: &Meta,
        toks: &[&str],
        account: &str,
        subject: &str,
        reply: &str,
        hdr: &[u8],
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        let name = match toks {
            ["DIRECT", "GET", name, ..] => *name,
            [.., name] => *name,
            [] => return Vec::new(),
        };
        let kind = api_type_for(subject);
        let fail = |e: E| match kind {
            Some(kind) => vec![Msg::reply_to(reply, api::error_reply(kind, &ApiError::new(e)))],
            None => Vec::new(),
        };
        let view = meta.api_view();
        let Some(sa) = meta.stream_assignment(account, name) else {
            if view.leader {
                return if self.enabled(account) { fail(E::StreamNotFound) } else { not_enabled(subject, reply) };
            }
            return if view.leaderless { fail(E::ClusterNotAvail) } else { Vec::new() };
        };
        // Every server of the stream is down: the meta leader says so (Go's
        // `allPeersOffline`).
        if view.leader && matches!(toks, ["STREAM", "INFO", _]) && super::all_peers_offline(meta, &sa) {
            return fail(E::StreamOffline);
        }
        let mut inner = self.lock();
        let key = (account.to_string(), name.to_string());
        let Some(g) = inner.groups.get(&key) else { return Vec::new() };
        if !g.is_leader() {
            return Vec::new();
        }
        match toks {
            ["STREAM", "INFO", _] => {
                let cluster = self.stream_cluster_info(meta, &inner, account, name);
                self.local_api(&mut inner, account, subject, reply, hdr, payload, now, cluster)
            }
            ["STREAM", "LEADER", "STEPDOWN", _] => {
                // A single replica has no group to hand over: Go says yes.
                if let Some(group) = inner.groups.get(&key).and_then(|g| g.group_handle()) {
                    match meta.stepdown_placement(group.status().peers, payload) {
                        Ok(preferred) => group.step_down(preferred),
                        Err((err_code, description)) => {
                            let e = ApiError { code: 400, err_code: err_code as u16, description };
                            return vec![Msg::reply_to(reply, api::error_reply(types::STREAM_STEPDOWN, &e))];
                        }
                    }
                }
                let body = crate::json::to_vec(&serde_json::json!({"type": types::STREAM_STEPDOWN, "success": true}));
                vec![Msg::reply_to(reply, Bytes::from(body))]
            }
            ["STREAM", "PURGE", _] => {
                let last_seq = inner
                    .accounts
                    .get(account)
                    .and_then(|a| a.streams.get(name))
                    .map_or(0, |s| s.store.state().last_seq);
                let trimmed = payload.trim_ascii();
                let request = if trimmed.first().is_some_and(|&b| b == b'{') {
                    match serde_json::from_slice::<Value>(trimmed) {
                        Ok(v) => Some(v),
                        // The local path gives Go's answer to bad JSON.
                        Err(_) => return self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None),
                    }
                } else {
                    None
                };
                let entry = Purge {
                    client: None,
                    stream: name.to_string(),
                    last_seq,
                    subject: subject.to_string(),
                    reply: reply.to_string(),
                    request,
                };
                if JetStream::propose_op(&inner.groups, account, name, encode_json(stream_ops::PURGE, &entry)) {
                    return Vec::new();
                }
                self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None)
            }
            ["STREAM", "MSG", "DELETE", _] => {
                let req: Option<Value> = serde_json::from_slice(payload).ok();
                let seq = req.as_ref().and_then(|v| v["seq"].as_u64()).unwrap_or(0);
                if seq == 0 {
                    return self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None);
                }
                let entry = DeleteMsg {
                    client: None,
                    stream: name.to_string(),
                    seq,
                    no_erase: req.as_ref().and_then(|v| v["no_erase"].as_bool()).unwrap_or(false),
                    subject: subject.to_string(),
                    reply: reply.to_string(),
                };
                if JetStream::propose_op(&inner.groups, account, name, encode_json(stream_ops::DELETE_MSG, &entry)) {
                    return Vec::new();
                }
                self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None)
            }
            _ => self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None),
        }
    }

    /// A stream list from the meta leader (Go's
    /// `jsClusteredStreamListRequest`): the infos of the streams it leads,
    /// and of the others from their leaders over `$JSC.SI`, gathered off
    /// the engine's thread for at most [`LIST_WAIT`]; streams whose leader
    /// did not answer are listed as `missing`.
    fn clustered_list(&self, meta: &Meta, account: &str, reply: &str, payload: &[u8], now: i64) -> Vec<Msg> {
        let req: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let filter = req["subject"].as_str().unwrap_or("");
        let offset = req["offset"].as_u64().unwrap_or(0) as usize;
        let names: Vec<String> = meta
            .stream_assignments(account)
            .into_iter()
            .filter(|(_, sa)| filter.is_empty() || subjects_of(sa).iter().any(|x| collide(x, filter)))
            .map(|(n, _)| n)
            .collect();
        let total = names.len();
        let page: Vec<String> = names.into_iter().skip(offset).take(api::LIST_LIMIT).collect();
        let mut inner = self.lock();
        let mut infos: Vec<(String, Bytes)> = Vec::new();
        let mut remote = Vec::new();
        for name in page {
            let leads = inner.groups.get(&(account.to_string(), name.clone())).is_some_and(|g| g.is_leader());
            let cluster = if leads { self.stream_cluster_info(meta, &inner, account, &name) } else { None };
            let local = if leads {
                self.with_ctx(&mut inner, account, now, cluster, |acc, ctx| api::stream::leader_info(acc, &name, ctx))
            } else {
                None
            };
            match local {
                Some(info) => infos.push((name, info)),
                None => remote.push(name),
            }
        }
        drop(inner);
        let head = ListHead { total, offset, account: account.to_string(), reply: reply.to_string(), stream: None };
        self.answer_list(head, infos, remote)
    }

    /// A request about one consumer: answered by its leader here; when no
    /// server has it, by the meta leader.
    #[allow(clippy::too_many_arguments)]
    fn consumer_leader_api(
        &self,
        meta: &Meta,
        toks: &[&str],
        account: &str,
        subject: &str,
        reply: &str,
        hdr: &[u8],
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        let [.., stream, name] = toks else { return Vec::new() };
        let kind = api_type_for(subject);
        let fail = |e: ApiError| match kind {
            Some(kind) => vec![Msg::reply_to(reply, api::error_reply(kind, &e))],
            None => Vec::new(),
        };
        let view = meta.api_view();
        if meta.consumer_assignment(account, stream, name).is_none() {
            if kind.is_none() {
                return Vec::new();
            }
            if view.leader {
                if !self.enabled(account) {
                    return not_enabled(subject, reply);
                }
                let missing = if meta.stream_assignment(account, stream).is_none() {
                    E::StreamNotFound
                } else {
                    E::ConsumerNotFound
                };
                return fail(ApiError::new(missing));
            }
            return if view.leaderless { fail(ApiError::new(E::ClusterNotAvail)) } else { Vec::new() };
        }
        let mut inner = self.lock();
        let key = (account.to_string(), stream.to_string(), name.to_string());
        if !inner.consumer_groups.get(&key).is_some_and(|g| g.leader) {
            return Vec::new();
        }
        match toks {
            ["CONSUMER", "INFO", ..] => {
                let cluster = self.consumer_cluster_info(meta, &inner, &key);
                self.local_api(&mut inner, account, subject, reply, hdr, payload, now, cluster)
            }
            ["CONSUMER", "LEADER", "STEPDOWN", ..] => {
                if let Some(group) = inner.consumer_groups.get(&key).and_then(|g| g.group.as_ref()) {
                    match meta.stepdown_placement(group.status().peers, payload) {
                        Ok(preferred) => group.step_down(preferred),
                        Err((err_code, description)) => {
                            return fail(ApiError { code: 400, err_code: err_code as u16, description })
                        }
                    }
                }
                let body = crate::json::to_vec(&serde_json::json!({"type": types::CONSUMER_STEPDOWN, "success": true}));
                vec![Msg::reply_to(reply, Bytes::from(body))]
            }
            _ => self.local_api(&mut inner, account, subject, reply, hdr, payload, now, None),
        }
    }

    /// Checks a consumer create against the stream's assignment, places
    /// the consumer on the stream's peers and proposes its assignment
    /// (Go's `jsClusteredConsumerRequest`).
    #[allow(clippy::too_many_arguments)]
    fn clustered_consumer_create(
        &self,
        meta: &Meta,
        account: &str,
        stream: &str,
        rest: &[&str],
        legacy_durable: bool,
        subject: &str,
        reply: &str,
        payload: &[u8],
        now: i64,
    ) -> Result<(), ApiError> {
        let Some(sa) = meta.stream_assignment(account, stream) else {
            return Err(ApiError::new(E::StreamNotFound));
        };
        let stream_cfg = api::stream::decode_config(&sa["stream"])?;
        let existing = consumer_configs(meta, account, stream);
        let (name, cfg) = {
            let mut inner = self.lock();
            self.with_ctx(&mut inner, account, now, None, |_, ctx| {
                api::consumer::dry_run_create(&stream_cfg, &existing, stream, rest, legacy_durable, payload, ctx)
            })?
        };
        let stream_peers = group_peers(&sa);
        // Nowhere to run it: every server of the stream is down.
        if super::all_peers_offline(meta, &sa) {
            return Err(ApiError::new(E::InsufficientResources));
        }
        let replicas = match usize::try_from(cfg.num_replicas).unwrap_or(0) {
            0 if cfg.durable.is_empty() => 1,
            0 => stream_peers.len(),
            r => r,
        };
        if replicas > stream_peers.len() {
            return Err(ApiError::new(E::ConsumerReplicasExceedsStream));
        }
        let prior = meta.consumer_assignment(account, stream, &name);
        let (group, peers) = match &prior {
            Some(ca) => (ca["group"]["name"].as_str().map(str::to_string), group_peers(ca)),
            None => (None, meta.pick_among(&stream_peers, replicas)),
        };
        let storage = if cfg.mem_storage || sa["group"]["store"] == "memory" { "memory" } else { "file" };
        let config = serde_json::to_value(&cfg).map_err(|e| ApiError::err(E::ConsumerCreate, e.to_string()))?;
        let created = prior.as_ref().map(|ca| ca["created"].clone());
        let ca = meta
            .new_consumer_assignment(account, stream, &name, config, &peers, storage, group, created, subject, reply);
        meta.propose(encode_json(op::ASSIGN_CONSUMER, &ca));
        Ok(())
    }

    /// A consumer list from the meta leader, gathered as a stream list is.
    fn clustered_consumer_list(
        &self,
        meta: &Meta,
        account: &str,
        stream: &str,
        reply: &str,
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        if meta.stream_assignment(account, stream).is_none() {
            let e = ApiError::new(E::StreamNotFound);
            return vec![Msg::reply_to(reply, api::error_reply(types::CONSUMER_LIST, &e))];
        }
        let req: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let offset = req["offset"].as_u64().unwrap_or(0) as usize;
        let names: Vec<String> = meta.consumer_assignments(account, stream).into_iter().map(|(n, _)| n).collect();
        let total = names.len();
        let mut inner = self.lock();
        let (mut infos, mut remote) = (Vec::new(), Vec::new());
        for name in names.into_iter().skip(offset).take(api::LIST_LIMIT) {
            match self.consumer_leader_info(meta, &mut inner, account, stream, &name, now) {
                Some(info) => infos.push((name, info)),
                None => remote.push(name),
            }
        }
        drop(inner);
        let head = ListHead {
            total,
            offset,
            account: account.to_string(),
            reply: reply.to_string(),
            stream: Some(stream.to_string()),
        };
        self.answer_list(head, infos, remote)
    }

    /// Answers a list at once when this server leads every asset on the
    /// page, else gathers the others' infos off the engine's thread.
    fn answer_list(&self, head: ListHead, infos: Vec<(String, Bytes)>, remote: Vec<String>) -> Vec<Msg> {
        if remote.is_empty() {
            return vec![Msg::reply_to(&head.reply, head.render(infos, &[]))];
        }
        let Some(meta) = self.meta.get().cloned() else { return Vec::new() };
        let spawned = std::thread::Builder::new()
            .name("jetstream-list".into())
            .spawn(move || gather_list(&meta, head, infos, remote));
        if let Err(e) = spawned {
            crate::warn!("JetStream cluster: could not gather a list: {e}");
        }
        Vec::new()
    }

    /// A consumer's info when this server leads it (what `$JSC.CI` answers).
    pub(super) fn consumer_leader_info(
        &self,
        meta: &Meta,
        inner: &mut crate::jetstream::Inner,
        account: &str,
        stream: &str,
        name: &str,
        now: i64,
    ) -> Option<Bytes> {
        let key = (account.to_string(), stream.to_string(), name.to_string());
        if !inner.consumer_groups.get(&key).is_some_and(|g| g.leader) {
            return None;
        }
        let cluster = self.consumer_cluster_info(meta, inner, &key);
        self.with_ctx(inner, account, now, cluster, |acc, ctx| api::consumer::leader_info(acc, stream, name, ctx))
    }

    /// Checks a create, picks its peers and proposes its assignment.
    fn clustered_create(
        &self,
        meta: &Meta,
        account: &str,
        name: &str,
        subject: &str,
        reply: &str,
        payload: &[u8],
    ) -> Result<(), ApiError> {
        let cfg = api::stream::check_create(name, payload)?;
        api::stream::check_cycle(&cfg, &|n| assigned_config(meta, account, n))?;
        let replicas = usize::try_from(cfg.num_replicas.max(1)).unwrap_or(1);
        if replicas > MAX_REPLICAS {
            return Err(ApiError::err(E::StreamInvalidConfig, format!("maximum replicas is {MAX_REPLICAS}")));
        }
        let existing = meta.stream_assignment(account, name);
        if let Some(osa) = &existing {
            if api::stream::decode_config(&osa["stream"]).ok().as_ref() != Some(&cfg) {
                return Err(ApiError::new(E::StreamNameExist));
            }
        }
        check_overlap(meta, account, name, &cfg.subjects)?;
        let peers = match &existing {
            Some(osa) => group_peers(osa),
            None => {
                let placement = serde_json::to_value(&cfg.placement).unwrap_or_default();
                let memory = cfg.storage == crate::jetstream::api_types::Storage::Memory;
                meta.select_peers(replicas, &placement, memory, cfg.max_bytes)
                    .map_err(|why| ApiError::err(E::ClusterNoPeers, why))?
            }
        };
        let config = serde_json::to_value(&cfg).map_err(|e| ApiError::err(E::StreamCreate, e.to_string()))?;
        let sa = meta.new_stream_assignment(
            account,
            config,
            &peers,
            existing.as_ref().and_then(|o| o["group"]["name"].as_str().map(str::to_string)),
            existing.as_ref().and_then(|o| o["sync"].as_str().map(str::to_string)),
            existing.as_ref().map(|o| o["created"].clone()),
            subject,
            reply,
        );
        meta.propose(encode_json(op::ASSIGN_STREAM, &sa));
        Ok(())
    }

    /// Checks an update against the assigned config and proposes it.
    fn clustered_update(
        &self,
        meta: &Meta,
        account: &str,
        name: &str,
        subject: &str,
        reply: &str,
        payload: &[u8],
    ) -> Result<(), ApiError> {
        let Some(mut sa) = meta.stream_assignment(account, name) else {
            return Err(ApiError::new(E::StreamNotFound));
        };
        if super::all_peers_offline(meta, &sa) {
            return Err(ApiError::new(E::StreamOffline));
        }
        let old = api::stream::decode_config(&sa["stream"])?;
        let cfg = api::stream::check_update_request(&old, name, payload, &|n| assigned_config(meta, account, n))?;
        if cfg.num_replicas.max(1) != old.num_replicas.max(1) {
            // Scaling is not run by rnats yet; Go's placement refusal first.
            let want = usize::try_from(cfg.num_replicas.max(1)).unwrap_or(1);
            let placement = serde_json::to_value(&cfg.placement).unwrap_or_default();
            let memory = cfg.storage == crate::jetstream::api_types::Storage::Memory;
            meta.select_peers(want, &placement, memory, cfg.max_bytes)
                .map_err(|why| ApiError::err(E::ClusterNoPeers, why))?;
            return Err(ApiError::new(E::ClusterUnsupportedFeature));
        }
        check_overlap(meta, account, name, &cfg.subjects)?;
        let consumers = consumer_configs(meta, account, name);
        api::stream::check_consumer_limits_update(&old, &cfg, consumers.iter().map(|(n, c)| (n.as_str(), c)))?;
        sa["stream"] = serde_json::to_value(&cfg).map_err(|e| ApiError::err(E::StreamUpdate, e.to_string()))?;
        sa["subject"] = Value::String(subject.to_string());
        sa["reply"] = Value::String(reply.to_string());
        meta.propose(encode_json(op::UPDATE_STREAM, &sa));
        Ok(())
    }
}

/// A stream's config, as the meta group assigned it.
fn assigned_config(meta: &Meta, account: &str, stream: &str) -> Option<crate::jetstream::api_types::StreamConfig> {
    meta.stream_assignment(account, stream).and_then(|sa| api::stream::decode_config(&sa["stream"]).ok())
}

/// The configs of a stream's consumers, as the meta group assigned them.
fn consumer_configs(meta: &Meta, account: &str, stream: &str) -> Vec<(String, ConsumerConfig)> {
    meta.consumer_assignments(account, stream)
        .into_iter()
        .filter_map(|(n, ca)| api::consumer::decode_config(&ca["consumer"]).ok().map(|c| (n, c)))
        .collect()
}

/// `$JS.API.CONSUMER.PAUSE` on the meta leader (Go's clustered
/// `jsConsumerPauseRequest`): the consumer's assignment is proposed again
/// with its new `pause_until`, and the answer goes out at once.
fn clustered_consumer_pause(
    meta: &Meta,
    account: &str,
    stream: &str,
    name: &str,
    payload: &[u8],
    now: i64,
) -> Result<Bytes, ApiError> {
    let until = api::consumer::pause_request(payload)?;
    if meta.stream_assignment(account, stream).is_none() {
        return Err(ApiError::new(E::StreamNotFound));
    }
    let mut ca = meta.consumer_assignment(account, stream, name).ok_or_else(|| ApiError::new(E::ConsumerNotFound))?;
    let mut cfg = api::consumer::decode_config(&ca["consumer"])?;
    api::consumer::set_pause(&mut cfg, until);
    ca["consumer"] = serde_json::to_value(&cfg).map_err(|e| ApiError::err(E::ConsumerCreate, e.to_string()))?;
    ca["reply"] = Value::String(String::new());
    meta.propose(encode_json(op::ASSIGN_CONSUMER, &ca));
    Ok(api::consumer::pause_reply(until, now))
}

/// How long the meta leader waits for stream leaders' infos.
const LIST_WAIT: Duration = Duration::from_secs(2);

/// A stream or consumer list's paging and where it goes.
struct ListHead {
    total: usize,
    offset: usize,
    account: String,
    reply: String,
    /// `None` for a stream list, else the stream whose consumers these are.
    stream: Option<String>,
}

impl ListHead {
    /// Go's `JSApiStreamListResponse` or `JSApiConsumerListResponse`, the
    /// infos sorted by name.
    fn render(&self, mut infos: Vec<(String, Bytes)>, missing: &[String]) -> Bytes {
        infos.sort_by(|a, b| a.0.cmp(&b.0));
        let (kind, field) = match self.stream {
            None => (types::STREAM_LIST, "streams"),
            Some(_) => (types::CONSUMER_LIST, "consumers"),
        };
        let mut out = format!(
            "{{\"type\":\"{kind}\",\"total\":{},\"offset\":{},\"limit\":{},\"{field}\":[",
            self.total,
            self.offset,
            api::LIST_LIMIT
        )
        .into_bytes();
        for (i, (_, info)) in infos.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(info);
        }
        out.push(b']');
        if !missing.is_empty() {
            out.extend_from_slice(b",\"missing\":");
            out.extend_from_slice(&crate::json::to_vec(&missing));
        }
        out.push(b'}');
        Bytes::from(out)
    }
}

/// Asks the leaders of `remote` streams (or consumers) for their infos over
/// `$JSC.SI` (`$JSC.CI`) and answers the list once all came or
/// [`LIST_WAIT`] passed.
fn gather_list(meta: &Meta, head: ListHead, mut infos: Vec<(String, Bytes)>, mut remote: Vec<String>) {
    let sys = meta.sys();
    let inbox = format!("$JSC.R.{}", crate::nuid::next());
    let (tx, rx) = std::sync::mpsc::channel::<Bytes>();
    let conn = Connection::new_internal(meta.next_client_id(), Kind::System, &sys.name, &sys.sublist);
    let icb: InternalCallback = Arc::new(move |msg: &Msg, _from: Option<&Arc<Connection>>| {
        let _ = tx.send(Bytes::copy_from_slice(msg.payload()));
    });
    let sub = Subscription::new_internal(&conn, &inbox, 1, icb);
    conn.add_sub(Arc::clone(&sub));
    for name in &remote {
        let subject = match &head.stream {
            None => format!("{INFO_REQUEST_PREFIX}{}.{name}", head.account),
            Some(stream) => format!("{CONSUMER_INFO_REQUEST_PREFIX}{}.{stream}.{name}", head.account),
        };
        let request = Msg::new(subject, Some(Bytes::from(inbox.clone())), Bytes::new());
        sys.publish(&request, &mut Publisher::server());
    }
    let deadline = Instant::now() + LIST_WAIT;
    while !remote.is_empty() {
        let Ok(body) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else { break };
        let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        let name = if head.stream.is_none() { v["config"]["name"].as_str() } else { v["name"].as_str() };
        let name = name.map(str::to_string);
        if let Some(pos) = name.and_then(|n| remote.iter().position(|r| *r == n)) {
            infos.push((remote.swap_remove(pos), body));
        }
    }
    conn.remove_sub(&sub);
    remote.sort();
    sys.publish(&Msg::reply_to(&head.reply, head.render(infos, &remote)), &mut Publisher::server());
}

/// Proposes a consumer's removal.
fn clustered_consumer_delete(
    meta: &Meta,
    account: &str,
    stream: &str,
    name: &str,
    subject: &str,
    reply: &str,
) -> Result<(), ApiError> {
    let Some(mut ca) = meta.consumer_assignment(account, stream, name) else {
        let missing =
            if meta.stream_assignment(account, stream).is_none() { E::StreamNotFound } else { E::ConsumerNotFound };
        return Err(ApiError::new(missing));
    };
    ca["subject"] = Value::String(subject.to_string());
    ca["reply"] = Value::String(reply.to_string());
    meta.propose(encode_json(op::REMOVE_CONSUMER, &ca));
    Ok(())
}

/// Consumer names from the assignments (Go's `JSApiConsumerNamesResponse`).
fn consumer_names(meta: &Meta, account: &str, stream: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    if meta.stream_assignment(account, stream).is_none() {
        return Err(ApiError::new(E::StreamNotFound));
    }
    let req: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let offset = req["offset"].as_u64().unwrap_or(0) as usize;
    let names: Vec<String> = meta.consumer_assignments(account, stream).into_iter().map(|(n, _)| n).collect();
    #[derive(serde::Serialize)]
    struct Names {
        #[serde(rename = "type")]
        kind: &'static str,
        total: usize,
        offset: usize,
        limit: usize,
        consumers: Vec<String>,
    }
    let total = names.len();
    let consumers = names.into_iter().skip(offset).take(api::NAMES_LIMIT).collect();
    let body = Names { kind: types::CONSUMER_NAMES, total, offset, limit: api::NAMES_LIMIT, consumers };
    Ok(Bytes::from(crate::json::to_vec(&body)))
}

/// Proposes a stream's removal.
fn clustered_delete(
    meta: &Meta,
    account: &str,
    name: &str,
    subject: &str,
    reply: &str,
    payload: &[u8],
) -> Result<(), ApiError> {
    let t = payload.trim_ascii();
    let empty = t.is_empty() || matches!(serde_json::from_slice::<Value>(t), Ok(Value::Object(m)) if m.is_empty());
    if !empty {
        return Err(ApiError::new(E::NotEmptyRequest));
    }
    let Some(mut sa) = meta.stream_assignment(account, name) else {
        return Err(ApiError::new(E::StreamNotFound));
    };
    sa["subject"] = Value::String(subject.to_string());
    sa["reply"] = Value::String(reply.to_string());
    meta.propose(encode_json(op::REMOVE_STREAM, &sa));
    Ok(())
}

/// Refuses subjects that another assigned stream of the account captures.
fn check_overlap(meta: &Meta, account: &str, name: &str, subjects: &[String]) -> Result<(), ApiError> {
    for (other, sa) in meta.stream_assignments(account) {
        if other != name && subjects.iter().any(|a| subjects_of(&sa).iter().any(|b| collide(a, b))) {
            return Err(ApiError::new(E::StreamSubjectOverlap));
        }
    }
    Ok(())
}

/// The subjects of an assigned stream's config.
fn subjects_of(sa: &Value) -> Vec<String> {
    sa["stream"]["subjects"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
