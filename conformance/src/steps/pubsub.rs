//! Publish and subscribe through async-nats clients: connect, subscribe (alone or in a
//! queue group), publish (with a reply or headers), flush, request/reply, and what a
//! subscription receives.
use super::{Dur, StepResult};
use crate::fail;
use crate::world::{NatsWorld, Sub, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use futures::StreamExt;
use std::time::Duration;

/// Connects a named client with the given options.
pub async fn connect(
    w: &mut NatsWorld,
    name: &str,
    server: Option<&str>,
    opts: async_nats::ConnectOptions,
) -> Result<()> {
    let url = w.url_of(server)?;
    let opts = opts.connection_timeout(DEFAULT_WAIT).name(name);
    let client = tokio::time::timeout(DEFAULT_WAIT * 2, opts.connect(url.as_str()))
        .await
        .map_err(|_| anyhow!("client '{name}' could not connect to {url} in time"))?
        .with_context(|| format!("client '{name}' connecting to {url}"))?;
    w.clients.insert(name.to_string(), client);
    Ok(())
}

/// Subject prefix of the harness's round-trip requests.
pub const BARRIER_PREFIX: &str = "_CONFORMANCE.barrier.";

/// Waits until the server has processed everything this client sent so far. async-nats'
/// `flush` only writes the socket, so it is followed by a request on a fresh subject that
/// the server answers itself (no responders): any answer proves the round trip. A
/// scenario with a `>` subscriber would swallow the request; that only costs the wait.
pub async fn round_trip(c: &async_nats::Client) -> Result<()> {
    tokio::time::timeout(DEFAULT_WAIT, c.flush()).await.map_err(|_| anyhow!("flush timed out"))??;
    let token = c.new_inbox().rsplit('.').next().unwrap_or("x").to_string();
    let _ =
        tokio::time::timeout(Duration::from_secs(2), c.request(format!("{BARRIER_PREFIX}{token}"), Bytes::new())).await;
    Ok(())
}

#[given(expr = "a client {string}")]
async fn a_client(w: &mut NatsWorld, name: String) -> StepResult {
    Ok(connect(w, &name, None, async_nats::ConnectOptions::new()).await?)
}

#[given(expr = "a client {string} to server {string}")]
async fn a_client_to(w: &mut NatsWorld, name: String, server: String) -> StepResult {
    Ok(connect(w, &name, Some(&server), async_nats::ConnectOptions::new()).await?)
}

#[given(expr = "a client {string} without echo")]
async fn a_client_no_echo(w: &mut NatsWorld, name: String) -> StepResult {
    Ok(connect(w, &name, None, async_nats::ConnectOptions::new().no_echo()).await?)
}

async fn subscribe(w: &mut NatsWorld, client: &str, subject: &str, queue: Option<&str>, name: &str) -> Result<()> {
    let c = w.client(client)?.clone();
    let subscriber = match queue {
        Some(q) => c.queue_subscribe(subject.to_string(), q.to_string()).await?,
        None => c.subscribe(subject.to_string()).await?,
    };
    // The server must know the subscription before anyone publishes.
    round_trip(&c).await?;
    w.subs.insert(name.to_string(), Sub { client: client.to_string(), subscriber, received: Vec::new() });
    Ok(())
}

#[when(expr = "{string} subscribes to {string} as {string}")]
async fn sub_step(w: &mut NatsWorld, client: String, subject: String, name: String) -> StepResult {
    Ok(subscribe(w, &client, &subject, None, &name).await?)
}

#[when(expr = "{string} subscribes to {string} in queue {string} as {string}")]
async fn qsub_step(w: &mut NatsWorld, client: String, subject: String, queue: String, name: String) -> StepResult {
    Ok(subscribe(w, &client, &subject, Some(&queue), &name).await?)
}

#[when(expr = "{string} unsubscribes {string}")]
async fn unsub_step(w: &mut NatsWorld, _client: String, name: String) -> StepResult {
    let sub = w.sub(&name)?;
    sub.subscriber.unsubscribe().await?;
    let c = w.client(&_client)?.clone();
    round_trip(&c).await?;
    Ok(())
}

#[when(expr = "{string} publishes {string} to {string}")]
async fn publish(w: &mut NatsWorld, client: String, payload: String, subject: String) -> StepResult {
    let c = w.client(&client)?;
    c.publish(subject, Bytes::from(payload)).await?;
    Ok(())
}

#[when(expr = "{string} publishes {string} to {string} with reply {string}")]
async fn publish_reply(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    subject: String,
    reply: String,
) -> StepResult {
    let c = w.client(&client)?;
    c.publish_with_reply(subject, reply, Bytes::from(payload)).await?;
    Ok(())
}

/// Headers from a two-column data table (name, value).
pub fn header_table(step: &Step) -> Result<async_nats::HeaderMap> {
    let table = step.table.as_ref().ok_or_else(|| anyhow!("needs a table of header names and values"))?;
    let mut headers = async_nats::HeaderMap::new();
    for row in &table.rows {
        let [k, v] = row.as_slice() else { fail!("header rows need two cells") };
        headers.append(k.as_str(), v.as_str());
    }
    Ok(headers)
}

#[when(expr = "{string} publishes {string} to {string} with headers:")]
async fn publish_headers(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    subject: String,
    step: &Step,
) -> StepResult {
    let headers = header_table(step)?;
    let c = w.client(&client)?;
    c.publish_with_headers(subject, headers, Bytes::from(payload)).await?;
    Ok(())
}

#[when(expr = "{string} publishes {int} messages to {string}")]
async fn publish_many(w: &mut NatsWorld, client: String, n: usize, subject: String) -> StepResult {
    let c = w.client(&client)?;
    for i in 0..n {
        c.publish(subject.clone(), Bytes::from(format!("{i}"))).await?;
    }
    Ok(())
}

#[when(expr = "{string} flushes")]
async fn flush(w: &mut NatsWorld, client: String) -> StepResult {
    let c = w.client(&client)?.clone();
    round_trip(&c).await?;
    Ok(())
}

/// Takes the next message off a subscription, within `within`. With `skip_barriers`,
/// the harness's round-trip requests are passed over; without, every message counts
/// (status messages included).
pub(super) async fn next_message(
    w: &mut NatsWorld,
    name: &str,
    within: Duration,
    skip_barriers: bool,
) -> Result<async_nats::Message> {
    let sub = w.sub(name)?;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, sub.subscriber.next()).await {
            Err(_) => fail!("'{name}' received no message within {within:?} (had {} before)", sub.received.len()),
            Ok(None) => fail!("subscription '{name}' ended"),
            Ok(Some(m)) if skip_barriers && is_barrier(&m) => continue,
            Ok(Some(m)) => {
                sub.received.push(m.clone());
                return Ok(m);
            }
        }
    }
}

