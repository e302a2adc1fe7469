//! Stream snapshots and the `$JSC` catch-up, on the engine thread (Go's
//! `server/jetstream_cluster.go`: `monitorStream`'s `doSnapshot`,
//! `processSnapshot`, `processSnapshotDeletes`, `processCatchupMsg`,
//! `handleClusterSyncRequest`, `runCatchup`). The protocol and the state of
//! both sides are `jetstream::cluster::catchup`.
//!
//! - Every replica snapshots its group now and then: every
//!   [`SNAPSHOT_EVERY`] when it applied anything, after
//!   [`SNAPSHOT_ENTRIES`] entries, and when it becomes leader. The NRG
//!   group then drops its log up to there, and a follower behind that
//!   point gets the snapshot instead.
//! - A follower whose group commits a snapshot deletes and compacts to
//!   match it; when the snapshot's last sequence is past its own, it holds
//!   back what its group commits next and asks the leader for the rest.
//!   Each message is stored, then acked (after the store's group commit);
//!   at the end the held entries are applied.
//! - The same tick snapshots consumer groups (see `consumers`).
//! - A leader serves each request in windows of [`MAX_OUT_MSGS`] messages
//!   or [`MAX_OUT_BYTES`] unacked, a batch per engine turn.
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::cluster::nrg::codec::{Entry, EntryType};
use crate::connection::{Connection, InternalCallback};
use crate::jetstream::cluster::catchup::{
    ack_prefix, acked_size, reply_subject, Receiving, Sending, SyncRequest, SysSub, ACTIVE_WITHIN, MAX_OUT_BYTES,
    MAX_OUT_MSGS, MAX_TRIES, START_WITHIN,
};
use crate::jetstream::cluster::stream_group::{ClusterEvent, StreamGroup};
use crate::jetstream::cluster::stream_op::{encode_json, op, DeleteRange, StreamMsg};
use crate::jetstream::cluster::stream_snapshot::{merge_runs, StreamSnapshot};
use crate::jetstream::cluster::Meta;
use crate::jetstream::{Inner, JetStream};
use crate::message::Msg;
use crate::store::StreamStore;

/// How often a replica that applied anything snapshots its group (Go's
/// `compactInterval` for streams), and after how many applied entries it
/// does at once (Go's `compactNumMin`).
const SNAPSHOT_EVERY: Duration = Duration::from_secs(120);
const SNAPSHOT_ENTRIES: u64 = 65_536;

/// Most catch-up messages a leader sends to one follower per engine turn,
/// so that other streams' work is not held up.
const BATCH: usize = 1024;

/// Most sequences one catch-up gap may skip on a replica that holds
/// messages (an empty one compacts instead).
const MAX_GAP: u64 = 1 << 24;

impl JetStream {
    /// Snapshots the group of a stream replica: its state in Go's encoding.
    pub(super) fn snapshot_stream(&self, inner: &mut Inner, account: &str, stream: &str) {
        let key = (account.to_string(), stream.to_string());
        let Some(s) = inner.accounts.get(account).and_then(|a| a.streams.get(stream)) else { return };
        let Some(g) = inner.groups.get_mut(&key) else { return };
        let Some(group) = &g.group else { return };
        if g.is_catching_up() {
            return;
        }
        let snap = stream_snapshot(s.store.as_ref(), g.clfs);
        group.snapshot(snap.encode());
        g.since_snapshot = 0;
        g.snapshotted = Instant::now();
        g.snapshot_taken = true;
    }

