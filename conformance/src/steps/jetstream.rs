//! JetStream steps: publishing for a pub ack, pull requests and other requests whose
//! replies arrive on a subscription (direct get, MSG.NEXT), status replies, acks with a
//! given body, reading a delivered message as JSON and polling a JSON API until a field
//! reaches a value.
use super::json_value;
use super::Dur;
use super::StepResult;
use crate::fail;
use crate::golden::get_path;
use crate::world::{NatsWorld, Sub, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use futures::StreamExt;
use std::time::Duration;

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
    let h = super::client::header_table(step)?;
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(payload), Some(h)).await?)
}

/// Publishes a payload of `n` bytes for a pub ack (limits on bytes and message size).
#[when(expr = "{string} publishes {int} bytes to {string} for an ack")]
async fn pub_sized_for_ack(w: &mut NatsWorld, client: String, n: usize, subject: String) -> StepResult {
    Ok(publish_for_ack(w, &client, &subject, Bytes::from(vec![b'x'; n]), None).await?)
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
    let h = super::client::header_table(step)?;
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

/// The reply subject whose messages a named subscription collects: one fixed inbox per
/// client and name, subscribed on first use.
async fn reply_sub(w: &mut NatsWorld, client: &str, name: &str) -> Result<String> {
    let inbox = format!("_INBOX.conformance.{client}.{name}");
    if !w.subs.contains_key(name) {
        let c = w.client(client)?.clone();
        let subscriber = c.subscribe(inbox.clone()).await?;
        super::client::round_trip(&c).await?;
        w.subs.insert(name.to_string(), Sub { client: client.to_string(), subscriber, received: Vec::new() });
    }
    Ok(inbox)
}

async fn send_with_replies(w: &mut NatsWorld, client: &str, payload: String, subject: &str, name: &str) -> Result<()> {
    let inbox = reply_sub(w, client, name).await?;
    let c = w.client(client)?.clone();
    c.publish_with_reply(subject.to_string(), inbox, Bytes::from(payload)).await?;
    c.flush().await?;
    Ok(())
}

/// Sends a payload (single quotes, taken as is) with a reply subject whose messages a
/// named subscription collects: direct gets, pull requests, any multi-message reply.
#[when(regex = r#"^"([^"]*)" sends '(.*)' to "([^"]*)" with replies to "([^"]*)"$"#)]
async fn send_replies(w: &mut NatsWorld, client: String, payload: String, subject: String, name: String) -> StepResult {
    Ok(send_with_replies(w, &client, payload, &subject, &name).await?)
}

/// A pull request: `with 3` (plain batch) or `with {"batch":3,"no_wait":true}`.
#[when(regex = r#"^"([^"]*)" pulls from consumer "([^"]*)" of stream "([^"]*)" with (\{.*\}|\d+) as "([^"]*)"$"#)]
async fn pull(
    w: &mut NatsWorld,
    client: String,
    consumer: String,
    stream: String,
    body: String,
    name: String,
) -> StepResult {
    if body.starts_with('{') {
        serde_json::from_str::<serde_json::Value>(&body).map_err(|e| anyhow!("pull request is not JSON: {e}"))?;
    }
    let subject = format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}");
    Ok(send_with_replies(w, &client, body, &subject, &name).await?)
}

/// Takes the next message off a subscription (status messages included).
async fn next_message(w: &mut NatsWorld, name: &str, within: Duration) -> Result<async_nats::Message> {
    let sub = w.sub(name)?;
    match tokio::time::timeout(within, sub.subscriber.next()).await {
        Err(_) => fail!("'{name}' received no message within {within:?} (had {} before)", sub.received.len()),
        Ok(None) => fail!("subscription '{name}' ended"),
        Ok(Some(m)) => {
            sub.received.push(m.clone());
            Ok(m)
        }
    }
}

fn describe(m: &async_nats::Message) -> String {
    format!(
        "subject {} status {:?} {:?} payload \"{}\"",
        m.subject,
        m.status.map(|s| s.as_u16()),
        m.description,
        String::from_utf8_lossy(&m.payload)
    )
}

fn last(w: &mut NatsWorld, name: &str) -> Result<async_nats::Message> {
    w.sub(name)?.received.last().cloned().ok_or_else(|| anyhow!("'{name}' has received nothing"))
}

