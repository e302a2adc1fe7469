//! Auth, monitoring and config steps: nkey and URL-credential clients, rejected
//! connects, list checks on JSON replies, monitoring status with body text, and extra
//! files next to a server's config (for `include`).
use super::StepResult;
use super::{docstring, json_value};
use crate::fail;
use crate::golden::get_path;
use crate::world::NatsWorld;
use anyhow::{anyhow, Result};
use cucumber::gherkin::Step;
use cucumber::{given, then};

/// Options for credentials written as in a URL's user info: `user:pass` is a user
/// and password (the password may be empty), anything else is a token. (async-nats
/// does not read credentials from the URL itself, so they are passed as options.)
fn url_creds(creds: &str) -> async_nats::ConnectOptions {
    match creds.split_once(':') {
        Some((user, pass)) => async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into()),
        None => async_nats::ConnectOptions::with_token(creds.into()),
    }
}

#[given(expr = "a client {string} with nkey seed {string}")]
async fn a_client_nkey(w: &mut NatsWorld, name: String, seed: String) -> StepResult {
    Ok(super::client::connect(w, &name, None, async_nats::ConnectOptions::with_nkey(seed)).await?)
}

#[then(expr = "a client with nkey seed {string} is rejected")]
async fn nkey_rejected(w: &mut NatsWorld, seed: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(super::client::expect_rejected(url, async_nats::ConnectOptions::with_nkey(seed)).await?)
}

#[then(expr = "a client with token {string} is rejected")]
async fn token_rejected(w: &mut NatsWorld, token: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(super::client::expect_rejected(url, async_nats::ConnectOptions::with_token(token)).await?)
}

#[then(expr = "a client without credentials is rejected")]
async fn anonymous_rejected(w: &mut NatsWorld) -> StepResult {
    let url = w.url_of(None)?;
    Ok(super::client::expect_rejected(url, async_nats::ConnectOptions::new()).await?)
}

/// Credentials in the URL, as `user:pass` or a bare token.
#[given(expr = "a client {string} with URL credentials {string}")]
async fn a_client_url_creds(w: &mut NatsWorld, name: String, creds: String) -> StepResult {
    Ok(super::client::connect(w, &name, None, url_creds(&creds)).await?)
}

#[then(expr = "a client with URL credentials {string} is rejected")]
async fn url_creds_rejected(w: &mut NatsWorld, creds: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(super::client::expect_rejected(url, url_creds(&creds)).await?)
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

/// GETs a monitoring path and checks the status and that the body contains a text.
#[then(expr = "the monitoring endpoint {string} answers with status {int} and a body containing {string}")]
async fn status_and_body(w: &mut NatsWorld, path: String, code: u16, text: String) -> StepResult {
    let base = w.server(None)?.monitor_url();
    let url = format!("{base}{path}");
    let (status, body) = super::monitor::http_get(&url).await?;
    if status != code || !body.contains(&text) {
        fail!("GET {url}: expected status {code} and a body with \"{text}\", got {status}: {body}");
    }
    Ok(())
}

/// Writes a file into the folder of the next server a scenario starts or has refused
/// (`S`, or `refused<n>`), where the config's relative `include` paths resolve.
#[given(expr = "the file {string} in the server folder contains:")]
async fn server_file(w: &mut NatsWorld, file: String, step: &Step) -> StepResult {
    w.require_process("writing a file for the server")?;
    if file.contains("..") || file.starts_with('/') {
        fail!("file name '{file}' must stay inside the server folder");
    }
    let text = docstring(step)?;
    let n = w.servers.len();
    for folder in ["S".to_string(), format!("refused{n}")] {
        let dir = w.dir.join(folder);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(&file), &text)?;
    }
    Ok(())
}
