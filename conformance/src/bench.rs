//! Server benchmarks: the same workloads against several targets in one run, printed
//! with the ratio to the Go oracle. Clients speak the raw protocol so that the client
//! side costs as little as possible and the server is what is measured.
//!
//! These are measurements, never pass/fail tests: the machine, its load and the
//! client share the cores with the server under test.
use crate::harness::ServerProc;
use crate::target::{Launch, Target};
use anyhow::{anyhow, bail, Context, Result};
use bytes::{Buf, BytesMut};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for any single workload, so a broken server cannot hang the bench.
const WORKLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// One figure of one workload on one target.
#[derive(Debug, Clone)]
pub struct Figure {
    pub workload: String,
    pub unit: &'static str,
    /// Higher is better (throughput) or lower is better (latency, memory).
    pub higher_is_better: bool,
    pub value: f64,
}

/// How big the workloads are.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Bytes of payload per throughput workload, before the per-size message caps.
    pub bytes: usize,
    pub requests: usize,
    pub connections: usize,
    pub wildcard_subs: usize,
    /// Messages per JetStream workload.
    pub js_messages: usize,
}

impl Scale {
    pub fn full() -> Scale {
        Scale { bytes: 256 << 20, requests: 5000, connections: 2000, wildcard_subs: 100_000, js_messages: 200_000 }
    }
    pub fn quick() -> Scale {
        Scale { bytes: 16 << 20, requests: 500, connections: 200, wildcard_subs: 10_000, js_messages: 20_000 }
    }
}

fn count_for(size: usize, scale: &Scale) -> usize {
    (scale.bytes / size.max(1)).clamp(2_000, 2_000_000)
}

/// A raw protocol connection that has sent CONNECT and got its PONG.
async fn raw_client(addr: &str) -> Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
    s.set_nodelay(true)?;
    s.write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\nPING\r\n").await?;
    let mut buf = BytesMut::new();
    read_until(&mut s, &mut buf, b"PONG\r\n").await?;
    Ok(s)
}

async fn read_until(s: &mut TcpStream, buf: &mut BytesMut, marker: &[u8]) -> Result<()> {
    loop {
        if let Some(p) = buf.windows(marker.len()).position(|w| w == marker) {
            buf.advance(p + marker.len());
            return Ok(());
        }
        if s.read_buf(buf).await? == 0 {
            bail!("connection closed waiting for {}", String::from_utf8_lossy(marker));
        }
    }
}

/// Subscribes and waits until the server has the subscription (PING/PONG).
async fn subscriber(addr: &str, subject: &str, queue: Option<&str>) -> Result<TcpStream> {
    let mut s = raw_client(addr).await?;
    let q = queue.map(|q| format!(" {q}")).unwrap_or_default();
    s.write_all(format!("SUB {subject}{q} 1\r\nPING\r\n").as_bytes()).await?;
    let mut buf = BytesMut::new();
    read_until(&mut s, &mut buf, b"PONG\r\n").await?;
    Ok(s)
}

/// Counts MSG frames until `stop` says enough; returns how many were seen.
async fn count_msgs(mut s: TcpStream, stop: impl Fn(usize) -> bool) -> Result<usize> {
    let mut buf = BytesMut::with_capacity(1 << 20);
    let mut n = 0usize;
    loop {
        // Consume whole frames in the buffer.
        while let Some(eol) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = &buf[..eol];
            if line.starts_with(b"MSG ") {
                let size: usize = std::str::from_utf8(line)?
                    .rsplit(' ')
                    .next()
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| anyhow!("bad MSG line"))?;
                if buf.len() < eol + 2 + size + 2 {
                    break;
                }
                buf.advance(eol + 2 + size + 2);
                n += 1;
                if stop(n) {
                    return Ok(n);
                }
            } else if line.starts_with(b"PING") {
                buf.advance(eol + 2);
                s.write_all(b"PONG\r\n").await?;
            } else if line.starts_with(b"-ERR") {
                bail!("server error: {}", String::from_utf8_lossy(line));
            } else {
                buf.advance(eol + 2);
            }
        }
        if buf.capacity() - buf.len() < 64 * 1024 {
            buf.reserve(1 << 20);
        }
        if s.read_buf(&mut buf).await? == 0 {
            bail!("subscriber closed after {n} messages");
        }
    }
}

