//! JSON and quoted text exactly as Go writes them, and the one way replies
//! are built: a `Serialize` value (a struct whose fields are declared in the
//! Go struct's order, or an ordered [`Obj`] when the fields are decided at run
//! time) written by [`to_vec`], [`to_string`] or [`to_string_pretty`].
//!
//! Mirrors Go's `encoding/json` encoder (`json.Marshal`, `json.MarshalIndent`
//! with two spaces): strings HTML-safe (`<`, `>`, `&` as `\u003c`, `\u003e`,
//! `\u0026`), U+2028 and U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short and
//! other control characters as `\u00XX`; floats in Go's shortest form (`2`,
//! `0.5`, `1e-7`, `1e+21`). Also `fmt`'s `%q` ([`go_quote`], Go's
//! `strconv.Quote`).
//!
//! Strings here are Rust strings, so always UTF-8: where Go would marshal
//! bytes that are not (as `\ufffd`), callers pass `String::from_utf8_lossy`,
//! which gives the same JSON string with U+FFFD written as the character.
//!
//! A leaf module: it uses nothing else from this crate.
use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter, Serializer};
use serde_json::Value;

/// `v` as compact JSON (Go's `json.Marshal`).
pub(crate) fn to_vec<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut ser = Serializer::with_formatter(&mut out, Go(CompactFormatter));
    if v.serialize(&mut ser).is_err() {
        // Only maps with non-string keys fail; none of the replies has one.
        return b"{}".to_vec();
    }
    out
}

/// `v` as compact JSON text (Go's `json.Marshal`).
pub(crate) fn to_string<T: Serialize + ?Sized>(v: &T) -> String {
    into_string(to_vec(v))
}

/// `v` as JSON indented by two spaces (Go's `json.MarshalIndent(v, "", "  ")`).
pub(crate) fn to_string_pretty<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::with_capacity(256);
    let mut ser = Serializer::with_formatter(&mut out, Go(PrettyFormatter::with_indent(b"  ")));
    if v.serialize(&mut ser).is_err() {
        return "{}".into();
    }
    into_string(out)
}

fn into_string(b: Vec<u8>) -> String {
    // The serializer only writes UTF-8.
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `s` as a JSON string literal, quotes included.
pub(crate) fn quote(s: &str) -> String {
    to_string(s)
}

/// A serde_json formatter with Go's string and float encoding around an inner
/// formatter that lays out the structure (compact or indented).
struct Go<F>(F);

impl<F: Formatter> Formatter for Go<F> {
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        w.write_all(go_float(f64::from(value), 32).as_bytes())
    }
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(go_float(value, 64).as_bytes())
    }
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc: &[u8] = match c {
                '<' => b"\\u003c",
                '>' => b"\\u003e",
                '&' => b"\\u0026",
                '\u{2028}' => b"\\u2028",
                '\u{2029}' => b"\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc)?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, e: CharEscape) -> io::Result<()> {
        // serde_json's escapes are Go's: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
        // `\t`, and `\u00xx` (lower-case hex) for other control characters.
        self.0.write_char_escape(w, e)
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Go's `floatEncoder`: the shortest text that reads back as the same value,
/// plain between 1e-6 and 1e21 (a whole number has no fraction: `2`), else
/// exponent form with a sign and at least two exponent digits, except that a
/// negative exponent loses its leading zero (`1e-7`, `1e+21`). Go refuses
/// NaN and infinities; `null` stands in here.
fn go_float(f: f64, bits: u32) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let a = f.abs();
    let exp = if bits == 32 {
        a != 0.0 && ((a as f32) < 1e-6 || (a as f32) >= 1e21)
    } else {
        a != 0.0 && !(1e-6..1e21).contains(&a)
    };
    let text = |x: f64, e: bool| {
        if bits == 32 {
            let x = x as f32;
            if e {
                format!("{x:e}")
            } else {
                format!("{x}")
            }
        } else if e {
            format!("{x:e}")
        } else {
            format!("{x}")
        }
    };
    if !exp {
        return text(f, false);
    }
    // Rust writes `1e-7` / `1.5e21`; Go writes `1e-07` cleaned to `1e-7`, and
    // `1.5e+21`.
    let s = text(f, true);
    match s.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => {
            let e = if e.len() < 2 { format!("0{e}") } else { e.to_string() };
            format!("{m}e+{e}")
        }
        _ => s,
    }
}

