//! Lexer for the NATS config format.
//!
//! A state machine with the same states and transitions as Go's `conf/lex.go`,
//! so that accept/reject decisions and error texts match the Go server. Each
//! state is a function that lexes a little input, emits items, and returns the
//! state to run next (`None` once lexing stopped, at EOF or on an error). A
//! stack holds states to resume after a nested value (array, map, comment)
//! ends.
//!
//! This module holds the items, the lexer's cursor and emit primitives; the
//! states are grouped by what they lex: `top` (the document, optional
//! enclosing braces, comments), `keys` (keys and `include`), `values`
//! (the start of any value, arrays, maps), `strings` (quoted, raw and block
//! strings, escapes, booleans and variables) and `numbers` (integers with
//! size suffixes, floats, dates, IP addresses).

mod keys;
mod numbers;
mod strings;
#[cfg(test)]
mod tests;
mod top;
mod values;

/// Kind of a lexed item (Go: `itemType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    Eof,
    Key,
    Text,
    String,
    Bool,
    Integer,
    Float,
    Datetime,
    ArrayStart,
    ArrayEnd,
    MapStart,
    MapEnd,
    CommentStart,
    Variable,
    Include,
}

/// One lexed item. `pos` is Go's column: a byte offset from the start of line 1,
/// and from the preceding newline (so 1-based) on later lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) typ: ItemType,
    pub(crate) val: String,
    pub(crate) line: usize,
    pub(crate) pos: usize,
}

/// Marker for end of input, as in Go (a NUL rune).
const EOF: char = '\0';

/// A lexer state (Go: `stateFn`): lexes from the current position and
/// returns the state to run next.
type StateFn = for<'a, 'b> fn(&'b mut Lexer<'a>) -> Next;

/// A state to run, wrapped so that [`StateFn`] can name its own result.
#[derive(Clone, Copy)]
struct State(StateFn);

/// What a state returns: the next state, or `None` when lexing is over.
type Next = Option<State>;

/// Continue with state `f`.
fn to(f: StateFn) -> Next {
    Some(State(f))
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    start: usize,
    pos: usize,
    width: usize,
    line: usize,
    state: Next,
    items: std::collections::VecDeque<Item>,
    stack: Vec<StateFn>,
    string_parts: Vec<Vec<u8>>,
    /// The string state an escape returns to (Go: `stringStateFn`).
    string_state: StateFn,
    /// Byte index of the last newline seen (Go: `lstart`).
    lstart: usize,
    /// `lstart` as of the last emit/ignore (Go: `ilstart`).
    ilstart: usize,
}

fn is_whitespace(r: char) -> bool {
    r == '\t' || r == ' '
}
fn is_nl(r: char) -> bool {
    r == '\n' || r == '\r'
}
fn is_key_separator(r: char) -> bool {
    r == '=' || r == ':'
}
fn is_space(r: char) -> bool {
    r.is_whitespace()
}
fn is_digit(r: char) -> bool {
    r.is_ascii_digit()
}
fn is_number_suffix(r: char) -> bool {
    matches!(r, 'k' | 'K' | 'm' | 'M' | 'g' | 'G' | 't' | 'T' | 'p' | 'P' | 'e' | 'E')
}

