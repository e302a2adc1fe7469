//! Consumers: config defaults and checks, push and pull delivery, acks,
//! redelivery, heartbeats and flow control.
//!
//! A consumer never owns messages: it walks the stream store by sequence
//! (`sseq` is the next stream sequence to look at, `dseq` the next delivery
//! sequence) and tracks unacknowledged deliveries in `pending`.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;

use bytes::Bytes;
use serde::Serialize;

use super::api_types::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, GoTime, NextRequest, ReplayPolicy, Retention, SequenceInfo,
    StreamConfig,
};
use super::errors::{ApiError, E};
use super::stream::{is_valid_name, MAX_DESCRIPTION_LEN};
use super::{Outbound, ACK_PREFIX};
use crate::store::{StoredMsg, StreamStore};
use crate::subject::{covers, is_literal, is_subset, is_valid, matches};

/// Go `JsAckWaitDefault`.
pub const DEFAULT_ACK_WAIT: i64 = 30_000_000_000;
/// Go `JsDefaultMaxAckPending`.
pub const DEFAULT_MAX_ACK_PENDING: i64 = 1000;
/// Go `JSWaitQueueDefaultMax`.
pub const DEFAULT_MAX_WAITING: i64 = 512;
/// Go `JsDeleteWaitTimeDefault`: inactivity before an ephemeral is removed.
pub const DEFAULT_INACTIVE_THRESHOLD: i64 = 5_000_000_000;
/// Most messages a push consumer hands out in one go; the engine comes back
/// for the rest at once (see `service.rs`), after publishing these. Keeps a
/// consumer far behind from building one huge batch in memory.
pub(crate) const PUSH_BATCH: usize = 1024;

/// Bytes delivered before a push consumer with flow control asks for a
/// flow-control reply.
const FLOW_CONTROL_BYTES: u64 = 1024 * 1024;

/// Pedantic mode (Go `setConsumerConfigDefaults` with `pedantic`): a value
/// the server would silently fill in or correct is an error instead.
pub fn check_consumer_pedantic(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
    let ped = |m: &str| Err(ApiError::err(E::Pedantic, m));
    if cfg.max_deliver < -1 {
        return ped("max_deliver must be set to -1");
    }
    if cfg.max_ack_pending < -1 {
        return ped("max_ack_pending must be set to -1");
    }
    if cfg.max_ack_pending == 0 && stream.consumer_limits.max_ack_pending > 0 {
        return ped("max_ack_pending must be set if it's configured in stream limits");
    }
    if cfg.inactive_threshold == 0 && stream.consumer_limits.inactive_threshold > 0 {
        return ped("inactive_threshold must be set if it's configured in stream limits");
    }
    if let Some(&first) = cfg.backoff.first() {
        if cfg.ack_wait != first {
            return ped("first backoff value has to equal batch AckWait");
        }
    }
    Ok(())
}

/// Fills defaults (Go `setConsumerConfigDefaults`).
pub fn set_consumer_defaults(cfg: &mut ConsumerConfig, stream: &StreamConfig) {
    if cfg.max_deliver == 0 || cfg.max_deliver < -1 {
        cfg.max_deliver = -1;
    }
    cfg.max_waiting = cfg.max_waiting.max(0);
    if cfg.max_ack_pending < -1 {
        cfg.max_ack_pending = -1;
    }
    cfg.max_request_batch = cfg.max_request_batch.max(0);
    cfg.max_request_expires = cfg.max_request_expires.max(0);
    cfg.max_request_max_bytes = cfg.max_request_max_bytes.max(0);
    cfg.heartbeat = cfg.heartbeat.max(0);
    cfg.inactive_threshold = cfg.inactive_threshold.max(0);
    if cfg.deliver_subject.is_empty() && cfg.max_waiting == 0 {
        cfg.max_waiting = DEFAULT_MAX_WAITING;
    }
    if cfg.ack_wait == 0 && cfg.ack_policy != AckPolicy::None {
        cfg.ack_wait = DEFAULT_ACK_WAIT;
    }
    if let Some(&first) = cfg.backoff.first() {
        cfg.ack_wait = first;
    }
    if cfg.max_ack_pending == 0 {
        cfg.max_ack_pending = stream.consumer_limits.max_ack_pending;
    }
    if cfg.inactive_threshold == 0 {
        cfg.inactive_threshold = stream.consumer_limits.inactive_threshold;
    }
    if cfg.max_ack_pending == 0 && cfg.ack_policy != AckPolicy::None {
        cfg.max_ack_pending = DEFAULT_MAX_ACK_PENDING;
    }
    if cfg.durable.is_empty() && cfg.inactive_threshold == 0 {
        cfg.inactive_threshold = DEFAULT_INACTIVE_THRESHOLD;
    }
    if cfg.name.is_empty() && !cfg.durable.is_empty() {
        cfg.name = cfg.durable.clone();
    }
}

