//! `report.json`: the machine-readable report (layout versioned by
//! [`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
use super::coverage::{Coverage, GO_COVERAGE_SOURCE};
use super::model::{Counts, Model};
use super::{ORACLE_TARGET, SCHEMA_VERSION};
use crate::results::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;

const PARITY_DEFINITION: &str = "scenarios passing on the target / scenarios passing on the go oracle, per subsystem";

#[derive(Serialize)]
pub(super) struct JsonReport<'a> {
    schema_version: u32,
    generated_at: &'a str,
    /// Name of the oracle run, null when there is none.
    oracle: Option<&'static str>,
    parity_definition: &'static str,
    targets: Vec<JsonTarget<'a>>,
    subsystems: Vec<JsonSubsystem>,
    totals: JsonSubsystem,
    scenarios: Vec<JsonScenario<'a>>,
    go_coverage: JsonCoverage,
}

#[derive(Serialize)]
struct JsonTarget<'a> {
    /// Unique key used in the `results` maps (the target name, `name#2` if repeated).
    name: &'a str,
    target: &'a str,
    version: &'a str,
    wall_time_secs: f64,
    scenarios: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    unexpected: usize,
}

#[derive(Serialize)]
struct JsonSubsystem {
    name: String,
    scenarios: usize,
    results: BTreeMap<String, Counts>,
    parity: BTreeMap<String, JsonParity>,
}

#[derive(Serialize)]
struct JsonParity {
    /// passed / go_passed, null when not applicable.
    value: Option<f64>,
    passed: usize,
    /// Passing on the oracle, null without a go run.
    go_passed: Option<usize>,
    display: String,
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    id: &'a str,
    subsystem: &'a str,
    feature: &'a str,
    name: &'a str,
    go_tests: Vec<&'a str>,
    results: BTreeMap<&'a str, Outcome>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    expected_failures: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    messages: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct JsonCoverage {
    source: &'static str,
    files: Vec<JsonCoverageFile>,
    total: JsonCoverageTotal,
    unmapped_go_tests: Vec<String>,
}

#[derive(Serialize)]
struct JsonCoverageFile {
    file: String,
    tests: u32,
    wire_portable: u32,
    ported: usize,
    /// ported / wire_portable, null when wire_portable is 0.
    share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    ported_tests: Vec<String>,
}

#[derive(Serialize)]
struct JsonCoverageTotal {
    tests: u32,
    wire_portable: u32,
    ported: usize,
    share: Option<f64>,
}

fn json_subsystem(m: &Model<'_>, name: &str, scenarios: usize, counts: &[Counts]) -> JsonSubsystem {
    let mut results = BTreeMap::new();
    let mut parity = BTreeMap::new();
    for (ri, key) in m.keys.iter().enumerate() {
        results.insert(key.clone(), counts[ri]);
        let p = m.parity(counts, ri);
        parity.insert(
            key.clone(),
            JsonParity {
                value: p.value(),
                passed: counts[ri].passed,
                go_passed: m.oracle.map(|o| counts[o].passed),
                display: p.to_string(),
            },
        );
    }
    JsonSubsystem { name: name.to_string(), scenarios, results, parity }
}

pub(super) fn json_report<'a>(m: &'a Model<'a>, cov: &Coverage, generated_at: &'a str) -> JsonReport<'a> {
    let targets = m
        .runs
        .iter()
        .enumerate()
        .map(|(ri, run)| JsonTarget {
            name: &m.keys[ri],
            target: &run.target,
            version: &run.version,
            wall_time_secs: run.wall_time.as_secs_f64(),
            scenarios: m.totals[ri].total(),
            passed: m.totals[ri].passed,
            failed: m.totals[ri].failed,
            skipped: m.totals[ri].skipped,
            unexpected: run.violations().count(),
        })
        .collect();
    let subsystems = m
        .subsystems
        .iter()
        .enumerate()
        .map(|(si, name)| json_subsystem(m, name, m.scenario_counts[si], &m.counts[si]))
        .collect();
    let scenarios = m
        .scenarios
        .iter()
        .map(|s| {
            let mut results = BTreeMap::new();
            let mut expected_failures = BTreeMap::new();
            let mut messages = BTreeMap::new();
            for (ri, r) in s.results.iter().enumerate() {
                if let Some(r) = r {
                    let key = m.keys[ri].as_str();
                    results.insert(key, r.outcome);
                    if let Some(reason) = &r.expected_failure {
                        expected_failures.insert(key, reason.as_str());
                    }
                    if let Some(msg) = &r.message {
                        messages.insert(key, msg.as_str());
                    }
                }
            }
            JsonScenario {
                id: s.id,
                subsystem: s.subsystem,
                feature: s.feature,
                name: s.name,
                go_tests: s.go_tests.iter().copied().collect(),
                results,
                expected_failures,
                messages,
            }
        })
        .collect();
    let (ported, tests, wire_portable) = cov.totals();
    JsonReport {
        schema_version: SCHEMA_VERSION,
        generated_at,
        oracle: m.oracle.map(|_| ORACLE_TARGET),
        parity_definition: PARITY_DEFINITION,
        targets,
        subsystems,
        totals: json_subsystem(m, "total", m.total_scenarios(), &m.totals),
        scenarios,
        go_coverage: JsonCoverage {
            source: GO_COVERAGE_SOURCE,
            files: cov
                .rows
                .iter()
                .map(|r| JsonCoverageFile {
                    file: r.group.file.clone(),
                    tests: r.group.tests,
                    wire_portable: r.group.wire_portable,
                    ported: r.ported.len(),
                    share: r.share(),
                    note: r.group.note.clone(),
                    ported_tests: r.ported.clone(),
                })
                .collect(),
            total: JsonCoverageTotal {
                tests,
                wire_portable,
                ported,
                share: (wire_portable > 0).then(|| ported as f64 / wire_portable as f64),
            },
            unmapped_go_tests: cov.unmapped.clone(),
        },
    }
}
