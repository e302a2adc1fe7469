//! Core NATS bench workloads: pub/sub, fan-out, queue groups, subject matching with many
//! subscriptions, request/reply latency and memory per connection. The clients speak
//! the raw protocol and read frames with [`crate::wire`], so the client side costs little.
use crate::wire::{self, Frame};
use anyhow::{anyhow, bail, Context, Result};
use bytes::{Buf, BytesMut};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A raw protocol connection and what it has read but not consumed yet.
pub(super) struct Conn {
    stream: TcpStream,
    buf: BytesMut,
}

impl Conn {
    /// Connects, sends CONNECT and waits for the PONG.
    pub(super) async fn open(addr: &str) -> Result<Conn> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let mut c = Conn { stream, buf: BytesMut::new() };
        c.send(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\nPING\r\n").await?;
        c.wait_pong().await?;
        Ok(c)
    }

    pub(super) async fn send(&mut self, data: &[u8]) -> Result<()> {
        Ok(self.stream.write_all(data).await?)
    }

    /// Reads frames up to the next PONG, answering PINGs on the way.
    pub(super) async fn wait_pong(&mut self) -> Result<()> {
        loop {
            while let Some((frame, used)) = wire::parse(&self.buf)? {
                let reply_ping = match frame {
                    Frame::Pong => {
                        self.buf.advance(used);
                        return Ok(());
                    }
                    Frame::Err(e) => bail!("server error waiting for PONG: -ERR {e}"),
                    Frame::Ping => true,
                    _ => false,
                };
                self.buf.advance(used);
                if reply_ping {
                    self.send(b"PONG\r\n").await?;
                }
            }
            if wire::fill(&mut self.stream, &mut self.buf, 4096).await? == 0 {
                bail!("connection closed waiting for PONG");
            }
        }
    }

    /// Whether a MSG arrives within `limit` (consuming what it reads).
    pub(super) async fn saw_msg_within(&mut self, limit: Duration) -> Result<bool> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some((frame, used)) = wire::parse(&self.buf)? {
                let msg = matches!(frame, Frame::Msg(_));
                let ping = matches!(frame, Frame::Ping);
                self.buf.advance(used);
                if ping {
                    self.send(b"PONG\r\n").await?;
                }
                if msg {
                    return Ok(true);
                }
            }
            match tokio::time::timeout_at(deadline, wire::fill(&mut self.stream, &mut self.buf, 4096)).await {
                Err(_) => return Ok(false),
                Ok(Ok(0)) => bail!("connection closed"),
                Ok(r) => {
                    r?;
                }
            }
        }
    }

    /// Counts MSG frames until `stop` says enough; returns how many were seen.
    pub(super) async fn count_msgs(mut self, stop: impl Fn(usize) -> bool) -> Result<usize> {
        let mut n = 0usize;
        loop {
            while let Some((frame, used)) = wire::parse(&self.buf)? {
                let (msg, ping) = match frame {
                    Frame::Msg(_) => (true, false),
                    Frame::Ping => (false, true),
                    Frame::Err(e) => bail!("server error: -ERR {e}"),
                    _ => (false, false),
                };
                self.buf.advance(used);
                if ping {
                    self.send(b"PONG\r\n").await?;
                }
                if msg {
                    n += 1;
                    if stop(n) {
                        return Ok(n);
                    }
                }
            }
            if wire::fill(&mut self.stream, &mut self.buf, 1 << 20).await? == 0 {
                bail!("subscriber closed after {n} messages");
            }
        }
    }
}

/// Subscribes and waits until the server has the subscription (PING/PONG).
pub(super) async fn subscriber(addr: &str, subject: &str, queue: Option<&str>) -> Result<Conn> {
    let mut c = Conn::open(addr).await?;
    let q = queue.map(|q| format!(" {q}")).unwrap_or_default();
    c.send(format!("SUB {subject}{q} 1\r\nPING\r\n").as_bytes()).await?;
    c.wait_pong().await?;
    Ok(c)
}

/// Publishes `count` messages of `size` bytes, in large coalesced writes.
pub(super) async fn publish(addr: &str, subject: &str, size: usize, count: usize) -> Result<()> {
    let mut c = Conn::open(addr).await?;
    let frame = {
        let mut f = format!("PUB {subject} {size}\r\n").into_bytes();
        f.extend(std::iter::repeat_n(b'x', size));
        f.extend_from_slice(b"\r\n");
        f
    };
    let per_batch = (256 * 1024 / frame.len()).max(1);
    let batch: Vec<u8> = frame.iter().copied().cycle().take(frame.len() * per_batch).collect();
    let mut sent = 0;
    while sent + per_batch <= count {
        c.send(&batch).await?;
        sent += per_batch;
    }
    for _ in sent..count {
        c.send(&frame).await?;
    }
    c.send(b"PING\r\n").await?;
    c.wait_pong().await
}

/// 1 publisher to `subs` subscribers; returns delivered messages per second.
pub(super) async fn pub_sub(addr: &str, size: usize, count: usize, subs: usize) -> Result<f64> {
    let subject = "bench.pubsub";
    let mut readers = Vec::new();
    for _ in 0..subs {
        readers.push(subscriber(addr, subject, None).await?);
    }
    fan_in(addr, subject, readers, size, count).await
}

