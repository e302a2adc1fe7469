//! Replication: this server's replicas of clustered streams (Go's
//! `server/jetstream_cluster.go`: `processStreamAssignment`,
//! `createRaftGroup`, `monitorStream`, `applyStreamEntries`,
//! `applyStreamMsgOp`, `processStreamLeaderChange`,
//! `processClusteredInboundMsg`).
//!
//! A stream assigned to this server lives in the engine like any other,
//! beside a [`StreamGroup`]: its NRG group when it has more than one
//! replica. Every event reaches the engine on its own thread, through the
//! service's queue ([`ClusterEvent`]), so applying a committed entry and
//! serving a publish never race:
//!
//! - An assignment naming this server creates the stream (and starts its
//!   group); one that no longer names it, or a removal, deletes it.
//! - The leader of a replicated stream does not store what is published:
//!   it proposes the message (op 4, Go's encoding, `lseq` being its
//!   clustered last sequence) and stores it when the entry commits, like
//!   every replica. A message rejected when applied (a failed
//!   expectation, a duplicate) bumps the failed count (`clfs`) on every
//!   replica alike, which keeps `lseq` and sequences aligned. The pub ack
//!   goes out from the leader once the entry is applied.
//! - Purges and message deletes go through the log too (ops 5 and 6) and
//!   are answered by the leader once applied.
//! - A single replica needs no group: it leads from the start.
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

mod catchup;
mod consumers;
mod requests;

use crate::cluster::nrg::codec::{peer_id, Entry, EntryType, PeerId};
use crate::cluster::nrg::driver::{Event, Group, Start};
use crate::cluster::nrg::engine::Timers;
use crate::jetstream::api::{self, types};
use crate::jetstream::api_types::{ClusterInfo, GoTime, PeerInfo};
use crate::jetstream::cluster::assignment::{group_peers, AssetChange};
use crate::jetstream::cluster::stream_group::{ClusterEvent, ClusterSink, Groups, Routed, StreamGroup};
use crate::jetstream::cluster::stream_op::{op, DeleteMsg, DeleteRange, Purge, StreamMsg};
use crate::jetstream::cluster::{Meta, CONSUMER_INFO_REQUEST_PREFIX, INFO_REQUEST_PREFIX};
use crate::jetstream::errors::{ApiError, E};
use crate::jetstream::stream::Stream;
use crate::jetstream::{persist, Inner, JetStream};
use crate::message::Msg;

/// Most sequences one replicated delete range skips.
const MAX_DELETE_RANGE: u64 = 1 << 24;

impl JetStream {
    /// Answers `$JSC.SI.<account>.<stream>` and
    /// `$JSC.CI.<account>.<stream>.<consumer>` when this server leads the
    /// stream or consumer (Go's `jsClusteredStreamInfoRequest` and
    /// `jsClusteredConsumerInfoRequest`). A stream info request whose body
    /// is `{"state":true}` (a 2.15 group leader asking where each replica
    /// is during a migration) is answered by every replica with its peer
    /// id and stream state.
    pub(crate) fn info_request(
        &self,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        payload: &[u8],
        now: i64,
    ) -> Vec<Msg> {
        let (Some(meta), Some(reply)) = (self.meta.get(), reply.filter(|r| !r.is_empty())) else { return Vec::new() };
        if account != meta.sys().name {
            return Vec::new();
        }
        let mut inner = self.lock();
        let wants_state = serde_json::from_slice::<Value>(payload).is_ok_and(|v| v["state"] == Value::Bool(true));
        if wants_state {
            let Some((acc, name)) = subject.strip_prefix(INFO_REQUEST_PREFIX).and_then(|r| r.split_once('.')) else {
                return Vec::new();
            };
            let Some(s) = inner.accounts.get(acc).and_then(|a| a.streams.get(name)) else { return Vec::new() };
            if !inner.groups.contains_key(&(acc.to_string(), name.to_string())) {
                return Vec::new();
            }
            #[derive(serde::Serialize)]
            struct PeerState {
                peer: String,
                state: crate::jetstream::api_types::StreamStateJson,
            }
            let peer = String::from_utf8_lossy(&peer_id(meta.server_name())).into_owned();
            let body = PeerState { peer, state: api::stream::state_json(s) };
            return vec![Msg::reply_to(reply, Bytes::from(crate::json::to_vec(&body)))];
        }
        let info = if let Some(rest) = subject.strip_prefix(CONSUMER_INFO_REQUEST_PREFIX) {
            let mut toks = rest.splitn(3, '.');
            let (Some(acc), Some(stream), Some(name)) = (toks.next(), toks.next(), toks.next()) else {
                return Vec::new();
            };
            self.consumer_leader_info(meta, &mut inner, acc, stream, name, now)
        } else {
            let Some((acc, name)) = subject.strip_prefix(INFO_REQUEST_PREFIX).and_then(|r| r.split_once('.')) else {
                return Vec::new();
            };
            if !inner.groups.get(&(acc.to_string(), name.to_string())).is_some_and(|g| g.is_leader()) {
                return Vec::new();
            }
            let cluster = self.stream_cluster_info(meta, &inner, acc, name);
            self.with_ctx(&mut inner, acc, now, cluster, |a, ctx| api::stream::leader_info(a, name, ctx))
        };
        info.map(|b| Msg::reply_to(reply, b)).into_iter().collect()
    }

