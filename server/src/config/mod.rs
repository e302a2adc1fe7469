//! The NATS config file format.
//!
//! `lex` tokenises (a port of Go's `conf/lex.go` state machine), `parse` builds a
//! [`Value`] tree where every value remembers where it came from, resolving
//! `$variables` and `include` directives on the way (Go's `conf/parse.go` in its
//! "pedantic" mode, which is what `nats-server` itself uses).
use std::fmt;
use std::sync::Arc;

mod lex;
mod parse;
#[cfg(test)]
mod tests;

pub(crate) use parse::parse_file;
pub use parse::parse_str;

/// Where a value came from.
///
/// `col` follows Go's quirk (`conf/lex.go` `emit`): on line 1 it is a 0-based
/// byte offset, on later lines it is 1-based, because Go measures from the
/// preceding newline. Kept so error positions match `nats-server -t` output.
/// Values set from a map key carry the key's position, as in Go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    file: Arc<str>,
    line: usize,
    col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// An ordered map: keeps keys in file order so errors are reported
/// deterministically (Go iterates its maps randomly). A repeated key replaces
/// the earlier value, as in Go.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    fn new() -> Self {
        Map::default()
    }
    fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    fn insert(&mut self, key: String, value: Value) {
        match self.get_mut(&key) {
            Some(v) => *v = value,
            None => self.entries.push((key, value)),
        }
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Go's `configDigest` (`conf/parse.go`): `sha256:` and the hex SHA-256 of
    /// the parsed config as Go's `encoding/json` writes it (keys sorted, values
    /// only, a trailing newline). Shown by `-t` and in `/varz` `config_digest`.
    pub(crate) fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut json = crate::json::to_vec(self);
        json.push(b'\n');
        let sum = Sha256::digest(&json);
        let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

/// Go's `json.Marshal` of the `map[string]any` its parser yields: keys in
/// byte order, values only (positions are not part of it).
impl serde::Serialize for Map {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut entries: Vec<&(String, Value)> = self.entries.iter().collect();
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut m = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            Kind::String(t) | Kind::DateTime(t) => s.serialize_str(t),
            Kind::Int(n) => s.serialize_i64(*n),
            Kind::Float(f) => s.serialize_f64(*f),
            Kind::Bool(b) => s.serialize_bool(*b),
            Kind::Array(a) => s.collect_seq(a),
            Kind::Map(m) => m.serialize(s),
        }
    }
}

/// A config value. Integers have their size suffix already applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// An ISO-8601 Zulu datetime (`2006-01-02T15:04:05Z`), kept as text.
    DateTime(String),
    Array(Vec<Value>),
    Map(Map),
}

impl Kind {
    /// The Go type name, used in Go-worded type errors
    /// ("interface {} is string, not int64").
    pub(crate) fn go_type(&self) -> &'static str {
        match self {
            Kind::String(_) => "string",
            Kind::Int(_) => "int64",
            Kind::Float(_) => "float64",
            Kind::Bool(_) => "bool",
            Kind::DateTime(_) => "time.Time",
            Kind::Array(_) => "[]interface {}",
            Kind::Map(_) => "map[string]interface {}",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    pub(crate) kind: Kind,
    pub(crate) pos: Pos,
    /// Set when a `$var` referenced this value; Go skips the unknown-field
    /// check for such keys, since they are variables, not options.
    pub(crate) used_variable: bool,
}

impl Value {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self.kind {
            Kind::Int(i) => Some(i),
            _ => None,
        }
    }
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub(crate) fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub(crate) fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// One error or warning, optionally tied to a place in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pos: Option<Pos>,
    pub(crate) message: String,
}

impl Diagnostic {
    pub(crate) fn new(pos: Option<Pos>, message: impl Into<String>) -> Self {
        Diagnostic { pos, message: message.into() }
    }
    pub(crate) fn at(pos: &Pos, message: impl Into<String>) -> Self {
        Diagnostic::new(Some(pos.clone()), message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pos {
            Some(p) => write!(f, "{}: {}", p, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Errors and warnings from reading a config. Like Go's `processConfigErr`,
/// all problems are collected, and warnings are listed before errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigError {
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl ConfigError {
    fn single(d: Diagnostic) -> Self {
        ConfigError { errors: vec![d], warnings: Vec::new() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.warnings.iter().chain(self.errors.iter()) {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
