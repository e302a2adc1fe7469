//! Tables of subject rules, cases taken from Go's `sublist_test.go`
//! (`TestSublistValidLiteralSubjects`, `TestSublistValidSubjects`,
//! `TestSubjectIsLiteral`, `TestSublistMatchLiterals`, `TestIsSubsetMatch`,
//! `TestSublistSubjectCollide`, `TestValidateDestinationSubject`) and
//! `subject_transform_test.go`, plus the quirks the module documents.
use super::transform::{transform_subject, validate_mapping};
use super::*;

fn check(name: &str, f: fn(&str) -> bool, table: &[(&str, bool)]) {
    for &(subject, want) in table {
        assert_eq!(f(subject), want, "{name}({subject:?})");
    }
}

fn check2(name: &str, f: fn(&str, &str) -> bool, table: &[(&str, &str, bool)]) {
    for &(a, b, want) in table {
        assert_eq!(f(a, b), want, "{name}({a:?}, {b:?})");
    }
}

/// Wildcard characters inside a longer token are literal (Go's tables).
const WILDCARD_CHARS_IN_TOKENS: &[&str] = &[
    "foo*", "foo**", "foo.**", "foo*bar", "foo.*bar", "foo*.bar", "*bar", "foo>", "foo>>", "foo.>>", "foo>bar",
    "foo.>bar", "foo>.bar", ">bar",
];

#[test]
fn valid_subjects() {
    let mut table = vec![
        ("", false),
        (".", false),
        (".foo", false),
        ("foo.", false),
        ("foo..bar", false),
        (">.bar", false),
        ("foo.>.bar", false),
        ("foo", true),
        ("foo.bar.*", true),
        ("foo.bar.>", true),
        ("*", true),
        (">", true),
        ("*.*.>", true),
        // Whitespace in any token, alone or not (the old sublist copy let a
        // one-byte whitespace token through).
        (" ", false),
        ("\t", false),
        ("foo.\x0c", false),
        ("foo.\r.bar", false),
        ("foo.\n", false),
        ("a b.c", false),
        ("a\tb", false),
        // Not whitespace to Go.
        ("foo.\x0b", true),
        ("a\u{a0}b", true),
    ];
    table.extend(WILDCARD_CHARS_IN_TOKENS.iter().map(|s| (*s, true)));
    check("is_valid", is_valid, &table);
}

#[test]
fn valid_shape_is_what_a_subscription_needs() {
    check(
        "is_valid_shape",
        is_valid_shape,
        &[
            ("", false),
            (".foo", false),
            ("foo.", false),
            ("foo..bar", false),
            ("foo.bar..baz", false),
            ("foo.>.bar", false),
            ("foo.*.>", true),
            // Go's `Sublist.Insert` does not look for whitespace.
            ("a b.c", true),
            ("\x0c", true),
        ],
    );
}

#[test]
fn valid_literal_subjects() {
    let mut table = vec![
        ("foo", true),
        ("foo.bar", true),
        ("", false),
        (".foo", false),
        ("foo.", false),
        ("foo..bar", false),
        ("foo.bar.*", false),
        ("foo.bar.>", false),
        ("*", false),
        (">", false),
        // Go does not look for whitespace here.
        ("a b", true),
    ];
    table.extend(WILDCARD_CHARS_IN_TOKENS.iter().map(|s| (*s, true)));
    check("is_valid_literal", is_valid_literal, &table);
}

#[test]
fn valid_publish_subjects() {
    check(
        "is_valid_publish",
        is_valid_publish,
        &[
            ("foo.bar", true),
            ("foo*.bar", true),
            ("foo.*", false),
            ("foo.>", false),
            ("foo..bar", false),
            ("a b", false),
            ("", false),
        ],
    );
}

#[test]
fn literal_subjects() {
    check(
        "is_literal",
        is_literal,
        &[
            ("foo", true),
            ("foo.bar", true),
            ("foo*.bar", true),
            ("foo.>bar", true),
            ("*", false),
            (">", false),
            ("foo.*", false),
            ("foo.>", false),
            ("foo.*.>", false),
            ("foo.*.bar", false),
            ("foo.bar.>", false),
        ],
    );
}