    /// Installs a snapshot that a follower's group committed (Go's
    /// `processSnapshot`); true when a catch-up began, after which what
    /// the group commits is held back.
    pub(super) fn install_snapshot(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        data: &[u8],
        index: u64,
    ) -> bool {
        let snap = match StreamSnapshot::decode(data) {
            Ok(s) => s,
            Err(why) => {
                crate::warn!("JetStream cluster: '{account} > {stream}' got a snapshot rnats cannot read: {why}");
                return false;
            }
        };
        let key = (account.to_string(), stream.to_string());
        let Some(s) = inner.accounts.get_mut(account).and_then(|a| a.streams.get_mut(stream)) else { return false };
        let Some(g) = inner.groups.get_mut(&key) else { return false };
        let store = &mut s.store;
        let state = store.state();
        if snap.first_seq > state.first_seq {
            store.compact(snap.first_seq);
            crate::warn!(
                "Catchup for stream '{account} > {stream}' resetting first sequence: {} on catchup request",
                snap.first_seq
            );
        }
        // What the snapshot says is deleted goes here too.
        let last = store.state().last_seq;
        for &(first, num) in &snap.deleted {
            let end = first.saturating_add(num);
            let mut q = first;
            while q < end && q <= last {
                match store.load_next_msg(">", q) {
                    Some(m) if m.seq < end => {
                        store.remove_msg(m.seq);
                        q = m.seq + 1;
                    }
                    _ => break,
                }
            }
        }
        set_clfs(g, snap.failed, account, stream);
        if last >= snap.last_seq {
            return false;
        }
        let mut r = Receiving {
            snap,
            index,
            inbox: String::new(),
            sub: None,
            asked: Instant::now(),
            heard: None,
            tries: 0,
            held: Vec::new(),
        };
        self.ask_for_catchup(meta, g, &mut r, account, stream, last);
        g.receiving = Some(r);
        true
    }

    /// A replica whose store lacks the messages before the next one its
    /// group committed asks the leader for them up to `last`, holding that
    /// message and what follows (`held`, of batch `index`) until it has them.
    #[allow(clippy::too_many_arguments)]
    fn catch_up_to(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        last: u64,
        index: u64,
        held: Vec<Entry>,
    ) {
        let key = (account.to_string(), stream.to_string());
        let ours =
            inner.accounts.get(account).and_then(|a| a.streams.get(stream)).map_or(0, |s| s.store.state().last_seq);
        let Some(g) = inner.groups.get_mut(&key) else { return };
        let snap = StreamSnapshot { last_seq: last, failed: g.clfs, ..Default::default() };
        let mut r = Receiving {
            snap,
            index,
            inbox: String::new(),
            sub: None,
            asked: Instant::now(),
            heard: None,
            tries: 0,
            held: vec![(index, held)],
        };
        self.ask_for_catchup(meta, g, &mut r, account, stream, ours);
        g.receiving = Some(r);
    }

    /// Sends (again) a follower's sync request, from a fresh inbox.
    fn ask_for_catchup(&self, meta: &Meta, g: &StreamGroup, r: &mut Receiving, account: &str, stream: &str, last: u64) {
        let Some(sink) = self.cluster_sink.get().cloned() else { return };
        let Some(sync) = g.sa["sync"].as_str().filter(|s| !s.is_empty()) else {
            crate::warn!("JetStream cluster: '{account} > {stream}' has no sync subject to catch up from");
            return;
        };
        r.tries += 1;
        r.inbox = reply_subject();
        r.asked = Instant::now();
        r.heard = None;
        let (acc, name, inbox) = (account.to_string(), stream.to_string(), r.inbox.clone());
        let icb: InternalCallback = Arc::new(move |msg: &Msg, _: Option<&Arc<Connection>>| {
            sink(ClusterEvent::CatchupMsg {
                account: acc.clone(),
                stream: name.clone(),
                inbox: inbox.clone(),
                data: msg.payload().to_vec(),
                ack: msg.reply_str().filter(|r| !r.is_empty()).map(str::to_string),
            })
        });
        r.sub = Some(SysSub::new(meta.sys(), meta.next_client_id(), &r.inbox, icb));
        let req = SyncRequest {
            peer: String::from_utf8_lossy(&crate::cluster::nrg::codec::peer_id(meta.server_name())).into_owned(),
            first_seq: last + 1,
            last_seq: r.snap.last_seq,
            delete_ranges_ok: true,
            min_applied: r.index,
        };
        crate::debug!("JetStream cluster: '{account} > {stream}' catching up {}..={}", req.first_seq, req.last_seq);
        let msg = Msg::new(sync.to_string(), Some(Bytes::from(r.inbox.clone())), crate::json::to_vec(&req));
        meta.sys().publish(&msg, &mut crate::connection::deliver::Publisher::server());
    }

