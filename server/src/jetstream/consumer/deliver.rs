//! Delivery (Go consumer.go `deliverMsg`, `getNextMsg`, `loopAndGatherMsgs`):
//! push deliveries in batches of `PUSH_BATCH`, pull deliveries against the
//! waiting requests' batch and byte budgets, flow control
//! (`sendFlowControl`), replay-original pacing, and the timer work that
//! redelivers after ack wait and sends idle heartbeats.
use std::collections::VecDeque;
use std::fmt::Write as _;

use bytes::Bytes;

use super::ack::DeliveryExceeded;
use super::{status_out, Consumer, Pending, ACK_PREFIX, PUSH_BATCH};
use crate::jetstream::api_types::{AckPolicy, ReplayPolicy};
use crate::message::Msg;
use crate::store::{StoredMsg, StreamStore};

/// Bytes delivered before a push consumer with flow control asks for a
/// flow-control reply.
const FLOW_CONTROL_BYTES: u64 = 1024 * 1024;

impl Consumer {
    /// Next message to send: redeliveries first, then new messages.
    fn next_msg(&mut self, store: &dyn StreamStore) -> Option<(StoredMsg, bool)> {
        while let Some(seq) = self.rdq.pop_front() {
            let Some(p) = self.pending.get_mut(&seq) else { continue };
            p.queued = false;
            match store.load_msg(seq) {
                Some(m) => return Some((m, true)),
                None => {
                    self.pending.remove(&seq);
                    self.rdc.remove(&seq);
                }
            }
        }
        if self.cfg.ack_policy != AckPolicy::None
            && self.cfg.max_ack_pending > 0
            && self.pending.len() as i64 >= self.cfg.max_ack_pending
        {
            return None;
        }
        while let Some(seq) = self.lps.pop_front() {
            let done = self.lps.is_empty();
            if done {
                self.sseq = self.lps_end + 1;
            }
            if let Some(m) = store.load_msg(seq) {
                if !done {
                    self.sseq = seq + 1;
                }
                return Some((m, false));
            }
        }
        let m = if self.filters.len() <= 1 {
            store.load_next_msg(self.filters.first().map_or("", |s| s.as_str()), self.sseq)
        } else {
            self.filters.iter().filter_map(|f| store.load_next_msg(f, self.sseq)).min_by_key(|m| m.seq)
        }?;
        self.sseq = m.seq + 1;
        Some((m, false))
    }

    /// Puts a message taken by `next_msg` back (pull max_bytes refusal).
    fn unread(&mut self, m: &StoredMsg, redelivery: bool) {
        if redelivery {
            if let Some(p) = self.pending.get_mut(&m.seq) {
                p.queued = true;
            }
            self.rdq.push_front(m.seq);
        } else {
            self.sseq = m.seq;
        }
    }

