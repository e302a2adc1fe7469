//! `report.html`: one self-contained page (no external resources) with summary bars,
//! parity, Go-file coverage and a filterable, sortable scenario table. Its stylesheet and
//! script are `report.css` and `report.js`, compiled in.
use super::coverage::{Coverage, GO_COVERAGE_SOURCE};
use super::escape_xml;
use super::model::{fmt_duration, pct, Counts, Model, Parity};
use super::{ORACLE_TARGET, SCHEMA_VERSION};
use crate::results::{Outcome, ScenarioResult};
use std::fmt::{self, Write as _};

const CSS: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

pub(super) fn render_html(m: &Model<'_>, cov: &Coverage, generated_at: &str) -> String {
    let mut o = String::new();
    html_into(&mut o, m, cov, generated_at).expect("writing to a String cannot fail");
    o
}

/// Stacked pass / expected-fail / fail / skip bar, widths as shares of `total`.
fn html_bar(o: &mut String, passed: usize, xfail: usize, failed: usize, skipped: usize, total: usize) -> fmt::Result {
    let w = |n: usize| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    write!(
        o,
        r#"<div class="bar" role="img" aria-label="{passed} passed, {failed} failed ({xfail} expected), {skipped} skipped">"#
    )?;
    for (class, n, label) in [
        ("p", passed, "passed"),
        ("x", xfail, "failed (expected)"),
        ("f", failed - xfail.min(failed), "failed (unexpected)"),
        ("s", skipped, "skipped"),
    ] {
        if n > 0 {
            write!(o, r#"<span class="{class}" style="width:{:.3}%" title="{n} {label}"></span>"#, w(n))?;
        }
    }
    write!(o, "</div>")
}

fn html_parity(p: Parity) -> String {
    match p.value() {
        Some(_) => {
            format!(r#"<span class="par" title="{}">{}</span>"#, escape_xml(&p.to_string()), escape_xml(&p.short()))
        }
        None => format!(r#"<span class="par na">{}</span>"#, escape_xml(&p.to_string())),
    }
}

/// Expected failures per subsystem and run.
fn xfail_counts(m: &Model<'_>) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut per = vec![vec![0; m.runs.len()]; m.subsystems.len()];
    let mut tot = vec![0; m.runs.len()];
    for s in &m.scenarios {
        let si = m.subsystems.iter().position(|x| x == s.subsystem).unwrap_or(0);
        for (ri, r) in s.results.iter().enumerate() {
            if let Some(r) = r {
                if r.outcome == Outcome::Failed && r.expected_failure.is_some() {
                    per[si][ri] += 1;
                    tot[ri] += 1;
                }
            }
        }
    }
    (per, tot)
}

fn html_into(o: &mut String, m: &Model<'_>, cov: &Coverage, generated_at: &str) -> fmt::Result {
    let e = escape_xml;
    let (xf, xf_tot) = xfail_counts(m);
    writeln!(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(o, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    let title = format!("NATS conformance parity — {}", m.keys.join(", "));
    writeln!(o, "<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>", e(&title))?;
    writeln!(o, "<h1>NATS conformance parity report</h1>")?;
    writeln!(
        o,
        "<p class=\"sub\">Generated {} · {} scenarios · {} target(s) · {}</p>",
        e(generated_at),
        m.total_scenarios(),
        m.runs.len(),
        match m.oracle {
            Some(_) => format!(
                "parity = scenarios passing on the target ÷ scenarios passing on the Go oracle (<code>{ORACLE_TARGET}</code>)"
            ),
            None => format!("parity n/a: no <code>{ORACLE_TARGET}</code> run"),
        }
    )?;

    writeln!(
        o,
        "<nav><a href=\"#subsystems\">Subsystems</a><a href=\"#coverage\">Go test coverage</a><a href=\"#failures\">Failures</a><a href=\"#scenarios\">Scenarios</a></nav>"
    )?;
    // Target cards.
    writeln!(o, "<div class=\"cards\">")?;
    for (ri, run) in m.runs.iter().enumerate() {
        let t = m.totals[ri];
        writeln!(
            o,
            "<div class=\"card\"><h3>{}{}</h3><div class=\"ver\">version {}</div>",
            e(&m.keys[ri]),
            if Some(ri) == m.oracle {
                " <span class=\"tag exp\" style=\"background:#e6eefb;color:#2a4f8f\">oracle</span>"
            } else {
                ""
            },
            e(&run.version)
        )?;
        writeln!(
            o,
            "<div class=\"big\">{}</div><div class=\"note\">parity, all subsystems</div>",
            html_parity(m.parity(&m.totals, ri))
        )?;
        html_bar(o, t.passed, xf_tot[ri], t.failed, t.skipped, t.total())?;
        writeln!(
            o,
            "<div class=\"cnt\"><b class=\"p\">{} passed</b> · <b class=\"f\">{} failed</b> ({} expected) · {} skipped</div>",
            t.passed, t.failed, xf_tot[ri], t.skipped
        )?;
        writeln!(
            o,
            "<div class=\"kv\"><span>unexpected results: {}</span><span>wall time {}</span></div></div>",
            run.violations().count(),
            fmt_duration(run.wall_time)
        )?;
    }
    if m.runs.is_empty() {
        writeln!(o, "<p class=\"note\">No runs.</p>")?;
    }
    writeln!(o, "</div>")?;

    // Subsystems.
    writeln!(o, "<h2 id=\"subsystems\">Subsystems</h2>")?;
    writeln!(
        o,
        "<div class=\"legend\"><span><i style=\"background:var(--pass)\"></i>passed</span><span><i style=\"background:var(--xfail)\"></i>failed (expected)</span><span><i style=\"background:var(--fail)\"></i>failed (unexpected)</span><span><i style=\"background:var(--skip)\"></i>skipped</span></div>"
    )?;
    write!(
        o,
        "<div class=\"scroll\"><table id=\"subs\"><thead><tr><th>Subsystem</th><th class=\"num\">Scenarios</th>"
    )?;
    for key in &m.keys {
        write!(o, "<th>{}</th>", e(key))?;
    }
    writeln!(o, "</tr></thead><tbody>")?;
    let sub_row = |o: &mut String,
                   class: &str,
                   name: &str,
                   scen: usize,
                   counts: &[Counts],
                   xfs: &[usize]|
     -> fmt::Result {
        write!(o, "<tr class=\"{class}\"><td>{}</td><td class=\"num\">{scen}</td>", e(name))?;
        for ri in 0..m.runs.len() {
            let c = counts[ri];
            if scen == 0 && c.total() == 0 {
                write!(
                    o,
                    "<td><span class=\"na\">no scenarios · parity {}</span></td>",
                    e(&m.parity(counts, ri).to_string())
                )?;
                continue;
            }
            write!(o, "<td><div class=\"sb\">")?;
            html_bar(o, c.passed, xfs[ri], c.failed, c.skipped, scen.max(c.total()))?;
            write!(
                o,
                "{}</div><div class=\"cnt\"><b class=\"p\">{}</b> passed · <b class=\"f\">{}</b> failed{} · {} skipped</div></td>",
                html_parity(m.parity(counts, ri)),
                c.passed,
                c.failed,
                if xfs[ri] > 0 { format!(" ({} exp.)", xfs[ri]) } else { String::new() },
                c.skipped,
            )?;
        }
        writeln!(o, "</tr>")
    };
    for (si, sub) in m.subsystems.iter().enumerate() {
        let class = if m.scenario_counts[si] == 0 { "empty" } else { "" };
        sub_row(o, class, sub, m.scenario_counts[si], &m.counts[si], &xf[si])?;
    }
    sub_row(o, "total", "total", m.total_scenarios(), &m.totals, &xf_tot)?;
    writeln!(o, "</tbody></table></div>")?;

    // Go coverage.
    writeln!(o, "<h2 id=\"coverage\">Go test coverage</h2>")?;
    writeln!(
        o,
        "<p class=\"note\">Ported = distinct Go tests named by <code>@go:</code> tags in the scenarios and defined in the file. Est. wire-portable = the “Est. W-able” estimate of go-test-inventory.md §1 (±10 %). <code>test/*.go</code> covers the whole <code>test/</code> folder.</p>"
    )?;
    writeln!(
        o,
        "<table id=\"cov\"><thead><tr><th>Go file</th><th class=\"num\">Tests</th><th class=\"num\">Est. wire-portable</th><th class=\"num\">Ported</th><th>Coverage</th><th>Note</th></tr></thead><tbody>"
    )?;
    let cov_row = |o: &mut String,
                   class: &str,
                   file: &str,
                   tests: u32,
                   wp: u32,
                   ported: usize,
                   note: &str,
                   title: &str|
     -> fmt::Result {
        let share = (wp > 0).then(|| ported as f64 / wp as f64);
        let fill = share.map_or(0.0, |s| (s * 100.0).min(100.0));
        writeln!(
            o,
            "<tr class=\"{class}\"><td><code>{}</code></td><td class=\"num\">{tests}</td><td class=\"num\">{wp}</td><td class=\"num\" title=\"{}\">{ported}</td><td><div class=\"cov\"><div class=\"bar\"><span class=\"p\" style=\"width:{fill:.3}%\"></span></div><span class=\"par{}\">{}</span></div></td><td class=\"note\">{}</td></tr>",
            e(file),
            e(title),
            if share.is_none() { " na" } else { "" },
            pct(share),
            e(note)
        )
    };
    for r in &cov.rows {
        cov_row(
            o,
            "",
            &r.group.file,
            r.group.tests,
            r.group.wire_portable,
            r.ported.len(),
            r.group.note.as_deref().unwrap_or(""),
            &r.ported.join(", "),
        )?;
    }
    let (ported, tests, wp) = cov.totals();
    cov_row(o, "total", "total", tests, wp, ported, "", "")?;
    writeln!(o, "</tbody></table>")?;
    if !cov.unmapped.is_empty() {
        write!(
            o,
            "<p class=\"note\"><code>@go:</code> tags naming no test in the tracked files ({}): <span class=\"go\">",
            cov.unmapped.len()
        )?;
        for n in &cov.unmapped {
            write!(o, "<code class=\"unk\">{}</code>", e(n))?;
        }
        writeln!(o, "</span></p>")?;
    }

    // Failures.
    writeln!(o, "<h2 id=\"failures\">Failures</h2>")?;
    for (ri, run) in m.runs.iter().enumerate() {
        let failed: Vec<&ScenarioResult> = run.scenarios.iter().filter(|s| s.outcome == Outcome::Failed).collect();
        let unexpected_passes: Vec<&ScenarioResult> =
            run.scenarios.iter().filter(|s| s.outcome == Outcome::Passed && s.expected_failure.is_some()).collect();
        let expected = failed.iter().filter(|s| s.expected_failure.is_some()).count();
        writeln!(
            o,
            "<details{}><summary>{} — {} failed ({} expected, {} unexpected){}</summary>",
            if failed.len() > expected { " open" } else { "" },
            e(&m.keys[ri]),
            failed.len(),
            expected,
            failed.len() - expected,
            if unexpected_passes.is_empty() {
                String::new()
            } else {
                format!(", {} unexpected pass(es)", unexpected_passes.len())
            }
        )?;
        if failed.is_empty() && unexpected_passes.is_empty() {
            writeln!(o, "<p class=\"note\">No failures.</p>")?;
        }
        for s in &failed {
            let tag = match s.expected_failure {
                Some(_) => "<span class=\"tag exp\">expected</span>",
                None => "<span class=\"tag unexp\">unexpected</span>",
            };
            let first = s.message.as_deref().and_then(|m| m.lines().find(|l| !l.trim().is_empty()));
            writeln!(
                o,
                "<details><summary><code>{}</code>{tag}<span class=\"msg\">{}</span></summary>",
                e(&s.id),
                e(first.unwrap_or(""))
            )?;
            if let Some(reason) = &s.expected_failure {
                writeln!(o, "<p class=\"reason\">Expected failure: {}</p>", e(reason))?;
            }
            writeln!(o, "<pre>{}</pre>", e(s.message.as_deref().unwrap_or("(no message)")))?;
            for (i, log) in s.server_logs.iter().enumerate() {
                writeln!(o, "<p class=\"note\">server log tail {}</p><pre>{}</pre>", i + 1, e(log))?;
            }
            writeln!(o, "</details>")?;
        }
        for s in &unexpected_passes {
            writeln!(
                o,
                "<details><summary><code>{}</code><span class=\"tag unexp\">passed but listed as expected failure</span></summary><p class=\"reason\">Listed because: {}</p></details>",
                e(&s.id),
                e(s.expected_failure.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(o, "</details>")?;
    }

    // Scenarios.
    writeln!(o, "<h2 id=\"scenarios\">Scenarios</h2>")?;
    write!(
        o,
        "<div id=\"controls\" hidden><input type=\"search\" id=\"q\" placeholder=\"Filter by id, name or Go test…\"><select id=\"sub\"><option value=\"\">all subsystems</option>"
    )?;
    for (si, sub) in m.subsystems.iter().enumerate() {
        write!(o, "<option value=\"{}\">{} ({})</option>", e(sub), e(sub), m.scenario_counts[si])?;
    }
    writeln!(
        o,
        "</select><label><input type=\"checkbox\" id=\"diff\"> results differ</label><label><input type=\"checkbox\" id=\"fail\"> any failure</label><span class=\"note\" id=\"shown\"></span></div>"
    )?;
    write!(
        o,
        "<div class=\"scroll\"><table id=\"scen\"><thead><tr><th data-sort>Scenario</th><th data-sort>Subsystem</th><th>Go tests</th>"
    )?;
    for key in &m.keys {
        write!(o, "<th data-sort class=\"res\">{}</th>", e(key))?;
    }
    writeln!(o, "</tr></thead><tbody>")?;
    for s in &m.scenarios {
        write!(
            o,
            "<tr data-sub=\"{}\" data-diff=\"{}\" data-fail=\"{}\"><td class=\"id\"><code>{}</code><div class=\"nm\">{}</div></td><td class=\"subsys\">{}</td><td class=\"go\">",
            e(s.subsystem),
            u8::from(s.differs()),
            u8::from(s.any_failed()),
            e(s.id),
            e(s.name),
            e(s.subsystem)
        )?;
        for g in &s.go_tests {
            // Names only; the file each is defined in goes in the tooltip.
            let files: Vec<&str> =
                cov.rows.iter().filter(|r| r.ported.iter().any(|p| p == g)).map(|r| r.group.file.as_str()).collect();
            if files.is_empty() {
                write!(o, "<code class=\"unk\" title=\"not found in the tracked Go test files\">{}</code>", e(g))?;
            } else {
                write!(o, "<code title=\"{}\">{}</code>", e(&files.join(", ")), e(g))?;
            }
        }
        write!(o, "</td>")?;
        for r in &s.results {
            match r {
                None => write!(o, "<td class=\"res missing\">—</td>")?,
                Some(r) => {
                    let (class, label) = match (r.outcome, &r.expected_failure) {
                        (Outcome::Passed, _) => ("passed", "passed"),
                        (Outcome::Failed, Some(_)) => ("xfail", "failed (exp.)"),
                        (Outcome::Failed, None) => ("failed", "failed"),
                        (Outcome::Skipped, _) => ("skipped", "skipped"),
                    };
                    let mut title = r.message.clone().unwrap_or_default();
                    if let Some(reason) = &r.expected_failure {
                        if !title.is_empty() {
                            title.push_str("\n\n");
                        }
                        title.push_str("expected failure: ");
                        title.push_str(reason);
                    }
                    write!(o, "<td class=\"res {class}\" title=\"{}\">{label}</td>", e(&title))?;
                }
            }
        }
        writeln!(o, "</tr>")?;
    }
    if m.scenarios.is_empty() {
        writeln!(o, "<tr><td colspan=\"{}\" class=\"note\">No scenarios.</td></tr>", 3 + m.runs.len())?;
    }
    writeln!(o, "</tbody></table></div>")?;
    writeln!(
        o,
        "<footer>report.json schema_version {SCHEMA_VERSION} · Go coverage data: {}</footer>",
        e(GO_COVERAGE_SOURCE)
    )?;
    writeln!(o, "</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>")
}
