//! Streams (Go stream.go): config validation and defaults (`checkStreamCfg`,
//! with its mirror and source rules), the publish path
//! (`processJetStreamMsg`: headers, dedupe, limits, rollups, republish),
//! retention bookkeeping, and what an account holds: its streams
//! (`AccountJs`) and, for file streams, their files (written by `persist`).
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;

use super::api_types::{
    is_valid_name, mirror_of, Discard, Retention, SourceCfg, Storage, StreamConfig, MAX_DESCRIPTION_LEN,
};
use super::consumer::Consumer;
use super::errors::{ApiError, E};
use crate::message::Msg;
use crate::store::file::meta::MetaFiles;
use crate::store::{MemStore, SizeModel, StoreLimits, StreamStore};
use crate::subject::transform::{transform_subject, validate_mapping};
use crate::subject::{collide, is_subset, is_valid, is_valid_publish, matches};

/// Go `JSMaxNameLen`.
const MAX_NAME_LEN: usize = 255;
/// Go `StreamDefaultDuplicatesWindow` (2 minutes).
const DEFAULT_DUPLICATES_WINDOW: i64 = 120_000_000_000;

/// Header names the publish path reads (Go stream.go constants).
const HDR_MSG_ID: &str = "Nats-Msg-Id";
const HDR_EXPECTED_STREAM: &str = "Nats-Expected-Stream";
const HDR_EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";
const HDR_EXPECTED_LAST_SUBJ_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
const HDR_EXPECTED_LAST_SUBJ_SEQ_SUBJ: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
const HDR_EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
const HDR_ROLLUP: &str = "Nats-Rollup";
pub(crate) const HDR_TTL: &str = "Nats-TTL";

pub(crate) use crate::message::get_header;

/// Go refuses a client publish carrying the stream-source header.
fn has_source_header(hdr: &[u8]) -> bool {
    get_header(hdr, "Nats-Stream-Source").is_some()
}

/// Go `parseMessageTTL`: `never` is -1, a Go duration of at least 1s or a
/// plain number of seconds; returns seconds.
pub(crate) fn parse_msg_ttl(v: &str) -> Result<i64, ApiError> {
    if v.eq_ignore_ascii_case("never") {
        return Ok(-1);
    }
    if let Ok(d) = crate::gotime::parse_duration(v) {
        if v.parse::<i64>().is_err() {
            if d < 1_000_000_000 {
                return Err(ApiError::new(E::MessageTtlInvalid));
            }
            return Ok(d / 1_000_000_000);
        }
    }
    match v.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(ApiError::new(E::MessageTtlInvalid)),
    }
}

/// Validates a requested stream config and fills Go's defaults
/// (Go stream.go `checkStreamCfg`).
pub(crate) fn check_stream_config(cfg: StreamConfig) -> Result<StreamConfig, ApiError> {
    check_stream_config_mode(cfg, false)
}