/// The next message is a status message with this code (e.g. 404, 408, 409, 100, 204).
#[then(expr = "{string} receives a status {int} within {duration}")]
async fn receives_status(w: &mut NatsWorld, name: String, code: u16, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0).await?;
    if m.status.map(|s| s.as_u16()) != Some(code) {
        fail!("'{name}' expected status {code}, got {}", describe(&m));
    }
    Ok(())
}

/// Same, also checking the status description (e.g. "No Messages", "Request Timeout").
#[then(expr = "{string} receives a status {int} with description {string} within {duration}")]
async fn receives_status_desc(w: &mut NatsWorld, name: String, code: u16, desc: String, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0).await?;
    if m.status.map(|s| s.as_u16()) != Some(code) || m.description.as_deref() != Some(desc.as_str()) {
        fail!("'{name}' expected status {code} \"{desc}\", got {}", describe(&m));
    }
    Ok(())
}

/// The next message (not a status message) is on this subject.
#[then(expr = "{string} receives a message on {string} within {duration}")]
async fn receives_on(w: &mut NatsWorld, name: String, subject: String, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0).await?;
    if m.subject.as_str() != subject || m.status.is_some() {
        fail!("'{name}' expected a message on {subject}, got {}", describe(&m));
    }
    Ok(())
}

/// Skips messages until one arrives on this subject (e.g. one advisory among several).
#[then(expr = "{string} receives a message on {string} among others within {duration}")]
async fn receives_on_among(w: &mut NatsWorld, name: String, subject: String, within: Dur) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let m = next_message(w, &name, left).await.with_context(|| format!("saw only {seen:?}"))?;
        if m.subject.as_str() == subject && m.status.is_none() {
            return Ok(());
        }
        seen.push(m.subject.to_string());
    }
}

/// The next messages carry exactly these payloads, in order (comma separated).
#[then(expr = "{string} receives the payloads {string} within {duration}")]
async fn receives_payloads(w: &mut NatsWorld, name: String, payloads: String, within: Dur) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    let want: Vec<&str> = payloads.split(',').map(str::trim).collect();
    let mut got = Vec::new();
    for p in &want {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let m = next_message(w, &name, left).await.with_context(|| format!("got only {got:?}"))?;
        if m.status.is_some() {
            fail!("'{name}' got a status message after {got:?}: {}", describe(&m));
        }
        let text = String::from_utf8_lossy(&m.payload).to_string();
        if text != *p {
            fail!("'{name}' expected payloads {want:?}, got {got:?} then \"{text}\"");
        }
        got.push(text);
    }
    Ok(())
}

#[then(expr = "the last message on {string} has payload {string}")]
async fn last_payload(w: &mut NatsWorld, name: String, payload: String) -> StepResult {
    let m = last(w, &name)?;
    if m.payload != payload.as_bytes() {
        fail!("last message on '{name}': expected payload \"{payload}\", got {}", describe(&m));
    }
    Ok(())
}

#[then(expr = "the last message on {string} has subject {string}")]
async fn last_subject(w: &mut NatsWorld, name: String, subject: String) -> StepResult {
    let m = last(w, &name)?;
    if m.subject.as_str() != subject {
        fail!("last message on '{name}': expected subject {subject}, got {}", describe(&m));
    }
    Ok(())
}

#[then(expr = "the last message on {string} has no header {string}")]
async fn last_no_header(w: &mut NatsWorld, name: String, key: String) -> StepResult {
    let m = last(w, &name)?;
    if let Some(v) = m.headers.as_ref().and_then(|h| h.get(key.as_str())) {
        fail!("last message on '{name}' has header {key}: {v}");
    }
    Ok(())
}

#[then(expr = "the last message on {string} has header {string} matching {string}")]
async fn last_header_matches(w: &mut NatsWorld, name: String, key: String, pattern: String) -> StepResult {
    let m = last(w, &name)?;
    let re = regex::Regex::new(&pattern)?;
    let got = m.headers.as_ref().and_then(|h| h.get(key.as_str())).map(|v| v.to_string());
    match got {
        Some(v) if re.is_match(&v) => Ok(()),
        _ => fail!("last message on '{name}': header {key} = {got:?}, expected a match for {pattern}"),
    }
}

