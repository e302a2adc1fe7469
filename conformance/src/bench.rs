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
    /// Why there is no figure: the workload failed or the server never got there. Such a
    /// row is printed as `n/a`, never with a made-up number.
    pub failure: Option<String>,
}

impl Figure {
    fn measured(workload: String, unit: &'static str, higher_is_better: bool, value: f64) -> Figure {
        Figure { workload, unit, higher_is_better, value, failure: None }
    }

    /// The figure of a workload that may fail on one target and not on another; the
    /// run goes on either way so the other rows still get measured.
    fn outcome(workload: String, unit: &'static str, higher_is_better: bool, r: Result<f64>) -> Figure {
        match r {
            Ok(v) => Figure::measured(workload, unit, higher_is_better, v),
            Err(e) => {
                eprintln!("bench: {workload}: failed: {e:#}");
                let first = format!("{e:#}").lines().next().unwrap_or_default().to_string();
                Figure { workload, unit, higher_is_better, value: f64::NAN, failure: Some(first) }
            }
        }
    }
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
    /// Messages on disk for the file-store read-back and kill -9 recovery workloads.
    pub fs_messages: usize,
    /// How long a restarted server may take to report all `fs_messages` again.
    pub fs_recovery_bound: Duration,
    /// Only the core or the file-store workloads (`--only core|filestore`).
    pub only: Option<Group>,
}

/// The two halves of the bench: one server for the core and JetStream workloads, and
/// a fresh server per file-store workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    Core,
    Filestore,
}

