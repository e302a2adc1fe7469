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
use crate::results::{Outcome, ScenarioResult, TargetRun};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;
use std::time::Duration;

/// The subsystems every report shows, in this order, even when they have no scenarios.
pub const SUBSYSTEMS: [&str; 9] =
    ["core", "accounts", "jetstream", "filestore", "cluster", "norace", "trace", "reload", "events"];

/// The target name of the Go oracle run.
pub const ORACLE_TARGET: &str = "go";

/// Version of the `report.json` layout; bump it on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

const GO_TESTS_TSV: &str = include_str!("../data/go-tests.tsv");
const GO_TEST_FILES_TOML: &str = include_str!("../data/go-test-files.toml");
const GO_COVERAGE_SOURCE: &str =
    "test names: conformance/data/go-tests.tsv; estimates: go-test-inventory.md section 1 (conformance/data/go-test-files.toml)";
const PARITY_DEFINITION: &str = "scenarios passing on the target / scenarios passing on the go oracle, per subsystem";

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Writes `report.md`, `report.json`, `report.html` and `junit-<target>.xml` per run into
/// `out_dir` (created if missing).
pub fn write_reports(runs: &[TargetRun], out_dir: &Path, coverage: &GoCoverageIndex) -> Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating report directory {}", out_dir.display()))?;
    let model = Model::new(runs);
    let cov = Coverage::compute(&model, coverage);
    let generated_at = utc_now_rfc3339();

    let write = |name: &str, text: String| -> Result<()> {
        let path = out_dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write("report.md", render_markdown(&model, &cov, &generated_at))?;
    let json =
        serde_json::to_string_pretty(&json_report(&model, &cov, &generated_at)).context("serialising report.json")?;
    write("report.json", json + "\n")?;
    write("report.html", render_html(&model, &cov, &generated_at))?;
    for (i, file) in junit_file_names(&model.keys).iter().enumerate() {
        write(file, render_junit(&model, i))?;
    }
    Ok(())
}

