//! `cargo test -p conformance`: the default tier against the bundled rnats, honouring
//! `targets/rnats.expect.toml`. Set CONFORMANCE_TARGET to run another target. Shows its
//! progress on stderr; `CONFORMANCE_VERBOSE=1` prints every scenario's line too.
use conformance::progress::Progress;
use conformance::suite::{self, SuiteOptions};
use conformance::{harness, target};

fn main() {
    harness::install_reaper();
    let guard = harness::ReaperGuard;
    let name = std::env::var("CONFORMANCE_TARGET").unwrap_or_else(|_| "rnats".into());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let ok = rt.block_on(async {
        let t = match target::resolve(&name) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("conformance: {e:#}");
                return false;
            }
        };
        let progress = Progress::on_stderr("scenarios");
        let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some_and(|v| !v.is_empty() && v != "0");
        let opts = SuiteOptions { progress: progress.clone(), verbose, ..SuiteOptions::default() };
        let outcome = suite::run_target(t, &opts).await;
        progress.finish();
        match outcome {
            Ok(run) => {
                let ok = suite::print_summary(&run);
                let grouped = conformance::report::failures_by_subsystem(std::slice::from_ref(&run));
                if !grouped.is_empty() {
                    println!("{grouped}");
                }
                let passed = run.count(conformance::results::Outcome::Passed);
                let failed = run.violations().count();
                if run.expected_failures() > 0 {
                    println!(
                        "conformance: {} expected failures (listed in the target's expectations file) count as skipped below",
                        run.expected_failures()
                    );
                }
                println!(
                    "conformance: {passed} passed, {failed} failed, {} skipped",
                    run.scenarios.len() - passed - failed
                );
                ok
            }
            Err(e) => {
                eprintln!("conformance: {e:#}");
                false
            }
        }
    });
    drop(guard);
    if !ok {
        std::process::exit(1);
    }
}
