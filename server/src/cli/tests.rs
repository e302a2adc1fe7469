use super::*;

fn run(args: &[&str]) -> Outcome {
    evaluate(args.iter().map(|s| s.to_string()))
}

fn opts(args: &[&str]) -> Options {
    match run(args) {
        Outcome::Run { options, .. } => *options,
        other => panic!("expected Run for {args:?}, got {other:?}"),
    }
}

fn exited(args: &[&str]) -> (String, String, i32) {
    match run(args) {
        Outcome::Exit { stdout, stderr, code } => (stdout, stderr, code),
        other => panic!("expected Exit for {args:?}, got {other:?}"),
    }
}

#[test]
fn defaults_without_flags() {
    assert_eq!(opts(&[]), Options::default());
}

#[test]
fn single_and_double_dash_alike() {
    for a in [["-p", "5000"], ["--p", "5000"], ["-port", "5000"], ["--port", "5000"]] {
        assert_eq!(opts(&a).port, 5000, "{a:?}");
    }
    assert_eq!(opts(&["-p=5001"]).port, 5001);
    assert_eq!(opts(&["--port=5002"]).port, 5002);
}

#[test]
fn random_port() {
    assert_eq!(opts(&["-p", "-1"]).port, -1);
    assert_eq!(opts(&["-m", "-1"]).http_port, -1);
}

#[test]
fn multi_letter_single_dash_flags() {
    let o = opts(&["-js", "-sd", "/tmp/store", "-DV"]);
    assert!(o.jetstream.enabled);
    assert_eq!(o.jetstream.store_dir.as_deref(), Some(std::path::Path::new("/tmp/store")));
    assert!(o.debug && o.trace);
    let o = opts(&["-DVV"]);
    assert!(o.debug && o.trace && o.trace_verbose);
    let o = opts(&["-VV"]);
    assert!(o.trace && o.trace_verbose && !o.debug);
}

#[test]
fn string_flags_and_aliases() {
    let o = opts(&[
        "-a",
        "127.0.0.1",
        "-n",
        "srv",
        "-P",
        "/tmp/pid",
        "-l",
        "/tmp/log",
        "--ports_file_dir",
        "/tmp",
        "--user",
        "u",
        "--pass",
        "-dash-pass",
        "--cluster_name",
        "cn",
    ]);
    assert_eq!(o.host, "127.0.0.1");
    assert_eq!(o.server_name.as_deref(), Some("srv"));
    assert_eq!(o.pid_file.as_deref(), Some(std::path::Path::new("/tmp/pid")));
    assert_eq!(o.log_file.as_deref(), Some(std::path::Path::new("/tmp/log")));
    assert_eq!(o.username.as_deref(), Some("u"));
    // Like Go, a value flag takes the next argument even if it starts with '-'.
    assert_eq!(o.password.as_deref(), Some("-dash-pass"));
    assert_eq!(o.cluster.name.as_deref(), Some("cn"));
    assert_eq!(opts(&["--net", "h"]).host, "h");
    assert_eq!(opts(&["--addr", "h2"]).host, "h2");
    assert_eq!(opts(&["--server_name", "x"]).server_name.as_deref(), Some("x"));
    assert_eq!(opts(&["--auth", "tok"]).authorization.as_deref(), Some("tok"));
}

#[test]
fn bool_flags_take_optional_value() {
    assert!(!opts(&["-T=false"]).logtime);
    assert!(opts(&["-T"]).logtime);
    assert!(!opts(&["-D=0"]).debug);
    assert!(opts(&["--debug=true"]).debug);
    let (_, err, code) = exited(&["-T=maybe"]);
    assert_eq!(err, "invalid boolean value \"maybe\" for -T: parse error\n");
    assert_eq!(code, 0);
}

#[test]
fn last_flag_wins() {
    assert_eq!(opts(&["-p", "1", "--port", "2"]).port, 2);
}

#[test]
fn flag_errors_match_go() {
    let (out, err, code) = exited(&["--bogus"]);
    assert_eq!(err, "flag provided but not defined: -bogus\n");
    assert!(out.contains("Usage: rnats [options]"));
    assert_eq!(code, 0, "Go's usage() exits 0 even after a flag error");
    let (_, err, _) = exited(&["-p", "abc"]);
    assert_eq!(err, "invalid value \"abc\" for flag -p: parse error\n");
    let (_, err, _) = exited(&["-p", "99999999999999999999"]);
    assert_eq!(err, "invalid value \"99999999999999999999\" for flag -p: value out of range\n");
    let (_, err, _) = exited(&["-p"]);
    assert_eq!(err, "flag needs an argument: -p\n");
    let (_, err, _) = exited(&["---x"]);
    assert_eq!(err, "bad flag syntax: ---x\n");
}

#[test]
fn version_and_help() {
    assert_eq!(exited(&["-v"]), ("rnats: v2.15.1\n".into(), String::new(), 0));
    assert_eq!(exited(&["--version"]).0, "rnats: v2.15.1\n");
    assert_eq!(exited(&["version"]).0, "rnats: v2.15.1\n");
    assert!(exited(&["-h"]).0.contains("Usage: rnats"));
    assert!(exited(&["help"]).0.contains("Usage: rnats"));
    let (_, err, code) = exited(&["foo"]);
    assert_eq!((err.as_str(), code), ("rnats: unrecognized command: \"foo\"\n", 1));
}

