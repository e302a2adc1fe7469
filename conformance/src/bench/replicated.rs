//! Replicated JetStream bench workloads: an R3 file stream and an R3 durable pull
//! consumer on a three-server JetStream cluster of one target (the fixture of
//! `cluster`), both created through `$JS.API`, so the meta leader places them.
//!
//! The rows: publishing 128 B messages with acks, each awaited before the next
//! (sync) or a window in flight (async), as the single-server rows do, from a
//! client on the stream leader's server and from one on a follower's; the
//! consumer fetching in batches of 100 and acking each message, timed until its
//! ack floor covers them all; an R3 key-value bucket's puts and (direct) gets,
//! each awaited, from a client on a server that does not lead the bucket's
//! stream, over a fixed set of keys; and the stream leader killed (`kill -9`), timed
//! until a publish through a survivor is acknowledged again, over a few kills.
//! A publish row whose leader moves while it runs fails: it would no longer
//! measure what it names. A failure's details end with every server's log tail.
use super::cluster::{failover_figures, Cluster, FAILOVER_BOUND};
use super::jetstream::js_publish;
use super::{bounded, connect, Figure, Scale, WORKLOAD_TIMEOUT};
use anyhow::{anyhow, bail, Context, Result};
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::{self, consumer, stream};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use std::future::IntoFuture;
use std::path::Path;
use std::time::{Duration, Instant};

const STREAM: &str = "R3BENCH";
/// The key-value bucket of the KV rows, and how many keys its puts cycle over.
const BUCKET: &str = "R3KV";
const KEYS: usize = 1000;
const SUBJECT: &str = "r3.bench";
const CONSUMER: &str = "R3PULL";
/// Payload bytes per message.
const SIZE: usize = 128;
/// Messages per pull request of the consumer row.
const BATCH: usize = 100;
/// How long one pull request may wait for its batch.
const BATCH_WAIT: Duration = Duration::from_secs(5);
/// How long the consumer may take to apply the last acks.
const ACK_SETTLE: Duration = Duration::from_secs(10);
/// How long a restarted server may take to be a current replica again.
const CATCH_UP: Duration = Duration::from_secs(30);
/// How often the failover workload publishes again while no ack has come back:
/// the resolution of its figures.
const RETRY_EVERY: Duration = Duration::from_millis(50);
/// How long an API request or a publish ack may take outside the timed loops.
const API_WAIT: Duration = Duration::from_secs(2);
/// Log lines per server in a failure's details.
const LOG_LINES: usize = 15;

fn payload() -> bytes::Bytes {
    bytes::Bytes::from(vec![b'x'; SIZE])
}

/// A JetStream context on node `i`'s client port; API requests and awaited acks
/// bounded by `wait`.
async fn js_on(c: &Cluster, i: usize, wait: Duration) -> Result<jetstream::Context> {
    let client = connect(&c.nodes[i].client_url()).await?;
    Ok(jetstream::ContextBuilder::new().timeout(wait).build(client))
}

/// `error` with every server's log tail after it (its first line unchanged).
fn with_logs(c: &Cluster, error: anyhow::Error) -> anyhow::Error {
    anyhow!("{error:#}\n{}", c.log_tails(LOG_LINES))
}

/// The server the stream's info names as its leader.
async fn stream_leader(js: &jetstream::Context) -> Result<String> {
    let s = js.get_stream(STREAM).await?;
    let cluster = s.cached_info().cluster.as_ref();
    cluster.and_then(|c| c.leader.clone()).filter(|l| !l.is_empty()).context("the stream info names no leader")
}

