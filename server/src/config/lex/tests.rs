//! Item-level tests of the lexer states: what each state accepts, emits and
//! refuses (the parser-level tests are in `config/tests.rs`).

use super::{ItemType as T, Lexer};

/// The items of `s` up to (not including) EOF or up to and including an
/// error; never more than a thousand.
fn items(s: &str) -> Vec<(T, String)> {
    let mut lx = Lexer::new(s);
    let mut out = Vec::new();
    for _ in 0..1000 {
        let it = lx.next_item();
        match it.typ {
            T::Eof => return out,
            T::Error => {
                out.push((it.typ, it.val));
                return out;
            }
            _ => out.push((it.typ, it.val)),
        }
    }
    panic!("no end of input for {s:?}")
}

fn it(typ: T, val: &str) -> (T, String) {
    (typ, val.to_string())
}

/// The error text for `s`, which must fail.
fn error(s: &str) -> String {
    match items(s).pop() {
        Some((T::Error, e)) => e,
        other => panic!("expected an error for {s:?}, got {other:?}"),
    }
}

#[test]
fn key_separators() {
    for s in ["a = 1", "a: 1", "a 1", "a=1", "a:1", "a\t=\t1\n", "  a  :  1  ;"] {
        assert_eq!(items(s), vec![it(T::Key, "a"), it(T::Integer, "1")], "{s:?}");
    }
    assert_eq!(error("= 1"), "Unexpected key separator '='");
    assert_eq!(error(": 1"), "Unexpected key separator ':'");
}

#[test]
fn entries_end_with_newlines_semicolons_or_commas() {
    let want = vec![it(T::Key, "a"), it(T::Integer, "1"), it(T::Key, "b"), it(T::Integer, "2")];
    for s in ["a 1\nb 2", "a 1; b 2", "a 1, b 2", "a 1\r\nb 2\r\n"] {
        assert_eq!(items(s), want, "{s:?}");
    }
    assert!(error("a 1 b 2").starts_with("Expected a top-level value to end with a new line"));
}

#[test]
fn quoted_keys() {
    assert_eq!(items("\"a b\" = 1"), vec![it(T::Key, "a b"), it(T::Integer, "1")]);
    assert_eq!(items("'c.d': x"), vec![it(T::Key, "c.d"), it(T::String, "x")]);
    assert_eq!(
        items("m { \"x y\": 1, 'z' 2 }"),
        vec![
            it(T::Key, "m"),
            it(T::MapStart, ""),
            it(T::Key, "x y"),
            it(T::Integer, "1"),
            it(T::Key, "z"),
            it(T::Integer, "2"),
            it(T::MapEnd, ""),
        ]
    );
    assert_eq!(error("m { 'open"), "Unexpected EOF processing quoted map key.");
    assert_eq!(error("m { \"open"), "Unexpected EOF processing double quoted map key.");
}

#[test]
fn top_level_braces() {
    assert_eq!(items("{ a: 1 }"), vec![it(T::Key, "a"), it(T::Integer, "1")]);
    assert_eq!(items("{\n a: 1\n b: 2\n}\n"), items("a: 1\nb: 2\n"));
    assert_eq!(
        items("{ # note\n a: 1 }"),
        vec![it(T::CommentStart, ""), it(T::Text, " note"), it(T::Key, "a"), it(T::Integer, "1")]
    );
    assert!(error("{ a: 1 x").starts_with("Expected a block-level value to end with"));
}

#[test]
fn nested_maps_and_arrays() {
    assert_eq!(
        items("a { b [1, {c: 2}, [x]] }"),
        vec![
            it(T::Key, "a"),
            it(T::MapStart, ""),
            it(T::Key, "b"),
            it(T::ArrayStart, ""),
            it(T::Integer, "1"),
            it(T::MapStart, ""),
            it(T::Key, "c"),
            it(T::Integer, "2"),
            it(T::MapEnd, ""),
            it(T::ArrayStart, ""),
            it(T::String, "x"),
            it(T::ArrayEnd, ""),
            it(T::ArrayEnd, ""),
            it(T::MapEnd, ""),
        ]
    );
    // Array elements may be ended by new lines, and comments sit between them.
    assert_eq!(
        items("a [\n 1 # one\n 2\n]"),
        vec![
            it(T::Key, "a"),
            it(T::ArrayStart, ""),
            it(T::Integer, "1"),
            it(T::CommentStart, ""),
            it(T::Text, " one"),
            it(T::Integer, "2"),
            it(T::ArrayEnd, ""),
        ]
    );
    assert_eq!(error("a [1,,2]"), "Unexpected array value terminator ','.");
    assert!(error("a [1 2]").starts_with("Expected an array value terminator \",\" or an array terminator \"]\""));
    assert_eq!(error("a { ]"), "Unexpected array end ']' processing map.");
    assert!(error("a { b: 1 ]").ends_with("but got ']' instead."));
    assert_eq!(error("a { b: , }"), "Unexpected map value terminator \",\".");
    assert_eq!(error("a { b"), "Unexpected EOF processing map key.");
    assert_eq!(error("a { b: 1\n"), "Unexpected EOF processing map.");
    assert!(error("a { b: 1").ends_with("but got '\0' instead."));
    assert!(error("a { b: 1 c: 2 }").starts_with("Expected a map value terminator"));
}

