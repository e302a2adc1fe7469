//! The report's model: every run merged per scenario (by id) and counted per subsystem
//! and target, with parity against the Go oracle run. Markdown, JSON, JUnit and HTML
//! all render from this one model.
use super::{ORACLE_TARGET, SUBSYSTEMS};
use crate::results::{Outcome, ScenarioResult, TargetRun};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

/// Parity of one target in one subsystem (or overall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parity {
    /// `passed` scenarios pass on the target, `go_passed` (> 0) on the oracle.
    Ratio { passed: usize, go_passed: usize },
    /// There is no `go` run to compare with.
    NoGoRun,
    /// The `go` run is present but passes no scenario here.
    NothingPassesOnGo { passed: usize },
    /// The target skipped every scenario here (a `mix:` target outside
    /// clusters, a missing capability): there is nothing to compare.
    NotRun,
}

impl Parity {
    /// Parity from the target's passing count and the oracle's (None without a go run).
    pub fn compute(passed: usize, go_passed: Option<usize>) -> Parity {
        match go_passed {
            None => Parity::NoGoRun,
            Some(0) => Parity::NothingPassesOnGo { passed },
            Some(go_passed) => Parity::Ratio { passed, go_passed },
        }
    }

    /// The ratio, when there is one.
    pub fn value(&self) -> Option<f64> {
        match *self {
            Parity::Ratio { passed, go_passed } => Some(passed as f64 / go_passed as f64),
            _ => None,
        }
    }

    /// Short form: `95.0%` or `n/a (...)`.
    pub fn short(&self) -> String {
        match self.value() {
            Some(v) => format!("{:.1}%", v * 100.0),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Parity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Parity::Ratio { passed, go_passed } => {
                write!(f, "{:.1}% ({passed}/{go_passed})", passed as f64 * 100.0 / go_passed as f64)
            }
            Parity::NoGoRun => f.write_str("n/a (no go run)"),
            Parity::NothingPassesOnGo { .. } => f.write_str("n/a (none pass on go)"),
            Parity::NotRun => f.write_str("n/a (not run)"),
        }
    }
}

/// Passed/failed/skipped counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Counts {
    pub(super) fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

/// One scenario across all runs.
pub(super) struct Scenario<'a> {
    pub(super) id: &'a str,
    pub(super) subsystem: &'a str,
    pub(super) feature: &'a str,
    pub(super) name: &'a str,
    pub(super) go_tests: BTreeSet<&'a str>,
    /// Result per run (index into `Model::runs`); None when that run lacks the scenario.
    pub(super) results: Vec<Option<&'a ScenarioResult>>,
}

impl Scenario<'_> {
    /// Whether the present results disagree.
    pub(super) fn differs(&self) -> bool {
        let mut outcomes = self.results.iter().flatten().map(|r| r.outcome);
        match outcomes.next() {
            Some(first) => outcomes.any(|o| o != first),
            None => false,
        }
    }
    pub(super) fn any_failed(&self) -> bool {
        self.results.iter().flatten().any(|r| r.outcome == Outcome::Failed)
    }
}

pub(super) struct Model<'a> {
    pub(super) runs: &'a [TargetRun],
    /// Unique label per run (the target name, `name#2` for a repeated one).
    pub(super) keys: Vec<String>,
    /// Index of the `go` run.
    pub(super) oracle: Option<usize>,
    /// The fixed subsystems, then any others the scenarios use.
    pub(super) subsystems: Vec<String>,
    /// Distinct scenarios per subsystem (across runs).
    pub(super) scenario_counts: Vec<usize>,
    /// `counts[subsystem][run]`.
    pub(super) counts: Vec<Vec<Counts>>,
    /// Per run, over all subsystems.
    pub(super) totals: Vec<Counts>,
    /// All scenarios, ordered by subsystem then id.
    pub(super) scenarios: Vec<Scenario<'a>>,
}

impl<'a> Model<'a> {
    pub(super) fn new(runs: &'a [TargetRun]) -> Self {
        let keys = target_keys(runs);
        let oracle = runs.iter().position(|r| r.target == ORACLE_TARGET);
        let mut subsystems: Vec<String> = SUBSYSTEMS.iter().map(|s| s.to_string()).collect();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        let mut scenarios: Vec<Scenario<'a>> = Vec::new();
        for (ri, run) in runs.iter().enumerate() {
            for s in &run.scenarios {
                if !subsystems.iter().any(|x| x == &s.subsystem) {
                    subsystems.push(s.subsystem.clone());
                }
                let si = *by_id.entry(s.id.as_str()).or_insert_with(|| {
                    scenarios.push(Scenario {
                        id: &s.id,
                        subsystem: &s.subsystem,
                        feature: &s.feature,
                        name: &s.name,
                        go_tests: BTreeSet::new(),
                        results: vec![None; runs.len()],
                    });
                    scenarios.len() - 1
                });
                let sc = &mut scenarios[si];
                sc.go_tests.extend(s.go_tests.iter().map(String::as_str));
                if sc.results[ri].is_none() {
                    sc.results[ri] = Some(s);
                }
            }
        }
        let rank = |sub: &str| subsystems.iter().position(|x| x == sub).unwrap_or(usize::MAX);
        scenarios.sort_by(|a, b| (rank(a.subsystem), a.id).cmp(&(rank(b.subsystem), b.id)));

        let mut counts = vec![vec![Counts::default(); runs.len()]; subsystems.len()];
        let mut scenario_counts = vec![0; subsystems.len()];
        let mut totals = vec![Counts::default(); runs.len()];
        for sc in &scenarios {
            let si = rank(sc.subsystem);
            scenario_counts[si] += 1;
            for (ri, r) in sc.results.iter().enumerate() {
                if let Some(r) = r {
                    counts[si][ri].add(r.outcome);
                    totals[ri].add(r.outcome);
                }
            }
        }
        Model { runs, keys, oracle, subsystems, scenario_counts, counts, totals, scenarios }
    }

    pub(super) fn parity(&self, counts: &[Counts], run: usize) -> Parity {
        let c = counts[run];
        if c.passed + c.failed == 0 && c.skipped > 0 {
            return Parity::NotRun;
        }
        Parity::compute(c.passed, self.oracle.map(|o| counts[o].passed))
    }

    pub(super) fn total_scenarios(&self) -> usize {
        self.scenarios.len()
    }

    pub(super) fn oracle_note(&self) -> String {
        match self.oracle {
            Some(_) => format!(
                "Parity = scenarios passing on the target ÷ scenarios passing on the Go oracle (`{ORACLE_TARGET}`)."
            ),
            None => format!("Parity: n/a — there is no `{ORACLE_TARGET}` run to compare with."),
        }
    }
}

pub(super) fn target_keys(runs: &[TargetRun]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    runs.iter()
        .map(|r| {
            let n = seen.entry(r.target.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                r.target.clone()
            } else {
                format!("{}#{}", r.target, n)
            }
        })
        .collect()
}

/// A share as `12.3%`, or `n/a`.
pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

pub(super) fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let m = (secs / 60.0).floor();
        format!("{}m {:.0}s", m as u64, secs - m * 60.0)
    } else {
        format!("{secs:.1}s")
    }
}