    /// Delivers as much as targets, limits and flow control allow.
    pub(crate) fn deliver(
        &mut self,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) {
        if self.passive {
            return;
        }
        if self.is_paused(now) {
            // Paused, pull requests still end when they expire (Go's
            // `processWaiting` runs regardless).
            if !self.is_push() {
                self.expire_requests(now, out);
            }
            return;
        }
        if self.is_push() {
            if self.fc_pending.is_some() || !has_interest(&self.cfg.deliver_subject) {
                return;
            }
        } else {
            self.expire_requests(now, out);
        }
        // Computed on first use, then kept current by counting deliveries:
        // a full recount per message would be quadratic when far behind.
        let mut npending: Option<u64> = None;
        self.replay_due = 0;
        let mut sent = 0;
        loop {
            let target = if self.is_push() {
                if self.fc_pending.is_some() || sent >= PUSH_BATCH {
                    break;
                }
                self.cfg.deliver_subject.clone()
            } else {
                match self.waiting.front() {
                    // Go drops requests whose requester went away.
                    Some(r) if !has_interest(&r.reply) => {
                        self.waiting.pop_front();
                        continue;
                    }
                    Some(r) => r.reply.clone(),
                    None => break,
                }
            };
            let Some((m, redelivery)) = self.next_msg(store) else { break };
            if !redelivery && self.cfg.replay_policy == ReplayPolicy::Original && self.replay_prev_ts != 0 {
                // Replay original: keep the stored inter-message gaps.
                let due = self.last_delivered.saturating_add(m.ts.saturating_sub(self.replay_prev_ts));
                if now < due {
                    self.unread(&m, false);
                    self.replay_due = due;
                    break;
                }
            }
            if !redelivery {
                self.replay_prev_ts = m.ts;
            }
            let dc = if redelivery {
                let c = self.rdc.entry(m.seq).or_insert(0);
                *c += 1;
                *c + 1
            } else {
                1
            };
            if redelivery && self.cfg.max_deliver > 0 && dc as i64 > self.cfg.max_deliver {
                // Delivery count exhausted: stop tracking it but keep counting
                // it as redelivered, and tell the max-deliveries advisory.
                self.pending.remove(&m.seq);
                self.update_floors();
                let body = DeliveryExceeded { stream_seq: m.seq, deliveries: dc - 1 };
                out.push(self.advisory("MAX_DELIVERIES", "io.nats.jetstream.advisory.v1.max_deliver", body, now));
                continue;
            }
            let np = match npending {
                Some(n) if !redelivery => n.saturating_sub(1),
                Some(n) => n,
                None => self.num_pending(store),
            };
            let ack = self.ack_reply(dc, m.seq, m.ts, np);
            // Go counts the ack reply in a pull request's byte budget.
            let size = (m.subject.len() + ack.len() + m.data.len()) as i64;
            if let Some(r) = self.waiting.front().filter(|r| r.max_bytes > 0 && size > r.b) {
                let line = format!(
                    "409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: {}\r\nNats-Pending-Bytes: {}",
                    r.n, r.b
                );
                out.push(status_out(&r.reply, &line));
                self.waiting.pop_front();
                if redelivery {
                    if let Some(c) = self.rdc.get_mut(&m.seq) {
                        *c -= 1;
                    }
                }
                self.unread(&m, redelivery);
                continue;
            }
            let dseq = self.dseq;
            self.dseq += 1;
            crate::trace!(
                "JetStream consumer '{} > {}' delivers {} as {dseq} (count {dc})",
                self.stream,
                self.name,
                m.seq
            );
            if self.cfg.ack_policy == AckPolicy::None {
                self.update_floors();
            } else {
                let deadline = now.saturating_add(self.ack_wait_for(dc));
                self.next_check = self.next_check.min(deadline);
                self.pending.insert(m.seq, Pending { dseq, deadline, queued: false });
                if !redelivery && self.pending.len() == 1 {
                    self.update_floors();
                }
            }
            npending = Some(np);
            // The stored buffer goes out as it is, unless headers are added.
            let pin = if self.is_push() { None } else { self.waiting.front().and_then(|r| r.pin.clone()) };
            let mut extra = String::new();
            if self.cfg.headers_only {
                extra.push_str(&format!("Nats-Msg-Size: {}\r\n", m.msg().len()));
            }
            if let Some(id) = pin {
                extra.push_str(&format!("Nats-Pin-Id: {id}\r\n"));
            }
            let msg = if extra.is_empty() {
                Msg {
                    subject: Bytes::from(target),
                    shown: None,
                    reply: Some(Bytes::from(ack)),
                    header_len: m.header_len(),
                    data: m.data.clone(),
                }
            } else {
                let payload = if self.cfg.headers_only { &[][..] } else { m.msg() };
                let hdr = crate::message::add_header_lines(m.hdr(), &extra);
                Msg::with_headers(target, Some(Bytes::from(ack)), &hdr, payload)
            };
            out.push(msg.showing(&m.subject));
            self.last_delivered = now;
            self.last_send = now;
            sent += 1;
            if self.is_push() {
                self.fc_bytes += size as u64;
                if self.cfg.flow_control && self.fc_bytes >= FLOW_CONTROL_BYTES {
                    self.send_flow_control(out);
                }
            } else if let Some(r) = self.waiting.front_mut() {
                r.n -= 1;
                r.delivered += 1;
                if r.max_bytes > 0 {
                    r.b -= size;
                }
                if r.n <= 0 {
                    let r = self.waiting.pop_front().expect("front exists");
                    if r.max_bytes > 0 && r.b > 0 {
                        let line = format!(
                            "409 Batch Completed\r\nNats-Pending-Messages: {}\r\nNats-Pending-Bytes: {}",
                            r.n, r.b
                        );
                        out.push(status_out(&r.reply, &line));
                    }
                }
            }
        }
        if !self.is_push() {
            // Nothing more to hand out: no-wait requests end now (Go
            // `processWaiting` at end of stream).
            let mut keep = VecDeque::with_capacity(self.waiting.len());
            for r in self.waiting.drain(..) {
                if r.no_wait && (r.expires == 0 || r.delivered > 0) {
                    out.push(status_out(&r.reply, "404 No Messages"));
                } else {
                    keep.push_back(r);
                }
            }
            self.waiting = keep;
        }
    }