/// Validates a consumer config against its stream (Go `checkConsumerCfg`).
pub fn check_consumer_config(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
    let inv = |m: &str| ApiError::err(E::StreamInvalidConfig, m);
    if !cfg.name.is_empty() && !is_valid_name(&cfg.name) {
        return Err(inv("consumer name can not contain '.', '*', '>', '\\', '/'"));
    }
    if !cfg.durable.is_empty() && !is_valid_name(&cfg.durable) {
        return Err(inv("consumer durable name can not contain '.', '*', '>', '\\', '/'"));
    }
    if cfg.num_replicas < 0 {
        return Err(ApiError::new(E::ReplicasCountCannotBeNegative));
    }
    if cfg.backoff.iter().any(|&b| b <= 0) {
        return Err(ApiError::new(E::ConsumerBackOffNegative));
    }
    if cfg.ack_wait < 0 {
        return Err(ApiError::new(E::ConsumerAckWaitNegative));
    }
    if !cfg.backoff.is_empty() && cfg.max_deliver != -1 && cfg.backoff.len() as i64 > cfg.max_deliver {
        return Err(ApiError::new(E::ConsumerMaxDeliverBackoff));
    }
    if cfg.description.len() > MAX_DESCRIPTION_LEN {
        return Err(ApiError::with(E::ConsumerDescriptionTooLong, "max", MAX_DESCRIPTION_LEN));
    }
    if !cfg.deliver_subject.is_empty() {
        if !is_literal(&cfg.deliver_subject) {
            return Err(ApiError::new(E::ConsumerDeliverToWildcards));
        }
        if !is_valid(&cfg.deliver_subject) {
            return Err(ApiError::new(E::ConsumerInvalidDeliverSubject));
        }
        // Go `deliveryFormsCycle`.
        if stream.subjects.iter().any(|s| is_subset(&cfg.deliver_subject, s)) {
            return Err(ApiError::new(E::ConsumerDeliverCycle));
        }
        if cfg.max_waiting != 0 {
            return Err(ApiError::new(E::ConsumerPushMaxWaiting));
        }
        if cfg.max_ack_pending > 0 && cfg.ack_policy == AckPolicy::None {
            return Err(ApiError::new(E::ConsumerMaxPendingAckPolicyRequired));
        }
        if cfg.heartbeat > 0 && cfg.heartbeat < 100_000_000 {
            return Err(ApiError::new(E::ConsumerSmallHeartbeat));
        }
    } else {
        if stream.retention == Retention::Workqueue && cfg.ack_policy != AckPolicy::Explicit {
            return Err(ApiError::new(E::ConsumerPullRequiresAck));
        }
        if cfg.max_waiting < 0 {
            return Err(ApiError::new(E::ConsumerMaxWaitingNegative));
        }
        if cfg.heartbeat > 0 {
            return Err(ApiError::new(E::ConsumerHbRequiresPush));
        }
        if cfg.flow_control {
            return Err(ApiError::new(E::ConsumerFcRequiresPush));
        }
        if cfg.max_request_batch < 0 {
            return Err(ApiError::new(E::ConsumerMaxRequestBatchNegative));
        }
        if cfg.max_request_expires != 0 && cfg.max_request_expires < 1_000_000 {
            return Err(ApiError::new(E::ConsumerMaxRequestExpiresTooSmall));
        }
        if cfg.rate_limit > 0 {
            return Err(ApiError::new(E::ConsumerPullWithRateLimit));
        }
    }
    let limit = stream.consumer_limits.max_ack_pending;
    if limit > 0 && cfg.max_ack_pending > limit {
        return Err(ApiError::with(E::ConsumerMaxPendingAckExcess, "limit", limit));
    }
    let policy = cfg.priority_policy.as_deref().unwrap_or("none");
    if policy != "none" && !policy.is_empty() {
        if !cfg.deliver_subject.is_empty() {
            return Err(ApiError::new(E::PushWithPriorityGroup));
        }
        if cfg.priority_groups.is_empty() {
            return Err(ApiError::new(E::PriorityPolicyWithoutGroup));
        }
        for g in &cfg.priority_groups {
            if g.is_empty() {
                return Err(ApiError::new(E::EmptyGroupName));
            }
            let ok = g.len() <= 16 && g.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_/=)+".contains(&b));
            if !ok {
                return Err(ApiError::new(E::InvalidGroupName));
            }
        }
    } else if !cfg.priority_groups.is_empty() {
        return Err(ApiError::new(E::PriorityGroupWithPolicyNone));
    }
    if !cfg.filter_subject.is_empty() && !cfg.filter_subjects.is_empty() {
        return Err(ApiError::new(E::ConsumerDuplicateFilterSubjects));
    }
    if !cfg.filter_subject.is_empty() && !is_valid(&cfg.filter_subject) {
        return Err(inv("invalid subject"));
    }
    for (i, f) in cfg.filter_subjects.iter().enumerate() {
        if f.is_empty() {
            return Err(ApiError::new(E::ConsumerEmptyFilter));
        }
        if !is_valid(f) {
            return Err(inv("invalid subject"));
        }
        // Go refuses only filters where one contains the other.
        if cfg.filter_subjects[i + 1..].iter().any(|g| is_subset(f, g) || is_subset(g, f)) {
            return Err(ApiError::new(E::ConsumerOverlappingSubjectFilters));
        }
    }
    let bad_start = |dp: &str, start: &str| {
        ApiError::err(
            E::ConsumerInvalidPolicy,
            format!("consumer delivery policy is deliver {dp}, but optional start {start} is also set"),
        )
    };
    let not_set = |dp: &str, what: &str| {
        ApiError::err(
            E::ConsumerInvalidPolicy,
            format!("consumer delivery policy is deliver {dp}, but optional {what} is not set"),
        )
    };
    let (seq, time) = (cfg.opt_start_seq > 0, cfg.opt_start_time.is_some());
    match cfg.deliver_policy {
        DeliverPolicy::All if seq => return Err(bad_start("all", "sequence")),
        DeliverPolicy::All if time => return Err(bad_start("all", "time")),
        DeliverPolicy::Last if seq => return Err(bad_start("last", "sequence")),
        DeliverPolicy::Last if time => return Err(bad_start("last", "time")),
        DeliverPolicy::LastPerSubject if seq => return Err(bad_start("last per subject", "sequence")),
        DeliverPolicy::LastPerSubject if time => return Err(bad_start("last per subject", "time")),
        DeliverPolicy::LastPerSubject if cfg.filter_subject.is_empty() && cfg.filter_subjects.is_empty() => {
            return Err(not_set("last per subject", "filter subject"))
        }
        DeliverPolicy::New if seq => return Err(bad_start("new", "sequence")),
        DeliverPolicy::New if time => return Err(bad_start("new", "time")),
        DeliverPolicy::ByStartSequence if !seq => return Err(not_set("by start sequence", "start sequence")),
        DeliverPolicy::ByStartSequence if time => return Err(bad_start("by start sequence", "time")),
        DeliverPolicy::ByStartTime if !time => return Err(not_set("by start time", "start time")),
        DeliverPolicy::ByStartTime if seq => return Err(bad_start("by start time", "start sequence")),
        _ => {}
    }
    if cfg.flow_control && cfg.heartbeat == 0 {
        return Err(ApiError::new(E::ConsumerWithFlowControlNeedsHeartbeats));
    }
    if !cfg.durable.is_empty() && !cfg.name.is_empty() && cfg.name != cfg.durable {
        return Err(ApiError::new(E::ConsumerCreateDurableAndNameMismatch));
    }
    Ok(())
}