/// A JSON object that keeps its fields in insertion order, for replies whose
/// fields are decided at run time (Go emits struct fields in declared order;
/// serde_json's `Map` would sort them).
#[derive(Default)]
pub(crate) struct Obj(pub(crate) Vec<(String, J)>);

/// A JSON value whose objects keep their field order.
pub(crate) enum J {
    V(Value),
    O(Obj),
    A(Vec<J>),
}

impl From<Value> for J {
    fn from(v: Value) -> J {
        J::V(v)
    }
}

impl From<Obj> for J {
    fn from(o: Obj) -> J {
        J::O(o)
    }
}

impl Obj {
    /// Appends a field.
    pub(crate) fn put(&mut self, k: &str, v: impl Into<J>) {
        self.0.push((k.to_string(), v.into()));
    }
}

impl Serialize for Obj {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for J {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::V(v) => v.serialize(s),
            J::O(o) => o.serialize(s),
            J::A(a) => a.serialize(s),
        }
    }
}

/// An ordered object from `(key, value)` pairs.
pub(crate) fn obj<const N: usize>(pairs: [(&str, J); N]) -> Obj {
    let mut o = Obj::default();
    for (k, v) in pairs {
        o.put(k, v);
    }
    o
}

/// Any serializable value as a field value. It goes through serde_json's
/// `Value`, whose objects sort their keys: an object whose field order
/// matters is an [`Obj`] (`J::O`) instead.
pub(crate) fn val(v: impl Serialize) -> J {
    J::V(serde_json::to_value(v).unwrap_or(Value::Null))
}

/// Go's `%q` (`strconv.Quote`) of bytes: printable characters as they are,
/// `\a` `\b` `\f` `\n` `\r` `\t` `\v`, other ASCII controls and bytes that
/// are not UTF-8 as `\xNN`, other unprintable characters as `\uNNNN` or
/// `\UNNNNNNNN`.
pub(crate) fn go_quote(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\u{7}' => s.push_str("\\a"),
                '\u{8}' => s.push_str("\\b"),
                '\u{c}' => s.push_str("\\f"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\u{b}' => s.push_str("\\v"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => s.push_str(&format!("\\x{:02x}", c as u32)),
                c if is_go_print(c) => s.push(c),
                c if (c as u32) < 0x10000 => s.push_str(&format!("\\u{:04x}", c as u32)),
                c => s.push_str(&format!("\\U{:08x}", c as u32)),
            }
        }
        for byte in chunk.invalid() {
            s.push_str(&format!("\\x{byte:02x}"));
        }
    }
    s.push('"');
    s
}

/// Go's `strconv.IsPrint` for the characters that come up: everything but
/// controls, separators other than the ASCII space, format characters,
/// private-use characters and noncharacters. (Unassigned code points, which
/// Go also escapes, are printed as they are.)
fn is_go_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_or_private = matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f
        | 0xd800..=0xdfff | 0xe000..=0xf8ff | 0xfdd0..=0xfdef | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..=0x10ffff);
    !format_or_private && (u & 0xfffe) != 0xfffe
}

/// Which Go decoding call an error text should read like: `json.Decoder`
/// (JetStream API requests, `unmarshalRequest` in jetstream_api.go) or
/// `json.Unmarshal` (pull requests and most others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GoDecode {
    Decoder,
    Unmarshal,
}

/// Approximates Go's `encoding/json` error texts for the common cases: a
/// cut-off input, and a character where a value belongs (named as Go's
/// `quoteChar` does; the decoder adds the byte offset). Other errors keep
/// serde's text without its position.
pub(crate) fn go_decode_error(e: &serde_json::Error, input: &[u8], how: GoDecode) -> String {
    use serde_json::error::Category;
    let eof = match how {
        GoDecode::Decoder => "unexpected EOF",
        GoDecode::Unmarshal => "unexpected end of JSON input",
    };
    match e.classify() {
        Category::Eof => eof.to_string(),
        Category::Syntax if e.to_string().starts_with("expected value") => {
            // serde counts lines and columns (1-based); Go counts bytes read.
            let line_start: usize = input.split_inclusive(|&b| b == b'\n').take(e.line() - 1).map(<[u8]>::len).sum();
            let offset = line_start + e.column();
            match (input.get(offset.wrapping_sub(1)), how) {
                (Some(&c), GoDecode::Decoder) => {
                    format!("invalid character {} looking for beginning of value at offset {offset}", go_char_quote(c))
                }
                (Some(&c), GoDecode::Unmarshal) => {
                    format!("invalid character {} looking for beginning of value", go_char_quote(c))
                }
                (None, _) => eof.to_string(),
            }
        }
        _ => {
            let msg = e.to_string();
            match msg.rfind(" at line ") {
                Some(i) => msg[..i].to_string(),
                None => msg,
            }
        }
    }
}

