//! This server's replicas of clustered consumers (Go's
//! `server/jetstream_cluster.go`: `processConsumerAssignment`,
//! `processClusterCreateConsumer`, `monitorConsumer`,
//! `applyConsumerEntries`, `processConsumerLeaderChange`).
//!
//! A consumer assigned here lives on this server's replica of its stream.
//! Only its leader acts: it delivers, takes acks and pull requests and
//! runs the timers; the other replicas are passive (`Consumer::passive`)
//! and follow the state the leader replicates. After each round of engine
//! work the leader compares every consumer's state with what it last
//! replicated and proposes the difference as Go's ops: a delivery (op 7)
//! for each message newly pending or redelivered, and an ack (op 8) for
//! each that left pending. A follower applies them to its copy; a new
//! leader starts from that copy, so what was acknowledged stays
//! acknowledged and what was pending is redelivered.
//!
//! Unlike Go, a delivery goes out before its op is committed: a leader
//! lost in between makes its successor redeliver the message, which
//! at-least-once delivery allows.
use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value;

use crate::cluster::nrg::codec::{peer_id, Entry, EntryType};
use crate::cluster::nrg::driver::{Event, Group, Start};
use crate::cluster::nrg::engine::Timers;
use crate::jetstream::api::{self, types};
use crate::jetstream::api_types::AckPolicy;
use crate::jetstream::cluster::assignment::{group_peers, AssetChange};
use crate::jetstream::cluster::consumer_op::ConsumerOp;
use crate::jetstream::cluster::consumer_state::ConsumerState;
use crate::jetstream::cluster::stream_group::{ClusterEvent, ConsumerGroup};
use crate::jetstream::cluster::Meta;
use crate::jetstream::consumer::{Consumer, ConsumerSnapshot};
use crate::jetstream::{Inner, JetStream};
use crate::message::Msg;

/// A consumer: account, stream, name.
pub(super) type ConsumerKey = (String, String, String);

/// A replica snapshots its consumer's group after this many applied
/// entries, but not more often than every [`MIN_SNAPSHOT_GAP`], and every
/// [`SNAPSHOT_EVERY`] when it applied anything (Go's `monitorConsumer`:
/// `compactNumMin`, `minSnapDelta`, `compactInterval`).
const SNAPSHOT_ENTRIES: u64 = 1024;
const MIN_SNAPSHOT_GAP: std::time::Duration = std::time::Duration::from_secs(10);
pub(super) const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_secs(120);

impl JetStream {
    /// A consumer's assignment changed: create, update or drop the replica
    /// here, and answer the request when it is ours to.
    pub(super) fn consumer_assignment_changed(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        change: AssetChange,
        consumer: String,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let AssetChange { account, name: stream, sa: ca, removed, .. } = change;
        let key = (account.clone(), stream.clone(), consumer.clone());
        let me = peer_id(meta.server_name());
        let member = ca.as_ref().is_some_and(|ca| group_peers(ca).contains(&me));
        if !member {
            let answers = inner.consumer_groups.get(&key).map(|g| super::answers_removal(g.leader, g.group.as_ref()));
            self.drop_consumer_replica(meta, inner, &key, out);
            out.extend(super::removal_answer(meta, removed.as_ref(), answers, types::CONSUMER_DELETE));
            return;
        }
        let Some(ca) = ca else { return };
        let cfg = match api::consumer::decode_config(&ca["consumer"]) {
            Ok(c) => c,
            Err(e) => {
                crate::warn!(
                    "JetStream cluster: consumer '{account} > {stream} > {consumer}' has a config rnats cannot use: {}",
                    e.description
                );
                return;
            }
        };
        let Some(s) = inner.accounts.get_mut(&account).and_then(|a| a.streams.get_mut(&stream)) else {
            crate::warn!("JetStream cluster: consumer '{account} > {stream} > {consumer}' has no stream here");
            return;
        };
        // A Go meta leader assigns the config as asked: the server that runs
        // the consumer fills in the defaults (Go's `addConsumerWithAssignment`).
        let mut cfg = cfg;
        if cfg.name.is_empty() {
            cfg.name = consumer.clone();
        }
        crate::jetstream::consumer::set_consumer_defaults(&mut cfg, &s.cfg);
        match s.consumers.get_mut(&consumer) {
            Some(c) if c.cfg != cfg => c.update_config(cfg, &s.cfg),
            Some(_) => {}
            None => {
                let created = ca["created"].as_str().and_then(crate::gotime::parse_rfc3339).unwrap_or(now);
                let mut c = Consumer::new(&s.cfg, &consumer, cfg, &*s.store, created);
                c.passive = true;
                // A replica that comes back with its group's log takes its
                // position from the log (the leader's skip op and what
                // followed), not from its deliver policy against today's
                // stream: a deliver-new consumer must not jump over what
                // arrived while it was down.
                let group = ca["group"]["name"].as_str().unwrap_or("_");
                if meta.group_dir(group).join("peers.idx").exists() {
                    c.restore_state(&ConsumerSnapshot { sseq: 1, dseq: 1, ..Default::default() }, created, now);
                }
                s.consumers.insert(consumer.clone(), c);
            }
        }
        if !inner.consumer_groups.contains_key(&key) {
            let g = self.start_consumer_group(meta, &key, &ca, me);
            inner.consumer_groups.insert(key.clone(), g);
        }
        let leader = {
            let Some(g) = inner.consumer_groups.get_mut(&key) else { return };
            g.ca = ca.clone();
            g.leader
        };
        if let Some(c) = inner
            .accounts
            .get_mut(&account)
            .and_then(|a| a.streams.get_mut(&stream))
            .and_then(|s| s.consumers.get_mut(&consumer))
        {
            c.passive = !leader;
        }
        let reply = ca["reply"].as_str().unwrap_or("").to_string();
        if reply.is_empty() {
            return;
        }
        if leader {
            if let Some(b) = self.consumer_create_reply(meta, inner, &key, now) {
                out.push((meta.sys().name.clone(), Msg::reply_to(&reply, b)));
            }
        } else if let Some(g) = inner.consumer_groups.get_mut(&key) {
            g.pending = Some(reply);
        }
    }