#[test]
fn matching() {
    check2(
        "matches",
        matches,
        &[
            ("foo", "foo", true),
            ("foo", "bar", false),
            ("foo", "*", true),
            ("foo", ">", true),
            ("foo.bar", ">", true),
            ("foo.bar", "foo.>", true),
            ("foo.bar", "bar.>", false),
            ("stats.test.22", "stats.>", true),
            ("stats.test.22", "stats.*.*", true),
            ("foo.bar", "foo", false),
            ("stats.test.foos", "stats.test.foos", true),
            ("stats.test.foos", "stats.test.foo", false),
            ("stats.test", "stats.test.*", false),
            ("stats.test.foos", "stats.*", false),
            ("stats.test.foos", "stats.*.*.foos", false),
            ("foo", "foo.>", false),
            ("foo.bar.baz", "foo.*.baz", true),
            ("foo.bar.baz", "*.*.*", true),
            ("foo.bar.baz", "*.*", false),
            // Wildcard characters that are not whole tokens are literal.
            ("*bar", "*bar", true),
            ("foo*", "foo*", true),
            ("foo*bar", "foo*bar", true),
            ("foo.***.bar", "foo.***.bar", true),
            (">bar", ">bar", true),
            ("foo>", "foo>", true),
            ("foo>bar", "foo>bar", true),
            ("foo.>>>.bar", "foo.>>>.bar", true),
            ("foo.bar", "foo.*x", false),
            ("foo.bar", "foo.b*", false),
            ("foo.bar", "foo.>x", false),
            // `>` that is not the last token is an ordinary token.
            ("foo.bar.baz", "foo.>.baz", false),
            ("foo.>.baz", "foo.>.baz", true),
            // Empty tokens, byte for byte as Go: trailing wildcards want a
            // non-empty rest, a middle `*` takes an empty token.
            ("foo.", "foo.*", false),
            ("foo.", "foo.>", false),
            ("foo..x", "foo.>", true),
            ("foo..bar", "foo.*.bar", true),
            ("", "", true),
            ("", "*", false),
            ("", ">", false),
            ("a", "", false),
        ],
    );
}

#[test]
fn subsets() {
    check2(
        "is_subset",
        is_subset,
        &[
            ("foo.bar", "foo.bar", true),
            ("foo.*", ">", true),
            ("foo.*", "*.*", true),
            ("foo.*", "foo.*", true),
            ("foo.*", "foo.bar", false),
            ("foo.>", ">", true),
            ("foo.>", "*.>", true),
            ("foo.>", "foo.>", true),
            ("foo.>", "foo.bar", false),
            ("foo..bar", "foo.*", false),
            ("foo.*", "foo..bar", false),
            ("foo.bar", "foo.*", true),
            ("foo.bar", "foo.>", true),
            ("foo.bar.baz", "foo.*", false),
            ("foo", "foo.>", false),
            ("foo.>", "foo.*", false),
            ("foo.*", "foo.>", true),
            ("*.bar", "foo.*", false),
            ("$SYS.ACCOUNT.x", "$SYS.ACCOUNT.>", true),
            // Go quirk: a filter token starting with `*` acts as `*`.
            ("foo.bar", "foo.*x", true),
            ("foo.*", "foo.*x", false),
            // Tokens merely starting with `>` do not.
            ("foo.bar", "foo.>x", false),
        ],
    );
}

#[test]
fn covering_has_no_star_prefix_quirk() {
    // covers(filter, subject) agrees with `matches` on every literal.
    check2(
        "covers",
        |subject, filter| covers(filter, subject),
        &[
            ("foo.bar", "foo.*", true),
            ("foo.*", "foo.>", true),
            ("foo.*", ">", true),
            ("foo.>", "foo.*", false),
            ("foo.bar", "foo.*x", false),
            ("foo.*x", "foo.*", true),
            ("foo.*x", "foo.*x", true),
        ],
    );
}

