//! Lexer for the NATS config format.
//!
//! A state machine with the same states and transitions as Go's `conf/lex.go`,
//! so that accept/reject decisions and error texts match the Go server. Each
//! state returns the next one; a stack holds states to resume after a nested
//! value (array, map, comment) ends.

/// Kind of a lexed item (Go: `itemType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
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
pub struct Item {
    pub typ: ItemType,
    pub val: String,
    pub line: usize,
    pub pos: usize,
}

/// Marker for end of input, as in Go (a NUL rune).
const EOF: char = '\0';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Top,
    TopValueEnd,
    BlockStart,
    BlockValueEnd,
    BlockEnd,
    KeyStart,
    DubQuotedKey,
    QuotedKey,
    IncludeStart,
    IncludeQuotedString,
    IncludeDubQuotedString,
    IncludeString,
    Include,
    Key,
    KeyEnd,
    Value,
    ArrayValue,
    ArrayValueEnd,
    ArrayEnd,
    MapKeyStart,
    MapQuotedKey,
    MapDubQuotedKey,
    MapKey,
    MapKeyEnd,
    MapValue,
    MapValueEnd,
    MapEnd,
    QuotedString,
    DubQuotedString,
    String,
    Block,
    StringEscape,
    StringBinary,
    NumberOrDateOrStringOrIpStart,
    NumberOrDateOrStringOrIp,
    ConvenientNumber,
    DateAfterYear,
    NegNumberStart,
    NegNumber,
    FloatStart,
    Float,
    IpAddr,
    CommentStart,
    Comment,
}

