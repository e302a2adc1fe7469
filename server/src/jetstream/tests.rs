//! Engine tests through the public entry points. Expected JSON marked "Go:"
//! was captured from nats-server 2.15.1 (`-js`) with the same requests;
//! timestamps are redacted on both sides before comparing.
use serde_json::Value;

use super::api::api_subjects;
use super::*;

const T0: i64 = 1_795_877_056_000_000_000;
const SEC: i64 = 1_000_000_000;

fn engine() -> JetStream {
    JetStream::new(JetStreamConfig { server_name: "S1".into(), version: Some("2.15.1".into()), ..Default::default() })
}

/// Sends a request or publish with reply `_R` and returns all outbounds.
fn send(js: &JetStream, subject: &str, body: &str, now: i64) -> Vec<Msg> {
    js.on_publish_at("$G", subject, Some("_R"), None, body.as_bytes(), now)
}

fn send_h(js: &JetStream, subject: &str, hdrs: &[(&str, &str)], body: &str, now: i64) -> Vec<Msg> {
    let mut h = String::from("NATS/1.0\r\n");
    for (k, v) in hdrs {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    js.on_publish_at("$G", subject, Some("_R"), Some(h.as_bytes()), body.as_bytes(), now)
}

/// The reply payload to `_R` as a string.
fn reply(out: &[Msg]) -> String {
    let o = out.iter().find(|o| o.subject == "_R").expect("a reply to _R");
    String::from_utf8(o.payload().to_vec()).unwrap()
}

fn api(js: &JetStream, subject: &str, body: &str) -> String {
    reply(&send(js, subject, body, T0))
}

const TIME_KEYS: &[&str] = &["created", "ts", "first_ts", "last_ts", "time", "last_active", "pause_until"];

fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if TIME_KEYS.contains(&k.as_str()) && x.as_str().is_some_and(|s| s != "0001-01-01T00:00:00Z") {
                    *x = Value::String("[time]".into());
                } else if k == "leader" || k == "pause_remaining" {
                    *x = Value::String("[redacted]".into());
                } else {
                    redact(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

#[track_caller]
fn assert_json(actual: &str, expected: &str) {
    let mut a: Value = serde_json::from_str(actual).unwrap_or_else(|e| panic!("bad JSON {actual}: {e}"));
    let mut e: Value = serde_json::from_str(expected).unwrap();
    redact(&mut a);
    redact(&mut e);
    assert_eq!(a, e, "\nactual:   {actual}\nexpected: {expected}");
}

fn headers(o: &Msg) -> String {
    String::from_utf8(o.headers().map(|h| h.to_vec()).unwrap_or_default()).unwrap()
}

#[test]
fn account_info_fresh() {
    let js = engine();
    // Go:
    assert_json(
        &api(&js, "$JS.API.INFO", ""),
        r#"{"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":0,"reserved_memory":0,"reserved_storage":0,"streams":0,"consumers":0,"limits":{"max_memory":-1,"max_storage":-1,"max_streams":-1,"max_consumers":-1,"max_ack_pending":-1,"memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,"max_bytes_required":false},"api":{"level":5,"total":0,"errors":0}}"#,
    );
}

const S_CONFIG: &str = r#"{"name":"S","subjects":["foo","bar.*"],"retention":"limits","max_consumers":-1,"max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"memory","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}}"#;

fn create_s(js: &JetStream) -> String {
    api(js, "$JS.API.STREAM.CREATE.S", r#"{"name":"S","subjects":["foo","bar.*"],"storage":"memory"}"#)
}

#[test]
fn stream_create_and_errors() {
    let js = engine();
    // Go:
    assert_json(
        &create_s(&js),
        &format!(
            r#"{{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{S_CONFIG},"created":"x","state":{{"messages":0,"bytes":0,"first_seq":0,"first_ts":"0001-01-01T00:00:00Z","last_seq":0,"last_ts":"0001-01-01T00:00:00Z","consumer_count":0}},"ts":"x","did_create":true}}"#
        ),
    );
    // Same config again is fine (Go repeats did_create).
    assert!(create_s(&js).contains("\"did_create\":true"));
    // Go escapes '>' as \u003e.
    let u = api(&js, "$JS.API.STREAM.CREATE.U", r#"{"name":"U","subjects":["foo.>"]}"#);
    assert!(u.contains(r#""subjects":["foo.\u003e"]"#), "{u}");
    assert!(u.contains(r#""storage":"file""#));

    let bad = api(&js, "$JS.API.STREAM.CREATE.S", "{bad");
    let v: Value = serde_json::from_str(&bad).unwrap();
    assert_eq!(v["type"], "io.nats.jetstream.api.v1.stream_create_response");
    assert_eq!(v["error"]["err_code"], 10025);
    assert_eq!(v["error"]["code"], 400);
    assert!(v["error"]["description"].as_str().unwrap().starts_with("invalid JSON: "));
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.CREATE.S", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10056,"description":"stream name in subject does not match request"}}"#
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.CREATE.T", r#"{"name":"T","subjects":["foo"]}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10065,"description":"subjects overlap with an existing stream"}}"#
    );
    // Go:
    assert_eq!(
        api(
            &js,
            "$JS.API.STREAM.CREATE.S",
            r#"{"name":"S","subjects":["foo","bar.*"],"storage":"memory","max_msgs":10}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}}"#
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.CREATE.F", r#"{"name":"F","subjects":["f"],"storage":"memory","sealed":true}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":500,"err_code":10052,"description":"stream configuration for create can not be sealed"}}"#
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.CREATE.G", r#"{"name":"G","subjects":["g.*"],"storage":"memory","max_age":100}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":500,"err_code":10052,"description":"max age needs to be \u003e= 100ms"}}"#
    );
    // Unknown API subjects get no reply, like Go.
    assert!(send(&js, "$JS.API.FOO", "", T0).is_empty());
    // Malformed bodies of every kind never panic.
    for subj in [
        "$JS.API.STREAM.INFO.S",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.PURGE.S",
        "$JS.API.STREAM.MSG.GET.S",
        "$JS.API.STREAM.MSG.DELETE.S",
        "$JS.API.STREAM.UPDATE.S",
        "$JS.API.CONSUMER.CREATE.S",
        "$JS.API.CONSUMER.CREATE.S.x",
        "$JS.API.CONSUMER.DURABLE.CREATE.S.x",
        "$JS.API.CONSUMER.NAMES.S",
        "$JS.API.CONSUMER.PAUSE.S.x",
        "$JS.API.DIRECT.GET.S",
    ] {
        for body in ["{", "[1,2]", "\"x\"", "{\"seq\":\"a\"}", "{\"config\":5}", "null", "\u{0}\u{ff}"] {
            let _ = send(&js, subj, body, T0);
        }
    }
}

#[test]
fn publish_acks_and_preconditions() {
    let js = engine();
    create_s(&js);
    let t = T0 + SEC;
    // Go:
    assert_eq!(reply(&send(&js, "foo", "hello", t)), r#"{"stream":"S","seq":1}"#);
    assert_eq!(reply(&send_h(&js, "foo", &[("Nats-Msg-Id", "1")], "hello", t)), r#"{"stream":"S","seq":2}"#);
    // Go (note the space Go writes before `true`):
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Msg-Id", "1")], "hello", t)),
        r#"{"stream":"S","seq":2,"duplicate": true}"#
    );
    // Go:
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Expected-Stream", "X")], "x", t)),
        r#"{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"},"stream":"S","seq":0}"#
    );
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Expected-Last-Sequence", "1")], "x", t)),
        r#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"S","seq":0}"#
    );
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Expected-Last-Subject-Sequence", "1")], "x", t)),
        r#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"S","seq":0}"#
    );
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Expected-Last-Msg-Id", "zz")], "x", t)),
        r#"{"error":{"code":400,"err_code":10070,"description":"wrong last msg ID: 1"},"stream":"S","seq":0}"#
    );
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Rollup", "all")], "x", t)),
        r#"{"error":{"code":500,"err_code":10111,"description":"rollup not permitted"},"stream":"S","seq":0}"#
    );
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-TTL", "1s")], "x", t)),
        r#"{"error":{"code":400,"err_code":10166,"description":"per-message TTL is disabled"},"stream":"S","seq":0}"#
    );
    // Matching preconditions pass.
    assert_eq!(
        reply(&send_h(&js, "foo", &[("Nats-Expected-Last-Sequence", "2")], "x", t)),
        r#"{"stream":"S","seq":3}"#
    );
    assert_eq!(
        reply(&send_h(&js, "bar.x", &[("Nats-Expected-Last-Subject-Sequence", "0")], "x", t)),
        r#"{"stream":"S","seq":4}"#
    );
    // Not captured by any stream: nothing.
    assert!(send(&js, "nope", "x", t).is_empty());

    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.foo",
        r#"{"name":"foo","max_age":3600000000000,"storage":"memory","max_msg_size":22}"#,
    );
    // Go:
    assert_eq!(
        reply(&send(&js, "foo", "\"1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ\"", t)),
        r#"{"error":{"code":400,"err_code":10054,"description":"message size exceeds maximum allowed"},"stream":"foo","seq":0}"#
    );
    api(
        &js,
        "$JS.API.STREAM.CREATE.E",
        r#"{"name":"E","subjects":["e"],"storage":"memory","max_msgs":1,"discard":"new"}"#,
    );
    assert_eq!(reply(&send(&js, "e", "1", t)), r#"{"stream":"E","seq":1}"#);
    // Go:
    assert_eq!(
        reply(&send(&js, "e", "2", t)),
        r#"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"E","seq":0}"#
    );
}

#[test]
fn stream_info_names_list_get_delete_purge_update() {
    let js = engine();
    create_s(&js);
    send(&js, "foo", "hello", T0);
    send_h(&js, "foo", &[("Nats-Msg-Id", "1")], "hello", T0 + 1);
    // Go:
    assert_json(
        &api(&js, "$JS.API.STREAM.INFO.S", ""),
        &format!(
            r#"{{"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,"config":{S_CONFIG},"created":"x","state":{{"messages":2,"bytes":76,"first_seq":1,"first_ts":"x","last_seq":2,"last_ts":"x","num_subjects":1,"consumer_count":0}},"cluster":{{"leader":"x"}},"ts":"x"}}"#
        ),
    );
    // Go:
    assert_json(
        &api(&js, "$JS.API.STREAM.INFO.S", r#"{"subjects_filter":">"}"#),
        &format!(
            r#"{{"type":"io.nats.jetstream.api.v1.stream_info_response","total":1,"offset":0,"limit":100000,"config":{S_CONFIG},"created":"x","state":{{"messages":2,"bytes":76,"first_seq":1,"first_ts":"x","last_seq":2,"last_ts":"x","num_subjects":1,"subjects":{{"foo":2}},"consumer_count":0}},"cluster":{{"leader":"x"}},"ts":"x"}}"#
        ),
    );
    // Go (golden stream-info-not-found):
    assert_eq!(
        api(&js, "$JS.API.STREAM.INFO.BOB", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0}"#
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.NAMES", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_names_response","total":1,"offset":0,"limit":1024,"streams":["S"]}"#
    );
    let list: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.LIST", "")).unwrap();
    assert_eq!(list["type"], "io.nats.jetstream.api.v1.stream_list_response");
    assert_eq!(list["limit"], 256);
    assert_eq!(list["streams"][0]["config"]["metadata"], serde_json::json!({"_nats.req.level":"0"}));
    assert!(list["streams"][0].get("cluster").is_none());
    // Go:
    assert_json(
        &api(&js, "$JS.API.STREAM.MSG.GET.S", r#"{"seq":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"foo","seq":1,"data":"aGVsbG8=","time":"x"}}"#,
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.GET.S", r#"{"seq":99}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10037,"description":"no message found"}}"#
    );
    assert_json(
        &api(&js, "$JS.API.STREAM.MSG.GET.S", r#"{"last_by_subj":"foo"}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"foo","seq":2,"hdrs":"TkFUUy8xLjANCk5hdHMtTXNnLUlkOiAxDQoNCg==","data":"aGVsbG8=","time":"x"}}"#,
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.DELETE.S", r#"{"seq":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","success":true}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.DELETE.S", r#"{"seq":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","error":{"code":400,"err_code":10043,"description":"sequence 1 not found"}}"#
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.S", r#"{"keep":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","success":true,"purged":0}"#
    );
    // Go (state after the above):
    let upd = api(
        &js,
        "$JS.API.STREAM.UPDATE.S",
        r#"{"name":"S","subjects":["foo","bar.*","baz"],"storage":"memory","max_msgs":5}"#,
    );
    assert_json(
        &upd,
        r#"{"type":"io.nats.jetstream.api.v1.stream_update_response","config":{"name":"S","subjects":["foo","bar.*","baz"],"retention":"limits","max_consumers":-1,"max_msgs":5,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,"discard":"old","storage":"memory","num_replicas":1,"duplicate_window":120000000000,"compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,"deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,"consumer_limits":{},"allow_msg_ttl":false,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"created":"x","state":{"messages":1,"bytes":52,"first_seq":2,"first_ts":"x","last_seq":2,"last_ts":"x","num_subjects":1,"consumer_count":0},"ts":"x"}"#,
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.UPDATE.S", r#"{"name":"S","subjects":["foo"],"storage":"file"}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_update_response","error":{"code":500,"err_code":10052,"description":"stream configuration update can not change storage type"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.LEADER.STEPDOWN.S", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_leader_stepdown_response","error":{"code":503,"err_code":10010,"description":"JetStream clustering support required"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.DELETE.NOPE", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.DELETE.S", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","success":true}"#
    );
    // Go: an empty name list is null, an empty stream list is [].
    assert_eq!(
        api(&js, "$JS.API.STREAM.NAMES", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_names_response","total":0,"offset":0,"limit":1024,"streams":null}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.LIST", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_list_response","total":0,"offset":0,"limit":256,"streams":[]}"#
    );
    let info: Value = serde_json::from_str(&api(&js, "$JS.API.INFO", "")).unwrap();
    assert!(info["api"]["total"].as_u64().unwrap() > 10);
    assert!(info["api"]["errors"].as_u64().unwrap() >= 4);
}

#[test]
fn file_stream_matches_golden_bytes() {
    // Golden "stream-info": two 17-byte messages on a file stream are 100 bytes.
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.MSET22",
        r#"{"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}"#,
    );
    send(&js, "foo", "WELCOME JETSTREAM", T0);
    send(&js, "bar", "WELCOME JETSTREAM", T0);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.MSET22", "")).unwrap();
    assert_eq!(v["state"]["bytes"], 100);
    assert_eq!(v["state"]["num_subjects"], 2);
    assert_eq!(v["cluster"]["leader"], "S1");
}

const C_STREAM: &str = r#"{"name":"C","subjects":["c.>"],"storage":"memory"}"#;

fn setup_c(js: &JetStream) {
    api(js, "$JS.API.STREAM.CREATE.C", C_STREAM);
    for i in 0..3 {
        send(js, "c.a", &format!("m{i}"), T0 + i);
    }
    send(js, "c.b", "mb", T0 + 3);
}

#[test]
fn consumer_create_info_names_list_delete() {
    let js = engine();
    setup_c(&js);
    // Go:
    assert_json(
        &api(
            &js,
            "$JS.API.CONSUMER.CREATE.C.d1",
            r#"{"stream_name":"C","config":{"durable_name":"d1","ack_policy":"explicit"}}"#,
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"C","name":"d1","created":"x","config":{"durable_name":"d1","name":"d1","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":4,"ts":"x"}"#,
    );
    // Go:
    assert_json(
        &api(
            &js,
            "$JS.API.CONSUMER.CREATE.C.d2.c.b",
            r#"{"stream_name":"C","config":{"name":"d2","filter_subject":"c.b","ack_policy":"explicit","deliver_policy":"last"}}"#,
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"C","name":"d2","created":"x","config":{"name":"d2","deliver_policy":"last","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"filter_subject":"c.b","replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"inactive_threshold":5000000000,"num_replicas":0,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"delivered":{"consumer_seq":0,"stream_seq":3},"ack_floor":{"consumer_seq":0,"stream_seq":3},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":1,"ts":"x"}"#,
    );
    // Go:
    assert_json(
        &api(
            &js,
            "$JS.API.CONSUMER.CREATE.C.d3",
            r#"{"stream_name":"C","config":{"name":"d3","deliver_subject":"push.d3","ack_policy":"explicit","idle_heartbeat":1000000000,"flow_control":true}}"#,
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"C","name":"d3","created":"x","config":{"name":"d3","deliver_policy":"all","ack_policy":"explicit","ack_wait":30000000000,"max_deliver":-1,"replay_policy":"instant","max_ack_pending":1000,"flow_control":true,"deliver_subject":"push.d3","idle_heartbeat":1000000000,"inactive_threshold":5000000000,"num_replicas":0,"metadata":{"_nats.level":"5","_nats.req.level":"0","_nats.ver":"2.15.1"}},"delivered":{"consumer_seq":0,"stream_seq":0},"ack_floor":{"consumer_seq":0,"stream_seq":0},"num_ack_pending":0,"num_redelivered":0,"num_waiting":0,"num_pending":4,"push_bound":true,"ts":"x"}"#,
    );
    let eph: Value = serde_json::from_str(&api(
        &js,
        "$JS.API.CONSUMER.CREATE.C",
        r#"{"stream_name":"C","config":{"ack_policy":"explicit"}}"#,
    ))
    .unwrap();
    let eph_name = eph["name"].as_str().unwrap().to_string();
    assert_eq!(eph_name.len(), 8);
    assert_eq!(eph["config"]["inactive_threshold"], 5_000_000_000i64);
    assert!(eph["config"].get("name").is_none());

    // Go (error replies):
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.CREATE.X.d1", r#"{"stream_name":"X","config":{"durable_name":"d1"}}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.CREATE.C", r#"{"stream_name":"C","config":{"durable_name":"zz"}}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10020,"description":"consumer expected to be ephemeral but a durable name was set in request"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.DURABLE.CREATE.C.zz", r#"{"stream_name":"C","config":{}}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10018,"description":"consumer expected to be durable but a durable name was not set"}}"#
    );
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.C.x.c.b",
            r#"{"stream_name":"C","config":{"name":"x","filter_subject":"c.a"}}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10131,"description":"Consumer create request did not match filtered subject from create subject"}}"#
    );
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.C.y",
            r#"{"stream_name":"C","config":{"name":"y","deliver_policy":"by_start_sequence"}}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10094,"description":"consumer delivery policy is deliver by start sequence, but optional start sequence is not set"}}"#
    );
    let bad: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.CREATE.C.bad", "{bad")).unwrap();
    assert_eq!(bad["error"]["err_code"], 10025);
    // Go: no config at all is a zero config.
    let y: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.CREATE.C.y", r#"{"stream_name":"C"}"#)).unwrap();
    assert_eq!(y["config"]["ack_policy"], "none");
    assert!(y["config"].get("ack_wait").is_none());
    assert!(y["config"].get("max_ack_pending").is_none());

    // Go:
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.INFO.C.nope", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_info_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}}"#
    );
    let names: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.NAMES.C", "")).unwrap();
    assert_eq!(names["total"], 5);
    assert_eq!(names["limit"], 1024);
    assert_eq!(names["consumers"][1], "d1");
    let list: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.LIST.C", "")).unwrap();
    assert_eq!(list["limit"], 256);
    assert_eq!(list["consumers"].as_array().unwrap().len(), 5);
    assert_eq!(list["consumers"][1]["config"]["metadata"], serde_json::json!({"_nats.req.level":"0"}));
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.LEADER.STEPDOWN.C.d1", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_leader_stepdown_response","error":{"code":503,"err_code":10010,"description":"JetStream clustering support required"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.DELETE.C.d1", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_delete_response","success":true}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.DELETE.C.d1", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_delete_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}}"#
    );
}