/// The per-subsystem table alone (passed/failed/skipped and parity per target), as aligned
/// Markdown suitable for a terminal.
pub fn markdown_summary(runs: &[TargetRun]) -> String {
    subsystem_table_md(&Model::new(runs))
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

/// Like [`escape_xml`], for XML attribute values whose line breaks and tabs must survive
/// attribute-value normalisation.
fn escape_xml_attr(s: &str) -> String {
    escape_xml(s).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
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

/// Parity of one target in one subsystem (or overall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parity {
    /// `passed` scenarios pass on the target, `go_passed` (> 0) on the oracle.
    Ratio { passed: usize, go_passed: usize },
    /// There is no `go` run to compare with.
    NoGoRun,
    /// The `go` run is present but passes no scenario here.
    NothingPassesOnGo { passed: usize },
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
    fn add(&mut self, outcome: Outcome) {
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

// ---------------------------------------------------------------------------------------------
// Go coverage index
// ---------------------------------------------------------------------------------------------

/// Which nats-server test file defines each Go test, and each file's denominators.
///
/// [`GoCoverageIndex::builtin`] loads the checked-in data: `data/go-tests.tsv` (`file<TAB>test`,
/// regenerated by `scripts/gen-go-test-index.sh`) and `data/go-test-files.toml` (per file:
/// `tests`, `wire_portable`, optional `note`). A TOML key `dir/*.go` is a group covering every
/// `_test.go` file directly in `dir/`, and coverage is reported over the whole group.
#[derive(Debug, Clone, Default)]
pub struct GoCoverageIndex {
    /// Go test name → files defining it (`server/` and `test/` are different Go packages, so a
    /// name may in principle appear in both).
    tests: HashMap<String, Vec<String>>,
    /// Coverage rows, in the order their files first appear in the TSV.
    groups: Vec<GoFileGroup>,
}

/// One row of the Go-file coverage table: a test file (or a `dir/*.go` group).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoFileGroup {
    pub file: String,
    /// Top-level Go tests in the file, per the inventory.
    pub tests: u32,
    /// Estimated wire-portable tests (the inventory's "Est. W-able").
    pub wire_portable: u32,
    pub note: Option<String>,
    /// Test names listed for this group in the TSV.
    pub indexed_tests: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilesToml {
    files: BTreeMap<String, FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    tests: u32,
    wire_portable: u32,
    #[serde(default)]
    note: Option<String>,
}

impl GoCoverageIndex {
    /// The index compiled into the binary from `conformance/data/`.
    pub fn builtin() -> Self {
        Self::parse(GO_TESTS_TSV, GO_TEST_FILES_TOML)
            .expect("conformance/data/go-tests.tsv and go-test-files.toml are valid")
    }

    /// Parses a `file<TAB>test` TSV (lines starting with `#` and a `file<TAB>test` header are
    /// ignored) and the per-file TOML.
    pub fn parse(tsv: &str, files_toml: &str) -> Result<Self> {
        let files: FilesToml = toml::from_str(files_toml).context("parsing go-test-files.toml")?;
        let mut index = GoCoverageIndex::default();
        let mut group_pos: HashMap<String, usize> = HashMap::new();
        for (n, line) in tsv.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') || line == "file\ttest" {
                continue;
            }
            let (file, test) = line
                .split_once('\t')
                .with_context(|| format!("go-tests.tsv line {}: expected file<TAB>test", n + 1))?;
            let (file, test) = (file.trim(), test.trim());
            let group = group_key(file, files.files.keys().map(String::as_str))
                .with_context(|| format!("go-tests.tsv line {}: {file} has no entry in go-test-files.toml", n + 1))?;
            let pos = *group_pos.entry(group.to_string()).or_insert_with(|| {
                let e = &files.files[group];
                index.groups.push(GoFileGroup {
                    file: group.to_string(),
                    tests: e.tests,
                    wire_portable: e.wire_portable,
                    note: e.note.clone(),
                    indexed_tests: 0,
                });
                index.groups.len() - 1
            });
            index.groups[pos].indexed_tests += 1;
            let defs = index.tests.entry(test.to_string()).or_default();
            if !defs.iter().any(|f| f == file) {
                defs.push(file.to_string());
            }
        }
        for (key, e) in &files.files {
            if !group_pos.contains_key(key) {
                index.groups.push(GoFileGroup {
                    file: key.clone(),
                    tests: e.tests,
                    wire_portable: e.wire_portable,
                    note: e.note.clone(),
                    indexed_tests: 0,
                });
            }
        }
        Ok(index)
    }

    /// Files defining the Go test `name` (empty when unknown).
    pub fn files_of(&self, name: &str) -> &[String] {
        self.tests.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The coverage rows, in display order.
    pub fn groups(&self) -> &[GoFileGroup] {
        &self.groups
    }

    /// The coverage row a Go test file belongs to.
    pub fn group_of(&self, file: &str) -> Option<&str> {
        group_key(file, self.groups.iter().map(|g| g.file.as_str()))
    }
}

/// The key among `keys` that covers `file`: the file itself, or `dir/*.go` for a file directly
/// in `dir/`.
fn group_key<'k>(file: &str, keys: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let mut glob = None;
    for key in keys {
        if key == file {
            return Some(key);
        }
        if let Some(dir) = key.strip_suffix("/*.go") {
            if let Some(rest) = file.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) {
                if !rest.contains('/') && rest.ends_with(".go") {
                    glob = Some(key);
                }
            }
        }
    }
    glob
}

// ---------------------------------------------------------------------------------------------
// Model: runs merged per scenario and counted per subsystem
// ---------------------------------------------------------------------------------------------

/// One scenario across all runs.
struct Scenario<'a> {
    id: &'a str,
    subsystem: &'a str,
    feature: &'a str,
    name: &'a str,
    go_tests: BTreeSet<&'a str>,
    /// Result per run (index into `Model::runs`); None when that run lacks the scenario.
    results: Vec<Option<&'a ScenarioResult>>,
}

impl Scenario<'_> {
    /// Whether the present results disagree.
    fn differs(&self) -> bool {
        let mut outcomes = self.results.iter().flatten().map(|r| r.outcome);
        match outcomes.next() {
            Some(first) => outcomes.any(|o| o != first),
            None => false,
        }
    }
    fn any_failed(&self) -> bool {
        self.results.iter().flatten().any(|r| r.outcome == Outcome::Failed)
    }
}