/// Publishes `count` messages of `size` bytes, in large coalesced writes.
async fn publish(addr: &str, subject: &str, size: usize, count: usize) -> Result<()> {
    let mut s = raw_client(addr).await?;
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
        s.write_all(&batch).await?;
        sent += per_batch;
    }
    for _ in sent..count {
        s.write_all(&frame).await?;
    }
    s.write_all(b"PING\r\n").await?;
    let mut buf = BytesMut::new();
    read_until(&mut s, &mut buf, b"PONG\r\n").await?;
    Ok(())
}

/// 1 publisher to `subs` subscribers; returns delivered messages per second.
async fn pub_sub(addr: &str, size: usize, count: usize, subs: usize) -> Result<f64> {
    let subject = "bench.pubsub";
    let mut readers = Vec::new();
    for _ in 0..subs {
        let s = subscriber(addr, subject, None).await?;
        readers.push(tokio::spawn(count_msgs(s, move |n| n >= count)));
    }
    let start = Instant::now();
    let addr2 = addr.to_string();
    let publisher = tokio::spawn(async move { publish(&addr2, subject, size, count).await });
    for r in readers {
        r.await??;
    }
    let elapsed = start.elapsed();
    publisher.await??;
    Ok((count * subs) as f64 / elapsed.as_secs_f64())
}

