//! `cargo test -p conformance`: the default tier against the bundled rnats, honouring
//! `targets/rnats.expect.toml`. Set CONFORMANCE_TARGET to run another target.
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
        match suite::run_target(t, &SuiteOptions::default()).await {
            Ok(run) => {
                let ok = suite::print_summary(&run);
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