    /// The group of a consumer placed here; a single replica leads at once.
    fn start_consumer_group(&self, meta: &Meta, key: &ConsumerKey, ca: &Value, me: [u8; 8]) -> ConsumerGroup {
        let peers = group_peers(ca);
        let mut g = ConsumerGroup::new(ca.clone());
        if peers.len() <= 1 {
            g.leader = true;
            return g;
        }
        let Some(sink) = self.cluster_sink.get().cloned() else { return g };
        let group_name = ca["group"]["name"].as_str().unwrap_or_default().to_string();
        let dir = meta.group_dir(&group_name);
        let existed = dir.join("peers.idx").exists();
        let start = Start {
            group: group_name,
            dir,
            id: me,
            bootstrap: peers.clone(),
            cluster_size: peers.len(),
            managed: true,
            observer: false,
            recovering: existed,
            timers: Timers::GO,
        };
        let (acc, stream, name) = key.clone();
        let events = Box::new(move |e| match e {
            Event::Committed { index, entries } => sink(ClusterEvent::Committed {
                account: acc.clone(),
                stream: stream.clone(),
                consumer: Some(name.clone()),
                index,
                entries,
            }),
            Event::Leading(on) => sink(ClusterEvent::Leading {
                account: acc.clone(),
                stream: stream.clone(),
                consumer: Some(name.clone()),
                on,
            }),
        });
        match Group::start(meta.sys(), meta.next_client_id(), start, events) {
            Ok(group) => {
                if !existed && ca["group"]["preferred"].as_str().is_some_and(|p| p.as_bytes() == me.as_slice()) {
                    group.campaign_now();
                }
                g.group = Some(group);
            }
            Err(e) => crate::error!("JetStream cluster: could not start the group of consumer {key:?}: {e}"),
        }
        g
    }

    /// Stops and removes this server's replica of a consumer; its waiting
    /// pull requests (the leader's) are ended with Go's 409.
    fn drop_consumer_replica(&self, meta: &Meta, inner: &mut Inner, key: &ConsumerKey, out: &mut Vec<(String, Msg)>) {
        if let Some(g) = inner.consumer_groups.remove(key) {
            if let Some(group) = g.group {
                group.stop();
                let _ = std::fs::remove_dir_all(meta.group_dir(g.ca["group"]["name"].as_str().unwrap_or("_")));
            }
        }
        let (account, stream, name) = key;
        if let Some(s) = inner.accounts.get_mut(account).and_then(|a| a.streams.get_mut(stream)) {
            if let Some(mut c) = s.consumers.remove(name) {
                let mut gone = Vec::new();
                c.on_delete(&mut gone);
                out.extend(gone.into_iter().map(|m| (account.clone(), m)));
                crate::jetstream::persist::delete_consumer(s, name);
            }
        }
    }

