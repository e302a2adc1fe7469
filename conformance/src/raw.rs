//! A raw TCP client for protocol-level scenarios: send exact bytes, expect exact bytes,
//! or read whole frames through [`crate::wire`]. async-nats hides what these scenarios
//! test (verbose `+OK`, `-ERR` texts, closes).
use crate::wire::{self, Frame, OwnedMsg};
use anyhow::{anyhow, bail, Context, Result};
use bytes::{Buf, BytesMut};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[derive(Debug)]
pub struct RawConn {
    stream: TcpStream,
    buf: BytesMut,
    /// The INFO JSON the server greeted with.
    pub info: serde_json::Value,
    closed: bool,
}

/// Turns `\r`, `\n`, `\t`, `\\`, `\"`, `\0` and `\xHH` escapes into bytes.
pub fn unescape(s: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            i += 1;
            match b[i] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'0' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'"' => out.push(b'"'),
                b'x' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3])?;
                    out.push(u8::from_str_radix(hex, 16).with_context(|| format!("bad escape \\x{hex}"))?);
                    i += 2;
                }
                c => bail!("unknown escape \\{}", c as char),
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    Ok(out)
}

/// Shows bytes with escapes, for error messages.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

/// The error for bytes that did not match.
fn fail_expect(want: &[u8], got: &[u8], closed: bool) -> Result<()> {
    bail!(
        "expected \"{}\", got \"{}\"{}",
        escape(want),
        escape(got),
        if closed { " and the connection was closed" } else { "" }
    )
}

