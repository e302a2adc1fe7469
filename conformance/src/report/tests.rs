//! Unit tests of the reports: parity, keys and file names, the Go coverage index, and
//! every format written from sample runs (plus an ignored demo that writes a report to look at).
use super::coverage::{Coverage, GoCoverageIndex};
use super::json::json_report;
use super::junit::{escape_xml_attr, junit_file_names};
use super::model::{target_keys, Model, Parity};
use super::*;
use crate::results::{Outcome, ScenarioResult};
use std::time::Duration;

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
        unstable: false,
        server_logs: vec![],
        folder: None,
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
    assert_eq!(idx.groups().len(), 22);
    for g in idx.groups() {
        assert_eq!(g.tests as usize, g.indexed_tests, "{}", g.file);
        assert!(g.wire_portable <= g.tests, "{}", g.file);
    }
    assert_eq!(idx.groups().iter().map(|g| g.tests).sum::<u32>(), 2777);
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
    assert!(xml
        .contains(r#"<property name="expected_failure" value="not implemented &lt;yet&gt; &amp; &quot;soon&quot;"/>"#));
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

#[test]
fn a_subsystem_a_target_skipped_entirely_has_no_parity() {
    use Outcome::*;
    let go = run("go", vec![sc("core/pubsub/a", Passed, &[]), sc("cluster/routes/b", Passed, &[])]);
    let mix = run("mix:go,rnats", vec![sc("core/pubsub/a", Skipped, &[]), sc("cluster/routes/b", Passed, &[])]);
    let md = markdown_summary(&[go, mix]);
    let core = md.lines().find(|l| l.starts_with("| core ")).unwrap();
    assert!(core.contains("n/a (not run)"), "{core}");
    let cluster = md.lines().find(|l| l.starts_with("| cluster ")).unwrap();
    assert!(cluster.matches("100.0% (1/1)").count() == 2, "{cluster}");
    assert_eq!(Parity::NotRun.value(), None);
}

#[test]
fn the_terminal_table_has_a_parity_bar_per_subsystem() {
    let runs = sample();
    let t = terminal_summary(&runs);
    let core = t.lines().find(|l| l.starts_with("core ")).unwrap();
    // go passes 2 in core, bin:/x/y 1: half the bar.
    assert!(core.contains("██████████ 100.0%  2/0/0"), "{t}");
    assert!(core.contains("█████░░░░░  50.0%  1/1/0"), "{t}");
    let cluster = t.lines().find(|l| l.starts_with("cluster ")).unwrap();
    assert!(cluster.contains("n/a  1/0/0 (none pass on go)"), "{t}");
    assert!(t.lines().last().unwrap().starts_with("total "), "{t}");
    // Subsystems without scenarios are left out.
    assert!(!t.lines().any(|l| l.starts_with("norace")), "{t}");
    assert_eq!(super::terminal::parity_bar(Parity::Ratio { passed: 834, go_passed: 1000 }), "████████░░");
    assert_eq!(super::terminal::parity_bar(Parity::Ratio { passed: 999, go_passed: 1000 }), "█████████░");
    assert_eq!(super::terminal::parity_bar(Parity::NoGoRun), " ".repeat(10));
}

#[test]
fn failures_are_grouped_by_subsystem_with_their_folder() {
    use Outcome::*;
    let mut a = sc("jetstream/streams/a", Failed, &[]);
    a.message =
        Some("Step failed: Then the reply field \"x\" is \"1\"\nexpected 1, got 2\nscenario folder: /tmp/r/a".into());
    a.folder = Some("/tmp/r/a".into());
    let mut b = sc("core/pubsub/b", Failed, &[]);
    b.folder = Some("/tmp/r/b".into());
    let mut c = sc("jetstream/streams/c", Passed, &[]);
    c.expected_failure = Some("not yet".into());
    let mut d = sc("jetstream/streams/d", Failed, &[]);
    d.expected_failure = Some("not yet".into());
    let runs = vec![run("rnats", vec![a, b, c, d, sc("core/pubsub/e", Passed, &[])])];
    let text = failures_by_subsystem(&runs);
    let expected = "Unmet expectations by subsystem (3):
  core: 1
    FAIL core/pubsub/b on rnats: message for core/pubsub/b
         folder: /tmp/r/b
  jetstream: 2
    FAIL jetstream/streams/a on rnats: Step failed: Then the reply field \"x\" is \"1\"
         folder: /tmp/r/a
    PASS jetstream/streams/c on rnats: listed as an expected failure; remove it from the expectations file
";
    assert_eq!(text, expected);
    assert_eq!(failures_by_subsystem(&[run("go", vec![sc("core/pubsub/e", Passed, &[])])]), "");
}