#[test]
fn collisions() {
    let table: &[(&str, &str, bool)] = &[
        // Go's TestSublistSubjectCollide.
        ("foo.*", "foo.*.bar.>", false),
        ("foo.*.bar.>", "foo.*", false),
        ("foo.*", "foo.foo", true),
        ("foo.*", "*.foo", true),
        ("foo.bar.>", "*.bar.foo", true),
        // Go's client deny-overlap cases.
        ("*.secret", "foo.*", true),
        ("foo.*.bar", "foo.baz.*", true),
        ("*.*.bar", "foo.*.*", true),
        ("a.>", "*.b", true),
        // Literals collide only when equal.
        ("foo", "foo", true),
        ("foo", "bar", false),
        ("foo.bar", "foo.bar.baz", false),
        // Literal against a filter is a subset match.
        ("foo.bar", "foo.>", true),
        ("foo", "foo.>", false),
        ("foo.bar.baz", "foo.*", false),
        // Both wildcards, partials only: lengths must agree.
        ("foo.*", "*.bar", true),
        ("foo.*", "*.*.*", false),
        ("foo.*", "bar.*", false),
        // Both wildcards, different lengths: the shorter needs a `>`.
        ("foo.>", "*.bar.baz.*", true),
        ("foo.*", "foo.bar.>", false),
        ("*.>", "foo.*", true),
        (">", "*", true),
        ("$JS.API.>", "$JS.*.FOO", true),
        ("$JS.API.>", "$KV.>", false),
        // Go quirk: a token starting with `*` or `>` agrees with anything.
        ("*.*x", "*.b", true),
        ("*.>x", "*.b", true),
        ("*.ax", "*.b", false),
    ];
    for &(a, b, want) in table {
        assert_eq!(collide(a, b), want, "collide({a:?}, {b:?})");
        assert_eq!(collide(b, a), want, "collide({b:?}, {a:?})");
    }
}

#[test]
fn mapping_destinations() {
    // Go's TestValidateDestinationSubject, for what `validate_mapping` covers.
    let ok = [
        ("bar", "foo"),
        ("foo", "foo.bar"),
        ("*", "{{wildcard(1)}}"),
        ("foo.>", ">"),
        ("foo.*", "bar.{{wildcard(1)}}"),
        ("foo.>", "bar.>"),
        ("foo.*.>", "bar.{{wildcard(1)}}.>"),
        ("foo.*.bar", "bar.{{wildcard(1)}}.foo"),
        ("foo.bar.>", "foo.bar.foo.>"),
        ("*", "foo.{{wildcard(1)}}"),
        ("*", "foo.{{ wildcard(1) }}"),
        ("*", "foo.{{wildcard( 1 )}}"),
        ("*", "foo.{{partition(2,1)}}"),
        ("*.*", "foo.{{SplitFromLeft(2,1)}}"),
        ("*.*", "foo.{{SplitFromRight(2,1)}}"),
        ("*.*", "foo.$2.$1"),
        ("foo.*.*", "bar.{{random(5)}}"),
        ("foo.bar", "foo.{{random(2147483647)}}"),
        ("*", "{{left(1,2)}}.{{right(1,2)}}"),
        ("foo.*", "bar.{{partition(4)}}"),
    ];
    for (src, dest) in ok {
        assert!(validate_mapping(src, dest).is_ok(), "{src} -> {dest}");
    }
    let bad = [
        ("*", "foo.{{unknown(1)}}"),
        ("*", "foo.{{wildcard(2)}}"),
        ("*", "foo.$2"),
        ("foo", "foo.{{wildcard(1)}}"),
        ("foo.*", "foo.{{random()}}"),
        ("foo.*", "foo.{{random(2147483648)}}"),
        ("*", "{{left(1)}}"),
    ];
    for (src, dest) in bad {
        assert!(validate_mapping(src, dest).is_err(), "{src} -> {dest}");
    }
    // Texts as Go 2.15.1 returns them in stream config errors.
    let texts = [
        (
            "orders.*",
            "a.{{wildcard(2)}}",
            "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]",
        ),
        ("orders.*", "a.{{nope(1)}}", "invalid mapping destination: unknown function in {{nope(1)}}"),
        ("foo", "foo.{{wildcard(1)}}", "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}"),
    ];
    for (src, dest, want) in texts {
        assert_eq!(validate_mapping(src, dest).unwrap_err(), want, "{src} -> {dest}");
    }
}

