//! `conformance`: run the NATS conformance suite against one or more targets and
//! write parity reports. See README.md for the commands. Long runs show their progress
//! on stderr (a live bar on a terminal, plain lines elsewhere).
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use conformance::catalog::{self, Selection};
use conformance::progress::Progress;
use conformance::results::{Outcome, TargetRun};
use conformance::suite::{self, SuiteOptions};
use conformance::{harness, target};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "conformance", about = "NATS server conformance suite and parity reports")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against one target; exit 0 only when every scenario meets its expectations.
    Run {
        #[arg(long, default_value = "rnats")]
        target: String,
        #[command(flatten)]
        common: Common,
    },
    /// Run the suite against each target (rnats and the Go oracle by default, installing the
    /// oracle when it is missing) and write target/parity/ (report.md, .json, .html, junit).
    Report {
        #[arg(long = "target", default_values_t = vec!["rnats".to_string(), "go".to_string()])]
        targets: Vec<String>,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open report.html in the web browser afterwards ($BROWSER, xdg-open or open).
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Benchmark targets with the same workloads and print each figure with its ratio to go.
    Bench {
        #[arg(long = "target", default_values_t = vec!["rnats".to_string(), "go".to_string()])]
        targets: Vec<String>,
        /// Small workloads, for a smoke run.
        #[arg(long)]
        quick: bool,
        /// Rounds; targets alternate within each round and each figure keeps its best.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Only one group of workloads.
        #[arg(long, value_enum)]
        only: Option<conformance::bench::Group>,
    },
    /// Crash test for the JetStream file store: publish with acks, kill -9 the server at
    /// random moments, restart it and check that every acknowledged message survived.
    Crash {
        #[arg(long, default_value = "rnats")]
        target: String,
        /// Kill/restart cycles.
        #[arg(long, default_value_t = 20)]
        kills: usize,
        /// Seed for the kill delays (default: from the clock; always printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Publishes awaiting their ack at once.
        #[arg(long, default_value_t = 16)]
        window: usize,
        /// Shortest delay from the publisher's start to the kill, in ms.
        #[arg(long, default_value_t = 100)]
        min_delay_ms: u64,
        /// Longest delay from the publisher's start to the kill, in ms.
        #[arg(long, default_value_t = 600)]
        max_delay_ms: u64,
        /// Keep the server folder (config, log, store) even when nothing was lost.
        #[arg(long)]
        keep: bool,
        /// Print a line per kill/restart cycle.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Record NRG (RAFT) traffic of a three-node JetStream cluster as golden vectors
    /// (Go oracle only): `capture-nrg --out golden/nrg/capture-2.15.1.json`.
    CaptureNrg {
        #[arg(long, default_value = "go")]
        target: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// List the selected scenarios with their ids and tags.
    List {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Cucumber tag expression, e.g. "@process and not @cluster".
    #[arg(long)]
    tags: Option<String>,
    /// Only this subsystem (core, jetstream, ...).
    #[arg(long)]
    subsystem: Option<String>,
    /// Extra folder of .feature files using the same steps.
    #[arg(long = "features")]
    features: Vec<PathBuf>,
    /// Include the @slow tier.
    #[arg(long)]
    slow: bool,
    /// Scenarios in flight at once.
    #[arg(long)]
    concurrency: Option<usize>,
    /// Keep every scenario's folder (logs, configs, stores), not only failures'.
    #[arg(long)]
    keep: bool,
    /// Print every scenario's result line and cucumber's step-by-step output (otherwise
    /// the progress display counts them and only unmet expectations are printed).
    #[arg(long, short)]
    verbose: bool,
}

impl Common {
    fn options(&self, progress: Progress) -> SuiteOptions {
        let mut o = SuiteOptions::default();
        o.feature_roots.extend(self.features.iter().cloned());
        o.selection = Selection { tags: self.tags.clone(), subsystem: self.subsystem.clone(), include_slow: self.slow };
        if let Some(c) = self.concurrency {
            o.concurrency = c.max(1);
        }
        o.keep_dirs = self.keep;
        o.verbose = self.verbose;
        o.progress = progress;
        o
    }
}

fn main() {
    let cli = Cli::parse();
    harness::install_reaper();
    let _guard = harness::ReaperGuard;
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("conformance: cannot start tokio: {e}");
            std::process::exit(2);
        }
    };
    let code = match rt.block_on(run(cli)) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("conformance: error: {e:#}");
            2
        }
    };
    drop(_guard);
    std::process::exit(code);
}

async fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Run { target, common } => {
            let t = target::resolve_or_install(&target)?;
            let progress = Progress::on_stderr("scenarios");
            let run = suite::run_target(t, &common.options(progress.clone())).await?;
            progress.finish();
            let ok = suite::print_summary(&run);
            print_failures(std::slice::from_ref(&run));
            closing_line(&[run]);
            Ok(ok)
        }
        Command::Report { targets, out, open, common } => {
            // Every target first: a missing oracle is installed (or its absence
            // reported) before minutes go into the first target.
            let resolved = targets.iter().map(|n| target::resolve_or_install(n)).collect::<Result<Vec<_>>>()?;
            let progress = Progress::on_stderr("scenarios");
            let opts = common.options(progress.clone());
            let mut total = 0;
            for t in &resolved {
                total += suite::runnable_count(t, &opts)?;
            }
            progress.fix_total(total as u64);
            let mut runs = Vec::new();
            for t in resolved {
                runs.push(suite::run_target(t, &opts).await?);
            }
            progress.finish();
            let mut ok = true;
            for run in &runs {
                ok &= suite::print_summary(run);
            }
            let out = out.unwrap_or_else(|| conformance::workspace_root().join("target/parity"));
            conformance::report::write_reports(&runs, &out, &conformance::report::GoCoverageIndex::builtin())?;
            println!("\n{}", conformance::report::terminal_summary(&runs));
            print_failures(&runs);
            println!("reports written to {}", out.display());
            if open {
                open_in_browser(&out.join("report.html"));
            }
            closing_line(&runs);
            Ok(ok)
        }
        Command::Bench { targets, quick, rounds, only } => {
            use conformance::bench;
            let mut scale = if quick { bench::Scale::quick() } else { bench::Scale::full() };
            scale.only = only;
            let root = tempfile::Builder::new().prefix("nats-conformance-bench-").tempdir()?;
            let resolved = targets.iter().map(|n| target::resolve_or_install(n)).collect::<Result<Vec<_>>>()?;
            let mut results: Vec<(String, Vec<bench::Figure>)> =
                resolved.iter().map(|t| (t.name.clone(), Vec::new())).collect();
            let rounds = rounds.max(1);
            let progress = Progress::on_stderr("workload groups");
            progress.fix_total((rounds * resolved.len() * scale.groups().len()) as u64);
            for round in 1..=rounds {
                for (i, t) in resolved.iter().enumerate() {
                    progress.println(format!("bench round {round}: {} ({})", t.name, t.version_text));
                    let figs = bench::run_target(t, scale, root.path(), &progress).await?;
                    bench::keep_best(&mut results[i].1, figs);
                }
            }
            progress.finish();
            println!("\n{}", bench::table(&results));
            Ok(true)
        }
        Command::CaptureNrg { target, out } => {
            let t = target::resolve_or_install(&target)?;
            if !t.records_goldens() {
                anyhow::bail!("golden vectors are recorded from the Go oracle only (--target go)");
            }
            let root = tempfile::tempdir()?;
            let n = conformance::capture::capture_nrg(&t, root.path(), &out).await?;
            println!("capture-nrg: wrote {n} messages to {}", out.display());
            Ok(true)
        }
        Command::Crash { target, kills, seed, window, min_delay_ms, max_delay_ms, keep, verbose } => {
            use conformance::crash;
            let t = target::resolve_or_install(&target)?;
            let progress = Progress::on_stderr("kills");
            let opts = crash::CrashOptions {
                kills,
                seed: seed.unwrap_or_else(crash::random_seed),
                window,
                min_delay: std::time::Duration::from_millis(min_delay_ms),
                max_delay: std::time::Duration::from_millis(max_delay_ms.max(min_delay_ms)),
                keep,
                keep_failed: true,
                verbose,
                progress: progress.clone(),
            };
            let report = crash::run(&t, &opts).await;
            progress.finish();
            let report = report?;
            if !report.ok() {
                println!("crash: acknowledged messages were lost or changed (first of each kind):");
                print!("{}", report.details());
                println!("{}", report.log_tail);
            }
            if let Some(dir) = &report.kept_dir {
                println!("crash: server folder kept at {}", dir.display());
            }
            if report.publish_errors > 0 {
                println!(
                    "crash: {} publishes were answered with an error (not counted as losses)",
                    report.publish_errors
                );
            }
            println!("{} (seed {}, target {})", report.summary(), report.seed, report.target);
            Ok(report.ok())
        }
        Command::List { common } => {
            let opts = common.options(Progress::hidden());
            let all = catalog::load(&opts.feature_roots)?;
            let sel = catalog::select(&all, &opts.selection)?;
            for e in &sel {
                println!("{}\t{}", e.id, e.tags.iter().map(|t| format!("@{t}")).collect::<Vec<_>>().join(" "));
            }
            for (sub, n) in catalog::per_subsystem(&sel) {
                println!("# {sub}: {n}");
            }
            Ok(true)
        }
    }
}

/// The unmet expectations of the runs, grouped by subsystem with their folders.
fn print_failures(runs: &[TargetRun]) {
    let text = conformance::report::failures_by_subsystem(runs);
    if !text.is_empty() {
        println!("{text}");
    }
}

/// `report --open`: the page in a browser, or its path when there is none.
fn open_in_browser(page: &std::path::Path) {
    match conformance::browser::open(page) {
        Some(how) => println!("opened {} ({how})", page.display()),
        None => println!("no web browser found (set BROWSER to one); open file://{}", page.display()),
    }
}

/// The plain line CI reads: passes, unmet expectations, and everything else.
fn closing_line(runs: &[TargetRun]) {
    let passed: usize = runs.iter().map(|r| r.count(Outcome::Passed)).sum();
    let failed: usize = runs.iter().map(|r| r.violations().count()).sum();
    // An unexpected pass is both a pass and an unmet expectation.
    let other: usize = runs.iter().map(|r| r.scenarios.len()).sum::<usize>().saturating_sub(passed + failed);
    let xfail: usize = runs.iter().map(|r| r.expected_failures()).sum();
    if xfail > 0 {
        println!(
            "conformance: {xfail} expected failures (listed in the targets' expectations files) count as skipped below"
        );
    }
    println!("conformance: {passed} passed, {failed} failed, {other} skipped");
}
