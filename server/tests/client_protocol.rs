//! End-to-end checks of the client protocol against a server running in-process.
//! Expected bytes were captured from Go nats-server 2.15.1.
use std::time::Duration;

use server::options::Options;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{exchange, start};

#[tokio::test]
async fn go_compatible_bytes() {
    let (srv, addr) = start(Options::default()).await;
    let cases: &[(&[u8], &str)] = &[
        // Before CONNECT, Go's defaults are verbose and pedantic.
        (b"SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n", "+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n"),
        (
            b"CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPUB foo bar 2\r\nhi\r\nPING\r\n",
            "MSG foo 1 bar 2\r\nhi\r\nPONG\r\n",
        ),
        (b"FOO\r\n", "-ERR 'Unknown Protocol Operation'\r\n<EOF>"),
        (b"PUB foo 2000000\r\n", "-ERR 'Maximum Payload Violation'\r\n<EOF>"),
        (b"PUB foo\r\n", "<EOF>"),
        (
            b"CONNECT {\"pedantic\":true}\r\nPUB foo.* 1\r\na\r\nPING\r\n",
            "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\nPONG\r\n",
        ),
        (b"SUB foo..bar 1\r\nPING\r\n", "-ERR 'Invalid Subject'\r\nPONG\r\n"),
        (
            b"CONNECT {\"echo\":false,\"verbose\":false}\r\nSUB foo 1\r\nPUB foo 1\r\na\r\nPING\r\n",
            "PONG\r\n",
        ),
        (
            b"CONNECT {\"headers\":true,\"no_responders\":true,\"verbose\":false}\r\nSUB r 1\r\nPUB foo r 2\r\nhi\r\nPING\r\n",
            "HMSG r 1 35 35\r\nNATS/1.0 503\r\nNats-Subject: foo\r\n\r\n\r\nPONG\r\n",
        ),
        (
            b"CONNECT {\"no_responders\":true}\r\nPING\r\n",
            "-ERR 'no responders requires headers support'\r\n<EOF>",
        ),
        (
            b"CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPING\r\n",
            "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n",
        ),
        (
            b"CONNECT {\"headers\":false}\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
            "+OK\r\n<EOF>",
        ),
        (b"CONNECT {\"protocol\":5}\r\n", "-ERR 'invalid client protocol'\r\n<EOF>"),
    ];
    for (input, want) in cases {
        let got = exchange(addr, input).await;
        assert_eq!(got, *want, "input {:?}", String::from_utf8_lossy(input));
    }
    let mut long = b"PUB foo ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 5000));
    assert_eq!(exchange(addr, &long).await, "-ERR 'maximum control line exceeded'\r\n<EOF>");
    srv.shutdown();
}

#[tokio::test]
async fn token_auth() {
    let (srv, addr) = start(Options { authorization: Some("s3cr3t".into()), ..Options::default() }).await;
    assert_eq!(exchange(addr, b"PING\r\n").await, "-ERR 'Authorization Violation'\r\n<EOF>");
    assert_eq!(exchange(addr, b"CONNECT {\"auth_token\":\"s3cr3t\",\"verbose\":false}\r\nPING\r\n").await, "PONG\r\n");
    srv.shutdown();
}

#[tokio::test]
async fn jetstream_answers_requests_and_others_get_no_responders() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::default();
    opts.jetstream.enabled = true;
    opts.jetstream.store_dir = Some(dir.path().to_path_buf());
    let (srv, addr) = start(opts).await;
    let got = exchange(
        addr,
        b"CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\nSUB inbox 1\r\nPUB $JS.API.INFO inbox 0\r\n\r\nPUB nobody inbox 0\r\n\r\nPING\r\n",
    )
    .await;
    // JetStream answers from its own thread, so its reply may come after PONG.
    assert!(got.contains("MSG inbox 1 "), "{got}");
    assert!(got.contains("io.nats.jetstream.api.v1.account_info_response"), "{got}");
    assert!(got.contains("HMSG inbox 1 38 38\r\nNATS/1.0 503\r\nNats-Subject: nobody\r\n\r\n\r\n"), "{got}");
    assert_eq!(got.matches("HMSG").count(), 1, "only the request nobody serves gets a 503: {got}");
    srv.shutdown();
}

#[tokio::test]
async fn nkey_nonce_challenge() {
    let kp = nkeys::KeyPair::new_user();
    let mut opts = Options::default();
    opts.nkeys.push(server::options::NkeyUser { nkey: kp.public_key(), ..Default::default() });
    let (srv, addr) = start(opts).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    let json = line.trim_start_matches("INFO ").trim_end();
    let info: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(info["auth_required"], true);
    let nonce = info["nonce"].as_str().unwrap().to_string();
    let sig = server::auth::encode_base64_url(&kp.sign(nonce.as_bytes()).unwrap());
    let connect =
        format!("CONNECT {{\"verbose\":false,\"nkey\":\"{}\",\"sig\":\"{sig}\"}}\r\nPING\r\n", kp.public_key());
    s.write_all(connect.as_bytes()).await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf[..n], b"PONG\r\n");
    srv.shutdown();
}