/// [`check_stream_config`] with Go's pedantic mode: corrections become errors.
pub(crate) fn check_stream_config_mode(mut cfg: StreamConfig, pedantic: bool) -> Result<StreamConfig, ApiError> {
    let inv = |m: &str| ApiError::err(E::StreamInvalidConfig, m);
    if !is_valid_name(&cfg.name) {
        return Err(inv("stream name is required and can not contain '.', '*', '>', '\\', '/'"));
    }
    if cfg.name.len() > MAX_NAME_LEN {
        return Err(inv(&format!("stream name is too long, maximum allowed is {MAX_NAME_LEN}")));
    }
    if cfg.description.len() > MAX_DESCRIPTION_LEN {
        return Err(inv(&format!("stream description is too long, maximum allowed is {MAX_DESCRIPTION_LEN}")));
    }
    if cfg.num_replicas == 0 {
        cfg.num_replicas = 1;
    }
    if cfg.num_replicas > 5 {
        return Err(inv("maximum replicas is 5"));
    }
    if cfg.num_replicas < 0 {
        return Err(ApiError::new(E::ReplicasCountCannotBeNegative));
    }
    if cfg.max_msgs == 0 || cfg.max_msgs < -1 {
        if pedantic && cfg.max_msgs < -1 {
            return Err(ApiError::err(E::Pedantic, "max_msgs must be set to -1"));
        }
        cfg.max_msgs = -1;
    }
    if cfg.max_msgs_per_subject == 0 || cfg.max_msgs_per_subject < -1 {
        if pedantic && cfg.max_msgs_per_subject < -1 {
            return Err(ApiError::err(E::Pedantic, "max_msgs_per_subject must be set to -1"));
        }
        cfg.max_msgs_per_subject = -1;
    }
    if cfg.max_bytes == 0 || cfg.max_bytes < -1 {
        if pedantic && cfg.max_bytes < -1 {
            return Err(ApiError::err(E::Pedantic, "max_bytes must be set to -1"));
        }
        cfg.max_bytes = -1;
    }
    if cfg.max_msg_size == 0 || cfg.max_msg_size < -1 {
        if pedantic && cfg.max_msg_size < -1 {
            return Err(ApiError::err(E::Pedantic, "max_msg_size must be set to -1"));
        }
        cfg.max_msg_size = -1;
    }
    if cfg.max_consumers == 0 || cfg.max_consumers < -1 {
        if pedantic && cfg.max_consumers < -1 {
            return Err(ApiError::err(E::Pedantic, "max_consumers must be set to -1"));
        }
        cfg.max_consumers = -1;
    }
    if cfg.max_age < 0 {
        return Err(inv("max age can not be negative"));
    }
    // Go 2.12: "default" is the zero value and is not echoed back.
    if cfg.persist_mode.as_deref().is_some_and(|m| m.is_empty() || m.eq_ignore_ascii_case("default")) {
        cfg.persist_mode = None;
    }
    match cfg.persist_mode.as_deref() {
        None | Some("async") => {}
        Some(_) => return Err(inv("invalid persist mode")),
    }
    if cfg.persist_mode.is_some() && cfg.storage == Storage::Memory {
        return Err(inv("async persist mode is only supported on file storage"));
    }
    if cfg.max_age > 0 && cfg.max_age < 100_000_000 {
        return Err(inv("max age needs to be >= 100ms"));
    }
    if cfg.duplicate_window == 0 && cfg.mirror.is_none() && cfg.sources.as_ref().is_none_or(|s| s.is_empty()) {
        cfg.duplicate_window = if cfg.max_age != 0 && cfg.max_age < DEFAULT_DUPLICATES_WINDOW {
            cfg.max_age
        } else {
            DEFAULT_DUPLICATES_WINDOW
        };
    }
    if cfg.duplicate_window < 0 {
        return Err(inv("duplicates window can not be negative"));
    }
    if cfg.max_age != 0 && cfg.duplicate_window > cfg.max_age {
        return Err(inv("duplicates window can not be larger then max age"));
    }
    if cfg.duplicate_window > 0 && cfg.duplicate_window < 100_000_000 {
        return Err(inv("duplicates window needs to be >= 100ms"));
    }
    if cfg.deny_purge && cfg.allow_rollup_hdrs {
        return Err(inv("roll-ups require the purge permission"));
    }
    if cfg.discard_new_per_subject {
        if cfg.discard != Discard::New {
            return Err(inv("discard new per subject requires discard new policy to be set"));
        }
        if cfg.max_msgs_per_subject <= 0 {
            return Err(inv("discard new per subject requires max msgs per subject > 0"));
        }
    }
    if cfg.subject_delete_marker_ttl > 0 {
        if cfg.mirror.is_some() {
            return Err(inv("subject delete markers forbidden on mirrors"));
        }
        if cfg.subject_delete_marker_ttl < 1_000_000_000 {
            return Err(inv("subject delete marker TTL must be at least 1 second"));
        }
        // Go turns on what markers need (TTLs and rollups) by itself.
        if !cfg.allow_msg_ttl {
            if pedantic {
                return Err(inv("subject delete marker cannot be set if message TTLs are disabled"));
            }
            cfg.allow_msg_ttl = true;
        }
        if !cfg.allow_rollup_hdrs {
            if pedantic {
                return Err(inv("subject delete marker cannot be set if roll-ups are disabled"));
            }
            cfg.allow_rollup_hdrs = true;
            cfg.deny_purge = false;
        }
    } else if cfg.subject_delete_marker_ttl < 0 {
        return Err(inv("subject delete marker TTL must not be negative"));
    }
    check_sources(&cfg)?;
    let has_upstream = cfg.mirror.is_some() || cfg.sources.as_ref().is_some_and(|s| !s.is_empty());
    if cfg.subjects.is_empty() && !has_upstream {
        cfg.subjects.push(cfg.name.clone());
    }
    let mut seen = std::collections::HashSet::new();
    for s in &cfg.subjects {
        if !is_valid(s) {
            return Err(inv("invalid subject"));
        }
        if !seen.insert(s.as_str()) {
            return Err(inv("duplicate subjects detected"));
        }
        if s == ">" && !cfg.no_ack {
            return Err(inv("capturing all subjects requires no-ack to be true"));
        }
        // Go: no overlap with the API and internal subject spaces without
        // no-ack, except advisories (`$JS.EVENT.>`, `$SYS.ACCOUNT.>`).
        if !cfg.no_ack {
            if ["$JS.>", "$JSC.>", "$NRG.>"].iter().any(|ns| collide(s, ns)) && !is_subset(s, "$JS.EVENT.>") {
                return Err(inv("subjects that overlap with jetstream api require no-ack to be true"));
            }
            if collide(s, "$SYS.>") && !is_subset(s, "$SYS.ACCOUNT.>") {
                return Err(inv("subjects that overlap with system api require no-ack to be true"));
            }
        }
    }
    for (i, a) in cfg.subjects.iter().enumerate() {
        for b in &cfg.subjects[i + 1..] {
            if collide(a, b) {
                return Err(inv(&format!("subject {a:?} overlaps with {b:?}")));
            }
        }
    }
    if let Some(rp) = &cfg.republish {
        if !rp.source.is_empty() && !is_valid(&rp.source) {
            return Err(inv("stream configuration for republish source is invalid"));
        }
        if !is_valid(&rp.destination) {
            return Err(inv("stream configuration for republish destination is invalid"));
        }
        // Go: a destination any stream subject could match is a cycle,
        // whatever the source.
        for s in &cfg.subjects {
            if collide(&rp.destination, s) {
                return Err(inv("stream configuration for republish destination forms a cycle"));
            }
        }
        let src = if rp.source.is_empty() { ">" } else { rp.source.as_str() };
        if validate_mapping(src, &rp.destination).is_err() {
            return Err(inv(&format!(
                "stream configuration for republish with transform from '{src}' to '{}' not valid",
                rp.destination
            )));
        }
    }
    if let Some(tr) = &cfg.subject_transform {
        if !tr.source.is_empty() && !is_valid(&tr.source) {
            return Err(ApiError::err(E::StreamTransformInvalidSource, format!("invalid subject {}", tr.source)));
        }
        if !tr.destination.is_empty() && !is_valid(&tr.destination) {
            return Err(ApiError::err(E::StreamTransformInvalidDestination, "invalid subject"));
        }
        if !tr.destination.is_empty() {
            let src = if tr.source.is_empty() { ">" } else { tr.source.as_str() };
            if let Err(e) = validate_mapping(src, &tr.destination) {
                return Err(ApiError::err(E::StreamTransformInvalidDestination, e));
            }
        }
    }
    Ok(cfg)
}

