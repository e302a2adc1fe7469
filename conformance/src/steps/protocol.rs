//! The client protocol on a raw connection: exact bytes in, exact bytes or whole frames
//! out, the INFO greeting, closes, and counting the messages each sid receives.
use super::{json_value, Dur, StepResult};
use crate::fail;
use crate::raw::{unescape, RawConn};
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Result};
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use std::collections::BTreeMap;

async fn open(w: &mut NatsWorld, name: &str, server: Option<&str>) -> Result<()> {
    let addr = w.addr_of(server)?;
    let conn = RawConn::connect(&addr, DEFAULT_WAIT).await?;
    w.raws.insert(name.to_string(), conn);
    Ok(())
}

#[given(expr = "a raw connection {string}")]
async fn raw_conn(w: &mut NatsWorld, name: String) -> StepResult {
    Ok(open(w, &name, None).await?)
}

#[given(expr = "a raw connection {string} to server {string}")]
async fn raw_conn_to(w: &mut NatsWorld, name: String, server: String) -> StepResult {
    Ok(open(w, &name, Some(&server)).await?)
}

/// Opens, sends `CONNECT <options>` then `PING`, and expects `PONG` (with `+OK`
/// first when the options ask for verbose).
#[given(regex = r#"^a raw connection "([^"]*)"(?: to server "([^"]*)")? with connect options (\{.*\})$"#)]
async fn raw_conn_opts(w: &mut NatsWorld, name: String, server: String, opts: String) -> StepResult {
    let parsed: serde_json::Value =
        serde_json::from_str(&opts).map_err(|e| anyhow!("connect options are not JSON: {e}"))?;
    open(w, &name, (!server.is_empty()).then_some(server.as_str())).await?;
    let c = w.raw(&name)?;
    c.send(format!("CONNECT {opts}\r\nPING\r\n").as_bytes()).await?;
    if parsed.get("verbose") == Some(&serde_json::Value::Bool(true)) {
        c.expect(b"+OK\r\n", DEFAULT_WAIT).await?;
    }
    Ok(c.expect(b"PONG\r\n", DEFAULT_WAIT).await?)
}

