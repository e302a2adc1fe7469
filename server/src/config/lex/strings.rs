//! String states: single-quoted (taken as is), double-quoted and bare
//! strings (with `\` escapes), block strings `( ... )` ending at a `)` alone
//! on its line; a bare string may turn out to be a boolean or a `$variable`.
//!
//! Follows Go `conf/lex.go` `lexQuotedString`, `lexDubQuotedString`,
//! `lexString`, `lexBlock`, `lexStringEscape`, `lexStringBinary`, `isBool`
//! and `isVariable`.

use super::{esc, is_nl, is_whitespace, to, ItemType, Lexer, Next, EOF};

impl Lexer<'_> {
    /// The current text is a boolean word (Go: `isBool`).
    fn is_bool(&self) -> bool {
        matches!(self.cur().to_ascii_lowercase().as_str(), "true" | "false" | "on" | "off" | "yes" | "no")
    }

    /// The current text starts with `$`, which is then dropped (Go:
    /// `isVariable`).
    fn is_variable(&mut self) -> bool {
        if self.start >= self.input.len() {
            return false;
        }
        if self.input.as_bytes()[self.start] == b'$' {
            self.start += 1;
            return true;
        }
        false
    }
}

/// Inside single quotes: no escapes (Go: `lexQuotedString`).
pub(crate) fn lex_quoted_string(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '\'' {
        lx.backup();
        lx.emit(ItemType::String);
        lx.next();
        lx.ignore();
        return lx.pop();
    }
    if r == EOF {
        return lx.eof_or_error();
    }
    to(lex_quoted_string)
}

/// Inside double quotes (Go: `lexDubQuotedString`).
pub(crate) fn lex_dub_quoted_string(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '\\' {
        lx.add_current_string_part(1);
        return to(lex_string_escape);
    }
    if r == '"' {
        lx.backup();
        lx.emit_string();
        lx.next();
        lx.ignore();
        return lx.pop();
    }
    if r == EOF {
        return lx.eof_or_error();
    }
    to(lex_dub_quoted_string)
}

/// A bare string, ended by blanks or the end of its entry; without escapes
/// it may be a boolean or a variable (Go: `lexString`).
pub(crate) fn lex_string(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == '\\' {
        lx.add_current_string_part(1);
        return to(lex_string_escape);
    }
    if is_nl(r) || r == EOF || r == ';' || r == ',' || r == ']' || r == '}' || is_whitespace(r) {
        lx.backup();
        if !lx.string_parts.is_empty() {
            lx.emit_string();
        } else if lx.is_bool() {
            lx.emit(ItemType::Bool);
        } else if lx.is_variable() {
            lx.emit(ItemType::Variable);
        } else {
            lx.emit_string();
        }
        return lx.pop();
    }
    if r == '\'' {
        lx.backup();
        lx.emit_string();
        lx.next();
        lx.ignore();
        return lx.pop();
    }
    to(lex_string)
}

/// A block string `( ... )`: ends at a `)` alone on its line (Go:
/// `lexBlock`).
pub(crate) fn lex_block(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    if r == ')' {
        lx.backup();
        lx.backup();
        if lx.next() != '\n' {
            lx.next();
            return to(lex_block);
        }
        lx.next();
        let r2 = lx.next();
        if r2 == '\n' || r2 == EOF {
            lx.backup();
            lx.backup();
            lx.emit(ItemType::String);
            lx.next();
            lx.ignore();
            return lx.pop();
        }
        lx.backup();
    } else if r == EOF {
        return lx.errorf("Unexpected EOF processing block.".into());
    }
    to(lex_block)
}

/// The character after a `\` (Go: `lexStringEscape`).
fn lex_string_escape(lx: &mut Lexer<'_>) -> Next {
    let r = lx.next();
    match r {
        'x' => to(lex_string_binary),
        't' => lx.add_string_part(b"\t"),
        'n' => lx.add_string_part(b"\n"),
        'r' => lx.add_string_part(b"\r"),
        '"' => lx.add_string_part(b"\""),
        '\\' => lx.add_string_part(b"\\"),
        _ => lx.errorf(format!(
            "Invalid escape character '{}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.",
            esc(r)
        )),
    }
}

/// The two hex digits after `\x`, which make one raw byte (Go:
/// `lexStringBinary`).
fn lex_string_binary(lx: &mut Lexer<'_>) -> Next {
    let msg = "Expected two hexadecimal digits after '\\x', but hit end of line";
    if is_nl(lx.next()) {
        return lx.errorf(msg.into());
    }
    if is_nl(lx.next()) {
        return lx.errorf(msg.into());
    }
    let hex = lx.input.get(lx.pos.saturating_sub(2)..lx.pos).unwrap_or("");
    match u8::from_str_radix(hex, 16) {
        Ok(b) if hex.len() == 2 && hex.bytes().all(|c| c.is_ascii_hexdigit()) => {
            // One raw byte, as Go's `hex.DecodeString`.
            lx.add_string_part(&[b]);
            to(lx.string_state)
        }
        _ => lx.errorf(format!("Expected two hexadecimal digits after '\\x', but got '{hex}'")),
    }
}
