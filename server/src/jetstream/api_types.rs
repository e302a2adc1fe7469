//! JSON shapes of the JetStream API, field for field as Go marshals them
//! (names, order, `omitempty`). Durations are integer nanoseconds and times
//! are RFC 3339 strings with trimmed nanoseconds, as Go's `time.Time`.
//! Also the rules of these shapes that streams and consumers share: valid
//! names and description lengths, the parsed mirror and source entries
//! (Go `StreamSource`), Go's null handling when decoding requests, and the
//! random ids of pins and advisories.
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::errors::ApiError;
use crate::gotime::{format_rfc3339, parse_rfc3339};

/// A wall-clock time as Unix nanoseconds; `0` is Go's zero time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GoTime(pub(crate) i64);

impl GoTime {
    pub(crate) fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl Serialize for GoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(self.0))
    }
}

impl<'de> Deserialize<'de> for GoTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_rfc3339(&s).map(GoTime).ok_or_else(|| {
            serde::de::Error::custom(format!("parsing time {s:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse"))
        })
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Retention {
    #[default]
    Limits,
    Interest,
    #[serde(alias = "work_queue")]
    Workqueue,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Discard {
    #[default]
    Old,
    New,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Storage {
    #[default]
    File,
    Memory,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Compression {
    #[default]
    None,
    S2,
}

/// Go `StoreCompression.UnmarshalJSON`: its own error text for other names.
impl<'de> Deserialize<'de> for Compression {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "s2" => Ok(Compression::S2),
            "none" | "" => Ok(Compression::None),
            _ => Err(serde::de::Error::custom("unknown compression algorithm")),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RePublish {
    #[serde(default, rename = "src", skip_serializing_if = "String::is_empty")]
    pub(crate) source: String,
    #[serde(default, rename = "dest")]
    pub(crate) destination: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) headers_only: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SubjectTransform {
    #[serde(default, rename = "src")]
    pub(crate) source: String,
    #[serde(default, rename = "dest")]
    pub(crate) destination: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConsumerLimits {
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub(crate) inactive_threshold: i64,
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub(crate) max_ack_pending: i64,
}

/// Go `StreamConfig` (stream.go).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct StreamConfig {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub(crate) subjects: Vec<String>,
    pub(crate) retention: Retention,
    pub(crate) max_consumers: i64,
    pub(crate) max_msgs: i64,
    pub(crate) max_bytes: i64,
    pub(crate) max_age: i64,
    pub(crate) max_msgs_per_subject: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_msg_size: i64,
    pub(crate) discard: Discard,
    pub(crate) storage: Storage,
    pub(crate) num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) no_ack: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) duplicate_window: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) placement: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_order::mirror")]
    pub(crate) mirror: Option<Value>,
    #[serde(skip_serializing_if = "go_order::no_sources", serialize_with = "go_order::sources")]
    pub(crate) sources: Option<Vec<Value>>,
    pub(crate) compression: Compression,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) first_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subject_transform: Option<SubjectTransform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) republish: Option<RePublish>,
    pub(crate) allow_direct: bool,
    pub(crate) mirror_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) discard_new_per_subject: bool,
    pub(crate) sealed: bool,
    pub(crate) deny_delete: bool,
    pub(crate) deny_purge: bool,
    pub(crate) allow_rollup_hdrs: bool,
    pub(crate) consumer_limits: ConsumerLimits,
    pub(crate) allow_msg_ttl: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) subject_delete_marker_ttl: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) allow_msg_counter: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) allow_atomic: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) allow_msg_schedules: bool,
    /// Go 2.12 `PersistMode`: `"async"` acknowledges before the write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) persist_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
}

