//! Monitoring: GET an HTTP endpoint of a server and check its status, body or JSON.
use super::{json_value, StepResult};
use crate::fail;
use crate::golden::get_path;
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use cucumber::gherkin::Step;
use cucumber::{then, when};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// One HTTP/1.1 GET; returns the status and the body.
pub async fn http_get(url: &str) -> Result<(u16, String)> {
    let uri: hyper::Uri = url.parse().with_context(|| format!("bad url {url}"))?;
    let host = uri.host().ok_or_else(|| anyhow!("no host in {url}"))?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let work = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(conn);
        let req = hyper::Request::get(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
            .header(hyper::header::HOST, format!("{host}:{port}"))
            .body(Empty::<Bytes>::new())?;
        let res = sender.send_request(req).await?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await?.to_bytes();
        driver.abort();
        anyhow::Ok((status, String::from_utf8_lossy(&body).to_string()))
    };
    tokio::time::timeout(DEFAULT_WAIT, work).await.map_err(|_| anyhow!("GET {url} timed out"))?
}

fn monitor_base(w: &mut NatsWorld, server: Option<&str>) -> Result<String> {
    if w.external_url.is_some() {
        return std::env::var("NATS_MONITOR_URL")
            .map_err(|_| anyhow!("url: target: set NATS_MONITOR_URL to read monitoring endpoints"));
    }
    Ok(w.server(server)?.monitor_url())
}

async fn fetch_json(w: &mut NatsWorld, server: Option<&str>, path: &str) -> Result<serde_json::Value> {
    let url = format!("{}{path}", monitor_base(w, server)?);
    let (status, body) = http_get(&url).await?;
    serde_json::from_str(&body).with_context(|| format!("GET {url} ({status}) is not JSON: {body}"))
}

/// `of server "A"` picks a server of a scenario with several.
#[when(regex = r#"^the monitoring endpoint "([^"]*)"(?: of server "([^"]*)")? is read$"#)]
async fn read(w: &mut NatsWorld, path: String, server: String) -> StepResult {
    let v = fetch_json(w, super::process::which(&server), &path).await?;
    w.last_json = Some(v);
    Ok(())
}

/// Polls the endpoint (monitoring lags the wire a little) until the field has the value.
#[then(regex = r#"^the monitoring endpoint "([^"]*)"(?: of server "([^"]*)")? field "([^"]*)" is "([^"]*)"$"#)]
async fn field_is(w: &mut NatsWorld, path: String, server: String, field: String, value: String) -> StepResult {
    let want = json_value(&value);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let v = fetch_json(w, super::process::which(&server), &path).await?;
        let got = get_path(&v, &field).cloned();
        if got.as_ref() == Some(&want) {
            w.last_json = Some(v);
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            fail!("{path} {field}: expected {want}, got {}", got.map(|g| g.to_string()).unwrap_or("nothing".into()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[then(regex = r#"^the monitoring endpoint "([^"]*)"(?: of server "([^"]*)")? answers with status (\d+)$"#)]
async fn status_is(w: &mut NatsWorld, path: String, server: String, code: u16) -> StepResult {
    let url = format!("{}{path}", monitor_base(w, super::process::which(&server))?);
    let (status, body) = http_get(&url).await?;
    if status != code {
        fail!("GET {url}: expected status {code}, got {status}: {body}");
    }
    Ok(())
}

/// GETs a monitoring path and checks the status and that the body contains a text.
#[then(
    regex = r#"^the monitoring endpoint "([^"]*)"(?: of server "([^"]*)")? answers with status (\d+) and a body containing "([^"]*)"$"#
)]
async fn status_and_body(w: &mut NatsWorld, path: String, server: String, code: u16, text: String) -> StepResult {
    let base = w.server(super::process::which(&server))?.monitor_url();
    let url = format!("{base}{path}");
    let (status, body) = http_get(&url).await?;
    if status != code || !body.contains(&text) {
        fail!("GET {url}: expected status {code} and a body with \"{text}\", got {status}: {body}");
    }
    Ok(())
}

/// Polls the endpoint (3s, or the stated bound) until its JSON includes the docstring's
/// JSON (see `api::json_includes`: objects by key, a `null` also matching a missing key,
/// list items in any order); the matching body becomes the last JSON reply.
#[then(regex = r#"^the monitoring endpoint "([^"]*)"(?: of server "([^"]*)")? includes(?: within (\d+(?:ms|s|m)))?:$"#)]
async fn includes(w: &mut NatsWorld, path: String, server: String, within: String, step: &Step) -> StepResult {
    let want = super::api::docstring_json(step)?;
    let bound = if within.is_empty() {
        Duration::from_secs(3)
    } else {
        within.parse::<super::Dur>().map_err(|e| anyhow!(e))?.0
    };
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let why = match fetch_json(w, super::process::which(&server), &path).await {
            Ok(v) => match super::api::json_includes(&v, &want) {
                Ok(()) => {
                    w.last_json = Some(v);
                    return Ok(());
                }
                Err(why) => format!("{why}\n{path}: {v}"),
            },
            Err(e) => format!("{e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            fail!("{path} did not include {want} within {bound:?}: {why}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
