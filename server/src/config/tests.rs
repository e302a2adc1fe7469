use super::parse::parse_integer_for_test as int;
use super::*;

fn parse(s: &str) -> Map {
    match parse_str(s) {
        Ok(m) => m,
        Err(e) => panic!("parse failed for {s:?}: {e}"),
    }
}

fn err(s: &str) -> String {
    match parse_str(s) {
        Ok(m) => panic!("expected error for {s:?}, got {m:?}"),
        Err(e) => e.to_string(),
    }
}

fn kind<'a>(m: &'a Map, k: &str) -> &'a Kind {
    &m.get(k).unwrap_or_else(|| panic!("missing key {k}")).kind
}

#[test]
fn key_value_separators() {
    let m = parse("a: 1\nb = 2\nc 3\nd:4\n");
    assert_eq!(kind(&m, "a"), &Kind::Int(1));
    assert_eq!(kind(&m, "b"), &Kind::Int(2));
    assert_eq!(kind(&m, "c"), &Kind::Int(3));
    assert_eq!(kind(&m, "d"), &Kind::Int(4));
}

#[test]
fn semicolons_and_commas_end_values() {
    let m = parse("a = 1; b = 2, c = 3");
    assert_eq!(m.len(), 3);
}

#[test]
fn strings() {
    let m = parse("a: \"dq\"\nb: 'sq'\nc: unquoted\nd: \"x\\ty\\n\\\"\\\\\"\ne: \"\\x41\"\n");
    assert_eq!(kind(&m, "a"), &Kind::String("dq".into()));
    assert_eq!(kind(&m, "b"), &Kind::String("sq".into()));
    assert_eq!(kind(&m, "c"), &Kind::String("unquoted".into()));
    assert_eq!(kind(&m, "d"), &Kind::String("x\ty\n\"\\".into()));
    assert_eq!(kind(&m, "e"), &Kind::String("A".into()));
}

#[test]
fn single_quotes_keep_backslashes() {
    let m = parse("a: 'c:\\dir\\n'\n");
    assert_eq!(kind(&m, "a"), &Kind::String("c:\\dir\\n".into()));
}

#[test]
fn quoted_keys() {
    let m = parse("\"my key\": 1\n'other key' = 2\n");
    assert_eq!(kind(&m, "my key"), &Kind::Int(1));
    assert_eq!(kind(&m, "other key"), &Kind::Int(2));
}

#[test]
fn booleans_like_go() {
    for (t, b) in
        [("true", true), ("TRUE", true), ("yes", true), ("on", true), ("false", false), ("no", false), ("Off", false)]
    {
        let m = parse(&format!("a: {t}"));
        assert_eq!(kind(&m, "a"), &Kind::Bool(b), "{t}");
    }
    // Quoted booleans are strings.
    assert_eq!(kind(&parse("a: \"true\""), "a"), &Kind::String("true".into()));
}

#[test]
fn numbers() {
    let m = parse("a: 42\nb: -7\nc: 1.5\nd: -0.25\n");
    assert_eq!(kind(&m, "a"), &Kind::Int(42));
    assert_eq!(kind(&m, "b"), &Kind::Int(-7));
    assert_eq!(kind(&m, "c"), &Kind::Float(1.5));
    assert_eq!(kind(&m, "d"), &Kind::Float(-0.25));
}

#[test]
fn size_suffixes_match_go() {
    assert_eq!(int("1k"), Ok(1000));
    assert_eq!(int("1K"), Ok(1000));
    assert_eq!(int("1kb"), Ok(1024));
    assert_eq!(int("1KiB"), Ok(1024));
    assert_eq!(int("1ki"), Ok(1024));
    assert_eq!(int("2m"), Ok(2_000_000));
    assert_eq!(int("2MB"), Ok(2 * 1024 * 1024));
    assert_eq!(int("3g"), Ok(3_000_000_000));
    assert_eq!(int("3gb"), Ok(3 * 1024 * 1024 * 1024));
    assert_eq!(int("1t"), Ok(1_000_000_000_000));
    assert_eq!(int("1tb"), Ok(1 << 40));
    assert_eq!(int("1p"), Ok(1_000_000_000_000_000));
    assert_eq!(int("1pib"), Ok(1 << 50));
    assert_eq!(int("1e"), Ok(1_000_000_000_000_000_000));
    assert_eq!(int("1eb"), Ok(1 << 60));
    assert!(int("1kbi").is_err());
    assert!(int("99999999999999999999").unwrap_err().contains("out of the range"));
    let m = parse("a: 64MB\nb: 1k\n");
    assert_eq!(kind(&m, "a"), &Kind::Int(64 * 1024 * 1024));
    assert_eq!(kind(&m, "b"), &Kind::Int(1000));
}