/// A consumer's delivery state as persisted across restarts.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ConsumerSnapshot {
    pub sseq: u64,
    pub dseq: u64,
    pub asflr: u64,
    pub adflr: u64,
    pub pending: Vec<(u64, u64, u64)>,
}

/// An unacknowledged delivery.
#[derive(Clone, Copy, Debug)]
struct Pending {
    dseq: u64,
    /// When it is due for redelivery (ack wait, backoff or NAK delay).
    deadline: i64,
    /// Already sitting in the redelivery queue.
    queued: bool,
}

/// A waiting pull request (Go `waitingRequest`).
#[derive(Clone, Debug)]
pub struct PullRequest {
    pub reply: String,
    /// Messages still wanted.
    pub n: i64,
    /// Bytes still allowed (0 = unlimited).
    pub b: i64,
    pub max_bytes: i64,
    /// Absolute expiry in Unix nanos (0 = none).
    pub expires: i64,
    pub no_wait: bool,
    pub hb: i64,
    pub last_hb: i64,
    pub delivered: i64,
    /// Pinned-client policy: the pin id sent with each message.
    pub pin: Option<String>,
}

/// One consumer of a stream.
pub struct Consumer {
    pub name: String,
    pub stream: String,
    pub cfg: ConsumerConfig,
    pub created: i64,
    filters: Vec<String>,
    sseq: u64,
    dseq: u64,
    asflr: u64,
    adflr: u64,
    pending: BTreeMap<u64, Pending>,
    rdc: HashMap<u64, u64>,
    rdq: VecDeque<u64>,
    pub waiting: VecDeque<PullRequest>,
    /// Remaining last-per-subject sequences, then where to resume.
    lps: VecDeque<u64>,
    lps_end: u64,
    last_delivered: i64,
    last_ack: i64,
    pub last_activity: i64,
    last_send: i64,
    fc_bytes: u64,
    fc_pending: Option<String>,
    fc_count: u64,
    /// Replay original: stored time of the last new message sent, and when
    /// the next one is due (0 = nothing waiting).
    replay_prev_ts: i64,
    replay_due: i64,
    /// No pending deadline is due before this (skips scanning `pending`
    /// on every tick).
    next_check: i64,
    /// Pinned-client policy: group -> (pin id, pinned at).
    pub pinned: BTreeMap<String, (String, i64)>,
}