fn err(code: u16, err_code: u16, d: &str) -> ApiError {
    ApiError { code, err_code, description: d.to_string() }
}

/// Go `checkStreamCfg`'s mirror and source rules.
fn check_sources(cfg: &StreamConfig) -> Result<(), ApiError> {
    if cfg.mirror.as_ref().is_some_and(|v| !v.is_null()) {
        let Some(m) = mirror_of(cfg) else {
            return Err(ApiError::err(E::StreamInvalidConfig, "stream mirror configuration invalid"));
        };
        if cfg.first_seq > 0 {
            return Err(err(400, 10143, "stream mirrors can not have first sequence configured"));
        }
        if !cfg.subjects.is_empty() {
            return Err(err(400, 10034, "stream mirrors can not contain subjects"));
        }
        if cfg.sources.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(err(400, 10031, "stream mirrors can not also contain other sources"));
        }
        if !m.filter_subject.is_empty() && !m.subject_transforms.is_empty() {
            return Err(err(
                400,
                10150,
                "stream mirror with multiple subject transforms cannot also have a single subject filter",
            ));
        }
        if cfg.subject_delete_marker_ttl > 0 {
            return Err(ApiError::err(E::StreamInvalidConfig, "subject delete markers forbidden on mirrors"));
        }
        for (i, tr) in m.subject_transforms.iter().enumerate() {
            check_transform(tr, "mirror", 10151, 10154)?;
            if m.subject_transforms.iter().enumerate().any(|(j, o)| i != j && collide(&tr.source, &o.source)) {
                return Err(err(400, 10152, "mirror subject filters can not overlap"));
            }
        }
        if !is_valid_name(&m.name) && m.external.is_none() {
            return Err(err(400, 10142, "mirrored stream name is invalid"));
        }
    }
    let sources = cfg.sources.as_deref().unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    for v in sources {
        let Some(src) = serde_json::from_value::<SourceCfg>(v.clone()).ok().filter(|s| is_valid_name(&s.name)) else {
            return Err(err(400, 10141, "sourced stream name is invalid"));
        };
        if !seen.insert(src.iname()) {
            return Err(err(400, 10140, "duplicate source configuration detected"));
        }
        if !src.filter_subject.is_empty() && !src.subject_transforms.is_empty() {
            return Err(err(
                400,
                10144,
                "source with multiple subject transforms cannot also have a single subject filter",
            ));
        }
        for tr in &src.subject_transforms {
            check_transform(tr, "source", 10145, 10146)?;
        }
        for (i, a) in src.subject_transforms.iter().enumerate() {
            for (j, b) in src.subject_transforms.iter().enumerate() {
                if i != j && is_subset(&a.source, &b.source) {
                    return Err(err(400, 10147, "source filters can not overlap"));
                }
            }
        }
    }
    Ok(())
}

/// One subject transform of a mirror or source (Go `checkStreamCfg`): a valid
/// source subject, and a destination that maps from it.
fn check_transform(
    tr: &super::api_types::SubjectTransform,
    kind: &str,
    bad_source: u16,
    bad_dest: u16,
) -> Result<(), ApiError> {
    if !tr.source.is_empty() && !is_valid(&tr.source) {
        return Err(err(400, bad_source, &format!("{kind} transform source: invalid subject {}", tr.source)));
    }
    let src = if tr.source.is_empty() { ">" } else { tr.source.as_str() };
    if let Err(e) = validate_mapping(src, &tr.destination) {
        return Err(err(400, bad_dest, &format!("{kind} transform: {e}")));
    }
    Ok(())
}