impl Scale {
    pub fn full() -> Scale {
        Scale {
            bytes: 256 << 20,
            requests: 5000,
            connections: 2000,
            wildcard_subs: 100_000,
            js_messages: 200_000,
            fs_messages: 1_000_000,
            fs_recovery_bound: Duration::from_secs(120),
            only: None,
        }
    }
    /// The recovery bound is shorter here: 100k messages take Go well under a second,
    /// and a server that cannot recover should not cost minutes per round.
    pub fn quick() -> Scale {
        Scale {
            bytes: 16 << 20,
            requests: 500,
            connections: 200,
            wildcard_subs: 10_000,
            js_messages: 20_000,
            fs_messages: 100_000,
            fs_recovery_bound: Duration::from_secs(30),
            only: None,
        }
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

/// How to start a file-store server of the target under test.
struct FsLaunch<'a> {
    binary: &'a std::path::Path,
    args: &'a [String],
    ready_line: Option<String>,
    root: &'a std::path::Path,
}

/// A server with a fresh store of its own, removed with it. Fields drop in order: the
/// process is killed before its folder goes.
struct FsServer {
    proc: ServerProc,
    _dir: tempfile::TempDir,
}

/// The file-store publish payload sizes: 16 B, 1 KiB and 64 KiB.
const FS_SIZES: [usize; 3] = [16, 1024, 65536];
/// Acks in flight for async publishing, as in the memory-stream rows.
const ACK_WINDOW: usize = 256;
/// Filling the read-back stream is set-up, not a figure, but it is bounded too.
const FILL_TIMEOUT: Duration = Duration::from_secs(600);

/// Starts a server whose config is only a JetStream block with a store in a new temp
/// folder, plus `extra` lines inside that block (key, cipher).
async fn fs_server(launch: &FsLaunch<'_>, name: &str, extra: &str) -> Result<FsServer> {
    let dir = tempfile::Builder::new().prefix(&format!("{name}-")).tempdir_in(launch.root)?;
    let config = format!("jetstream {{\n  store_dir: \"{{store_dir}}\"\n{extra}}}\n");
    let mut proc = ServerProc::new(name, dir.path(), launch.binary, launch.args, &config)?;
    proc.ready_line = launch.ready_line.clone();
    proc.start().await?;
    Ok(FsServer { proc, _dir: dir })
}

/// Pseudo-random letters from a 16-symbol alphabet, so s2 has to look for matches
/// instead of being flattered by a run of one byte; encryption does not care.
fn fs_payload(size: usize) -> bytes::Bytes {
    let mut x: u32 = 0x9e37_79b9;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b'a' + (x & 15) as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

/// Messages per file-store publish row: the byte budget caps the large payloads.
fn fs_count(size: usize, scale: &Scale) -> usize {
    (scale.bytes / size.max(1)).clamp(2_000, scale.js_messages)
}

async fn bounded<T>(what: &str, limit: Duration, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(limit, f).await.map_err(|_| anyhow!("{what}: no result within {limit:?}"))?
}

/// Publishes `count` messages to a subject of a stream, each ack awaited before the
/// next (sync) or `ACK_WINDOW` in flight (async); returns messages per second.
async fn js_publish(
    js: &async_nats::jetstream::Context,
    subject: &str,
    payload: &bytes::Bytes,
    count: usize,
    sync: bool,
) -> Result<f64> {
    let start = Instant::now();
    let mut acks = Vec::with_capacity(ACK_WINDOW);
    for _ in 0..count {
        let ack = js.publish(subject.to_string(), payload.clone()).await?;
        if sync {
            ack.await?;
            continue;
        }
        acks.push(ack);
        if acks.len() == ACK_WINDOW {
            for a in acks.drain(..) {
                a.await?;
            }
        }
    }
    for a in acks.drain(..) {
        a.await?;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Creates a file stream (optionally s2-compressed), publishes into it and deletes it,
/// so the rows do not pile up on disk.
async fn fs_publish_row(
    js: &async_nats::jetstream::Context,
    name: &str,
    compression: Option<async_nats::jetstream::stream::Compression>,
    size: usize,
    count: usize,
    sync: bool,
) -> Result<f64> {
    use async_nats::jetstream::stream;
    let subject = format!("fs.{}", name.to_lowercase());
    js.create_stream(stream::Config {
        name: name.into(),
        subjects: vec![subject.clone()],
        storage: stream::StorageType::File,
        compression,
        ..Default::default()
    })
    .await?;
    let rate = js_publish(js, &subject, &fs_payload(size), count, sync).await?;
    js.delete_stream(name).await?;
    Ok(rate)
}

/// `state.messages` of a stream as `$JS.API.STREAM.INFO` reports it, or what the
/// server said instead.
async fn stream_messages(client: &async_nats::Client, stream: &str) -> Result<u64, String> {
    let req = client.request(format!("$JS.API.STREAM.INFO.{stream}"), bytes::Bytes::new());
    let reply = match tokio::time::timeout(Duration::from_secs(2), req).await {
        Err(_) => return Err("no STREAM.INFO reply within 2s".into()),
        Ok(Err(e)) => return Err(format!("STREAM.INFO request failed: {e}")),
        Ok(Ok(m)) => m,
    };
    let v: serde_json::Value =
        serde_json::from_slice(&reply.payload).map_err(|e| format!("STREAM.INFO reply is not JSON: {e}"))?;
    if let Some(d) = v["error"]["description"].as_str() {
        return Err(format!("STREAM.INFO error: {d}"));
    }
    v["state"]["messages"].as_u64().ok_or_else(|| "STREAM.INFO reply has no state.messages".into())
}

/// Connects with a bounded wait and no reconnect attempts at start.
async fn fs_client(url: &str) -> Result<async_nats::Client> {
    let connect = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(5)).connect(url);
    bounded("connect", Duration::from_secs(10), async { Ok(connect.await?) }).await
}

/// Drains a file stream of `n` messages with a pull consumer (batches of 1000,
/// pipelined by the client); returns messages per second.
async fn fs_read_back(stream: &async_nats::jetstream::stream::Stream, n: usize) -> Result<f64> {
    use async_nats::jetstream::consumer;
    let reader = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some("reader".into()),
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await?;
    let start = Instant::now();
    let mut msgs = reader.stream().max_messages_per_batch(1000).messages().await?;
    for got in 0..n {
        match msgs.next().await {
            Some(m) => {
                m.map_err(|e| anyhow!("pull after {got} of {n} messages: {e}"))?;
            }
            None => bail!("pull consumer ended after {got} of {n} messages"),
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// kill -9, restart on the same store, and the wall time from spawn until STREAM.INFO
/// reports all `n` messages again, in milliseconds. A server that never gets there is
/// an error carrying the last count or reply it gave.
async fn fs_recovery(srv: &mut FsServer, name: &str, n: usize, bound: Duration) -> Result<f64> {
    srv.proc.kill();
    let start = Instant::now();
    let deadline = start + bound;
    if let Err(e) = srv.proc.start().await {
        // Go restores streams before it listens, so a big store may outlast the
        // harness's ready timeout; keep waiting up to the bound while it runs.
        if !srv.proc.is_running() {
            return Err(e);
        }
        srv.proc.wait_ready(deadline.saturating_duration_since(Instant::now())).await?;
    }
    let client = fs_client(&srv.proc.client_url()).await?;
    let mut last;
    loop {
        last = match stream_messages(&client, name).await {
            Ok(m) if m == n as u64 => return Ok(start.elapsed().as_secs_f64() * 1e3),
            Ok(m) => format!("state.messages {m}"),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            bail!("{n} messages not recovered within {bound:?}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Fills a file stream with `n` 128 B messages, reads them all back, then kills the
/// server and times its recovery. Returns (read-back msgs/s, recovery ms).
async fn fs_fill_read_recover(launch: &FsLaunch<'_>, scale: &Scale) -> (Result<f64>, Result<f64>) {
    let n = scale.fs_messages;
    let name = "FSREAD";
    let prepared = async {
        let srv = fs_server(launch, "fs-recovery", "").await?;
        let client = fs_client(&srv.proc.client_url()).await?;
        let js = async_nats::jetstream::new(client.clone());
        let stream = js
            .create_stream(async_nats::jetstream::stream::Config {
                name: name.into(),
                subjects: vec!["fs.read".into()],
                storage: async_nats::jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await?;
        bounded("filling the stream", FILL_TIMEOUT, js_publish(&js, "fs.read", &fs_payload(128), n, false)).await?;
        match stream_messages(&client, name).await {
            Ok(m) if m == n as u64 => {}
            Ok(m) => bail!("stream holds {m} of {n} messages after every ack"),
            Err(e) => bail!("{e}"),
        }
        anyhow::Ok((srv, stream))
    };
    let (mut srv, stream) = match prepared.await {
        Ok(p) => p,
        Err(e) => return (Err(anyhow!("{e:#}")), Err(e)),
    };
    let read = bounded("read back", WORKLOAD_TIMEOUT, fs_read_back(&stream, n)).await;
    drop(stream);
    let bound = scale.fs_recovery_bound;
    let recovered = bounded("recovery", bound + Duration::from_secs(15), fs_recovery(&mut srv, name, n, bound)).await;
    (read, recovered)
}

/// JetStream file-store workloads, each server with a fresh store of its own: publish
/// at three sizes with sync and async acks, the 1 KiB async row again with s2
/// compression and with each cipher (async, where their cost is not hidden behind
/// round trips), reading a large stream back, and recovery after kill -9. Every row is
/// present even when its workload fails, as `n/a` with the reason.
async fn file_store_workloads(launch: &FsLaunch<'_>, scale: &Scale) -> Vec<Figure> {
    use async_nats::jetstream::stream::Compression;
    let mut figs = Vec::new();
    let plain = async {
        let srv = fs_server(launch, "fs", "").await?;
        let js = async_nats::jetstream::new(fs_client(&srv.proc.client_url()).await?);
        anyhow::Ok((srv, js))
    }
    .await
    .map_err(|e| format!("{e:#}"));
    for size in FS_SIZES {
        for sync in [true, false] {
            let mode = if sync { "sync" } else { "async" };
            let count = if sync { (fs_count(size, scale) / 4).max(500) } else { fs_count(size, scale) };
            let r = match &plain {
                Ok((_, js)) => {
                    let name = format!("FS_{}_{size}", mode.to_uppercase());
                    bounded(&name, WORKLOAD_TIMEOUT, fs_publish_row(js, &name, None, size, count, sync)).await
                }
                Err(e) => Err(anyhow!("{e}")),
            };
            figs.push(Figure::outcome(format!("file store publish, {mode} acks, {size} B"), "msgs/s", true, r));
        }
    }
    let count = fs_count(1024, scale);
    let r = match &plain {
        Ok((_, js)) => {
            bounded("FS_S2", WORKLOAD_TIMEOUT, fs_publish_row(js, "FS_S2", Some(Compression::S2), 1024, count, false))
                .await
        }
        Err(e) => Err(anyhow!("{e}")),
    };
    figs.push(Figure::outcome("file store publish, async acks, 1024 B, s2".into(), "msgs/s", true, r));
    drop(plain);
    for cipher in ["chachapoly", "aes"] {
        let r = async {
            let srv =
                fs_server(launch, &format!("fs-{cipher}"), &format!("  key: \"bench-key\"\n  cipher: {cipher}\n"))
                    .await?;
            let js = async_nats::jetstream::new(fs_client(&srv.proc.client_url()).await?);
            let name = format!("FS_{}", cipher.to_uppercase());
            bounded(&name, WORKLOAD_TIMEOUT, fs_publish_row(&js, &name, None, 1024, count, false)).await
        }
        .await;
        figs.push(Figure::outcome(format!("file store publish, async acks, 1024 B, {cipher}"), "msgs/s", true, r));
    }
    let (read, recovered) = fs_fill_read_recover(launch, scale).await;
    let n = scale.fs_messages;
    figs.push(Figure::outcome(format!("file store read back {n} msgs, pull batches of 1000"), "msgs/s", true, read));
    figs.push(Figure::outcome(format!("file store recovery after kill -9, {n} msgs"), "ms", false, recovered));
    figs
}

/// Runs every workload against one target.
pub async fn run_target(target: &Target, scale: Scale, root: &std::path::Path) -> Result<Vec<Figure>> {
    let Launch::Process { binary, args } = &target.launch else {
        bail!("bench needs a target it can start (not a url: target)");
    };
    let launch = FsLaunch { binary, args, ready_line: target.ready_log_line.clone(), root };
    if scale.only == Some(Group::Filestore) {
        return Ok(file_store_workloads(&launch, &scale).await);
    }
    let config = "max_connections: 100000\nmax_pending: 256MB\njetstream { store_dir: \"{store_dir}\" }\n";
    let mut server = ServerProc::new(&crate::suite::sanitize(&target.name), root, binary, args, config)?;
    server.ready_line = target.ready_log_line.clone();
    server.start().await?;
    let addr = format!("127.0.0.1:{}", server.port);
    let url = server.client_url();
    let mut figs = Vec::new();
    let mut push = |workload: String, unit, higher_is_better, value| {
        figs.push(Figure::measured(workload, unit, higher_is_better, value));
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
    if scale.only != Some(Group::Core) {
        figs.extend(file_store_workloads(&launch, &scale).await);
    }
    Ok(figs)
}

/// Merges a new round into the best-so-far figures (max throughput, min cost). A
/// failed round is sticky: a better round elsewhere must not hide it.
pub fn keep_best(best: &mut Vec<Figure>, round: Vec<Figure>) {
    for r in round {
        let Some(b) = best.iter_mut().find(|b| b.workload == r.workload) else {
            best.push(r);
            continue;
        };
        if b.failure.is_some() {
            continue;
        }
        let better = if b.higher_is_better { r.value > b.value } else { r.value < b.value };
        if r.failure.is_some() || better {
            *b = r;
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
    // Rows by workload name, in order of first appearance, so a target that lacks a
    // row cannot shift the others.
    let mut rows: Vec<&Figure> = Vec::new();
    for f in results.iter().flat_map(|(_, figs)| figs) {
        if !rows.iter().any(|r| r.workload == f.workload) {
            rows.push(f);
        }
    }
    let find = |i: usize, w: &str| results[i].1.iter().find(|f| f.workload == w);
    for f in rows {
        out.push_str(&format!(
            "| {} ({}{}) |",
            f.workload,
            f.unit,
            if f.higher_is_better { ", higher is better" } else { ", lower is better" }
        ));
        for i in 0..results.len() {
            let cell = match find(i, &f.workload) {
                Some(Figure { failure: Some(why), .. }) => format!("n/a ({why})"),
                Some(x) => fmt_value(x.value),
                None => String::new(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        if let Some(g) = go {
            for i in &others {
                let value = |i| find(i, &f.workload).filter(|x| x.failure.is_none()).map(|x| x.value);
                let cell = match (value(*i), value(g)) {
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
        let f = |v| vec![Figure::measured("w".into(), "msgs/s", true, v)];
        let t = table(&[("rnats".into(), f(200.0)), ("go".into(), f(100.0))]);
        assert!(t.contains("rnats/go"), "{t}");
        assert!(t.contains("| 2.00 |"), "{t}");
    }

    #[test]
    fn a_failed_figure_is_na_and_stays_failed() {
        let ok = |v| Figure::measured("recovery".into(), "ms", false, v);
        let failed = Figure::outcome("recovery".into(), "ms", false, Err(anyhow!("saw 0 of 10 msgs")));
        let mut best = Vec::new();
        keep_best(&mut best, vec![ok(5.0)]);
        keep_best(&mut best, vec![failed]);
        keep_best(&mut best, vec![ok(1.0)]);
        let t = table(&[("rnats".into(), best), ("go".into(), vec![ok(2.0)])]);
        assert!(t.contains("| n/a (saw 0 of 10 msgs) | 2.00 | n/a |"), "{t}");
        assert!(t.contains("lower is better"), "{t}");
    }

    #[test]
    fn counts_are_bounded() {
        let s = Scale::quick();
        assert_eq!(count_for(16, &s), 1_048_576);
        assert_eq!(count_for(65536, &s), 2_000);
    }
}
