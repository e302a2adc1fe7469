//! Runs the scenario catalog against one target with cucumber and collects results.
use crate::catalog::{self, Entry, Selection};
use crate::expectations::Expectations;
use crate::progress::{AboveProgress, Progress};
use crate::results::{Outcome, ScenarioResult, TargetRun};
use crate::target::Target;
use crate::world::{self, NatsWorld, RunContext};
use anyhow::{bail, Result};
use cucumber::event::ScenarioFinished;
use cucumber::{writer, World, WriterExt};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How to run the suite, independent of the target.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Feature roots; the first is the workspace's `features/`.
    pub feature_roots: Vec<PathBuf>,
    pub selection: Selection,
    /// Scenarios in flight at once; each has its own server.
    pub concurrency: usize,
    /// Keep every scenario's folder, not only failed ones.
    pub keep_dirs: bool,
    /// Print every scenario's result line and cucumber's own step-by-step output. Without
    /// it, a shown progress leaves only the results that break expectations as lines.
    pub verbose: bool,
    /// Where scenarios done and failed are counted and shown; hidden by default, in
    /// which case every scenario's result line is printed.
    pub progress: Progress,
}

impl Default for SuiteOptions {
    fn default() -> Self {
        SuiteOptions {
            feature_roots: vec![crate::workspace_root().join("features")],
            selection: Selection::default(),
            concurrency: default_concurrency(),
            keep_dirs: false,
            verbose: false,
            progress: Progress::hidden(),
        }
    }
}

/// Scenarios mostly wait on the network, so a few per core keep the machine busy
/// without starving the servers under test.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map(|n| n.get() * 3).unwrap_or(4).clamp(2, 16)
}

/// How many of the selected scenarios `target` runs (the others it skips): what
/// `run_target` will count, for a progress that spans several targets.
pub fn runnable_count(target: &Target, opts: &SuiteOptions) -> Result<usize> {
    let all = catalog::load(&opts.feature_roots)?;
    let selected = catalog::select(&all, &opts.selection)?;
    Ok(selected.iter().filter(|e| catalog::skip_reason(e, target).is_none()).count())
}

/// Runs every selected scenario against `target`.
pub async fn run_target(target: Target, opts: &SuiteOptions) -> Result<TargetRun> {
    let started = Instant::now();
    let all = catalog::load(&opts.feature_roots)?;
    let selected = catalog::select(&all, &opts.selection)?;
    let expectations = Expectations::load(target.expectations.as_deref())?;
    for id in expectations.expected_failures.keys().chain(expectations.unstable.keys()) {
        if !all.iter().any(|e| &e.id == id) {
            bail!("expectations file lists '{id}', which is not a scenario (remove it)");
        }
    }

    let mut skipped = Vec::new();
    let mut runnable: HashMap<(PathBuf, String), Entry> = HashMap::new();
    for e in &selected {
        match catalog::skip_reason(e, &target) {
            Some(reason) => skipped.push(result_for(e, Outcome::Skipped, Some(reason), &expectations)),
            None => {
                runnable.insert((e.feature_path.clone(), e.name.clone()), (*e).clone());
            }
        }
    }

    // Goldens are recorded from the oracle only: any other target compares, never writes.
    if !target.records_goldens() {
        std::env::set_var("INSTA_UPDATE", "no");
    }

    let run_root =
        tempfile::Builder::new().prefix(&format!("nats-conformance-{}-", sanitize(&target.name))).tempdir()?.keep();
    let version = target.version_text.clone();
    let target_name = target.name.clone();
    let ctx = Arc::new(RunContext {
        target,
        run_root: run_root.clone(),
        entries: runnable,
        expectations: expectations.clone(),
        results: Mutex::new(Vec::new()),
        keep_dirs: opts.keep_dirs,
    });
    world::set_context(ctx.clone());
    let progress = &opts.progress;
    progress.println(format!(
        "conformance: target {target_name} ({version}): {} scenarios selected, {} to run, {} skipped; scenario folders under {}",
        selected.len(),
        ctx.entries.len(),
        skipped.len(),
        run_root.display()
    ));
    progress.add_to_plan(ctx.entries.len() as u64);
    progress.set_label(format!("starting on {target_name}"));

    if !ctx.entries.is_empty() {
        for root in &opts.feature_roots {
            run_root_features(root.clone(), ctx.clone(), opts).await;
        }
    }

    let mut results = std::mem::take(&mut *ctx.results.lock().map_err(|_| anyhow::anyhow!("results poisoned"))?);
    // A scenario cucumber never reported (a parse problem, a hook crash) is a failure.
    for e in ctx.entries.values() {
        if !results.iter().any(|r| r.id == e.id) {
            results.push(result_for(e, Outcome::Failed, Some("scenario did not run".into()), &expectations));
        }
    }
    results.extend(skipped);
    let order: HashMap<&str, usize> = all.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
    results.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));

    let failed_any = results.iter().any(|r| r.outcome == Outcome::Failed);
    if !failed_any && !opts.keep_dirs {
        let _ = std::fs::remove_dir_all(&run_root);
    } else if failed_any {
        progress.println(format!("conformance: kept scenario folders of failures under {}", run_root.display()));
    }
    Ok(TargetRun { target: target_name, version, scenarios: results, wall_time: started.elapsed() })
}

