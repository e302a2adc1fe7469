//! JSON APIs (`$JS.API.*` or any request answered with JSON): send a request, poll one,
//! and check the last JSON reply: fields, lists, error replies, saved values and golden
//! files.
use super::{json_value, Dur, StepResult};
use crate::fail;
use crate::golden::{assert_golden, get_path};
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{then, when};
use std::time::Duration;

/// Sends a request and keeps its reply, which must be JSON, as the last JSON reply.
async fn json_request(w: &mut NatsWorld, client: &str, subject: &str, body: String) -> Result<()> {
    let c = w.client(client)?.clone();
    let reply = tokio::time::timeout(DEFAULT_WAIT, c.request(subject.to_string(), Bytes::from(body)))
        .await
        .map_err(|_| anyhow!("no reply to {subject} within {DEFAULT_WAIT:?}"))?
        .map_err(|e| anyhow!("request to {subject} failed: {e}"))?;
    let value: serde_json::Value = serde_json::from_slice(&reply.payload)
        .map_err(|e| anyhow!("reply to {subject} is not JSON ({e}): {}", String::from_utf8_lossy(&reply.payload)))?;
    w.last_json = Some(value);
    Ok(())
}

#[when(expr = "{string} sends a {string} request with:")]
async fn request_with(w: &mut NatsWorld, client: String, subject: String, step: &Step) -> StepResult {
    let body = step.docstring.clone().unwrap_or_default();
    if !body.trim().is_empty() {
        serde_json::from_str::<serde_json::Value>(&body).map_err(|e| anyhow!("request body is not JSON: {e}"))?;
    }
    Ok(json_request(w, &client, &subject, body.trim().to_string()).await?)
}

#[when(expr = "{string} sends a {string} request")]
async fn request_empty(w: &mut NatsWorld, client: String, subject: String) -> StepResult {
    Ok(json_request(w, &client, &subject, String::new()).await?)
}

/// A JSON API request that must succeed: an error reply fails the step. The reply
/// becomes the last JSON reply.
pub(super) async fn api_ok(w: &mut NatsWorld, client: &str, subject: &str, body: serde_json::Value) -> Result<()> {
    json_request(w, client, subject, body.to_string()).await?;
    if let Some(e) = w.json()?.get("error") {
        fail!("{subject} failed: {e}");
    }
    Ok(())
}