    /// A catch-up message for a stream this server follows (Go's
    /// `processCatchupMsg`): stored, then acked; the end of the stream
    /// finishes the catch-up or asks again.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn catchup_msg(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        inbox: &str,
        data: &[u8],
        ack: Option<String>,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let key = (account.to_string(), stream.to_string());
        let live = inner.groups.get(&key).and_then(|g| g.receiving.as_ref()).is_some_and(|r| r.inbox == inbox);
        if !live {
            return;
        }
        let sys = meta.sys().name.clone();
        if data.is_empty() {
            let last =
                inner.accounts.get(account).and_then(|a| a.streams.get(stream)).map_or(0, |s| s.store.state().last_seq);
            let Some(g) = inner.groups.get_mut(&key) else { return };
            let Some(mut r) = g.receiving.take() else { return };
            if last >= r.snap.last_seq || r.tries >= MAX_TRIES {
                if last < r.snap.last_seq {
                    crate::error!(
                        "Catchup for stream '{account} > {stream}' failed: has {last} of {} after {} tries",
                        r.snap.last_seq,
                        r.tries
                    );
                } else {
                    crate::info!("Catchup for stream '{account} > {stream}' complete");
                }
                self.apply_held(meta, inner, account, stream, r.held, now, out);
                return;
            }
            self.ask_for_catchup(meta, g, &mut r, account, stream, last);
            g.receiving = Some(r);
            return;
        }
        if let Some(r) = inner.groups.get_mut(&key).and_then(|g| g.receiving.as_mut()) {
            r.heard = Some(Instant::now());
        }
        match self.store_catchup_msg(inner, account, stream, data, now, out) {
            Ok(()) => {
                if let Some(ack) = ack {
                    out.push((sys, Msg::new(ack, None, Bytes::new())));
                }
            }
            Err(why) => {
                crate::warn!("Catchup for stream '{account} > {stream}' errored: {why}");
                if let Some(ack) = ack {
                    out.push((sys, Msg::new(ack, None, why.into_bytes())));
                }
            }
        }
    }

    /// Stores one catch-up entry at its own sequence.
    fn store_catchup_msg(
        &self,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        data: &[u8],
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) -> Result<(), String> {
        let Inner { accounts, probe, .. } = inner;
        let acc = accounts.get_mut(account).ok_or("no such account")?;
        let s = acc.streams.get_mut(stream).ok_or("stream has been stopped")?;
        let (&kind, body) = data.split_first().ok_or("bad catchup msg")?;
        let last = s.store.state().last_seq;
        if kind == op::DELETE_RANGE {
            let dr: DeleteRange = serde_json::from_slice(body).map_err(|_| "bad catchup msg")?;
            if dr.first <= last {
                return Err(format!("wrong sequence for skipped msg: {} after {last}", dr.first));
            }
            return skip_to(s.store.as_mut(), dr.first.saturating_add(dr.num), now);
        }
        if kind != op::MSG && kind != op::COMPRESSED_MSG {
            return Err(format!("bad catchup msg op {kind}"));
        }
        let m = StreamMsg::decode(kind, body)?;
        if m.lseq <= last {
            return Ok(());
        }
        skip_to(s.store.as_mut(), m.lseq, now)?;
        if m.is_skip() {
            s.store.skip_msg(now);
            return Ok(());
        }
        let probe = probe.clone();
        let interest = |subj: &str| probe.as_ref().is_none_or(|p| p(account, subj));
        let hdr = (!m.hdr.is_empty()).then_some(m.hdr.as_slice());
        let mut msgs = Vec::new();
        self.store_msg(acc, account, &m.subject, None, hdr, &m.msg, m.ts, true, &interest, &mut msgs);
        let Some(s) = acc.streams.get_mut(stream) else { return Ok(()) };
        if s.store.state().last_seq < m.lseq {
            // Refused here (a limit this replica sees differently): keep the
            // sequence so the next message still lines up.
            s.store.skip_msg(now);
        }
        out.extend(msgs.into_iter().map(|o| (account.to_string(), o)));
        Ok(())
    }

    /// Applies what a group committed while its replica caught up, then
    /// tells the group how far that got.
    #[allow(clippy::too_many_arguments)]
    fn apply_held(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        held: Vec<(u64, Vec<Entry>)>,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let key = (account.to_string(), stream.to_string());
        let mut held = held.into_iter();
        while let Some((index, entries)) = held.next() {
            self.apply_committed(meta, inner, account, stream, index, entries, now, out);
            if let Some(r) = inner.groups.get_mut(&key).and_then(|g| g.receiving.as_mut()) {
                // Another snapshot began another catch-up: the rest waits.
                r.held.extend(held);
                return;
            }
        }
    }

    /// Applies one batch a stream's group committed, or holds it while the
    /// replica catches up; a snapshot in it may begin a catch-up, which
    /// holds the rest of the batch.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_committed(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        index: u64,
        entries: Vec<Entry>,
        now: i64,
        out: &mut Vec<(String, Msg)>,
    ) {
        let key = (account.to_string(), stream.to_string());
        if let Some(r) = inner.groups.get_mut(&key).and_then(|g| g.receiving.as_mut()) {
            r.held.push((index, entries));
            return;
        }
        let n = entries.len() as u64;
        let mut rest = entries;
        loop {
            // Everything before the next snapshot, then the snapshot.
            let upto = rest.iter().position(|e| e.kind == EntryType::Snapshot).unwrap_or(rest.len());
            let tail = rest.split_off(upto);
            if let Some((at, before)) = self.apply_entries(inner, account, stream, &rest, now, out) {
                let mut held = rest.split_off(at);
                held.extend(tail);
                self.catch_up_to(meta, inner, account, stream, before, index, held);
                return;
            }
            let mut tail = tail.into_iter();
            let Some(snap) = tail.next() else { break };
            rest = tail.collect();
            if self.install_snapshot(meta, inner, account, stream, &snap.data, index) {
                if let Some(r) = inner.groups.get_mut(&key).and_then(|g| g.receiving.as_mut()) {
                    r.held.push((index, rest));
                }
                return;
            }
        }
        let Some(g) = inner.groups.get_mut(&key) else { return };
        if let Some(group) = &g.group {
            group.applied(index);
        }
        g.since_snapshot += n;
        if g.since_snapshot >= SNAPSHOT_ENTRIES {
            self.snapshot_stream(inner, account, stream);
        }
    }

    /// Leading a stream's group or not: takes followers' sync requests
    /// while leading (Go's `startClusterSubs`).
    pub(super) fn leading_stream(&self, meta: &Meta, inner: &mut Inner, account: &str, stream: &str, on: bool) {
        let key = (account.to_string(), stream.to_string());
        let Some(g) = inner.groups.get_mut(&key) else { return };
        g.sync_sub = None;
        if !on {
            return;
        }
        if g.is_catching_up() {
            // Go's leader never catches up: someone else leads meanwhile.
            if let Some(group) = &g.group {
                group.step_down(None);
            }
            return;
        }
        let (Some(sink), Some(sync)) = (self.cluster_sink.get().cloned(), g.sa["sync"].as_str()) else { return };
        if g.group.is_some() {
            let (acc, name) = (account.to_string(), stream.to_string());
            let icb: InternalCallback = Arc::new(move |msg: &Msg, _: Option<&Arc<Connection>>| {
                let Some(inbox) = msg.reply_str().filter(|r| !r.is_empty()) else { return };
                sink(ClusterEvent::SyncRequest {
                    account: acc.clone(),
                    stream: name.clone(),
                    inbox: inbox.to_string(),
                    body: msg.payload().to_vec(),
                })
            });
            g.sync_sub = Some(SysSub::new(meta.sys(), meta.next_client_id(), sync, icb));
        }
        // A new leader compacts its log once (Go's `NeedSnapshot` on a
        // leader change).
        if !g.snapshot_taken && g.since_snapshot > 0 {
            self.snapshot_stream(inner, account, stream);
        }
    }

    /// A follower's sync request (Go's `handleClusterSyncRequest`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sync_request(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        account: &str,
        stream: &str,
        inbox: &str,
        body: &[u8],
        out: &mut Vec<(String, Msg)>,
    ) {
        let Ok(req) = serde_json::from_slice::<SyncRequest>(body) else {
            crate::warn!("JetStream cluster: '{account} > {stream}' got a sync request rnats cannot read");
            return;
        };
        let key = (account.to_string(), stream.to_string());
        let Some(s) = inner.accounts.get(account).and_then(|a| a.streams.get(stream)) else { return };
        let Some(g) = inner.groups.get(&key).filter(|g| g.leader) else { return };
        let state = s.store.state();
        if state.last_seq < req.last_seq {
            crate::warn!(
                "Catchup for stream '{account} > {stream}' skipped, requested sequence {} was larger than current state: {}",
                req.last_seq,
                state.last_seq
            );
            if let Some(group) = &g.group {
                group.step_down(None);
            }
            return;
        }
        let Some(sink) = self.cluster_sink.get().cloned() else { return };
        let id = rand::random::<u64>();
        let prefix = ack_prefix();
        let icb: InternalCallback = Arc::new(move |msg: &Msg, _: Option<&Arc<Connection>>| {
            let abort = (!msg.payload().is_empty()).then(|| String::from_utf8_lossy(msg.payload()).into_owned());
            sink(ClusterEvent::CatchupAck { id, size: acked_size(msg.subject_str()), abort })
        });
        let ack_sub = Some(SysSub::new(meta.sys(), meta.next_client_id(), &format!("{prefix}.*"), icb));
        inner.sending.push(Sending {
            id,
            account: account.to_string(),
            stream: stream.to_string(),
            to: inbox.to_string(),
            next: req.first_seq.max(1),
            last: req.last_seq,
            delete_ranges_ok: req.delete_ranges_ok,
            ack_prefix: prefix,
            _ack_sub: ack_sub,
            out_msgs: 0,
            out_bytes: 0,
            heard: Instant::now(),
        });
        self.send_catchups(meta, inner, out);
    }

    /// A follower acked a catch-up message, or gave up.
    pub(super) fn catchup_ack(
        &self,
        meta: &Meta,
        inner: &mut Inner,
        id: u64,
        size: u64,
        abort: Option<String>,
        out: &mut Vec<(String, Msg)>,
    ) {
        let Some(i) = inner.sending.iter().position(|c| c.id == id) else { return };
        if let Some(why) = abort {
            let c = inner.sending.remove(i);
            crate::warn!("Catchup for stream '{} > {}' was aborted on the remote due to: {why:?}", c.account, c.stream);
            return;
        }
        let c = &mut inner.sending[i];
        c.out_msgs = c.out_msgs.saturating_sub(1);
        c.out_bytes = c.out_bytes.saturating_sub(size);
        c.heard = Instant::now();
        self.send_catchups(meta, inner, out);
    }

    /// Sends the next batch of every catch-up whose window has room; ends
    /// those that sent their last sequence.
    fn send_catchups(&self, meta: &Meta, inner: &mut Inner, out: &mut Vec<(String, Msg)>) {
        let sys = meta.sys().name.clone();
        let Inner { accounts, sending, .. } = inner;
        sending.retain_mut(|c| {
            let Some(s) = accounts.get(&c.account).and_then(|a| a.streams.get(&c.stream)) else { return false };
            let more = send_batch(s.store.as_ref(), c, &mut |m| out.push((sys.clone(), m)));
            if !more {
                crate::info!("Catchup for stream '{} > {}' complete", c.account, c.stream);
            }
            more
        });
    }

    /// Timers of both sides and periodic snapshots; run every engine tick.
    pub(crate) fn catchup_tick(&self) -> Vec<(String, Msg)> {
        let Some(meta) = self.meta.get() else { return Vec::new() };
        let mut out = Vec::new();
        let mut inner = self.lock();
        inner.sending.retain(|c| {
            let alive = c.heard.elapsed() < ACTIVE_WITHIN;
            if !alive {
                crate::warn!("Catchup for stream '{} > {}' stalled", c.account, c.stream);
            }
            alive
        });
        self.send_catchups(meta, &mut inner, &mut out);
        let keys: Vec<(String, String)> = inner.groups.keys().cloned().collect();
        for (account, stream) in keys {
            let key = (account.clone(), stream.clone());
            let last = inner
                .accounts
                .get(&account)
                .and_then(|a| a.streams.get(&stream))
                .map_or(0, |s| s.store.state().last_seq);
            let Some(g) = inner.groups.get_mut(&key) else { continue };
            if let Some(mut r) = g.receiving.take() {
                let waited = match r.heard {
                    Some(h) => h.elapsed() >= ACTIVE_WITHIN,
                    None => r.asked.elapsed() >= START_WITHIN,
                };
                if waited {
                    crate::warn!("Catchup for stream '{account} > {stream}' stalled");
                    if r.tries >= MAX_TRIES {
                        crate::error!("Catchup for stream '{account} > {stream}' failed after {} tries", r.tries);
                        self.apply_held(
                            meta,
                            &mut inner,
                            &account,
                            &stream,
                            r.held,
                            super::super::now_nanos(),
                            &mut out,
                        );
                        continue;
                    }
                    self.ask_for_catchup(meta, g, &mut r, &account, &stream, last);
                }
                g.receiving = Some(r);
                continue;
            }
            if g.group.is_some() && g.since_snapshot > 0 && g.snapshotted.elapsed() >= SNAPSHOT_EVERY {
                self.snapshot_stream(&mut inner, &account, &stream);
            }
        }
        self.snapshot_consumers(&mut inner);
        out
    }
}