#[test]
fn pull_next_batches_acks_and_status() {
    let js = engine();
    setup_c(&js);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.d1",
        r#"{"stream_name":"C","config":{"durable_name":"d1","ack_policy":"explicit"}}"#,
    );
    let t = T0 + SEC;
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", r#"{"batch":2}"#, t);
    assert_eq!(out.len(), 2);
    // Go delivered ('c.a', '$JS.ACK.C.d1.1.1.1.<ts>.3') to the inbox.
    assert_eq!(out[0].subject, "_R");
    assert_eq!(out[0].shown_str(), Some("c.a"));
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.C.d1.1.1.1.{T0}.3")));
    assert_eq!(out[1].reply_str(), Some(&*format!("$JS.ACK.C.d1.1.2.2.{}.2", T0 + 1)));
    assert_eq!(out[0].payload(), b"m0");
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", "1", t);
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.C.d1.1.3.3.{}.1", T0 + 2)));
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", "", t);
    assert_eq!(out[0].shown_str(), Some("c.b"));
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.C.d1.1.4.4.{}.0", T0 + 3)));
    // Go: NATS/1.0 404 No Messages
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", r#"{"batch":1,"no_wait":true}"#, t);
    assert_eq!(headers(&out[0]), "NATS/1.0 404 No Messages\r\n\r\n");
    // Go: 408 with the batch left once expired.
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", r#"{"batch":1,"expires":200000000}"#, t);
    assert!(out.is_empty());
    let out = js.tick_at(t + 300_000_000);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1.subject, "_R");
    assert_eq!(
        headers(&out[0].1),
        "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 0\r\n\r\n"
    );
    // Go consumer info after four deliveries, none acked:
    let info: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.INFO.C.d1", "")).unwrap();
    assert_eq!(info["delivered"]["consumer_seq"], 4);
    assert_eq!(info["delivered"]["stream_seq"], 4);
    assert!(info["delivered"]["last_active"].is_string());
    assert_eq!(info["ack_floor"], serde_json::json!({"consumer_seq":0,"stream_seq":0}));
    assert_eq!(info["num_ack_pending"], 4);
    assert_eq!(info["num_pending"], 0);

    // Acks: +ACK with a reply gets an empty ack-ack; the floor moves.
    let ack = |s: u64, d: u64, body: &str| {
        js.on_publish_at("$G", &format!("$JS.ACK.C.d1.1.{s}.{d}.0.0"), Some("_A"), None, body.as_bytes(), t + 2)
    };
    let out = ack(1, 1, "+ACK");
    assert_eq!(out, vec![Msg::reply_to("_A", Bytes::new())]);
    ack(2, 2, "");
    let info: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.INFO.C.d1", "")).unwrap();
    assert_eq!(info["ack_floor"]["stream_seq"], 2);
    assert_eq!(info["ack_floor"]["consumer_seq"], 2);
    assert_eq!(info["num_ack_pending"], 2);
    // -NAK redelivers at once, with delivery count 2 and a new consumer seq.
    ack(3, 3, "-NAK");
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", "", t + 3);
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.C.d1.2.3.5.{}.0", T0 + 2)));
    // +TERM stops redelivery; +WPI extends the deadline.
    ack(3, 5, "+TERM");
    ack(4, 4, "+WPI");
    let info: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.INFO.C.d1", "")).unwrap();
    assert_eq!(info["num_ack_pending"], 1);
    assert_eq!(info["num_redelivered"], 0);
    // Ack wait expiry redelivers to a waiting request.
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", r#"{"batch":1,"expires":100000000000}"#, t + 3);
    let out = js.tick_at(t + 40 * SEC);
    let redelivered: Vec<_> = out.iter().filter(|(_, o)| o.reply.is_some()).collect();
    assert_eq!(redelivered.len(), 1);
    assert!(redelivered[0].1.reply_str().unwrap().starts_with("$JS.ACK.C.d1.2.4."));
    // +NXT acks and asks for more on the ack's reply subject.
    let out = js.on_publish_at("$G", "$JS.ACK.C.d1.2.4.6.0.0", Some("_N"), None, b"+NXT", t + 41 * SEC);
    assert!(out.is_empty());
    let out = send(&js, "c.new", "n", t + 42 * SEC);
    assert!(out.iter().any(|o| o.subject == "_N" && o.shown_str() == Some("c.new")));
    let info: Value = serde_json::from_str(&api(&js, "$JS.API.CONSUMER.INFO.C.d1", "")).unwrap();
    assert_eq!(info["ack_floor"]["stream_seq"], 4);
}