/// The harness's own round-trip requests (see `round_trip`) reach wide wildcard
/// subscriptions too; they are not the scenario's traffic.
fn is_barrier(m: &async_nats::Message) -> bool {
    m.subject.starts_with(BARRIER_PREFIX)
}

#[then(expr = "{string} receives {string} on {string} within {duration}")]
async fn receives(w: &mut NatsWorld, name: String, payload: String, subject: String, within: Dur) -> StepResult {
    let m = next_message(w, &name, within.0, true).await?;
    if m.subject.as_str() != subject || m.payload != payload.as_bytes() {
        fail!(
            "'{name}' expected \"{payload}\" on {subject}, got \"{}\" on {}",
            String::from_utf8_lossy(&m.payload),
            m.subject
        );
    }
    Ok(())
}

#[then(expr = "{string} receives {string} on {string} with reply {string} within {duration}")]
async fn receives_with_reply(
    w: &mut NatsWorld,
    name: String,
    payload: String,
    subject: String,
    reply: String,
    within: Dur,
) -> Result<()> {
    let m = next_message(w, &name, within.0, true).await?;
    let got_reply = m.reply.as_ref().map(|r| r.to_string()).unwrap_or_default();
    if m.subject.as_str() != subject || m.payload != payload.as_bytes() || got_reply != reply {
        fail!(
            "'{name}' expected \"{payload}\" on {subject} reply {reply}, got \"{}\" on {} reply {got_reply}",
            String::from_utf8_lossy(&m.payload),
            m.subject
        );
    }
    Ok(())
}

#[then(expr = "{string} receives {int} messages within {duration}")]
async fn receives_n(w: &mut NatsWorld, name: String, n: usize, within: Dur) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    for i in 0..n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        next_message(w, &name, left, true).await.with_context(|| format!("after {i} of {n} messages"))?;
    }
    Ok(())
}

#[then(expr = "{string} receives no message within {duration}")]
async fn receives_none(w: &mut NatsWorld, name: String, quiet: Dur) -> StepResult {
    let sub = w.sub(&name)?;
    let deadline = tokio::time::Instant::now() + quiet.0;
    loop {
        match tokio::time::timeout_at(deadline, sub.subscriber.next()).await {
            Err(_) | Ok(None) => return Ok(()),
            Ok(Some(m)) if is_barrier(&m) => continue,
            Ok(Some(m)) => {
                fail!(
                    "'{name}' received \"{}\" on {}, expected nothing",
                    String::from_utf8_lossy(&m.payload),
                    m.subject
                )
            }
        }
    }
}