#[test]
fn durations_and_ips_stay_strings() {
    let m = parse("a: 2s\nb: 500ms\nc: 127.0.0.1\nd: 1m30s\ne: 10.0.0.1:4222\n");
    assert_eq!(kind(&m, "a"), &Kind::String("2s".into()));
    assert_eq!(kind(&m, "b"), &Kind::String("500ms".into()));
    assert_eq!(kind(&m, "c"), &Kind::String("127.0.0.1".into()));
    assert_eq!(kind(&m, "d"), &Kind::String("1m30s".into()));
    assert_eq!(kind(&m, "e"), &Kind::String("10.0.0.1:4222".into()));
}

#[test]
fn datetimes() {
    let m = parse("a: 2026-01-02T03:04:05Z\n");
    assert_eq!(kind(&m, "a"), &Kind::DateTime("2026-01-02T03:04:05Z".into()));
    assert!(err("a: 2026-13-02T03:04:05Z\n").contains("expected Zulu formatted DateTime"));
    assert!(err("a: 2026-01-02\n").contains("ISO8601"));
}

#[test]
fn arrays() {
    let m = parse("a: [1, 2, 3 ]\nb: [\n  x\n  y # c\n  z\n]\nc: []\n");
    assert_eq!(m.get("a").unwrap().as_array().unwrap().len(), 3);
    let b: Vec<_> = m.get("b").unwrap().as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(b, ["x", "y", "z"]);
    assert!(m.get("c").unwrap().as_array().unwrap().is_empty());
}

/// Go quirk: a number directly followed by `]` lexes as a string, which then
/// leaves the array unterminated ("[1, 2, 3]" on a line followed by more keys).
#[test]
fn number_before_array_end_quirk() {
    assert!(parse_str("a: [1, 2, 3]\nb: [\n x\n]\n").is_err());
    assert!(parse_str("a: [1, 2, 3 ]\nb: [\n x\n]\n").is_ok());
}

#[test]
fn maps_with_and_without_separator() {
    let m = parse("a { b: 1 }\nc: { d = 2, e: { f: 3 } }\n");
    let a = m.get("a").unwrap().as_map().unwrap();
    assert_eq!(kind(a, "b"), &Kind::Int(1));
    let c = m.get("c").unwrap().as_map().unwrap();
    let e = c.get("e").unwrap().as_map().unwrap();
    assert_eq!(kind(e, "f"), &Kind::Int(3));
}

#[test]
fn top_level_braces() {
    let m = parse("{ port: 4222 }");
    assert_eq!(kind(&m, "port"), &Kind::Int(4222));
}

#[test]
fn comments() {
    let m = parse("# hash\n// slash\na: 1 # trailing\nb: 2 // trailing\nc { # in map\n d: 1 // x\n}\n");
    assert_eq!(m.len(), 3);
}

#[test]
fn block_strings() {
    let m = parse("a: (\nline one\nline two\n)\n");
    // Go keeps the newline before the closing `)`.
    assert_eq!(kind(&m, "a"), &Kind::String("\nline one\nline two\n".into()));
}

#[test]
fn later_key_wins() {
    let m = parse("a: 1\na: 2\n");
    assert_eq!(kind(&m, "a"), &Kind::Int(2));
    assert_eq!(m.len(), 1);
}