#[test]
fn pull_request_limits() {
    let js = engine();
    setup_c(&js);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.p",
        r#"{"stream_name":"C","config":{"durable_name":"p","ack_policy":"explicit","max_batch":2,"max_waiting":1,"max_expires":1000000000}}"#,
    );
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":3}"#, T0);
    assert_eq!(headers(&out[0]), "NATS/1.0 409 Exceeded MaxRequestBatch of 2\r\n\r\n");
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":1,"expires":2000000000}"#, T0);
    assert_eq!(headers(&out[0]), "NATS/1.0 409 Exceeded MaxRequestExpires of 1s\r\n\r\n");
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":"x"}"#, T0);
    assert!(headers(&out[0]).starts_with("NATS/1.0 400 Bad Request - "));
    // max_bytes smaller than the next message.
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":1,"max_bytes":3}"#, T0);
    assert_eq!(
        headers(&out[0]),
        "NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: 1\r\nNats-Pending-Bytes: 3\r\n\r\n"
    );
    // Drain, then fill the one waiting slot.
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":2}"#, T0);
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":2}"#, T0);
    let out = js.on_publish_at(
        "$G",
        "$JS.API.CONSUMER.MSG.NEXT.C.p",
        Some("_W1"),
        None,
        br#"{"batch":1,"expires":500000000}"#,
        T0,
    );
    assert!(out.is_empty());
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.p", r#"{"batch":1,"expires":500000000}"#, T0);
    assert_eq!(headers(&out[0]), "NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n");
    // A new message goes to the waiting request.
    let out = send(&js, "c.z", "late", T0 + 1);
    assert_eq!(reply(&out), r#"{"stream":"C","seq":5}"#);
    assert!(out.iter().any(|o| o.subject == "_W1" && o.shown_str() == Some("c.z")));
    // Push consumers refuse pulls.
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.push",
        r#"{"stream_name":"C","config":{"name":"push","deliver_subject":"dl"}}"#,
    );
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.push", "", T0);
    assert!(out.iter().any(|o| headers(o) == "NATS/1.0 409 Consumer is push based\r\n\r\n"));
}

#[test]
fn push_delivery_redelivery_and_heartbeats() {
    let js = engine();
    setup_c(&js);
    let out = send(
        &js,
        "$JS.API.CONSUMER.CREATE.C.p",
        r#"{"stream_name":"C","config":{"name":"p","deliver_subject":"push.p","ack_policy":"explicit","idle_heartbeat":500000000,"ack_wait":1000000000,"filter_subject":"c.b"}}"#,
        T0,
    );
    let dl: Vec<_> = out.iter().filter(|o| o.subject == "push.p").collect();
    assert_eq!(dl.len(), 1);
    assert_eq!(dl[0].reply_str(), Some(&*format!("$JS.ACK.C.p.1.4.1.{}.0", T0 + 3)));
    // Go: heartbeat after idle_heartbeat of silence.
    let out = js.tick_at(T0 + 600_000_000);
    assert_eq!(out.len(), 1);
    assert_eq!(
        headers(&out[0].1),
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 1\r\nNats-Last-Stream: 4\r\n\r\n"
    );
    // Go: redelivered after ack_wait with dc=2 and the next consumer seq.
    let out = js.tick_at(T0 + 1_100_000_000);
    let re: Vec<_> = out.iter().filter(|(_, o)| o.reply.is_some()).collect();
    assert_eq!(re[0].1.reply_str(), Some(&*format!("$JS.ACK.C.p.2.4.2.{}.0", T0 + 3)));
    assert_eq!(re[0].1.headers(), None);
    // Ack stops it.
    js.on_publish_at("$G", "$JS.ACK.C.p.2.4.2.0.0", None, None, b"", T0 + 1_200_000_000);
    let out = js.tick_at(T0 + 3 * SEC);
    assert!(out.iter().all(|(_, o)| o.reply.is_none()));

    // Without interest nothing is delivered; the ephemeral goes away.
    js.set_interest_probe(Arc::new(|_, s| s != "push.q"));
    let out = send(
        &js,
        "$JS.API.CONSUMER.CREATE.C.q",
        r#"{"stream_name":"C","config":{"name":"q","deliver_subject":"push.q"}}"#,
        T0,
    );
    assert!(out.iter().all(|o| o.subject != "push.q"));
    let v: Value = serde_json::from_str(&reply(&out)).unwrap();
    assert!(v.get("push_bound").is_none());
    js.tick_at(T0 + 6 * SEC);
    assert!(api(&js, "$JS.API.CONSUMER.INFO.C.q", "").contains("10014"));
}

#[test]
fn direct_get() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.D", r#"{"name":"D","subjects":["d.>"],"storage":"memory","allow_direct":true}"#);
    send(&js, "d.a", "one", T0);
    send_h(&js, "d.b", &[("X", "1")], "two", T0 + 1);
    send(&js, "d.a", "three", T0 + 2);
    // Go:
    let out = send(&js, "$JS.API.DIRECT.GET.D", r#"{"seq":1}"#, T0);
    assert_eq!(
        headers(&out[0]),
        format!(
            "NATS/1.0\r\nNats-Stream: D\r\nNats-Subject: d.a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: {}\r\n\r\n",
            crate::gotime::format_rfc3339(T0)
        )
    );
    assert_eq!(out[0].payload(), b"one");
    let out = send(&js, "$JS.API.DIRECT.GET.D.d.a", "", T0);
    assert!(headers(&out[0]).contains("Nats-Sequence: 3\r\n"));
    // Go: batch with pending counts and an EOB status.
    let out = send(&js, "$JS.API.DIRECT.GET.D", r#"{"seq":1,"batch":2}"#, T0);
    assert_eq!(out.len(), 3);
    assert!(headers(&out[0]).ends_with("Nats-Num-Pending: 2\r\nNats-Last-Sequence: 0\r\n\r\n"));
    assert!(headers(&out[1]).starts_with("NATS/1.0\r\nX: 1\r\nNats-Stream: D\r\n"));
    assert!(headers(&out[1]).ends_with("Nats-Num-Pending: 1\r\nNats-Last-Sequence: 1\r\n\r\n"));
    assert_eq!(headers(&out[2]), "NATS/1.0 204 EOB\r\nNats-Num-Pending: 1\r\nNats-Last-Sequence: 2\r\n\r\n");
    // Go:
    assert_eq!(
        headers(&send(&js, "$JS.API.DIRECT.GET.D", r#"{"seq":99}"#, T0)[0]),
        "NATS/1.0 404 Message Not Found\r\n\r\n"
    );
    assert_eq!(headers(&send(&js, "$JS.API.DIRECT.GET.D", "", T0)[0]), "NATS/1.0 408 Empty Request\r\n\r\n");
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.D", r#"{"filter":"d.a"}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","success":true,"purged":2}"#
    );
}

#[test]
fn work_queue_retention() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.W",
        r#"{"name":"W","subjects":["w.*"],"storage":"memory","retention":"workqueue"}"#,
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.CREATE.W.w1", r#"{"stream_name":"W","config":{"name":"w1","ack_policy":"none"}}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10084,"description":"consumer in pull mode requires explicit ack policy on workqueue stream"}}"#
    );
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.W.w1",
        r#"{"stream_name":"W","config":{"durable_name":"w1","ack_policy":"explicit"}}"#,
    );
    // Go:
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.W.w2",
            r#"{"stream_name":"W","config":{"durable_name":"w2","ack_policy":"explicit"}}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10099,"description":"multiple non-filtered consumers not allowed on workqueue stream"}}"#
    );
    send(&js, "w.x", "job1", T0);
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.W.w1", r#"{"batch":1}"#, T0);
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.W.w1.1.1.1.{T0}.0")));
    js.on_publish_at("$G", out[0].reply_str().unwrap(), None, None, b"+ACK", T0);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.W", "")).unwrap();
    assert_eq!(v["state"]["messages"], 0);
    assert_eq!(v["state"]["first_seq"], 2);
}

