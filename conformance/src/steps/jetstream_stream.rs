//! JetStream streams: create one, publish to it for a pub ack, store messages (one,
//! many, sized, on numbered subjects), delete sequences, and per-subject counts of its
//! state.
use super::api::api_ok;
use super::StepResult;
use crate::fail;
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};

/// Creates a stream from its JSON config (the name is taken from it) and fails on an
/// error reply.
#[given(expr = "{string} creates the stream:")]
#[when(expr = "{string} creates the stream:")]
async fn create_stream(w: &mut NatsWorld, client: String, step: &Step) -> StepResult {
    let body: serde_json::Value =
        serde_json::from_str(&super::docstring(step)?).map_err(|e| anyhow!("stream config is not JSON: {e}"))?;
    let name = body.get("name").and_then(|n| n.as_str()).ok_or_else(|| anyhow!("stream config has no name"))?;
    let subject = format!("$JS.API.STREAM.CREATE.{name}");
    Ok(api_ok(w, &client, &subject, body).await?)
}

/// Publishes with a reply subject and waits for the reply, which must be JSON (a
/// JetStream pub ack or its error); it becomes the last JSON reply.
async fn publish_for_ack(
    w: &mut NatsWorld,
    client: &str,
    subject: &str,
    payload: Bytes,
    headers: Option<async_nats::HeaderMap>,
) -> Result<()> {
    let c = w.client(client)?.clone();
    let fut = async {
        match headers {
            Some(h) => c.request_with_headers(subject.to_string(), h, payload).await,
            None => c.request(subject.to_string(), payload).await,
        }
    };
    let reply = tokio::time::timeout(DEFAULT_WAIT, fut)
        .await
        .map_err(|_| anyhow!("no pub ack for {subject} within {DEFAULT_WAIT:?}"))?
        .map_err(|e| anyhow!("publishing to {subject} for an ack failed: {e}"))?;
    let value: serde_json::Value = serde_json::from_slice(&reply.payload).map_err(|e| {
        anyhow!("the pub ack for {subject} is not JSON ({e}): {}", String::from_utf8_lossy(&reply.payload))
    })?;
    w.last_json = Some(value);
    Ok(())
}

fn ack_error(w: &NatsWorld) -> Option<String> {
    w.last_json.as_ref().and_then(|v| v.get("error")).map(|e| e.to_string())
}

#[when(expr = "{string} publishes {string} to {string} for an ack")]
async fn pub_for_ack(w: &mut NatsWorld, client: String, payload: String, subject: String) -> StepResult {
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(payload), None).await?)
}

#[when(expr = "{string} publishes {string} to {string} for an ack with headers:")]
async fn pub_for_ack_headers(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    subject: String,
    step: &Step,
) -> StepResult {
    let h = super::pubsub::header_table(step)?;
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(payload), Some(h)).await?)
}

/// Publishes a payload of `n` bytes for a pub ack (limits on bytes and message size).
#[when(expr = "{string} publishes {int} bytes to {string} for an ack")]
async fn pub_sized_for_ack(w: &mut NatsWorld, client: String, n: usize, subject: String) -> StepResult {
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(vec![b'x'; n]), None).await?)
}

/// Publishes a payload for a pub ack with one header whose value is `n` bytes long
/// (the limit on a stored message's headers is 64 KiB).
#[when(expr = "{string} publishes {string} to {string} for an ack with a {int} byte header")]
async fn pub_large_header(w: &mut NatsWorld, client: String, payload: String, subject: String, n: usize) -> StepResult {
    let mut h = async_nats::HeaderMap::new();
    h.insert("Large-Header", "x".repeat(n).as_str());
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(payload), Some(h)).await?)
}

/// Publishes one message for a pub ack and fails unless it was stored.
#[given(expr = "{string} stores {string} on {string}")]
#[when(expr = "{string} stores {string} on {string}")]
async fn store_one(w: &mut NatsWorld, client: String, payload: String, subject: String) -> StepResult {
    publish_for_ack(w, &client, &subject, Bytes::from(payload), None).await?;
    if let Some(e) = ack_error(w) {
        fail!("storing on {subject} failed: {e}");
    }
    Ok(())
}

/// Like the above, with headers from a table.
#[given(expr = "{string} stores {string} on {string} with headers:")]
#[when(expr = "{string} stores {string} on {string} with headers:")]
async fn store_one_headers(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    subject: String,
    step: &Step,
) -> StepResult {
    let h = super::pubsub::header_table(step)?;
    publish_for_ack(w, &client, &subject, Bytes::from(payload), Some(h)).await?;
    if let Some(e) = ack_error(w) {
        fail!("storing on {subject} failed: {e}");
    }
    Ok(())
}

/// Publishes `n` messages (payloads "1".."n") one by one, each acknowledged without error.
#[given(expr = "{string} stores {int} messages on {string}")]
#[when(expr = "{string} stores {int} messages on {string}")]
async fn store_many(w: &mut NatsWorld, client: String, n: usize, subject: String) -> StepResult {
    for i in 1..=n {
        publish_for_ack(w, &client, &subject, Bytes::from(i.to_string()), None)
            .await
            .with_context(|| format!("message {i} of {n}"))?;
        if let Some(e) = ack_error(w) {
            fail!("storing message {i} of {n} on {subject} failed: {e}");
        }
    }
    Ok(())
}