    /// This server leads a consumer now, or no longer.
    pub(super) fn consumer_leading(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        key: &ConsumerKey,
        on: bool,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let (account, stream, name) = key;
        let Some(g) = inner.consumer_groups.get_mut(key) else { return };
        g.leader = on;
        let pending = if on { g.pending.take() } else { None };
        let Some(c) = inner
            .accounts
            .get_mut(account)
            .and_then(|a| a.streams.get_mut(stream))
            .and_then(|s| s.consumers.get_mut(name))
        else {
            return;
        };
        c.passive = !on;
        if on {
            crate::info!("JetStream cluster new consumer leader for '{account} > {stream} > {name}'");
            // Pending messages are due one ack wait after their delivery,
            // as the replicated deliveries say.
            let snap = c.state_snapshot();
            let fp = c.state_fingerprint();
            // A leader of a consumer that never delivered tells its followers
            // where it starts (Go's `updateSkipped` on becoming leader), so
            // the position survives restarts and leader changes.
            let start = (snap.dseq <= 1 && snap.pending.is_empty()).then_some(snap.sseq);
            if let Some(g) = inner.consumer_groups.get_mut(key) {
                g.replicated = Some((snap, fp));
                if let (Some(sseq), Some(group)) = (start, &g.group) {
                    group.propose(ConsumerOp::Skip { sseq }.encode());
                }
            }
            if let Some(reply) = pending {
                if let Some(b) = self.consumer_create_reply(meta, inner, key, now) {
                    out.push((meta.sys().name.clone(), Msg::reply_to(&reply, b)));
                }
            }
        }
    }

    /// A create answer with the consumer's info.
    fn consumer_create_reply(&self, meta: &Meta, inner: &mut Inner, key: &ConsumerKey, now: i64) -> Option<Bytes> {
        let (account, stream, name) = key;
        let cluster = self.consumer_cluster_info(meta, inner, key);
        self.with_ctx(inner, account, now, cluster, |acc, ctx| api::consumer::assignment_reply(acc, stream, name, ctx))
    }

    /// The `cluster` of a consumer's info as its leader sees the group.
    pub(super) fn consumer_cluster_info(
        &self,
        meta: &Meta,
        inner: &Inner,
        key: &ConsumerKey,
    ) -> Option<crate::jetstream::api_types::ClusterInfo> {
        let g = inner.consumer_groups.get(key)?;
        let raft_group = g.ca["group"]["name"].as_str().map(str::to_string);
        self.group_cluster_info(meta, g.group.as_ref(), raft_group)
    }

    /// Applies what a consumer's group committed: a follower takes in its
    /// leader's deliveries and acks, and the state of a snapshot it is
    /// sent; the leader made them itself. Every replica snapshots its group
    /// now and then (see [`SNAPSHOT_ENTRIES`]).
    pub(super) fn apply_consumer_entries(&self, inner: &mut Inner, key: &ConsumerKey, index: u64, entries: &[Entry]) {
        let Some(g) = inner.consumer_groups.get_mut(key) else { return };
        if let Some(group) = &g.group {
            group.applied(index);
        }
        g.since_snapshot += entries.len() as u64;
        let snapshot_due = g.since_snapshot >= SNAPSHOT_ENTRIES && g.snapshotted.elapsed() >= MIN_SNAPSHOT_GAP;
        if !g.leader {
            let (account, stream, name) = key;
            let Some(s) = inner.accounts.get_mut(account).and_then(|a| a.streams.get_mut(stream)) else { return };
            let Some(c) = s.consumers.get_mut(name) else { return };
            let mut acked = Vec::new();
            for e in entries {
                match e.kind {
                    EntryType::Normal => {
                        if let Some(o) = ConsumerOp::decode(&e.data) {
                            apply_op(c, o, &mut acked);
                        }
                    }
                    EntryType::Snapshot => match ConsumerState::decode(&e.data) {
                        Ok(st) => {
                            let created = c.created;
                            c.restore_state(&from_state(&st), created, crate::jetstream::now_nanos());
                        }
                        Err(why) => {
                            crate::warn!("JetStream cluster: consumer {key:?} got a snapshot rnats cannot read: {why}")
                        }
                    },
                    _ => {}
                }
            }
            for seq in acked {
                s.check_retention_ack(seq);
            }
        }
        if snapshot_due {
            self.snapshot_consumer(inner, key);
        }
    }

    /// Snapshots the group of a consumer replica: its state in Go's
    /// encoding, after which the group drops its log up to there.
    pub(super) fn snapshot_consumer(&self, inner: &mut Inner, key: &ConsumerKey) {
        let (account, stream, name) = key;
        let Some(c) =
            inner.accounts.get(account).and_then(|a| a.streams.get(stream)).and_then(|s| s.consumers.get(name))
        else {
            return;
        };
        let now = crate::jetstream::now_nanos();
        let state = to_state(&c.state_snapshot(), now);
        let Some(g) = inner.consumer_groups.get_mut(key) else { return };
        let Some(group) = &g.group else { return };
        group.snapshot(state.encode(now));
        g.since_snapshot = 0;
        g.snapshotted = std::time::Instant::now();
    }

