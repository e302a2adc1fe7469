//! Times and durations as Go writes and reads them: RFC 3339 with
//! nanoseconds (Go's `time.RFC3339Nano`, the form `time.Time` marshals to in
//! JSON, always UTC here, so with `Z`), the log line timestamp of Go's `log`
//! package (`2006/01/02 15:04:05.000000`), and `time.Duration` text
//! (`time.ParseDuration` and `Duration.String`, e.g. `1h2m3.5s`, `1.5ms`,
//! `0s`), including Go's error texts.
//!
//! Mirrors Go's `time/format.go` and `time/format_rfc3339.go`.
//! A leaf module: it uses nothing else from this crate.
use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to a (year, month, day) civil date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A civil date to days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds and nanoseconds of `t` (negative seconds before 1970).
fn unix_parts(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let (s, n) = (d.as_secs() as i64, d.subsec_nanos());
            if n == 0 {
                (-s, 0)
            } else {
                (-s - 1, 1_000_000_000 - n)
            }
        }
    }
}

/// RFC 3339 in UTC with the nanoseconds Go keeps: none when zero, else
/// trailing zeros trimmed (`2026-01-02T03:04:05.5Z`).
fn rfc3339_parts(secs: i64, nanos: u32) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60);
    if nanos != 0 {
        let f = format!("{nanos:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// `t` as Go's `time.Time` marshals it (`RFC3339Nano`, UTC).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let (secs, nanos) = unix_parts(t);
    rfc3339_parts(secs, nanos)
}

/// Unix nanoseconds above which a time is kept as whole seconds past this
/// base: i64 nanoseconds end in 2262, Go times do not (a consumer can be
/// paused until 2999).
const FAR_BASE: i64 = 7_000_000_000_000_000_000;

/// A time held as Unix nanoseconds, `0` being Go's zero time
/// (`0001-01-01T00:00:00Z`), as Go's `time.Time` marshals it.
pub(crate) fn format_rfc3339(nanos: i64) -> String {
    if nanos == 0 {
        return "0001-01-01T00:00:00Z".to_string();
    }
    if nanos > FAR_BASE {
        return rfc3339_parts(FAR_BASE / 1_000_000_000 + (nanos - FAR_BASE), 0);
    }
    rfc3339_parts(nanos.div_euclid(1_000_000_000), nanos.rem_euclid(1_000_000_000) as u32)
}

/// Parses RFC 3339 (`Z` or `±hh:mm` offsets, optional fraction) to Unix
/// nanoseconds as [`format_rfc3339`] holds them; Go's zero time parses to `0`.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b't') || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut frac = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut f: String = s[start..i].chars().take(9).collect();
        while f.len() < 9 {
            f.push('0');
        }
        frac = f.parse().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        b'+' | b'-' if i + 6 == b.len() => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        _ => return None,
    };
    if y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && se == 0 && frac == 0 && offset == 0 {
        return Some(0);
    }
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    match secs.checked_mul(1_000_000_000).and_then(|n| n.checked_add(frac)) {
        Some(n) if n <= FAR_BASE => Some(n),
        _ => FAR_BASE.checked_add(secs.checked_sub(FAR_BASE / 1_000_000_000)?),
    }
}

