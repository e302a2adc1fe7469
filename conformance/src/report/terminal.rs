//! The summary printed on the terminal at the end of a run, to read at a glance: parity
//! per subsystem with a bar, and the failures grouped by subsystem with the scenario
//! folder to look in.
use super::model::{Counts, Model, Parity};
use super::ORACLE_TARGET;
use crate::results::Outcome;
use std::fmt::Write as _;

/// Cells of a parity bar.
const BAR_WIDTH: usize = 10;

/// Longest first line of a failure message shown in the grouped list.
const REASON_CHARS: usize = 110;

/// `████████░░` for 83.4%: full cells for every whole tenth; blank for no parity.
pub(super) fn parity_bar(p: Parity) -> String {
    match p.value() {
        Some(v) => {
            let full = ((v.clamp(0.0, 1.0) * BAR_WIDTH as f64).floor() as usize).min(BAR_WIDTH);
            format!("{}{}", "█".repeat(full), "░".repeat(BAR_WIDTH - full))
        }
        None => " ".repeat(BAR_WIDTH),
    }
}

fn cell(p: Parity, c: Counts) -> String {
    let pct = match p.value() {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "n/a".into(),
    };
    let mut s = format!("{} {pct:>6}  {}/{}/{}", parity_bar(p), c.passed, c.failed, c.skipped);
    match p {
        Parity::Ratio { .. } => {}
        Parity::NoGoRun => s.push_str(" (no go run)"),
        Parity::NothingPassesOnGo { .. } => s.push_str(" (none pass on go)"),
        Parity::NotRun => s.push_str(" (not run)"),
    }
    s
}

/// The per-subsystem table: each target's parity as a bar and a percentage, then its
/// passed/failed/skipped counts. Subsystems without scenarios are left out.
pub(super) fn parity_table(m: &Model<'_>) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["subsystem".to_string(), "scenarios".to_string()];
    header.extend(m.keys.iter().cloned());
    rows.push(header);
    let row = |name: &str, n: usize, counts: &[Counts]| {
        let mut r = vec![name.to_string(), n.to_string()];
        r.extend((0..m.runs.len()).map(|ri| cell(m.parity(counts, ri), counts[ri])));
        r
    };
    for (si, name) in m.subsystems.iter().enumerate() {
        if m.scenario_counts[si] > 0 {
            rows.push(row(name, m.scenario_counts[si], &m.counts[si]));
        }
    }
    rows.push(row("total", m.total_scenarios(), &m.totals));

    let width = |s: &str| s.chars().count();
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|i| rows.iter().map(|r| width(&r[i])).max().unwrap_or(0)).collect();
    let mut out = match m.oracle {
        Some(_) => format!(
            "Parity per subsystem: scenarios passing on the target ÷ passing on {ORACLE_TARGET}; then passed/failed/skipped.\n\n"
        ),
        None => format!("Per subsystem: passed/failed/skipped (parity needs a {ORACLE_TARGET} run).\n\n"),
    };
    for (ri, r) in rows.iter().enumerate() {
        if ri == rows.len() - 1 {
            let rule: usize = widths.iter().sum::<usize>() + 3 * (cols - 1);
            let _ = writeln!(out, "{}", "─".repeat(rule));
        }
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(c));
            if i == 1 {
                let _ = write!(line, "{pad}{c}");
            } else {
                let _ = write!(line, "{c}{pad}");
            }
            if i + 1 < cols {
                line.push_str("   ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// Every result that breaks its target's expectations, grouped by subsystem: each
/// failure with the first line of its reason and the folder it left behind; each
/// unexpected pass with what to do. Empty when there are none.
pub(super) fn failures_by_subsystem(m: &Model<'_>) -> String {
    let mut out = String::new();
    let mut total = 0;
    for sub in &m.subsystems {
        let mut lines = Vec::new();
        for sc in m.scenarios.iter().filter(|s| s.subsystem == sub) {
            for (ri, r) in sc.results.iter().enumerate() {
                let Some(r) = r.filter(|r| !r.meets_expectation()) else { continue };
                let on = &m.keys[ri];
                if r.outcome == Outcome::Passed {
                    lines.push(format!(
                        "    PASS {} on {on}: listed as an expected failure; remove it from the expectations file",
                        r.id
                    ));
                    continue;
                }
                let reason = r.message.as_deref().and_then(|m| m.lines().find(|l| !l.trim().is_empty()));
                match reason {
                    Some(reason) => lines.push(format!("    FAIL {} on {on}: {}", r.id, shorten(reason.trim()))),
                    None => lines.push(format!("    FAIL {} on {on}", r.id)),
                }
                if let Some(dir) = &r.folder {
                    lines.push(format!("         folder: {dir}"));
                }
            }
        }
        let n = lines.iter().filter(|l| !l.starts_with("         ")).count();
        if n > 0 {
            total += n;
            let _ = writeln!(out, "  {sub}: {n}");
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
    }
    if total == 0 {
        return String::new();
    }
    format!("Unmet expectations by subsystem ({total}):\n{out}")
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= REASON_CHARS {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(REASON_CHARS - 1).collect::<String>())
    }
}
