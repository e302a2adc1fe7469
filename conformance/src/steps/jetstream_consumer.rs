//! JetStream consumers: create one, pull from it, send requests whose replies arrive on a
//! subscription (direct get, MSG.NEXT), check deliveries and status messages, read a
//! delivered message as JSON, and ack.
use super::api::api_ok;
use super::pubsub::{describe, last, next_message};
use super::{Dur, StepResult};
use crate::fail;
use crate::world::{NatsWorld, Sub, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};

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

/// The reply subject whose messages a named subscription collects: one fixed inbox per
/// client and name, subscribed on first use.
async fn reply_sub(w: &mut NatsWorld, client: &str, name: &str) -> Result<String> {
    let inbox = format!("_INBOX.conformance.{client}.{name}");
    if !w.subs.contains_key(name) {
        let c = w.client(client)?.clone();
        let subscriber = c.subscribe(inbox.clone()).await?;
        super::pubsub::round_trip(&c).await?;
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

/// The next message is a status message with this code (e.g. 404, 408, 409, 100, 204).
#[then(expr = "{string} receives a status {int} within {duration}")]
async fn receives_status(w: &mut NatsWorld, name: String, code: u16, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0, false).await?;
    if m.status.map(|s| s.as_u16()) != Some(code) {
        fail!("'{name}' expected status {code}, got {}", describe(&m));
    }
    Ok(())
}

/// Same, also checking the status description (e.g. "No Messages", "Request Timeout").
#[then(expr = "{string} receives a status {int} with description {string} within {duration}")]
async fn receives_status_desc(w: &mut NatsWorld, name: String, code: u16, desc: String, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0, false).await?;
    if m.status.map(|s| s.as_u16()) != Some(code) || m.description.as_deref() != Some(desc.as_str()) {
        fail!("'{name}' expected status {code} \"{desc}\", got {}", describe(&m));
    }
    Ok(())
}

/// The next message (not a status message) is on this subject.
#[then(expr = "{string} receives a message on {string} within {duration}")]
async fn receives_on(w: &mut NatsWorld, name: String, subject: String, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0, false).await?;
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
        let m = next_message(w, &name, left, false).await.with_context(|| format!("saw only {seen:?}"))?;
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
        let m = next_message(w, &name, left, false).await.with_context(|| format!("got only {got:?}"))?;
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

/// The next messages carry exactly these payloads, in any order (comma separated): for
/// deliveries whose order depends on timing, such as redeliveries that are due or not
/// when a new consumer leader takes over.
#[then(expr = "{string} receives the payloads {string} in any order within {duration}")]
async fn receives_payloads_unordered(w: &mut NatsWorld, name: String, payloads: String, within: Dur) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    let mut want: Vec<String> = payloads.split(',').map(|p| p.trim().to_string()).collect();
    want.sort();
    let mut got = Vec::new();
    while got.len() < want.len() {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let m = next_message(w, &name, left, false).await.with_context(|| format!("got only {got:?}"))?;
        if m.status.is_some() {
            fail!("'{name}' got a status message after {got:?}: {}", describe(&m));
        }
        got.push(String::from_utf8_lossy(&m.payload).to_string());
    }
    got.sort();
    if got != want {
        fail!("'{name}' expected the payloads {want:?} in any order, got {got:?}");
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