    /// Starts taking cluster events through `sink` (the service's queue):
    /// stream assignments from the meta group, and what stream groups
    /// commit.
    pub(crate) fn set_cluster_sink(&self, sink: ClusterSink) {
        let Some(meta) = self.meta.get() else { return };
        if self.cluster_sink.set(Arc::clone(&sink)).is_err() {
            return;
        }
        meta.set_asset_sink(Box::new(move |c| sink(ClusterEvent::Asset(c))));
    }

    /// Hands over the leadership of every stream and consumer group led
    /// here once what it proposed is committed (Go's `stepdownRaftNodes`
    /// and `transferRaftLeaders`), waiting a little for each; with `stop`,
    /// stops the groups too (shutdown; lame duck keeps them following).
    pub(crate) fn hand_over_groups(&self, stop: bool) {
        self.replicate_consumers();
        let groups: Vec<Group> = {
            let inner = self.lock();
            let streams = inner.groups.values().filter_map(|g| g.group.clone());
            streams.chain(inner.consumer_groups.values().filter_map(|g| g.group.clone())).collect()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        for g in &groups {
            if !g.status().is_leader {
                continue;
            }
            while std::time::Instant::now() < deadline {
                let st = g.status();
                if !st.is_leader || st.commit >= st.pindex {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            g.set_observer(true);
            g.step_down(None);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(250);
        while groups.iter().any(|g| g.status().is_leader) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if stop {
            for g in &groups {
                g.stop();
            }
        }
    }

    /// The server called `name` went away: the meta group and every stream
    /// group it led campaign soon.
    pub(crate) fn server_gone(&self, name: &str) {
        if let Some(meta) = self.meta.get() {
            meta.server_gone(name);
        }
        let id = peer_id(name);
        let inner = self.lock();
        let streams = inner.groups.values().filter_map(|g| g.group.as_ref());
        for group in streams.chain(inner.consumer_groups.values().filter_map(|g| g.group.as_ref())) {
            group.peer_gone(id);
        }
    }

    /// Handles one cluster event on the engine thread; returns what to
    /// publish, by account.
    pub(crate) fn cluster_event(&self, ev: ClusterEvent, now: i64) -> Vec<(String, Msg)> {
        let Some(meta) = self.meta.get() else { return Vec::new() };
        let mut inner = self.lock();
        let mut out: Vec<(String, Msg)> = Vec::new();
        match ev {
            ClusterEvent::Asset(change) => match change.consumer.clone() {
                Some(c) => self.consumer_assignment_changed(meta, &mut inner, change, c, now, &mut out),
                None => self.assignment_changed(meta, &mut inner, change, now, &mut out),
            },
            ClusterEvent::Committed { account, stream, consumer: Some(c), index, entries } => {
                self.apply_consumer_entries(&mut inner, &(account, stream, c), index, &entries);
            }
            ClusterEvent::Leading { account, stream, consumer: Some(c), on } => {
                self.consumer_leading(meta, &mut inner, &(account, stream, c), on, now, &mut out);
            }
            ClusterEvent::Committed { account, stream, consumer: None, index, entries } => {
                self.apply_committed(meta, &mut inner, &account, &stream, index, entries, now, &mut out);
            }
            ClusterEvent::SyncRequest { account, stream, inbox, body } => {
                self.sync_request(meta, &mut inner, &account, &stream, &inbox, &body, &mut out);
                return out;
            }
            ClusterEvent::CatchupAck { id, size, abort } => {
                self.catchup_ack(meta, &mut inner, id, size, abort, &mut out);
                return out;
            }
            ClusterEvent::CatchupMsg { account, stream, inbox, data, ack } => {
                self.catchup_msg(meta, &mut inner, &account, &stream, &inbox, &data, ack, now, &mut out);
                return out;
            }
            ClusterEvent::Leading { account, stream, consumer: None, on } => {
                let key = (account.clone(), stream.clone());
                let last = inner
                    .accounts
                    .get(&account)
                    .and_then(|a| a.streams.get(&stream))
                    .map_or(0, |s| s.store.state().last_seq);
                let Some(g) = inner.groups.get_mut(&key) else { return out };
                g.leader = on;
                self.leading_stream(meta, &mut inner, &account, &stream, on);
                let Some(g) = inner.groups.get_mut(&key) else { return out };
                if on && g.leader {
                    crate::info!("JetStream cluster new stream leader for '{account} > {stream}'");
                    g.clseq = last + g.clfs;
                    if let Some((kind, reply)) = g.pending.take() {
                        let body = self.info_reply(meta, &mut inner, &account, &stream, kind, now);
                        out.extend(body.map(|b| (meta.sys().name.clone(), Msg::reply_to(&reply, b))));
                    }
                }
            }
        }
        self.rebuild_index(&inner);
        out
    }

    /// A stream's assignment changed: create, update or delete the replica
    /// here, and answer the request that made the change when it is ours to.
    fn assignment_changed(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        change: AssetChange,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let AssetChange { account, name, sa, removed, .. } = change;
        let me = peer_id(meta.server_name());
        let key = (account.clone(), name.clone());
        let member = sa.as_ref().is_some_and(|sa| group_peers(sa).contains(&me));
        if !member {
            // Removed, or no longer placed here.
            let answers = inner.groups.get(&key).map(|g| answers_removal(g.leader, g.group.as_ref()));
            self.drop_replica(inner, &account, &name, out);
            out.extend(removal_answer(meta, removed.as_ref(), answers, types::STREAM_DELETE));
            return;
        }
        let Some(sa) = sa else { return };
        let cfg = match api::stream::decode_config(&sa["stream"]) {
            Ok(c) => c,
            Err(e) => {
                crate::warn!(
                    "JetStream cluster: stream '{account} > {name}' has a config rnats cannot use: {}",
                    e.description
                );
                return;
            }
        };
        let reply = sa["reply"].as_str().unwrap_or("").to_string();
        let acc = inner.accounts.entry(account.clone()).or_default();
        let created_here = !acc.streams.contains_key(&name);
        let kind = if sa["subject"].as_str().is_some_and(|s| s.contains(".UPDATE.")) {
            types::STREAM_UPDATE
        } else {
            types::STREAM_CREATE
        };
        if created_here {
            let created = sa["created"].as_str().and_then(crate::gotime::parse_rfc3339).unwrap_or(now);
            let stream = match (&self.store_env, cfg.storage) {
                (Some(env), crate::jetstream::api_types::Storage::File) => {
                    match persist::create_stream(env, &account, cfg.clone(), created) {
                        Ok(s) => s,
                        Err(e) => {
                            crate::error!("JetStream cluster: could not create stream '{account} > {name}': {e}");
                            return;
                        }
                    }
                }
                _ => Stream::new(cfg.clone(), created),
            };
            acc.streams.insert(name.clone(), stream);
        } else if let Some(s) = acc.streams.get_mut(&name) {
            if s.cfg != cfg {
                s.update_config(cfg.clone());
                persist::update_stream(s);
                let Stream { consumers, cfg, .. } = &mut *s;
                for c in consumers.values_mut() {
                    c.refresh_filters(cfg);
                }
            }
        }
        let last = acc.streams.get(&name).map_or(0, |s| s.store.state().last_seq);
        if !inner.groups.contains_key(&key) {
            let g = self.start_group(meta, &account, &name, &sa, me, last);
            inner.groups.insert(key.clone(), g);
        }
        let Some(g) = inner.groups.get_mut(&key) else { return };
        g.sa = sa;
        if reply.is_empty() {
            return;
        }
        if g.leader {
            if let Some(b) = self.info_reply(meta, inner, &account, &name, kind, now) {
                out.push((meta.sys().name.clone(), Msg::reply_to(&reply, b)));
            }
        } else {
            g.pending = Some((kind, reply));
        }
    }

    /// The group of a stream placed here; a single replica leads at once.
    fn start_group(&self, meta: &Meta, account: &str, name: &str, sa: &Value, me: PeerId, last: u64) -> StreamGroup {
        let peers = group_peers(sa);
        let group_name = sa["group"]["name"].as_str().unwrap_or_default().to_string();
        let dir = meta.group_dir(&group_name);
        let clfs_file = Some(dir.join("clfs.idx"));
        let clfs = std::fs::read_to_string(dir.join("clfs.idx")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        let mut g = StreamGroup::new(sa.clone(), last, clfs, clfs_file);
        if peers.len() <= 1 {
            g.leader = true;
            g.clfs_file = None;
            return g;
        }
        let Some(sink) = self.cluster_sink.get().cloned() else { return g };
        let existed = dir.join("peers.idx").exists();
        let start = Start {
            group: group_name.clone(),
            dir,
            id: me,
            bootstrap: peers.clone(),
            cluster_size: peers.len(),
            managed: true,
            observer: false,
            recovering: existed,
            timers: Timers::GO,
        };
        let (acc, stream) = (account.to_string(), name.to_string());
        let events = Box::new(move |e| match e {
            Event::Committed { index, entries } => sink(ClusterEvent::Committed {
                account: acc.clone(),
                stream: stream.clone(),
                consumer: None,
                index,
                entries,
            }),
            Event::Leading(on) => {
                sink(ClusterEvent::Leading { account: acc.clone(), stream: stream.clone(), consumer: None, on })
            }
        });
        match Group::start(meta.sys(), meta.next_client_id(), start, events) {
            Ok(group) => {
                // Go's preferred peer campaigns at once for a new group.
                if !existed && sa["group"]["preferred"].as_str().is_some_and(|p| p.as_bytes() == me.as_slice()) {
                    group.campaign_now();
                }
                g.group = Some(group);
            }
            Err(e) => crate::error!("JetStream cluster: could not start the group of '{account} > {name}': {e}"),
        }
        g
    }

    /// Stops and deletes this server's replica of a stream; the waiting
    /// pull requests of its consumers are ended with Go's 409.
    fn drop_replica(&self, inner: &mut Inner, account: &str, name: &str, out: &mut Vec<(String, Msg)>) {
        let consumers: Vec<_> =
            inner.consumer_groups.keys().filter(|(a, s, _)| a == account && s == name).cloned().collect();
        for key in consumers {
            if let Some(g) = inner.consumer_groups.remove(&key).and_then(|g| g.group) {
                g.stop();
            }
        }
        if let Some(g) = inner.groups.remove(&(account.to_string(), name.to_string())) {
            if let Some(group) = g.group {
                group.stop();
                if let Some(meta) = self.meta.get() {
                    let dir = meta.group_dir(g.sa["group"]["name"].as_str().unwrap_or("_"));
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
        }
        if let Some(acc) = inner.accounts.get_mut(account) {
            if let Some(mut s) = acc.streams.remove(name) {
                let mut gone = Vec::new();
                for c in s.consumers.values_mut() {
                    c.on_delete(&mut gone);
                }
                out.extend(gone.into_iter().map(|m| (account.to_string(), m)));
                persist::delete_stream(&s);
            }
        }
    }

    /// A create or update answer: the stream's info as a response of `kind`.
    fn info_reply(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        name: &str,
        kind: &'static str,
        now: i64,
    ) -> Option<Bytes> {
        let cluster = self.stream_cluster_info(meta, inner, account, name);
        let create = kind == types::STREAM_CREATE;
        self.with_ctx(inner, account, now, cluster, |acc, ctx| api::stream::assignment_reply(acc, name, ctx, create))
    }

    /// The `cluster` of a stream's info as its leader sees the group.
    pub(super) fn stream_cluster_info(
        &self,
        meta: &Meta,
        inner: &Inner,
        account: &str,
        name: &str,
    ) -> Option<ClusterInfo> {
        let g = inner.groups.get(&(account.to_string(), name.to_string()))?;
        let raft_group = g.sa["group"]["name"].as_str().map(str::to_string);
        self.group_cluster_info(meta, g.group.as_ref(), raft_group)
    }

    /// Go's `clusterInfo` of a group: its leader, and as the leader sees
    /// them, the other replicas (a single replica: this server alone).
    fn group_cluster_info(
        &self,
        meta: &Meta,
        group: Option<&Group>,
        raft_group: Option<String>,
    ) -> Option<ClusterInfo> {
        let names = meta.server_names();
        let name_of = |p: &PeerId| {
            names
                .get(p)
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| format!("Server name unknown at this time (peerID: {})", String::from_utf8_lossy(p)))
        };
        let me = peer_id(meta.server_name());
        let Some(group) = group else {
            // A single replica has no group to name (Go leaves it out).
            return Some(ClusterInfo {
                name: Some(meta.cluster_name().to_string()),
                raft_group: None,
                leader: meta.server_name().to_string(),
                leader_since: None,
                system_account: None,
                traffic_account: None,
                replicas: Vec::new(),
            });
        };
        let st = group.status();
        let leader = st.leader.map(|l| name_of(&l)).unwrap_or_default();
        let mut replicas = Vec::new();
        if st.is_leader {
            for p in st.peers.iter().filter(|p| **p != me) {
                let heard = st.heard.get(p).map(|t| t.elapsed());
                let index = st.peer_index.get(p).copied().unwrap_or(0);
                let lag = st.pindex.saturating_sub(index);
                let offline = names.get(p).is_some_and(|(_, off)| *off);
                let recent = heard.is_some_and(|h| h <= std::time::Duration::from_secs(10));
                replicas.push(PeerInfo {
                    name: name_of(p),
                    current: lag == 0 && recent,
                    offline,
                    active: heard.map_or(0, |h| h.as_nanos() as i64),
                    lag,
                    peer: String::from_utf8_lossy(p).into_owned(),
                });
            }
            replicas.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let leader_since = st
            .leader_since
            .filter(|_| st.is_leader)
            .map(|t| GoTime(t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)));
        Some(ClusterInfo {
            name: Some(meta.cluster_name().to_string()),
            raft_group,
            leader,
            leader_since,
            system_account: Some(true),
            traffic_account: Some(meta.sys().name.clone()),
            replicas,
        })
    }

    /// A message for a clustered stream: the leader of a replicated one
    /// checks it as Go's leader does (`processClusteredInboundMsg`: what
    /// it refuses, every replica would store, as Go's do), `over` saying
    /// whether it takes the account past its limits, and proposes it;
    /// other replicas leave it to their leader.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn route_publish(
        &self,
        groups: &mut Groups,
        s: &mut Stream,
        account: &str,
        subject: &str,
        reply: Option<&str>,
        hdr: &[u8],
        payload: &[u8],
        over: bool,
        now: i64,
    ) -> Routed {
        let Some(g) = groups.get_mut(&(account.to_string(), s.cfg.name.clone())) else { return Routed::Local };
        let Some(group) = &g.group else { return if g.leader { Routed::Local } else { Routed::Handled(Vec::new()) } };
        if !g.leader {
            return Routed::Handled(Vec::new());
        }
        // The clustered sequence never lags the store: a purge past the
        // end moved the last sequence without a message (Go's
        // `recalculateClusteredSeq` in `processClusteredInboundMsg`).
        let stored = s.store.state().last_seq;
        if g.clseq == 0 || g.clseq < stored + g.clfs {
            g.clseq = stored + g.clfs;
        }
        let last = g.clseq.saturating_sub(g.clfs);
        let mut ack = String::new();
        let checked = if over {
            Err(Some(ApiError::new(E::AccountResourcesExceeded)))
        } else {
            s.check_publish(subject, hdr, payload, now, last, &mut ack)
                .and_then(|()| s.check_discard_new_per_subject(subject, hdr).map_err(Some))
        };
        if let Err(e) = checked {
            let Some(reply) = reply.filter(|r| !r.is_empty() && !s.cfg.no_ack) else {
                return Routed::Handled(Vec::new());
            };
            let body = self.pub_ack(&s.cfg.name, e.as_ref(), ack);
            return Routed::Handled(vec![Msg::reply_to(reply, Bytes::from(body))]);
        }
        let m = StreamMsg {
            subject: subject.to_string(),
            reply: reply.unwrap_or("").to_string(),
            hdr: hdr.to_vec(),
            msg: payload.to_vec(),
            lseq: g.clseq,
            ts: now,
            sourced: false,
        };
        g.clseq += 1;
        s.expect_msg_id(hdr, last + 1, now);
        group.propose(m.encode());
        Routed::Handled(Vec::new())
    }

    /// Proposes a purge or message delete of a replicated stream (its
    /// leader only); `false` when the stream has a single replica, which
    /// serves the request itself.
    pub(crate) fn propose_op(groups: &Groups, account: &str, stream: &str, entry: Vec<u8>) -> bool {
        match groups.get(&(account.to_string(), stream.to_string())).and_then(|g| g.group.as_ref()) {
            Some(group) => {
                group.propose(entry);
                true
            }
            None => false,
        }
    }

    /// Applies what a stream's group committed.
    /// Stops at a message that lands past the replica's last sequence (it
    /// lacks what came before: a store that lost messages) and returns its
    /// position in `entries` and the last sequence before it, which the
    /// replica must catch up to first.
    fn apply_entries(
        &self,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        entries: &[Entry],
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) -> Option<(usize, u64)> {
        let key = (account.to_string(), stream.to_string());
        // API answers go out in the system account (`api_import`).
        let sys = self.meta.get().map(|m| m.sys().name.clone()).unwrap_or_default();
        for (at, e) in entries.iter().enumerate() {
            // Snapshots are installed by `apply_committed`.
            if e.kind != EntryType::Normal {
                continue;
            }
            let Some((&kind, body)) = e.data.split_first() else { continue };
            let leader = inner.groups.get(&key).is_some_and(|g| g.leader);
            match kind {
                op::MSG | op::COMPRESSED_MSG => match StreamMsg::decode(kind, body) {
                    Ok(m) => {
                        if let Some(before) = self.apply_msg(inner, account, stream, m, leader, now, out) {
                            return Some((at, before));
                        }
                    }
                    Err(why) => crate::warn!("JetStream cluster: '{account} > {stream}': {why}"),
                },
                op::PURGE => {
                    let Ok(p) = serde_json::from_slice::<Purge>(body) else { continue };
                    let req = p.request.as_ref().map(crate::json::to_vec).unwrap_or_default();
                    let subject = format!("$JS.API.STREAM.PURGE.{stream}");
                    let replies = self.local_api(inner, account, &subject, "_", &[], &req, now, None);
                    if leader && !p.reply.is_empty() {
                        for r in replies.into_iter().take(1) {
                            out.push((sys.clone(), Msg::reply_to(&p.reply, Bytes::copy_from_slice(r.payload()))));
                        }
                    }
                }
                op::DELETE_MSG => {
                    let Ok(d) = serde_json::from_slice::<DeleteMsg>(body) else { continue };
                    let req = serde_json::json!({"seq": d.seq, "no_erase": d.no_erase});
                    let subject = format!("$JS.API.STREAM.MSG.DELETE.{stream}");
                    let replies =
                        self.local_api(inner, account, &subject, "_", &[], &crate::json::to_vec(&req), now, None);
                    if leader && !d.reply.is_empty() {
                        for r in replies.into_iter().take(1) {
                            out.push((sys.clone(), Msg::reply_to(&d.reply, Bytes::copy_from_slice(r.payload()))));
                        }
                    }
                }
                op::DELETE_RANGE => {
                    let Ok(r) = serde_json::from_slice::<DeleteRange>(body) else { continue };
                    let Some(s) = inner.accounts.get_mut(account).and_then(|a| a.streams.get_mut(stream)) else {
                        continue;
                    };
                    // Only a range that starts right after the last message,
                    // and of a sane size: bytes from another server never
                    // make this loop run for ever.
                    let last = s.store.state().last_seq;
                    if r.first != last + 1 || r.num > MAX_DELETE_RANGE {
                        crate::warn!(
                            "JetStream cluster: '{account} > {stream}' skipped a delete range {}+{} after {last}",
                            r.first,
                            r.num
                        );
                        continue;
                    }
                    for _ in 0..r.num {
                        s.store.skip_msg(now);
                    }
                }
                op::BATCH_MSG | op::BATCH_COMMIT => {
                    crate::warn!(
                        "JetStream cluster: atomic batches are not applied by rnats yet ('{account} > {stream}')"
                    )
                }
                other => crate::debug!("JetStream cluster: stream entry op {other} ignored"),
            }
        }
        None
    }

    /// Applies one replicated message (Go's `applyStreamMsgOp`): skipped
    /// when already stored, else stored as a publish at its time, the
    /// leader answering the publisher.
    #[allow(clippy::too_many_arguments)]
    fn apply_msg(
        &self,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        m: StreamMsg,
        leader: bool,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) -> Option<u64> {
        let key = (account.to_string(), stream.to_string());
        let Inner { accounts, groups, probe, .. } = inner;
        let g = groups.get_mut(&key)?;
        let acc = accounts.get_mut(account)?;
        let s = acc.streams.get_mut(stream)?;
        let last = s.store.state().last_seq;
        if m.lseq.saturating_sub(g.clfs) < last || (m.lseq == 0 && last != 0) {
            return None;
        }
        if m.lseq.saturating_sub(g.clfs) > last {
            // The store lacks what comes before (it lost messages, or was
            // rebuilt short): storing this one would give it another
            // sequence than every other replica's. Catch up first (Go
            // refuses it with `errLastSeqMismatch`).
            crate::warn!(
                "JetStream cluster: '{account} > {stream}' expected sequence {} and got {}, catching up",
                last + g.clfs,
                m.lseq
            );
            return Some(m.lseq - g.clfs);
        }
        if m.is_skip() {
            s.store.skip_msg(now);
            return None;
        }
        let probe = probe.clone();
        let interest = |subj: &str| probe.as_ref().is_none_or(|p| p(account, subj));
        let reply = if leader { Some(m.reply.as_str()).filter(|r| !r.is_empty()) } else { None };
        let hdr = (!m.hdr.is_empty()).then_some(m.hdr.as_slice());
        let mut msgs = Vec::new();
        self.store_msg(acc, account, &m.subject, reply, hdr, &m.msg, m.ts, true, &interest, &mut msgs);
        let after = acc.streams.get(stream).map_or(last, |s| s.store.state().last_seq);
        if after == last {
            g.clfs += 1;
            if let Some(f) = &g.clfs_file {
                if let Err(e) = std::fs::write(f, g.clfs.to_string()) {
                    crate::warn!("JetStream cluster: could not keep the failed count of '{account} > {stream}': {e}");
                }
            }
        }
        // The stream's leader republishes and answers the publisher; every
        // replica delivers for the consumers it leads (passive ones send
        // nothing).
        let republish = acc.streams.get(stream).and_then(|s| s.cfg.republish.as_ref()).map(|r| r.destination.clone());
        let ours =
            |o: &Msg| leader || republish.as_deref().is_none_or(|d| !crate::subject::matches(o.subject_str(), d));
        out.extend(msgs.into_iter().filter(ours).map(|o| (account.to_string(), o)));
        None
    }
}

/// Go's `processClusterDeleteStream` and `processClusterDeleteConsumer`: a
/// removed asset's leader answers its delete, or every member when the
/// group had no leader.
pub(super) fn answers_removal(leader: bool, group: Option<&Group>) -> bool {
    leader || group.is_some_and(|g| g.status().leader.is_none())
}

/// The answer to a delete, when this server gives it: `answers` says
/// whether it held the asset and answers for it (see [`answers_removal`]);
/// the meta leader answers when every member is down.
pub(super) fn removal_answer(
    meta: &Meta,
    removed: Option<&Value>,
    answers: Option<bool>,
    kind: &str,
) -> Option<(String, Msg)> {
    let removed = removed?;
    let reply = removed["reply"].as_str().filter(|r| !r.is_empty())?;
    if answers != Some(true) && !all_offline_and_meta_leader(meta, removed) {
        return None;
    }
    let body = crate::json::to_vec(&serde_json::json!({"type": kind, "success": true}));
    Some((meta.sys().name.clone(), Msg::reply_to(reply, Bytes::from(body))))
}

/// The meta leader answers a delete when every member of the asset is down.
fn all_offline_and_meta_leader(meta: &Meta, assignment: &Value) -> bool {
    meta.is_leader() && all_peers_offline(meta, assignment)
}

/// Whether every server of an asset is down, as this server knows (Go's
/// `allPeersOffline`; this server itself is never offline).
pub(super) fn all_peers_offline(meta: &Meta, assignment: &Value) -> bool {
    let names = meta.server_names();
    let me = peer_id(meta.server_name());
    group_peers(assignment).iter().all(|p| *p != me && names.get(p).is_none_or(|(_, off)| *off))
}