#[test]
fn test_config_flag() {
    let (_, err, code) = exited(&["-t"]);
    assert_eq!(err, "rnats: must specify [-c, --config] option to check configuration file syntax\n");
    assert_eq!(code, 1);

    let dir = std::env::temp_dir().join(format!("rnats-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.conf");
    std::fs::write(&good, "port: 4333\ndebug: true\n").unwrap();
    let g = good.to_string_lossy().to_string();
    let (_, err, code) = exited(&["-t", "-c", &g]);
    // Go's digest of `{"debug":true,"port":4333}` plus a newline.
    assert_eq!(
        err,
        format!("rnats: configuration file {g} is valid (sha256:ea5d7fd74f0e821b5a4810660010df9e75083164024c09e4bf517bee19e4c463)\n")
    );
    assert_eq!(code, 0);

    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "port: 4333\nfoo: 1\n").unwrap();
    let b = bad.to_string_lossy().to_string();
    let (_, err, code) = exited(&["-t", "-c", &b]);
    assert_eq!(err, format!("rnats: {b}:2:1: unknown field \"foo\"\n\n"));
    assert_eq!(code, 1);

    // Warnings fail -t but not a normal start.
    let warn = dir.join("warn.conf");
    std::fs::write(&warn, "ping_interval: 60\n").unwrap();
    let w = warn.to_string_lossy().to_string();
    assert_eq!(exited(&["-t", "-c", &w]).2, 1);
    match run(&["-c", &w]) {
        Outcome::Run { warnings, .. } => assert!(warnings.contains("should be converted")),
        other => panic!("{other:?}"),
    }

    // Flags override the file.
    let o = opts(&["-c", &g, "-p", "5555", "-D=false"]);
    assert_eq!(o.port, 5555);
    assert!(!o.debug);
    let o = opts(&["-c", &g]);
    assert_eq!(o.port, 4333);
    assert!(o.debug);

    let (_, err, code) = exited(&["-c", "/nonexistent/x.conf"]);
    // A file that cannot be read is a plain error in Go: one newline.
    assert_eq!(err, "rnats: open /nonexistent/x.conf: no such file or directory\n");
    assert_eq!(code, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cluster_and_routes() {
    let o = opts(&["--cluster", "nats://u:p@127.0.0.1:6222", "--routes", "nats://a:1, nats://b:2"]);
    assert_eq!((o.cluster.host.as_str(), o.cluster.port), ("127.0.0.1", 6222));
    assert_eq!(o.cluster.username.as_deref(), Some("u"));
    assert_eq!(o.cluster.password.as_deref(), Some("p"));
    assert_eq!(o.cluster.routes, ["nats://a:1", "nats://b:2"]);
    assert_eq!(opts(&["--cluster", "nats://0.0.0.0:-1"]).cluster.port, -1);
    assert_eq!(opts(&["--cluster_listen", "nats://h:7"]).cluster.port, 7);
    let (_, err, _) = exited(&["--routes", "nats://a:1"]);
    assert_eq!(err, "rnats: solicited routes require cluster capabilities, e.g. --cluster\n");
    let (_, err, _) = exited(&["--cluster", "nats://u@h:1"]);
    assert!(err.contains("expected cluster password to be set"));
    assert!(opts(&["--no_advertise"]).cluster.no_advertise);
}

#[test]
fn https_and_tls_refused() {
    let (_, err, code) = exited(&["-ms", "8443"]);
    assert!(err.contains("TLS"), "{err}");
    assert_eq!(code, 1);
    assert_eq!(exited(&["--tls"]).2, 1);
}

#[test]
fn signals() {
    let (_, err, code) = exited(&["--signal", "foo=1"]);
    assert_eq!((err.as_str(), code), ("rnats: unknown signal \"foo\"\n", 1));
    let (_, err, _) = exited(&["-sl", "reload=abc"]);
    assert_eq!(err, "rnats: invalid pid: abc\n");
    let (_, err, _) = exited(&["-sl", "reload=1=2"]);
    assert_eq!(err, "rnats: invalid signal parameters: [\"2\"]\n");
    // A pid far above pid_max does not exist.
    let (_, err, _) = exited(&["--signal", "reload=999999999"]);
    assert_eq!(err, "rnats: \nsignal \"reload\" 999999999: no such process\n");
}

#[test]
fn signal_reaches_a_process() {
    // Signal a child `sleep` with SIGTERM via a pid file.
    let mut child = match std::process::Command::new("sleep").arg("30").spawn() {
        Ok(c) => c,
        Err(_) => return, // no `sleep` on this machine
    };
    let pidfile = std::env::temp_dir().join(format!("rnats-sig-{}.pid", std::process::id()));
    std::fs::write(&pidfile, child.id().to_string()).unwrap();
    let spec = format!("term={}", pidfile.display());
    assert_eq!(exited(&["--signal", &spec]).2, 0);
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM));
    let _ = std::fs::remove_file(&pidfile);
}

#[test]
fn go_int_forms() {
    assert_eq!(go_int("0x10"), Ok(16));
    assert_eq!(go_int("010"), Ok(8));
    assert_eq!(go_int("-1"), Ok(-1));
    assert_eq!(go_int("1_000"), Ok(1000));
    assert!(go_int("").is_err());
    assert!(go_int("1.5").is_err());
}
