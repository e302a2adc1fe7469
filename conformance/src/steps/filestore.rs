//! File store steps: storing many sized messages, looking for plaintext in the store
//! files (encryption at rest), counting store files, damaging the last block relative to
//! its end, and copying or planting files in a server's store dir.
use super::StepResult;
use crate::fail;
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use cucumber::{given, then, when};
use std::path::{Path, PathBuf};

/// `the server` or `the server "A"`.
fn which(name: &str) -> Option<&str> {
    (!name.is_empty()).then_some(name)
}

/// Every regular file under a directory, recursively.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        if p.is_dir() {
            all_files(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// Files matching a store-relative path whose last part may hold `*`, sorted with the
/// numbers in their names compared as numbers (`2.blk` before `10.blk`).
fn matching(w: &mut NatsWorld, server: &str, rel: &str) -> Result<Vec<PathBuf>> {
    let full = w.server(which(server))?.store_dir.join(rel);
    let parent = full.parent().ok_or_else(|| anyhow!("bad path {rel}"))?.to_path_buf();
    let pattern = full.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    let re = regex::Regex::new(&format!("^{}$", regex::escape(&pattern).replace(r"\*", ".*")))?;
    let Ok(dir) = std::fs::read_dir(&parent) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<PathBuf> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| re.is_match(&n.to_string_lossy())))
        .collect();
    let key = |p: &PathBuf| {
        let n = p.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let digits: String = n.chars().take_while(|c| c.is_ascii_digit()).collect();
        (digits.parse::<u64>().unwrap_or(u64::MAX), n)
    };
    found.sort_by_key(key);
    Ok(found)
}

fn last_match(w: &mut NatsWorld, server: &str, rel: &str) -> Result<PathBuf> {
    matching(w, server, rel)?.pop().ok_or_else(|| anyhow!("no store file matches {rel}"))
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

fn files_containing(w: &mut NatsWorld, server: &str, text: &str) -> Result<Vec<String>> {
    let s = w.server(which(server))?;
    let root = s.store_dir.clone();
    let mut files = Vec::new();
    all_files(&root, &mut files)?;
    let needle = text.as_bytes();
    let mut hits = Vec::new();
    for f in files {
        let data = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
        if !needle.is_empty() && data.windows(needle.len()).any(|win| win == needle) {
            hits.push(f.strip_prefix(&root).unwrap_or(&f).display().to_string());
        }
    }
    Ok(hits)
}

/// Encryption at rest: the text appears in no file under the server's store dir.
#[then(regex = r#"^no store file of the server(?: "([^"]*)")? contains "([^"]*)"$"#)]
async fn no_file_contains(w: &mut NatsWorld, server: String, text: String) -> StepResult {
    w.require_process("reading store files")?;
    let hits = files_containing(w, &server, &text)?;
    if !hits.is_empty() {
        fail!("\"{text}\" is stored in plain text in {hits:?}");
    }
    Ok(())
}

/// The control case: without encryption (and compression) the text is on disk.
#[then(regex = r#"^a store file of the server(?: "([^"]*)")? contains "([^"]*)"$"#)]
async fn some_file_contains(w: &mut NatsWorld, server: String, text: String) -> StepResult {
    w.require_process("reading store files")?;
    if files_containing(w, &server, &text)?.is_empty() {
        fail!("no store file contains \"{text}\"");
    }
    Ok(())
}

/// Counts files matching a store-relative path (`*` in the last part).
#[then(regex = r#"^the server(?: "([^"]*)")? has (at least |at most )?(\d+) store files? matching "([^"]*)"$"#)]
async fn count_files(w: &mut NatsWorld, server: String, how: String, n: usize, rel: String) -> StepResult {
    w.require_process("reading store files")?;
    let found = matching(w, &server, &rel)?;
    let ok = match how.trim() {
        "at least" => found.len() >= n,
        "at most" => found.len() <= n,
        _ => found.len() == n,
    };
    if !ok {
        let names: Vec<String> =
            found.iter().filter_map(|p| p.file_name().map(|f| f.to_string_lossy().to_string())).collect();
        fail!("expected {how}{n} files matching {rel}, found {}: {names:?}", found.len());
    }
    Ok(())
}

/// Cuts `n` bytes off the end of the last (highest numbered) matching file: what a crash
/// in the middle of a write leaves behind.
#[when(regex = r#"^the last store file "([^"]*)" of the server(?: "([^"]*)")? loses its last (\d+) bytes$"#)]
async fn cut_tail(w: &mut NatsWorld, rel: String, server: String, n: u64) -> StepResult {
    w.require_process("store file damage")?;
    let p = last_match(w, &server, &rel)?;
    let len = std::fs::metadata(&p)?.len();
    if n > len {
        fail!("{} has only {len} bytes", p.display());
    }
    std::fs::OpenOptions::new().write(true).open(&p)?.set_len(len - n)?;
    Ok(())
}

/// Flips every bit of `count` bytes, `back` bytes before the end of the last matching file.
#[when(
    regex = r#"^the last store file "([^"]*)" of the server(?: "([^"]*)")? is corrupted (\d+) bytes before its end for (\d+) bytes$"#
)]
async fn corrupt_tail(w: &mut NatsWorld, rel: String, server: String, back: usize, count: usize) -> StepResult {
    w.require_process("store file damage")?;
    let p = last_match(w, &server, &rel)?;
    let mut data = std::fs::read(&p)?;
    if back > data.len() || count > back {
        fail!("{} has {} bytes; cannot flip {count} bytes {back} before its end", p.display(), data.len());
    }
    let start = data.len() - back;
    for b in &mut data[start..start + count] {
        *b = !*b;
    }
    std::fs::write(&p, data)?;
    Ok(())
}

