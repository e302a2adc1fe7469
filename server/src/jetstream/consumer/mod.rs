//! Consumers (Go consumer.go): config defaults and checks
//! (`setConsumerConfigDefaults`, `checkConsumerCfg`), the `Consumer` and its
//! delivery state, info, persistence snapshots and timers' deadlines.
//! Delivery is in `deliver`, acks and redelivery in `ack`, pull requests in
//! `pull`.
//!
//! A consumer never owns messages: it walks the stream store by sequence
//! (`sseq` is the next stream sequence to look at, `dseq` the next delivery
//! sequence) and tracks unacknowledged deliveries in `pending`.
use std::collections::{BTreeMap, HashMap, VecDeque};

use super::api_types::{
    is_valid_name, AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, GoTime, Retention, SequenceInfo,
    StreamConfig, MAX_DESCRIPTION_LEN,
};
use super::errors::{ApiError, E};
use crate::message::Msg;
use crate::store::StreamStore;
use crate::subject::{covers, is_literal, is_subset, is_valid, matches};

mod ack;
mod deliver;
mod pull;

pub(crate) use pull::PullRequest;

/// Reply subjects of deliveries start with this: replies to them are acks.
pub(crate) const ACK_PREFIX: &str = "$JS.ACK.";

/// Go `JsAckWaitDefault`.
const DEFAULT_ACK_WAIT: i64 = 30_000_000_000;
/// Go `JsDefaultMaxAckPending`.
const DEFAULT_MAX_ACK_PENDING: i64 = 1000;
/// Go `JSWaitQueueDefaultMax`.
const DEFAULT_MAX_WAITING: i64 = 512;
/// Go `JsDeleteWaitTimeDefault`: inactivity before an ephemeral is removed.
const DEFAULT_INACTIVE_THRESHOLD: i64 = 5_000_000_000;
/// Most messages a push consumer hands out in one go; the engine comes back
/// for the rest at once (see `service.rs`), after publishing these. Keeps a
/// consumer far behind from building one huge batch in memory.
pub(crate) const PUSH_BATCH: usize = 1024;