/// `t` in UTC as Go's `log` package stamps a line with date, time and
/// microseconds: `2006/01/02 15:04:05.000000`.
pub(crate) fn log_timestamp(t: SystemTime) -> String {
    let (secs, nanos) = unix_parts(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!("{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}.{:06}", sod / 3600, (sod / 60) % 60, sod % 60, nanos / 1000)
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1000 * NANOSECOND;
const MILLISECOND: u64 = 1000 * MICROSECOND;
const SECOND: u64 = 1000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers, each
/// with an optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`,
/// `h`), to nanoseconds. Errors are Go's texts
/// (`time: unknown unit "x" in duration "6x"`).
pub(crate) fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(text));
    let mut s = text.as_bytes();
    let mut neg = false;
    if let Some(&c @ (b'-' | b'+')) = s.first() {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // The whole part; it must not overflow.
        let mut v: u64 = 0;
        let mut i = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            if v > (1 << 63) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(s[i] - b'0');
            if v > 1 << 63 {
                return Err(invalid());
            }
            i += 1;
        }
        let pre = i > 0;
        s = &s[i..];
        // The fraction; digits past u64 precision are ignored.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let mut i = 0;
            let mut overflow = false;
            while i < s.len() && s[i].is_ascii_digit() {
                if !overflow {
                    let y = if f > ((1u64 << 63) - 1) / 10 { None } else { Some(f * 10 + u64::from(s[i] - b'0')) };
                    match y {
                        Some(y) if y <= 1 << 63 => {
                            f = y;
                            scale *= 10.0;
                        }
                        _ => overflow = true,
                    }
                }
                i += 1;
            }
            post = i > 0;
            s = &s[i..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s.iter().position(|&c| c == b'.' || c.is_ascii_digit()).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(text)));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let unit = match unit {
            b"ns" => NANOSECOND,
            // `us`, `µs` (U+00B5 micro sign) and `μs` (U+03BC mu).
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => MICROSECOND,
            b"ms" => MILLISECOND,
            b"s" => SECOND,
            b"m" => MINUTE,
            b"h" => HOUR,
            _ => {
                let u = String::from_utf8_lossy(unit);
                return Err(format!("time: unknown unit {} in duration {}", time_quote(&u), time_quote(text)));
            }
        };
        if v > (1 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            // As Go: float64 keeps fractions of an hour exact to the nanosecond.
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d += v;
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// The `time` package's own quoting in its errors: `"` and `\` escaped,
/// bytes outside printable ASCII as `\xNN`.
fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c < ' ' || !c.is_ascii() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.Duration.String()` of `n` nanoseconds: `0s`; under a second in
/// the largest fitting of `ns`, `µs`, `ms` (`1.5ms`); else hours, minutes and
/// seconds with a trimmed fraction (`1h0m0s`, `2m3.5s`).
pub(crate) fn duration_string(n: i64) -> String {
    let mut u = n.unsigned_abs();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    if u < SECOND {
        let (prec, unit) = match u {
            0 => return "0s".into(),
            _ if u < MICROSECOND => (0, "ns"),
            _ if u < MILLISECOND => (3, "µs"),
            _ => (6, "ms"),
        };
        let frac = frac_digits(&mut u, prec);
        out.push_str(&format!("{u}{frac}{unit}"));
        return out;
    }
    let frac = frac_digits(&mut u, 9);
    let (secs, mins, hours) = (u % 60, u / 60 % 60, u / 3600);
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if u >= 60 {
        out.push_str(&format!("{mins}m"));
    }
    out.push_str(&format!("{secs}{frac}s"));
    out
}

/// Splits the last `prec` decimal digits off `v` as a fraction: `.5` for
/// `v = 1500, prec = 3` (leaving `v = 1`), trailing zeros and a bare point
/// dropped (Go's `fmtFrac`).
fn frac_digits(v: &mut u64, prec: u32) -> String {
    let p = 10u64.pow(prec);
    let frac = *v % p;
    *v /= p;
    if frac == 0 {
        return String::new();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!(".{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_as_go_marshals_them() {
        let at = |secs: u64, nanos: u32| UNIX_EPOCH + Duration::new(secs, nanos);
        let cases: &[(SystemTime, &str)] = &[
            (UNIX_EPOCH, "1970-01-01T00:00:00Z"),
            (at(1, 500_000_000), "1970-01-01T00:00:01.5Z"),
            (at(1_764_340_000, 0), "2025-11-28T14:26:40Z"),
            (at(1_764_340_000, 1), "2025-11-28T14:26:40.000000001Z"),
            (at(1_764_340_000, 120_000_000), "2025-11-28T14:26:40.12Z"),
            (at(951_782_400, 999_999_999), "2000-02-29T00:00:00.999999999Z"),
            (UNIX_EPOCH - Duration::from_millis(1500), "1969-12-31T23:59:58.5Z"),
        ];
        for (t, want) in cases {
            assert_eq!(rfc3339(*t), *want);
        }
        assert_eq!(log_timestamp(at(1_764_340_000, 123_456_789)), "2025/11/28 14:26:40.123456");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2025, 11, 28), 20_420);
    }

    #[test]
    fn unix_nanos_with_go_zero_time() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0001-01-01T00:00:00Z", Some(0)),
            ("1970-01-01T00:00:00.5Z", Some(500_000_000)),
            ("2026-11-28T14:43:57.533244641Z", Some(1_795_877_037_533_244_641)),
            ("2030-01-01T01:00:00+01:00", parse_rfc3339("2030-01-01T00:00:00Z")),
            ("2999-01-01T00:00:00Z", parse_rfc3339("2999-01-01T00:00:00Z")),
            ("junk", None),
            ("2030-01-01T00:00:00", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rfc3339(text), *want, "{text}");
        }
        for text in
            ["0001-01-01T00:00:00Z", "2026-11-28T14:43:57.533244641Z", "2030-01-01T00:00:00.5Z", "2999-01-01T00:00:00Z"]
        {
            assert_eq!(format_rfc3339(parse_rfc3339(text).unwrap()), text);
        }
    }

    #[test]
    fn durations_parse_as_go() {
        const S: i64 = 1_000_000_000;
        let cases: &[(&str, Result<i64, &str>)] = &[
            ("0", Ok(0)),
            ("-0", Ok(0)),
            ("1h2m", Ok(3600 * S + 120 * S)),
            ("1.5s", Ok(1_500_000_000)),
            ("300ms", Ok(300_000_000)),
            ("-1s", Ok(-S)),
            ("+2s", Ok(2 * S)),
            ("1us", Ok(1000)),
            ("1µs", Ok(1000)),
            ("1μs", Ok(1000)),
            ("7ns", Ok(7)),
            (".5m", Ok(30 * S)),
            ("1.h", Ok(3600 * S)),
            ("2h45m30.5s", Ok((2 * 3600 + 45 * 60 + 30) * S + S / 2)),
            ("9223372036854775807ns", Ok(i64::MAX)),
            ("-9223372036854775808ns", Ok(i64::MIN)),
            ("9223372036854775808ns", Err("time: invalid duration \"9223372036854775808ns\"")),
            ("", Err("time: invalid duration \"\"")),
            ("-", Err("time: invalid duration \"-\"")),
            ("s", Err("time: invalid duration \"s\"")),
            (".s", Err("time: invalid duration \".s\"")),
            ("5", Err("time: missing unit in duration \"5\"")),
            ("6x", Err("time: unknown unit \"x\" in duration \"6x\"")),
            ("3µ", Err("time: unknown unit \"\\xc2\\xb5\" in duration \"3\\xc2\\xb5\"")),
            ("1d", Err("time: unknown unit \"d\" in duration \"1d\"")),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), want.map_err(str::to_string), "{text:?}");
        }
    }

    #[test]
    fn durations_print_as_go() {
        const S: i64 = 1_000_000_000;
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1000, "1µs"),
            (374_000, "374µs"),
            (1_500, "1.5µs"),
            (1_500_000, "1.5ms"),
            (100_000_000, "100ms"),
            (-1_500_000, "-1.5ms"),
            (S, "1s"),
            (S + 1, "1.000000001s"),
            (90 * S, "1m30s"),
            (61 * S + S / 2, "1m1.5s"),
            (3600 * S, "1h0m0s"),
            (3723 * S + S / 2, "1h2m3.5s"),
            (-S, "-1s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (n, want) in cases {
            assert_eq!(duration_string(*n), *want, "{n}");
        }
    }
}
