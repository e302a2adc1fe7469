//! JSON shapes of the JetStream API, field for field as Go marshals them
//! (names, order, `omitempty`). Durations are integer nanoseconds and times
//! are RFC 3339 strings with trimmed nanoseconds, as Go's `time.Time`.
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::errors::ApiError;
use crate::gotime::{format_rfc3339, parse_rfc3339};

/// A wall-clock time as Unix nanoseconds; `0` is Go's zero time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoTime(pub i64);

impl GoTime {
    pub fn is_zero(&self) -> bool {
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
pub enum Retention {
    #[default]
    Limits,
    Interest,
    #[serde(alias = "work_queue")]
    Workqueue,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Discard {
    #[default]
    Old,
    New,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    #[default]
    File,
    Memory,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
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
pub struct RePublish {
    #[serde(default, rename = "src", skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, rename = "dest")]
    pub destination: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectTransform {
    #[serde(default, rename = "src")]
    pub source: String,
    #[serde(default, rename = "dest")]
    pub destination: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerLimits {
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub inactive_threshold: i64,
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub max_ack_pending: i64,
}

/// Go `StreamConfig` (stream.go).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub subjects: Vec<String>,
    pub retention: Retention,
    pub max_consumers: i64,
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub max_age: i64,
    pub max_msgs_per_subject: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub max_msg_size: i64,
    pub discard: Discard,
    pub storage: Storage,
    pub num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub no_ack: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub duplicate_window: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<Value>>,
    pub compression: Compression,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub first_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
    pub allow_direct: bool,
    pub mirror_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    pub sealed: bool,
    pub deny_delete: bool,
    pub deny_purge: bool,
    pub allow_rollup_hdrs: bool,
    pub consumer_limits: ConsumerLimits,
    pub allow_msg_ttl: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub subject_delete_marker_ttl: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    /// Go 2.12 `PersistMode`: `"async"` acknowledges before the write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

fn null_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverPolicy {
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
pub enum AckPolicy {
    #[default]
    None,
    All,
    Explicit,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplayPolicy {
    #[default]
    Instant,
    Original,
}

/// Go `ConsumerConfig` (consumer.go).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    #[serde(rename = "durable_name", skip_serializing_if = "String::is_empty")]
    pub durable: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub deliver_policy: DeliverPolicy,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<GoTime>,
    pub ack_policy: AckPolicy,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub ack_wait: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub max_deliver: i64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub backoff: Vec<i64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub filter_subjects: Vec<String>,
    pub replay_policy: ReplayPolicy,
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_zero_u64")]
    pub rate_limit: u64,
    #[serde(rename = "sample_freq", skip_serializing_if = "String::is_empty")]
    pub sample_frequency: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub max_waiting: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub flow_control: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
    #[serde(rename = "max_batch", skip_serializing_if = "is_zero_i64")]
    pub max_request_batch: i64,
    #[serde(rename = "max_expires", skip_serializing_if = "is_zero_i64")]
    pub max_request_expires: i64,
    #[serde(rename = "max_bytes", skip_serializing_if = "is_zero_i64")]
    pub max_request_max_bytes: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deliver_group: String,
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_zero_i64")]
    pub heartbeat: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub inactive_threshold: i64,
    pub num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub mem_storage: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub direct: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<GoTime>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub priority_groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_policy: Option<String>,
    #[serde(rename = "priority_timeout", skip_serializing_if = "is_zero_i64")]
    pub pinned_ttl: i64,
}

/// Go `StreamState` as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StreamStateJson {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: GoTime,
    pub last_seq: u64,
    pub last_ts: GoTime,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub num_subjects: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subjects: Option<BTreeMap<String, u64>>,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub num_deleted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Vec<u64>>,
    pub consumer_count: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterInfo {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub leader: String,
}

/// Go `StreamInfo`, with the paging fields Go's stream info response embeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamInfo {
    pub config: StreamConfig,
    pub created: GoTime,
    pub state: StreamStateJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<SourceInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceInfo>>,
    pub ts: GoTime,
}

/// Go `StreamSourceInfo`: how far a mirror or source has come.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<Value>,
    pub lag: u64,
    /// Nanoseconds since the origin was last heard from, `-1` for never.
    pub active: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<SubjectTransform>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SequenceInfo {
    pub consumer_seq: u64,
    pub stream_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<GoTime>,
}

/// Go `ConsumerInfo`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerInfo {
    pub stream_name: String,
    pub name: String,
    pub created: GoTime,
    pub config: ConsumerConfig,
    pub delivered: SequenceInfo,
    pub ack_floor: SequenceInfo,
    pub num_ack_pending: u64,
    pub num_redelivered: u64,
    pub num_waiting: u64,
    pub num_pending: u64,
    #[serde(skip_serializing_if = "is_false")]
    pub push_bound: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub paused: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub pause_remaining: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub priority_groups: Vec<PriorityGroupState>,
    pub ts: GoTime,
}

/// Go `PriorityGroupState` in consumer info.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PriorityGroupState {
    pub group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pinned_client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_ts: Option<GoTime>,
}

/// Request bodies.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PagedRequest {
    pub offset: i64,
    pub subject: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StreamInfoRequest {
    pub offset: i64,
    pub deleted_details: bool,
    pub subjects_filter: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PurgeRequest {
    pub seq: u64,
    pub filter: String,
    pub keep: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MsgGetRequest {
    pub seq: u64,
    pub last_by_subj: String,
    pub next_by_subj: String,
    pub batch: i64,
    pub max_bytes: i64,
    pub no_hdr: bool,
    pub start_time: Option<GoTime>,
    pub multi_last: Vec<String>,
    pub up_to_seq: u64,
    pub up_to_time: Option<GoTime>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MsgDeleteRequest {
    pub seq: u64,
    pub no_erase: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateConsumerRequest {
    pub stream_name: String,
    pub config: Option<ConsumerConfig>,
    pub action: String,
    pub pedantic: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextRequest {
    pub expires: i64,
    pub batch: i64,
    pub max_bytes: i64,
    pub no_wait: bool,
    pub idle_heartbeat: i64,
    pub group: String,
    pub id: String,
    pub min_pending: i64,
    pub min_ack_pending: i64,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnpinRequest {
    pub group: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PauseRequest {
    pub pause_until: Option<GoTime>,
}

/// Go `StoredMsg` in STREAM.MSG.GET replies; payloads are base64.
#[derive(Clone, Debug, Serialize)]
pub struct StoredMsgJson {
    pub subject: String,
    pub seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdrs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub time: GoTime,
}

/// `{"type": ..., "error": ...}`, the reply of every failed request.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorResponse<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub error: &'a ApiError,
}

/// Standard base64 (with padding), as Go encodes `[]byte` in JSON.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
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
