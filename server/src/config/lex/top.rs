//! Top-level states: the document as a list of key/value pairs, optionally
//! wrapped in one pair of braces (`{ a: 1 }`), and comments (`#` and `//`)
//! wherever the states around them allow.
//!
//! Follows Go `conf/lex.go` `lexTop`, `lexTopValueEnd`, `lexBlockStart`,
//! `lexBlockValueEnd`, `lexBlockEnd`, `lexCommentStart` and `lexComment`.

use super::keys::lex_key_start;
use super::{esc, is_nl, is_space, is_whitespace, to, ItemType, Lexer, Next, EOF};

/// Between top-level entries: skips space, opens comments and enclosing
/// braces, ends at EOF; anything else starts a key (Go: `lexTop`).
pub(crate) fn lex_top(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_top);
    }
    match r {
        '{' => {
            lx.push(lex_top);
            return lx.skip(lex_block_start);
        }
        '#' => {
            lx.push(lex_top);
            return to(lex_comment_start);
        }
        '/' => {
            if lx.slash_comment() {
                lx.push(lex_top);
                return to(lex_comment_start);
            }
            return lx.eof_or_error();
        }
        EOF => return lx.eof_or_error(),
        _ => {}
    }
    lx.backup();
    lx.push(lex_top_value_end);
    to(lex_key_start)
}

/// After a top-level value: only blanks, a comment, or an end of entry (new
/// line, `;`, `,`, `}` or EOF) may follow (Go: `lexTopValueEnd`).
fn lex_top_value_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '#' {
        lx.push(lex_top);
        return to(lex_comment_start);
    }
    if r == '/' {
        if lx.slash_comment() {
            lx.push(lex_top);
            return to(lex_comment_start);
        }
        return to(lex_top_value_end);
    }
    if is_whitespace(r) {
        return to(lex_top_value_end);
    }
    if is_nl(r) || r == EOF || r == ';' || r == ',' || r == '}' {
        return lx.skip(lex_top);
    }
    lx.errorf(format!(
        "Expected a top-level value to end with a new line, comment or EOF, but got '{}' instead.",
        esc(r)
    ))
}

/// Inside enclosing braces, between entries (Go: `lexBlockStart`).
fn lex_block_start(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if is_space(r) {
        return lx.skip(lex_block_start);
    }
    match r {
        '{' => {
            lx.push(lex_block_end);
            return lx.skip(lex_block_start);
        }
        '}' => {
            lx.ignore();
            return lx.pop();
        }
        '#' => {
            lx.push(lex_block_start);
            return to(lex_comment_start);
        }
        '/' => {
            if lx.slash_comment() {
                lx.push(lex_block_start);
                return to(lex_comment_start);
            }
            return lx.eof_or_error();
        }
        EOF => return lx.eof_or_error(),
        _ => {}
    }
    lx.backup();
    lx.push(lex_block_value_end);
    to(lex_key_start)
}

/// After a value inside enclosing braces (Go: `lexBlockValueEnd`).
fn lex_block_value_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '#' {
        lx.push(lex_block_value_end);
        return to(lex_comment_start);
    }
    if r == '/' {
        if lx.slash_comment() {
            lx.push(lex_block_value_end);
            return to(lex_comment_start);
        }
        return to(lex_block_value_end);
    }
    if is_whitespace(r) {
        return to(lex_block_value_end);
    }
    if is_nl(r) || r == ';' || r == ',' {
        return lx.skip(lex_block_start);
    }
    if r == '}' {
        lx.backup();
        return to(lex_block_end);
    }
    lx.errorf(format!(
        "Expected a block-level value to end with a new line, comment or EOF, but got '{}' instead.",
        esc(r)
    ))
}

/// Looks for the `}` that closes enclosing braces (Go: `lexBlockEnd`).
fn lex_block_end(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '#' {
        lx.push(lex_block_start);
        return to(lex_comment_start);
    }
    if r == '/' {
        if lx.slash_comment() {
            lx.push(lex_block_start);
            return to(lex_comment_start);
        }
        return to(lex_block_end);
    }
    if is_nl(r) || is_whitespace(r) {
        return to(lex_block_end);
    }
    if r == ';' || r == ',' {
        return lx.skip(lex_block_start);
    }
    if r == '}' {
        lx.ignore();
        return lx.pop();
    }
    lx.errorf(format!("Expected a block-level to end with a '}}', but got '{}' instead.", esc(r)))
}

/// A comment's marker has been read: emits the start of a comment (Go:
/// `lexCommentStart`).
pub(crate) fn lex_comment_start(lx: &mut Lexer<'_>) -> Next {
    lx.ignore();
    lx.emit(ItemType::CommentStart);
    to(lex_comment)
}

/// The comment's text, up to (not including) the end of the line (Go:
/// `lexComment`).
fn lex_comment(lx: &mut Lexer<'_>) -> Next {
    let r = lx.peek();
    if is_nl(r) || r == EOF {
        lx.emit(ItemType::Text);
        return lx.pop();
    }
    lx.next();
    to(lex_comment)
}
