//! API advisories (Go jetstream_api.go `sendJetStreamAPIAuditAdvisory`,
//! stream.go `sendCreateAdvisory` / `sendDeleteAdvisoryLocked` /
//! `sendUpdateAdvisoryLocked`, consumer.go `sendCreateAdvisory` /
//! `sendDeleteAdvisoryLocked` / `sendPauseAdvisoryLocked`): the audit of
//! every API call and the stream and consumer action advisories of
//! successful ones.
use serde::Serialize;

use super::go_json;
use crate::jetstream::api_types::GoTime;
use crate::message::Msg;

/// Go's `TypedEvent`, the head of every advisory.
#[derive(Serialize)]
pub(super) struct Event {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    timestamp: GoTime,
}

impl Event {
    pub(super) fn new(kind: &'static str, now: i64) -> Event {
        Event { kind, id: crate::nuid::next(), timestamp: GoTime(now) }
    }
}

/// Go's `JSAPIAudit` (without the client it has no record of).
#[derive(Serialize)]
pub(super) struct ApiAudit<'a> {
    #[serde(flatten)]
    pub(super) event: Event,
    pub(super) server: &'a str,
    pub(super) subject: &'a str,
    pub(super) request: &'a str,
    pub(super) response: &'a str,
}

/// Go's `JSStreamActionAdvisory`.
#[derive(Serialize)]
struct StreamAction<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    action: &'a str,
}

/// Go's `JSConsumerActionAdvisory`.
#[derive(Serialize)]
struct ConsumerAction<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    consumer: &'a str,
    action: &'a str,
}

/// Go's `JSConsumerPauseAdvisory`.
#[derive(Serialize)]
struct ConsumerPause<'a> {
    #[serde(flatten)]
    event: Event,
    stream: &'a str,
    consumer: &'a str,
    paused: bool,
    pause_until: &'a str,
}

pub(super) fn advisory_msg(subject: String, body: &impl Serialize) -> Msg {
    Msg::new(subject, None, go_json(body))
}

/// Stream and consumer action advisories (Go `sendStreamAdvisory` and
/// friends) for a successful API call whose reply is `body`.
pub(super) fn action_advisories(toks: &[&str], body: &[u8], now: i64, out: &mut Vec<Msg>) {
    let stream_adv = |stream: &str, action: &str, kind: &str, out: &mut Vec<Msg>| {
        let adv =
            StreamAction { event: Event::new("io.nats.jetstream.advisory.v1.stream_action", now), stream, action };
        out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.STREAM.{kind}.{stream}"), &adv));
    };
    let consumer_adv = |stream: &str, consumer: &str, action: &str, kind: &str, out: &mut Vec<Msg>| {
        let adv = ConsumerAction {
            event: Event::new("io.nats.jetstream.advisory.v1.consumer_action", now),
            stream,
            consumer,
            action,
        };
        out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream}.{consumer}"), &adv));
    };
    let reply: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match toks {
        ["STREAM", "CREATE", name] => stream_adv(name, "create", "CREATED", out),
        ["STREAM", "UPDATE", name] => stream_adv(name, "modify", "UPDATED", out),
        ["STREAM", "DELETE", name] => stream_adv(name, "delete", "DELETED", out),
        ["CONSUMER", "CREATE", stream, ..] | ["CONSUMER", "DURABLE", "CREATE", stream, ..] => {
            if let Some(name) = reply.get("name").and_then(|n| n.as_str()) {
                consumer_adv(stream, name, "create", "CREATED", out);
            }
        }
        ["CONSUMER", "DELETE", stream, name] => consumer_adv(stream, name, "delete", "DELETED", out),
        ["CONSUMER", "PAUSE", stream, name] => {
            let adv = ConsumerPause {
                event: Event::new("io.nats.jetstream.advisory.v1.consumer_pause", now),
                stream,
                consumer: name,
                paused: reply.get("paused").and_then(|p| p.as_bool()).unwrap_or(false),
                pause_until: reply.get("pause_until").and_then(|p| p.as_str()).unwrap_or("0001-01-01T00:00:00Z"),
            };
            out.push(advisory_msg(format!("$JS.EVENT.ADVISORY.CONSUMER.PAUSE.{stream}.{name}"), &adv));
        }
        _ => {}
    }
}