#[when(expr = "{string} sends {string}")]
async fn send(w: &mut NatsWorld, name: String, data: String) -> StepResult {
    let bytes = unescape(&data)?;
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Sends a docstring; each line ends with CRLF, and escapes still apply.
#[when(expr = "{string} sends the lines:")]
async fn send_lines(w: &mut NatsWorld, name: String, step: &Step) -> StepResult {
    let text = super::docstring(step)?;
    let mut bytes = Vec::new();
    // gherkin keeps the newline after the opening quotes and the indent before the closing ones.
    let text = text.strip_prefix('\n').unwrap_or(&text).trim_end_matches([' ', '\t']);
    for line in text.lines() {
        bytes.extend(unescape(line)?);
        bytes.extend_from_slice(b"\r\n");
    }
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Sends `PUB <subject> <n>` with an n-byte payload of `x`.
#[when(expr = "{string} publishes {int} bytes to {string}")]
async fn send_sized(w: &mut NatsWorld, name: String, n: usize, subject: String) -> StepResult {
    let mut bytes = format!("PUB {subject} {n}\r\n").into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', n));
    bytes.extend_from_slice(b"\r\n");
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Sends a line made of `n` copies of a character (no CRLF), for control-line limits.
#[when(expr = "{string} sends {int} bytes of {string}")]
async fn send_repeated(w: &mut NatsWorld, name: String, n: usize, ch: String) -> StepResult {
    let b = unescape(&ch)?;
    let bytes: Vec<u8> = b.iter().copied().cycle().take(n).collect();
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Sends the same bytes `n` times in one write (e.g. 100 PUBs).
#[when(expr = "{string} sends {string} {int} times")]
async fn send_times(w: &mut NatsWorld, name: String, data: String, n: usize) -> StepResult {
    let one = unescape(&data)?;
    let bytes: Vec<u8> = one.iter().copied().cycle().take(one.len() * n).collect();
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Closes a raw connection from the client side.
#[when(expr = "{string} disconnects")]
async fn disconnect(w: &mut NatsWorld, name: String) -> StepResult {
    if w.raws.remove(&name).is_none() {
        fail!("no raw connection '{name}'");
    }
    Ok(())
}

#[then(expr = "{string} receives {string} within {duration}")]
async fn receives(w: &mut NatsWorld, name: String, data: String, within: Dur) -> StepResult {
    let want = unescape(&data)?;
    Ok(w.raw(&name)?.expect(&want, within.0).await?)
}

#[then(expr = "{string} receives {string}")]
async fn receives_default(w: &mut NatsWorld, name: String, data: String) -> StepResult {
    let want = unescape(&data)?;
    Ok(w.raw(&name)?.expect(&want, DEFAULT_WAIT).await?)
}

#[then(expr = "{string} receives a line matching {string}")]
async fn receives_line(w: &mut NatsWorld, name: String, pattern: String) -> StepResult {
    let re = regex::Regex::new(&pattern)?;
    let line = w.raw(&name)?.read_line(DEFAULT_WAIT, !re.is_match("PING")).await?;
    if !re.is_match(&line) {
        fail!("line \"{line}\" does not match /{pattern}/");
    }
    Ok(())
}

/// Reads one `MSG`/`HMSG` frame and checks its payload.
#[then(expr = "{string} receives a message with payload {string}")]
async fn receives_msg_payload(w: &mut NatsWorld, name: String, payload: String) -> StepResult {
    let msg = w.raw(&name)?.read_msg(DEFAULT_WAIT).await?;
    let body = msg.body;
    let want = unescape(&payload)?;
    if !body.ends_with(&want) {
        fail!("payload \"{}\" does not end with \"{payload}\"", crate::raw::escape(&body));
    }
    Ok(())
}

/// Reads `n` MSG/HMSG frames from a raw connection and checks that exactly the listed
/// sids (comma separated) received them, each at least `min` times.
#[then(expr = "{string} receives {int} messages within {duration} spread over sids {string} with at least {int} each")]
async fn raw_spread(w: &mut NatsWorld, name: String, n: usize, within: Dur, sids: String, min: usize) -> StepResult {
    let c = w.raw(&name)?;
    let deadline = tokio::time::Instant::now() + within.0;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let msg = c.read_msg(left).await.map_err(|e| anyhow!("after {i} of {n} messages ({counts:?}): {e:#}"))?;
        *counts.entry(msg.sid).or_default() += 1;
    }
    let want: Vec<String> = sids.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let got: Vec<String> = counts.keys().cloned().collect();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    if got != want_sorted {
        fail!("messages went to sids {counts:?}, expected exactly {want:?}");
    }
    if let Some((sid, k)) = counts.iter().find(|(_, k)| **k < min) {
        fail!("sid {sid} got only {k} messages (< {min}); counts {counts:?}");
    }
    Ok(())
}

#[then(expr = "{string} receives no data within {duration}")]
async fn silence(w: &mut NatsWorld, name: String, quiet: Dur) -> StepResult {
    Ok(w.raw(&name)?.expect_silence(quiet.0).await?)
}

#[then(expr = "{string} is closed by the server within {duration}")]
async fn closed(w: &mut NatsWorld, name: String, within: Dur) -> StepResult {
    Ok(w.raw(&name)?.expect_closed(within.0).await?)
}

/// The connection is alive: a PING now gets a PONG as the next bytes.
#[then(expr = "{string} is still open")]
async fn still_open(w: &mut NatsWorld, name: String) -> StepResult {
    let c = w.raw(&name)?;
    c.send(b"PING\r\n").await?;
    Ok(c.expect(b"PONG\r\n", DEFAULT_WAIT).await?)
}

#[then(expr = "the INFO of {string} has field {string} equal to {string}")]
async fn info_field(w: &mut NatsWorld, name: String, path: String, value: String) -> StepResult {
    let info = w.raw(&name)?.info.clone();
    let got = crate::golden::get_path(&info, &path);
    let want = json_value(&value);
    if got != Some(&want) {
        fail!("INFO {path}: expected {want}, got {}", got.map(|g| g.to_string()).unwrap_or("nothing".into()));
    }
    Ok(())
}

#[then(expr = "the INFO of {string} has field {string} matching {string}")]
async fn info_field_matches(w: &mut NatsWorld, name: String, path: String, pattern: String) -> StepResult {
    let info = w.raw(&name)?.info.clone();
    let re = regex::Regex::new(&pattern)?;
    let got = crate::golden::get_path(&info, &path).ok_or_else(|| anyhow!("INFO has no field {path}"))?;
    let text = match got {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    if !re.is_match(&text) {
        fail!("INFO {path} = {text} does not match /{pattern}/");
    }
    Ok(())
}

#[then(expr = "the INFO of {string} has no field {string}")]
async fn info_no_field(w: &mut NatsWorld, name: String, path: String) -> StepResult {
    let info = w.raw(&name)?.info.clone();
    if let Some(v) = crate::golden::get_path(&info, &path) {
        fail!("INFO has {path} = {v}, expected no such field");
    }
    Ok(())
}