/// Checks an update against the current config (Go `configUpdateCheck`).
pub(crate) fn check_update(old: &StreamConfig, new: &StreamConfig) -> Result<(), ApiError> {
    let inv = |m: &str| ApiError::err(E::StreamInvalidConfig, m);
    if new.name != old.name {
        return Err(inv("stream configuration name must match original"));
    }
    if new.storage != old.storage {
        return Err(inv("stream configuration update can not change storage type"));
    }
    if new.persist_mode != old.persist_mode {
        return Err(inv("stream configuration update can not change persist mode"));
    }
    if new.retention != old.retention
        && (new.retention == Retention::Workqueue || old.retention == Retention::Workqueue)
    {
        return Err(inv("stream configuration update can not change retention policy to/from workqueue"));
    }
    if old.sealed && !new.sealed {
        return Err(inv("stream configuration update can not unseal a sealed stream"));
    }
    if old.deny_delete && !new.deny_delete {
        return Err(inv("stream configuration update can not cancel deny message deletes"));
    }
    if old.deny_purge && !new.deny_purge {
        return Err(inv("stream configuration update can not cancel deny purge"));
    }
    // Dropping the mirror promotes the stream (Go 2.12+); changing it is refused.
    if old.mirror != new.mirror && new.mirror.is_some() {
        return Err(ApiError {
            code: 400,
            err_code: 10055,
            description: "stream mirror configuration can not be updated".into(),
        });
    }
    if old.allow_msg_counter != new.allow_msg_counter {
        return Err(inv("stream configuration update can not change message counter setting"));
    }
    if old.allow_msg_ttl && !new.allow_msg_ttl {
        return Err(inv("message TTL status can not be disabled"));
    }
    Ok(())
}

/// Sealing freezes a stream: Go stream.go `configUpdateCheck` rewrites these.
pub(crate) fn apply_seal(cfg: &mut StreamConfig) {
    if cfg.sealed {
        cfg.max_age = 0;
        cfg.discard = Discard::New;
        cfg.deny_delete = true;
        cfg.deny_purge = true;
        cfg.allow_rollup_hdrs = false;
    }
}

/// The store limits a config implies.
pub(crate) fn store_limits(cfg: &StreamConfig) -> StoreLimits {
    StoreLimits {
        max_msgs: cfg.max_msgs,
        max_bytes: cfg.max_bytes,
        max_age: cfg.max_age,
        max_msgs_per: cfg.max_msgs_per_subject,
        discard_new: cfg.discard == Discard::New,
        discard_new_per: cfg.discard_new_per_subject,
        size_model: if cfg.storage == Storage::File { SizeModel::File } else { SizeModel::Memory },
    }
}

/// Per-account JetStream state.
#[derive(Default)]
pub(crate) struct AccountJs {
    pub(crate) streams: BTreeMap<String, Stream>,
    pub(crate) api_total: u64,
    pub(crate) api_errors: u64,
}

/// The files of one file stream.
#[derive(Debug)]
pub(crate) struct StreamFiles {
    pub(crate) meta: MetaFiles,
    pub(crate) context: String,
    pub(crate) consumers: BTreeMap<String, ConsumerFiles>,
    pub(crate) last_src: BTreeMap<String, u64>,
}

/// The files of one consumer of a file stream.
#[derive(Debug)]
pub(crate) struct ConsumerFiles {
    pub(crate) meta: MetaFiles,
    /// The `o.dat` content last written, and the state it came from.
    pub(crate) last_state: Vec<u8>,
    pub(crate) last_print: Option<(u64, u64, u64, u64, usize, usize)>,
}

/// One stream of an account.
pub(crate) struct Stream {
    pub(crate) cfg: StreamConfig,
    pub(crate) created: i64,
    pub(crate) store: Box<dyn StreamStore>,
    pub(crate) consumers: BTreeMap<String, Consumer>,
    /// Nats-Msg-Id -> (seq, ts), and arrival order for window expiry.
    dedupe: HashMap<String, u64>,
    dedupe_order: VecDeque<(i64, String)>,
    last_msg_id: String,
    /// Mirrors and sources: last origin sequence copied, by source identity
    /// (kept when a source is removed, so re-adding it resumes there).
    pub(crate) src_progress: BTreeMap<String, u64>,
    /// When the sources were last looked at (Unix nanos; 0 = never).
    pub(crate) src_active: i64,
    /// The stream's files, for file storage.
    pub(crate) files: Option<StreamFiles>,
}

impl Stream {
    /// A stream kept in memory (file streams without a store directory too,
    /// accounting bytes as Go's file store does, see `SizeModel::File`).
    pub(crate) fn new(cfg: StreamConfig, created: i64) -> Stream {
        let store: Box<dyn StreamStore> = Box::new(MemStore::with_first_seq(store_limits(&cfg), cfg.first_seq));
        Stream::with_store(cfg, created, store)
    }

    /// The stream's identity: a hash of its creation time, which tells a
    /// stream from one recreated under the same name (Go's `identity` in
    /// `stream.go`; sourced messages carry their origin's in
    /// `Nats-Stream-Source`).
    pub(crate) fn identity(&self) -> String {
        identity_hash(&crate::gotime::format_rfc3339(self.created))
    }

    pub(crate) fn with_store(cfg: StreamConfig, created: i64, store: Box<dyn StreamStore>) -> Stream {
        Stream {
            cfg,
            created,
            store,
            consumers: BTreeMap::new(),
            dedupe: HashMap::new(),
            dedupe_order: VecDeque::new(),
            last_msg_id: String::new(),
            src_progress: BTreeMap::new(),
            src_active: 0,
            files: None,
        }
    }