/// Checks the reply subject (e.g. the `$JS.ACK.<stream>.<consumer>.<delivered>...` form).
#[then(expr = "the last message on {string} has reply matching {string}")]
async fn last_reply_matches(w: &mut NatsWorld, name: String, pattern: String) -> StepResult {
    let m = last(w, &name)?;
    let re = regex::Regex::new(&pattern)?;
    let reply = m.reply.as_ref().map(|r| r.to_string()).unwrap_or_default();
    if !re.is_match(&reply) {
        fail!("last message on '{name}': reply \"{reply}\" does not match {pattern}");
    }
    Ok(())
}

/// Makes the payload of the last message the last JSON reply (advisories, API replies
/// collected on a subscription).
#[when(expr = "the last message on {string} is read as JSON")]
async fn last_as_json(w: &mut NatsWorld, name: String) -> StepResult {
    let m = last(w, &name)?;
    let v: serde_json::Value =
        serde_json::from_slice(&m.payload).map_err(|e| anyhow!("last message on '{name}' is not JSON ({e})"))?;
    w.last_json = Some(v);
    Ok(())
}

async fn ack(w: &mut NatsWorld, client: &str, name: &str, body: &str, wait: bool) -> Result<()> {
    let m = last(w, name)?;
    let reply = m.reply.clone().ok_or_else(|| anyhow!("last message on '{name}' has no reply subject"))?;
    let c = w.client(client)?.clone();
    if wait {
        tokio::time::timeout(DEFAULT_WAIT, c.request(reply.to_string(), Bytes::from(body.to_string())))
            .await
            .map_err(|_| anyhow!("no confirmation of the ack within {DEFAULT_WAIT:?}"))?
            .map_err(|e| anyhow!("ack request failed: {e}"))?;
    } else {
        c.publish(reply, Bytes::from(body.to_string())).await?;
        c.flush().await?;
    }
    Ok(())
}

/// Acks (`+ACK`) the last message a subscription received, on its reply subject.
#[when(expr = "{string} acks the last message on {string}")]
async fn ack_last(w: &mut NatsWorld, client: String, name: String) -> StepResult {
    Ok(ack(w, &client, &name, "+ACK", false).await?)
}

/// Acks and waits for the server's confirmation (double ack).
#[when(expr = "{string} acks the last message on {string} and waits for the confirmation")]
async fn ack_last_sync(w: &mut NatsWorld, client: String, name: String) -> StepResult {
    Ok(ack(w, &client, &name, "+ACK", true).await?)
}

/// Sends the given ack body (single quotes): `'-NAK'`, `'+TERM'`, `'+WPI'`, `'-NAK {"delay":...}'`.
#[when(regex = r#"^"([^"]*)" acks the last message on "([^"]*)" with '(.*)'$"#)]
async fn ack_last_with(w: &mut NatsWorld, client: String, name: String, body: String) -> StepResult {
    Ok(ack(w, &client, &name, &body, false).await?)
}

/// Acks every message a subscription has received so far.
#[when(expr = "{string} acks all messages on {string}")]
async fn ack_all(w: &mut NatsWorld, client: String, name: String) -> StepResult {
    let replies: Vec<_> = w.sub(&name)?.received.iter().filter_map(|m| m.reply.clone()).collect();
    let c = w.client(&client)?.clone();
    for r in replies {
        c.publish(r, Bytes::from_static(b"+ACK")).await?;
    }
    c.flush().await?;
    Ok(())
}

