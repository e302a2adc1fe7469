//! Number states: integers (with size suffixes such as `1k`, `2MB`, `1GiB`),
//! negative numbers, floats, ISO 8601 Zulu dates (`2016-05-04T18:53:41Z`) and
//! IP addresses with an optional port (`127.0.0.1:4222`), which lex as
//! strings. Text that starts like a number but goes on otherwise (`1m30s`)
//! becomes a bare string.
//!
//! Follows Go `conf/lex.go` `lexNumberOrDateOrStringOrIPStart`,
//! `lexNumberOrDateOrStringOrIP`, `lexConvenientNumber`, `lexDateAfterYear`,
//! `lexNegNumberStart`, `lexNegNumber`, `lexFloatStart`, `lexFloat` and
//! `lexIPAddr`.

use super::strings::lex_string;
use super::{esc, is_digit, is_nl, is_number_suffix, is_whitespace, to, ItemType, Lexer, Next, StateFn, EOF};

/// The first digit of a value that starts with one (Go:
/// `lexNumberOrDateOrStringOrIPStart`).
pub(crate) fn lex_number_or_date_or_string_or_ip_start(lx: &mut Lexer<'_>) -> Next {
    first_digit(lx, lex_number_or_date_or_string_or_ip)
}

/// The first digit after a `-` (Go: `lexNegNumberStart`).
pub(crate) fn lex_neg_number_start(lx: &mut Lexer<'_>) -> Next {
    first_digit(lx, lex_neg_number)
}

/// A number must start with a digit (even a float); then `next`.
fn first_digit(lx: &mut Lexer<'_>, next: StateFn) -> Next {
    let r = lx.next();
    if !is_digit(r) {
        if r == '.' {
            return lx.errorf("Floats must start with a digit, not '.'.".into());
        }
        return lx.errorf(format!("Expected a digit but got '{}'.", esc(r)));
    }
    to(next)
}

/// The digits of a positive number; a `-` after four digits starts a date,
/// a `.` a float or IP, a suffix a size (Go: `lexNumberOrDateOrStringOrIP`).
fn lex_number_or_date_or_string_or_ip(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '-' {
        if lx.pos - lx.start != 5 {
            return lx.errorf("All ISO8601 dates must be in full Zulu form.".into());
        }
        return to(lex_date_after_year);
    }
    if is_digit(r) {
        return to(lex_number_or_date_or_string_or_ip);
    }
    if r == '.' {
        return to(lex_float_start);
    }
    if is_number_suffix(r) {
        return to(lex_convenient_number);
    }
    if !(is_nl(r) || r == EOF || r == '}' || r == ';' || r == ',' || is_whitespace(r)) {
        lx.string_state = lex_string;
        return to(lex_string);
    }
    lx.backup();
    lx.emit(ItemType::Integer);
    lx.pop()
}

/// After a size suffix: `b`/`B` (bytes) and `i`/`I` (binary units) may
/// follow (Go: `lexConvenientNumber`).
fn lex_convenient_number(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if matches!(r, 'b' | 'B' | 'i' | 'I') {
        return to(lex_convenient_number);
    }
    lx.backup();
    // Go 2.15.1 treats a digit after the suffix ("1m30s") as a
    // string; older `conf/lex.go` ended the number there.
    if is_nl(r) || r == EOF || r == '}' || r == ';' || r == ',' || is_whitespace(r) {
        lx.emit(ItemType::Integer);
        return lx.pop();
    }
    lx.string_state = lex_string;
    to(lex_string)
}

/// The rest of a full Zulu date after `YYYY-` (Go: `lexDateAfterYear`).
fn lex_date_after_year(lx: &mut Lexer<'_>) -> Next {
    const FORMAT: &str = "00-00T00:00:00Z";
    for f in FORMAT.chars() {
        let r = lx.next();
        if f == '0' {
            if !is_digit(r) {
                return lx.errorf(format!("Expected digit in ISO8601 datetime, but found '{}' instead.", esc(r)));
            }
        } else if f != r {
            return lx.errorf(format!("Expected '{}' in ISO8601 datetime, but found '{}' instead.", f, esc(r)));
        }
    }
    lx.emit(ItemType::Datetime);
    lx.pop()
}

/// The digits of a negative number (Go: `lexNegNumber`).
fn lex_neg_number(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_digit(r) {
        return to(lex_neg_number);
    }
    if r == '.' {
        return to(lex_float_start);
    }
    if is_number_suffix(r) {
        return to(lex_convenient_number);
    }
    lx.backup();
    lx.emit(ItemType::Integer);
    lx.pop()
}

/// After a number's `.`: a digit must follow (Go: `lexFloatStart`).
fn lex_float_start(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if !is_digit(r) {
        return lx.errorf(format!("Floats must have a digit after the '.', but got '{}' instead.", esc(r)));
    }
    to(lex_float)
}

/// A float's fraction digits; a second `.` makes it an IP address (Go:
/// `lexFloat`).
fn lex_float(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_digit(r) {
        return to(lex_float);
    }
    if r == '.' {
        return to(lex_ip_addr);
    }
    lx.backup();
    lx.emit(ItemType::Float);
    lx.pop()
}

/// An IP address, with an optional `:port` (Go: `lexIPAddr`).
fn lex_ip_addr(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_digit(r) || r == '.' || r == ':' || r == '-' {
        return to(lex_ip_addr);
    }
    lx.backup();
    lx.emit(ItemType::String);
    lx.pop()
}
