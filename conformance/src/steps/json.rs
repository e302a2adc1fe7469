//! JSON API steps: `$JS.API.*` (or any JSON request), field checks, error replies and
//! whole-reply golden files.
use super::json_value;
use super::StepResult;
use crate::fail;
use crate::golden::{assert_golden, get_path};
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Result};
use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{then, when};

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
