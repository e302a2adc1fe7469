//! Acks (Go consumer.go `processAck`, `processNak`, `processTerm`,
//! `ackMsg`): `+ACK`, `+NXT`, `-NAK` with its delay, `+WPI`, `+TERM`, the
//! ack floors, and the advisories and metrics they raise (nak, terminated,
//! max deliveries, sampled acks).
use bytes::Bytes;
use serde::Serialize;

use super::Consumer;
use crate::jetstream::api_types::{AckPolicy, GoTime};
use crate::message::Msg;
use crate::store::StreamStore;

/// The head of every consumer advisory: Go's `TypedEvent`, the stream and
/// the consumer, then the fields of the advisory's kind.
#[derive(Serialize)]
struct ConsumerEvent<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    id: String,
    timestamp: GoTime,
    stream: &'a str,
    consumer: &'a str,
    #[serde(flatten)]
    body: T,
}

/// Go's `JSConsumerDeliveryExceededAdvisory` fields.
#[derive(Serialize)]
pub(super) struct DeliveryExceeded {
    pub(super) stream_seq: u64,
    pub(super) deliveries: u64,
}

/// Go's `JSConsumerDeliveryNakAdvisory` and
/// `JSConsumerDeliveryTerminatedAdvisory` fields.
#[derive(Serialize)]
struct Delivery<'a> {
    consumer_seq: u64,
    stream_seq: u64,
    deliveries: u64,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
}

/// Go's `JSConsumerAckMetric` fields.
#[derive(Serialize)]
struct AckMetric {
    consumer_seq: u64,
    stream_seq: u64,
    ack_time: i64,
    deliveries: u64,
}

