//! The system account's internal services (`$SYS.REQ.*`) and the limits that
//! shape subscriptions, against a server running in-process. Response shapes
//! were compared with Go nats-server 2.15.1.
use std::net::SocketAddr;

use serde_json::Value;
use server::options::Options;

mod common;
use common::{exchange, start};

/// Sends one request as `connect` and returns the reply payloads.
async fn request(addr: SocketAddr, connect: &str, subject: &str, body: &str) -> Vec<String> {
    let input =
        format!("CONNECT {connect}\r\nSUB _INBOX.t 1\r\nPUB {subject} _INBOX.t {}\r\n{body}\r\nPING\r\n", body.len());
    let out = exchange(addr, input.as_bytes()).await;
    let mut lines = out.split("\r\n");
    let mut replies = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("MSG _INBOX.t ") || line.starts_with("HMSG _INBOX.t ") {
            replies.push(lines.next().unwrap_or("").to_string());
        }
    }
    replies
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

const SYS_CONFIG: &str =
    "accounts { $SYS { users = [ { user: sys, password: pwd } ] }, A { users = [ { user: a, password: pwd } ] } }\n";
const SYS_USER: &str = r#"{"verbose":false,"user":"sys","pass":"pwd","headers":true}"#;

#[tokio::test]
async fn user_info_is_a_real_subscription_in_every_account() {
    let (srv, addr) = start(Options::from_config_str(SYS_CONFIG).unwrap()).await;
    for name in ["$G", "A"] {
        assert_eq!(srv.account_subscriptions(name).unwrap(), 1, "{name}");
    }
    assert!(srv.account_subscriptions("$SYS").unwrap() > 1);

    let plain = request(addr, r#"{"verbose":false,"user":"a","pass":"pwd"}"#, "$SYS.REQ.USER.INFO", "").await;
    assert_eq!(plain.len(), 1);
    let r = json(&plain[0]);
    assert_eq!((r["data"]["user"].as_str(), r["data"]["account"].as_str()), (Some("a"), Some("A")));
    assert_eq!(r["server"]["id"], srv.id.as_str());

    let r = json(&request(addr, SYS_USER, "$SYS.REQ.USER.INFO", "").await[0]);
    assert_eq!((r["data"]["user"].as_str(), r["data"]["account"].as_str()), (Some("sys"), Some("$SYS")));
    srv.shutdown();
}

#[tokio::test]
async fn server_ping_answers_with_statsz_and_honours_filters() {
    let (srv, addr) = start(Options::from_config_str(SYS_CONFIG).unwrap()).await;
    let r = json(&request(addr, SYS_USER, "$SYS.REQ.SERVER.PING", "").await[0]);
    assert_eq!(r["statsz"]["connections"], 1);
    assert_eq!(r["statsz"]["subscriptions"].as_u64(), Some(srv.total_subscriptions() as u64));
    assert_eq!(r["server"]["jetstream"], false);

    let idz = request(addr, SYS_USER, &format!("$SYS.REQ.SERVER.{}.IDZ", srv.id), "").await;
    let r = json(&idz[0]);
    assert_eq!(r["id"], srv.id.as_str());
    assert!(r.get("server").is_none());

    // A filter naming another server: this one stays silent.
    assert!(request(addr, SYS_USER, "$SYS.REQ.SERVER.PING.VARZ", r#"{"server_name":"other"}"#).await.is_empty());
    let r = json(&request(addr, SYS_USER, "$SYS.REQ.SERVER.PING.VARZ", "").await[0]);
    assert_eq!(r["data"]["server_id"], srv.id.as_str());
    let r = json(&request(addr, SYS_USER, "$SYS.REQ.SERVER.PING.HEALTHZ", r#"{"server_name":5}"#).await[0]);
    assert_eq!(
        r["error"]["description"],
        "json: cannot unmarshal number into Go struct field HealthzEventOptions.server_name of type string"
    );
    // Not imported into other accounts.
    assert!(request(addr, r#"{"verbose":false,"user":"a","pass":"pwd"}"#, "$SYS.REQ.SERVER.PING", "").await.is_empty());
    srv.shutdown();
}

#[tokio::test]
async fn without_a_system_account_nothing_answers() {
    let (srv, addr) = start(Options { no_system_account: true, ..Options::default() }).await;
    assert_eq!(srv.total_subscriptions(), 0);
    let out = request(addr, r#"{"verbose":false,"headers":true,"no_responders":true}"#, "$SYS.REQ.USER.INFO", "").await;
    assert_eq!(out, vec!["NATS/1.0 503".to_string()], "no responders");
    srv.shutdown();
}

#[tokio::test]
async fn max_sub_tokens_refuses_long_subjects() {
    let (srv, addr) = start(Options { max_sub_tokens: 3, ..Options::default() }).await;
    let out = exchange(addr, b"CONNECT {\"verbose\":false}\r\nSUB a.b.c 1\r\nSUB a.b.c.d 2\r\nPING\r\n").await;
    assert_eq!(out, "-ERR 'Permissions Violation for Subscription to \"a.b.c.d\", too many tokens'\r\nPONG\r\n");
    srv.shutdown();
}