/// Requests a JSON API (empty body) until a reply field equals a value, within 5s or
/// the stated bound; the last reply stays as the last JSON reply.
#[when(regex = r#"^"([^"]*)" polls "([^"]*)" until the reply field "([^"]*)" is (.+?)(?: within (\d+(?:ms|s|m)))?$"#)]
async fn poll_until(
    w: &mut NatsWorld,
    client: String,
    subject: String,
    path: String,
    value: String,
    within: String,
) -> StepResult {
    let want = json_value(value.trim());
    let bound = if within.is_empty() { DEFAULT_WAIT } else { within.parse::<Dur>().map_err(|e| anyhow!(e))?.0 };
    let deadline = tokio::time::Instant::now() + bound;
    let c = w.client(&client)?.clone();
    loop {
        // A request can fail while a restarted server comes back: that is "not yet".
        let got = match tokio::time::timeout(Duration::from_secs(1), c.request(subject.clone(), Bytes::new())).await {
            Ok(Ok(reply)) => {
                let v: serde_json::Value = serde_json::from_slice(&reply.payload)
                    .map_err(|e| anyhow!("reply to {subject} is not JSON ({e})"))?;
                let got = get_path(&v, &path).cloned();
                w.last_json = Some(v);
                if got.as_ref() == Some(&want) {
                    return Ok(());
                }
                format!("{got:?}")
            }
            Ok(Err(e)) => format!("request error: {e}"),
            Err(_) => "no reply".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            fail!("{subject}: field {path} is {got} after {bound:?}, expected {want}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Number of entries of an array (or object) field of the last JSON reply.
#[then(expr = "the reply field {string} has {int} entries")]
async fn field_len(w: &mut NatsWorld, path: String, n: usize) -> StepResult {
    let json = w.json()?;
    let v = get_path(json, &path).ok_or_else(|| anyhow!("reply has no field {path}: {json}"))?;
    let len = match v {
        serde_json::Value::Array(a) => a.len(),
        serde_json::Value::Object(o) => o.len(),
        other => fail!("field {path} is not an array or object: {other}"),
    };
    if len != n {
        fail!("field {path} has {len} entries, expected {n}: {v}");
    }
    Ok(())
}

/// The field's text contains a fragment (for error descriptions with variable parts).
#[then(expr = "the reply field {string} has text containing {string}")]
async fn field_contains(w: &mut NatsWorld, path: String, fragment: String) -> StepResult {
    let json = w.json()?;
    let v = get_path(json, &path).ok_or_else(|| anyhow!("reply has no field {path}: {json}"))?;
    let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    if !text.contains(&fragment) {
        fail!("field {path} = {text:?} does not contain {fragment:?}");
    }
    Ok(())
}

async fn api_ok(w: &mut NatsWorld, client: &str, subject: &str, body: serde_json::Value) -> Result<()> {
    let c = w.client(client)?.clone();
    let reply = tokio::time::timeout(DEFAULT_WAIT, c.request(subject.to_string(), Bytes::from(body.to_string())))
        .await
        .map_err(|_| anyhow!("no reply to {subject} within {DEFAULT_WAIT:?}"))?
        .map_err(|e| anyhow!("request to {subject} failed: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&reply.payload)
        .map_err(|e| anyhow!("reply to {subject} is not JSON ({e}): {}", String::from_utf8_lossy(&reply.payload)))?;
    if let Some(e) = v.get("error") {
        fail!("{subject} failed: {e}");
    }
    w.last_json = Some(v);
    Ok(())
}

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

/// Creates a consumer on a stream from its JSON consumer config (`name` or
/// `durable_name` picks the subject) and fails on an error reply.
#[given(expr = "{string} creates the consumer on {string}:")]
#[when(expr = "{string} creates the consumer on {string}:")]
async fn create_consumer(w: &mut NatsWorld, client: String, stream: String, step: &Step) -> StepResult {
    let config: serde_json::Value =
        serde_json::from_str(&super::docstring(step)?).map_err(|e| anyhow!("consumer config is not JSON: {e}"))?;
    let name = config.get("name").or_else(|| config.get("durable_name")).and_then(|n| n.as_str());
    let subject = match name {
        Some(n) => format!("$JS.API.CONSUMER.CREATE.{stream}.{n}"),
        None => format!("$JS.API.CONSUMER.CREATE.{stream}"),
    };
    let body = serde_json::json!({"stream_name": stream, "config": config});
    Ok(api_ok(w, &client, &subject, body).await?)
}

/// Lets time pass (duplicate windows, ack waits, max age); prefer polling steps.
#[when(expr = "{duration} has passed")]
async fn time_passes(_w: &mut NatsWorld, d: Dur) -> StepResult {
    tokio::time::sleep(d.0).await;
    Ok(())
}