/// Polls the stream's info until it names a leader other than `not`.
async fn wait_stream_leader(js: &jetstream::Context, not: Option<&str>, bound: Duration) -> Result<String> {
    let deadline = Instant::now() + bound;
    loop {
        let last = match stream_leader(js).await {
            Ok(l) if Some(l.as_str()) != not => return Ok(l),
            Ok(l) => format!("still {l}"),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() > deadline {
            bail!("no stream leader within {bound:?} (last: {last})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The R3 file stream, created through node 0.
async fn create_stream(c: &Cluster) -> Result<()> {
    let js = js_on(c, 0, Duration::from_secs(10)).await?;
    js.create_stream(stream::Config {
        name: STREAM.into(),
        subjects: vec![SUBJECT.into()],
        storage: stream::StorageType::File,
        num_replicas: 3,
        ..Default::default()
    })
    .await
    .context("creating the R3 stream")?;
    wait_stream_leader(&js, None, FAILOVER_BOUND).await?;
    Ok(())
}

/// Publishes `count` messages through the stream leader's server or a follower's;
/// returns messages per second.
async fn publish_row(c: &Cluster, on_leader: bool, sync: bool, count: usize) -> Result<f64> {
    let admin = js_on(c, 0, API_WAIT).await?;
    let leader = wait_stream_leader(&admin, None, FAILOVER_BOUND).await?;
    let l = c.index_of(&leader)?;
    let i = if on_leader { l } else { (l + 1) % c.nodes.len() };
    let js = js_on(c, i, API_WAIT).await?;
    let rate = js_publish(&js, SUBJECT, &payload(), count, sync)
        .await
        .with_context(|| format!("publishing through {} (stream leader {leader})", c.nodes[i].name))?;
    let after = stream_leader(&admin).await?;
    if after != leader {
        bail!("the stream leader moved from {leader} to {after} during the row");
    }
    Ok(rate)
}

/// Creates the R3 bucket.
async fn create_bucket(c: &Cluster) -> Result<()> {
    let admin = js_on(c, 0, API_WAIT).await?;
    let cfg = async_nats::jetstream::kv::Config { bucket: BUCKET.into(), num_replicas: 3, ..Default::default() };
    admin.create_key_value(cfg).await.context("creating the R3 bucket")?;
    Ok(())
}

/// The bucket through a server that does not lead its stream (the common
/// case for a client of a three-server cluster).
async fn kv_off_leader(c: &Cluster) -> Result<async_nats::jetstream::kv::Store> {
    let admin = js_on(c, 0, API_WAIT).await?;
    let mut info = admin.get_stream(format!("KV_{BUCKET}")).await?;
    let leader = loop {
        let i = info.info().await?;
        if let Some(l) = i.cluster.as_ref().and_then(|c| c.leader.clone()).filter(|l| !l.is_empty()) {
            break l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let i = (c.index_of(&leader)? + 1) % c.nodes.len();
    Ok(js_on(c, i, API_WAIT).await?.get_key_value(BUCKET).await?)
}

/// Puts `count` values, each awaited, cycling over [`KEYS`] keys; ops per second.
async fn kv_put_row(c: &Cluster, count: usize) -> Result<f64> {
    create_bucket(c).await?;
    let kv = kv_off_leader(c).await?;
    let value = payload();
    let start = Instant::now();
    for n in 0..count {
        kv.put(format!("k{}", n % KEYS), value.clone()).await.with_context(|| format!("put {n}"))?;
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// Gets `count` values, each awaited, over the keys the put row wrote; ops
/// per second. A missing key fails the row.
async fn kv_get_row(c: &Cluster, count: usize) -> Result<f64> {
    let kv = kv_off_leader(c).await?;
    let start = Instant::now();
    for n in 0..count {
        let key = format!("k{}", n % KEYS);
        if kv.get(&key).await.with_context(|| format!("get {key}"))?.is_none() {
            bail!("{key} has no value");
        }
    }
    Ok(count as f64 / start.elapsed().as_secs_f64())
}

/// The leader the consumer's info names, polled until there is one.
async fn consumer_leader(c: &mut consumer::PullConsumer) -> Result<String> {
    let deadline = Instant::now() + FAILOVER_BOUND;
    loop {
        let info = c.info().await?;
        if let Some(l) = info.cluster.as_ref().and_then(|c| c.leader.clone()).filter(|l| !l.is_empty()) {
            return Ok(l);
        }
        if Instant::now() > deadline {
            bail!("the consumer info named no leader within {FAILOVER_BOUND:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates the R3 durable pull consumer (explicit acks) and, from a client on its
/// leader's server, fetches the stream's first `n` messages in batches, acking
/// each; timed until the consumer's ack floor reaches the last of them. Returns
/// messages per second.
async fn fetch_and_ack(c: &Cluster, n: usize) -> Result<f64> {
    let admin = js_on(c, 0, API_WAIT).await?;
    let mut s = admin.get_stream(STREAM).await?;
    let have = s.info().await?.state.messages as usize;
    if have < n {
        // The publish rows failed part-way: fill the rest, untimed.
        js_publish(&admin, SUBJECT, &payload(), n - have, false).await.context("filling the stream")?;
    }
    let mut created = s
        .create_consumer(consumer::pull::Config {
            durable_name: Some(CONSUMER.into()),
            ack_policy: consumer::AckPolicy::Explicit,
            num_replicas: 3,
            ..Default::default()
        })
        .await
        .context("creating the R3 consumer")?;
    let leader = consumer_leader(&mut created).await?;
    let js = js_on(c, c.index_of(&leader)?, API_WAIT).await?;
    let mut pull: consumer::PullConsumer = js.get_consumer_from_stream(CONSUMER, STREAM).await?;
    let start = Instant::now();
    let mut got = 0;
    while got < n {
        let want = BATCH.min(n - got);
        let mut batch = pull.batch().max_messages(want).expires(BATCH_WAIT).messages().await?;
        let before = got;
        while let Some(m) = batch.next().await {
            let m = m.map_err(|e| anyhow!("fetch after {got} of {n} messages: {e}"))?;
            m.ack().await.map_err(|e| anyhow!("ack after {got} of {n} messages: {e}"))?;
            got += 1;
        }
        if got == before {
            bail!("the consumer (leader {leader}) delivered nothing within {BATCH_WAIT:?} after {got} of {n} messages");
        }
    }
    let deadline = Instant::now() + ACK_SETTLE;
    loop {
        let info = pull.info().await?;
        if info.ack_floor.stream_sequence >= n as u64 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "every ack sent, but after {ACK_SETTLE:?} the ack floor is at stream sequence {} of {n} ({} acks pending)",
                info.ack_floor.stream_sequence,
                info.num_ack_pending
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Publishes every `RETRY_EVERY`, each ack awaited alongside the others, until the
/// first ack comes back.
async fn first_ack(js: &jetstream::Context, bound: Duration) -> Result<()> {
    let deadline = Instant::now() + bound;
    let mut pending: FuturesUnordered<<PublishAckFuture as IntoFuture>::IntoFuture> = FuturesUnordered::new();
    let mut tick = tokio::time::interval(RETRY_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = String::from("no reply yet");
    loop {
        tokio::select! {
            Some(r) = pending.next(), if !pending.is_empty() => match r {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            },
            _ = tick.tick() => {
                if Instant::now() > deadline {
                    bail!("no publish acknowledged within {bound:?} (last: {last})");
                }
                match js.publish(SUBJECT, payload()).await {
                    Ok(ack) => pending.push(ack.into_future()),
                    Err(e) => last = e.to_string(),
                }
            }
        }
    }
}

/// Polls the stream's info until its leader lists both other servers as current
/// replicas.
async fn wait_replicas_current(js: &jetstream::Context, bound: Duration) -> Result<()> {
    let deadline = Instant::now() + bound;
    loop {
        let last = match js.get_stream(STREAM).await {
            Ok(s) => match &s.cached_info().cluster {
                Some(cl) if cl.replicas.len() == 2 && cl.replicas.iter().all(|r| r.current && !r.offline) => {
                    return Ok(())
                }
                Some(cl) => format!(
                    "leader {:?}, replicas {:?}",
                    cl.leader,
                    cl.replicas.iter().map(|r| (&r.name, r.current, r.offline, r.lag)).collect::<Vec<_>>()
                ),
                None => "no cluster info".into(),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            bail!("the replicas were not all current within {bound:?} (last: {last})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kills the stream leader `rounds` times; the milliseconds from each kill until a
/// publish through a survivor is acknowledged (the killed server is started again
/// and caught up between rounds).
async fn stream_failover(c: &mut Cluster, rounds: usize) -> Result<Vec<f64>> {
    let mut samples = Vec::new();
    for _ in 0..rounds.max(1) {
        let admin = js_on(c, 0, API_WAIT).await?;
        let leader = wait_stream_leader(&admin, None, FAILOVER_BOUND).await?;
        drop(admin);
        let i = c.index_of(&leader)?;
        let survivor = (i + 1) % c.nodes.len();
        let js = js_on(c, survivor, API_WAIT).await?;
        js.publish(SUBJECT, payload()).await?.await.context("a publish before the kill")?;
        c.nodes[i].kill();
        let started = Instant::now();
        first_ack(&js, FAILOVER_BOUND).await.with_context(|| {
            format!("after killing the stream leader {leader}, publishing through {}", c.nodes[survivor].name)
        })?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        c.nodes[i].start().await.with_context(|| format!("restarting {leader}"))?;
        c.wait_formed().await?;
        wait_replicas_current(&js, CATCH_UP).await.with_context(|| format!("after restarting {leader}"))?;
    }
    Ok(samples)
}

/// Runs the replicated rows on a fresh three-server JetStream cluster of the target.
/// Every row is present even when its workload fails, as `n/a` with the reason.
pub(super) async fn replicated_workloads(
    root: &Path,
    binary: &Path,
    args: &[String],
    ready_line: Option<String>,
    scale: &Scale,
) -> Vec<Figure> {
    let n = scale.r3_messages;
    let mut publish_rows = Vec::new();
    for sync in [true, false] {
        for on_leader in [true, false] {
            let (mode, count) = if sync { ("sync", n / 4) } else { ("async", n) };
            let client = if on_leader { "client on the stream leader" } else { "client on a follower" };
            publish_rows.push((format!("R3 publish, {mode} acks, {SIZE} B, {client}"), on_leader, sync, count));
        }
    }
    let fetch_row = format!("R3 pull consumer, batches of {BATCH}, ack each");
    let kv_rows = [
        format!("R3 KV put, {SIZE} B values, each awaited, client off the leader"),
        "R3 KV get (direct), each awaited, client off the leader".to_string(),
    ];
    let failover = "R3 stream leader failover";
    let mut figs = Vec::new();
    let started = async {
        let c = Cluster::start_jetstream(root, "replicated", binary, args, ready_line)
            .await
            .context("starting a JetStream cluster")?;
        match bounded("creating the R3 stream", Duration::from_secs(60), create_stream(&c)).await {
            Ok(()) => Ok(c),
            Err(e) => Err(with_logs(&c, e)),
        }
    }
    .await;
    let mut c = match started {
        Ok(c) => c,
        Err(e) => {
            let why = format!("{e:#}");
            let failed = |name: String| Figure::outcome(name, "msgs/s", true, Err(anyhow!("{why}")));
            figs.extend(publish_rows.into_iter().map(|(name, ..)| failed(name)));
            figs.push(failed(fetch_row));
            figs.extend(kv_rows.into_iter().map(|name| Figure::outcome(name, "ops/s", true, Err(anyhow!("{why}")))));
            figs.extend(failover_figures(failover, Err(e)));
            return figs;
        }
    };
    for (name, on_leader, sync, count) in publish_rows {
        let r = bounded(&name, WORKLOAD_TIMEOUT, publish_row(&c, on_leader, sync, count)).await;
        figs.push(Figure::outcome(name, "msgs/s", true, r.map_err(|e| with_logs(&c, e))));
    }
    let r = bounded(&fetch_row, WORKLOAD_TIMEOUT, fetch_and_ack(&c, n)).await;
    figs.push(Figure::outcome(fetch_row, "msgs/s", true, r.map_err(|e| with_logs(&c, e))));
    let [put_row, get_row] = kv_rows;
    let kv_ops = (n / 4).max(KEYS);
    let r = bounded(&put_row, WORKLOAD_TIMEOUT, kv_put_row(&c, kv_ops)).await;
    let put_ok = r.is_ok();
    figs.push(Figure::outcome(put_row, "ops/s", true, r.map_err(|e| with_logs(&c, e))));
    let r = if put_ok {
        bounded(&get_row, WORKLOAD_TIMEOUT, kv_get_row(&c, kv_ops)).await
    } else {
        Err(anyhow!("the put row failed, so there is nothing to get"))
    };
    figs.push(Figure::outcome(get_row, "ops/s", true, r.map_err(|e| with_logs(&c, e))));
    let rounds = scale.stream_failovers.max(1);
    let bound = (FAILOVER_BOUND + CATCH_UP + Duration::from_secs(30)) * rounds as u32;
    let ms = bounded(failover, bound, stream_failover(&mut c, rounds)).await;
    figs.extend(failover_figures(failover, ms.map_err(|e| with_logs(&c, e))));
    c.kill();
    figs
}