    /// Rebuilds the duplicate window from the stored messages' ids after a
    /// restart (Go `rebuildDedupe`): messages within the window that carry
    /// headers are read back.
    pub(crate) fn rebuild_dedupe(&mut self, now: i64) {
        let window = self.cfg.duplicate_window;
        let st = self.store.state();
        if window <= 0 || st.msgs == 0 {
            return;
        }
        let cutoff = now.saturating_sub(window);
        let mut seqs = Vec::new();
        let mut seq = st.last_seq;
        while seq >= st.first_seq && seq > 0 {
            if let Some((ts, hdr_len)) = self.store.msg_info(seq) {
                if ts < cutoff {
                    break;
                }
                if hdr_len > 0 {
                    seqs.push(seq);
                }
            }
            seq -= 1;
        }
        for seq in seqs.into_iter().rev() {
            let Some(m) = self.store.load_msg(seq) else { continue };
            if let Some(id) = get_header(m.hdr(), HDR_MSG_ID).filter(|s| !s.is_empty()) {
                self.dedupe.insert(id.to_string(), seq);
                self.dedupe_order.push_back((m.ts, id.to_string()));
                self.last_msg_id = id.to_string();
            }
        }
    }

    /// True when this stream captures `subject`.
    pub(crate) fn matches(&self, subject: &str) -> bool {
        self.cfg.subjects.iter().any(|f| matches(subject, f))
    }

    pub(crate) fn update_config(&mut self, cfg: StreamConfig) {
        self.store.update_limits(store_limits(&cfg));
        self.cfg = cfg;
    }

    fn prune_dedupe(&mut self, now: i64) {
        let window = self.cfg.duplicate_window;
        while let Some((ts, _)) = self.dedupe_order.front() {
            if window > 0 && now.saturating_sub(*ts) < window {
                break;
            }
            let (_, id) = self.dedupe_order.pop_front().unwrap_or_default();
            self.dedupe.remove(&id);
        }
    }

    /// Go's publish checks (`processJetStreamMsg` on a lone server, and the
    /// stream leader's `processClusteredInboundMsg` before it proposes):
    /// the stream may take the message given its headers, with `last_seq`
    /// the stream's last sequence (clustered, the leader's, counting what
    /// it proposed). `Err(None)` is a duplicate, with its ack in `ack`.
    pub(crate) fn check_publish(
        &mut self,
        subject: &str,
        hdr: &[u8],
        payload: &[u8],
        now: i64,
        last_seq: u64,
        ack: &mut String,
    ) -> Result<(), Option<ApiError>> {
        if self.cfg.sealed {
            return Err(Some(ApiError::new(E::StreamSealed)));
        }
        self.parse_publish(hdr, payload).map_err(Some)?;
        if !hdr.is_empty() {
            if let Some(s) = get_header(hdr, HDR_EXPECTED_STREAM) {
                if !s.is_empty() && s != self.cfg.name {
                    return Err(Some(ApiError::new(E::StreamNotMatch)));
                }
            }
            if let Some(v) = get_header(hdr, HDR_EXPECTED_LAST_SUBJ_SEQ) {
                let want: Option<u64> = v.parse().ok();
                let seq_subj =
                    get_header(hdr, HDR_EXPECTED_LAST_SUBJ_SEQ_SUBJ).filter(|s| !s.is_empty()).unwrap_or(subject);
                let found = self.store.load_last_msg(seq_subj).map_or(0, |m| m.seq);
                if want != Some(found) {
                    return Err(Some(ApiError::with(E::StreamWrongLastSequence, "seq", found)));
                }
            } else if get_header(hdr, HDR_EXPECTED_LAST_SUBJ_SEQ_SUBJ).is_some_and(|s| !s.is_empty()) {
                return Err(Some(ApiError::new(E::StreamExpectedLastSeqPerSubjectInvalid)));
            }
            if let Some(v) = get_header(hdr, HDR_EXPECTED_LAST_SEQ) {
                if v.parse::<u64>().ok() != Some(last_seq) {
                    return Err(Some(ApiError::with(E::StreamWrongLastSequence, "seq", last_seq)));
                }
            }
            if let Some(id) = get_header(hdr, HDR_MSG_ID).filter(|s| !s.is_empty()) {
                self.prune_dedupe(now);
                if let Some(&seq) = self.dedupe.get(id) {
                    *ack = duplicate_ack(&self.cfg.name, seq);
                    return Err(None);
                }
            }
            if let Some(want) = get_header(hdr, HDR_EXPECTED_LAST_MSG_ID).filter(|s| !s.is_empty()) {
                if want != self.last_msg_id {
                    return Err(Some(ApiError::with(E::StreamWrongLastMsgId, "id", &self.last_msg_id)));
                }
            }
        }
        Ok(())
    }

