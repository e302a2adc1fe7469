//! Bench workloads on the JetStream file store, each on a server with a fresh store of
//! its own: publish at several sizes, with s2 and with each cipher, read back, and
//! recovery after `kill -9`.
use super::jetstream::js_publish;
use super::{bounded, connect, Figure, Scale, WORKLOAD_TIMEOUT};
use crate::harness::ServerProc;
use anyhow::{anyhow, bail, Result};
use futures::StreamExt;
use std::time::{Duration, Instant};

/// How to start a file-store server of the target under test.
pub(super) struct FsLaunch<'a> {
    pub(super) binary: &'a std::path::Path,
    pub(super) args: &'a [String],
    pub(super) ready_line: Option<String>,
    pub(super) root: &'a std::path::Path,
}

/// A server with a fresh store of its own, removed with it. Fields drop in order: the
/// process is killed before its folder goes.
struct FsServer {
    proc: ServerProc,
    _dir: tempfile::TempDir,
}

/// The file-store publish payload sizes: 16 B, 1 KiB and 64 KiB.
const FS_SIZES: [usize; 3] = [16, 1024, 65536];
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
    let client = connect(&srv.proc.client_url()).await?;
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
        let client = connect(&srv.proc.client_url()).await?;
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
pub(super) async fn file_store_workloads(launch: &FsLaunch<'_>, scale: &Scale) -> Vec<Figure> {
    use async_nats::jetstream::stream::Compression;
    let mut figs = Vec::new();
    let plain = async {
        let srv = fs_server(launch, "fs", "").await?;
        let js = async_nats::jetstream::new(connect(&srv.proc.client_url()).await?);
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
            let js = async_nats::jetstream::new(connect(&srv.proc.client_url()).await?);
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
