//! The kill -9 crash test of the JetStream file store, small enough for every
//! `cargo test`: 3 kills against the bundled rnats (CONFORMANCE_TARGET picks another
//! target). A target whose expectations file sets `crash = "reason"` must lose
//! acknowledged messages; once it loses none, the test fails until the line is removed,
//! as with an expected scenario failure.
use conformance::crash::{self, CrashOptions};
use conformance::expectations::Expectations;
use conformance::{harness, target};
use std::time::Duration;

#[test]
fn kill_9_keeps_every_acknowledged_message() {
    harness::install_reaper();
    let _guard = harness::ReaperGuard;
    let name = std::env::var("CONFORMANCE_TARGET").unwrap_or_else(|_| "rnats".into());
    let t = target::resolve(&name).unwrap_or_else(|e| panic!("{e:#}"));
    let expected_loss = Expectations::load(t.expectations.as_deref()).expect("expectations file").crash;
    let opts = CrashOptions {
        kills: 3,
        seed: 1,
        window: 16,
        min_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        keep: false,
        keep_failed: expected_loss.is_none(),
        verbose: true,
        ..CrashOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let report = rt.block_on(crash::run(&t, &opts)).unwrap_or_else(|e| panic!("{e:#}"));
    println!("{}", report.summary());
    assert_eq!(report.kills, 3, "{}", report.summary());
    assert!(report.acknowledged > 3, "the publisher got almost no acks: {}", report.summary());
    match expected_loss {
        None => assert!(
            report.ok(),
            "{}\n{}{}\n{}",
            report.summary(),
            report.details(),
            report.log_tail,
            report.kept_dir.map(|d| format!("server folder kept at {}", d.display())).unwrap_or_default()
        ),
        Some(reason) => {
            println!("expected to lose messages on {name}: {reason}");
            assert!(
                report.lost + report.changed > 0,
                "{name} lost no acknowledged message in the crash test, but its expectations file still says \
                 crash = {reason:?}; remove that line ({})",
                report.summary()
            );
        }
    }
}