#[test]
fn variables_from_scopes() {
    let m = parse("x: 1\na { x: 2, y: $x }\nz: $x\n");
    assert_eq!(kind(&m, "z"), &Kind::Int(1));
    let a = m.get("a").unwrap().as_map().unwrap();
    assert_eq!(kind(a, "y"), &Kind::Int(2));
    assert!(m.get("x").unwrap().used_variable);
    assert!(!m.get("z").unwrap().used_variable);
}

#[test]
fn variables_from_environment() {
    // Unique names so parallel tests do not interfere.
    std::env::set_var("RNATS_TEST_VAR_INT", "4222");
    std::env::set_var("RNATS_TEST_VAR_ARR", "[a, b]");
    let m = parse("a: $RNATS_TEST_VAR_INT\nb: $RNATS_TEST_VAR_ARR\n");
    assert_eq!(kind(&m, "a"), &Kind::Int(4222));
    assert_eq!(m.get("b").unwrap().as_array().unwrap().len(), 2);
    std::env::set_var("RNATS_TEST_VAR_LOOP", "$RNATS_TEST_VAR_LOOP");
    assert!(err("a: $RNATS_TEST_VAR_LOOP").contains("variable reference cycle"));
}

#[test]
fn undefined_variable_is_an_error() {
    let e = err("a: $RNATS_SURELY_UNDEFINED_VAR\n");
    assert!(e.contains("variable reference for 'RNATS_SURELY_UNDEFINED_VAR' on line 1 can not be found"), "{e}");
}

#[test]
fn variable_defined_later_is_not_visible() {
    assert!(err("a: $b\nb: 1\n").contains("can not be found"));
}

#[test]
fn bcrypt_is_not_a_variable() {
    let m = parse("p: $2a$11$abcdefghijklmnopqrstuv\n");
    assert_eq!(kind(&m, "p"), &Kind::String("$2a$11$abcdefghijklmnopqrstuv".into()));
}

#[test]
fn positions_follow_go() {
    let m = parse("port: 1\n  host: x\n");
    let p = &m.get("port").unwrap().pos;
    assert_eq!((p.line, p.col), (1, 0));
    let h = &m.get("host").unwrap().pos;
    // Go counts from the preceding newline: 1-based after line 1.
    assert_eq!((h.line, h.col), (2, 3));
}

#[test]
fn syntax_errors_name_the_place() {
    let e = err("a { b: 1 \n");
    assert!(e.contains(":2:"), "{e}");
    assert!(e.contains("Unexpected EOF processing map."), "{e}");
    let e = err("foo = [1, 2,, 3]\n");
    assert!(e.contains("Unexpected array value terminator ','."), "{e}");
    let e = err("a: [1 2]\n");
    assert!(e.contains("Expected an array value terminator"), "{e}");
    let e = err("a: \"open\n");
    assert!(e.contains("Unexpected EOF."), "{e}");
    let e = err("a: \"\\q\"\n");
    assert!(e.contains("Invalid escape character 'q'"), "{e}");
    let e = err("key\n");
    assert!(e.contains("config is invalid"), "{e}");
    let e = err("a: .5\n");
    assert!(e.contains("Floats must start with a digit"), "{e}");
}

#[test]
fn never_panics_on_junk() {
    for s in [
        "",
        "{",
        "}",
        "[",
        "]",
        "a:",
        "a: {",
        "a: [",
        "a: (",
        "a: \"\\x",
        "a: \"\\x4",
        "= 1",
        ": 1",
        "a: 1 }",
        "}}}",
        "a { } }",
        "\"",
        "'",
        "a: '",
        "a: -",
        "a: -.",
        "a: 1.",
        "$",
        "a: $",
        "include",
        "include ",
        "a { include }",
        "\u{0}",
        "a: \u{0}",
        "é: ü",
        "a: 1e5",
        "a: 2026-",
        "/",
        "a: 1 /",
        "a { /x: 1 }",
        "[1,2]",
        "a: [1,,]",
        "a: {,}",
    ] {
        let _ = parse_str(s);
    }
}