impl Consumer {
    /// Handles a reply on `$JS.ACK...` for (`sseq`, `dseq`). Returns the
    /// stream sequences now fully acknowledged (for interest and work-queue
    /// retention).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn process_ack(
        &mut self,
        sseq: u64,
        dseq: u64,
        payload: &[u8],
        reply: Option<&str>,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) -> Vec<u64> {
        // Held, an ack reply goes out once the ack op is committed (Go's
        // `addAckReply`).
        self.sending(out, |c, out| c.process_ack_now(sseq, dseq, payload, reply, store, now, has_interest, out))
    }

    #[allow(clippy::too_many_arguments)]
    fn process_ack_now(
        &mut self,
        sseq: u64,
        dseq: u64,
        payload: &[u8],
        reply: Option<&str>,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) -> Vec<u64> {
        if self.passive {
            return Vec::new();
        }
        self.last_activity = now;
        let mut acked = Vec::new();
        let mut ack_reply = true;
        let mut nak = false;
        // Advisories go out after the ack reply.
        let mut adv = Vec::new();
        let p = payload.trim_ascii();
        if p.is_empty() || p == b"+ACK" || p == b"+OK" {
            self.ack_metric(sseq, dseq, now, &mut adv);
            self.ack(sseq, dseq, now, &mut acked);
        } else if let Some(rest) = p.strip_prefix(b"+NXT") {
            self.ack(sseq, dseq, now, &mut acked);
            ack_reply = false;
            if let Some(r) = reply {
                self.next_request(r, rest, store, now, has_interest, out);
            }
        } else if let Some(rest) = p.strip_prefix(b"-NAK") {
            if self.pending.contains_key(&sseq) {
                let body = Delivery {
                    consumer_seq: dseq,
                    stream_seq: sseq,
                    deliveries: self.rdc.get(&sseq).copied().unwrap_or(0) + 1,
                    reason: "",
                };
                adv.push(self.advisory("MSG_NAKED", "io.nats.jetstream.advisory.v1.nak", body, now));
            }
            let delay = parse_nak_delay(rest);
            nak = delay == 0;
            if let Some(pe) = self.pending.get_mut(&sseq) {
                if delay > 0 {
                    pe.deadline = now.saturating_add(delay);
                    self.next_check = self.next_check.min(pe.deadline);
                } else if !pe.queued {
                    pe.queued = true;
                    self.rdq.push_back(sseq);
                }
            }
        } else if p == b"+WPI" {
            let wait = self.ack_wait_for(self.rdc.get(&sseq).map_or(1, |c| c + 1));
            if let Some(pe) = self.pending.get_mut(&sseq) {
                pe.deadline = now.saturating_add(wait);
            }
        } else if p.starts_with(b"+TERM") && self.pending.remove(&sseq).is_some() {
            let reason = std::str::from_utf8(&p[5..]).unwrap_or("").trim();
            let body = Delivery {
                consumer_seq: dseq,
                stream_seq: sseq,
                deliveries: self.rdc.get(&sseq).copied().unwrap_or(0) + 1,
                reason,
            };
            adv.push(self.advisory("MSG_TERMINATED", "io.nats.jetstream.advisory.v1.terminated", body, now));
            self.rdc.remove(&sseq);
            acked.push(sseq);
            self.update_floors();
        }
        if ack_reply {
            if let Some(r) = reply {
                out.push(Msg::reply_to(r, Bytes::new()));
            }
        }
        out.append(&mut adv);
        if !acked.is_empty() || nak {
            // Room under max_ack_pending, or a NAK'd message, may flow now.
            self.deliver(store, now, has_interest, out);
        }
        acked
    }

    /// A consumer advisory on `$JS.EVENT.ADVISORY.CONSUMER.<kind>.<stream>.<consumer>`
    /// with Go's common fields and then those of `body`.
    pub(super) fn advisory(&self, kind: &str, typ: &str, body: impl Serialize, now: i64) -> Msg {
        let adv = ConsumerEvent {
            kind: typ,
            id: crate::nuid::next(),
            timestamp: GoTime(now),
            stream: &self.stream,
            consumer: &self.name,
            body,
        };
        let subject = format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{}.{}", self.stream, self.name);
        Msg::new(subject, None, crate::json::to_vec(&adv))
    }

    /// Go's ack sampling: a `consumer_ack` metric for a sampled ack.
    fn ack_metric(&self, sseq: u64, dseq: u64, now: i64, out: &mut Vec<Msg>) {
        let freq = self.cfg.sample_frequency.trim().trim_end_matches('%');
        let Ok(pct) = freq.parse::<f64>() else { return };
        if pct <= 0.0 || !self.pending.contains_key(&sseq) || rand::random::<f64>() * 100.0 >= pct {
            return;
        }
        let dc = self.rdc.get(&sseq).copied().unwrap_or(0) + 1;
        let sent = self.pending.get(&sseq).map_or(now, |p| p.deadline.saturating_sub(self.ack_wait_for(dc)));
        let mut o = self.advisory(
            "ACK",
            "io.nats.jetstream.metric.v1.consumer_ack",
            AckMetric {
                consumer_seq: dseq,
                stream_seq: sseq,
                ack_time: now.saturating_sub(sent).max(0),
                deliveries: dc,
            },
            now,
        );
        o.subject = format!("$JS.EVENT.METRIC.CONSUMER.ACK.{}.{}", self.stream, self.name).into();
        out.push(o);
    }

    /// Clustered, a follower: a delivery its leader replicated (Go's
    /// `consumerFileStore.UpdateDelivered`): the `dc`th delivery of stream
    /// sequence `sseq` as delivery `dseq` at `ts`, due again one ack wait
    /// later should this replica come to lead.
    pub(crate) fn replicated_delivery(&mut self, dseq: u64, sseq: u64, dc: u64, ts: i64) {
        let deadline = ts.saturating_add(self.ack_wait_for(dc.max(1)));
        self.dseq = self.dseq.max(dseq + 1);
        self.last_delivered = ts;
        if dc <= 1 {
            self.sseq = self.sseq.max(sseq + 1);
            if self.cfg.ack_policy != AckPolicy::None {
                self.pending.entry(sseq).or_insert(super::Pending { dseq, deadline, queued: false });
            }
        } else if let Some(p) = self.pending.get_mut(&sseq) {
            // As this leader's own redeliveries do: the pending delivery
            // takes the new delivery sequence.
            (p.dseq, p.deadline) = (dseq, deadline);
            self.rdc.insert(sseq, dc - 1);
        } else {
            return;
        }
        self.next_check = self.next_check.min(deadline);
        self.update_floors();
    }

    /// Clustered, a follower: an ack its leader replicated (Go's
    /// `consumerFileStore.UpdateAcks`); returns the stream sequences now
    /// acknowledged.
    pub(crate) fn replicated_ack(&mut self, dseq: u64, sseq: u64, ts: i64) -> Vec<u64> {
        let mut acked = Vec::new();
        self.ack(sseq, dseq, ts, &mut acked);
        acked
    }

    /// Clustered, a new leader skips ahead to stream sequence `sseq`.
    pub(crate) fn replicated_skip(&mut self, sseq: u64) {
        self.sseq = self.sseq.max(sseq);
        self.update_floors();
    }

    fn ack(&mut self, sseq: u64, _dseq: u64, now: i64, acked: &mut Vec<u64>) {
        match self.cfg.ack_policy {
            AckPolicy::None => return,
            AckPolicy::Explicit => {
                if self.pending.remove(&sseq).is_some() {
                    self.rdc.remove(&sseq);
                    acked.push(sseq);
                }
            }
            AckPolicy::All => {
                let rest = self.pending.split_off(&sseq.saturating_add(1));
                let done = std::mem::replace(&mut self.pending, rest);
                for s in done.keys() {
                    self.rdc.remove(s);
                    acked.push(*s);
                }
            }
        }
        self.last_ack = now;
        self.update_floors();
    }
}

/// `-NAK {"delay": ns}` or `-NAK <go duration>` delay in nanos; 0 if none.
fn parse_nak_delay(rest: &[u8]) -> i64 {
    let rest = rest.trim_ascii();
    if rest.is_empty() {
        return 0;
    }
    if rest[0] == b'{' {
        #[derive(serde::Deserialize)]
        struct Nak {
            #[serde(default)]
            delay: i64,
        }
        return serde_json::from_slice::<Nak>(rest).map_or(0, |n| n.delay.max(0));
    }
    std::str::from_utf8(rest).ok().and_then(|d| crate::gotime::parse_duration(d).ok()).unwrap_or(0).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nak_delays() {
        assert_eq!(parse_nak_delay(b" {\"delay\": 5}"), 5);
        assert_eq!(parse_nak_delay(b" 1s"), 1_000_000_000);
    }
}