async fn run_root_features(root: PathBuf, ctx: Arc<RunContext>, opts: &SuiteOptions) {
    let out: Box<dyn std::io::Write> =
        if opts.verbose { Box::new(AboveProgress::new(opts.progress.clone())) } else { Box::new(std::io::sink()) };
    let filter_ctx = ctx.clone();
    let before_ctx = ctx.clone();
    let after_ctx = ctx.clone();
    let (before_progress, after_progress) = (opts.progress.clone(), opts.progress.clone());
    // Every result line, or only those that break expectations while a progress shows.
    let every_line = opts.verbose || !opts.progress.is_shown();
    NatsWorld::cucumber()
        .with_writer(writer::Basic::raw(out, writer::Coloring::Never, writer::Verbosity::Default).normalized())
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default())
        // Scenarios on a url: target share one server and its subjects: one at a time.
        .max_concurrent_scenarios(if matches!(ctx.target.launch, crate::target::Launch::Url(_)) {
            1
        } else {
            opts.concurrency
        })
        .before(move |feature, _rule, scenario, w| {
            let ctx = before_ctx.clone();
            let progress = before_progress.clone();
            Box::pin(async move {
                let key = (feature.path.clone().unwrap_or_default(), scenario.name.clone());
                if let Some(e) = ctx.entries.get(&key) {
                    w.dir = ctx.run_root.join(sanitize(&e.id));
                    w.entry = Some(e.clone());
                    progress.set_label(format!("{} on {}", e.subsystem, ctx.target.name));
                }
                w.started = Instant::now();
            })
        })
        .after(move |_feature, _rule, _scenario, finished, w| {
            let ctx = after_ctx.clone();
            let progress = after_progress.clone();
            Box::pin(async move {
                let Some(w) = w else { return };
                let Some(entry) = w.entry.clone() else { return };
                let (outcome, message) = match finished {
                    ScenarioFinished::StepPassed => (Outcome::Passed, None),
                    ScenarioFinished::StepSkipped => (
                        Outcome::Failed,
                        Some("a step has no definition (see the step vocabulary in README.md)".into()),
                    ),
                    ScenarioFinished::StepFailed(_, _, err) => {
                        let text = err.to_string();
                        (Outcome::Failed, Some(text.trim_start_matches("Step panicked. Captured output: ").to_string()))
                    }
                    ScenarioFinished::BeforeHookFailed(info) => {
                        (Outcome::Failed, Some(format!("before hook failed: {}", panic_text(info))))
                    }
                };
                let mut r = result_for(&entry, outcome, message, &ctx.expectations);
                r.duration_ms = w.started.elapsed().as_millis() as u64;
                if outcome == Outcome::Failed {
                    r.server_logs = w.server_logs();
                    r.folder = Some(w.dir.display().to_string());
                    if let Some(m) = &mut r.message {
                        m.push_str(&format!("\nscenario folder: {}", w.dir.display()));
                    }
                }
                for s in w.servers.values_mut() {
                    s.kill();
                }
                if outcome == Outcome::Passed && !ctx.keep_dirs {
                    let _ = std::fs::remove_dir_all(&w.dir);
                }
                let mark = match (outcome, r.meets_expectation()) {
                    (Outcome::Passed, true) => "ok  ",
                    (Outcome::Passed, false) => "PASS (expected to fail)",
                    (_, true) => "xfail",
                    (_, false) => "FAIL",
                };
                if every_line || !r.meets_expectation() {
                    progress.println(format!("{mark} {} ({} ms)", r.id, r.duration_ms));
                }
                progress.advance(!r.meets_expectation());
                if let Ok(mut all) = ctx.results.lock() {
                    all.push(r);
                }
            })
        })
        .filter_run(root, move |feature, _rule, scenario| {
            let key = (feature.path.clone().unwrap_or_default(), scenario.name.clone());
            filter_ctx.entries.contains_key(&key)
        })
        .await;
}

fn panic_text(info: &cucumber::event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "panic".into()
    }
}

fn result_for(e: &Entry, outcome: Outcome, message: Option<String>, exp: &Expectations) -> ScenarioResult {
    ScenarioResult {
        id: e.id.clone(),
        subsystem: e.subsystem.clone(),
        feature: e.feature_rel.clone(),
        name: e.name.clone(),
        go_tests: e.go_tests.clone(),
        tags: e.tags.clone(),
        outcome,
        message,
        expected_failure: exp.reason(&e.id).map(str::to_string),
        unstable: exp.is_unstable(&e.id),
        server_logs: Vec::new(),
        folder: None,
        duration_ms: 0,
    }
}

/// Makes an id or target name safe as a file name.
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Prints what broke the expectations, with server logs, and the closing line CI reads.
pub fn print_summary(run: &TargetRun) -> bool {
    let violations: Vec<_> = run.violations().collect();
    for v in &violations {
        println!(
            "\n==== {} on {}: {}",
            v.id,
            run.target,
            if v.outcome == Outcome::Passed {
                "passed but is listed as an expected failure; remove it from the expectations file"
            } else {
                "FAILED"
            }
        );
        if let Some(m) = &v.message {
            println!("{m}");
        }
        for log in &v.server_logs {
            // A start-up failure already carries its log in the message.
            let header = log.lines().next().unwrap_or_default();
            if !v.message.as_deref().unwrap_or_default().contains(header) {
                println!("{log}");
            }
        }
    }
    let passed = run.count(Outcome::Passed);
    let failed = run.count(Outcome::Failed);
    let skipped = run.count(Outcome::Skipped);
    let xfail = run.scenarios.iter().filter(|s| s.outcome == Outcome::Failed && s.expected_failure.is_some()).count();
    println!(
        "\ntarget {}: {passed} passed, {failed} failed ({xfail} expected), {skipped} skipped, {} unmet expectations, in {:.1}s",
        run.target,
        violations.len(),
        run.wall_time.as_secs_f64()
    );
    violations.is_empty()
}