/// Two subscriptions (e.g. members of one queue group) receive `n` messages between
/// them, each at least `min`.
#[then(expr = "{string} and {string} together receive {int} messages within {duration}, each at least {int}")]
async fn together(w: &mut NatsWorld, a: String, b: String, n: usize, within: Dur, min: usize) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    let mut counts = [0usize; 2];
    // Both subscriptions are read at once, so a lopsided split (a weighted
    // mapping) is taken as fast as it arrives.
    let mut sa = w.subs.remove(&a).ok_or_else(|| anyhow!("no subscription '{a}'"))?;
    let mut sb = match w.subs.remove(&b) {
        Some(s) => s,
        None => {
            w.subs.insert(a.clone(), sa);
            fail!("no subscription '{b}'");
        }
    };
    let outcome: Result<()> = async {
        while counts[0] + counts[1] < n {
            let next = tokio::time::timeout_at(deadline, async {
                tokio::select! {
                    m = sa.subscriber.next() => (0, m),
                    m = sb.subscriber.next() => (1, m),
                }
            })
            .await;
            match next {
                Err(_) => {
                    fail!(
                        "'{a}' got {} and '{b}' got {} within {:?}, expected {n} in total",
                        counts[0],
                        counts[1],
                        within.0
                    )
                }
                Ok((i, None)) => fail!("subscription '{}' ended", if i == 0 { &a } else { &b }),
                Ok((_, Some(m))) if is_barrier(&m) => {}
                Ok((i, Some(m))) => {
                    if i == 0 { &mut sa } else { &mut sb }.received.push(m);
                    counts[i] += 1;
                }
            }
        }
        Ok(())
    }
    .await;
    w.subs.insert(a.clone(), sa);
    w.subs.insert(b.clone(), sb);
    outcome?;
    if counts[0] < min || counts[1] < min {
        fail!("'{a}' got {} and '{b}' got {}, expected each at least {min}", counts[0], counts[1]);
    }
    // A queue group delivers each message once: nothing beyond the n may follow.
    for name in [&a, &b] {
        let sub = w.sub(name)?;
        if let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(100), sub.subscriber.next()).await {
            fail!("'{name}' got a message beyond the {n} expected (duplicate delivery?): {}", m.subject);
        }
    }
    Ok(())
}

/// A message as shown in failures: subject, status, description and payload.
pub(super) fn describe(m: &async_nats::Message) -> String {
    format!(
        "subject {} status {:?} {:?} payload \"{}\"",
        m.subject,
        m.status.map(|s| s.as_u16()),
        m.description,
        String::from_utf8_lossy(&m.payload)
    )
}

/// The last message a subscription received.
pub(super) fn last(w: &mut NatsWorld, name: &str) -> Result<async_nats::Message> {
    w.sub(name)?.received.last().cloned().ok_or_else(|| anyhow!("'{name}' has received nothing"))
}

#[then(expr = "the last message on {string} has header {string} equal to {string}")]
async fn last_header(w: &mut NatsWorld, name: String, key: String, value: String) -> StepResult {
    let m = last(w, &name)?;
    let got = m.headers.as_ref().and_then(|h| h.get(key.as_str())).map(|v| v.to_string());
    if got.as_deref() != Some(value.as_str()) {
        fail!("header {key}: expected {value:?}, got {got:?}");
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

#[when(expr = "{string} requests {string} on {string} as {string}")]
async fn request(w: &mut NatsWorld, client: String, payload: String, subject: String, name: String) -> StepResult {
    let c = w.client(&client)?.clone();
    let res = match tokio::time::timeout(DEFAULT_WAIT, c.request(subject, Bytes::from(payload))).await {
        Err(_) => Err("timed out".to_string()),
        Ok(Ok(m)) => Ok(m),
        Ok(Err(e)) => Err(format!("{:?}: {e}", e.kind())),
    };
    w.replies.insert(name, res);
    Ok(())
}

#[then(expr = "reply {string} is {string}")]
async fn reply_is(w: &mut NatsWorld, name: String, payload: String) -> StepResult {
    match w.replies.get(&name) {
        None => fail!("no request named '{name}'"),
        Some(Err(e)) => fail!("request '{name}' failed: {e}"),
        Some(Ok(m)) if m.payload == payload.as_bytes() => Ok(()),
        Some(Ok(m)) => fail!("reply '{name}': expected \"{payload}\", got \"{}\"", String::from_utf8_lossy(&m.payload)),
    }
}

#[then(expr = "a request from {string} on {string} fails with no responders")]
async fn no_responders(w: &mut NatsWorld, client: String, subject: String) -> StepResult {
    let c = w.client(&client)?.clone();
    match tokio::time::timeout(DEFAULT_WAIT, c.request(subject, Bytes::new())).await {
        Err(_) => fail!("request timed out instead of failing with no responders"),
        Ok(Ok(m)) => fail!("request got a reply: {:?}", m),
        Ok(Err(e)) if e.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
        Ok(Err(e)) => fail!("request failed, but not with no responders: {e}"),
    }
}

#[when(expr = "{string} replies {string} to requests on {string}")]
async fn responder(w: &mut NatsWorld, client: String, payload: String, subject: String) -> StepResult {
    let c = w.client(&client)?.clone();
    let mut sub = c.subscribe(subject).await?;
    round_trip(&c).await?;
    let body = Bytes::from(payload);
    let task = tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                let _ = c.publish(reply, body.clone()).await;
            }
        }
    });
    w.tasks.push(task.abort_handle());
    Ok(())
}

