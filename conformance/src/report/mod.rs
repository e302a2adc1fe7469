//! Parity reports built from one or more [`TargetRun`]s: Markdown, JSON, JUnit XML (one file
//! per target) and one self-contained HTML page.
//!
//! Parity, per subsystem and target, is the number of scenarios passing on the target divided
//! by the number passing on the Go oracle (the run whose target name is `go`). Without a `go`
//! run, or when nothing passes on `go`, parity is reported as not applicable, never guessed.
//!
//! Go-file coverage counts the distinct Go tests named by `@go:TestName` tags that are defined
//! in each nats-server test file, against that file's estimated number of wire-portable tests.
//! The data (test names per file and the per-file estimates) is compiled in from
//! `conformance/data/`; see [`GoCoverageIndex`].
//!
//! `model` merges the runs, `coverage` maps them onto Go test files, and `markdown`, `json`,
//! `junit` and `html` each render one format from those two; `terminal` renders what a run
//! prints at its end.
mod coverage;
mod html;
mod json;
mod junit;
mod markdown;
mod model;
mod terminal;
#[cfg(test)]
mod tests;

pub use coverage::{GoCoverageIndex, GoFileGroup};
pub use model::{Counts, Parity};

use crate::results::TargetRun;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The subsystems every report shows, in this order, even when they have no scenarios.
pub const SUBSYSTEMS: [&str; 9] =
    ["core", "accounts", "jetstream", "filestore", "cluster", "norace", "trace", "reload", "events"];

/// The target name of the Go oracle run.
pub const ORACLE_TARGET: &str = "go";

/// Version of the `report.json` layout; bump it on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Writes `report.md`, `report.json`, `report.html` and `junit-<target>.xml` per run into
/// `out_dir` (created if missing).
pub fn write_reports(runs: &[TargetRun], out_dir: &Path, coverage: &GoCoverageIndex) -> Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating report directory {}", out_dir.display()))?;
    let model = model::Model::new(runs);
    let cov = coverage::Coverage::compute(&model, coverage);
    let generated_at = utc_now_rfc3339();

    let write = |name: &str, text: String| -> Result<()> {
        let path = out_dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write("report.md", markdown::render_markdown(&model, &cov, &generated_at))?;
    let json = serde_json::to_string_pretty(&json::json_report(&model, &cov, &generated_at))
        .context("serialising report.json")?;
    write("report.json", json + "\n")?;
    write("report.html", html::render_html(&model, &cov, &generated_at))?;
    for (i, file) in junit::junit_file_names(&model.keys).iter().enumerate() {
        write(file, junit::render_junit(&model, i))?;
    }
    Ok(())
}

/// The per-subsystem table alone (passed/failed/skipped and parity per target), as aligned
/// Markdown suitable for a terminal.
pub fn markdown_summary(runs: &[TargetRun]) -> String {
    markdown::subsystem_table_md(&model::Model::new(runs))
}

/// The per-subsystem table for the terminal: each target's parity with a bar
/// (`████████░░  83.4%`) and its passed/failed/skipped counts.
pub fn terminal_summary(runs: &[TargetRun]) -> String {
    terminal::parity_table(&model::Model::new(runs))
}

/// The unexpected failures and passes of all runs grouped by subsystem, each failure
/// with the scenario folder to look in; empty when every result met its expectation.
pub fn failures_by_subsystem(runs: &[TargetRun]) -> String {
    terminal::failures_by_subsystem(&model::Model::new(runs))
}

/// Escapes text for XML or HTML content and (double- or single-quoted) attribute values.
/// Characters XML 1.0 does not allow (most C0 controls, e.g. terminal colour escapes in
/// server logs, plus DEL and C1 controls) are written out visibly as `\xNN` / `\u{NNNN}`.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A target name made safe for a file name: `bin:/x/y` → `bin_x_y`.
pub fn sanitize_file_name(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for c in target.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        "target".to_string()
    } else {
        trimmed.to_string()
    }
}

fn utc_now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