    /// The reply subject of a delivery, which acks it:
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`
    /// (Go's `ackReply` in `consumer.go`). Written by hand: it is made for
    /// every message delivered.
    fn ack_reply(&self, dc: u64, sseq: u64, ts: i64, pending: u64) -> String {
        let mut ack = String::with_capacity(ACK_PREFIX.len() + self.stream.len() + self.name.len() + 70);
        let mut num = itoa::Buffer::new();
        ack.push_str(ACK_PREFIX);
        ack.push_str(&self.stream);
        ack.push('.');
        ack.push_str(&self.name);
        for n in [dc, sseq, self.dseq] {
            ack.push('.');
            ack.push_str(num.format(n));
        }
        ack.push('.');
        ack.push_str(num.format(ts));
        ack.push('.');
        ack.push_str(num.format(pending));
        ack
    }

    fn send_flow_control(&mut self, out: &mut Vec<Msg>) {
        self.fc_count += 1;
        let id = format!("$JS.FC.{}.{}.{}", self.stream, self.name, self.fc_count);
        let mut fc = Msg::status(&self.cfg.deliver_subject, "100 FlowControl Request");
        fc.reply = Some(Bytes::copy_from_slice(id.as_bytes()));
        out.push(fc);
        self.fc_pending = Some(id);
        self.fc_bytes = 0;
    }

    /// A flow-control reply arrived on `subject`.
    pub(crate) fn flow_control_reply(&mut self, subject: &str) -> bool {
        if self.fc_pending.as_deref() == Some(subject) {
            self.fc_pending = None;
            return true;
        }
        false
    }

    /// Timer work: redelivery after ack wait, request expiry, heartbeats.
    pub(crate) fn tick(
        &mut self,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) {
        if self.passive {
            return;
        }
        let mut due: Vec<u64> = Vec::new();
        if now >= self.next_check {
            let mut next = i64::MAX;
            for (&s, p) in &self.pending {
                if p.queued {
                    continue;
                }
                if p.deadline <= now {
                    due.push(s);
                } else {
                    next = next.min(p.deadline);
                }
            }
            self.next_check = next;
        }
        let mut dropped = false;
        for s in due {
            let dc = self.rdc.get(&s).copied().unwrap_or(0) + 1;
            if self.cfg.max_deliver > 0 && dc as i64 >= self.cfg.max_deliver {
                // No redelivery left: Go stops tracking it and says so.
                self.pending.remove(&s);
                dropped = true;
                let body = DeliveryExceeded { stream_seq: s, deliveries: dc };
                out.push(self.advisory("MAX_DELIVERIES", "io.nats.jetstream.advisory.v1.max_deliver", body, now));
                continue;
            }
            if let Some(p) = self.pending.get_mut(&s) {
                p.queued = true;
            }
            self.rdq.push_back(s);
        }
        if dropped {
            self.update_floors();
        }
        self.deliver(store, now, has_interest, out);
        if self.is_push() {
            let hb = self.cfg.heartbeat;
            if hb > 0 && now.saturating_sub(self.last_send) >= hb && has_interest(&self.cfg.deliver_subject) {
                let line = format!(
                    "100 Idle Heartbeat\r\nNats-Last-Consumer: {}\r\nNats-Last-Stream: {}",
                    self.dseq - 1,
                    self.sseq - 1
                );
                let mut line = line;
                if let Some(fc) = &self.fc_pending {
                    let _ = write!(line, "\r\nNats-Consumer-Stalled: {fc}");
                }
                out.push(status_out(&self.cfg.deliver_subject, &line));
                self.last_send = now;
            }
            if has_interest(&self.cfg.deliver_subject) {
                self.last_activity = now;
            }
        } else {
            let (d, s) = (self.dseq - 1, self.sseq - 1);
            for r in self.waiting.iter_mut() {
                if r.hb > 0 && now.saturating_sub(r.last_hb) >= r.hb {
                    let line = format!("100 Idle Heartbeat\r\nNats-Last-Consumer: {d}\r\nNats-Last-Stream: {s}");
                    out.push(status_out(&r.reply, &line));
                    r.last_hb = now;
                }
            }
            if !self.waiting.is_empty() {
                self.last_activity = now;
            }
        }
    }
}