    /// A replicated stream's leader refuses what the per-subject discard-new
    /// limit would refuse when applied, before proposing it (Go's
    /// `checkMsgHeadersPreClusteredProposal`; a rollup goes through, as it
    /// purges once stored).
    pub(crate) fn check_discard_new_per_subject(&self, subject: &str, hdr: &[u8]) -> Result<(), ApiError> {
        let limit = self.cfg.max_msgs_per_subject;
        let rollup = !hdr.is_empty() && get_header(hdr, HDR_ROLLUP).is_some_and(|r| !r.is_empty());
        if self.cfg.discard != crate::jetstream::api_types::Discard::New
            || !self.cfg.discard_new_per_subject
            || limit <= 0
            || rollup
        {
            return Ok(());
        }
        let n = self.store.subjects_state(subject).get(subject).map_or(0, |s| s.msgs);
        if n >= limit as u64 {
            return Err(ApiError::err(E::StreamStoreFailed, crate::store::StoreError::MaxMsgsPerSubject));
        }
        Ok(())
    }

    /// What a message's headers ask of the store, checked: a counter
    /// increment, its id, its TTL and a rollup (Go's header parsing in
    /// `processJetStreamMsg`), and the size limits.
    fn parse_publish<'h>(&self, hdr: &'h [u8], payload: &[u8]) -> Result<Publish<'h>, ApiError> {
        // Counter streams (Go 2.12 `AllowMsgCounter`): each message carries an
        // increment and stores the subject's running total.
        let incr = get_header(hdr, "Nats-Incr");
        let incr: Option<i128> = match (self.cfg.allow_msg_counter, incr) {
            (false, Some(_)) => return Err(ApiError::new(E::MessageCountersDisabled)),
            (false, None) => None,
            (true, None) => return Err(ApiError::new(E::MessageCounterIncrMissing)),
            (true, Some(_)) if !payload.is_empty() => return Err(ApiError::new(E::MessageCounterHasPayload)),
            (true, Some(v)) => match v.trim().trim_start_matches('+').parse::<i128>() {
                Ok(n) => Some(n),
                Err(_) => return Err(ApiError::new(E::MessageCounterIncrInvalid)),
            },
        };
        let mut p = Publish { incr, msg_id: "", ttl: 0, rollup_sub: false, rollup_all: false };
        if !hdr.is_empty() {
            if has_source_header(hdr) {
                return Err(ApiError {
                    code: 400,
                    err_code: 10227,
                    description: "message stream source header is not allowed".into(),
                });
            }
            let ttl_hdr = get_header(hdr, HDR_TTL);
            if let Some(v) = ttl_hdr {
                let parsed = parse_msg_ttl(v);
                if parsed.as_ref().is_ok_and(|t| *t != 0) && !self.cfg.allow_msg_ttl {
                    return Err(ApiError::new(E::MessageTtlDisabled));
                }
            }
            p.msg_id = get_header(hdr, HDR_MSG_ID).filter(|s| !s.is_empty()).unwrap_or("");
            if let Some(r) = get_header(hdr, HDR_ROLLUP).filter(|s| !s.is_empty()) {
                if !self.cfg.allow_rollup_hdrs || self.cfg.deny_purge {
                    return Err(ApiError::err(E::StreamRollupFailed, "rollup not permitted"));
                }
                match r {
                    "sub" => p.rollup_sub = true,
                    "all" => p.rollup_all = true,
                    _ => return Err(ApiError::err(E::StreamRollupFailed, format!("rollup value invalid: {r:?}"))),
                }
            }
            if let Some(v) = ttl_hdr {
                p.ttl = parse_msg_ttl(v)?;
            }
        }
        let max = self.cfg.max_msg_size;
        if max >= 0 && (hdr.len() as i64 > max || payload.len() as i64 > max - hdr.len() as i64) {
            return Err(ApiError::new(E::StreamMessageExceedsMaximum));
        }
        if hdr.len() > u16::MAX as usize {
            return Err(ApiError::new(E::StreamHeaderExceedsMaximum));
        }
        Ok(p)
    }

    /// Go `processJetStreamMsg`: checks the publish preconditions (unless
    /// `checked`: a replicated message its leader checked before proposing
    /// it, which every replica stores alike), stores the message, applies
    /// rollups and republish. Returns the stored sequence or the pub-ack
    /// error; a duplicate returns `Ok(None)` after writing its ack into
    /// `ack`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn process_msg(
        &mut self,
        subject: &str,
        hdr: &[u8],
        payload: &[u8],
        now: i64,
        checked: bool,
        ack: &mut String,
        out: &mut Vec<Msg>,
    ) -> Result<Option<u64>, ApiError> {
        if !checked {
            let last = self.store.state().last_seq;
            match self.check_publish(subject, hdr, payload, now, last, ack) {
                Ok(()) => {}
                Err(None) => return Ok(None),
                Err(Some(e)) => return Err(e),
            }
        }
        let Publish { incr, msg_id, ttl, rollup_sub, rollup_all } = self.parse_publish(hdr, payload)?;

        let store_subject: std::borrow::Cow<str> = match &self.cfg.subject_transform {
            Some(tr) => transform_subject(&tr.source, &tr.destination, subject).map_or(subject.into(), Into::into),
            None => subject.into(),
        };
        let counter = incr.map(|n| {
            let prev = self
                .store
                .load_last_msg(&store_subject)
                .and_then(|m| serde_json::from_slice::<serde_json::Value>(m.msg()).ok())
                .and_then(|v| v.get("val").and_then(|x| x.as_str()).and_then(|x| x.parse::<i128>().ok()))
                .unwrap_or(0);
            let total = prev.saturating_add(n).to_string();
            (format!("{{\"val\":\"{total}\"}}").into_bytes(), total)
        });
        let payload: &[u8] = counter.as_ref().map_or(payload, |(b, _)| b.as_slice());

        // Interest retention without any interested consumer: consume the
        // sequence but keep nothing (Go `SkipMsgNoInterest`).
        if self.cfg.retention == Retention::Interest
            && !self.consumers.values().any(|c| c.filter_matches(&store_subject))
        {
            let seq = self.store.skip_msg(now);
            self.remember_msg_id(msg_id, seq, now);
            let _ = write!(ack, "{{\"stream\":{},\"seq\":{seq}}}", crate::json::quote(&self.cfg.name));
            return Ok(Some(seq));
        }

        // Go suppresses a republish whose subject is no valid publish subject
        // (a `*` or `>` token carried over from the published subject).
        let republish = self.cfg.republish.as_ref().and_then(|rp| {
            transform_subject(&rp.source, &rp.destination, &store_subject)
                .filter(|d| is_valid_publish(d))
                .map(|d| (d, rp.headers_only))
        });
        let republish_last =
            if republish.is_some() { self.store.load_last_msg(&store_subject).map_or(0, |m| m.seq) } else { 0 };

        let seq = self
            .store
            .store_msg(&store_subject, hdr, payload, now, ttl)
            .map_err(|e| ApiError::err(E::StreamStoreFailed, e))?;
        self.remember_msg_id(msg_id, seq, now);
        self.last_msg_id = msg_id.to_string();
        if !self.consumers.is_empty() {
            // What the limits dropped to make room is no longer pending.
            let first = self.store.state().first_seq;
            for c in self.consumers.values_mut() {
                c.drop_pending_below(first);
            }
        }

        if rollup_sub {
            self.store.purge_ex(&store_subject, 0, 1);
        } else if rollup_all {
            self.store.purge_ex("", 0, 1);
        }

        if let Some((dest, headers_only)) = republish {
            let ts = crate::gotime::format_rfc3339(now);
            let mut lines = format!(
                "Nats-Stream: {}\r\nNats-Subject: {store_subject}\r\nNats-Sequence: {seq}\r\nNats-Time-Stamp: {ts}\r\nNats-Last-Sequence: {republish_last}\r\n",
                self.cfg.name
            );
            let body = if headers_only {
                let _ = write!(lines, "Nats-Msg-Size: {}\r\n", payload.len());
                &[][..]
            } else {
                payload
            };
            out.push(Msg::with_headers(dest, None, &crate::message::add_header_lines(hdr, &lines), body));
        }
        match &counter {
            Some((_, total)) => {
                let _ = write!(
                    ack,
                    "{{\"stream\":{},\"seq\":{seq},\"val\":\"{total}\"}}",
                    crate::json::quote(&self.cfg.name)
                );
            }
            None => {
                let _ = write!(ack, "{{\"stream\":{},\"seq\":{seq}}}", crate::json::quote(&self.cfg.name));
            }
        }
        Ok(Some(seq))
    }

    /// Clustered, the leader: a message id it proposed counts as seen (with
    /// the sequence it will likely get) until the message is stored (Go's
    /// `storeMsgIdLocked` from `processClusteredInboundMsg`).
    pub(crate) fn expect_msg_id(&mut self, hdr: &[u8], seq: u64, now: i64) {
        if let Some(id) = get_header(hdr, HDR_MSG_ID).filter(|s| !s.is_empty()) {
            let id = id.to_string();
            self.remember_msg_id(&id, seq, now);
        }
    }

    fn remember_msg_id(&mut self, id: &str, seq: u64, now: i64) {
        if id.is_empty() || self.cfg.duplicate_window <= 0 {
            return;
        }
        self.dedupe.insert(id.to_string(), seq);
        self.dedupe_order.push_back((now, id.to_string()));
    }

    /// Drops dedupe entries past the window and expired messages.
    /// Removes what aged out (max age, TTLs); returns how many messages went.
    pub(crate) fn expire(&mut self, now: i64) -> u64 {
        self.prune_dedupe(now);
        let sdm = self.cfg.subject_delete_marker_ttl;
        if sdm <= 0 || self.cfg.max_age <= 0 {
            return self.store.expire(now);
        }
        // Subject delete markers: a subject whose last message ages out
        // gets a marker (Go `subjectDeleteMarker`), which expires by TTL.
        let cutoff = now.saturating_sub(self.cfg.max_age);
        let mut aged = Vec::new();
        let mut seq = 0;
        while let Some(m) = self.store.load_next_msg("", seq) {
            if m.ts > cutoff {
                break;
            }
            seq = m.seq + 1;
            if get_header(m.hdr(), "Nats-Marker-Reason").is_none() && !aged.iter().any(|s: &String| **s == *m.subject) {
                aged.push(m.subject.to_string());
            }
        }
        let expired = self.store.expire(now);
        if expired == 0 {
            return 0;
        }
        let secs = (sdm / 1_000_000_000).max(1);
        for subj in aged {
            if !self.store.subjects_state(&subj).is_empty() {
                continue;
            }
            let hdr = format!("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: {secs}s\r\n\r\n");
            let _ = self.store.store_msg(&subj, hdr.as_bytes(), &[], now, secs);
        }
        expired
    }

    /// For interest and work-queue retention: drops leading messages every
    /// interested consumer is done with (covers ack-none consumers and
    /// consumers that went away). Stops at the first message still needed.
    pub(crate) fn sweep_retention(&mut self) {
        if self.cfg.retention == Retention::Limits {
            return;
        }
        while let Some(m) = self.store.load_next_msg("", 0) {
            let done = self.consumers.values().filter(|c| c.filter_matches(&m.subject)).all(|c| c.has_acked(m.seq));
            let wq_orphan = self.cfg.retention == Retention::Workqueue
                && !self.consumers.values().any(|c| c.filter_matches(&m.subject));
            if !done || wq_orphan {
                break;
            }
            self.store.remove_msg(m.seq);
        }
    }

    /// Interest retention after a consumer changed its filter (Go
    /// `checkInterestState`): removes every message no consumer still wants.
    pub(crate) fn sweep_interest_all(&mut self) {
        if self.cfg.retention != Retention::Interest {
            return;
        }
        let mut seq = 0;
        let mut drop = Vec::new();
        while let Some(m) = self.store.load_next_msg("", seq) {
            seq = m.seq + 1;
            if self.consumers.values().filter(|c| c.filter_matches(&m.subject)).all(|c| c.has_acked(m.seq)) {
                drop.push(m.seq);
            }
        }
        for s in drop {
            self.store.remove_msg(s);
        }
    }

    /// For interest and work-queue retention: removes `seq` once every
    /// consumer interested in its subject has acknowledged it.
    pub(crate) fn check_retention_ack(&mut self, seq: u64) {
        if self.cfg.retention == Retention::Limits {
            return;
        }
        let Some(m) = self.store.load_msg(seq) else { return };
        let all_acked = self.consumers.values().filter(|c| c.filter_matches(&m.subject)).all(|c| c.has_acked(seq));
        if all_acked {
            self.store.remove_msg(seq);
        }
    }
}