/// Queue-group members never all stop on their own; this aborts the rest.
async fn queue_group(addr: &str, size: usize, count: usize, members: usize) -> Result<f64> {
    let subject = "bench.queue";
    let delivered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut readers = Vec::new();
    for _ in 0..members {
        let s = subscriber(addr, subject, Some("q")).await?;
        let d = delivered.clone();
        let done = done.clone();
        readers.push(tokio::spawn(async move {
            let r = count_msgs(s, move |_| d.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 >= count).await;
            done.notify_one();
            r
        }));
    }
    let start = Instant::now();
    let addr2 = addr.to_string();
    let publisher = tokio::spawn(async move { publish(&addr2, subject, size, count).await });
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
async fn wildcard_match(addr: &str, subs: usize, count: usize) -> Result<f64> {
    let mut s = raw_client(addr).await?;
    let mut cmds = String::new();
    for i in 0..subs {
        cmds.push_str(&format!("SUB wc.{}.{} {}\r\n", i % 1000, i, i + 1));
    }
    cmds.push_str(&format!("SUB wc.*.hit {}\r\nPING\r\n", subs + 1));
    s.write_all(cmds.as_bytes()).await?;
    let mut buf = BytesMut::new();
    read_until(&mut s, &mut buf, b"PONG\r\n").await?;
    let reader = tokio::spawn(count_msgs(s, move |n| n >= count));
    let mut p = raw_client(addr).await?;
    let start = Instant::now();
    let mut batch = Vec::new();
    for i in 0..count {
        batch.extend_from_slice(format!("PUB wc.{}.hit 8\r\n12345678\r\n", i % 1000).as_bytes());
        if batch.len() > 256 * 1024 {
            p.write_all(&batch).await?;
            batch.clear();
        }
    }
    p.write_all(&batch).await?;
    reader.await??;
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Sequential request/reply round trips; returns (p50, p99) in microseconds.
async fn request_latency(url: &str, requests: usize) -> Result<(f64, f64)> {
    let responder = async_nats::connect(url).await?;
    let mut sub = responder.subscribe("bench.rr").await?;
    responder.flush().await?;
    let r2 = responder.clone();
    let task = tokio::spawn(async move {
        use futures::StreamExt;
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                let _ = r2.publish(reply, m.payload).await;
            }
        }
    });
    let client = async_nats::connect(url).await?;
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
async fn memory_per_connection(addr: &str, pid: i32, n: usize) -> Result<f64> {
    let before = rss_kib(pid)?;
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(raw_client(addr).await?);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss_kib(pid)?;
    drop(conns);
    Ok((after - before).max(0.0) / n as f64)
}

/// JetStream workloads on a memory stream: publish with acks (sync and async), a pull
/// consumer fetching in batches, a push consumer, and KV put and get.
async fn jetstream_workloads(
    url: &str,
    scale: &Scale,
    push: &mut impl FnMut(String, &'static str, bool, f64),
) -> Result<()> {
    use async_nats::jetstream::{self, consumer, kv, stream};
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client.clone());
    let n = scale.js_messages;
    let payload = bytes::Bytes::from(vec![b'x'; 128]);
    let cfg = |name: &str, subject: &str| stream::Config {
        name: name.into(),
        subjects: vec![subject.into()],
        storage: stream::StorageType::Memory,
        ..Default::default()
    };

    js.create_stream(cfg("BSYNC", "bench.sync")).await?;
    let start = Instant::now();
    for _ in 0..n / 4 {
        js.publish("bench.sync", payload.clone()).await?.await?;
    }
    push("JetStream publish, sync acks, 128 B".into(), "msgs/s", true, (n / 4) as f64 / start.elapsed().as_secs_f64());

    let s = js.create_stream(cfg("BASYNC", "bench.async")).await?;
    let start = Instant::now();
    let mut acks = Vec::with_capacity(256);
    for _ in 0..n {
        acks.push(js.publish("bench.async", payload.clone()).await?);
        if acks.len() == 256 {
            for a in acks.drain(..) {
                a.await?;
            }
        }
    }
    for a in acks.drain(..) {
        a.await?;
    }
    push("JetStream publish, async acks, 128 B".into(), "msgs/s", true, n as f64 / start.elapsed().as_secs_f64());

    let pull = s
        .create_consumer(consumer::pull::Config {
            durable_name: Some("pull".into()),
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await?;
    let start = Instant::now();
    let mut got = 0;
    while got < n {
        let mut batch = pull.fetch().max_messages(500).messages().await?;
        let before = got;
        while let Some(m) = batch.next().await {
            m.map_err(|e| anyhow!("fetch: {e}"))?;
            got += 1;
        }
        if got == before {
            bail!("pull consumer stalled after {got} of {n} messages");
        }
    }
    push("JetStream pull consumer, batches of 500".into(), "msgs/s", true, n as f64 / start.elapsed().as_secs_f64());

    let pushc = s
        .create_consumer(consumer::push::Config {
            deliver_subject: client.new_inbox(),
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await?;
    let start = Instant::now();
    let mut msgs = pushc.messages().await?;
    for _ in 0..n {
        match msgs.next().await {
            Some(m) => {
                m.map_err(|e| anyhow!("push: {e}"))?;
            }
            None => bail!("push consumer ended early"),
        }
    }
    push("JetStream push consumer".into(), "msgs/s", true, n as f64 / start.elapsed().as_secs_f64());

    let bucket = js
        .create_key_value(kv::Config {
            bucket: "BENCH".into(),
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await?;
    let keys = (n / 4).max(1);
    let start = Instant::now();
    for i in 0..keys {
        bucket.put(format!("k{}", i % 1000), payload.clone()).await?;
    }
    push("KV put (sequential)".into(), "ops/s", true, keys as f64 / start.elapsed().as_secs_f64());
    let start = Instant::now();
    for i in 0..keys {
        if bucket.get(format!("k{}", i % 1000)).await?.is_none() {
            bail!("KV get found no value for k{}", i % 1000);
        }
    }
    push("KV get (sequential)".into(), "ops/s", true, keys as f64 / start.elapsed().as_secs_f64());
    Ok(())
}

/// Runs every workload against one target.
pub async fn run_target(target: &Target, scale: Scale, root: &std::path::Path) -> Result<Vec<Figure>> {
    let Launch::Process { binary, args } = &target.launch else {
        bail!("bench needs a target it can start (not a url: target)");
    };
    let config = "max_connections: 100000\nmax_pending: 256MB\njetstream { store_dir: \"{store_dir}\" }\n";
    let mut server = ServerProc::new(&crate::suite::sanitize(&target.name), root, binary, args, config)?;
    server.ready_line = target.ready_log_line.clone();
    server.start().await?;
    let addr = format!("127.0.0.1:{}", server.port);
    let url = server.client_url();
    let mut figs = Vec::new();
    let mut push = |workload: String, unit, higher_is_better, value| {
        figs.push(Figure { workload, unit, higher_is_better, value });
    };
    let work = async {
        for size in [16usize, 128, 1024, 65536] {
            let n = count_for(size, &scale);
            let rate = pub_sub(&addr, size, n, 1).await?;
            push(format!("pub/sub 1:1 {size} B"), "msgs/s", true, rate);
        }
        for size in [16usize, 1024] {
            let n = count_for(size, &scale) / 4;
            let rate = pub_sub(&addr, size, n, 4).await?;
            push(format!("fan-out 1:4 {size} B"), "msgs/s", true, rate);
        }
        let rate = queue_group(&addr, 128, count_for(128, &scale), 4).await?;
        push("queue group of 4, 128 B".into(), "msgs/s", true, rate);
        let rate = wildcard_match(&addr, scale.wildcard_subs, count_for(64, &scale) / 4).await?;
        push(format!("match with {} subs", scale.wildcard_subs), "msgs/s", true, rate);
        let (p50, p99) = request_latency(&url, scale.requests).await?;
        push("request/reply p50".into(), "µs", false, p50);
        push("request/reply p99".into(), "µs", false, p99);
        let per_conn = memory_per_connection(&addr, server.pid()?, scale.connections).await?;
        push(format!("memory per connection ({})", scale.connections), "KiB", false, per_conn);
        jetstream_workloads(&url, &scale, &mut push).await?;
        anyhow::Ok(())
    };
    let res = tokio::time::timeout(WORKLOAD_TIMEOUT * 5, work).await;
    server.kill();
    match res {
        Err(_) => bail!("bench against {} timed out", target.name),
        Ok(r) => r?,
    }
    Ok(figs)
}

/// Merges a new round into the best-so-far figures (max throughput, min cost).
pub fn keep_best(best: &mut Vec<Figure>, round: Vec<Figure>) {
    if best.is_empty() {
        *best = round;
        return;
    }
    for (b, r) in best.iter_mut().zip(round) {
        let better = if b.higher_is_better { r.value > b.value } else { r.value < b.value };
        if better {
            b.value = r.value;
        }
    }
}

/// Formats the figures of several targets as a Markdown table, with each target's
/// ratio to the first one named `go`.
pub fn table(results: &[(String, Vec<Figure>)]) -> String {
    let mut out = String::from("| workload |");
    for (name, _) in results {
        out.push_str(&format!(" {name} |"));
    }
    let go = results.iter().position(|(n, _)| n == "go");
    let others: Vec<usize> = (0..results.len()).filter(|i| Some(*i) != go).collect();
    if go.is_some() {
        for i in &others {
            out.push_str(&format!(" {}/go |", results[*i].0));
        }
    }
    out.push_str("\n|---|");
    for _ in 0..results.len() + if go.is_some() { others.len() } else { 0 } {
        out.push_str("---:|");
    }
    out.push('\n');
    let Some((_, first)) = results.first() else { return out };
    for (row, f) in first.iter().enumerate() {
        out.push_str(&format!(
            "| {} ({}{}) |",
            f.workload,
            f.unit,
            if f.higher_is_better { ", higher is better" } else { ", lower is better" }
        ));
        for (_, figs) in results {
            out.push_str(&format!(" {} |", figs.get(row).map(|f| fmt_value(f.value)).unwrap_or_default()));
        }
        if let Some(g) = go {
            for i in &others {
                let a = results[*i].1.get(row).map(|f| f.value);
                let b = results[g].1.get(row).map(|f| f.value);
                let cell = match (a, b) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
                    _ => "n/a".into(),
                };
                out.push_str(&format!(" {cell} |"));
            }
        }
        out.push('\n');
    }
    out
}

fn fmt_value(v: f64) -> String {
    if v >= 100_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_ratios_against_go() {
        let f = |v| vec![Figure { workload: "w".into(), unit: "msgs/s", higher_is_better: true, value: v }];
        let t = table(&[("rnats".into(), f(200.0)), ("go".into(), f(100.0))]);
        assert!(t.contains("rnats/go"), "{t}");
        assert!(t.contains("| 2.00 |"), "{t}");
    }

    #[test]
    fn counts_are_bounded() {
        let s = Scale::quick();
        assert_eq!(count_for(16, &s), 1_048_576);
        assert_eq!(count_for(65536, &s), 2_000);
    }
}