/// Requests a JSON API (empty body) until `check` accepts the reply (it says why not
/// otherwise), within `bound`; the last reply stays as the last JSON reply.
async fn poll_reply(
    w: &mut NatsWorld,
    client: &str,
    subject: &str,
    bound: Duration,
    check: impl Fn(&serde_json::Value) -> Result<(), String>,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + bound;
    let c = w.client(client)?.clone();
    loop {
        // A request can fail while a restarted server comes back, or while an asset
        // elects a leader: that is "not yet".
        let why = match tokio::time::timeout(Duration::from_secs(1), c.request(subject.to_string(), Bytes::new())).await
        {
            Ok(Ok(reply)) => {
                let v: serde_json::Value = serde_json::from_slice(&reply.payload)
                    .map_err(|e| anyhow!("reply to {subject} is not JSON ({e})"))?;
                let verdict = check(&v);
                w.last_json = Some(v);
                match verdict {
                    Ok(()) => return Ok(()),
                    Err(why) => why,
                }
            }
            Ok(Err(e)) => format!("request error: {e}"),
            Err(_) => "no reply".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            fail!("{subject} after {bound:?}: {why}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `within 10s` of a polling step, or 5 s.
fn bound_of(within: &str) -> Result<Duration> {
    Ok(if within.is_empty() { DEFAULT_WAIT } else { within.parse::<Dur>().map_err(|e| anyhow!(e))?.0 })
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
    let check = |v: &serde_json::Value| match get_path(v, &path) {
        Some(got) if got == &want => Ok(()),
        got => Err(format!("field {path} is {got:?}, expected {want}")),
    };
    Ok(poll_reply(w, &client, &subject, bound_of(&within)?, check).await?)
}

/// Requests a JSON API (empty body) until a list field of the reply has `n` items (e.g.
/// the replicas of a stream being scaled), within 5s or the stated bound.
#[when(
    regex = r#"^"([^"]*)" polls "([^"]*)" until the reply field "([^"]*)" has (\d+) items(?: within (\d+(?:ms|s|m)))?$"#
)]
async fn poll_until_items(
    w: &mut NatsWorld,
    client: String,
    subject: String,
    path: String,
    n: usize,
    within: String,
) -> StepResult {
    let check = |v: &serde_json::Value| match get_path(v, &path) {
        Some(serde_json::Value::Array(a)) if a.len() == n => Ok(()),
        got => Err(format!("field {path} is {got:?}, expected {n} items")),
    };
    Ok(poll_reply(w, &client, &subject, bound_of(&within)?, check).await?)
}

/// Requests a JSON API (empty body) until the reply includes the docstring's JSON (see
/// `json_includes`), within 5s or the stated bound.
#[when(regex = r#"^"([^"]*)" polls "([^"]*)" until the reply includes(?: within (\d+(?:ms|s|m)))?:$"#)]
async fn poll_until_includes(
    w: &mut NatsWorld,
    client: String,
    subject: String,
    within: String,
    step: &Step,
) -> StepResult {
    let want = docstring_json(step)?;
    let check = |v: &serde_json::Value| json_includes(v, &want).map_err(|why| format!("{why}\nreply: {v}"));
    Ok(poll_reply(w, &client, &subject, bound_of(&within)?, check).await?)
}

#[then(expr = "the reply field {string} is {string}")]
async fn field_is_quoted(w: &mut NatsWorld, path: String, value: String) -> StepResult {
    Ok(check_field(w, &path, serde_json::Value::String(value))?)
}

#[then(regex = r#"^the reply field "([^"]*)" is ([^"].*)$"#)]
async fn field_is(w: &mut NatsWorld, path: String, value: String) -> StepResult {
    Ok(check_field(w, &path, json_value(value.trim()))?)
}

fn check_field(w: &NatsWorld, path: &str, want: serde_json::Value) -> Result<()> {
    let got = get_path(w.json()?, path);
    if got != Some(&want) {
        fail!(
            "reply field {path}: expected {want}, got {}\nreply: {}",
            got.map(|g| g.to_string()).unwrap_or_else(|| "nothing".into()),
            w.json()?
        );
    }
    Ok(())
}

#[then(expr = "the reply has field {string}")]
async fn has_field(w: &mut NatsWorld, path: String) -> StepResult {
    Ok(get_path(w.json()?, &path)
        .map(|_| ())
        .ok_or_else(|| anyhow!("reply has no field {path}: {}", w.json().unwrap_or(&serde_json::Value::Null)))?)
}

#[then(expr = "the reply has no field {string}")]
async fn has_no_field(w: &mut NatsWorld, path: String) -> StepResult {
    match get_path(w.json()?, &path) {
        None => Ok(()),
        Some(v) => fail!("reply has {path} = {v}, expected none"),
    }
}

/// The field's value (a string, or any JSON shown as text) matches a regex.
#[then(expr = "the reply field {string} matches {string}")]
async fn field_matches(w: &mut NatsWorld, path: String, pattern: String) -> StepResult {
    let re = regex::Regex::new(&pattern)?;
    let v = w.json()?;
    let got = get_path(v, &path).ok_or_else(|| anyhow!("reply has no field {path}: {v}"))?;
    let text = match got {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if !re.is_match(&text) {
        fail!("reply field {path} = {text} does not match /{pattern}/");
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

/// Numbers that vary with timing but have a floor (e.g. `total_connections`).
#[then(expr = "the reply number {string} is at least {int}")]
async fn at_least(w: &mut NatsWorld, path: String, n: i64) -> StepResult {
    let v = w.json()?;
    match get_path(v, &path).and_then(|x| x.as_i64()) {
        Some(got) if got >= n => Ok(()),
        Some(got) => fail!("reply field {path} is {got}, expected at least {n}"),
        None => fail!("reply field {path} is not a number: {v}"),
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

fn list<'a>(w: &'a NatsWorld, path: &str) -> Result<&'a Vec<serde_json::Value>> {
    let v = w.json()?;
    match get_path(v, path) {
        Some(serde_json::Value::Array(a)) => Ok(a),
        Some(other) => Err(anyhow!("reply field {path} is not a list: {other}")),
        None => Err(anyhow!("reply has no field {path}: {v}")),
    }
}

#[then(expr = "the reply field {string} has {int} items")]
async fn list_len(w: &mut NatsWorld, path: String, n: usize) -> StepResult {
    let a = list(w, &path)?;
    if a.len() != n {
        fail!("reply field {path} has {} items, expected {n}: {}", a.len(), serde_json::Value::Array(a.clone()));
    }
    Ok(())
}

/// A list of plain values contains the value (JSON literal or text).
#[then(expr = "the reply field {string} contains {string}")]
async fn list_contains(w: &mut NatsWorld, path: String, value: String) -> StepResult {
    let a = list(w, &path)?;
    let want = json_value(&value);
    if !a.iter().any(|x| x == &want || x.as_str() == Some(value.as_str())) {
        fail!("reply field {path} does not contain {want}: {}", serde_json::Value::Array(a.clone()));
    }
    Ok(())
}

#[then(expr = "the reply field {string} does not contain {string}")]
async fn list_not_contains(w: &mut NatsWorld, path: String, value: String) -> StepResult {
    let a = list(w, &path)?;
    let want = json_value(&value);
    if a.iter().any(|x| x == &want || x.as_str() == Some(value.as_str())) {
        fail!("reply field {path} contains {want}: {}", serde_json::Value::Array(a.clone()));
    }
    Ok(())
}

fn entry_matches(entry: &serde_json::Value, key: &str, value: &str) -> bool {
    match get_path(entry, key) {
        Some(v) => v == &json_value(value) || v.as_str() == Some(value),
        None => false,
    }
}

/// A list of objects has one whose field `key` equals the value.
#[then(expr = "the reply list {string} has an entry with {string} equal to {string}")]
async fn list_has_entry(w: &mut NatsWorld, path: String, key: String, value: String) -> StepResult {
    let a = list(w, &path)?;
    if !a.iter().any(|e| entry_matches(e, &key, &value)) {
        fail!("no entry of {path} has {key} = {value}: {}", serde_json::Value::Array(a.clone()));
    }
    Ok(())
}

#[then(expr = "the reply list {string} has no entry with {string} equal to {string}")]
async fn list_has_no_entry(w: &mut NatsWorld, path: String, key: String, value: String) -> StepResult {
    let a = list(w, &path)?;
    if let Some(e) = a.iter().find(|e| entry_matches(e, &key, &value)) {
        fail!("an entry of {path} has {key} = {value}: {e}");
    }
    Ok(())
}

/// The entry of a list whose `key` equals `value` has field `field` equal to `want`.
#[then(expr = "the reply list {string} entry with {string} equal to {string} has {string} equal to {string}")]
async fn list_entry_field(
    w: &mut NatsWorld,
    path: String,
    key: String,
    value: String,
    field: String,
    want: String,
) -> StepResult {
    let a = list(w, &path)?;
    let e = a
        .iter()
        .find(|e| entry_matches(e, &key, &value))
        .ok_or_else(|| anyhow!("no entry of {path} has {key} = {value}: {}", serde_json::Value::Array(a.clone())))?;
    if !entry_matches(e, &field, &want) {
        fail!("entry of {path} with {key} = {value}: expected {field} = {want}, got {e}");
    }
    Ok(())
}

/// Checks an API error exactly: HTTP-like `code`, NATS `err_code` and `description`.
#[then(expr = "the reply is an error with code {int}, err_code {int} and description {string}")]
async fn api_error(w: &mut NatsWorld, code: i64, err_code: i64, description: String) -> StepResult {
    let err = get_path(w.json()?, "error")
        .ok_or_else(|| anyhow!("reply is not an error: {}", w.json().unwrap_or(&serde_json::Value::Null)))?;
    let want = serde_json::json!({"code": code, "err_code": err_code, "description": description});
    if err != &want {
        fail!("error reply: expected {want}, got {err}");
    }
    Ok(())
}

/// Values a scenario saved from a reply, by run, scenario and name.
fn saved() -> &'static std::sync::Mutex<std::collections::HashMap<String, serde_json::Value>> {
    static SAVED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, serde_json::Value>>> =
        std::sync::OnceLock::new();
    SAVED.get_or_init(Default::default)
}

fn saved_key(w: &NatsWorld, name: &str) -> Result<String> {
    Ok(format!("{}|{}|{name}", w.ctx.run_root.display(), w.entry()?.id))
}

/// Keeps a field of the last JSON reply (e.g. the whole `state` before a restart).
#[when(expr = "the value of the reply field {string} is saved as {string}")]
#[then(expr = "the value of the reply field {string} is saved as {string}")]
async fn save_field(w: &mut NatsWorld, path: String, name: String) -> StepResult {
    let json = w.json()?;
    let v =
        crate::golden::get_path(json, &path).cloned().ok_or_else(|| anyhow!("reply has no field {path}: {json}"))?;
    let key = saved_key(w, &name)?;
    saved().lock().map_err(|_| anyhow!("saved values poisoned"))?.insert(key, v);
    Ok(())
}

/// The field of the last JSON reply equals a saved value exactly.
#[then(expr = "the reply field {string} equals the saved {string}")]
async fn equals_saved(w: &mut NatsWorld, path: String, name: String) -> StepResult {
    let key = saved_key(w, &name)?;
    let want = saved()
        .lock()
        .map_err(|_| anyhow!("saved values poisoned"))?
        .get(&key)
        .cloned()
        .ok_or_else(|| anyhow!("nothing saved as \"{name}\""))?;
    let json = w.json()?;
    let got = crate::golden::get_path(json, &path);
    if got != Some(&want) {
        fail!(
            "reply field {path} is {}, saved \"{name}\" is {want}",
            got.map(|g| g.to_string()).unwrap_or("nothing".into())
        );
    }
    Ok(())
}

fn golden_check(w: &NatsWorld, name: &str, ignore: &[String]) -> Result<()> {
    let e = w.entry()?;
    let snapshot = format!("{}__{}__{}", e.feature_stem, e.slug, crate::catalog::slug(name));
    let subsystem = e.subsystem.clone();
    assert_golden(&subsystem, &snapshot, w.json()?, ignore)
}

#[then(expr = "the reply matches golden {string}")]
async fn golden(w: &mut NatsWorld, name: String) -> StepResult {
    Ok(golden_check(w, &name, &[])?)
}

/// Like the above, with extra dotted paths redacted (comma separated).
#[then(expr = "the reply matches golden {string} ignoring {string}")]
async fn golden_ignoring(w: &mut NatsWorld, name: String, paths: String) -> StepResult {
    let ignore: Vec<String> = paths.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    Ok(golden_check(w, &name, &ignore)?)
}

/// Whether `actual` includes `expected`: objects by every expected key (a `null`
/// expected also matches a missing key), arrays by every expected item matching a
/// distinct actual item in any order, anything else by equality. On a mismatch,
/// says where.
pub(crate) fn json_includes(actual: &serde_json::Value, expected: &serde_json::Value) -> Result<(), String> {
    includes_at(actual, expected, "")
}

fn includes_at(actual: &serde_json::Value, expected: &serde_json::Value, at: &str) -> Result<(), String> {
    use serde_json::Value;
    let here = if at.is_empty() { "the top level" } else { at };
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (k, w) in want {
                let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                match got.get(k) {
                    None if w.is_null() => {}
                    None => return Err(format!("{path} is missing, expected {w}")),
                    Some(g) => includes_at(g, w, &path)?,
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) => {
            let mut used = vec![false; got.len()];
            for (i, w) in want.iter().enumerate() {
                let found = got.iter().enumerate().position(|(j, g)| !used[j] && includes_at(g, w, "").is_ok());
                match found {
                    Some(j) => used[j] = true,
                    None => return Err(format!("{here}: no item matches {w} (item {i} expected) in {actual}")),
                }
            }
            Ok(())
        }
        (w, g) if w == g => Ok(()),
        (w, g) => Err(format!("{here} is {g}, expected {w}")),
    }
}

/// The JSON a step's docstring holds.
pub(crate) fn docstring_json(step: &Step) -> Result<serde_json::Value> {
    let text = super::docstring(step)?;
    serde_json::from_str(&text).map_err(|e| anyhow!("the docstring is not JSON ({e}): {text}"))
}

/// The last JSON reply includes the docstring's JSON (see `json_includes`).
#[then(expr = "the reply includes:")]
async fn reply_includes(w: &mut NatsWorld, step: &Step) -> StepResult {
    let want = docstring_json(step)?;
    let got = w.json()?;
    if let Err(why) = json_includes(got, &want) {
        fail!("{why}\nreply: {got}");
    }
    Ok(())
}

/// The payload of a message a subscription received, as JSON.
fn message_json(name: &str, m: &async_nats::Message) -> Result<serde_json::Value> {
    serde_json::from_slice(&m.payload)
        .map_err(|e| anyhow!("a message on '{name}' is not JSON ({e}): {}", String::from_utf8_lossy(&m.payload)))
}

/// The last message a subscription received (e.g. a reply or an advisory) is JSON that
/// includes the docstring's JSON; it becomes the last JSON reply.
#[then(expr = "the last message on {string} is JSON including:")]
async fn last_message_includes(w: &mut NatsWorld, name: String, step: &Step) -> StepResult {
    let want = docstring_json(step)?;
    let m = w.sub(&name)?.received.last().cloned().ok_or_else(|| anyhow!("'{name}' has received nothing"))?;
    let got = message_json(&name, &m)?;
    if let Err(why) = json_includes(&got, &want) {
        fail!("{why}\nmessage: {got}");
    }
    w.last_json = Some(got);
    Ok(())
}

/// Every message a subscription received so far (e.g. the replies of a request every
/// server answers) is JSON that includes the docstring's JSON.
#[then(expr = "every message on {string} is JSON including:")]
async fn every_message_includes(w: &mut NatsWorld, name: String, step: &Step) -> StepResult {
    let want = docstring_json(step)?;
    let received = w.sub(&name)?.received.clone();
    if received.is_empty() {
        fail!("'{name}' has received nothing");
    }
    for (i, m) in received.iter().enumerate() {
        let got = message_json(&name, m)?;
        if let Err(why) = json_includes(&got, &want) {
            fail!("message {} of {} on '{name}': {why}\nmessage: {got}", i + 1, received.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::json_includes;
    use serde_json::json;

    #[test]
    fn inclusion_by_keys_items_and_nulls() {
        let got = json!({"a": 1, "b": {"c": [ {"n": "A", "x": true}, {"n": "B"} ], "d": "e"}});
        assert!(json_includes(&got, &json!({"a": 1})).is_ok());
        assert!(json_includes(&got, &json!({"b": {"c": [{"n": "B"}, {"n": "A", "x": true}]}})).is_ok());
        assert!(json_includes(&got, &json!({"b": {"c": [{"n": "B", "x": null}]}})).is_ok());
        assert!(json_includes(&got, &json!({"zz": null})).is_ok());
        assert!(json_includes(&got, &json!({"b": {"c": [{"n": "A"}, {"n": "A"}]}})).is_err());
        assert!(json_includes(&got, &json!({"a": 2})).unwrap_err().contains("a is 1, expected 2"));
        assert!(json_includes(&got, &json!({"b": {"d": null}})).unwrap_err().contains("b.d"));
        assert!(json_includes(&got, &json!({"q": 1})).unwrap_err().contains("q is missing"));
    }
}
