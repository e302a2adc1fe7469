//! `report.md`: run summary, per-subsystem parity table, Go-file coverage, failures
//! and differences between targets, as aligned Markdown.
use super::coverage::Coverage;
use super::model::{fmt_duration, pct, Counts, Model};
use super::SCHEMA_VERSION;
use crate::results::{Outcome, ScenarioResult};
use std::fmt::{self, Write as _};

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// An aligned Markdown table; `right[i]` right-aligns column `i`.
fn md_table(headers: &[String], right: &[bool], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h).max(3)).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(c));
            if right.get(i).copied().unwrap_or(false) {
                let _ = write!(s, " {pad}{c} |");
            } else {
                let _ = write!(s, " {c}{pad} |");
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers);
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        if right.get(i).copied().unwrap_or(false) {
            let _ = write!(out, " {}: |", "-".repeat(w - 1));
        } else {
            let _ = write!(out, " {} |", "-".repeat(*w));
        }
    }
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

pub(super) fn subsystem_table_md(model: &Model<'_>) -> String {
    let mut headers = vec!["Subsystem".to_string(), "Scenarios".to_string()];
    let mut right = vec![false, true];
    for key in &model.keys {
        let k = md_cell(key);
        headers.push(format!("{k} pass/fail/skip"));
        headers.push(format!("{k} parity"));
        right.extend([true, true]);
    }
    let row = |name: &str, scenarios: usize, counts: &[Counts]| {
        let mut r = vec![md_cell(name), scenarios.to_string()];
        for ri in 0..model.runs.len() {
            let c = counts[ri];
            r.push(format!("{}/{}/{}", c.passed, c.failed, c.skipped));
            r.push(model.parity(counts, ri).to_string());
        }
        r
    };
    let mut rows: Vec<Vec<String>> = model
        .subsystems
        .iter()
        .enumerate()
        .map(|(si, name)| row(name, model.scenario_counts[si], &model.counts[si]))
        .collect();
    rows.push(row("total", model.total_scenarios(), &model.totals));
    md_table(&headers, &right, &rows)
}

/// A fenced code block that cannot be closed early by backticks inside `text`.
fn md_fence(text: &str, indent: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{indent}{fence}text\n");
    for line in text.lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
    let _ = writeln!(out, "{indent}{fence}");
    out
}

fn md_code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", s.replace(['\r', '\n'], " "))
    } else {
        format!("`{}`", s.replace(['\r', '\n'], " "))
    }
}

pub(super) fn render_markdown(model: &Model<'_>, cov: &Coverage, generated_at: &str) -> String {
    let mut o = String::new();
    md_into(&mut o, model, cov, generated_at).expect("writing to a String cannot fail");
    o
}

fn md_into(o: &mut String, m: &Model<'_>, cov: &Coverage, generated_at: &str) -> fmt::Result {
    writeln!(o, "# NATS conformance parity report\n")?;
    writeln!(
        o,
        "Generated {generated_at}. {} scenarios, {} target(s). Machine-readable: `report.json` (schema_version {SCHEMA_VERSION}).\n",
        m.total_scenarios(),
        m.runs.len()
    )?;

    writeln!(o, "## Targets\n")?;
    let headers: Vec<String> =
        ["Target", "Version", "Scenarios", "Passed", "Failed", "Skipped", "Unexpected", "Wall time"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let rows: Vec<Vec<String>> = m
        .runs
        .iter()
        .enumerate()
        .map(|(ri, run)| {
            let t = m.totals[ri];
            vec![
                md_code(&m.keys[ri]),
                md_cell(&run.version),
                t.total().to_string(),
                t.passed.to_string(),
                t.failed.to_string(),
                t.skipped.to_string(),
                run.violations().count().to_string(),
                fmt_duration(run.wall_time),
            ]
        })
        .collect();
    o.push_str(&md_table(&headers, &[false, false, true, true, true, true, true, true], &rows));
    writeln!(o, "\n_Unexpected_ = failures not listed as expected plus listed failures that passed.\n")?;

    writeln!(o, "## Subsystems\n")?;
    writeln!(o, "{}\n", m.oracle_note())?;
    o.push_str(&subsystem_table_md(m));

    writeln!(o, "\n## Go test coverage\n")?;
    writeln!(
        o,
        "Ported = distinct Go tests named by `@go:` tags in the scenarios that are defined in the file. \
         Est. wire-portable = the \"Est. W-able\" estimate of go-test-inventory.md §1 (±10 %). \
         `test/*.go` covers the whole `test/` folder.\n"
    )?;
    let headers: Vec<String> = ["Go file", "Tests", "Est. wire-portable", "Ported", "Coverage", "Note"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = cov
        .rows
        .iter()
        .map(|r| {
            vec![
                md_code(&r.group.file),
                r.group.tests.to_string(),
                r.group.wire_portable.to_string(),
                r.ported.len().to_string(),
                pct(r.share()),
                md_cell(r.group.note.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    let (ported, tests, wp) = cov.totals();
    rows.push(vec![
        "total".into(),
        tests.to_string(),
        wp.to_string(),
        ported.to_string(),
        pct((wp > 0).then(|| ported as f64 / wp as f64)),
        String::new(),
    ]);
    o.push_str(&md_table(&headers, &[false, true, true, true, true, false], &rows));
    if !cov.unmapped.is_empty() {
        writeln!(
            o,
            "\n`@go:` tags naming no test in the tracked files ({}): {}",
            cov.unmapped.len(),
            cov.unmapped.iter().map(|n| md_code(n)).collect::<Vec<_>>().join(", ")
        )?;
    }

    writeln!(o, "\n## Failures\n")?;
    for (ri, run) in m.runs.iter().enumerate() {
        let failed: Vec<&ScenarioResult> = run.scenarios.iter().filter(|s| s.outcome == Outcome::Failed).collect();
        let expected = failed.iter().filter(|s| s.expected_failure.is_some()).count();
        writeln!(
            o,
            "### {} — {} failed ({} expected, {} unexpected)\n",
            md_code(&m.keys[ri]),
            failed.len(),
            expected,
            failed.len() - expected
        )?;
        if failed.is_empty() {
            writeln!(o, "No failures.")?;
        }
        for s in &failed {
            let tag = match &s.expected_failure {
                Some(reason) => format!("expected failure: {}", reason.replace('\n', " ")),
                None => "**unexpected**".to_string(),
            };
            writeln!(o, "- {} — {tag}", md_code(&s.id))?;
            if let Some(msg) = s.message.as_deref().filter(|m| !m.trim().is_empty()) {
                o.push_str(&md_fence(msg, "  "));
            }
        }
        let unexpected_passes: Vec<&ScenarioResult> =
            run.scenarios.iter().filter(|s| s.outcome == Outcome::Passed && s.expected_failure.is_some()).collect();
        if !unexpected_passes.is_empty() {
            writeln!(o, "\nListed as expected failures but passed (update the expectations):\n")?;
            for s in unexpected_passes {
                writeln!(
                    o,
                    "- {} — listed because: {}",
                    md_code(&s.id),
                    s.expected_failure.as_deref().unwrap_or("").replace('\n', " ")
                )?;
            }
        }
        writeln!(o)?;
    }
    Ok(())
}