fn status(line: &str) -> Bytes {
    Bytes::from(format!("NATS/1.0 {line}\r\n\r\n"))
}

fn status_out(subject: &str, line: &str) -> Outbound {
    Outbound {
        subject: subject.to_string(),
        msg_subject: None,
        reply: None,
        headers: Some(status(line)),
        payload: Bytes::new(),
    }
}

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
struct DeliveryExceeded {
    stream_seq: u64,
    deliveries: u64,
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

/// The filters a consumer really applies. A filter that covers every stream
/// subject filters nothing; dropping it keeps pending counts on the O(1)
/// unfiltered path of the store.
fn effective_filters(cfg: &ConsumerConfig, stream: &StreamConfig) -> Vec<String> {
    let mut filters: Vec<String> =
        if cfg.filter_subject.is_empty() { cfg.filter_subjects.clone() } else { vec![cfg.filter_subject.clone()] };
    if filters.iter().any(|f| stream.subjects.iter().all(|s| covers(f, s))) {
        filters.clear();
    }
    filters
}

impl Consumer {
    /// Re-derives filters after a config change of the consumer or stream.
    pub fn refresh_filters(&mut self, stream: &StreamConfig) {
        self.filters = effective_filters(&self.cfg, stream);
    }

    /// Creates a consumer positioned per its deliver policy.
    /// Delivery state for persistence: next stream and delivery sequences,
    /// ack floors, and the pending (stream seq, delivery seq, count) list.
    pub fn state_snapshot(&self) -> ConsumerSnapshot {
        ConsumerSnapshot {
            sseq: self.sseq,
            dseq: self.dseq,
            asflr: self.asflr,
            adflr: self.adflr,
            pending: self.pending.iter().map(|(&s, p)| (s, p.dseq, self.rdc.get(&s).copied().unwrap_or(0))).collect(),
        }
    }

