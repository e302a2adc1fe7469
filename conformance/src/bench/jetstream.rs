//! Bench workloads on JetStream memory streams and a KV bucket, through async-nats:
//! publish with sync and async acks, pull and push consumers, KV put and get. The
//! acked publish loop is shared with the file-store and replicated rows.
use anyhow::{anyhow, bail, Result};
use futures::StreamExt;
use std::time::Instant;

/// Acks in flight for async publishing.
const ACK_WINDOW: usize = 256;

/// Publishes `count` messages to a subject of a stream, each ack awaited before the
/// next (sync) or `ACK_WINDOW` in flight (async); returns messages per second.
pub(super) async fn js_publish(
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

/// JetStream workloads on a memory stream: publish with acks (sync and async), a pull
/// consumer fetching in batches, a push consumer, and KV put and get.
pub(super) async fn jetstream_workloads(
    url: &str,
    scale: &super::Scale,
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
    let rate = js_publish(&js, "bench.sync", &payload, n / 4, true).await?;
    push("JetStream publish, sync acks, 128 B".into(), "msgs/s", true, rate);

    let s = js.create_stream(cfg("BASYNC", "bench.async")).await?;
    let rate = js_publish(&js, "bench.async", &payload, n, false).await?;
    push("JetStream publish, async acks, 128 B".into(), "msgs/s", true, rate);

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