/// Go's `getHash` (`events.go`): the first 8 bytes of the SHA-256 of `name`,
/// each mapped to one of 62 letters and digits.
/// What a message's headers ask of the store (see `Stream::parse_publish`).
struct Publish<'h> {
    incr: Option<i128>,
    msg_id: &'h str,
    ttl: i64,
    rollup_sub: bool,
    rollup_all: bool,
}

/// The pub ack of a duplicate (Go writes this literal, space included:
/// `stream.go`).
fn duplicate_ack(stream: &str, seq: u64) -> String {
    format!("{{\"stream\":{},\"seq\":{seq},\"duplicate\": true}}", crate::json::quote(stream))
}

fn identity_hash(name: &str) -> String {
    use sha2::Digest as _;
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let sum = sha2::Sha256::digest(name.as_bytes());
    sum[..8].iter().map(|b| DIGITS[usize::from(b % 62)] as char).collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = b"NATS/1.0\r\nNats-Msg-Id: 1\r\nFoo:  bar \r\n\r\n";
        assert_eq!(get_header(h, "Nats-Msg-Id"), Some("1"));
        assert_eq!(get_header(h, "Foo"), Some("bar"));
        assert_eq!(get_header(h, "nats-msg-id"), None);
    }

    #[test]
    fn identity_is_gos_hash_of_the_creation_time() {
        // Seen on Go 2.15.1: a stream created at this time is sourced with
        // this identity in `Nats-Stream-Source`.
        assert_eq!(identity_hash("2026-12-06T21:03:07.091000035Z"), "VpHH1vBk");
        let s = Stream::new(StreamConfig::default(), 1_796_590_987_091_000_035);
        assert_eq!(s.identity(), identity_hash(&crate::gotime::format_rfc3339(s.created)));
    }

    #[test]
    fn message_ttl() {
        assert_eq!(parse_msg_ttl("1s"), Ok(1));
        assert_eq!(parse_msg_ttl("never"), Ok(-1));
        assert_eq!(parse_msg_ttl("60"), Ok(60));
        assert!(parse_msg_ttl("500ms").is_err());
        assert!(parse_msg_ttl("-5").is_err());
    }

    #[test]
    fn config_defaults() {
        let cfg = check_stream_config(StreamConfig { name: "S".into(), ..Default::default() }).unwrap();
        assert_eq!(cfg.subjects, vec!["S".to_string()]);
        assert_eq!((cfg.max_msgs, cfg.max_bytes, cfg.max_msg_size, cfg.num_replicas), (-1, -1, -1, 1));
        assert_eq!(cfg.duplicate_window, DEFAULT_DUPLICATES_WINDOW);
        assert!(check_stream_config(StreamConfig { name: "a.b".into(), ..Default::default() }).is_err());
        let e = check_stream_config(StreamConfig {
            name: "S".into(),
            subjects: vec!["foo.*".into(), "foo.bar".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.description, "subject \"foo.*\" overlaps with \"foo.bar\"");
    }
}