    /// Changes whenever [`Consumer::state_snapshot`] would (every delivery
    /// moves `dseq`, every ack a floor or the pending count), so persistence
    /// can skip unchanged consumers without building the snapshot.
    pub fn state_fingerprint(&self) -> (u64, u64, u64, u64, usize, usize) {
        (self.sseq, self.dseq, self.asflr, self.adflr, self.pending.len(), self.rdc.len())
    }

    /// Restores a [`Consumer::state_snapshot`]; pending messages are due for
    /// redelivery one ack wait from `now`.
    pub fn restore_state(&mut self, st: &ConsumerSnapshot, created: i64, now: i64) {
        self.created = created;
        self.sseq = st.sseq;
        self.dseq = st.dseq;
        self.asflr = st.asflr;
        self.adflr = st.adflr;
        self.lps.clear();
        self.pending.clear();
        self.rdc.clear();
        for &(s, d, rc) in &st.pending {
            let deadline = now.saturating_add(self.ack_wait_for(rc + 1));
            self.pending.insert(s, Pending { dseq: d, deadline, queued: false });
            if rc > 0 {
                self.rdc.insert(s, rc);
            }
            self.next_check = self.next_check.min(deadline);
        }
    }

    pub fn new(stream: &StreamConfig, name: &str, cfg: ConsumerConfig, store: &dyn StreamStore, now: i64) -> Consumer {
        let filters = effective_filters(&cfg, stream);
        let mut c = Consumer {
            name: name.to_string(),
            stream: stream.name.clone(),
            cfg,
            created: now,
            filters,
            sseq: 1,
            dseq: 1,
            asflr: 0,
            adflr: 0,
            pending: BTreeMap::new(),
            rdc: HashMap::new(),
            rdq: VecDeque::new(),
            waiting: VecDeque::new(),
            lps: VecDeque::new(),
            lps_end: 0,
            last_delivered: 0,
            last_ack: 0,
            last_activity: now,
            last_send: now,
            fc_bytes: 0,
            fc_pending: None,
            fc_count: 0,
            replay_prev_ts: 0,
            replay_due: 0,
            next_check: i64::MAX,
            pinned: BTreeMap::new(),
        };
        c.select_start(store);
        c
    }