impl RawConn {
    /// Connects and reads the INFO line.
    pub async fn connect(addr: &str, timeout: Duration) -> Result<RawConn> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| anyhow!("connect to {addr} timed out"))??;
        stream.set_nodelay(true)?;
        let mut c =
            RawConn { stream, buf: BytesMut::with_capacity(8192), info: serde_json::Value::Null, closed: false };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match wire::parse(&c.buf)? {
                Some((Frame::Info(json), used)) => {
                    c.info = serde_json::from_str(json).context("INFO is not JSON")?;
                    c.buf.advance(used);
                    return Ok(c);
                }
                Some((other, _)) => bail!("expected INFO, got '{other}'"),
                None => {
                    if !c.fill(deadline).await? {
                        bail!("connection closed before INFO; buffered: \"{}\"", escape(&c.buf));
                    }
                }
            }
        }
    }

    pub async fn send(&mut self, data: &[u8]) -> Result<()> {
        self.stream.write_all(data).await.context("write to server")?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Reads more bytes; false when the server closed the connection.
    async fn fill(&mut self, deadline: tokio::time::Instant) -> Result<bool> {
        if self.closed {
            return Ok(false);
        }
        match tokio::time::timeout_at(deadline, wire::fill(&mut self.stream, &mut self.buf, 8192)).await {
            Err(_) => bail!("timed out waiting for data; buffered: \"{}\"", escape(&self.buf)),
            Ok(Ok(0)) | Ok(Err(_)) => {
                self.closed = true;
                Ok(false)
            }
            Ok(Ok(_)) => Ok(true),
        }
    }

    /// Expects exactly these bytes next in the stream.
    pub async fn expect(&mut self, want: &[u8], timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let skip_pings = !want.starts_with(b"PING");
        loop {
            if skip_pings {
                self.answer_keepalive_pings().await?;
            }
            if self.buf.len() >= want.len() {
                break;
            }
            let maybe_ping = skip_pings && b"PING\r\n".starts_with(&self.buf);
            if !self.buf.is_empty() && !want.starts_with(&self.buf) && !maybe_ping {
                break;
            }
            if !self.fill(deadline).await? {
                break;
            }
        }
        if self.buf.len() >= want.len() && &self.buf[..want.len()] == want {
            self.buf.advance(want.len());
            return Ok(());
        }
        fail_expect(want, &self.buf, self.closed)
    }

    /// Servers send a keepalive PING a few seconds after CONNECT (Go's first ping
    /// interval is 2s). Where a step expects something else, a PING at the head of
    /// the stream is keepalive noise: answer it as a client would and look past it.
    /// Steps that expect a PING, or silence, still see it.
    async fn answer_keepalive_pings(&mut self) -> Result<()> {
        while self.buf.starts_with(b"PING\r\n") {
            self.buf.advance(6);
            self.send(b"PONG\r\n").await?;
        }
        Ok(())
    }

    /// Reads the next `\r\n`-terminated line, without the terminator; with
    /// `skip_pings`, keepalive PINGs before it are answered and skipped.
    pub(crate) async fn read_line(&mut self, timeout: Duration, skip_pings: bool) -> Result<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if skip_pings {
                self.answer_keepalive_pings().await?;
            }
            if let Some((line, used)) = wire::line(&self.buf) {
                let line = String::from_utf8_lossy(line).to_string();
                self.buf.advance(used);
                return Ok(line);
            }
            if !self.fill(deadline).await? {
                bail!("connection closed before a full line; buffered: \"{}\"", escape(&self.buf));
            }
        }
    }

    /// Reads the next frame, which must be a `MSG` or an `HMSG`; keepalive PINGs before
    /// it are answered and skipped.
    pub(crate) async fn read_msg(&mut self, timeout: Duration) -> Result<OwnedMsg> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match wire::parse(&self.buf)? {
                Some((Frame::Msg(m), used)) => {
                    let msg = OwnedMsg::copy(&m);
                    self.buf.advance(used);
                    return Ok(msg);
                }
                Some((Frame::Ping, used)) => {
                    self.buf.advance(used);
                    self.send(b"PONG\r\n").await?;
                }
                Some((other, _)) => bail!("expected a MSG or HMSG, got \"{}\"", escape(other.to_string().as_bytes())),
                None => {
                    if !self.fill(deadline).await? {
                        bail!("connection closed before a whole message; buffered: \"{}\"", escape(&self.buf));
                    }
                }
            }
        }
    }

    /// Expects nothing at all to arrive for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) -> Result<()> {
        if !self.buf.is_empty() {
            bail!("expected no data, have \"{}\"", escape(&self.buf));
        }
        let deadline = tokio::time::Instant::now() + quiet;
        match self.fill(deadline).await {
            Err(_) => Ok(()),
            Ok(true) => bail!("expected no data, got \"{}\"", escape(&self.buf)),
            Ok(false) => bail!("expected no data, but the server closed the connection"),
        }
    }

    /// Expects the server to close the connection, skipping any data before the close.
    pub async fn expect_closed(&mut self, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.fill(deadline).await {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    // Keep only a tail so a chatty server cannot grow the buffer forever.
                    if self.buf.len() > 64 * 1024 {
                        let keep = self.buf.split_off(self.buf.len() - 1024);
                        self.buf = keep;
                    }
                }
                Err(_) => bail!("the connection is still open after {:?}", timeout),
            }
        }
    }

    /// Route mode: speaks as a fake server on a route listener. Sends a route
    /// `CONNECT` naming `server_id` and `cluster`, then (unless `connect_only`) an INFO
    /// without `route_pool_size`, so the server treats it as one pool-less route that
    /// carries the account in every line (`RS+ $G foo`, `RMSG $G foo 2`), then `PING`,
    /// and waits for the `PONG`. Lines the server sends before its PONG (its interest)
    /// stay in the buffer for the scenario's next steps.
    pub async fn route_handshake(
        &mut self,
        server_id: &str,
        cluster: &str,
        connect_only: bool,
        timeout: Duration,
    ) -> Result<()> {
        let connect = serde_json::json!({
            "echo": true, "verbose": false, "pedantic": false, "tls_required": false,
            "headers": true, "name": server_id, "cluster": cluster,
        });
        self.send(format!("CONNECT {connect}\r\n").as_bytes()).await?;
        if connect_only {
            return Ok(());
        }
        let info = serde_json::json!({
            "server_id": server_id, "server_name": server_id, "version": "2.15.1", "proto": 1,
            "host": "127.0.0.1", "port": 0, "headers": true, "max_payload": 1048576, "cluster": cluster,
        });
        self.send(format!("INFO {info}\r\nPING\r\n").as_bytes()).await?;
        self.take_line("PONG", timeout).await
    }

    /// Waits for a line equal to `want` and removes it from the stream, keeping the
    /// lines around it; answers keepalive PINGs at the head.
    pub async fn take_line(&mut self, want: &str, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.answer_keepalive_pings().await?;
            let mut at = 0;
            while let Some((line, used)) = wire::line(&self.buf[at..]) {
                if line == want.as_bytes() {
                    let rest = self.buf.split_off(at);
                    let mut rest = rest;
                    rest.advance(used);
                    self.buf.unsplit(rest);
                    return Ok(());
                }
                at += used;
            }
            if !self.fill(deadline).await? {
                bail!("connection closed before \"{want}\"; buffered: \"{}\"", escape(&self.buf));
            }
        }
    }

    /// True once a read saw the server close the connection.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Bytes received but not consumed yet.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake server on the other end: route mode sends CONNECT, INFO and PING, and
    /// lines that arrive before the PONG are kept.
    #[tokio::test]
    async fn route_handshake_keeps_lines_before_the_pong() {
        use tokio::io::AsyncReadExt;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"INFO {\"server_id\":\"S\"}\r\n").await.unwrap();
            let mut got = Vec::new();
            let mut b = [0u8; 1024];
            while !got.ends_with(b"PING\r\n") {
                let n = s.read(&mut b).await.unwrap();
                got.extend_from_slice(&b[..n]);
            }
            s.write_all(b"RS+ $G foo\r\nPONG\r\nRS+ $G bar\r\n").await.unwrap();
            (String::from_utf8(got).unwrap(), s)
        });
        let mut c = RawConn::connect(&addr, Duration::from_secs(2)).await.unwrap();
        c.route_handshake("FAKE", "C1", false, Duration::from_secs(2)).await.unwrap();
        let (sent, _s) = server.await.unwrap();
        assert!(sent.starts_with("CONNECT {"), "{sent}");
        assert!(sent.contains("\"name\":\"FAKE\"") && sent.contains("\"cluster\":\"C1\""), "{sent}");
        assert!(sent.contains("\r\nINFO {") && !sent.contains("route_pool_size"), "{sent}");
        assert_eq!(c.read_line(Duration::from_secs(2), true).await.unwrap(), "RS+ $G foo");
        assert_eq!(c.read_line(Duration::from_secs(2), true).await.unwrap(), "RS+ $G bar");
    }

    #[test]
    fn escapes_round_trip() {
        assert_eq!(unescape(r"PUB foo 5\r\nhello\r\n").unwrap(), b"PUB foo 5\r\nhello\r\n");
        assert_eq!(unescape(r"\x00\xff\\").unwrap(), vec![0, 255, b'\\']);
        assert!(unescape(r"\q").is_err());
        assert_eq!(escape(b"-ERR 'x'\r\n\x01"), "-ERR 'x'\\r\\n\\x01");
    }
}
