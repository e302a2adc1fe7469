//! Value states: where any value may start, and the containers, arrays
//! (`[a, b]`, values ended by `,` or new lines) and maps (`{k: v}`, whose
//! keys follow the same rules as top-level keys).
//!
//! Follows Go `conf/lex.go` `lexValue`, `lexArrayValue`, `lexArrayValueEnd`,
//! `lexArrayEnd`, `lexMapKeyStart`, `lexMapQuotedKey`, `lexMapDubQuotedKey`,
//! `lexMapKey`, `lexMapKeyEnd`, `lexMapValue`, `lexMapValueEnd` and
//! `lexMapEnd`.

use super::keys::key_check_keyword;
use super::numbers::{lex_neg_number_start, lex_number_or_date_or_string_or_ip_start};
use super::strings::{lex_block, lex_dub_quoted_string, lex_quoted_string, lex_string};
use super::top::lex_comment_start;
use super::{esc, is_digit, is_key_separator, is_nl, is_space, is_whitespace, to, ItemType, Lexer, Next, StateFn, EOF};

/// The start of a value, which decides its kind by its first character;
/// blanks before it are skipped, a new line is an error (Go: `lexValue`).
pub(crate) fn lex_value(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_whitespace(r) {
        return lx.skip(lex_value);
    }
    match r {
        '[' => {
            lx.ignore();
            lx.emit(ItemType::ArrayStart);
            return to(lex_array_value);
        }
        '{' => {
            lx.ignore();
            lx.emit(ItemType::MapStart);
            return to(lex_map_key_start);
        }
        '\'' => {
            lx.ignore();
            return to(lex_quoted_string);
        }
        '"' => {
            lx.ignore();
            lx.string_state = lex_dub_quoted_string;
            return to(lex_dub_quoted_string);
        }
        '-' => return to(lex_neg_number_start),
        '(' => {
            lx.ignore();
            return to(lex_block);
        }
        '.' => return lx.errorf("Floats must start with a digit".into()),
        _ => {}
    }
    if is_digit(r) {
        lx.backup();
        return to(lex_number_or_date_or_string_or_ip_start);
    }
    if is_nl(r) {
        return lx.errorf("Expected value but found new line".into());
    }
    lx.backup();
    lx.string_state = lex_string;
    to(lex_string)
}

/// Before an array element: blanks, new lines and comments are skipped, `]`
/// ends the array (Go: `lexArrayValue`).
fn lex_array_value(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_array_value);
    }
    match r {
        '#' => {
            lx.push(lex_array_value);
            return to(lex_comment_start);
        }
        '/' => {
            if lx.slash_comment() {
                lx.push(lex_array_value);
                return to(lex_comment_start);
            }
            return lx.errorf("Unexpected array value terminator ','.".into());
        }
        ',' => return lx.errorf("Unexpected array value terminator ','.".into()),
        ']' => return to(lex_array_end),
        _ => {}
    }
    lx.backup();
    lx.push(lex_array_value_end);
    to(lex_value)
}

/// After an array element: `,` or a new line before the next, or `]` (Go:
/// `lexArrayValueEnd`).
fn lex_array_value_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_whitespace(r) {
        return lx.skip(lex_array_value_end);
    }
    if r == '#' {
        lx.push(lex_array_value_end);
        return to(lex_comment_start);
    }
    if r == '/' {
        if lx.slash_comment() {
            lx.push(lex_array_value_end);
            return to(lex_comment_start);
        }
        return lx.skip(lex_array_value);
    }
    if r == ',' || is_nl(r) {
        return lx.skip(lex_array_value);
    }
    if r == ']' {
        return to(lex_array_end);
    }
    lx.errorf(format!(
        "Expected an array value terminator \",\" or an array terminator \"]\", but got '{}' instead.",
        esc(r)
    ))
}

/// The `]` has been read (Go: `lexArrayEnd`).
fn lex_array_end(lx: &mut Lexer<'_>) -> Next {
    lx.ignore();
    lx.emit(ItemType::ArrayEnd);
    lx.pop()
}