    fn select_start(&mut self, store: &dyn StreamStore) {
        let st = store.state();
        self.sseq = match self.cfg.deliver_policy {
            DeliverPolicy::All => st.first_seq,
            DeliverPolicy::Last => {
                if self.filters.is_empty() {
                    st.last_seq
                } else {
                    self.filters
                        .iter()
                        .filter_map(|f| store.load_last_msg(f))
                        .map(|m| m.seq)
                        .max()
                        .unwrap_or(st.last_seq + 1)
                }
            }
            DeliverPolicy::New => st.last_seq + 1,
            DeliverPolicy::ByStartSequence => self.cfg.opt_start_seq,
            DeliverPolicy::ByStartTime => {
                let t = self.cfg.opt_start_time.unwrap_or_default().0;
                let mut s = st.first_seq;
                loop {
                    match store.load_next_msg("", s) {
                        Some(m) if m.ts >= t => break m.seq,
                        Some(m) => s = m.seq + 1,
                        None => break st.last_seq + 1,
                    }
                }
            }
            DeliverPolicy::LastPerSubject => {
                let mut seqs: Vec<u64> = Vec::new();
                for f in self.effective_filters() {
                    seqs.extend(store.subjects_state(f).values().map(|s| s.last));
                }
                seqs.sort_unstable();
                seqs.dedup();
                self.lps_end = st.last_seq;
                let first = seqs.first().copied().unwrap_or(st.last_seq + 1);
                self.lps = seqs.into();
                first
            }
        }
        .max(1);
        // Go reports the floors one below the starting point.
        self.asflr = self.sseq - 1;
    }

    fn effective_filters(&self) -> Vec<&str> {
        if self.filters.is_empty() {
            vec![""]
        } else {
            self.filters.iter().map(|s| s.as_str()).collect()
        }
    }

    pub fn is_push(&self) -> bool {
        !self.cfg.deliver_subject.is_empty()
    }

    pub fn is_durable(&self) -> bool {
        !self.cfg.durable.is_empty()
    }

    /// True when this consumer's filters select `subject`.
    pub fn filter_matches(&self, subject: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| matches(subject, f))
    }

    /// True once `seq` needs nothing more from this consumer (retention).
    pub fn has_acked(&self, seq: u64) -> bool {
        if seq >= self.sseq && !self.lps.contains(&seq) {
            return false;
        }
        match self.cfg.ack_policy {
            AckPolicy::None => true,
            _ => !self.pending.contains_key(&seq),
        }
    }

    pub fn num_pending(&self, store: &dyn StreamStore) -> u64 {
        let mut n: u64 = self.lps.len() as u64;
        let start = if self.lps.is_empty() { self.sseq } else { self.lps_end + 1 };
        for f in self.effective_filters() {
            n += store.num_pending(start, f, false);
        }
        n
    }

    fn ack_wait_for(&self, dc: u64) -> i64 {
        if self.cfg.backoff.is_empty() {
            if self.cfg.ack_wait > 0 {
                self.cfg.ack_wait
            } else {
                DEFAULT_ACK_WAIT
            }
        } else {
            let i = (dc.saturating_sub(1) as usize).min(self.cfg.backoff.len() - 1);
            self.cfg.backoff[i]
        }
    }

    pub fn is_paused(&self, now: i64) -> bool {
        self.cfg.pause_until.is_some_and(|p| p.0 > now)
    }

    fn priority_groups_state(&self) -> Vec<super::api_types::PriorityGroupState> {
        let pinned = self.cfg.priority_policy.as_deref() == Some("pinned_client");
        self.cfg
            .priority_groups
            .iter()
            .map(|g| {
                let pin = if pinned { self.pinned.get(g) } else { None };
                super::api_types::PriorityGroupState {
                    group: g.clone(),
                    pinned_client_id: pin.map(|p| p.0.clone()).unwrap_or_default(),
                    pinned_ts: pin.map(|p| GoTime(p.1)),
                }
            })
            .collect()
    }

    /// `$JS.API.CONSUMER.UNPIN`: forgets the pinned client of `group`.
    pub fn unpin(&mut self, group: &str) -> Result<(), ApiError> {
        if !self.cfg.priority_groups.iter().any(|g| g == group) {
            return Err(ApiError::new(E::InvalidPriorityGroup));
        }
        self.pinned.remove(group);
        Ok(())
    }