pub struct Lexer<'a> {
    input: &'a str,
    start: usize,
    pos: usize,
    width: usize,
    line: usize,
    state: Option<State>,
    items: std::collections::VecDeque<Item>,
    stack: Vec<State>,
    string_parts: Vec<Vec<u8>>,
    string_state: State,
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
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            start: 0,
            pos: 0,
            width: 0,
            line: 1,
            state: Some(State::Top),
            items: Default::default(),
            stack: Vec::new(),
            string_parts: Vec::new(),
            string_state: State::String,
            lstart: 0,
            ilstart: 0,
        }
    }

    /// Runs the state machine until an item is available. After an error or
    /// EOF it keeps returning EOF.
    pub fn next_item(&mut self) -> Item {
        loop {
            if let Some(it) = self.items.pop_front() {
                return it;
            }
            match self.state {
                Some(s) => self.state = self.step(s),
                None => return Item { typ: ItemType::Eof, val: String::new(), line: self.line, pos: 0 },
            }
        }
    }

    fn push(&mut self, s: State) {
        self.stack.push(s);
    }

    fn pop(&mut self) -> Option<State> {
        match self.stack.pop() {
            Some(s) => Some(s),
            None => self.errorf("BUG in lexer: no states to pop.".into()),
        }
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

    fn add_string_part(&mut self, s: &[u8]) -> Option<State> {
        self.string_parts.push(s.to_vec());
        self.start = self.pos;
        Some(self.string_state)
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

    fn errorf(&mut self, msg: String) -> Option<State> {
        let pos = self.pos.saturating_sub(self.lstart);
        self.items.push_back(Item { typ: ItemType::Error, val: msg, line: self.line, pos });
        None
    }

    /// Shared "unexpected EOF or clean EOF" handling used by several states.
    fn eof_or_error(&mut self) -> Option<State> {
        if self.pos > self.start {
            return self.errorf("Unexpected EOF.".into());
        }
        self.emit(ItemType::Eof);
        None
    }

    fn is_bool(&self) -> bool {
        matches!(self.cur().to_ascii_lowercase().as_str(), "true" | "false" | "on" | "off" | "yes" | "no")
    }

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

    /// `include` is a keyword where a key is expected.
    fn key_check_keyword(&mut self, fall_through: State, push: Option<State>) -> Option<State> {
        if self.cur().eq_ignore_ascii_case("include") {
            self.ignore();
            if let Some(p) = push {
                self.push(p);
            }
            return Some(State::IncludeStart);
        }
        self.emit(ItemType::Key);
        Some(fall_through)
    }

    /// `//` opens a comment; a lone `/` is backed up. Returns true for a comment.
    fn slash_comment(&mut self) -> bool {
        if self.next() == '/' {
            return true;
        }
        self.backup();
        false
    }

    fn step(&mut self, s: State) -> Option<State> {
        use State as S;
        match s {
            S::Top => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::Top);
                }
                match r {
                    '{' => {
                        self.push(S::Top);
                        self.ignore();
                        return Some(S::BlockStart);
                    }
                    '#' => {
                        self.push(S::Top);
                        return Some(S::CommentStart);
                    }
                    '/' => {
                        if self.slash_comment() {
                            self.push(S::Top);
                            return Some(S::CommentStart);
                        }
                        return self.eof_or_error();
                    }
                    EOF => return self.eof_or_error(),
                    _ => {}
                }
                self.backup();
                self.push(S::TopValueEnd);
                Some(S::KeyStart)
            }
            S::TopValueEnd => {
                let r = self.next();
                if r == '#' {
                    self.push(S::Top);
                    return Some(S::CommentStart);
                }
                if r == '/' {
                    if self.slash_comment() {
                        self.push(S::Top);
                        return Some(S::CommentStart);
                    }
                    return Some(S::TopValueEnd);
                }
                if is_whitespace(r) {
                    return Some(S::TopValueEnd);
                }
                if is_nl(r) || r == EOF || r == ';' || r == ',' || r == '}' {
                    self.ignore();
                    return Some(S::Top);
                }
                self.errorf(format!(
                    "Expected a top-level value to end with a new line, comment or EOF, but got '{}' instead.",
                    esc(r)
                ))
            }
            S::BlockStart => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::BlockStart);
                }
                match r {
                    '{' => {
                        self.push(S::BlockEnd);
                        self.ignore();
                        return Some(S::BlockStart);
                    }
                    '}' => {
                        self.ignore();
                        return self.pop();
                    }
                    '#' => {
                        self.push(S::BlockStart);
                        return Some(S::CommentStart);
                    }
                    '/' => {
                        if self.slash_comment() {
                            self.push(S::BlockStart);
                            return Some(S::CommentStart);
                        }
                        return self.eof_or_error();
                    }
                    EOF => return self.eof_or_error(),
                    _ => {}
                }
                self.backup();
                self.push(S::BlockValueEnd);
                Some(S::KeyStart)
            }
            S::BlockValueEnd => {
                let r = self.next();
                if r == '#' {
                    self.push(S::BlockValueEnd);
                    return Some(S::CommentStart);
                }
                if r == '/' {
                    if self.slash_comment() {
                        self.push(S::BlockValueEnd);
                        return Some(S::CommentStart);
                    }
                    return Some(S::BlockValueEnd);
                }
                if is_whitespace(r) {
                    return Some(S::BlockValueEnd);
                }
                if is_nl(r) || r == ';' || r == ',' {
                    self.ignore();
                    return Some(S::BlockStart);
                }
                if r == '}' {
                    self.backup();
                    return Some(S::BlockEnd);
                }
                self.errorf(format!(
                    "Expected a block-level value to end with a new line, comment or EOF, but got '{}' instead.",
                    esc(r)
                ))
            }
            S::BlockEnd => {
                let r = self.next();
                if r == '#' {
                    self.push(S::BlockStart);
                    return Some(S::CommentStart);
                }
                if r == '/' {
                    if self.slash_comment() {
                        self.push(S::BlockStart);
                        return Some(S::CommentStart);
                    }
                    return Some(S::BlockEnd);
                }
                if is_nl(r) || is_whitespace(r) {
                    return Some(S::BlockEnd);
                }
                if r == ';' || r == ',' {
                    self.ignore();
                    return Some(S::BlockStart);
                }
                if r == '}' {
                    self.ignore();
                    return self.pop();
                }
                self.errorf(format!("Expected a block-level to end with a '}}', but got '{}' instead.", esc(r)))
            }
            S::KeyStart => {
                let r = self.peek();
                if is_key_separator(r) {
                    return self.errorf(format!("Unexpected key separator '{}'", esc(r)));
                }
                if is_space(r) {
                    self.next();
                    self.ignore();
                    return Some(S::KeyStart);
                }
                if r == '"' {
                    self.next();
                    self.ignore();
                    return Some(S::DubQuotedKey);
                }
                if r == '\'' {
                    self.next();
                    self.ignore();
                    return Some(S::QuotedKey);
                }
                self.ignore();
                self.next();
                Some(S::Key)
            }
            S::DubQuotedKey | S::QuotedKey => {
                let end = if s == S::DubQuotedKey { '"' } else { '\'' };
                let r = self.peek();
                if r == end {
                    self.emit(ItemType::Key);
                    self.next();
                    self.ignore();
                    return Some(S::KeyEnd);
                } else if r == EOF {
                    return self.eof_or_error();
                }
                self.next();
                Some(s)
            }
            S::IncludeStart => {
                let r = self.next();
                if is_whitespace(r) {
                    self.ignore();
                    return Some(S::IncludeStart);
                }
                self.backup();
                Some(S::Include)
            }
            S::IncludeQuotedString | S::IncludeDubQuotedString => {
                let (end, what) = if s == S::IncludeQuotedString { ('\'', "quoted") } else { ('"', "double quoted") };
                let r = self.next();
                if r == end {
                    self.backup();
                    self.emit(ItemType::Include);
                    self.next();
                    self.ignore();
                    return self.pop();
                }
                if r == EOF {
                    return self.errorf(format!("Unexpected EOF in {what} include"));
                }
                Some(s)
            }
            S::IncludeString => {
                let r = self.next();
                if is_nl(r) || r == EOF || r == ';' || r == '}' || is_whitespace(r) {
                    self.backup();
                    self.emit(ItemType::Include);
                    return self.pop();
                }
                if r == '\'' {
                    self.backup();
                    self.emit(ItemType::Include);
                    self.next();
                    self.ignore();
                    return self.pop();
                }
                Some(S::IncludeString)
            }
            S::Include => {
                let r = self.next();
                match r {
                    '\'' => {
                        self.ignore();
                        return Some(S::IncludeQuotedString);
                    }
                    '"' => {
                        self.ignore();
                        return Some(S::IncludeDubQuotedString);
                    }
                    '[' => return self.errorf("Expected include value but found start of an array".into()),
                    '{' => return self.errorf("Expected include value but found start of a map".into()),
                    '(' => return self.errorf("Expected include value but found start of a block".into()),
                    '\\' => return self.errorf("Expected include value but found escape sequence".into()),
                    _ => {}
                }
                if is_digit(r) || r == '-' {
                    return self.errorf("Expected include value but found start of a number".into());
                }
                if is_nl(r) {
                    return self.errorf("Expected include value but found new line".into());
                }
                self.backup();
                Some(S::IncludeString)
            }
            S::Key => {
                let r = self.peek();
                if is_space(r) {
                    return self.key_check_keyword(S::KeyEnd, None);
                } else if is_key_separator(r) || r == EOF {
                    self.emit(ItemType::Key);
                    return Some(S::KeyEnd);
                }
                self.next();
                Some(S::Key)
            }
            S::KeyEnd => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::KeyEnd);
                }
                if is_key_separator(r) {
                    self.ignore();
                    return Some(S::Value);
                }
                if r == EOF {
                    self.emit(ItemType::Eof);
                    return None;
                }
                self.backup();
                Some(S::Value)
            }
            S::Value => {
                let r = self.next();
                if is_whitespace(r) {
                    self.ignore();
                    return Some(S::Value);
                }
                match r {
                    '[' => {
                        self.ignore();
                        self.emit(ItemType::ArrayStart);
                        return Some(S::ArrayValue);
                    }
                    '{' => {
                        self.ignore();
                        self.emit(ItemType::MapStart);
                        return Some(S::MapKeyStart);
                    }
                    '\'' => {
                        self.ignore();
                        return Some(S::QuotedString);
                    }
                    '"' => {
                        self.ignore();
                        self.string_state = S::DubQuotedString;
                        return Some(S::DubQuotedString);
                    }
                    '-' => return Some(S::NegNumberStart),
                    '(' => {
                        self.ignore();
                        return Some(S::Block);
                    }
                    '.' => return self.errorf("Floats must start with a digit".into()),
                    _ => {}
                }
                if is_digit(r) {
                    self.backup();
                    return Some(S::NumberOrDateOrStringOrIpStart);
                }
                if is_nl(r) {
                    return self.errorf("Expected value but found new line".into());
                }
                self.backup();
                self.string_state = S::String;
                Some(S::String)
            }
            S::ArrayValue => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::ArrayValue);
                }
                match r {
                    '#' => {
                        self.push(S::ArrayValue);
                        return Some(S::CommentStart);
                    }
                    '/' => {
                        if self.slash_comment() {
                            self.push(S::ArrayValue);
                            return Some(S::CommentStart);
                        }
                        return self.errorf("Unexpected array value terminator ','.".into());
                    }
                    ',' => return self.errorf("Unexpected array value terminator ','.".into()),
                    ']' => return Some(S::ArrayEnd),
                    _ => {}
                }
                self.backup();
                self.push(S::ArrayValueEnd);
                Some(S::Value)
            }
            S::ArrayValueEnd => {
                let r = self.next();
                if is_whitespace(r) {
                    self.ignore();
                    return Some(S::ArrayValueEnd);
                }
                if r == '#' {
                    self.push(S::ArrayValueEnd);
                    return Some(S::CommentStart);
                }
                if r == '/' {
                    if self.slash_comment() {
                        self.push(S::ArrayValueEnd);
                        return Some(S::CommentStart);
                    }
                    self.ignore();
                    return Some(S::ArrayValue);
                }
                if r == ',' || is_nl(r) {
                    self.ignore();
                    return Some(S::ArrayValue);
                }
                if r == ']' {
                    return Some(S::ArrayEnd);
                }
                self.errorf(format!(
                    "Expected an array value terminator \",\" or an array terminator \"]\", but got '{}' instead.",
                    esc(r)
                ))
            }
            S::ArrayEnd => {
                self.ignore();
                self.emit(ItemType::ArrayEnd);
                self.pop()
            }
            S::MapKeyStart => {
                let r = self.peek();
                if is_key_separator(r) {
                    return self.errorf(format!("Unexpected key separator '{}'.", esc(r)));
                }
                if r == ']' {
                    return self.errorf(format!("Unexpected array end '{}' processing map.", r));
                }
                if is_space(r) {
                    self.next();
                    self.ignore();
                    return Some(S::MapKeyStart);
                }
                match r {
                    '}' => {
                        self.next();
                        self.ignore();
                        return Some(S::MapEnd);
                    }
                    '#' => {
                        self.next();
                        self.push(S::MapKeyStart);
                        return Some(S::CommentStart);
                    }
                    '/' => {
                        self.next();
                        if self.slash_comment() {
                            self.push(S::MapKeyStart);
                            return Some(S::CommentStart);
                        }
                        // Go falls out of the switch here and lexes a key
                        // starting after the '/'.
                    }
                    '\'' => {
                        self.next();
                        self.ignore();
                        return Some(S::MapQuotedKey);
                    }
                    '"' => {
                        self.next();
                        self.ignore();
                        return Some(S::MapDubQuotedKey);
                    }
                    EOF => return self.errorf("Unexpected EOF processing map.".into()),
                    _ => {}
                }
                self.ignore();
                self.next();
                Some(S::MapKey)
            }
            S::MapQuotedKey | S::MapDubQuotedKey => {
                let (end, what) = if s == S::MapQuotedKey { ('\'', "quoted") } else { ('"', "double quoted") };
                let r = self.peek();
                if r == EOF {
                    return self.errorf(format!("Unexpected EOF processing {what} map key."));
                } else if r == end {
                    self.emit(ItemType::Key);
                    self.next();
                    self.ignore();
                    return Some(S::MapKeyEnd);
                }
                self.next();
                Some(s)
            }
            S::MapKey => {
                let r = self.peek();
                if r == EOF {
                    return self.errorf("Unexpected EOF processing map key.".into());
                } else if is_space(r) {
                    return self.key_check_keyword(S::MapKeyEnd, Some(S::MapValueEnd));
                } else if is_key_separator(r) {
                    self.emit(ItemType::Key);
                    return Some(S::MapKeyEnd);
                }
                self.next();
                Some(S::MapKey)
            }
            S::MapKeyEnd => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::MapKeyEnd);
                }
                if is_key_separator(r) {
                    self.ignore();
                    return Some(S::MapValue);
                }
                self.backup();
                Some(S::MapValue)
            }
            S::MapValue => {
                let r = self.next();
                if is_space(r) {
                    self.ignore();
                    return Some(S::MapValue);
                }
                if r == ',' {
                    return self.errorf("Unexpected map value terminator \",\".".into());
                }
                if r == '}' {
                    self.ignore();
                    return Some(S::MapEnd);
                }
                self.backup();
                self.push(S::MapValueEnd);
                Some(S::Value)
            }
            S::MapValueEnd => {
                let r = self.next();
                if is_whitespace(r) {
                    self.ignore();
                    return Some(S::MapValueEnd);
                }
                if r == '#' {
                    self.push(S::MapValueEnd);
                    return Some(S::CommentStart);
                }
                if r == '/' {
                    if self.slash_comment() {
                        self.push(S::MapValueEnd);
                        return Some(S::CommentStart);
                    }
                    self.ignore();
                    return Some(S::MapKeyStart);
                }
                if r == ';' || r == ',' || is_nl(r) {
                    self.ignore();
                    return Some(S::MapKeyStart);
                }
                if r == '}' {
                    self.ignore();
                    return Some(S::MapEnd);
                }
                self.errorf(format!(
                    "Expected a map value terminator \",\" or a map terminator \"}}\", but got '{}' instead.",
                    esc(r)
                ))
            }
            S::MapEnd => {
                self.ignore();
                self.emit(ItemType::MapEnd);
                self.pop()
            }
            S::QuotedString => {
                let r = self.next();
                if r == '\'' {
                    self.backup();
                    self.emit(ItemType::String);
                    self.next();
                    self.ignore();
                    return self.pop();
                }
                if r == EOF {
                    return self.eof_or_error();
                }
                Some(S::QuotedString)
            }
            S::DubQuotedString => {
                let r = self.next();
                if r == '\\' {
                    self.add_current_string_part(1);
                    return Some(S::StringEscape);
                }
                if r == '"' {
                    self.backup();
                    self.emit_string();
                    self.next();
                    self.ignore();
                    return self.pop();
                }
                if r == EOF {
                    return self.eof_or_error();
                }
                Some(S::DubQuotedString)
            }
            S::String => {
                let r = self.next();
                if r == '\\' {
                    self.add_current_string_part(1);
                    return Some(S::StringEscape);
                }
                if is_nl(r) || r == EOF || r == ';' || r == ',' || r == ']' || r == '}' || is_whitespace(r) {
                    self.backup();
                    if !self.string_parts.is_empty() {
                        self.emit_string();
                    } else if self.is_bool() {
                        self.emit(ItemType::Bool);
                    } else if self.is_variable() {
                        self.emit(ItemType::Variable);
                    } else {
                        self.emit_string();
                    }
                    return self.pop();
                }
                if r == '\'' {
                    self.backup();
                    self.emit_string();
                    self.next();
                    self.ignore();
                    return self.pop();
                }
                Some(S::String)
            }
            S::Block => {
                // A block string `( ... )` ends at a `)` alone on its line.
                let r = self.next();
                if r == ')' {
                    self.backup();
                    self.backup();
                    if self.next() != '\n' {
                        self.next();
                        return Some(S::Block);
                    }
                    self.next();
                    let r2 = self.next();
                    if r2 == '\n' || r2 == EOF {
                        self.backup();
                        self.backup();
                        self.emit(ItemType::String);
                        self.next();
                        self.ignore();
                        return self.pop();
                    }
                    self.backup();
                } else if r == EOF {
                    return self.errorf("Unexpected EOF processing block.".into());
                }
                Some(S::Block)
            }
            S::StringEscape => {
                let r = self.next();
                match r {
                    'x' => Some(S::StringBinary),
                    't' => self.add_string_part(b"\t"),
                    'n' => self.add_string_part(b"\n"),
                    'r' => self.add_string_part(b"\r"),
                    '"' => self.add_string_part(b"\""),
                    '\\' => self.add_string_part(b"\\"),
                    _ => self.errorf(format!(
                        "Invalid escape character '{}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.",
                        esc(r)
                    )),
                }
            }
            S::StringBinary => {
                let msg = "Expected two hexadecimal digits after '\\x', but hit end of line";
                if is_nl(self.next()) {
                    return self.errorf(msg.into());
                }
                if is_nl(self.next()) {
                    return self.errorf(msg.into());
                }
                let hex = self.input.get(self.pos.saturating_sub(2)..self.pos).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) if hex.len() == 2 && hex.bytes().all(|c| c.is_ascii_hexdigit()) => {
                        // One raw byte, as Go's `hex.DecodeString`.
                        self.add_string_part(&[b]);
                        Some(self.string_state)
                    }
                    _ => self.errorf(format!("Expected two hexadecimal digits after '\\x', but got '{hex}'")),
                }
            }
            S::NumberOrDateOrStringOrIpStart | S::NegNumberStart => {
                let r = self.next();
                if !is_digit(r) {
                    if r == '.' {
                        return self.errorf("Floats must start with a digit, not '.'.".into());
                    }
                    return self.errorf(format!("Expected a digit but got '{}'.", esc(r)));
                }
                if s == S::NegNumberStart {
                    Some(S::NegNumber)
                } else {
                    Some(S::NumberOrDateOrStringOrIp)
                }
            }
            S::NumberOrDateOrStringOrIp => {
                let r = self.next();
                if r == '-' {
                    if self.pos - self.start != 5 {
                        return self.errorf("All ISO8601 dates must be in full Zulu form.".into());
                    }
                    return Some(S::DateAfterYear);
                }
                if is_digit(r) {
                    return Some(S::NumberOrDateOrStringOrIp);
                }
                if r == '.' {
                    return Some(S::FloatStart);
                }
                if is_number_suffix(r) {
                    return Some(S::ConvenientNumber);
                }
                if !(is_nl(r) || r == EOF || r == '}' || r == ';' || r == ',' || is_whitespace(r)) {
                    self.string_state = S::String;
                    return Some(S::String);
                }
                self.backup();
                self.emit(ItemType::Integer);
                self.pop()
            }
            S::ConvenientNumber => {
                let r = self.next();
                if matches!(r, 'b' | 'B' | 'i' | 'I') {
                    return Some(S::ConvenientNumber);
                }
                self.backup();
                // Go 2.15.1 treats a digit after the suffix ("1m30s") as a
                // string; older `conf/lex.go` ended the number there.
                if is_nl(r) || r == EOF || r == '}' || r == ';' || r == ',' || is_whitespace(r) {
                    self.emit(ItemType::Integer);
                    return self.pop();
                }
                self.string_state = S::String;
                Some(S::String)
            }
            S::DateAfterYear => {
                const FORMAT: &str = "00-00T00:00:00Z";
                for f in FORMAT.chars() {
                    let r = self.next();
                    if f == '0' {
                        if !is_digit(r) {
                            return self.errorf(format!(
                                "Expected digit in ISO8601 datetime, but found '{}' instead.",
                                esc(r)
                            ));
                        }
                    } else if f != r {
                        return self.errorf(format!(
                            "Expected '{}' in ISO8601 datetime, but found '{}' instead.",
                            f,
                            esc(r)
                        ));
                    }
                }
                self.emit(ItemType::Datetime);
                self.pop()
            }
            S::NegNumber => {
                let r = self.next();
                if is_digit(r) {
                    return Some(S::NegNumber);
                }
                if r == '.' {
                    return Some(S::FloatStart);
                }
                if is_number_suffix(r) {
                    return Some(S::ConvenientNumber);
                }
                self.backup();
                self.emit(ItemType::Integer);
                self.pop()
            }
            S::FloatStart => {
                let r = self.next();
                if !is_digit(r) {
                    return self
                        .errorf(format!("Floats must have a digit after the '.', but got '{}' instead.", esc(r)));
                }
                Some(S::Float)
            }
            S::Float => {
                let r = self.next();
                if is_digit(r) {
                    return Some(S::Float);
                }
                if r == '.' {
                    return Some(S::IpAddr);
                }
                self.backup();
                self.emit(ItemType::Float);
                self.pop()
            }
            S::IpAddr => {
                let r = self.next();
                if is_digit(r) || r == '.' || r == ':' || r == '-' {
                    return Some(S::IpAddr);
                }
                self.backup();
                self.emit(ItemType::String);
                self.pop()
            }
            S::CommentStart => {
                self.ignore();
                self.emit(ItemType::CommentStart);
                Some(S::Comment)
            }
            S::Comment => {
                let r = self.peek();
                if is_nl(r) || r == EOF {
                    self.emit(ItemType::Text);
                    return self.pop();
                }
                self.next();
                Some(S::Comment)
            }
        }
    }
}