    /// Snapshots the consumer groups that applied anything for
    /// [`SNAPSHOT_EVERY`] (the engine's tick).
    pub(super) fn snapshot_consumers(&self, inner: &mut Inner) {
        let due: Vec<ConsumerKey> = inner
            .consumer_groups
            .iter()
            .filter(|(_, g)| g.group.is_some() && g.since_snapshot > 0 && g.snapshotted.elapsed() >= SNAPSHOT_EVERY)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            self.snapshot_consumer(inner, &key);
        }
    }

    /// Proposes what changed in the consumers this server leads since they
    /// were last replicated; asks the meta leader to remove a consumer that
    /// went away here (an inactive ephemeral).
    pub(crate) fn replicate_consumers(&self) {
        let Some(meta) = self.meta.get() else { return };
        let mut inner = self.lock();
        let Inner { accounts, consumer_groups, .. } = &mut *inner;
        for ((account, stream, name), g) in consumer_groups.iter_mut() {
            if !g.leader {
                continue;
            }
            let Some(s) = accounts.get(account).and_then(|a| a.streams.get(stream)) else { continue };
            let Some(c) = s.consumers.get(name) else {
                // Gone here without a meta removal: an inactive consumer.
                if g.pending.is_none() {
                    let mut ca = g.ca.clone();
                    ca["reply"] = Value::String(String::new());
                    meta.forward(crate::jetstream::cluster::stream_op::encode_json(
                        crate::jetstream::cluster::op::REMOVE_CONSUMER,
                        &ca,
                    ));
                    g.pending = Some(String::new());
                }
                continue;
            };
            let Some(group) = &g.group else { continue };
            let fp = c.state_fingerprint();
            if g.replicated.as_ref().is_some_and(|(_, old)| *old == fp) {
                continue;
            }
            let snap = c.state_snapshot();
            let old = g.replicated.as_ref().map(|(s, _)| s.clone()).unwrap_or_default();
            for o in diff(&old, &snap, c.cfg.ack_policy, crate::jetstream::now_nanos()) {
                group.propose(o.encode());
            }
            g.replicated = Some((snap, fp));
        }
    }
}

/// Go's consumer state from rnats's: the last delivered rather than the
/// next sequences, and each pending message delivered at `now` (what
/// rnats keeps is its redelivery deadline).
fn to_state(s: &ConsumerSnapshot, now: i64) -> ConsumerState {
    ConsumerState {
        delivered: (s.dseq.saturating_sub(1), s.sseq.saturating_sub(1)),
        ack_floor: (s.adflr, s.asflr),
        pending: s.pending.iter().map(|&(sseq, dseq, _)| (sseq, (dseq, now))).collect(),
        redelivered: s.pending.iter().filter(|p| p.2 > 0).map(|&(sseq, _, rc)| (sseq, rc)).collect(),
    }
}

/// rnats's consumer state from Go's.
fn from_state(st: &ConsumerState) -> ConsumerSnapshot {
    ConsumerSnapshot {
        sseq: st.delivered.1 + 1,
        dseq: st.delivered.0 + 1,
        asflr: st.ack_floor.1,
        adflr: st.ack_floor.0,
        pending: st
            .pending
            .iter()
            .map(|(&sseq, &(dseq, _))| (sseq, dseq, st.redelivered.get(&sseq).copied().unwrap_or(0)))
            .collect(),
    }
}

/// The ops that take a follower from `old` to `new` (see the module doc).
fn diff(old: &ConsumerSnapshot, new: &ConsumerSnapshot, ack: AckPolicy, now: i64) -> Vec<ConsumerOp> {
    let before: BTreeMap<u64, (u64, u64)> = old.pending.iter().map(|&(s, d, rc)| (s, (d, rc))).collect();
    let after: BTreeMap<u64, (u64, u64)> = new.pending.iter().map(|&(s, d, rc)| (s, (d, rc))).collect();
    let mut ops = Vec::new();
    for (&sseq, &(dseq, rc)) in &after {
        if before.get(&sseq) != Some(&(dseq, rc)) {
            ops.push(ConsumerOp::Delivered { dseq, sseq, dc: rc + 1, ts: now });
        }
    }
    for (&sseq, &(dseq, _)) in &before {
        if !after.contains_key(&sseq) {
            ops.push(ConsumerOp::Acked { dseq, sseq });
        }
    }
    // The delivered position moved past what pending shows (no acks, or
    // delivered and acknowledged in one go, or skipped by a filter).
    if (new.dseq, new.sseq) != (old.dseq, old.sseq) && new.dseq > 1 {
        let (dseq, sseq) = (new.dseq - 1, new.sseq - 1);
        if !after.contains_key(&sseq) {
            ops.push(ConsumerOp::Delivered { dseq, sseq, dc: 1, ts: now });
            if ack != AckPolicy::None {
                ops.push(ConsumerOp::Acked { dseq, sseq });
            }
        }
    }
    ops
}