    pub fn info(&self, store: &dyn StreamStore, now: i64) -> ConsumerInfo {
        let remaining = self.cfg.pause_until.map_or(0, |p| p.0.saturating_sub(now));
        ConsumerInfo {
            stream_name: self.stream.clone(),
            name: self.name.clone(),
            created: GoTime(self.created),
            config: self.cfg.clone(),
            delivered: SequenceInfo {
                consumer_seq: self.dseq - 1,
                stream_seq: self.sseq - 1,
                last_active: (self.last_delivered != 0).then_some(GoTime(self.last_delivered)),
            },
            ack_floor: SequenceInfo {
                consumer_seq: self.adflr,
                stream_seq: self.asflr,
                last_active: (self.last_ack != 0).then_some(GoTime(self.last_ack)),
            },
            num_ack_pending: self.pending.len() as u64,
            num_redelivered: self.rdc.len() as u64,
            num_waiting: self.waiting.len() as u64,
            num_pending: self.num_pending(store),
            push_bound: false,
            paused: remaining > 0,
            pause_remaining: remaining.max(0),
            priority_groups: self.priority_groups_state(),
            ts: GoTime(now),
        }
    }

    fn update_floors(&mut self) {
        if let Some((&s, p)) = self.pending.iter().next() {
            self.asflr = s - 1;
            self.adflr = p.dseq - 1;
        } else {
            self.asflr = self.sseq - 1;
            self.adflr = self.dseq - 1;
        }
    }

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
    pub fn deliver(
        &mut self,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Outbound>,
    ) {
        if self.is_paused(now) {
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
            let size = (m.subject.len() + ack.len() + m.hdr.len() + m.msg.len()) as i64;
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
            let (headers, payload) = if self.cfg.headers_only {
                let base = if m.hdr.is_empty() {
                    "NATS/1.0\r\n".to_string()
                } else {
                    String::from_utf8_lossy(&m.hdr[..m.hdr.len().saturating_sub(2)]).into_owned()
                };
                (Some(Bytes::from(format!("{base}Nats-Msg-Size: {}\r\n\r\n", m.msg.len()))), Bytes::new())
            } else {
                ((!m.hdr.is_empty()).then(|| m.hdr.clone()), m.msg.clone())
            };
            let pin = if self.is_push() { None } else { self.waiting.front().and_then(|r| r.pin.clone()) };
            let headers = match pin {
                Some(id) => {
                    let base = match &headers {
                        Some(h) => String::from_utf8_lossy(&h[..h.len().saturating_sub(2)]).into_owned(),
                        None => "NATS/1.0\r\n".to_string(),
                    };
                    Some(Bytes::from(format!("{base}Nats-Pin-Id: {id}\r\n\r\n")))
                }
                None => headers,
            };
            out.push(Outbound {
                subject: target,
                msg_subject: Some(m.subject.to_string()),
                reply: Some(ack),
                headers,
                payload,
            });
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

    fn send_flow_control(&mut self, out: &mut Vec<Outbound>) {
        self.fc_count += 1;
        let id = format!("$JS.FC.{}.{}.{}", self.stream, self.name, self.fc_count);
        out.push(Outbound {
            subject: self.cfg.deliver_subject.clone(),
            msg_subject: None,
            reply: Some(id.clone()),
            headers: Some(status("100 FlowControl Request")),
            payload: Bytes::new(),
        });
        self.fc_pending = Some(id);
        self.fc_bytes = 0;
    }

    /// A flow-control reply arrived on `subject`.
    pub fn flow_control_reply(&mut self, subject: &str) -> bool {
        if self.fc_pending.as_deref() == Some(subject) {
            self.fc_pending = None;
            return true;
        }
        false
    }

    fn expire_requests(&mut self, now: i64, out: &mut Vec<Outbound>) {
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
    pub fn next_request(
        &mut self,
        reply: &str,
        payload: &[u8],
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Outbound>,
    ) {
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
                super::api::drop_nulls(&mut v);
                serde_json::from_value(v)
            });
            match parsed {
                Ok(r) => r,
                Err(e) => {
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
                        let id = super::api::random_id();
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

    /// Handles a reply on `$JS.ACK...` for (`sseq`, `dseq`). Returns the
    /// stream sequences now fully acknowledged (for interest and work-queue
    /// retention).
    #[allow(clippy::too_many_arguments)]
    pub fn process_ack(
        &mut self,
        sseq: u64,
        dseq: u64,
        payload: &[u8],
        reply: Option<&str>,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Outbound>,
    ) -> Vec<u64> {
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
                out.push(Outbound {
                    subject: r.to_string(),
                    msg_subject: None,
                    reply: None,
                    headers: None,
                    payload: Bytes::new(),
                });
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
    fn advisory(&self, kind: &str, typ: &str, body: impl Serialize, now: i64) -> Outbound {
        let adv = ConsumerEvent {
            kind: typ,
            id: super::api::random_id(),
            timestamp: GoTime(now),
            stream: &self.stream,
            consumer: &self.name,
            body,
        };
        Outbound {
            subject: format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{}.{}", self.stream, self.name),
            msg_subject: None,
            reply: None,
            headers: None,
            payload: Bytes::from(crate::json::to_vec(&adv)),
        }
    }

    /// Go's ack sampling: a `consumer_ack` metric for a sampled ack.
    fn ack_metric(&self, sseq: u64, dseq: u64, now: i64, out: &mut Vec<Outbound>) {
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
        o.subject = format!("$JS.EVENT.METRIC.CONSUMER.ACK.{}.{}", self.stream, self.name);
        out.push(o);
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

    /// Timer work: redelivery after ack wait, request expiry, heartbeats.
    pub fn tick(
        &mut self,
        store: &dyn StreamStore,
        now: i64,
        has_interest: &dyn Fn(&str) -> bool,
        out: &mut Vec<Outbound>,
    ) {
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

    /// True when an inactivity threshold has passed (ephemerals and
    /// durables with `inactive_threshold`).
    pub fn is_inactive(&self, now: i64) -> bool {
        self.cfg.inactive_threshold > 0 && now.saturating_sub(self.last_activity) > self.cfg.inactive_threshold
    }

    /// Earliest moment `tick` has work for this consumer.
    pub fn next_deadline(&self) -> Option<i64> {
        let mut best: Option<i64> = self.pending.values().filter(|p| !p.queued).map(|p| p.deadline).min();
        let mut consider = |t: i64| best = Some(best.map_or(t, |b| b.min(t)));
        for r in &self.waiting {
            if r.expires > 0 {
                consider(r.expires);
            }
            if r.hb > 0 {
                consider(r.last_hb.saturating_add(r.hb));
            }
        }
        if self.replay_due > 0 {
            consider(self.replay_due);
        }
        if let Some(p) = self.cfg.pause_until {
            consider(p.0);
        }
        if self.is_push() && self.cfg.heartbeat > 0 {
            consider(self.last_send.saturating_add(self.cfg.heartbeat));
        }
        if self.cfg.inactive_threshold > 0 {
            consider(self.last_activity.saturating_add(self.cfg.inactive_threshold).saturating_add(1));
        }
        best
    }

    /// After a purge: skip what is gone and forget pending acks for it.
    pub fn on_purge(&mut self, store: &dyn StreamStore) {
        let first = store.state().first_seq;
        if self.sseq < first {
            self.sseq = first;
        }
        self.pending.retain(|s, _| store.load_msg(*s).is_some());
        let pending = &self.pending;
        self.rdc.retain(|s, _| pending.contains_key(s));
        self.rdq.retain(|s| pending.contains_key(s));
        self.lps.retain(|s| store.load_msg(*s).is_some());
        self.update_floors();
    }

    /// Sends `409 Consumer Deleted` to waiting pull requests.
    pub fn on_delete(&mut self, out: &mut Vec<Outbound>) {
        for r in self.waiting.drain(..) {
            out.push(status_out(&r.reply, "409 Consumer Deleted"));
        }
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
