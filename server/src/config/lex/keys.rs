//! Key states: a key bare or in quotes, the separator after it (`=`, `:` or
//! just blanks), and the `include` keyword with its file name, which stands
//! where a key would.
//!
//! Follows Go `conf/lex.go` `lexKeyStart`, `lexDubQuotedKey`,
//! `lexQuotedKey`, `keyCheckKeyword`, `lexIncludeStart`, `lexInclude`,
//! `lexIncludeQuotedString`, `lexIncludeDubQuotedString`, `lexIncludeString`,
//! `lexKey` and `lexKeyEnd`.

use super::values::lex_value;
use super::{esc, is_digit, is_key_separator, is_nl, is_space, is_whitespace, to, ItemType, Lexer, Next, StateFn, EOF};

/// Skips blanks before a key and opens quotes (Go: `lexKeyStart`).
pub(crate) fn lex_key_start(lx: &mut Lexer<'_>) -> Next {
    let r = lx.peek();
    if is_key_separator(r) {
        return lx.errorf(format!("Unexpected key separator '{}'", esc(r)));
    }
    if is_space(r) {
        lx.next();
        return lx.skip(lex_key_start);
    }
    if r == '"' {
        lx.next();
        return lx.skip(lex_dub_quoted_key);
    }
    if r == '\'' {
        lx.next();
        return lx.skip(lex_quoted_key);
    }
    lx.ignore();
    lx.next();
    to(lex_key)
}

/// A key in double quotes (Go: `lexDubQuotedKey`).
fn lex_dub_quoted_key(lx: &mut Lexer<'_>) -> Next {
    quoted_key(lx, '"', lex_dub_quoted_key)
}

/// A key in single quotes (Go: `lexQuotedKey`).
fn lex_quoted_key(lx: &mut Lexer<'_>) -> Next {
    quoted_key(lx, '\'', lex_quoted_key)
}

/// A quoted key's text up to the closing `end`; `again` is the calling state.
fn quoted_key(lx: &mut Lexer<'_>, end: char, again: StateFn) -> Next {
    let r = lx.peek();
    if r == end {
        lx.emit(ItemType::Key);
        lx.next();
        return lx.skip(lex_key_end);
    } else if r == EOF {
        return lx.eof_or_error();
    }
    lx.next();
    to(again)
}

/// A bare key followed by blanks may be the `include` keyword (Go:
/// `keyCheckKeyword`): then the include is lexed instead, resuming with
/// `push` when given; else the key is emitted and lexing goes on with
/// `fall_through`.
pub(crate) fn key_check_keyword(lx: &mut Lexer<'_>, fall_through: StateFn, push: Option<StateFn>) -> Next {
    if lx.cur().eq_ignore_ascii_case("include") {
        lx.ignore();
        if let Some(p) = push {
            lx.push(p);
        }
        return to(lex_include_start);
    }
    lx.emit(ItemType::Key);
    to(fall_through)
}

/// Skips blanks after `include` (Go: `lexIncludeStart`).
fn lex_include_start(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_whitespace(r) {
        return lx.skip(lex_include_start);
    }
    lx.backup();
    to(lex_include)
}

/// The include's file name in single quotes (Go: `lexIncludeQuotedString`).
fn lex_include_quoted_string(lx: &mut Lexer<'_>) -> Next {
    include_quoted(lx, '\'', "quoted", lex_include_quoted_string)
}

/// The include's file name in double quotes (Go:
/// `lexIncludeDubQuotedString`).
fn lex_include_dub_quoted_string(lx: &mut Lexer<'_>) -> Next {
    include_quoted(lx, '"', "double quoted", lex_include_dub_quoted_string)
}

/// A quoted include name up to the closing `end`; `again` is the calling
/// state, `what` names the quotes in the EOF error.
fn include_quoted(lx: &mut Lexer<'_>, end: char, what: &str, again: StateFn) -> Next {
    let r = lx.next();
    if r == end {
        lx.backup();
        lx.emit(ItemType::Include);
        lx.next();
        lx.ignore();
        return lx.pop();
    }
    if r == EOF {
        return lx.errorf(format!("Unexpected EOF in {what} include"));
    }
    to(again)
}

/// An unquoted include name, up to blanks or the end of the entry (Go:
/// `lexIncludeString`).
fn lex_include_string(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_nl(r) || r == EOF || r == ';' || r == '}' || is_whitespace(r) {
        lx.backup();
        lx.emit(ItemType::Include);
        return lx.pop();
    }
    if r == '\'' {
        lx.backup();
        lx.emit(ItemType::Include);
        lx.next();
        lx.ignore();
        return lx.pop();
    }
    to(lex_include_string)
}

/// The start of an include's value: quotes or a bare name; other values are
/// refused (Go: `lexInclude`).
fn lex_include(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    match r {
        '\'' => {
            lx.ignore();
            return to(lex_include_quoted_string);
        }
        '"' => {
            lx.ignore();
            return to(lex_include_dub_quoted_string);
        }
        '[' => return lx.errorf("Expected include value but found start of an array".into()),
        '{' => return lx.errorf("Expected include value but found start of a map".into()),
        '(' => return lx.errorf("Expected include value but found start of a block".into()),
        '\\' => return lx.errorf("Expected include value but found escape sequence".into()),
        _ => {}
    }
    if is_digit(r) || r == '-' {
        return lx.errorf("Expected include value but found start of a number".into());
    }
    if is_nl(r) {
        return lx.errorf("Expected include value but found new line".into());
    }
    lx.backup();
    to(lex_include_string)
}

/// A bare key's text (Go: `lexKey`).
fn lex_key(lx: &mut Lexer<'_>) -> Next {
    let r = lx.peek();
    if is_space(r) {
        return key_check_keyword(lx, lex_key_end, None);
    } else if is_key_separator(r) || r == EOF {
        lx.emit(ItemType::Key);
        return to(lex_key_end);
    }
    lx.next();
    to(lex_key)
}

/// Between a key and its value: blanks and at most one separator (Go:
/// `lexKeyEnd`).
fn lex_key_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_key_end);
    }
    if is_key_separator(r) {
        return lx.skip(lex_value);
    }
    if r == EOF {
        lx.emit(ItemType::Eof);
        return None;
    }
    lx.backup();
    to(lex_value)
}
