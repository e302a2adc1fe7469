//! `junit-<target>.xml`: one JUnit file per run, one test suite per subsystem, for CI
//! tools that read JUnit.
use super::escape_xml;
use super::model::Model;
use super::sanitize_file_name;
use crate::results::{Outcome, ScenarioResult};
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

/// Like [`escape_xml`], for XML attribute values whose line breaks and tabs must survive
/// attribute-value normalisation.
pub(super) fn escape_xml_attr(s: &str) -> String {
    escape_xml(s).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

pub(super) fn junit_file_names(keys: &[String]) -> Vec<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    keys.iter()
        .map(|k| {
            let base = sanitize_file_name(k);
            let mut name = format!("junit-{base}.xml");
            let mut n = 2;
            while used.contains(&name) {
                name = format!("junit-{base}-{n}.xml");
                n += 1;
            }
            used.insert(name.clone());
            name
        })
        .collect()
}

fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub(super) fn render_junit(m: &Model<'_>, ri: usize) -> String {
    let mut o = String::new();
    junit_into(&mut o, m, ri).expect("writing to a String cannot fail");
    o
}

fn junit_into(o: &mut String, m: &Model<'_>, ri: usize) -> fmt::Result {
    let run = &m.runs[ri];
    let t = m.totals[ri];
    let a = escape_xml_attr;
    writeln!(o, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        o,
        r#"<testsuites name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3}">"#,
        a(&format!("nats-conformance {}", m.keys[ri])),
        t.total(),
        t.failed,
        t.skipped,
        run.wall_time.as_secs_f64()
    )?;
    for (si, sub) in m.subsystems.iter().enumerate() {
        let c = m.counts[si][ri];
        let results: Vec<&ScenarioResult> =
            m.scenarios.iter().filter(|s| s.subsystem == sub).filter_map(|s| s.results[ri]).collect();
        let time: u64 = results.iter().map(|r| r.duration_ms).sum();
        writeln!(
            o,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="{}">"#,
            a(sub),
            c.total(),
            c.failed,
            c.skipped,
            secs(time)
        )?;
        writeln!(o, "    <properties>")?;
        writeln!(o, r#"      <property name="target" value="{}"/>"#, a(&run.target))?;
        writeln!(o, r#"      <property name="version" value="{}"/>"#, a(&run.version))?;
        writeln!(o, "    </properties>")?;
        for r in results {
            let stem = r.id.split('/').nth(1).unwrap_or(&r.feature);
            writeln!(
                o,
                r#"    <testcase name="{}" classname="{}" time="{}">"#,
                a(&r.name),
                a(&format!("{sub}.{stem}")),
                secs(r.duration_ms)
            )?;
            writeln!(o, "      <properties>")?;
            writeln!(o, r#"        <property name="id" value="{}"/>"#, a(&r.id))?;
            writeln!(o, r#"        <property name="feature" value="{}"/>"#, a(&r.feature))?;
            if !r.go_tests.is_empty() {
                writeln!(o, r#"        <property name="go_tests" value="{}"/>"#, a(&r.go_tests.join(",")))?;
            }
            if let Some(reason) = &r.expected_failure {
                writeln!(o, r#"        <property name="expected_failure" value="{}"/>"#, a(reason))?;
            }
            writeln!(o, "      </properties>")?;
            let msg = r.message.as_deref().unwrap_or("");
            let first_line = msg.lines().next().unwrap_or("");
            match r.outcome {
                Outcome::Passed => {}
                Outcome::Skipped => {
                    writeln!(o, r#"      <skipped message="{}"/>"#, a(first_line))?;
                }
                Outcome::Failed => {
                    let kind = if r.expected_failure.is_some() { "expected" } else { "unexpected" };
                    writeln!(
                        o,
                        r#"      <failure message="{}" type="{kind}">{}</failure>"#,
                        a(first_line),
                        escape_xml(msg)
                    )?;
                }
            }
            if !r.server_logs.is_empty() {
                writeln!(o, "      <system-out>{}</system-out>", escape_xml(&r.server_logs.join("\n")))?;
            }
            writeln!(o, "    </testcase>")?;
        }
        writeln!(o, "  </testsuite>")?;
    }
    writeln!(o, "</testsuites>")
}