#[test]
fn rollup_republish_ttl_and_pause() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.R",
        r#"{"name":"R","subjects":["r.*"],"storage":"memory","allow_rollup_hdrs":true,"allow_msg_ttl":true}"#,
    );
    send(&js, "r.a", "1", T0);
    send(&js, "r.a", "2", T0);
    send(&js, "r.b", "3", T0);
    send_h(&js, "r.a", &[("Nats-Rollup", "sub")], "4", T0);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.R", "")).unwrap();
    assert_eq!(v["state"]["messages"], 2);
    assert_eq!(v["config"]["metadata"]["_nats.req.level"], "1");
    send_h(&js, "r.b", &[("Nats-Rollup", "all")], "5", T0);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.R", "")).unwrap();
    assert_eq!(v["state"]["messages"], 1);
    assert_eq!(v["state"]["first_seq"], 5);
    // Per-message TTL.
    assert_eq!(reply(&send_h(&js, "r.c", &[("Nats-TTL", "2s")], "x", T0)), r#"{"stream":"R","seq":6}"#);
    assert!(reply(&send_h(&js, "r.c", &[("Nats-TTL", "bogus")], "x", T0)).contains("10165"));
    js.tick_at(T0 + 3 * SEC);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.R", "")).unwrap();
    assert_eq!(v["state"]["messages"], 1);

    // Go: republish comes before the pub ack, with these headers.
    api(
        &js,
        "$JS.API.STREAM.CREATE.H",
        r#"{"name":"H","subjects":["h"],"storage":"memory","republish":{"src":">","dest":"rp.>"}}"#,
    );
    let out = send(&js, "h", "x", T0);
    assert_eq!(out[0].subject, "rp.h");
    assert_eq!(
        headers(&out[0]),
        format!("NATS/1.0\r\nNats-Stream: H\r\nNats-Subject: h\r\nNats-Sequence: 1\r\nNats-Time-Stamp: {}\r\nNats-Last-Sequence: 0\r\n\r\n", crate::gotime::format_rfc3339(T0))
    );
    assert_eq!(reply(&out[1..]), r#"{"stream":"H","seq":1}"#);

    // Pause: Go's reply shape, and no deliveries while paused.
    setup_c(&js);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.d1",
        r#"{"stream_name":"C","config":{"durable_name":"d1","ack_policy":"explicit"}}"#,
    );
    assert_json(
        &api(&js, "$JS.API.CONSUMER.PAUSE.C.d1", r#"{"pause_until":"2030-01-01T00:00:00Z"}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_pause_response","paused":true,"pause_until":"2030-01-01T00:00:00Z","pause_remaining":1}"#,
    );
    assert!(send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d1", "", T0).is_empty());
    // Go:
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.PAUSE.C.d1", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_pause_response","paused":false,"pause_until":"0001-01-01T00:00:00Z"}"#
    );
}

#[test]
fn not_enabled_account() {
    let js = JetStream::new(JetStreamConfig {
        enabled_accounts: Some(["A".to_string()].into_iter().collect()),
        ..Default::default()
    });
    let out = js.on_publish_at("B", "$JS.API.INFO", Some("_R"), None, b"", T0);
    assert_eq!(
        reply(&out),
        r#"{"type":"io.nats.jetstream.api.v1.account_info_response","error":{"code":503,"err_code":10039,"description":"JetStream not enabled for account"}}"#
    );
    assert!(js.on_publish_at("B", "foo", Some("_R"), None, b"", T0).is_empty());
}

/// Replays the scenarios of features/jetstream/api_basics.feature and
/// compares with the Go-recorded golden files in golden/jetstream.
#[test]
fn golden_api_basics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/jetstream");
    let golden = |name: &str| -> Option<Value> {
        let file = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(&format!("__{name}.snap")))?;
        let text = std::fs::read_to_string(file.path()).ok()?;
        let body = text.splitn(3, "---\n").nth(2)?;
        serde_json::from_str(body).ok()
    };
    let compared = std::cell::Cell::new(0);
    let check = |name: &str, actual: &str| {
        let Some(expected) = golden(name) else { return };
        compared.set(compared.get() + 1);
        let mut a: Value = serde_json::from_str(actual).unwrap();
        for (k, ph) in [("created", "[created]"), ("ts", "[ts]")] {
            if a.get(k).is_some() {
                a[k] = Value::String(ph.into());
            }
        }
        if a.get("config").is_some() && a["config"].get("metadata").is_some() {
            a["config"]["metadata"] = Value::String("[ignored]".into());
        }
        if a.get("state").is_some() {
            a["state"]["first_ts"] = Value::String("[first_ts]".into());
            a["state"]["last_ts"] = Value::String("[last_ts]".into());
        }
        if a.get("cluster").is_some() {
            a["cluster"]["leader"] = Value::String("[leader]".into());
        }
        assert_eq!(a, expected, "golden {name}");
    };
    let js = engine();
    check("account-info", &api(&js, "$JS.API.INFO", ""));
    let mset = r#"{"name":"MSET22","storage":"file","subjects":["foo","bar","baz"],"max_msgs":100}"#;
    check("stream-create", &api(&js, "$JS.API.STREAM.CREATE.MSET22", mset));
    send(&js, "foo", "WELCOME JETSTREAM", T0);
    send(&js, "bar", "WELCOME JETSTREAM", T0);
    check("stream-info", &api(&js, "$JS.API.STREAM.INFO.MSET22", ""));
    check("stream-info-not-found", &api(&js, "$JS.API.STREAM.INFO.BOB", ""));
    check("stream-names", &api(&js, "$JS.API.STREAM.NAMES", ""));

    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.ok", r#"{"name":"ok","subjects":["foo","bar"],"storage":"memory"}"#);
    check(
        "stream-name-in-use",
        &api(
            &js,
            "$JS.API.STREAM.CREATE.ok",
            r#"{"name":"ok","subjects":["foo","bar"],"storage":"memory","max_msgs":10}"#,
        ),
    );

    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.MSET22", r#"{"name":"MSET22","storage":"memory","subjects":["foo"]}"#);
    check("stream-delete", &api(&js, "$JS.API.STREAM.DELETE.MSET22", ""));

    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.MSET22", r#"{"name":"MSET22","storage":"memory","subjects":["foo"]}"#);
    send(&js, "foo", "one", T0);
    check(
        "consumer-durable-create",
        &api(
            &js,
            "$JS.API.CONSUMER.DURABLE.CREATE.MSET22.dlc",
            r#"{"stream_name":"MSET22","config":{"durable_name":"dlc","ack_policy":"explicit"}}"#,
        ),
    );
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.MSET22", r#"{"name":"MSET22","storage":"memory","subjects":["foo"]}"#);
    check(
        "consumer-create",
        &api(
            &js,
            "$JS.API.CONSUMER.CREATE.MSET22.worker",
            r#"{"stream_name":"MSET22","config":{"name":"worker","durable_name":"worker","ack_policy":"explicit","deliver_policy":"all"}}"#,
        ),
    );
    // All nine golden replies exist in the repository and were compared.
    assert_eq!(compared.get(), 9, "golden files missing from {}", dir.display());
}

