//! Pull requests (Go consumer.go `processNextMsgRequest`, `waitQueue`,
//! `processWaiting`): parsing and checking `$JS.API.CONSUMER.MSG.NEXT`
//! requests, the waiting queue and its expiry, priority groups (overflow
//! and pinned client, Go `checkWaitingForInterest` / `setPinnedTimer`) and
//! unpinning.
use std::collections::VecDeque;

use super::{status_out, Consumer};
use crate::jetstream::api_types::{drop_nulls, GoTime, NextRequest, PriorityGroupState};
use crate::jetstream::errors::{ApiError, E};
use crate::message::Msg;
use crate::store::StreamStore;

/// A waiting pull request (Go `waitingRequest`).
#[derive(Clone, Debug)]
pub(crate) struct PullRequest {
    pub(crate) reply: String,
    /// Messages still wanted.
    pub(crate) n: i64,
    /// Bytes still allowed (0 = unlimited).
    pub(crate) b: i64,
    pub(crate) max_bytes: i64,
    /// Absolute expiry in Unix nanos (0 = none).
    pub(crate) expires: i64,
    pub(crate) no_wait: bool,
    pub(crate) hb: i64,
    pub(crate) last_hb: i64,
    pub(crate) delivered: i64,
    /// Pinned-client policy: the pin id sent with each message.
    pub(crate) pin: Option<String>,
}

impl Consumer {
    pub(super) fn expire_requests(&mut self, now: i64, out: &mut Vec<Msg>) {
        if self.waiting.iter().all(|r| r.expires == 0 || r.expires > now) {
            return;
        }
        let mut keep = VecDeque::with_capacity(self.waiting.len());
        for r in self.waiting.drain(..) {
            if r.expires != 0 && r.expires <= now {
                let line =
                    format!("408 Request Timeout\r\nNats-Pending-Messages: {}\r\nNats-Pending-Bytes: {}", r.n, r.b);
                out.push(status_out(&r.reply, &line));
            } else {
                keep.push_back(r);
            }
        }
        self.waiting = keep;
    }

    /// `$JS.API.CONSUMER.MSG.NEXT` (Go `processNextMsgRequest`).
    pub(crate) fn next_request(
        &mut self,
        reply: &str,
        payload: &[u8],
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) {
        self.sending(out, |c, out| c.next_request_now(reply, payload, store, now, has_interest, out));
    }