struct Model<'a> {
    runs: &'a [TargetRun],
    /// Unique label per run (the target name, `name#2` for a repeated one).
    keys: Vec<String>,
    /// Index of the `go` run.
    oracle: Option<usize>,
    /// The fixed subsystems, then any others the scenarios use.
    subsystems: Vec<String>,
    /// Distinct scenarios per subsystem (across runs).
    scenario_counts: Vec<usize>,
    /// `counts[subsystem][run]`.
    counts: Vec<Vec<Counts>>,
    /// Per run, over all subsystems.
    totals: Vec<Counts>,
    /// All scenarios, ordered by subsystem then id.
    scenarios: Vec<Scenario<'a>>,
}

impl<'a> Model<'a> {
    fn new(runs: &'a [TargetRun]) -> Self {
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

    fn parity(&self, counts: &[Counts], run: usize) -> Parity {
        Parity::compute(counts[run].passed, self.oracle.map(|o| counts[o].passed))
    }

    fn total_scenarios(&self) -> usize {
        self.scenarios.len()
    }

    fn oracle_note(&self) -> String {
        match self.oracle {
            Some(_) => format!(
                "Parity = scenarios passing on the target ÷ scenarios passing on the Go oracle (`{ORACLE_TARGET}`)."
            ),
            None => format!("Parity: n/a — there is no `{ORACLE_TARGET}` run to compare with."),
        }
    }
}

fn target_keys(runs: &[TargetRun]) -> Vec<String> {
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

fn junit_file_names(keys: &[String]) -> Vec<String> {
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

/// Go-file coverage over all scenarios of all runs.
struct Coverage {
    rows: Vec<CoverageRow>,
    /// `@go:` names not found in the index.
    unmapped: Vec<String>,
}

struct CoverageRow {
    group: GoFileGroup,
    ported: Vec<String>,
}

impl CoverageRow {
    fn share(&self) -> Option<f64> {
        (self.group.wire_portable > 0).then(|| self.ported.len() as f64 / self.group.wire_portable as f64)
    }
}

impl Coverage {
    fn compute(model: &Model<'_>, index: &GoCoverageIndex) -> Coverage {
        let names: BTreeSet<&str> = model.scenarios.iter().flat_map(|s| s.go_tests.iter().copied()).collect();
        let mut ported: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        let mut unmapped = Vec::new();
        for name in names {
            let files = index.files_of(name);
            let groups: BTreeSet<&str> = files.iter().filter_map(|f| index.group_of(f)).collect();
            if groups.is_empty() {
                unmapped.push(name.to_string());
            }
            for g in groups {
                ported.entry(g).or_default().insert(name);
            }
        }
        let rows = index
            .groups()
            .iter()
            .map(|g| CoverageRow {
                group: g.clone(),
                ported: ported
                    .get(g.file.as_str())
                    .map(|s| s.iter().map(|n| n.to_string()).collect())
                    .unwrap_or_default(),
            })
            .collect();
        Coverage { rows, unmapped }
    }

    fn totals(&self) -> (usize, u32, u32) {
        let ported = self.rows.iter().map(|r| r.ported.len()).sum();
        let tests = self.rows.iter().map(|r| r.group.tests).sum();
        let wp = self.rows.iter().map(|r| r.group.wire_portable).sum();
        (ported, tests, wp)
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let m = (secs / 60.0).floor();
        format!("{}m {:.0}s", m as u64, secs - m * 60.0)
    } else {
        format!("{secs:.1}s")
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

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

fn subsystem_table_md(model: &Model<'_>) -> String {
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

fn render_markdown(model: &Model<'_>, cov: &Coverage, generated_at: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonReport<'a> {
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

fn json_report<'a>(m: &'a Model<'a>, cov: &Coverage, generated_at: &'a str) -> JsonReport<'a> {
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

// ---------------------------------------------------------------------------------------------
// JUnit
// ---------------------------------------------------------------------------------------------

fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

fn render_junit(m: &Model<'_>, ri: usize) -> String {
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

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

const CSS: &str = r#"
:root{--pass:#2f9e55;--fail:#d64541;--xfail:#e8a33d;--skip:#b8bfca;--ink:#1d2430;--mute:#667085;--line:#e4e7ec;--bg:#f7f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1360px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub{color:var(--mute);margin:0 0 8px}
nav{margin:0 0 16px;font-size:13px}
nav a{color:#2a5db0;text-decoration:none;margin-right:16px}
nav a:hover{text-decoration:underline}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-width:230px;flex:1 1 230px;max-width:440px}
.card h3{margin:0;font-size:15px;word-break:break-all}
.card .ver{color:var(--mute);font-size:12px;margin-bottom:8px}
.card .big{font-size:22px;font-weight:600}
.card .kv{display:flex;justify-content:space-between;color:var(--mute);font-size:12px;margin-top:6px}
table{border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px;width:100%}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;font-size:13px;white-space:nowrap}
tr:last-child td{border-bottom:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;background:#fafbfc}
tr.empty td{color:var(--mute)}
.bar{display:flex;height:12px;border-radius:3px;overflow:hidden;background:#eef0f3;min-width:140px}
.bar span{display:block;height:100%}
.bar .p{background:var(--pass)}.bar .f{background:var(--fail)}.bar .x{background:var(--xfail)}.bar .s{background:var(--skip)}
.sb{display:flex;align-items:center;gap:10px}
.sb .bar{flex:1 1 auto}
.sb .par{min-width:64px;text-align:right}
.cnt{font-size:12px;color:var(--mute);margin-top:3px;white-space:nowrap;font-variant-numeric:tabular-nums}
.cnt b{font-weight:600}.cnt .p{color:var(--pass)}.cnt .f{color:var(--fail)}
.par{font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
.na{color:var(--mute);font-weight:400;font-style:italic}
.legend{display:flex;gap:14px;font-size:12px;color:var(--mute);margin:6px 0 10px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.cov{display:flex;align-items:center;gap:8px}
.cov .bar{min-width:120px;flex:0 0 160px}
.res{font-size:12px;font-weight:600;text-align:center;white-space:nowrap;width:1%}
.res.passed{background:#e3f4e8;color:#1f7a40}.res.failed{background:#fbe4e3;color:#b1302c}
.res.xfail{background:#fdf0dc;color:#9a5b06}.res.skipped{background:#f0f1f4;color:#5d6675}.res.missing{color:#a0a6b1}
td.id{min-width:320px}
td.id code{font-weight:600;word-break:break-all}
td.res{vertical-align:middle}
td.id .nm{color:var(--mute);font-size:12px}
.go code{display:inline-block;background:#eef2f8;border-radius:3px;padding:1px 4px;margin:1px 2px 1px 0;font-size:11px}
.go .unk{background:#fbe9e9}
.go code{overflow-wrap:anywhere}
#scen th.res{white-space:normal;overflow-wrap:anywhere;min-width:120px}
#scen td.subsys{width:1%;white-space:nowrap}
.scroll{overflow-x:auto}
details{background:#fff;border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:6px 12px}
details details{border:0;border-top:1px solid var(--line);border-radius:0;margin:0;padding:6px 0}
summary{cursor:pointer;font-weight:600}
details details summary{font-weight:400}
.tag{display:inline-block;font-size:11px;border-radius:3px;padding:0 5px;margin-left:6px;font-weight:600}
.tag.unexp{background:#fbe4e3;color:#b1302c}.tag.exp{background:#fdf0dc;color:#9a5b06}
pre{background:#f6f7f9;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.reason{color:#9a5b06;font-size:13px}
summary .msg{color:var(--mute);font-size:12px;margin-left:10px;display:inline-block;max-width:70%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
#controls{display:flex;gap:12px;align-items:center;margin:0 0 10px;flex-wrap:wrap}
#controls input[type=search]{padding:5px 8px;border:1px solid #cfd4dc;border-radius:5px;min-width:260px}
#controls select{padding:4px 6px;border:1px solid #cfd4dc;border-radius:5px}
#controls label{color:var(--mute)}
#scen th[data-sort]{cursor:pointer}
#scen th[data-sort]:after{content:" \2195";color:#b0b6c0}
.note{color:var(--mute);font-size:12px}
footer{margin-top:40px;color:var(--mute);font-size:12px}
"#;

const SCRIPT: &str = r#"
(function(){
  var t=document.getElementById('scen'), c=document.getElementById('controls');
  if(!t||!c) return;
  c.hidden=false;
  var q=document.getElementById('q'), sub=document.getElementById('sub'),
      diff=document.getElementById('diff'), fail=document.getElementById('fail'),
      shown=document.getElementById('shown'), rows=[].slice.call(t.tBodies[0].rows);
  function apply(){
    var s=q.value.toLowerCase(), n=0;
    rows.forEach(function(r){
      var ok=(!s||r.textContent.toLowerCase().indexOf(s)>=0)
        &&(!sub.value||r.getAttribute('data-sub')===sub.value)
        &&(!diff.checked||r.getAttribute('data-diff')==='1')
        &&(!fail.checked||r.getAttribute('data-fail')==='1');
      r.style.display=ok?'':'none'; if(ok) n++;
    });
    shown.textContent=n+' of '+rows.length+' shown';
  }
  [q,sub,diff,fail].forEach(function(e){e.addEventListener('input',apply);e.addEventListener('change',apply);});
  [].forEach.call(t.tHead.rows[0].cells,function(th,i){
    if(!th.hasAttribute('data-sort')) return;
    th.addEventListener('click',function(){
      var dir=th.getAttribute('data-dir')==='asc'?-1:1; th.setAttribute('data-dir',dir>0?'asc':'desc');
      rows.sort(function(a,b){return dir*a.cells[i].textContent.localeCompare(b.cells[i].textContent);});
      rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });
  });
  apply();
})();
"#;

fn render_html(m: &Model<'_>, cov: &Coverage, generated_at: &str) -> String {
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
    writeln!(o, "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>", e(&title))?;
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
    writeln!(o, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(id: &str, outcome: Outcome, go: &[&str]) -> ScenarioResult {
        let mut parts = id.split('/');
        let subsystem = parts.next().unwrap().to_string();
        let stem = parts.next().unwrap_or("f");
        ScenarioResult {
            id: id.to_string(),
            subsystem: subsystem.clone(),
            feature: format!("{subsystem}/{stem}.feature"),
            name: format!("scenario {id}"),
            go_tests: go.iter().map(|s| s.to_string()).collect(),
            tags: go.iter().map(|s| format!("go:{s}")).collect(),
            outcome,
            message: (outcome != Outcome::Passed).then(|| format!("message for {id}")),
            expected_failure: None,
            server_logs: vec![],
            duration_ms: 12,
        }
    }

    fn run(target: &str, scenarios: Vec<ScenarioResult>) -> TargetRun {
        TargetRun {
            target: target.to_string(),
            version: "2.12.0".to_string(),
            scenarios,
            wall_time: Duration::from_millis(1500),
        }
    }

    fn sample() -> Vec<TargetRun> {
        use Outcome::*;
        let go = run(
            "go",
            vec![
                sc("core/pubsub/a", Passed, &["TestProtoBasics"]),
                sc("core/pubsub/b", Passed, &["TestNotARealGoTest"]),
                sc("jetstream/streams/c", Passed, &["TestJetStreamAddStream"]),
                sc("jetstream/streams/d", Skipped, &[]),
                sc("cluster/meta/e", Failed, &[]),
            ],
        );
        let mut x = sc("jetstream/streams/c", Failed, &["TestJetStreamAddStream"]);
        x.expected_failure = Some("not implemented <yet> & \"soon\"".into());
        let rn = run(
            "bin:/x/y",
            vec![
                sc("core/pubsub/a", Passed, &["TestProtoBasics"]),
                sc("core/pubsub/b", Failed, &[]),
                x,
                sc("jetstream/streams/d", Skipped, &[]),
                sc("cluster/meta/e", Passed, &[]),
            ],
        );
        vec![go, rn]
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_xml(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_xml("a\tb\nc\r"), "a\tb\nc\r");
        assert_eq!(escape_xml("\u{1b}[31mred\u{1b}[0m"), "\\x1B[31mred\\x1B[0m");
        assert_eq!(escape_xml("\u{0}\u{7f}\u{ffff}"), "\\x00\\x7F\\u{FFFF}");
        assert_eq!(escape_xml("héllo ✓ 日本"), "héllo ✓ 日本");
        assert_eq!(escape_xml_attr("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn file_names() {
        assert_eq!(sanitize_file_name("bin:/x/y"), "bin_x_y");
        assert_eq!(sanitize_file_name("url:nats://127.0.0.1:4222"), "url_nats_127.0.0.1_4222");
        assert_eq!(sanitize_file_name("rnats"), "rnats");
        assert_eq!(sanitize_file_name("///"), "target");
        assert_eq!(sanitize_file_name(".."), "target");
        let keys = vec!["a/b".to_string(), "a:b".to_string()];
        assert_eq!(junit_file_names(&keys), ["junit-a_b.xml", "junit-a_b-2.xml"]);
    }

    #[test]
    fn parity_values() {
        assert_eq!(Parity::compute(3, None), Parity::NoGoRun);
        assert_eq!(Parity::compute(3, None).to_string(), "n/a (no go run)");
        assert_eq!(Parity::compute(3, None).value(), None);
        assert_eq!(Parity::compute(2, Some(0)), Parity::NothingPassesOnGo { passed: 2 });
        assert_eq!(Parity::compute(2, Some(0)).value(), None);
        assert!(Parity::compute(0, Some(0)).to_string().starts_with("n/a"));
        let p = Parity::compute(3, Some(4));
        assert_eq!(p.value(), Some(0.75));
        assert_eq!(p.to_string(), "75.0% (3/4)");
        assert_eq!(p.short(), "75.0%");
    }

    #[test]
    fn parity_per_subsystem() {
        let runs = sample();
        let m = Model::new(&runs);
        let core = m.subsystems.iter().position(|s| s == "core").unwrap();
        let js = m.subsystems.iter().position(|s| s == "jetstream").unwrap();
        let cl = m.subsystems.iter().position(|s| s == "cluster").unwrap();
        let ev = m.subsystems.iter().position(|s| s == "events").unwrap();
        assert_eq!(m.parity(&m.counts[core], 1), Parity::Ratio { passed: 1, go_passed: 2 });
        assert_eq!(m.parity(&m.counts[js], 1), Parity::Ratio { passed: 0, go_passed: 1 });
        // Nothing passes on go in cluster, even though the target passes there.
        assert_eq!(m.parity(&m.counts[cl], 1), Parity::NothingPassesOnGo { passed: 1 });
        assert_eq!(m.parity(&m.counts[ev], 1), Parity::NothingPassesOnGo { passed: 0 });
        assert_eq!(m.parity(&m.totals, 0), Parity::Ratio { passed: 3, go_passed: 3 });
        assert_eq!(m.parity(&m.totals, 1), Parity::Ratio { passed: 2, go_passed: 3 });

        // Without a go run every parity is n/a.
        let only = vec![runs[1].clone()];
        let m = Model::new(&only);
        assert_eq!(m.parity(&m.totals, 0), Parity::NoGoRun);
        let md = markdown_summary(&only);
        assert!(md.contains("n/a (no go run)"), "{md}");
        assert!(!md.contains('%'), "{md}");
    }

    #[test]
    fn summary_lists_all_subsystems() {
        let md = markdown_summary(&sample());
        for s in SUBSYSTEMS {
            assert!(md.lines().any(|l| l.starts_with(&format!("| {s} "))), "{s}: {md}");
        }
        assert!(md.contains("bin:/x/y parity"));
        assert!(md.contains("50.0% (1/2)"));
        let md = markdown_summary(&[]);
        assert_eq!(md.lines().count(), 2 + SUBSYSTEMS.len() + 1);
    }

    #[test]
    fn builtin_index_is_consistent() {
        let idx = GoCoverageIndex::builtin();
        assert_eq!(idx.files_of("TestJetStreamAddStream"), ["server/jetstream_test.go"]);
        assert!(idx.files_of("TestNoSuchThing").is_empty());
        assert_eq!(idx.group_of("test/proto_test.go"), Some("test/*.go"));
        assert_eq!(idx.group_of("test/sub/x_test.go"), None);
        assert_eq!(idx.groups().len(), 21);
        for g in idx.groups() {
            assert_eq!(g.tests as usize, g.indexed_tests, "{}", g.file);
            assert!(g.wire_portable <= g.tests, "{}", g.file);
        }
        assert_eq!(idx.groups().iter().map(|g| g.tests).sum::<u32>(), 2701);
        assert_eq!(idx.groups()[0].file, "server/jetstream_cluster_1_test.go");
        assert_eq!(idx.groups().last().unwrap().file, "test/*.go");
    }

    #[test]
    fn index_parse_errors() {
        let toml = "[files.\"a_test.go\"]\ntests = 1\nwire_portable = 1\n";
        assert!(GoCoverageIndex::parse("a_test.go\tTestA\n", toml).is_ok());
        assert!(GoCoverageIndex::parse("b_test.go\tTestB\n", toml).is_err());
        assert!(GoCoverageIndex::parse("no tab here\n", toml).is_err());
    }

    #[test]
    fn json_has_required_fields() {
        let dir = std::env::temp_dir().join(format!("conformance-report-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_reports(&sample(), &dir, &GoCoverageIndex::builtin()).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["oracle"], "go");
        assert_eq!(v["targets"][0]["name"], "go");
        assert_eq!(v["targets"][1]["name"], "bin:/x/y");
        assert_eq!(v["targets"][1]["version"], "2.12.0");
        let subs = v["subsystems"].as_array().unwrap();
        let names: Vec<&str> = subs.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, SUBSYSTEMS);
        let core = &subs[0];
        assert_eq!(core["scenarios"], 2);
        assert_eq!(core["results"]["go"]["passed"], 2);
        assert_eq!(core["results"]["bin:/x/y"]["failed"], 1);
        assert_eq!(core["results"]["bin:/x/y"]["skipped"], 0);
        assert_eq!(core["parity"]["bin:/x/y"]["value"], 0.5);
        let cluster = &subs[4];
        assert!(cluster["parity"]["bin:/x/y"]["value"].is_null());
        let sc = v["scenarios"].as_array().unwrap().iter().find(|s| s["id"] == "jetstream/streams/c").unwrap();
        assert_eq!(sc["subsystem"], "jetstream");
        assert_eq!(sc["go_tests"][0], "TestJetStreamAddStream");
        assert_eq!(sc["results"]["go"], "passed");
        assert_eq!(sc["results"]["bin:/x/y"], "failed");
        assert!(sc["expected_failures"]["bin:/x/y"].is_string());
        let files = v["go_coverage"]["files"].as_array().unwrap();
        let js = files.iter().find(|f| f["file"] == "server/jetstream_test.go").unwrap();
        assert_eq!(js["ported"], 1);
        assert_eq!(js["wire_portable"], 298);
        let t = files.iter().find(|f| f["file"] == "test/*.go").unwrap();
        assert_eq!(t["ported_tests"][0], "TestProtoBasics");
        assert_eq!(v["go_coverage"]["unmapped_go_tests"][0], "TestNotARealGoTest");

        // JUnit and HTML exist, are escaped, and the XML is balanced.
        let xml = std::fs::read_to_string(dir.join("junit-bin_x_y.xml")).unwrap();
        assert!(xml.contains(
            r#"<property name="expected_failure" value="not implemented &lt;yet&gt; &amp; &quot;soon&quot;"/>"#
        ));
        assert_eq!(xml.matches("<testsuite ").count(), SUBSYSTEMS.len());
        assert_eq!(xml.matches("<testcase ").count(), 5);
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert_eq!(xml.matches("<skipped ").count(), 1);
        assert!(dir.join("junit-go.xml").exists());
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("not implemented &lt;yet&gt; &amp; &quot;soon&quot;"));
        assert!(!html.contains("<yet>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("## Go test coverage") && md.contains("## Failures"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_go_run_json() {
        let runs = vec![sample().remove(1)];
        let m = Model::new(&runs);
        let cov = Coverage::compute(&m, &GoCoverageIndex::default());
        let v = serde_json::to_value(json_report(&m, &cov, "t")).unwrap();
        assert!(v["oracle"].is_null());
        assert!(v["subsystems"][0]["parity"]["bin:/x/y"]["value"].is_null());
        assert!(v["subsystems"][0]["parity"]["bin:/x/y"]["go_passed"].is_null());
        assert_eq!(v["subsystems"][0]["parity"]["bin:/x/y"]["display"], "n/a (no go run)");
    }

    #[test]
    fn duplicate_targets_get_unique_keys() {
        let runs = vec![run("rnats", vec![]), run("rnats", vec![])];
        assert_eq!(target_keys(&runs), ["rnats", "rnats#2"]);
    }

    #[test]
    fn time_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    /// Writes a demo report from fake runs to $REPORT_DEMO_DIR (for eyeballing the HTML).
    #[test]
    #[ignore]
    fn demo_report() {
        let dir = std::env::var("REPORT_DEMO_DIR").unwrap_or_else(|_| "/tmp/report-demo".into());
        write_reports(&demo_runs(), Path::new(&dir), &GoCoverageIndex::builtin()).unwrap();
        println!("{}", markdown_summary(&demo_runs()));
    }

    fn demo_runs() -> Vec<TargetRun> {
        use Outcome::*;
        let idx = GoCoverageIndex::builtin();
        let mut go = run("go", vec![]);
        go.version = "2.12.1".into();
        let mut rn = run("rnats", vec![]);
        rn.version = "0.1.0 (rnats)".into();
        let mut bin = run("bin:/opt/nats/nats-server", vec![]);
        bin.version = "2.10.24".into();
        let plan: [(&str, usize, &str); 9] = [
            ("core", 40, "test/proto_test.go"),
            ("accounts", 14, "server/accounts_test.go"),
            ("jetstream", 55, "server/jetstream_test.go"),
            ("filestore", 12, "server/filestore_test.go"),
            ("cluster", 20, "server/jetstream_cluster_1_test.go"),
            ("norace", 0, ""),
            ("trace", 6, "server/msgtrace_test.go"),
            ("reload", 9, "server/reload_test.go"),
            ("events", 0, ""),
        ];
        let names: Vec<&str> = idx.tests.keys().map(String::as_str).collect();
        for (sub, n, file) in plan {
            let mut tests: Vec<&str> = names
                .iter()
                .copied()
                .filter(|t| idx.files_of(t).iter().any(|f| idx.group_of(f) == Some(idx.group_of(file).unwrap_or(file))))
                .collect();
            tests.sort();
            for i in 0..n {
                let feature = ["basics", "limits", "errors"][i % 3];
                let id = format!("{sub}/{feature}/scenario-{i:02}");
                let go_tests: Vec<&str> = tests.iter().skip(i * 2).take(1 + i % 2).copied().collect();
                let g = if i % 17 == 16 { Skipped } else { Passed };
                let mut gr = sc(&id, g, &go_tests);
                gr.subsystem = sub.into();
                go.scenarios.push(gr);
                let r = match (sub, i % 7) {
                    (_, _) if g == Skipped => Skipped,
                    ("cluster", 0..=2) | ("filestore", 0..=3) => Failed,
                    (_, 3) if i % 2 == 0 => Failed,
                    _ => Passed,
                };
                let mut rr = sc(&id, r, &go_tests);
                if r == Failed && i % 3 != 0 {
                    rr.expected_failure = Some(format!("{sub}: feature not implemented yet (tracked in #{})", 100 + i));
                }
                if r == Failed {
                    rr.message = Some(
"Step failed: Then the reply is \"+OK\"\nexpected: \"+OK\\r\\n\"\n     got: \"-ERR 'Unknown Protocol Operation'\\r\\n\" <&>"
.to_string());
                    rr.server_logs = vec!["[1] \u{1b}[31m[ERR]\u{1b}[0m 127.0.0.1:51234 - cid:5 - parse error".into()];
                }
                rn.scenarios.push(rr);
                let b = if i % 11 == 5 { Failed } else { g };
                bin.scenarios.push(sc(&id, b, &go_tests));
            }
        }
        rn.scenarios.push(sc("core/extra/unknown-go-tag", Passed, &["TestDoesNotExist"]));
        go.wall_time = Duration::from_secs(312);
        rn.wall_time = Duration::from_secs(95);
        vec![go, rn, bin]
    }
}