#[test]
fn error_shapes_per_response_type() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.Z", r#"{"name":"Z","subjects":["z"],"storage":"memory"}"#);
    // Go:
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.NAMES.Z", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_names_response","total":0,"offset":0,"limit":1024,"consumers":[]}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.LIST.Z", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_list_response","total":0,"offset":0,"limit":256,"consumers":[]}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.NAMES.NOPE", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_names_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0,"consumers":[]}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.LIST.NOPE", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_list_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0,"consumers":[]}"#
    );
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.NAMES", "{bad")).unwrap();
    assert_eq!(v["error"]["err_code"], 10025);
    assert_eq!(v["streams"], Value::Null);
    assert_eq!(v["limit"], 0);
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.PAUSE.Z.nope", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_pause_response","error":{"code":404,"err_code":10014,"description":"consumer not found"},"paused":false,"pause_until":"0001-01-01T00:00:00Z"}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.GET.NOPE", r#"{"seq":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.NOPE", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"purged":0}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.Z", r#"{"seq":2,"keep":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{"code":400,"err_code":10003,"description":"bad request"},"purged":0}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.INFO.NOPE.x", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.DELETE.NOPE.x", ""),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_delete_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.GET.Z", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":400,"err_code":10003,"description":"bad request"}}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.DELETE.Z", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","error":{"code":400,"err_code":10003,"description":"bad request"}}"#
    );
    // Go consumer config checks:
    let cc = |cfg: &str| api(&js, "$JS.API.CONSUMER.CREATE.Z.q", &format!(r#"{{"stream_name":"Z","config":{cfg}}}"#));
    assert!(cc(r#"{"name":"q","ack_policy":"explicit","max_deliver":2,"backoff":[1000000000,2000000000]}"#)
        .contains(r#""ack_wait":1000000000"#));
    api(&js, "$JS.API.CONSUMER.DELETE.Z.q", "");
    let err = |code: u32, desc: &str| {
        format!(
            r#"{{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{{"code":400,"err_code":{code},"description":"{desc}"}}}}"#
        )
    };
    assert_eq!(cc(r#"{"name":"q","deliver_subject":"a.*"}"#), err(10079, "consumer deliver subject has wildcards"));
    assert_eq!(cc(r#"{"name":"q","deliver_subject":"z"}"#), err(10081, "consumer deliver subject forms a cycle"));
    assert_eq!(
        cc(r#"{"name":"q","filter_subject":"z","filter_subjects":["z"]}"#),
        err(10136, "consumer cannot have both FilterSubject and FilterSubjects specified")
    );
    assert_eq!(
        cc(r#"{"name":"q","deliver_subject":"x","flow_control":true}"#),
        err(10108, "consumer with flow control also needs heartbeats")
    );
    assert_eq!(
        cc(r#"{"name":"q","idle_heartbeat":1000000000}"#),
        err(10088, "consumer idle heartbeat requires a push based consumer")
    );
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.CREATE.Z.a.b", r#"{"stream_name":"Z","config":{"durable_name":"a.b"}}"#),
        err(10017, "consumer name in subject does not match durable name in request")
    );
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.Z.d1",
            r#"{"stream_name":"Z","config":{"durable_name":"d1","ack_policy":"explicit"},"action":"update"}"#
        ),
        err(10149, "consumer does not exist")
    );
    let ex = r#"{"stream_name":"Z","config":{"durable_name":"ex","ack_policy":"explicit"},"action":"create"}"#;
    assert!(api(&js, "$JS.API.CONSUMER.CREATE.Z.ex", ex).contains(r#""name":"ex""#));
    assert!(api(&js, "$JS.API.CONSUMER.CREATE.Z.ex", ex).contains(r#""name":"ex""#));
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.Z.ex",
            r#"{"stream_name":"Z","config":{"durable_name":"ex","ack_policy":"explicit","max_deliver":5},"action":"create"}"#
        ),
        err(10148, "consumer already exists")
    );
    assert_eq!(
        api(
            &js,
            "$JS.API.CONSUMER.CREATE.Z.ex",
            r#"{"stream_name":"Z","config":{"durable_name":"ex","ack_policy":"all"}}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":500,"err_code":10012,"description":"ack policy can not be updated"}}"#
    );
    // Go stream config checks:
    let sc = |cfg: &str| api(&js, "$JS.API.STREAM.CREATE.Y", cfg);
    let serr = |code: u32, err_code: u32, desc: &str| {
        format!(
            r#"{{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{{"code":{code},"err_code":{err_code},"description":"{desc}"}}}}"#
        )
    };
    assert_eq!(
        sc(r#"{"name":"Y","subjects":["y.*","y.a"],"storage":"memory"}"#),
        serr(500, 10052, r#"subject \"y.*\" overlaps with \"y.a\""#)
    );
    assert_eq!(sc(r#"{"name":"Y","subjects":["y..a"],"storage":"memory"}"#), serr(500, 10052, "invalid subject"));
    assert_eq!(
        sc(r#"{"name":"Y","subjects":[">"],"storage":"memory"}"#),
        serr(500, 10052, "capturing all subjects requires no-ack to be true")
    );
    assert_eq!(
        sc(r#"{"name":"Y","num_replicas":3}"#),
        serr(500, 10074, r#"replicas \u003e 1 not supported in non-clustered mode"#)
    );
    assert!(sc(r#"{"name":"Y","retention":"bogus"}"#).contains(r#""err_code":10025"#));
    assert!(sc(r#"{"name":"Y","max_msgs":"x"}"#).contains(r#""err_code":10025"#));
}

#[test]
fn consumer_ack_policies_match_go() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.K", r#"{"name":"K","subjects":["k.>"],"storage":"memory"}"#);
    for i in 0..5 {
        send(&js, "k.a", &format!("m{i}"), T0 + i);
    }
    let info =
        |c: &str| -> Value { serde_json::from_str(&api(&js, &format!("$JS.API.CONSUMER.INFO.K.{c}"), "")).unwrap() };
    let ack = |c: &str, s: u64, d: u64, body: &str| {
        js.on_publish_at("$G", &format!("$JS.ACK.K.{c}.1.{s}.{d}.0.0"), Some("_A"), None, body.as_bytes(), T0 + SEC)
    };
    // Go: ack all of the third delivery acks the first three.
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.K.all",
        r#"{"stream_name":"K","config":{"durable_name":"all","ack_policy":"all"}}"#,
    );
    assert_eq!(send(&js, "$JS.API.CONSUMER.MSG.NEXT.K.all", r#"{"batch":5}"#, T0).len(), 5);
    let out = ack("all", 3, 3, "");
    assert_eq!((out[0].subject_str(), out[0].payload().is_empty()), ("_A", true));
    let i = info("all");
    assert_eq!(i["ack_floor"]["stream_seq"], 3);
    assert_eq!(i["ack_floor"]["consumer_seq"], 3);
    assert_eq!(i["num_ack_pending"], 2);
    // Go: ack none moves the floor with deliveries.
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.K.none",
        r#"{"stream_name":"K","config":{"durable_name":"none","ack_policy":"none"}}"#,
    );
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.K.none", r#"{"batch":2}"#, T0);
    let i = info("none");
    assert_eq!(i["ack_floor"], serde_json::json!({"consumer_seq":2,"stream_seq":2}));
    assert_eq!(i["num_pending"], 3);
    // Go: explicit, out-of-order ack, NAK, TERM.
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.K.ex",
        r#"{"stream_name":"K","config":{"durable_name":"ex","ack_policy":"explicit"}}"#,
    );
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.K.ex", r#"{"batch":3}"#, T0);
    ack("ex", 2, 2, "+ACK");
    let i = info("ex");
    assert_eq!(i["ack_floor"]["stream_seq"], 0);
    assert_eq!(i["num_ack_pending"], 2);
    assert_eq!(ack("ex", 1, 1, "-NAK")[0].subject, "_A");
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.K.ex", r#"{"batch":1}"#, T0);
    assert_eq!(out[0].reply_str(), Some(&*format!("$JS.ACK.K.ex.2.1.4.{T0}.2")));
    ack("ex", 1, 4, "+TERM");
    let i = info("ex");
    assert_eq!(i["delivered"]["consumer_seq"], 4);
    assert_eq!(i["delivered"]["stream_seq"], 3);
    assert_eq!(i["ack_floor"]["consumer_seq"], 2);
    assert_eq!(i["ack_floor"]["stream_seq"], 2);
    assert_eq!(i["num_ack_pending"], 1);
    assert_eq!(i["num_redelivered"], 0);
    // Go: no_wait delivers what there is, then 404.
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.K.ex", r#"{"batch":10,"no_wait":true}"#, T0);
    assert_eq!(out.len(), 3);
    assert_eq!(out[1].reply_str(), Some(&*format!("$JS.ACK.K.ex.1.5.6.{}.0", T0 + 4)));
    assert_eq!(headers(&out[2]), "NATS/1.0 404 No Messages\r\n\r\n");
    // Go: deliver policies position the consumer.
    let pos = |cfg: &str| -> (Value, Value) {
        let v: Value = serde_json::from_str(&api(
            &js,
            "$JS.API.CONSUMER.CREATE.K",
            &format!(r#"{{"stream_name":"K","config":{cfg}}}"#),
        ))
        .unwrap();
        (v["delivered"]["stream_seq"].clone(), v["num_pending"].clone())
    };
    assert_eq!(pos(r#"{"deliver_policy":"last_per_subject","filter_subject":"k.>"}"#), (4.into(), 1.into()));
    assert_eq!(pos(r#"{"deliver_policy":"new"}"#), (5.into(), 0.into()));
    assert_eq!(pos(r#"{"deliver_policy":"by_start_sequence","opt_start_seq":3}"#), (2.into(), 3.into()));
    assert_eq!(pos(r#"{"deliver_policy":"last"}"#), (4.into(), 1.into()));
}

#[test]
fn interest_retention_matches_go() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.I2",
        r#"{"name":"I2","subjects":["j.*"],"storage":"memory","retention":"interest"}"#,
    );
    let state = || -> Value {
        let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.I2", "")).unwrap();
        v["state"].clone()
    };
    // Go: no interest, the sequence is used but nothing kept.
    assert_eq!(reply(&send(&js, "j.a", "x", T0)), r#"{"stream":"I2","seq":1}"#);
    let st = state();
    assert_eq!(
        (st["messages"].clone(), st["first_seq"].clone(), st["last_seq"].clone()),
        (0.into(), 2.into(), 1.into())
    );
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.I2.c1",
        r#"{"stream_name":"I2","config":{"durable_name":"c1","ack_policy":"explicit"}}"#,
    );
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.I2.c2",
        r#"{"stream_name":"I2","config":{"durable_name":"c2","ack_policy":"none","filter_subject":"j.a"}}"#,
    );
    send(&js, "j.a", "y", T0 + 1);
    send(&js, "j.b", "z", T0 + 2);
    assert_eq!(send(&js, "$JS.API.CONSUMER.MSG.NEXT.I2.c2", r#"{"batch":5,"no_wait":true}"#, T0).len(), 2);
    assert_eq!(send(&js, "$JS.API.CONSUMER.MSG.NEXT.I2.c1", r#"{"batch":5,"no_wait":true}"#, T0).len(), 3);
    js.on_publish_at("$G", "$JS.ACK.I2.c1.1.3.2.0.0", None, None, b"", T0);
    // Go: {"messages":1,"bytes":20,"first_seq":2,..,"last_seq":3,"num_subjects":1,"num_deleted":1,"consumer_count":2}
    let st = state();
    assert_eq!(st["messages"], 1);
    assert_eq!(st["bytes"], 20);
    assert_eq!(st["first_seq"], 2);
    assert_eq!(st["num_deleted"], 1);
    js.on_publish_at("$G", "$JS.ACK.I2.c1.1.2.1.0.0", None, None, b"", T0);
    // Go: {"messages":0,"bytes":0,"first_seq":4,..,"last_seq":3,"consumer_count":2}
    let st = state();
    assert_eq!(
        (st["messages"].clone(), st["first_seq"].clone(), st["last_seq"].clone()),
        (0.into(), 4.into(), 3.into())
    );
    assert!(st.get("num_deleted").is_none());
}

#[test]
fn push_flow_control_stalls_until_answered() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.B", r#"{"name":"B","subjects":["b"],"storage":"memory"}"#);
    let big = "x".repeat(300 * 1024);
    for i in 0..6 {
        send(&js, "b", &big, T0 + i);
    }
    let out = send(
        &js,
        "$JS.API.CONSUMER.CREATE.B.f",
        r#"{"stream_name":"B","config":{"name":"f","deliver_subject":"fc.in","flow_control":true,"idle_heartbeat":1000000000}}"#,
        T0,
    );
    let msgs = out.iter().filter(|o| o.subject == "fc.in" && o.shown.is_some()).count();
    let fc: Vec<_> = out.iter().filter(|o| headers(o) == "NATS/1.0 100 FlowControl Request\r\n\r\n").collect();
    assert_eq!(msgs, 4);
    assert_eq!(fc.len(), 1);
    let fc_reply = fc[0].reply_str().unwrap().to_string();
    assert!(fc_reply.starts_with("$JS.FC.B.f."));
    // Stalled: a heartbeat says so.
    let out = js.tick_at(T0 + 2 * SEC);
    assert!(headers(&out[0].1).contains(&format!("Nats-Consumer-Stalled: {fc_reply}\r\n")));
    // The answer resumes delivery.
    let out = js.on_publish_at("$G", &fc_reply, None, None, b"", T0 + 2 * SEC);
    assert_eq!(out.iter().filter(|o| o.shown.is_some()).count(), 2);
}

#[test]
fn limits_ttl_seal_and_deny_match_go() {
    let js = engine();
    let t = T0;
    api(
        &js,
        "$JS.API.STREAM.CREATE.P",
        r#"{"name":"P","subjects":["p.*"],"storage":"memory","max_msgs_per_subject":1,"discard":"new","discard_new_per_subject":true}"#,
    );
    assert_eq!(reply(&send(&js, "p.a", "1", t)), r#"{"stream":"P","seq":1}"#);
    // Go:
    assert_eq!(
        reply(&send(&js, "p.a", "2", t)),
        r#"{"error":{"code":503,"err_code":10077,"description":"maximum messages per subject exceeded"},"stream":"P","seq":0}"#
    );
    assert_eq!(reply(&send(&js, "p.b", "3", t)), r#"{"stream":"P","seq":2}"#);
    api(
        &js,
        "$JS.API.STREAM.CREATE.Q",
        r#"{"name":"Q","subjects":["q.*"],"storage":"memory","max_bytes":50,"discard":"new"}"#,
    );
    assert_eq!(reply(&send(&js, "q.a", "1234567890", t)), r#"{"stream":"Q","seq":1}"#);
    // Go:
    assert_eq!(
        reply(&send(&js, "q.a", "1234567890", t)),
        r#"{"error":{"code":503,"err_code":10077,"description":"maximum bytes exceeded"},"stream":"Q","seq":0}"#
    );
    api(&js, "$JS.API.STREAM.CREATE.T", r#"{"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true}"#);
    assert_eq!(reply(&send_h(&js, "t.a", &[("Nats-TTL", "never")], "x", t)), r#"{"stream":"T","seq":1}"#);
    let ttl_err =
        r#"{"error":{"code":400,"err_code":10165,"description":"invalid per-message TTL"},"stream":"T","seq":0}"#;
    assert_eq!(reply(&send_h(&js, "t.a", &[("Nats-TTL", "500ms")], "x", t)), ttl_err);
    assert_eq!(reply(&send_h(&js, "t.a", &[("Nats-TTL", "abc")], "x", t)), ttl_err);
    assert_eq!(
        reply(&send_h(
            &js,
            "t.b",
            &[("Nats-Expected-Last-Subject-Sequence", "1"), ("Nats-Expected-Last-Subject-Sequence-Subject", "t.a")],
            "x",
            t
        )),
        r#"{"stream":"T","seq":2}"#
    );
    assert_eq!(
        reply(&send_h(&js, "t.b", &[("Nats-Expected-Last-Subject-Sequence-Subject", "t.a")], "x", t)),
        r#"{"error":{"code":400,"err_code":10193,"description":"missing sequence for expected last sequence per subject"},"stream":"T","seq":0}"#
    );
    let upd: Value = serde_json::from_str(&api(
        &js,
        "$JS.API.STREAM.UPDATE.T",
        r#"{"name":"T","subjects":["t.*"],"storage":"memory","allow_msg_ttl":true,"sealed":true}"#,
    ))
    .unwrap();
    // Go rewrites a sealed config.
    assert_eq!(upd["config"]["discard"], "new");
    assert_eq!(upd["config"]["deny_delete"], true);
    assert_eq!(upd["config"]["deny_purge"], true);
    let sealed = r#"{"code":400,"err_code":10109,"description":"invalid operation on sealed stream"}"#;
    assert_eq!(reply(&send(&js, "t.a", "x", t)), format!(r#"{{"error":{sealed},"stream":"T","seq":0}}"#));
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.T", ""),
        format!(r#"{{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{sealed},"purged":0}}"#)
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.DELETE.T", r#"{"seq":1}"#),
        format!(r#"{{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","error":{sealed}}}"#)
    );
    api(
        &js,
        "$JS.API.STREAM.CREATE.DD",
        r#"{"name":"DD","subjects":["dd"],"storage":"memory","deny_delete":true,"deny_purge":true}"#,
    );
    // Go:
    assert_eq!(
        api(&js, "$JS.API.STREAM.PURGE.DD", ""),
        r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{"code":500,"err_code":10110,"description":"stream purge not permitted"},"purged":0}"#
    );
    assert_eq!(
        api(&js, "$JS.API.STREAM.MSG.DELETE.DD", r#"{"seq":1}"#),
        r#"{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","error":{"code":500,"err_code":10057,"description":"message delete not permitted"}}"#
    );
    assert_eq!(
        api(
            &js,
            "$JS.API.STREAM.CREATE.RR",
            r#"{"name":"RR","subjects":["rr"],"storage":"memory","deny_purge":true,"allow_rollup_hdrs":true}"#
        ),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":500,"err_code":10052,"description":"roll-ups require the purge permission"}}"#
    );
    api(&js, "$JS.API.STREAM.CREATE.MM", r#"{"name":"MM","subjects":["mm"],"storage":"memory","max_consumers":1}"#);
    api(&js, "$JS.API.CONSUMER.CREATE.MM.a", r#"{"stream_name":"MM","config":{"name":"a"}}"#);
    assert_eq!(
        api(&js, "$JS.API.CONSUMER.CREATE.MM.b", r#"{"stream_name":"MM","config":{"name":"b"}}"#),
        r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":400,"err_code":10026,"description":"maximum consumers limit reached"}}"#
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    let js = engine();
    setup_c(&js);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.d",
        r#"{"stream_name":"C","config":{"durable_name":"d","ack_policy":"all","ack_wait":9223372036854775807}}"#,
    );
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.C.e",
        r#"{"stream_name":"C","config":{"name":"e","deliver_subject":"e.in","idle_heartbeat":9223372036854775807,"inactive_threshold":9223372036854775807}}"#,
    );
    api(&js, "$JS.API.CONSUMER.PAUSE.C.d", r#"{"pause_until":"0000-01-01T00:00:00Z"}"#);
    api(&js, "$JS.API.CONSUMER.PAUSE.C.d", r#"{"pause_until":"9999-12-31T23:59:59.999999999Z"}"#);
    api(&js, "$JS.API.CONSUMER.PAUSE.C.d", "");
    send(
        &js,
        "$JS.API.CONSUMER.MSG.NEXT.C.d",
        r#"{"batch":9223372036854775807,"expires":9223372036854775807,"idle_heartbeat":9223372036854775807}"#,
        T0,
    );
    js.on_publish_at("$G", "$JS.ACK.C.d.1.18446744073709551615.1.0.0", Some("_A"), None, b"+ACK", T0);
    js.on_publish_at("$G", "$JS.ACK.C.d.1.1.1.0.0", Some("_A"), None, b"-NAK {\"delay\": 9223372036854775807}", T0);
    js.on_publish_at("$G", "$JS.ACK.C.d.x.y", Some("_A"), None, b"+ACK", T0);
    js.on_publish_at("$G", "c.h", Some("_A"), Some(b"X"), b"bad header block", T0);
    api(
        &js,
        "$JS.API.STREAM.UPDATE.C",
        r#"{"name":"C","subjects":["c.>"],"storage":"memory","allow_direct":true,"max_age":9223372036854775807}"#,
    );
    send(&js, "$JS.API.DIRECT.GET.C.c.h", "", T0);
    api(&js, "$JS.API.STREAM.INFO.C", r#"{"deleted_details":true,"subjects_filter":">","offset":-5}"#);
    api(&js, "$JS.API.STREAM.PURGE.C", r#"{"seq":18446744073709551615}"#);
    api(&js, "$JS.API.STREAM.INFO.C", r#"{"deleted_details":true}"#);
    js.tick_at(i64::MAX);
    js.tick_at(i64::MIN);
}

#[test]
fn reads_and_pulls_leave_the_listen_subjects_alone() {
    let js = engine();
    setup_c(&js);
    api(&js, "$JS.API.CONSUMER.CREATE.C.d", r#"{"stream_name":"C","config":{"durable_name":"d"}}"#);
    let before = js.generation();
    for subject in [
        "$JS.API.INFO",
        "$JS.API.STREAM.INFO.C",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.CONSUMER.INFO.C.d",
        "$JS.API.CONSUMER.NAMES.C",
        "$JS.API.CONSUMER.LIST.C",
    ] {
        api(&js, subject, "");
        assert_eq!(js.generation(), before, "{subject} changed the generation");
    }
    send(&js, "$JS.API.STREAM.MSG.GET.C", r#"{"seq":1}"#, T0);
    send(&js, "$JS.API.CONSUMER.MSG.NEXT.C.d", r#"{"batch":1,"no_wait":true}"#, T0);
    assert_eq!(js.generation(), before, "a get or a pull changed the generation");
    api(&js, "$JS.API.CONSUMER.DELETE.C.d", "");
    assert_ne!(js.generation(), before, "a delete must change it");
    assert!(!api::is_read_only("$JS.API.INFOX") && !api::is_read_only("$JS.API.STREAM.PURGE.C"));
}

#[test]
fn direct_gets_of_memory_streams_are_served_inline_and_match_the_queued_path() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.D", r#"{"name":"D","subjects":["d.>"],"storage":"memory","allow_direct":true}"#);
    send(&js, "d.k", "v1", T0);
    send(&js, "d.k", "v2", T0 + 1);
    for (subject, body) in [("$JS.API.DIRECT.GET.D.d.k", ""), ("$JS.API.DIRECT.GET.D", r#"{"seq":1}"#)] {
        let inline = js.try_direct_get("$G", subject, Some("_R"), None, body.as_bytes()).expect("served inline");
        let queued = send(&js, subject, body, T0 + 2);
        assert_eq!(inline.len(), 1);
        assert_eq!(inline, queued, "{subject}");
    }
    // Not inline: no reply, another API, an unknown stream, or a required API level.
    assert!(js.try_direct_get("$G", "$JS.API.DIRECT.GET.D.d.k", None, None, b"").is_none());
    assert!(js.try_direct_get("$G", "$JS.API.STREAM.INFO.D", Some("_R"), None, b"").is_none());
    assert!(js.try_direct_get("$G", "$JS.API.DIRECT.GET.X.d.k", Some("_R"), None, b"").is_none());
    let h = b"NATS/1.0\r\nNats-Required-Api-Level: 9\r\n\r\n";
    assert!(js.try_direct_get("$G", "$JS.API.DIRECT.GET.D.d.k", Some("_R"), Some(h), b"").is_none());
}

#[test]
fn inline_stores_match_the_queued_path_and_stay_off_sourcing_accounts() {
    let (inline, queued) = (engine(), engine());
    for js in [&inline, &queued] {
        api(js, "$JS.API.STREAM.CREATE.C", C_STREAM);
        api(
            js,
            "$JS.API.CONSUMER.CREATE.C.d",
            r#"{"stream_name":"C","config":{"durable_name":"d","deliver_subject":"dd"}}"#,
        );
    }
    for i in 0..3 {
        let body = format!("m{i}");
        let a = inline.try_store_inline("$G", "c.a", Some("_R"), None, body.as_bytes()).expect("stored inline");
        let b = queued.on_publish_at("$G", "c.a", Some("_R"), None, body.as_bytes(), T0);
        // Same ack and deliveries; only the delivery timestamps in the ack
        // reply subjects differ.
        assert_eq!(a.len(), b.len());
        assert_eq!(a[0], b[0], "the pub ack");
        assert_eq!(a[1].payload(), b[1].payload());
    }
    assert!(inline.try_store_inline("$G", "x.none", Some("_R"), None, b"m").is_none(), "no stream captures it");
    assert!(inline.try_store_inline("$G", "$JS.ACK.C.d.1.1.1.1.0", None, None, b"").is_none(), "acks are queued");
    api(&inline, "$JS.API.STREAM.CREATE.S", r#"{"name":"S","storage":"memory","sources":[{"name":"C"}]}"#);
    assert!(
        inline.try_store_inline("$G", "c.a", Some("_R"), None, b"m").is_none(),
        "an account with a sourcing stream is served by the engine thread"
    );
}

#[test]
fn listen_subjects_follow_streams_and_consumers() {
    let js = engine();
    assert!(api_subjects().contains(&"$JS.API.INFO".to_string()));
    assert!(api_subjects().contains(&"$JS.API.STREAM.CREATE.>".to_string()));
    let before = js.generation();
    assert_eq!(js.listen_subjects().get("$G"), None, "no account state yet");
    setup_c(&js);
    assert_ne!(js.generation(), before);
    let subjects = js.listen_subjects().remove("$G").unwrap();
    for want in ["$JS.ACK.>", "$JS.FC.>", "c.>"] {
        assert!(subjects.contains(&want.to_string()), "{want} in {subjects:?}");
    }
    api(&js, "$JS.API.CONSUMER.CREATE.C.d", r#"{"stream_name":"C","config":{"durable_name":"d"}}"#);
    let subjects = js.listen_subjects().remove("$G").unwrap();
    assert!(subjects.contains(&"$JS.API.CONSUMER.MSG.NEXT.C.d".to_string()));
    api(&js, "$JS.API.STREAM.DELETE.C", "");
    let subjects = js.listen_subjects().remove("$G").unwrap();
    assert_eq!(subjects, vec!["$JS.ACK.>".to_string(), "$JS.FC.>".to_string()]);
}

/// Throughput sanity check (run with `--ignored`): append and drain through
/// a filtered pull consumer must stay linear.
#[test]
#[ignore]
fn throughput_is_linear() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.P", r#"{"name":"P","subjects":["p.*"],"storage":"memory"}"#);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.P.w",
        r#"{"stream_name":"P","config":{"durable_name":"w","ack_policy":"explicit","filter_subject":"p.*","max_ack_pending":-1}}"#,
    );
    let n = 100_000;
    let t = std::time::Instant::now();
    for i in 0..n {
        js.on_publish_at("$G", if i % 2 == 0 { "p.a" } else { "p.b" }, None, None, b"payload", T0);
    }
    let pub_time = t.elapsed();
    let t = std::time::Instant::now();
    let mut got = 0;
    while got < n {
        let out = js.on_publish_at(
            "$G",
            "$JS.API.CONSUMER.MSG.NEXT.P.w",
            Some("_R"),
            None,
            br#"{"batch":500,"no_wait":true}"#,
            T0,
        );
        got += out.iter().filter(|o| o.reply.is_some()).count();
        for o in &out {
            if let Some(r) = o.reply_str() {
                js.on_publish_at("$G", r, None, None, b"+ACK", T0);
            }
        }
    }
    eprintln!("publish {n}: {pub_time:?}, drain+ack: {:?}", t.elapsed());
}

#[test]
fn covering_filter_survives_stream_update() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.P", r#"{"name":"P","subjects":["p.*"],"storage":"memory"}"#);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.P.w",
        r#"{"stream_name":"P","config":{"durable_name":"w","filter_subject":"p.*"}}"#,
    );
    api(&js, "$JS.API.STREAM.UPDATE.P", r#"{"name":"P","subjects":["p.*","q"],"storage":"memory"}"#);
    send(&js, "q", "no", T0);
    send(&js, "p.a", "yes", T0);
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.P.w", r#"{"batch":5,"no_wait":true}"#, T0);
    let subjects: Vec<_> = out.iter().filter_map(|o| o.shown_str()).collect();
    assert_eq!(subjects, vec!["p.a"]);
}

#[test]
fn max_age_dedupe_window_and_headers_only() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.A",
        r#"{"name":"A","subjects":["a"],"storage":"memory","max_age":2000000000,"duplicate_window":1000000000}"#,
    );
    assert_eq!(reply(&send_h(&js, "a", &[("Nats-Msg-Id", "m")], "x", T0)), r#"{"stream":"A","seq":1}"#);
    assert!(reply(&send_h(&js, "a", &[("Nats-Msg-Id", "m")], "x", T0 + SEC / 2)).contains("duplicate"));
    // Past the window the id is new again.
    assert_eq!(reply(&send_h(&js, "a", &[("Nats-Msg-Id", "m")], "x", T0 + 2 * SEC)), r#"{"stream":"A","seq":2}"#);
    js.tick_at(T0 + 3 * SEC);
    let v: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.A", "")).unwrap();
    assert_eq!((v["state"]["messages"].clone(), v["state"]["first_seq"].clone()), (1.into(), 2.into()));

    api(&js, "$JS.API.CONSUMER.CREATE.A.h", r#"{"stream_name":"A","config":{"durable_name":"h","headers_only":true}}"#);
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.A.h", "", T0);
    assert_eq!(headers(&out[0]), "NATS/1.0\r\nNats-Msg-Id: m\r\nNats-Msg-Size: 1\r\n\r\n");
    assert!(out[0].payload().is_empty());
}

#[test]
fn redelivery_backoff_nak_delay_and_max_deliver() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.B", r#"{"name":"B","subjects":["b"],"storage":"memory"}"#);
    send(&js, "b", "x", T0);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.B.r",
        r#"{"stream_name":"B","config":{"name":"r","deliver_subject":"r.in","ack_policy":"explicit","max_deliver":3,"backoff":[1000000000,5000000000]}}"#,
    );
    let deliveries = |from: i64, to: i64| -> Vec<String> {
        let mut got = Vec::new();
        let mut t = from;
        while t <= to {
            for (_, o) in js.tick_at(t) {
                if let Some(r) = o.reply_str() {
                    got.push(format!("{}@{}", r.split('.').nth(4).unwrap(), (t - T0) / 100_000_000));
                }
            }
            t += 100_000_000;
        }
        got
    };
    // dc=2 one backoff step (1s) after the first delivery, dc=3 five seconds
    // later, and then max_deliver stops it.
    assert_eq!(deliveries(T0, T0 + 20 * SEC), vec!["2@10", "3@60"]);

    // -NAK with a delay postpones the redelivery.
    send(&js, "b", "y", T0);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.B.n",
        r#"{"stream_name":"B","config":{"durable_name":"n","ack_policy":"explicit"}}"#,
    );
    let out = send(&js, "$JS.API.CONSUMER.MSG.NEXT.B.n", "", T0);
    let ack = out[0].reply_str().unwrap().to_string();
    js.on_publish_at("$G", &ack, None, None, br#"-NAK {"delay":2000000000}"#, T0);
    // The next request gets the second message meanwhile.
    let out =
        js.on_publish_at("$G", "$JS.API.CONSUMER.MSG.NEXT.B.n", Some("_W"), None, br#"{"expires":10000000000}"#, T0);
    assert!(out[0].reply_str().unwrap().starts_with("$JS.ACK.B.n.1.2.2."));
    js.on_publish_at("$G", "$JS.API.CONSUMER.MSG.NEXT.B.n", Some("_W"), None, br#"{"expires":10000000000}"#, T0);
    let to_w = |out: Vec<(String, Msg)>| out.into_iter().filter(|(_, o)| o.subject == "_W").collect::<Vec<_>>();
    assert!(to_w(js.tick_at(T0 + SEC)).is_empty());
    let out = to_w(js.tick_at(T0 + 2 * SEC));
    assert_eq!(out.len(), 1);
    assert!(out[0].1.reply_str().unwrap().starts_with("$JS.ACK.B.n.2.1.3."));
}

#[test]
fn deliver_by_start_time() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.B", r#"{"name":"B","subjects":["b"],"storage":"memory"}"#);
    for i in 0..4 {
        send(&js, "b", "x", T0 + i * SEC);
    }
    let start = crate::gotime::format_rfc3339(T0 + 2 * SEC);
    let v: Value = serde_json::from_str(&api(
        &js,
        "$JS.API.CONSUMER.CREATE.B.t",
        &format!(r#"{{"stream_name":"B","config":{{"name":"t","deliver_policy":"by_start_time","opt_start_time":"{start}"}}}}"#),
    ))
    .unwrap();
    assert_eq!(v["config"]["opt_start_time"], start);
    assert_eq!(v["num_pending"], 2);
    assert_eq!(v["delivered"]["stream_seq"], 2);
}

#[test]
fn required_api_level_header() {
    let js = engine();
    let out = send_h(&js, "$JS.API.STREAM.CREATE.L", &[("Nats-Required-Api-Level", "9")], r#"{"name":"L"}"#, T0);
    assert_eq!(
        reply(&out),
        r#"{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":412,"err_code":10185,"description":"JetStream minimum api level required"}}"#
    );
    assert!(api(&js, "$JS.API.STREAM.INFO.L", "").contains("10059"));
    let out = send_h(&js, "$JS.API.STREAM.CREATE.L", &[("Nats-Required-Api-Level", "5")], r#"{"name":"L"}"#, T0);
    assert!(reply(&out).contains("did_create"));
}

/// A toy core: routes client publishes and engine outbounds to subscribers
/// and through `on_publish`, as the module docs ask the real core to do.
struct MiniCore {
    js: JetStream,
    subs: Vec<String>,
    inbox: Vec<(String, Msg)>,
}

impl MiniCore {
    fn publish(&mut self, subject: &str, reply: Option<&str>, hdr: Option<&[u8]>, payload: &[u8], now: i64) {
        let out = self.js.on_publish_at("$G", subject, reply, hdr, payload, now);
        self.route(out, now);
    }

    fn route(&mut self, out: Vec<Msg>, now: i64) {
        for o in out {
            if self.subs.iter().any(|s| crate::subject::matches(o.subject_str(), s)) {
                self.inbox.push((o.subject_str().to_string(), o.clone()));
            }
            let more = self.js.on_publish_at("$G", o.subject_str(), o.reply_str(), o.headers(), o.payload(), now);
            self.route(more, now);
        }
    }

    fn take(&mut self, subject: &str) -> Vec<Msg> {
        let (mine, rest) = std::mem::take(&mut self.inbox).into_iter().partition(|(s, _)| s == subject);
        self.inbox = rest;
        mine.into_iter().map(|(_, o)| o).collect()
    }
}

#[test]
fn simulated_core_kv_style_flow() {
    let mut core = MiniCore { js: engine(), subs: vec!["_INBOX.>".into(), "rp.>".into()], inbox: Vec::new() };
    let t = T0;
    core.publish(
        "$JS.API.STREAM.CREATE.KV_b",
        Some("_INBOX.1"),
        None,
        br#"{"name":"KV_b","subjects":["$KV.b.>"],"max_msgs_per_subject":1,"discard":"new","allow_direct":true,"allow_rollup_hdrs":true,"deny_delete":true,"storage":"file","republish":{"src":"$KV.b.>","dest":"rp.>"}}"#,
        t,
    );
    assert!(String::from_utf8_lossy(core.take("_INBOX.1")[0].payload()).contains("did_create"));
    // Create-only put: expected last subject sequence 0.
    let h = b"NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 0\r\n\r\n";
    core.publish("$KV.b.k1", Some("_INBOX.2"), Some(h), b"v1", t);
    assert_eq!(&core.take("_INBOX.2")[0].payload(), br#"{"stream":"KV_b","seq":1}"#);
    core.publish("$KV.b.k1", Some("_INBOX.3"), Some(h), b"v2", t);
    assert!(String::from_utf8_lossy(core.take("_INBOX.3")[0].payload()).contains("wrong last sequence: 1"));
    // Republished copy went to the subscriber of rp.>.
    assert_eq!(core.take("rp.k1").len(), 1);
    // Get through DIRECT.GET by last subject.
    core.publish("$JS.API.DIRECT.GET.KV_b.$KV.b.k1", Some("_INBOX.4"), None, b"", t);
    let got = core.take("_INBOX.4");
    assert_eq!(&got[0].payload(), b"v1");
    // A watcher: push consumer on an inbox, last per subject, flow control.
    core.publish(
        "$JS.API.CONSUMER.CREATE.KV_b.w1.$KV.b.>",
        Some("_INBOX.5"),
        None,
        br#"{"stream_name":"KV_b","config":{"name":"w1","deliver_subject":"_INBOX.watch","deliver_policy":"last_per_subject","ack_policy":"none","filter_subject":"$KV.b.>","flow_control":true,"idle_heartbeat":5000000000,"mem_storage":true,"num_replicas":1}}"#,
        t,
    );
    assert!(String::from_utf8_lossy(core.take("_INBOX.5")[0].payload()).contains(r#""name":"w1""#));
    let w = core.take("_INBOX.watch");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].shown_str(), Some("$KV.b.k1"));
    assert!(w[0].reply_str().unwrap().ends_with(".0"), "no more pending");
    // An update with the right expected sequence reaches the watcher.
    let h = b"NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 1\r\n\r\n";
    core.publish("$KV.b.k1", Some("_INBOX.6"), Some(h), b"v2", t);
    assert_eq!(&core.take("_INBOX.6")[0].payload(), br#"{"stream":"KV_b","seq":2}"#);
    let w = core.take("_INBOX.watch");
    assert_eq!(&w[0].payload(), b"v2");
    // A purge marker rolls the subject up.
    let h = b"NATS/1.0\r\nKV-Operation: PURGE\r\nNats-Rollup: sub\r\n\r\n";
    core.publish("$KV.b.k1", Some("_INBOX.7"), Some(h), b"", t);
    core.publish("$JS.API.STREAM.INFO.KV_b", Some("_INBOX.8"), None, b"", t);
    let v: Value = serde_json::from_slice(core.take("_INBOX.8")[0].payload()).unwrap();
    assert_eq!(v["state"]["messages"], 1);
    assert_eq!(v["state"]["last_seq"], 3);
}

#[test]
fn replay_original_and_subject_transform() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.R",
        r#"{"name":"R","subjects":["in.*"],"storage":"memory","subject_transform":{"src":"in.*","dest":"out.{{wildcard(1)}}"}}"#,
    );
    for i in 0..3 {
        send(&js, "in.x", "m", T0 + i * SEC);
    }
    let got = api(&js, "$JS.API.STREAM.MSG.GET.R", r#"{"seq":1}"#);
    assert!(got.contains(r#""subject":"out.x""#), "{got}");
    let out = send(
        &js,
        "$JS.API.CONSUMER.CREATE.R.o",
        r#"{"stream_name":"R","config":{"name":"o","deliver_subject":"o.in","replay_policy":"original"}}"#,
        T0 + 10 * SEC,
    );
    let count = |out: &[Msg]| out.iter().filter(|o| o.subject == "o.in").count();
    assert_eq!(count(&out), 1);
    let ticks = |at: i64| js.tick_at(at).into_iter().map(|(_, o)| o).collect::<Vec<_>>();
    assert_eq!(count(&ticks(T0 + 10 * SEC + SEC / 2)), 0);
    assert_eq!(count(&ticks(T0 + 11 * SEC)), 1);
    assert_eq!(count(&ticks(T0 + 12 * SEC)), 1);
}

#[test]
fn publish_fast_path_ignores_other_subjects() {
    let js = engine();
    assert!(send(&js, "foo", "x", T0).is_empty());
    api(&js, "$JS.API.STREAM.CREATE.S", r#"{"name":"S","subjects":["foo"],"storage":"memory"}"#);
    assert!(send(&js, "bar", "x", T0).is_empty());
    let subjects = js.listen_subjects().remove("$G").unwrap();
    assert!(subjects.contains(&"foo".to_string()) && !subjects.contains(&"bar".to_string()));
    assert!(reply(&send(&js, "foo", "x", T0)).contains(r#""seq":1"#));
}

#[test]
fn mirror_and_source_copy_origin_messages() {
    let js = engine();
    api(&js, "$JS.API.STREAM.CREATE.O", r#"{"name":"O","subjects":["o.*"],"storage":"memory"}"#);
    send(&js, "o.a", "1", T0);
    send(&js, "o.b", "2", T0);
    let m = api(
        &js,
        "$JS.API.STREAM.CREATE.M",
        r#"{"name":"M","storage":"memory","mirror":{"name":"O","filter_subject":"o.b"}}"#,
    );
    assert!(!m.contains("error"), "{m}");
    let i: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.M", "")).unwrap();
    assert_eq!(i["state"]["messages"], 1);
    assert_eq!(i["state"]["last_seq"], 2);
    assert_eq!(i["mirror"]["name"], "O");
    api(&js, "$JS.API.STREAM.CREATE.A", r#"{"name":"A","storage":"memory","sources":[{"name":"O"}]}"#);
    send(&js, "o.a", "3", T0);
    let i: Value = serde_json::from_str(&api(&js, "$JS.API.STREAM.INFO.A", "")).unwrap();
    assert_eq!(i["state"]["messages"], 3);
    let dup =
        api(&js, "$JS.API.STREAM.CREATE.B", r#"{"name":"B","storage":"memory","sources":[{"name":"O"},{"name":"O"}]}"#);
    assert!(dup.contains("10140"), "{dup}");
}

#[test]
fn counters_add_up() {
    let js = engine();
    api(
        &js,
        "$JS.API.STREAM.CREATE.C",
        r#"{"name":"C","subjects":["cnt"],"storage":"memory","allow_msg_counter":true}"#,
    );
    assert!(reply(&send_h(&js, "cnt", &[("Nats-Incr", "5")], "", T0)).contains(r#""val":"5""#));
    assert!(reply(&send_h(&js, "cnt", &[("Nats-Incr", "-2")], "", T0)).contains(r#""val":"3""#));
    assert!(reply(&send(&js, "cnt", "", T0)).contains("10169"));
}

#[test]
fn file_streams_survive_save_and_load() {
    let dir = std::env::temp_dir().join(format!("rnats-js-persist-{}-{}", std::process::id(), now_nanos()));
    let cfg = || JetStreamConfig { server_name: "S1".into(), store_dir: Some(dir.clone()), ..Default::default() };
    let js = JetStream::new(cfg());
    api(&js, "$JS.API.STREAM.CREATE.F", r#"{"name":"F","subjects":["f"],"storage":"file"}"#);
    api(&js, "$JS.API.STREAM.CREATE.M", r#"{"name":"M","subjects":["m"],"storage":"memory"}"#);
    api(
        &js,
        "$JS.API.CONSUMER.CREATE.F.d",
        r#"{"stream_name":"F","config":{"durable_name":"d","ack_policy":"explicit"}}"#,
    );
    for _ in 0..3 {
        send(&js, "f", "x", T0);
    }
    js.save();
    let again = JetStream::new(cfg());
    again.load();
    let i: Value = serde_json::from_str(&api(&again, "$JS.API.STREAM.INFO.F", "")).unwrap();
    assert_eq!(i["state"]["messages"], 3);
    let c: Value = serde_json::from_str(&api(&again, "$JS.API.CONSUMER.INFO.F.d", "")).unwrap();
    assert_eq!(c["num_pending"], 3);
    assert!(api(&again, "$JS.API.STREAM.INFO.M", "").contains("10059"));
    let _ = std::fs::remove_dir_all(&dir);
}