/// Saves a store file (first match) under another store-relative name, e.g. to put a
/// stale `index.db` back later.
#[when(regex = r#"^the store file "([^"]*)" of the server(?: "([^"]*)")? is copied to "([^"]*)"$"#)]
async fn copy_file(w: &mut NatsWorld, rel: String, server: String, to: String) -> StepResult {
    w.require_process("store file damage")?;
    let s = w.server(which(&server))?;
    let from = s.find_store_file(&rel)?;
    let dest = s.store_dir.join(&to);
    if let Some(p) = dest.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::copy(&from, &dest).with_context(|| format!("copying {} to {}", from.display(), dest.display()))?;
    Ok(())
}

/// Plants a file with the given text in the store dir (stray or foreign files).
#[when(regex = r#"^the store file "([^"]*)" of the server(?: "([^"]*)")? is written with "([^"]*)"$"#)]
async fn write_file(w: &mut NatsWorld, rel: String, server: String, text: String) -> StepResult {
    w.require_process("store file damage")?;
    let dest = w.server(which(&server))?.store_dir.join(&rel);
    if let Some(p) = dest.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(&dest, crate::raw::unescape(&text)?)?;
    Ok(())
}

/// Removes every file matching the pattern (e.g. all `*.blk` of a stream).
#[when(regex = r#"^every store file "([^"]*)" of the server(?: "([^"]*)")? is deleted$"#)]
async fn delete_all(w: &mut NatsWorld, rel: String, server: String) -> StepResult {
    w.require_process("store file damage")?;
    let found = matching(w, &server, &rel)?;
    if found.is_empty() {
        fail!("no store file matches {rel}");
    }
    for p in found {
        std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(())
}

/// The server process is still up (did not exit on a fatal store error).
#[then(regex = r#"^the server(?: "([^"]*)")? is running$"#)]
async fn is_running(w: &mut NatsWorld, server: String) -> StepResult {
    w.require_process("checking the server process")?;
    if !w.server(which(&server))?.is_running() {
        fail!("the server is not running\n{}", w.server(which(&server))?.log_tail(20));
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

/// Stops the server gracefully and starts it again on the same ports and store dir with
/// new scenario config lines (a key rotation, another cipher, another sync interval).
#[when(regex = r#"^the server(?: "([^"]*)")? is restarted with config:?$"#)]
async fn restart_with(w: &mut NatsWorld, server: String, step: &cucumber::gherkin::Step) -> StepResult {
    w.require_process("restarting the server with another config")?;
    let text = super::docstring(step)?;
    let s = w.server(which(&server))?;
    s.stop().await?;
    s.extra_config = text;
    Ok(s.start().await?)
}

/// Like the above after a kill -9 instead of a graceful stop.
#[when(regex = r#"^the server(?: "([^"]*)")? is killed and started with config:?$"#)]
async fn kill_restart_with(w: &mut NatsWorld, server: String, step: &cucumber::gherkin::Step) -> StepResult {
    w.require_process("restarting the server with another config")?;
    let text = super::docstring(step)?;
    let s = w.server(which(&server))?;
    s.kill();
    s.extra_config = text;
    Ok(s.start().await?)
}

/// Total size of the files matching a store-relative path (`*` in the last part): shows
/// whether sealed blocks were compressed.
#[then(regex = r#"^the store files "([^"]*)" of the server(?: "([^"]*)")? total (at least|at most) (\d+) bytes$"#)]
async fn total_size(w: &mut NatsWorld, rel: String, server: String, how: String, n: u64) -> StepResult {
    w.require_process("reading store files")?;
    let found = matching(w, &server, &rel)?;
    if found.is_empty() {
        fail!("no store file matches {rel}");
    }
    let mut total = 0;
    for p in &found {
        total += std::fs::metadata(p)?.len();
    }
    let ok = if how == "at least" { total >= n } else { total <= n };
    if !ok {
        fail!("the {} files matching {rel} total {total} bytes, expected {how} {n}", found.len());
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