fn null_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliverPolicy {
    #[default]
    All,
    Last,
    New,
    #[serde(rename = "by_start_sequence")]
    ByStartSequence,
    #[serde(rename = "by_start_time")]
    ByStartTime,
    #[serde(rename = "last_per_subject")]
    LastPerSubject,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AckPolicy {
    #[default]
    None,
    All,
    Explicit,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReplayPolicy {
    #[default]
    Instant,
    Original,
}

/// Go `ConsumerConfig` (consumer.go).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ConsumerConfig {
    #[serde(rename = "durable_name", skip_serializing_if = "String::is_empty")]
    pub(crate) durable: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    pub(crate) deliver_policy: DeliverPolicy,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) opt_start_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) opt_start_time: Option<GoTime>,
    pub(crate) ack_policy: AckPolicy,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) ack_wait: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_deliver: i64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub(crate) backoff: Vec<i64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub(crate) filter_subjects: Vec<String>,
    pub(crate) replay_policy: ReplayPolicy,
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_zero_u64")]
    pub(crate) rate_limit: u64,
    #[serde(rename = "sample_freq", skip_serializing_if = "String::is_empty")]
    pub(crate) sample_frequency: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_waiting: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) flow_control: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) headers_only: bool,
    #[serde(rename = "max_batch", skip_serializing_if = "is_zero_i64")]
    pub(crate) max_request_batch: i64,
    #[serde(rename = "max_expires", skip_serializing_if = "is_zero_i64")]
    pub(crate) max_request_expires: i64,
    #[serde(rename = "max_bytes", skip_serializing_if = "is_zero_i64")]
    pub(crate) max_request_max_bytes: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) deliver_group: String,
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_zero_i64")]
    pub(crate) heartbeat: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) inactive_threshold: i64,
    pub(crate) num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) mem_storage: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) direct: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pause_until: Option<GoTime>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub(crate) priority_groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) priority_policy: Option<String>,
    #[serde(rename = "priority_timeout", skip_serializing_if = "is_zero_i64")]
    pub(crate) pinned_ttl: i64,
}

/// Go `StreamState` as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct StreamStateJson {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) first_seq: u64,
    pub(crate) first_ts: GoTime,
    pub(crate) last_seq: u64,
    pub(crate) last_ts: GoTime,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) num_subjects: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subjects: Option<BTreeMap<String, u64>>,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) num_deleted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deleted: Option<Vec<u64>>,
    pub(crate) consumer_count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ClusterInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) raft_group: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) leader: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) leader_since: Option<GoTime>,
    /// The group's traffic runs in the system account (Go's
    /// `system_account` and `traffic_account`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system_account: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) traffic_account: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) replicas: Vec<PeerInfo>,
}

/// Go's `PeerInfo`: a replica as its group's leader sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct PeerInfo {
    pub(crate) name: String,
    pub(crate) current: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) offline: bool,
    /// Nanoseconds since the replica was last heard from.
    pub(crate) active: i64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) lag: u64,
    pub(crate) peer: String,
}

/// Go `StreamInfo`, with the paging fields Go's stream info response embeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct StreamInfo {
    pub(crate) config: StreamConfig,
    pub(crate) created: GoTime,
    pub(crate) state: StreamStateJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cluster: Option<ClusterInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mirror: Option<SourceInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sources: Option<Vec<SourceInfo>>,
    pub(crate) ts: GoTime,
}

/// Go `StreamSourceInfo`: how far a mirror or source has come.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct SourceInfo {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external: Option<Value>,
    pub(crate) lag: u64,
    /// Nanoseconds since the origin was last heard from, `-1` for never.
    pub(crate) active: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) subject_transforms: Vec<SubjectTransform>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct SequenceInfo {
    pub(crate) consumer_seq: u64,
    pub(crate) stream_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_active: Option<GoTime>,
}

/// Go `ConsumerInfo`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ConsumerInfo {
    pub(crate) stream_name: String,
    pub(crate) name: String,
    pub(crate) created: GoTime,
    pub(crate) config: ConsumerConfig,
    pub(crate) delivered: SequenceInfo,
    pub(crate) ack_floor: SequenceInfo,
    pub(crate) num_ack_pending: u64,
    pub(crate) num_redelivered: u64,
    pub(crate) num_waiting: u64,
    pub(crate) num_pending: u64,
    /// Clustered: the consumer's group as its leader sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cluster: Option<ClusterInfo>,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) push_bound: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) paused: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) pause_remaining: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) priority_groups: Vec<PriorityGroupState>,
    pub(crate) ts: GoTime,
}