    fn next_request_now(
        &mut self,
        reply: &str,
        payload: &[u8],
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Msg>,
    ) {
        if self.passive {
            return;
        }
        self.last_activity = now;
        if self.is_push() {
            out.push(status_out(reply, "409 Consumer is push based"));
            return;
        }
        let trimmed = payload.trim_ascii();
        let req: NextRequest = if trimmed.is_empty() {
            NextRequest { batch: 1, ..Default::default() }
        } else if trimmed[0] == b'{' {
            let parsed = serde_json::from_slice::<serde_json::Value>(trimmed).and_then(|mut v| {
                drop_nulls(&mut v);
                serde_json::from_value(v)
            });
            match parsed {
                Ok(r) => r,
                Err(e) => {
                    let e = crate::json::go_decode_error(&e, trimmed, crate::json::GoDecode::Unmarshal);
                    out.push(status_out(reply, &format!("400 Bad Request - {e}")));
                    return;
                }
            }
        } else {
            match std::str::from_utf8(trimmed).ok().and_then(|s| s.parse::<i64>().ok()) {
                Some(n) => NextRequest { batch: n, ..Default::default() },
                None => NextRequest { batch: 1, ..Default::default() },
            }
        };
        let batch = if req.batch <= 0 { 1 } else { req.batch };
        let mut pin = None;
        if !self.cfg.priority_groups.is_empty() {
            if req.group.is_empty() {
                out.push(status_out(reply, "400 Bad Request - Priority Group missing"));
                return;
            }
            if !self.cfg.priority_groups.contains(&req.group) {
                out.push(status_out(reply, "400 Bad Request - Invalid Priority Group"));
                return;
            }
            match self.cfg.priority_policy.as_deref() {
                Some("overflow") => {
                    let below_pending = req.min_pending > 0 && (self.num_pending(store) as i64) < req.min_pending;
                    let below_ack = req.min_ack_pending > 0 && (self.pending.len() as i64) < req.min_ack_pending;
                    if below_pending || below_ack {
                        if req.no_wait {
                            out.push(status_out(reply, "404 No Messages"));
                        }
                        return;
                    }
                }
                Some("pinned_client") => match self.pinned.get(&req.group) {
                    Some((id, _)) if !req.id.is_empty() && *id != req.id => {
                        out.push(status_out(reply, "423 Nats-Pin-Id mismatch"));
                        return;
                    }
                    Some((id, _)) => pin = Some(id.clone()),
                    None => {
                        let id = crate::nuid::next();
                        self.pinned.insert(req.group.clone(), (id.clone(), now));
                        pin = Some(id);
                    }
                },
                _ => {}
            }
        }
        if req.idle_heartbeat > 0 && req.idle_heartbeat.saturating_mul(2) > req.expires {
            out.push(status_out(reply, "400 Bad Request - heartbeat value too large"));
            return;
        }
        if self.cfg.max_request_batch > 0 && batch > self.cfg.max_request_batch {
            out.push(status_out(reply, &format!("409 Exceeded MaxRequestBatch of {}", self.cfg.max_request_batch)));
            return;
        }
        if req.expires > 0 && self.cfg.max_request_expires > 0 && req.expires > self.cfg.max_request_expires {
            let d = crate::gotime::duration_string(self.cfg.max_request_expires);
            out.push(status_out(reply, &format!("409 Exceeded MaxRequestExpires of {d}")));
            return;
        }
        if req.max_bytes > 0 && self.cfg.max_request_max_bytes > 0 && req.max_bytes > self.cfg.max_request_max_bytes {
            out.push(status_out(
                reply,
                &format!("409 Exceeded MaxRequestMaxBytes of {}", self.cfg.max_request_max_bytes),
            ));
            return;
        }
        if req.no_wait && req.expires == 0 && self.num_pending(store) + self.rdq.len() as u64 == 0 {
            out.push(status_out(reply, "404 No Messages"));
            return;
        }
        self.expire_requests(now, out);
        if self.cfg.max_waiting > 0 && self.waiting.len() as i64 >= self.cfg.max_waiting {
            if req.idle_heartbeat == 0 {
                out.push(status_out(reply, "409 Exceeded MaxWaiting"));
            }
            return;
        }
        self.waiting.push_back(PullRequest {
            reply: reply.to_string(),
            n: batch,
            b: req.max_bytes,
            max_bytes: req.max_bytes,
            expires: if req.expires > 0 { now.saturating_add(req.expires) } else { 0 },
            no_wait: req.no_wait,
            hb: req.idle_heartbeat,
            last_hb: now,
            delivered: 0,
            pin,
        });
        self.deliver(store, now, has_interest, out);
    }

    pub(super) fn priority_groups_state(&self) -> Vec<PriorityGroupState> {
        let pinned = self.cfg.priority_policy.as_deref() == Some("pinned_client");
        self.cfg
            .priority_groups
            .iter()
            .map(|g| {
                let pin = if pinned { self.pinned.get(g) } else { None };
                PriorityGroupState {
                    group: g.clone(),
                    pinned_client_id: pin.map(|p| p.0.clone()).unwrap_or_default(),
                    pinned_ts: pin.map(|p| GoTime(p.1)),
                }
            })
            .collect()
    }

    /// `$JS.API.CONSUMER.UNPIN`: forgets the pinned client of `group`.
    pub(crate) fn unpin(&mut self, group: &str) -> Result<(), ApiError> {
        if !self.cfg.priority_groups.iter().any(|g| g == group) {
            return Err(ApiError::new(E::InvalidPriorityGroup));
        }
        self.pinned.remove(group);
        Ok(())
    }

    /// Sends `409 Consumer Deleted` to waiting pull requests.
    pub(crate) fn on_delete(&mut self, out: &mut Vec<Msg>) {
        for r in self.waiting.drain(..) {
            out.push(status_out(&r.reply, "409 Consumer Deleted"));
        }
    }
}