/// A byte as Go's JSON errors quote it (`quoteChar`): `'x'`, with `'\''` and
/// `'"'` escaped, and other bytes as `'\x..'`.
fn go_char_quote(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        c => format!("'\\x{c:02x}'"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_errors_read_as_go_writes_them() {
        // Seen on Go 2.15.1: STREAM.CREATE bodies (json.Decoder) and pull
        // requests (json.Unmarshal).
        let cases: [(&[u8], GoDecode, &str); 6] = [
            (b"{\"name\":", GoDecode::Decoder, "unexpected EOF"),
            (b"{\"name\":}", GoDecode::Decoder, "invalid character '}' looking for beginning of value at offset 9"),
            (
                b"{\n\"name\":\n]",
                GoDecode::Decoder,
                "invalid character ']' looking for beginning of value at offset 11",
            ),
            (
                b"{\"name\":\"Q\",\"max\":'x'}",
                GoDecode::Decoder,
                "invalid character '\\'' looking for beginning of value at offset 19",
            ),
            (b"{\"batch\":", GoDecode::Unmarshal, "unexpected end of JSON input"),
            (b"{\"batch\":]}", GoDecode::Unmarshal, "invalid character ']' looking for beginning of value"),
        ];
        for (body, how, want) in cases {
            let e = serde_json::from_slice::<serde_json::Value>(body).unwrap_err();
            assert_eq!(go_decode_error(&e, body, how), want, "{}", String::from_utf8_lossy(body));
        }
    }

    use super::*;

    #[test]
    fn strings_as_go_escapes_them() {
        let cases: &[(&str, &str)] = &[
            ("plain", r#""plain""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("foo.>", r#""foo.\u003e""#),
            ("<a&b>", r#""\u003ca\u0026b\u003e""#),
            ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
            ("\u{7f}", "\"\u{7f}\""),
            ("line\u{2028}para\u{2029}", r#""line\u2028para\u2029""#),
            ("µs é 日本", "\"µs é 日本\""),
            ("/", r#""/""#),
        ];
        for (input, want) in cases {
            assert_eq!(quote(input), *want, "quote({input:?})");
        }
    }

    #[test]
    fn floats_as_go_writes_them() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (2.0, "2"),
            (0.5, "0.5"),
            (-1.25, "-1.25"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (input, want) in cases {
            assert_eq!(to_string(input), *want, "{input}");
        }
        assert_eq!(to_string(&1.5f32), "1.5");
        assert_eq!(to_string(&0.1f32), "0.1");
    }

    #[test]
    fn objects_keep_field_order() {
        let o = obj([("z", val(1)), ("a", val("x<y")), ("m", J::A(vec![val(true), J::O(Obj::default())]))]);
        assert_eq!(to_string(&o), r#"{"z":1,"a":"x\u003cy","m":[true,{}]}"#);
        assert_eq!(
            to_string_pretty(&o),
            "{\n  \"z\": 1,\n  \"a\": \"x\\u003cy\",\n  \"m\": [\n    true,\n    {}\n  ]\n}"
        );
        assert_eq!(to_string_pretty(&obj([("e", J::A(vec![]))])), "{\n  \"e\": []\n}");
        #[derive(Serialize)]
        struct S<'a> {
            name: &'a str,
            id: u64,
        }
        assert_eq!(to_string(&S { name: "a&b", id: 7 }), r#"{"name":"a\u0026b","id":7}"#);
    }

    #[test]
    fn go_percent_q() {
        let cases: &[(&[u8], &str)] = &[
            (b"foo", r#""foo""#),
            (b"a\"b\\", r#""a\"b\\""#),
            (b"\x07\x08\x0c\n\r\t\x0b", r#""\a\b\f\n\r\t\v""#),
            (b"\x00\x1b\x7f", r#""\x00\x1b\x7f""#),
            (b"\xff\xfeok", r#""\xff\xfeok""#),
            ("é日".as_bytes(), "\"é日\""),
            ("\u{a0}\u{2028}\u{200b}\u{feff}".as_bytes(), r#""\u00a0\u2028\u200b\ufeff""#),
            ("\u{f0000}".as_bytes(), r#""\U000f0000""#),
            (b"<&>", r#""<&>""#),
        ];
        for (input, want) in cases {
            assert_eq!(go_quote(input), *want, "go_quote({input:?})");
        }
    }
}