/// A store's state as a group snapshot: its counts and its deleted runs.
pub(super) fn stream_snapshot(store: &dyn StreamStore, failed: u64) -> StreamSnapshot {
    let st = store.state();
    let mut deleted = Vec::new();
    if st.num_deleted > 0 && st.msgs > 0 {
        let mut q = st.first_seq;
        while q <= st.last_seq {
            match store.load_next_msg(">", q) {
                Some(m) => {
                    if m.seq > q {
                        deleted.push((q, m.seq - q));
                    }
                    q = m.seq + 1;
                }
                None => {
                    deleted.push((q, st.last_seq + 1 - q));
                    break;
                }
            }
        }
    }
    StreamSnapshot {
        msgs: st.msgs,
        bytes: st.bytes,
        first_seq: st.first_seq,
        last_seq: st.last_seq,
        failed,
        sources: Vec::new(),
        deleted: merge_runs(deleted),
    }
}

/// Sends what the window of catch-up `c` allows, at most [`BATCH`]
/// messages; false once it sent its end.
fn send_batch(store: &dyn StreamStore, c: &mut Sending, send: &mut dyn FnMut(Msg)) -> bool {
    let mut sent = 0;
    while c.next <= c.last && c.out_msgs < MAX_OUT_MSGS && c.out_bytes < MAX_OUT_BYTES && sent < BATCH {
        let next = store.load_next_msg(">", c.next).filter(|m| m.seq <= c.last);
        let upto = next.as_ref().map_or(c.last + 1, |m| m.seq);
        if upto > c.next {
            // A run of deleted sequences: one record without a reply, or
            // one skip each when the follower cannot take ranges.
            if c.delete_ranges_ok && upto - c.next > 1 {
                let dr = DeleteRange { first: c.next, num: upto - c.next };
                let mut body = encode_json(op::DELETE_RANGE, &dr);
                body.push(b'\n');
                send(Msg::new(c.to.clone(), None, body));
                c.next = upto;
            } else {
                let skip = StreamMsg { lseq: c.next, ..Default::default() };
                send_tracked(c, skip.encode(), send);
                c.next += 1;
            }
            sent += 1;
            continue;
        }
        let Some(m) = next else { break };
        let entry = StreamMsg {
            subject: m.subject.to_string(),
            reply: String::new(),
            hdr: m.hdr().to_vec(),
            msg: m.msg().to_vec(),
            lseq: m.seq,
            ts: m.ts,
            sourced: false,
        };
        send_tracked(c, entry.encode(), send);
        c.next = m.seq + 1;
        sent += 1;
    }
    if c.next > c.last {
        send(Msg::new(c.to.clone(), None, Bytes::new()));
        return false;
    }
    true
}