/// Applies one of its leader's ops to a follower's consumer; `acked`
/// collects the stream sequences acknowledged.
fn apply_op(c: &mut Consumer, o: ConsumerOp, acked: &mut Vec<u64>) {
    match o {
        ConsumerOp::Delivered { dseq, sseq, dc, ts } => c.replicated_delivery(dseq, sseq, dc, ts),
        ConsumerOp::Acked { dseq, sseq } => acked.extend(c.replicated_ack(dseq, sseq, crate::jetstream::now_nanos())),
        ConsumerOp::Skip { sseq } => c.replicated_skip(sseq),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::api_types::{ConsumerConfig, StreamConfig};
    use crate::store::MemStore;

    fn consumer(ack_policy: AckPolicy) -> (Consumer, MemStore) {
        let stream = StreamConfig { name: "S".into(), subjects: vec!["s".into()], ..Default::default() };
        let store = MemStore::with_first_seq(Default::default(), 0);
        let cfg = ConsumerConfig { durable: "C".into(), ack_policy, ..Default::default() };
        (Consumer::new(&stream, "C", cfg, &store, 0), store)
    }

    fn snap(sseq: u64, dseq: u64, pending: &[(u64, u64, u64)]) -> ConsumerSnapshot {
        ConsumerSnapshot { sseq, dseq, asflr: 0, adflr: 0, pending: pending.to_vec() }
    }

    #[test]
    fn a_follower_applying_the_diff_reaches_the_leaders_state() {
        let cases = [
            (snap(1, 1, &[]), snap(4, 4, &[(1, 1, 0), (2, 2, 0), (3, 3, 0)])),
            (snap(4, 4, &[(1, 1, 0), (2, 2, 0), (3, 3, 0)]), snap(5, 5, &[(2, 2, 0), (4, 4, 0)])),
            (snap(5, 5, &[(2, 2, 0)]), snap(5, 6, &[(2, 5, 1)])),
            (snap(5, 6, &[(2, 5, 1)]), snap(9, 9, &[])),
        ];
        for (old, new) in cases {
            let (mut follower, _store) = consumer(AckPolicy::Explicit);
            follower.restore_state(&old, 0, 0);
            let mut acked = Vec::new();
            for o in diff(&old, &new, AckPolicy::Explicit, 7) {
                apply_op(&mut follower, o, &mut acked);
            }
            let got = follower.state_snapshot();
            assert_eq!((got.sseq, got.dseq, &got.pending), (new.sseq, new.dseq, &new.pending));
        }
    }

    #[test]
    fn a_snapshot_in_gos_encoding_carries_the_whole_state() {
        let s = snap(9, 7, &[(3, 2, 0), (5, 4, 2), (8, 6, 0)]);
        let s = ConsumerSnapshot { asflr: 2, adflr: 1, ..s };
        let now = 1_700_000_000_000_000_000;
        let st = ConsumerState::decode(&to_state(&s, now).encode(now)).unwrap();
        assert_eq!((st.delivered, st.ack_floor), ((6, 8), (1, 2)), "Go keeps the last delivered, not the next");
        assert_eq!(st.redelivered.into_iter().collect::<Vec<_>>(), [(5, 2)]);
        let back = from_state(&ConsumerState::decode(&to_state(&s, now).encode(now)).unwrap());
        assert_eq!((back.sseq, back.dseq, back.asflr, back.adflr, &back.pending), (9, 7, 2, 1, &s.pending));
    }

    #[test]
    fn without_acks_only_the_position_moves() {
        let (old, new) = (snap(1, 1, &[]), snap(11, 11, &[]));
        let ops = diff(&old, &new, AckPolicy::None, 7);
        assert_eq!(ops, vec![ConsumerOp::Delivered { dseq: 10, sseq: 10, dc: 1, ts: 7 }]);
        let (mut follower, _store) = consumer(AckPolicy::None);
        for o in ops {
            apply_op(&mut follower, o, &mut Vec::new());
        }
        let got = follower.state_snapshot();
        assert_eq!((got.sseq, got.dseq, got.pending.len()), (11, 11, 0));
    }
}