#[test]
fn comments() {
    assert_eq!(
        items("# one\na: 1 // two\n// three"),
        vec![
            it(T::CommentStart, ""),
            it(T::Text, " one"),
            it(T::Key, "a"),
            it(T::Integer, "1"),
            it(T::CommentStart, ""),
            it(T::Text, " two"),
            it(T::CommentStart, ""),
            it(T::Text, " three"),
        ]
    );
    assert_eq!(
        items("m { # in\n a: 1 // after\n}"),
        vec![
            it(T::Key, "m"),
            it(T::MapStart, ""),
            it(T::CommentStart, ""),
            it(T::Text, " in"),
            it(T::Key, "a"),
            it(T::Integer, "1"),
            it(T::CommentStart, ""),
            it(T::Text, " after"),
            it(T::MapEnd, ""),
        ]
    );
}

#[test]
fn strings_and_escapes() {
    assert_eq!(items("a: 'x \\t y'"), vec![it(T::Key, "a"), it(T::String, "x \\t y")]);
    assert_eq!(items(r#"a: "t\tn\nr\rq\"b\\x\x41""#), vec![it(T::Key, "a"), it(T::String, "t\tn\nr\rq\"b\\x\u{41}")]);
    assert_eq!(items(r"a: x\ty"), vec![it(T::Key, "a"), it(T::String, "x\ty")]);
    assert_eq!(items(r#"a: "\xc3\xbc""#), vec![it(T::Key, "a"), it(T::String, "ü")]);
    assert!(error(r#"a: "\q""#).starts_with("Invalid escape character 'q'."));
    assert_eq!(error(r#"a: "\xzz""#), "Expected two hexadecimal digits after '\\x', but got 'zz'");
    assert_eq!(error("a: \"\\x4\n\""), "Expected two hexadecimal digits after '\\x', but hit end of line");
    assert_eq!(error("a: \"open"), "Unexpected EOF.");
    assert_eq!(error("a: 'open"), "Unexpected EOF.");
}

#[test]
fn booleans_and_variables() {
    for b in ["true", "FALSE", "on", "Off", "yes", "no"] {
        assert_eq!(items(&format!("a: {b}")), vec![it(T::Key, "a"), it(T::Bool, b)]);
    }
    assert_eq!(items("a: $x"), vec![it(T::Key, "a"), it(T::Variable, "x")]);
    assert_eq!(items("a: [$x, $y]")[2..4], [it(T::Variable, "x"), it(T::Variable, "y")]);
    // Quoted, or with escapes, neither is special.
    assert_eq!(items("a: \"true\""), vec![it(T::Key, "a"), it(T::String, "true")]);
    assert_eq!(items("a: '$x'"), vec![it(T::Key, "a"), it(T::String, "$x")]);
}

#[test]
fn block_strings() {
    assert_eq!(items("a (\nline 1\n  (line 2)\n)\n"), vec![it(T::Key, "a"), it(T::String, "\nline 1\n  (line 2)\n")]);
    // Go quirk: at the end of input the `)` is kept (backing up over EOF
    // moves nowhere).
    assert_eq!(items("a (\nx\n)"), vec![it(T::Key, "a"), it(T::String, "\nx\n)")]);
    assert_eq!(error("a (\nx)\n"), "Unexpected EOF processing block.");
}

#[test]
fn includes() {
    for s in ["include \"f.conf\"", "include 'f.conf'", "include f.conf", "INCLUDE  f.conf\n"] {
        assert_eq!(items(s), vec![it(T::Include, "f.conf")], "{s:?}");
    }
    assert_eq!(
        items("m { include x.conf\n a: 1 }"),
        vec![
            it(T::Key, "m"),
            it(T::MapStart, ""),
            it(T::Include, "x.conf"),
            it(T::Key, "a"),
            it(T::Integer, "1"),
            it(T::MapEnd, "")
        ]
    );
    // Only a bare word followed by blanks is the keyword.
    assert_eq!(items("include: 1"), vec![it(T::Key, "include"), it(T::Integer, "1")]);
    assert_eq!(error("include [a]"), "Expected include value but found start of an array");
    assert_eq!(error("include {a}"), "Expected include value but found start of a map");
    assert_eq!(error("include (a)"), "Expected include value but found start of a block");
    assert_eq!(error("include 12"), "Expected include value but found start of a number");
    assert_eq!(error("include \\a"), "Expected include value but found escape sequence");
    assert_eq!(error("include \"f"), "Unexpected EOF in double quoted include");
    assert_eq!(error("include 'f"), "Unexpected EOF in quoted include");
}

#[test]
fn numbers_with_suffixes() {
    for (s, v) in
        [("1k", "1k"), ("1MB", "1MB"), ("2GiB", "2GiB"), ("3tb", "3tb"), ("-2k", "-2k"), ("42", "42"), ("-7", "-7")]
    {
        assert_eq!(items(&format!("a: {s}")), vec![it(T::Key, "a"), it(T::Integer, v)], "{s}");
    }
    // Text after a number or its suffix makes a bare string.
    assert_eq!(items("a: 1m30s"), vec![it(T::Key, "a"), it(T::String, "1m30s")]);
    assert_eq!(items("a: 10s"), vec![it(T::Key, "a"), it(T::String, "10s")]);
    assert_eq!(error("a: -x"), "Expected a digit but got 'x'.");
    assert_eq!(error("a: -.5"), "Floats must start with a digit, not '.'.");
    assert_eq!(error("a: .5"), "Floats must start with a digit");
}

#[test]
fn floats_dates_and_ips() {
    assert_eq!(items("a: 1.5"), vec![it(T::Key, "a"), it(T::Float, "1.5")]);
    assert_eq!(items("a: -0.25"), vec![it(T::Key, "a"), it(T::Float, "-0.25")]);
    assert_eq!(items("a: 127.0.0.1:4222"), vec![it(T::Key, "a"), it(T::String, "127.0.0.1:4222")]);
    assert_eq!(items("a: 2016-05-04T18:53:41Z"), vec![it(T::Key, "a"), it(T::Datetime, "2016-05-04T18:53:41Z")]);
    assert_eq!(error("a: 1."), "Floats must have a digit after the '.', but got '\0' instead.");
    assert_eq!(error("a: 16-05-04"), "All ISO8601 dates must be in full Zulu form.");
    assert_eq!(error("a: 2016-05-04"), "Expected 'T' in ISO8601 datetime, but found '\0' instead.");
    assert_eq!(error("a: 2016-0x"), "Expected digit in ISO8601 datetime, but found 'x' instead.");
}

#[test]
fn values_must_be_on_the_key_line() {
    assert_eq!(error("a:\n1"), "Expected value but found new line");
    // A key alone at the end is a key with no value: the parser reports it.
    assert_eq!(items("key"), vec![it(T::Key, "key")]);
}

#[test]
fn positions_follow_go() {
    let mut lx = Lexer::new("a: 1\n  bb: 'x'\n");
    let got: Vec<_> = std::iter::from_fn(|| Some(lx.next_item()))
        .take_while(|i| i.typ != T::Eof)
        .map(|i| (i.val, i.line, i.pos))
        .collect();
    let want = [("a", 1, 0), ("1", 1, 3), ("bb", 2, 3), ("x", 2, 8)];
    assert_eq!(got, want.map(|(v, l, p)| (v.to_string(), l, p)));
}

#[test]
fn after_an_error_only_eof() {
    let mut lx = Lexer::new("a: \"\\q\" b: 1");
    assert_eq!(lx.next_item().typ, T::Key);
    assert_eq!(lx.next_item().typ, T::Error);
    for _ in 0..3 {
        assert_eq!(lx.next_item().typ, T::Eof);
    }
}

/// Inputs built from the characters every state treats specially never
/// make the lexer panic or run on forever.
#[test]
fn junk_never_panics() {
    const ALPHABET: &[&str] = &[
        "a", "1", "0", "-", ".", ":", "=", " ", "\t", "\n", "\r", "{", "}", "[", "]", "(", ")", "'", "\"", "\\", "x",
        "#", "/", ",", ";", "$", "k", "B", "i", "T", "Z", "ü", "include ", "\0",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let len = (rand() % 24) as usize;
        let s: String = (0..len).map(|_| ALPHABET[(rand() % ALPHABET.len() as u64) as usize]).collect();
        let mut lx = Lexer::new(&s);
        let mut n = 0;
        while !matches!(lx.next_item().typ, T::Eof | T::Error) {
            n += 1;
            assert!(n < 10_000, "no end of input for {s:?}");
        }
    }
}