/// Sends one catch-up entry with its ack subject, counting it in the window.
fn send_tracked(c: &mut Sending, body: Vec<u8>, send: &mut dyn FnMut(Msg)) {
    let size = body.len() as u64;
    c.out_msgs += 1;
    c.out_bytes += size;
    send(Msg::new(c.to.clone(), Some(Bytes::from(format!("{}.{size}", c.ack_prefix))), body));
}

/// Skips sequences until the next one stored is `seq`.
fn skip_to(store: &mut dyn StreamStore, seq: u64, now: i64) -> Result<(), String> {
    let st = store.state();
    if seq <= st.last_seq + 1 {
        return Ok(());
    }
    if st.msgs == 0 {
        store.compact(seq);
        return Ok(());
    }
    if seq - st.last_seq > MAX_GAP {
        return Err(format!("a gap of {} sequences after {}", seq - st.last_seq - 1, st.last_seq));
    }
    while store.state().last_seq + 1 < seq {
        store.skip_msg(now);
    }
    Ok(())
}

/// Sets a replica's failed-apply count and keeps it on file.
fn set_clfs(g: &mut StreamGroup, clfs: u64, account: &str, stream: &str) {
    if g.clfs == clfs {
        return;
    }
    g.clfs = clfs;
    if let Some(f) = &g.clfs_file {
        if let Err(e) = std::fs::write(f, clfs.to_string()) {
            crate::warn!("JetStream cluster: could not keep the failed count of '{account} > {stream}': {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemStore;

    fn store_with(seqs: &[u64]) -> MemStore {
        let mut s = MemStore::with_first_seq(Default::default(), 0);
        let last = seqs.iter().copied().max().unwrap_or(0);
        for q in 1..=last {
            s.store_msg("foo", b"", format!("m{q}").as_bytes(), q as i64, 0).unwrap();
        }
        for q in 1..=last {
            if !seqs.contains(&q) {
                s.remove_msg(q);
            }
        }
        s
    }

    #[test]
    fn a_snapshot_names_the_runs_of_deleted_sequences() {
        let s = store_with(&[2, 3, 6, 9, 10]);
        let snap = stream_snapshot(&s, 4);
        assert_eq!((snap.msgs, snap.first_seq, snap.last_seq, snap.failed), (5, 2, 10, 4));
        assert_eq!(snap.deleted, [(4, 2), (7, 2)]);
        assert_eq!(StreamSnapshot::decode(&snap.encode()).unwrap(), snap);
    }

    fn sending(first: u64, last: u64, ranges: bool) -> Sending {
        Sending {
            id: 1,
            account: "A".into(),
            stream: "S".into(),
            to: "$JSC.R.x".into(),
            next: first,
            last,
            delete_ranges_ok: ranges,
            ack_prefix: "$JSC.ACK.y".into(),
            _ack_sub: None,
            out_msgs: 0,
            out_bytes: 0,
            heard: Instant::now(),
        }
    }

    /// Sends everything, acking nothing; the decoded records.
    fn drain(store: &MemStore, c: &mut Sending) -> Vec<(Option<String>, Vec<u8>)> {
        let mut got = Vec::new();
        while send_batch(store, c, &mut |m| {
            got.push((m.reply_str().map(str::to_string), m.payload().to_vec()));
        }) {}
        got
    }

    #[test]
    fn a_leader_sends_messages_ranges_and_the_end() {
        let store = store_with(&[1, 2, 5, 6, 8]);
        let mut c = sending(2, 8, true);
        let got = drain(&store, &mut c);
        let kinds: Vec<String> = got
            .iter()
            .map(|(reply, b)| match b.first() {
                None => "eof".to_string(),
                Some(&op::DELETE_RANGE) => {
                    assert!(reply.is_none());
                    let dr: DeleteRange = serde_json::from_slice(&b[1..]).unwrap();
                    format!("range {}+{}", dr.first, dr.num)
                }
                Some(&k) => {
                    let m = StreamMsg::decode(k, &b[1..]).unwrap();
                    let reply = reply.as_deref().unwrap();
                    assert_eq!(acked_size(reply), b.len() as u64, "the ack subject carries the size");
                    if m.is_skip() {
                        format!("skip {}", m.lseq)
                    } else {
                        format!("msg {} {}", m.lseq, String::from_utf8_lossy(&m.msg))
                    }
                }
            })
            .collect();
        assert_eq!(kinds, ["msg 2 m2", "range 3+2", "msg 5 m5", "msg 6 m6", "skip 7", "msg 8 m8", "eof"]);
        assert_eq!(c.out_msgs, 5);
    }

    #[test]
    fn without_ranges_each_gap_is_a_skip_and_the_window_holds_the_leader_back() {
        let store = store_with(&[1, 4]);
        let mut c = sending(1, 4, false);
        assert_eq!(drain(&store, &mut c).len(), 5, "two messages, two skips, the end");
        let big = store_with(&(1..=3000).collect::<Vec<_>>());
        let mut c = sending(1, 3000, true);
        c.out_msgs = MAX_OUT_MSGS - 10;
        let mut n = 0;
        assert!(send_batch(&big, &mut c, &mut |_| n += 1));
        assert_eq!(n, 10, "only what the window has room for");
        c.out_msgs = 0;
        n = 0;
        assert!(send_batch(&big, &mut c, &mut |_| n += 1));
        assert_eq!(n, BATCH, "at most a batch per turn");
    }

    #[test]
    fn a_follower_skips_gaps_and_an_empty_one_compacts() {
        let mut empty = MemStore::with_first_seq(Default::default(), 0);
        skip_to(&mut empty, 1000, 0).unwrap();
        let st = empty.state();
        assert_eq!((st.first_seq, st.last_seq, st.msgs), (1000, 999, 0));
        let mut s = store_with(&[1]);
        skip_to(&mut s, 4, 0).unwrap();
        assert_eq!(s.state().last_seq, 3);
        assert!(skip_to(&mut s, MAX_GAP + 10, 0).is_err());
    }
}