/// Publishes `n` messages of `size` bytes each for a pub ack, one after the other, and
/// fails on the first that is not stored.
#[given(expr = "{string} stores {int} messages of {int} bytes on {string}")]
#[when(expr = "{string} stores {int} messages of {int} bytes on {string}")]
async fn store_sized(w: &mut NatsWorld, client: String, n: usize, size: usize, subject: String) -> StepResult {
    let c = w.client(&client)?.clone();
    let payload = Bytes::from(vec![b'z'; size]);
    for i in 1..=n {
        w.last_json = Some(store_acked(&c, &subject, payload.clone(), i, n).await?);
    }
    Ok(())
}

/// Publishes message `i` of `n` for a pub ack; the ack, or why it is not one.
async fn store_acked(
    c: &async_nats::Client,
    subject: &str,
    payload: Bytes,
    i: usize,
    n: usize,
) -> Result<serde_json::Value> {
    let reply = tokio::time::timeout(DEFAULT_WAIT, c.request(subject.to_string(), payload))
        .await
        .map_err(|_| anyhow!("no pub ack for message {i} of {n} on {subject}"))?
        .map_err(|e| anyhow!("publishing message {i} of {n} on {subject} failed: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&reply.payload)
        .map_err(|e| anyhow!("pub ack {i} is not JSON ({e}): {}", String::from_utf8_lossy(&reply.payload)))?;
    if let Some(e) = v.get("error") {
        return Err(anyhow!("storing message {i} of {n} on {subject} failed: {e}"));
    }
    Ok(v)
}

/// Publishes `n` messages for a pub ack on subjects numbered 1..=n: `#` in the subject
/// is replaced by the message's number (`kv.#` gives `kv.1`, `kv.2`, ...). The payload is
/// the number, or `size` bytes when given. Fails on the first that is not stored.
#[given(regex = r#"^"([^"]*)" stores (\d+) messages(?: of (\d+) bytes)? on the numbered subjects "([^"]*)"$"#)]
#[when(regex = r#"^"([^"]*)" stores (\d+) messages(?: of (\d+) bytes)? on the numbered subjects "([^"]*)"$"#)]
async fn store_numbered(w: &mut NatsWorld, client: String, n: usize, size: String, pattern: String) -> StepResult {
    if !pattern.contains('#') {
        fail!("the subject pattern {pattern} has no # to number");
    }
    let c = w.client(&client)?.clone();
    let sized = if size.is_empty() { None } else { Some(Bytes::from(vec![b'z'; size.parse::<usize>()?])) };
    for i in 1..=n {
        let subject = pattern.replace('#', &i.to_string());
        let payload = sized.clone().unwrap_or_else(|| Bytes::from(i.to_string()));
        w.last_json = Some(store_acked(&c, &subject, payload, i, n).await?);
    }
    Ok(())
}

/// Deletes (without erasing) every sequence of a range through the stream's MSG.DELETE
/// API, one request each, and fails on the first reply that is not a success.
#[when(expr = "{string} deletes the sequences {int} to {int} of stream {string}")]
async fn delete_range(w: &mut NatsWorld, client: String, from: u64, to: u64, stream: String) -> StepResult {
    let c = w.client(&client)?.clone();
    let subject = format!("$JS.API.STREAM.MSG.DELETE.{stream}");
    for seq in from..=to {
        let body = Bytes::from(serde_json::json!({"seq": seq, "no_erase": true}).to_string());
        let reply = tokio::time::timeout(DEFAULT_WAIT, c.request(subject.clone(), body))
            .await
            .map_err(|_| anyhow!("no reply to deleting sequence {seq} of {stream}"))?
            .map_err(|e| anyhow!("deleting sequence {seq} of {stream} failed: {e}"))?;
        let v: serde_json::Value = serde_json::from_slice(&reply.payload)
            .map_err(|e| anyhow!("reply {} is not JSON ({e})", String::from_utf8_lossy(&reply.payload)))?;
        if v.get("success") != Some(&serde_json::Value::Bool(true)) {
            fail!("deleting sequence {seq} of {stream} failed: {v}");
        }
        w.last_json = Some(v);
    }
    Ok(())
}

/// Per-subject counts of a stream info reply (`state.subjects`), whose keys are subjects
/// with dots that a dotted field path cannot name.
#[then(expr = "the stream state counts {int} messages on subject {string}")]
async fn subject_count(w: &mut NatsWorld, n: u64, subject: String) -> StepResult {
    let json = w.json()?;
    let got = json.get("state").and_then(|s| s.get("subjects")).and_then(|s| s.get(subject.as_str()));
    if got.and_then(|v| v.as_u64()) != Some(n) {
        fail!("state.subjects[{subject}] is {got:?}, expected {n}\nreply: {json}");
    }
    Ok(())
}