/// Publishes `count` messages on `pub_addr` to `subject`, which every one
/// of `readers` subscribes to; returns delivered messages per second.
pub(super) async fn fan_in(
    pub_addr: &str,
    subject: &str,
    readers: Vec<Conn>,
    size: usize,
    count: usize,
) -> Result<f64> {
    let subs = readers.len();
    let readers: Vec<_> = readers.into_iter().map(|r| tokio::spawn(r.count_msgs(move |n| n >= count))).collect();
    let start = Instant::now();
    let (addr2, subject2) = (pub_addr.to_string(), subject.to_string());
    let publisher = tokio::spawn(async move { publish(&addr2, &subject2, size, count).await });
    for r in readers {
        r.await??;
    }
    let elapsed = start.elapsed();
    publisher.await??;
    Ok((count * subs) as f64 / elapsed.as_secs_f64())
}

/// A queue group of `members` on one server; returns messages per second.
pub(super) async fn queue_group(addr: &str, size: usize, count: usize, members: usize) -> Result<f64> {
    let subject = "bench.queue";
    let mut conns = Vec::new();
    for _ in 0..members {
        conns.push(subscriber(addr, subject, Some("q")).await?);
    }
    queue_share(addr, subject, conns, size, count).await
}

/// Publishes `count` messages on `pub_addr` to `subject`, whose queue group
/// `members` share them; returns messages per second once all arrived.
/// Queue-group members never all stop on their own; this aborts the rest.
pub(super) async fn queue_share(
    pub_addr: &str,
    subject: &str,
    members: Vec<Conn>,
    size: usize,
    count: usize,
) -> Result<f64> {
    let delivered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut readers = Vec::new();
    for s in members {
        let (d, done) = (delivered.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let r = s.count_msgs(move |_| d.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 >= count).await;
            done.notify_one();
            r
        }));
    }
    let start = Instant::now();
    let (addr2, subject2) = (pub_addr.to_string(), subject.to_string());
    let publisher = tokio::spawn(async move { publish(&addr2, &subject2, size, count).await });
    done.notified().await;
    let elapsed = start.elapsed();
    for r in &readers {
        r.abort();
    }
    publisher.await??;
    if delivered.load(std::sync::atomic::Ordering::Relaxed) < count {
        bail!("queue group got fewer messages than published");
    }
    Ok(count as f64 / elapsed.as_secs_f64())
}

/// Many literal subscriptions plus wildcards; messages each match one literal and one
/// wildcard subscription. Measures the subscription index under a large, varied set.
pub(super) async fn wildcard_match(addr: &str, subs: usize, count: usize) -> Result<f64> {
    let mut s = Conn::open(addr).await?;
    let mut cmds = String::new();
    for i in 0..subs {
        cmds.push_str(&format!("SUB wc.{}.{} {}\r\n", i % 1000, i, i + 1));
    }
    cmds.push_str(&format!("SUB wc.*.hit {}\r\nPING\r\n", subs + 1));
    s.send(cmds.as_bytes()).await?;
    s.wait_pong().await?;
    let reader = tokio::spawn(s.count_msgs(move |n| n >= count));
    let mut p = Conn::open(addr).await?;
    let start = Instant::now();
    let mut batch = Vec::new();
    for i in 0..count {
        batch.extend_from_slice(format!("PUB wc.{}.hit 8\r\n12345678\r\n", i % 1000).as_bytes());
        if batch.len() > 256 * 1024 {
            p.send(&batch).await?;
            batch.clear();
        }
    }
    p.send(&batch).await?;
    reader.await??;
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Sequential request/reply round trips; returns (p50, p99) in microseconds.
pub(super) async fn request_latency(url: &str, requests: usize) -> Result<(f64, f64)> {
    request_latency_between(url, url, requests).await
}

/// Requests sent on `requester` and answered by a responder on `responder`
/// (the same server, or another one of a cluster); (p50, p99) in µs.
pub(super) async fn request_latency_between(requester: &str, responder: &str, requests: usize) -> Result<(f64, f64)> {
    let resp = async_nats::connect(responder).await?;
    let mut sub = resp.subscribe("bench.rr").await?;
    resp.flush().await?;
    let r2 = resp.clone();
    let task = tokio::spawn(async move {
        use futures::StreamExt;
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                let _ = r2.publish(reply, m.payload).await;
            }
        }
    });
    let client = async_nats::connect(requester).await?;
    // Across servers, requests find no responders until the interest crossed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.request("bench.rr", bytes::Bytes::from_static(b"ping")).await.is_err() {
        if Instant::now() > deadline {
            bail!("the responder's interest did not reach the requester's server");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let t = Instant::now();
        client.request("bench.rr", bytes::Bytes::from_static(b"ping")).await?;
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    task.abort();
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    Ok((pct(0.50), pct(0.99)))
}

fn rss_kib(pid: i32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or_else(|| anyhow!("no VmRSS"))?;
    Ok(line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0))
}

/// Opens `n` connections and returns the server's resident memory per connection, KiB.
pub(super) async fn memory_per_connection(addr: &str, pid: i32, n: usize) -> Result<f64> {
    let before = rss_kib(pid)?;
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        // Only the socket: the server's memory is measured, not the client's buffers.
        conns.push(Conn::open(addr).await?.stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss_kib(pid)?;
    drop(conns);
    Ok((after - before).max(0.0) / n as f64)
}