/// A responder that answers every request `times` times (a streamed or chunked
/// service's several responses).
#[when(expr = "{string} replies {string} {int} times to requests on {string}")]
async fn responder_times(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    times: usize,
    subject: String,
) -> StepResult {
    spawn_responder(w, &client, payload, subject, times, Duration::ZERO).await
}

/// A responder that waits `delay` before it answers (response thresholds).
#[when(expr = "{string} replies {string} to requests on {string} after {duration}")]
async fn responder_after(
    w: &mut NatsWorld,
    client: String,
    payload: String,
    subject: String,
    delay: Dur,
) -> StepResult {
    spawn_responder(w, &client, payload, subject, 1, delay.0).await
}

/// A responder that answers every request with each of the `|`-separated
/// payloads in turn (an empty one is a streamed service's end).
#[when(expr = "{string} replies with the payloads {string} to requests on {string}")]
async fn responder_payloads(w: &mut NatsWorld, client: String, payloads: String, subject: String) -> StepResult {
    let bodies = payloads.split('|').map(|p| Bytes::from(p.to_string())).collect();
    spawn_responder_with(w, &client, bodies, subject, Duration::ZERO).await
}

async fn spawn_responder(
    w: &mut NatsWorld,
    client: &str,
    payload: String,
    subject: String,
    times: usize,
    delay: Duration,
) -> StepResult {
    let bodies = vec![Bytes::from(payload); times];
    spawn_responder_with(w, client, bodies, subject, delay).await
}

async fn spawn_responder_with(
    w: &mut NatsWorld,
    client: &str,
    bodies: Vec<Bytes>,
    subject: String,
    delay: Duration,
) -> StepResult {
    let c = w.client(client)?.clone();
    let mut sub = c.subscribe(subject).await?;
    round_trip(&c).await?;
    let task = tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            let Some(reply) = m.reply else { continue };
            let (c, bodies) = (c.clone(), bodies.clone());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                for body in bodies {
                    let _ = c.publish(reply.clone(), body).await;
                }
                let _ = c.flush().await;
            });
        }
    });
    w.tasks.push(task.abort_handle());
    Ok(())
}

/// Counts what a subscription has taken so far (by earlier receive steps);
/// weighted mappings are checked this way, with a wide tolerance.
#[then(expr = "{string} has received between {int} and {int} messages")]
async fn has_received_between(w: &mut NatsWorld, name: String, min: usize, max: usize) -> StepResult {
    let n = w.sub(&name)?.received.iter().filter(|m| !is_barrier(m)).count();
    if n < min || n > max {
        fail!("'{name}' has received {n} messages, expected between {min} and {max}");
    }
    Ok(())
}

/// Takes every message that arrives for the whole of `within` (a lossy mapping
/// delivers an unknown share), then checks the count.
#[then(expr = "{string} receives between {int} and {int} messages within {duration}")]
async fn receives_between(w: &mut NatsWorld, name: String, min: usize, max: usize, within: Dur) -> StepResult {
    let sub = w.sub(&name)?;
    let deadline = tokio::time::Instant::now() + within.0;
    let mut n = 0;
    loop {
        match tokio::time::timeout_at(deadline, sub.subscriber.next()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(m)) if is_barrier(&m) => continue,
            Ok(Some(m)) => {
                sub.received.push(m);
                n += 1;
            }
        }
    }
    if n < min || n > max {
        fail!("'{name}' received {n} messages within {:?}, expected between {min} and {max}", within.0);
    }
    Ok(())
}

/// Lets time pass (duplicate windows, ack waits, max age); prefer polling steps.
#[when(expr = "{duration} has passed")]
async fn time_passes(_w: &mut NatsWorld, d: Dur) -> StepResult {
    tokio::time::sleep(d.0).await;
    Ok(())
}