/// Before a map key: blanks and comments are skipped, quotes opened, `}`
/// ends the map (Go: `lexMapKeyStart`).
fn lex_map_key_start(lx: &mut Lexer<'_>) -> Next {
    let r = lx.peek();
    if is_key_separator(r) {
        return lx.errorf(format!("Unexpected key separator '{}'.", esc(r)));
    }
    if r == ']' {
        return lx.errorf(format!("Unexpected array end '{}' processing map.", r));
    }
    if is_space(r) {
        lx.next();
        return lx.skip(lex_map_key_start);
    }
    match r {
        '}' => {
            lx.next();
            return lx.skip(lex_map_end);
        }
        '#' => {
            lx.next();
            lx.push(lex_map_key_start);
            return to(lex_comment_start);
        }
        '/' => {
            lx.next();
            if lx.slash_comment() {
                lx.push(lex_map_key_start);
                return to(lex_comment_start);
            }
            // Go falls out of the switch here and lexes a key
            // starting after the '/'.
        }
        '\'' => {
            lx.next();
            return lx.skip(lex_map_quoted_key);
        }
        '"' => {
            lx.next();
            return lx.skip(lex_map_dub_quoted_key);
        }
        EOF => return lx.errorf("Unexpected EOF processing map.".into()),
        _ => {}
    }
    lx.ignore();
    lx.next();
    to(lex_map_key)
}

/// A map key in single quotes (Go: `lexMapQuotedKey`).
fn lex_map_quoted_key(lx: &mut Lexer<'_>) -> Next {
    map_quoted_key(lx, '\'', "quoted", lex_map_quoted_key)
}

/// A map key in double quotes (Go: `lexMapDubQuotedKey`).
fn lex_map_dub_quoted_key(lx: &mut Lexer<'_>) -> Next {
    map_quoted_key(lx, '"', "double quoted", lex_map_dub_quoted_key)
}

/// A quoted map key up to the closing `end`; `again` is the calling state,
/// `what` names the quotes in the EOF error.
fn map_quoted_key(lx: &mut Lexer<'_>, end: char, what: &str, again: StateFn) -> Next {
    let r = lx.peek();
    if r == EOF {
        return lx.errorf(format!("Unexpected EOF processing {what} map key."));
    } else if r == end {
        lx.emit(ItemType::Key);
        lx.next();
        return lx.skip(lex_map_key_end);
    }
    lx.next();
    to(again)
}

/// A bare map key's text, which may be `include` (Go: `lexMapKey`).
fn lex_map_key(lx: &mut Lexer<'_>) -> Next {
    let r = lx.peek();
    if r == EOF {
        return lx.errorf("Unexpected EOF processing map key.".into());
    } else if is_space(r) {
        return key_check_keyword(lx, lex_map_key_end, Some(lex_map_value_end));
    } else if is_key_separator(r) {
        lx.emit(ItemType::Key);
        return to(lex_map_key_end);
    }
    lx.next();
    to(lex_map_key)
}

/// Between a map key and its value: blanks and at most one separator (Go:
/// `lexMapKeyEnd`).
fn lex_map_key_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_map_key_end);
    }
    if is_key_separator(r) {
        return lx.skip(lex_map_value);
    }
    lx.backup();
    to(lex_map_value)
}

/// Before a map value (Go: `lexMapValue`).
fn lex_map_value(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_map_value);
    }
    if r == ',' {
        return lx.errorf("Unexpected map value terminator \",\".".into());
    }
    if r == '}' {
        return lx.skip(lex_map_end);
    }
    lx.backup();
    lx.push(lex_map_value_end);
    to(lex_value)
}

/// After a map value: `,`, `;` or a new line before the next key, or `}`
/// (Go: `lexMapValueEnd`).
fn lex_map_value_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_whitespace(r) {
        return lx.skip(lex_map_value_end);
    }
    if r == '#' {
        lx.push(lex_map_value_end);
        return to(lex_comment_start);
    }
    if r == '/' {
        if lx.slash_comment() {
            lx.push(lex_map_value_end);
            return to(lex_comment_start);
        }
        return lx.skip(lex_map_key_start);
    }
    if r == ';' || r == ',' || is_nl(r) {
        return lx.skip(lex_map_key_start);
    }
    if r == '}' {
        return lx.skip(lex_map_end);
    }
    lx.errorf(format!(
        "Expected a map value terminator \",\" or a map terminator \"}}\", but got '{}' instead.",
        esc(r)
    ))
}

/// The `}` has been read (Go: `lexMapEnd`).
fn lex_map_end(lx: &mut Lexer<'_>) -> Next {
    lx.ignore();
    lx.emit(ItemType::MapEnd);
    lx.pop()
}