#[test]
fn includes_are_relative_to_the_file() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("main.conf"), "a: 1\ninclude \"sub/inc.conf\"\n").unwrap();
    std::fs::write(dir.join("sub/inc.conf"), "b: 2\ninclude 'more.conf'\n").unwrap();
    std::fs::write(dir.join("sub/more.conf"), "c { d: 3 }\n").unwrap();
    let m = parse_file(&dir.join("main.conf")).unwrap();
    assert_eq!(kind(&m, "a"), &Kind::Int(1));
    assert_eq!(kind(&m, "b"), &Kind::Int(2));
    assert!(m.get("c").unwrap().as_map().is_some());
    // Positions point into the included file.
    assert!(m.get("b").unwrap().pos.file.ends_with("inc.conf"));

    std::fs::write(dir.join("bad.conf"), "include \"nope.conf\"\n").unwrap();
    let e = parse_file(&dir.join("bad.conf")).unwrap_err().to_string();
    assert!(e.contains("error parsing include file 'nope.conf'"), "{e}");
    assert!(e.contains("no such file or directory"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn include_paths_follow_go_join() {
    use super::parse::include_path_for_test as inc;
    use std::path::PathBuf;
    assert_eq!(inc("a.conf", "b.conf"), PathBuf::from("b.conf"));
    assert_eq!(inc("dir/a.conf", "b.conf"), PathBuf::from("dir/b.conf"));
    assert_eq!(inc("/x/y/a.conf", "../b.conf"), PathBuf::from("/x/b.conf"));
    assert_eq!(inc("a.conf", "//c"), PathBuf::from("c"));
    assert_eq!(inc("a.conf", ""), PathBuf::from("."));
    // Go quirk: absolute includes are joined onto the config's directory.
    assert_eq!(inc("/x/a.conf", "/etc/b.conf"), PathBuf::from("/x/etc/b.conf"));
    assert_eq!(inc("a.conf", "/etc/b.conf"), PathBuf::from("etc/b.conf"));
}

#[test]
fn missing_file() {
    let e = parse_file(std::path::Path::new("/nonexistent/x.conf")).unwrap_err().to_string();
    assert_eq!(e, "open /nonexistent/x.conf: no such file or directory\n");
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "rnats-config-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Found by the config fuzz target: a double backup over a multi-byte rune panicked.
#[test]
fn multibyte_rune_before_close_paren_does_not_panic() {
    let input = "n\n()))\"n\n))ü))))u)))";
    let _ = crate::config::parse_str(input);
    let artifact = "a = (\n))))))ü))))\n";
    let _ = crate::config::parse_str(artifact);
}

#[test]
fn escaped_bytes_join_into_utf8() {
    // Go builds strings from raw bytes: `\xc3\xa9` is one character.
    let m = parse("a = \"x\\xc3\\xa9\"\nb = \"\\xff\"\n");
    assert_eq!(kind(&m, "a"), &Kind::String("x\u{e9}".into()));
    assert_eq!(kind(&m, "b"), &Kind::String("\u{fffd}".into()));
}

#[test]
fn digest_matches_go() {
    // Digests printed by `nats-server -t` for the same text.
    let d = |s: &str| parse(s).digest();
    assert_eq!(d("port: 4222\n"), "sha256:797533ebd0dfba7d34a0f9337ecf147e442871f48ddfd07ed751575a5737267e");
    assert_eq!(
        d("port: 4333\ndebug: true\n"),
        "sha256:ea5d7fd74f0e821b5a4810660010df9e75083164024c09e4bf517bee19e4c463"
    );
    assert_eq!(
        d("x = \"\\x3c\\x26\"\nserver_name: $x\n"),
        "sha256:ec72851e968eef6bc686405a039e00ecf36a020411e5826b503f9f4ae9ca00fa"
    );
    assert_eq!(
        d("authorization { timeout: 0.0000001 }\n"),
        "sha256:0cf2519d83b3592eb5f3f80f08033e24f0af96eb50a24964c7bb965f0f5003a1"
    );
    assert_eq!(
        d("cluster { name: \"C\", listen: \"127.0.0.1:6222\", routes: [\"nats://127.0.0.1:6223\"] }\n"),
        "sha256:31f402c589dcad38cbe3ae30d678e47b6d53539ffceb3fe3b26773d6e939843a"
    );
}