/// Renders a rune for an error message the way Go's lexer does (newline escaped).
fn esc(r: char) -> String {
    if r == '\n' {
        "\\n".to_string()
    } else {
        r.to_string()
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Lexer {
            input,
            start: 0,
            pos: 0,
            width: 0,
            line: 1,
            state: to(top::lex_top),
            items: Default::default(),
            stack: Vec::new(),
            string_parts: Vec::new(),
            string_state: strings::lex_string,
            lstart: 0,
            ilstart: 0,
        }
    }

    /// Runs the state machine until an item is available. After an error or
    /// EOF it keeps returning EOF.
    pub(crate) fn next_item(&mut self) -> Item {
        loop {
            if let Some(it) = self.items.pop_front() {
                return it;
            }
            match self.state {
                Some(State(f)) => self.state = f(self),
                None => return Item { typ: ItemType::Eof, val: String::new(), line: self.line, pos: 0 },
            }
        }
    }

    fn push(&mut self, s: StateFn) {
        self.stack.push(s);
    }

    fn pop(&mut self) -> Next {
        match self.stack.pop() {
            Some(s) => to(s),
            None => self.errorf("BUG in lexer: no states to pop.".into()),
        }
    }

    /// Drops the input read so far and continues with `next` (Go: `lexSkip`).
    fn skip(&mut self, next: StateFn) -> Next {
        self.ignore();
        to(next)
    }

    fn cur(&self) -> &str {
        self.input.get(self.start..self.pos).unwrap_or("")
    }

    /// The string parts gathered so far followed by the current text. Go builds
    /// the value from raw bytes (a `\x` escape adds one byte), so escaped bytes
    /// that together form UTF-8 make one character; invalid sequences become
    /// U+FFFD.
    fn joined_parts(&self) -> String {
        let mut bytes = self.string_parts.concat();
        bytes.extend_from_slice(self.cur().as_bytes());
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn emit(&mut self, typ: ItemType) {
        let val = self.joined_parts();
        let pos = (self.pos - self.ilstart).saturating_sub(val.len());
        self.items.push_back(Item { typ, val, line: self.line, pos });
        self.start = self.pos;
        self.ilstart = self.lstart;
    }

    fn emit_string(&mut self) {
        let val = if self.string_parts.is_empty() {
            self.cur().to_string()
        } else {
            let v = self.joined_parts();
            self.string_parts.clear();
            v
        };
        let pos = (self.pos - self.ilstart).saturating_sub(val.len());
        self.items.push_back(Item { typ: ItemType::String, val, line: self.line, pos });
        self.start = self.pos;
        self.ilstart = self.lstart;
    }

    fn add_current_string_part(&mut self, offset: usize) {
        let end = self.pos.saturating_sub(offset).max(self.start);
        let part = self.input.get(self.start..end).unwrap_or("").as_bytes().to_vec();
        self.string_parts.push(part);
        self.start = self.pos;
    }

    fn add_string_part(&mut self, s: &[u8]) -> Next {
        self.string_parts.push(s.to_vec());
        self.start = self.pos;
        to(self.string_state)
    }

    fn next(&mut self) -> char {
        if self.pos >= self.input.len() {
            self.width = 0;
            return EOF;
        }
        if self.input.as_bytes()[self.pos] == b'\n' {
            self.line += 1;
            self.lstart = self.pos;
        }
        let r = self.input.get(self.pos..).and_then(|s| s.chars().next()).unwrap_or(EOF);
        self.width = r.len_utf8();
        self.pos += self.width;
        r
    }

    fn ignore(&mut self) {
        self.start = self.pos;
        self.ilstart = self.lstart;
    }

    fn backup(&mut self) {
        self.pos -= self.width;
        // Go's lexer sometimes backs up twice with only the last rune's width; over a
        // multi-byte rune that lands inside it, so step back to its first byte
        // (found by fuzzing: a panic on `ü` followed by `)`).
        while self.pos > 0 && !self.input.is_char_boundary(self.pos) {
            self.pos -= 1;
        }
        if self.pos < self.input.len() && self.input.as_bytes()[self.pos] == b'\n' {
            self.line -= 1;
        }
    }

    fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    /// Emits an error item and stops lexing.
    fn errorf(&mut self, msg: String) -> Next {
        let pos = self.pos.saturating_sub(self.lstart);
        self.items.push_back(Item { typ: ItemType::Error, val: msg, line: self.line, pos });
        None
    }

    /// Shared "unexpected EOF or clean EOF" handling used by several states.
    fn eof_or_error(&mut self) -> Next {
        if self.pos > self.start {
            return self.errorf("Unexpected EOF.".into());
        }
        self.emit(ItemType::Eof);
        None
    }

    /// `//` opens a comment; a lone `/` is backed up. Returns true for a comment.
    fn slash_comment(&mut self) -> bool {
        if self.next() == '/' {
            return true;
        }
        self.backup();
        false
    }
}