/// Pedantic mode (Go `setConsumerConfigDefaults` with `pedantic`): a value
/// the server would silently fill in or correct is an error instead.
pub(crate) fn check_consumer_pedantic(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
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
pub(crate) fn set_consumer_defaults(cfg: &mut ConsumerConfig, stream: &StreamConfig) {
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
pub(crate) fn check_consumer_config(cfg: &ConsumerConfig, stream: &StreamConfig) -> Result<(), ApiError> {
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
    let limit = stream.consumer_limits.inactive_threshold;
    if limit > 0 && cfg.inactive_threshold > limit {
        let limit = crate::gotime::duration_string(limit);
        return Err(ApiError::with(E::ConsumerInactiveThresholdExcess, "limit", limit));
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

/// What changes whenever a consumer's delivery state does (see
/// [`Consumer::state_fingerprint`]).
pub(crate) type StateFingerprint = (u64, u64, u64, u64, usize, usize);

/// A consumer's delivery state as persisted across restarts.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct ConsumerSnapshot {
    pub(crate) sseq: u64,
    pub(crate) dseq: u64,
    pub(crate) asflr: u64,
    pub(crate) adflr: u64,
    pub(crate) pending: Vec<(u64, u64, u64)>,
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

/// One consumer of a stream.
pub(crate) struct Consumer {
    /// Clustered, a replica that does not lead: it keeps the state its
    /// leader replicates and neither delivers, nor takes acks or pull
    /// requests, nor runs timers, nor goes inactive.
    pub(crate) passive: bool,
    pub(crate) name: String,
    pub(crate) stream: String,
    pub(crate) cfg: ConsumerConfig,
    pub(crate) created: i64,
    filters: Vec<String>,
    sseq: u64,
    dseq: u64,
    asflr: u64,
    adflr: u64,
    pending: BTreeMap<u64, Pending>,
    rdc: HashMap<u64, u64>,
    rdq: VecDeque<u64>,
    pub(crate) waiting: VecDeque<PullRequest>,
    /// Remaining last-per-subject sequences, then where to resume.
    lps: VecDeque<u64>,
    lps_end: u64,
    last_delivered: i64,
    last_ack: i64,
    pub(crate) last_activity: i64,
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
    pub(crate) pinned: BTreeMap<String, (String, i64)>,
}

fn status_out(subject: &str, line: &str) -> Msg {
    Msg::status(subject, line)
}

/// The filters a consumer really applies. A filter that covers every stream
/// subject filters nothing; dropping it keeps pending counts on the O(1)
/// unfiltered path of the store. Only for a stream whose messages all come
/// through its subjects: a mirror or sources bring in any subject.
fn effective_filters(cfg: &ConsumerConfig, stream: &StreamConfig) -> Vec<String> {
    let mut filters: Vec<String> =
        if cfg.filter_subject.is_empty() { cfg.filter_subjects.clone() } else { vec![cfg.filter_subject.clone()] };
    let only_own_subjects =
        !stream.subjects.is_empty() && stream.mirror.is_none() && stream.sources.as_ref().is_none_or(|s| s.is_empty());
    if only_own_subjects && filters.iter().any(|f| stream.subjects.iter().all(|s| covers(f, s))) {
        filters.clear();
    }
    filters
}

impl Consumer {
    /// Takes an updated config (Go's `consumer.updateConfig`). A new ack
    /// wait or backoff re-times what is pending from when it was delivered,
    /// as Go's pending check does, so a shorter wait redelivers at once what
    /// is now overdue.
    pub(crate) fn update_config(&mut self, cfg: ConsumerConfig, stream: &StreamConfig) {
        let retime = cfg.ack_wait != self.cfg.ack_wait || cfg.backoff != self.cfg.backoff;
        let delivered_at: Vec<(u64, i64)> = if retime {
            self.pending
                .iter()
                .filter(|(_, p)| !p.queued)
                .map(|(&s, p)| {
                    (s, p.deadline.saturating_sub(self.ack_wait_for(self.rdc.get(&s).copied().unwrap_or(0) + 1)))
                })
                .collect()
        } else {
            Vec::new()
        };
        self.cfg = cfg;
        self.refresh_filters(stream);
        for (s, at) in delivered_at {
            let deadline = at.saturating_add(self.ack_wait_for(self.rdc.get(&s).copied().unwrap_or(0) + 1));
            if let Some(p) = self.pending.get_mut(&s) {
                p.deadline = deadline;
                self.next_check = self.next_check.min(deadline);
            }
        }
    }

    /// Re-derives filters after a config change of the consumer or stream.
    pub(crate) fn refresh_filters(&mut self, stream: &StreamConfig) {
        self.filters = effective_filters(&self.cfg, stream);
    }

    /// Delivery state for persistence: next stream and delivery sequences,
    /// ack floors, and the pending (stream seq, delivery seq, count) list.
    pub(crate) fn state_snapshot(&self) -> ConsumerSnapshot {
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
    pub(crate) fn state_fingerprint(&self) -> StateFingerprint {
        (self.sseq, self.dseq, self.asflr, self.adflr, self.pending.len(), self.rdc.len())
    }

    /// Restores a [`Consumer::state_snapshot`]; pending messages are due for
    /// redelivery one ack wait from `now`.
    pub(crate) fn restore_state(&mut self, st: &ConsumerSnapshot, created: i64, now: i64) {
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

    /// Creates a consumer positioned per its deliver policy.
    pub(crate) fn new(
        stream: &StreamConfig,
        name: &str,
        cfg: ConsumerConfig,
        store: &dyn StreamStore,
        now: i64,
    ) -> Consumer {
        let filters = effective_filters(&cfg, stream);
        let mut c = Consumer {
            passive: false,
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
        // Go's `selectStartingSeqNo` clamps: an empty stream starts at 1, a
        // start past the end (not asked for by sequence) right after it,
        // and one before the first message left at that message.
        let asked = self.cfg.opt_start_seq > 0;
        if st.first_seq == 0 && !asked {
            self.sseq = 1;
        } else if self.sseq > st.last_seq && !asked {
            self.sseq = st.last_seq + 1;
        } else if self.sseq < st.first_seq {
            self.sseq = st.first_seq;
        }
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

    pub(crate) fn is_push(&self) -> bool {
        !self.cfg.deliver_subject.is_empty()
    }

    /// True when this consumer's filters select `subject`.
    pub(crate) fn filter_matches(&self, subject: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| matches(subject, f))
    }

    /// True once `seq` needs nothing more from this consumer (retention).
    pub(crate) fn has_acked(&self, seq: u64) -> bool {
        if seq >= self.sseq && !self.lps.contains(&seq) {
            return false;
        }
        match self.cfg.ack_policy {
            AckPolicy::None => true,
            _ => !self.pending.contains_key(&seq),
        }
    }

    pub(crate) fn num_pending(&self, store: &dyn StreamStore) -> u64 {
        let mut n: u64 = self.lps.len() as u64;
        let start = if self.lps.is_empty() { self.sseq } else { self.lps_end + 1 };
        for f in self.effective_filters() {
            n += store.num_pending(start, f, false);
        }
        n
    }

    pub(crate) fn ack_wait_for(&self, dc: u64) -> i64 {
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

    pub(crate) fn is_paused(&self, now: i64) -> bool {
        self.cfg.pause_until.is_some_and(|p| p.0 > now)
    }

    pub(crate) fn info(&self, store: &dyn StreamStore, now: i64) -> ConsumerInfo {
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
            cluster: None,
            push_bound: false,
            paused: remaining > 0,
            pause_remaining: remaining.max(0),
            priority_groups: self.priority_groups_state(),
            ts: GoTime(now),
        }
    }

    pub(crate) fn update_floors(&mut self) {
        if let Some((&s, p)) = self.pending.iter().next() {
            self.asflr = s - 1;
            self.adflr = p.dseq - 1;
        } else {
            self.asflr = self.sseq - 1;
            self.adflr = self.dseq - 1;
        }
    }

    /// True when an inactivity threshold has passed (ephemerals and
    /// durables with `inactive_threshold`).
    pub(crate) fn is_inactive(&self, now: i64) -> bool {
        !self.passive
            && self.cfg.inactive_threshold > 0
            && now.saturating_sub(self.last_activity) > self.cfg.inactive_threshold
    }

    /// Messages below `first` left the stream (its limits dropped them):
    /// what of them was pending is done with, as if terminated (Go's
    /// `decStreamPending`, which processes such a message as a term).
    pub(crate) fn drop_pending_below(&mut self, first: u64) {
        if self.pending.first_key_value().is_none_or(|(&s, _)| s >= first) {
            return;
        }
        let rest = self.pending.split_off(&first);
        let gone = std::mem::replace(&mut self.pending, rest);
        for s in gone.keys() {
            self.rdc.remove(s);
        }
        let pending = &self.pending;
        self.rdq.retain(|s| *s >= first || pending.contains_key(s));
        self.update_floors();
    }

    /// After a purge: skip what is gone and forget pending acks for it.
    pub(crate) fn on_purge(&mut self, store: &dyn StreamStore) {
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
}