/// Go `PriorityGroupState` in consumer info.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct PriorityGroupState {
    pub(crate) group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) pinned_client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pinned_ts: Option<GoTime>,
}

/// Request bodies.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PagedRequest {
    pub(crate) offset: i64,
    pub(crate) subject: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StreamInfoRequest {
    pub(crate) offset: i64,
    pub(crate) deleted_details: bool,
    pub(crate) subjects_filter: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PurgeRequest {
    pub(crate) seq: u64,
    pub(crate) filter: String,
    pub(crate) keep: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MsgGetRequest {
    pub(crate) seq: u64,
    pub(crate) last_by_subj: String,
    pub(crate) next_by_subj: String,
    pub(crate) batch: i64,
    pub(crate) max_bytes: i64,
    pub(crate) no_hdr: bool,
    pub(crate) start_time: Option<GoTime>,
    pub(crate) multi_last: Vec<String>,
    pub(crate) up_to_seq: u64,
    pub(crate) up_to_time: Option<GoTime>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MsgDeleteRequest {
    pub(crate) seq: u64,
    pub(crate) no_erase: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CreateConsumerRequest {
    pub(crate) stream_name: String,
    pub(crate) config: Option<ConsumerConfig>,
    pub(crate) action: String,
    pub(crate) pedantic: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NextRequest {
    pub(crate) expires: i64,
    pub(crate) batch: i64,
    pub(crate) max_bytes: i64,
    pub(crate) no_wait: bool,
    pub(crate) idle_heartbeat: i64,
    pub(crate) group: String,
    pub(crate) id: String,
    pub(crate) min_pending: i64,
    pub(crate) min_ack_pending: i64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct UnpinRequest {
    pub(crate) group: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PauseRequest {
    pub(crate) pause_until: Option<GoTime>,
}

/// Go `StoredMsg` in STREAM.MSG.GET replies; payloads are base64.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct StoredMsgJson {
    pub(crate) subject: String,
    pub(crate) seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hdrs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<String>,
    pub(crate) time: GoTime,
}

/// `{"type": ..., "error": ...}`, the reply of every failed request.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ErrorResponse<'a> {
    #[serde(rename = "type")]
    pub(crate) kind: &'a str,
    pub(crate) error: &'a ApiError,
}

/// Standard base64 (with padding), as Go encodes `[]byte` in JSON.
pub(crate) fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Go `JSMaxDescriptionLen` (streams and consumers alike).
pub(crate) const MAX_DESCRIPTION_LEN: usize = 4 * 1024;

/// A stream or consumer name is valid when non-empty and free of `.`, `*`, `>`, path
/// separators and whitespace (Go `isValidName` plus the path check).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| matches!(c, '.' | '*' | '>' | ' ' | '\t' | '\r' | '\n' | '\\' | '/'))
}

/// A mirror or source entry of a stream config (Go `StreamSource`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SourceCfg {
    pub(crate) name: String,
    pub(crate) opt_start_seq: u64,
    pub(crate) opt_start_time: Option<GoTime>,
    pub(crate) filter_subject: String,
    pub(crate) subject_transforms: Vec<SubjectTransform>,
    pub(crate) external: Option<Value>,
}

impl SourceCfg {
    /// Identity of a source (Go `composeIName`): name, filters and
    /// destinations.
    pub(crate) fn iname(&self) -> String {
        let mut s = self.name.clone();
        if !self.filter_subject.is_empty() {
            s.push(' ');
            s.push_str(&self.filter_subject);
        }
        for t in &self.subject_transforms {
            s.push(' ');
            s.push_str(&t.source);
            s.push('>');
            s.push_str(&t.destination);
        }
        s
    }
}

impl SourceCfg {
    /// The filter and destination fields of `Nats-Stream-Source` (the last
    /// two parts of Go's `composeIName`): `>` for none, several transforms
    /// joined with form feeds.
    pub(crate) fn header_filter_and_dest(&self) -> (String, String) {
        let or_all = |s: &str| if s.is_empty() { ">".to_string() } else { s.to_string() };
        if self.subject_transforms.is_empty() {
            return (or_all(&self.filter_subject), ">".to_string());
        }
        let sources: Vec<String> = self.subject_transforms.iter().map(|t| or_all(&t.source)).collect();
        let dests: Vec<String> = self.subject_transforms.iter().map(|t| or_all(&t.destination)).collect();
        (sources.join("\x0c"), dests.join("\x0c"))
    }
}

fn parse(v: &Value) -> Option<SourceCfg> {
    serde_json::from_value(v.clone()).ok()
}

/// The mirror of a config, parsed.
pub(crate) fn mirror_of(cfg: &StreamConfig) -> Option<SourceCfg> {
    cfg.mirror.as_ref().filter(|v| !v.is_null()).and_then(parse)
}

/// The sources of a config, parsed (unparsable entries dropped).
pub(crate) fn sources_of(cfg: &StreamConfig) -> Vec<SourceCfg> {
    cfg.sources.iter().flatten().filter_map(parse).collect()
}

/// Removes `null` object members, recursively.
/// A stream config's mirror and sources are kept as JSON values (they carry
/// fields rnats does not use); this writes them back in the field order of
/// Go's `StreamSource`, `SubjectTransformConfig` and `ExternalStream`, with
/// fields Go does not know after, by name. An empty source list is left out
/// (Go's `omitempty`).
mod go_order {
    use serde::ser::{SerializeMap, SerializeSeq};
    use serde::{Serialize, Serializer};
    use serde_json::Value;

    const SOURCE: &[&str] =
        &["name", "opt_start_seq", "opt_start_time", "filter_subject", "subject_transforms", "external", "consumer"];
    const TRANSFORM: &[&str] = &["src", "dest"];
    const EXTERNAL: &[&str] = &["api", "deliver"];

    /// A JSON value written with `order` first at its top level.
    struct Ordered<'a>(&'a Value, &'static [&'static str]);

    impl Serialize for Ordered<'_> {
        fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            let Value::Object(m) = self.0 else { return self.0.serialize(ser) };
            let known = self.1.iter().filter_map(|k| m.get_key_value(*k));
            let rest = m.iter().filter(|(k, _)| !self.1.contains(&k.as_str()));
            let mut map = ser.serialize_map(Some(m.len()))?;
            for (k, v) in known.chain(rest) {
                match k.as_str() {
                    "subject_transforms" => map.serialize_entry(k, &Transforms(v))?,
                    "external" => map.serialize_entry(k, &Ordered(v, EXTERNAL))?,
                    _ => map.serialize_entry(k, v)?,
                }
            }
            map.end()
        }
    }

    struct Transforms<'a>(&'a Value);

    impl Serialize for Transforms<'_> {
        fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            let Value::Array(a) = self.0 else { return self.0.serialize(ser) };
            let mut seq = ser.serialize_seq(Some(a.len()))?;
            for t in a {
                seq.serialize_element(&Ordered(t, TRANSFORM))?;
            }
            seq.end()
        }
    }

    pub(super) fn mirror<S: Serializer>(v: &Option<Value>, ser: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => Ordered(v, SOURCE).serialize(ser),
            None => ser.serialize_none(),
        }
    }

    pub(super) fn sources<S: Serializer>(v: &Option<Vec<Value>>, ser: S) -> Result<S::Ok, S::Error> {
        let all = v.as_deref().unwrap_or_default();
        let mut seq = ser.serialize_seq(Some(all.len()))?;
        for s in all {
            seq.serialize_element(&Ordered(s, SOURCE))?;
        }
        seq.end()
    }

    pub(super) fn no_sources(v: &Option<Vec<Value>>) -> bool {
        v.as_ref().is_none_or(|s| s.is_empty())
    }
}

pub(crate) fn drop_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"NATS/1.0\r\nNats-Msg-Id: 1\r\n\r\n"), "TkFUUy8xLjANCk5hdHMtTXNnLUlkOiAxDQoNCg==");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