#[test]
fn transforms() {
    let table: &[(&str, &str, &str, Option<&str>)] = &[
        ("foo.*", "bar.{{wildcard(1)}}", "foo.x", Some("bar.x")),
        (">", "rp.>", "a.b", Some("rp.a.b")),
        ("", "rp.>", "a.b", Some("rp.a.b")),
        ("foo.*.*", "x.$2.$1", "foo.a.b", Some("x.b.a")),
        ("foo.*.*", "x.{{wildcard(2)}}.{{wildcard(1)}}", "foo.a.b", Some("x.b.a")),
        ("foo", "bar", "baz", None),
        ("foo.*", "bar.$1", "foo.a.b", None),
        ("foo.>", "bar.>", "foo.a.b", Some("bar.a.b")),
        ("foo.*", "", "foo.a", Some("foo.a")),
        // Go's subject_transform_test.go function cases.
        ("*", "{{splitfromleft(1,3)}}", "12345", Some("123.45")),
        ("*", "{{SplitFromRight(1,3)}}", "12345", Some("12.345")),
        ("*", "{{SliceFromLeft(1,3)}}", "1234567890", Some("123.456.789.0")),
        ("*", "{{SliceFromRight(1,3)}}", "1234567890", Some("1.234.567.890")),
        ("*", "{{split(1,-)}}", "-abc-def--ghi-", Some("abc.def.ghi")),
        ("*", "{{split(1,-)}}", "abc-def--ghi-", Some("abc.def.ghi")),
        ("foo.*.bar.*.baz", "req.$2.$1", "foo.A.bar.B.baz", Some("req.B.A")),
        ("baz.>", "my.pre.>", "baz.1.2.3", Some("my.pre.1.2.3")),
        ("*", "foo.bar.$1", "foo", Some("foo.bar.foo")),
        ("*.*", "{{split(2,-)}}.{{splitfromleft(1,2)}}", "foo.-abc-def--ghij-", Some("abc.def.ghij.fo.o")),
        // Go's partition(10) cases, here over the one wildcard.
        ("*", "bar.{{partition(10,1)}}", "foo", Some("bar.3")),
        ("*", "bar.{{partition(10,1)}}", "baz", Some("bar.0")),
        ("*", "bar.{{partition(10,1)}}", "qux", Some("bar.9")),
        ("*", "{{right(1,1)}}", "1234", Some("4")),
        ("*", "{{right(1,3)}}", "1234", Some("234")),
        ("*", "{{right(1,6)}}", "1234", Some("1234")),
        ("*", "{{left(1,1)}}", "1234", Some("1")),
        ("*", "{{left(1,3)}}", "1234", Some("123")),
        ("*", "{{left(1,6)}}", "1234", Some("1234")),
        // Without token arguments the whole subject is hashed.
        ("*.*", "bar.{{partition(10)}}", "foo.bar", Some("bar.6")),
        ("*", "bar.{{partition(10)}}", "foo", Some("bar.3")),
        ("*", "bar.{{partition(10)}}", "baz", Some("bar.0")),
        ("*", "bar.{{partition(10)}}", "qux", Some("bar.9")),
        ("*", "bar.{{random(0)}}", "qux", Some("bar.0")),
    ];
    for &(src, dest, subject, want) in table {
        assert_eq!(transform_subject(src, dest, subject).as_deref(), want, "{src} -> {dest} on {subject}");
    }
}

#[test]
fn transform_tokenize_and_reverse() {
    use super::transform::{reverse, tokenize, transform_subject, untokenize};
    assert_eq!(tokenize("foo.*.bar.*.>"), "foo.$1.bar.$2.>");
    assert_eq!(untokenize("foo.$2.{{wildcard(1)}}.x"), "foo.*.*.x");
    let (rs, rd) = reverse("foo.*.*", "bar.$2.$1").unwrap();
    assert_eq!((rs.as_str(), rd.as_str()), ("bar.*.*", "foo.$2.$1"));
    assert_eq!(transform_subject(&rs, &rd, "bar.b.a").as_deref(), Some("foo.a.b"));
    let (rs, rd) = reverse("news.>", "p.news.>").unwrap();
    assert_eq!(transform_subject(&rs, &rd, "p.news.x.y").as_deref(), Some("news.x.y"));
    assert!(reverse("foo.*.*", "bar.$1").is_none());
}

#[test]
fn a_destination_full_wildcard_takes_the_source_full_wildcard() {
    use super::transform::transform_subject;
    assert_eq!(transform_subject("*.*.>", "myprefix.$2.$1.>", "1.2.test").as_deref(), Some("myprefix.2.1.test"));
    assert_eq!(transform_subject("foo.*.>", "bar.*.>", "foo.a.b.c").as_deref(), Some("bar.a.b.c"));
}
