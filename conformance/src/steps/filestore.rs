//! The JetStream file store on disk: look for plaintext in store files (encryption at
//! rest), count and measure them, and damage, copy, plant or delete them.
use super::process::which;
use super::StepResult;
use crate::fail;
use crate::world::NatsWorld;
use anyhow::{anyhow, Context, Result};
use cucumber::{then, when};
use std::path::{Path, PathBuf};

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

#[when(regex = r#"^the store file "([^"]*)" of the server(?: "([^"]*)")? is truncated to (\d+) bytes$"#)]
async fn truncate(w: &mut NatsWorld, file: String, name: String, len: u64) -> StepResult {
    w.require_process("store file damage")?;
    Ok(w.server(which(&name))?.truncate_store_file(&file, len)?)
}

#[when(
    regex = r#"^the store file "([^"]*)" of the server(?: "([^"]*)")? is corrupted at offset (\d+) for (\d+) bytes$"#
)]
async fn corrupt(w: &mut NatsWorld, file: String, name: String, offset: u64, count: usize) -> StepResult {
    w.require_process("store file damage")?;
    Ok(w.server(which(&name))?.corrupt_store_file(&file, offset, count)?)
}

#[when(regex = r#"^the store file "([^"]*)" of the server(?: "([^"]*)")? is deleted$"#)]
async fn delete_file(w: &mut NatsWorld, file: String, name: String) -> StepResult {
    w.require_process("store file damage")?;
    let p = w.server(which(&name))?.find_store_file(&file)?;
    std::fs::remove_file(p)?;
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
