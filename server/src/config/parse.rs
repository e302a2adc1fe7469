//! Builds a [`Value`] tree from lexer items (behaviour of Go's `conf/parse.go`).
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lex::{Item, ItemType, Lexer};
use super::{ConfigError, Diagnostic, Kind, Map, Pos, Value};

/// Go wraps an environment variable's text as `pk=<text>` and parses that.
const ENV_KEY: &str = "pk";
/// A `$2a$...` "variable" is really a bcrypt hash (Go: `bcryptPrefix`).
const BCRYPT_PREFIX: &str = "2a$";

/// Parses a config file; `include` paths are relative to its directory.
pub(crate) fn parse_file(path: &Path) -> Result<Map, ConfigError> {
    let data =
        std::fs::read_to_string(path).map_err(|e| ConfigError::single(Diagnostic::new(None, open_error(path, &e))))?;
    let mut env_refs = HashSet::new();
    parse_inner(&data, &path.to_string_lossy(), &mut env_refs)
}

/// Parses config text; `include` paths are relative to the current directory.
pub fn parse_str(data: &str) -> Result<Map, ConfigError> {
    let mut env_refs = HashSet::new();
    parse_inner(data, "", &mut env_refs)
}

/// Formats an open failure like Go's `*PathError` ("open x: no such file or directory").
fn open_error(path: &Path, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::InvalidData => "file is not valid UTF-8".to_string(),
        // Go opens a directory fine and fails on the read.
        std::io::ErrorKind::IsADirectory => return format!("read {}: is a directory", path.display()),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    };
    format!("open {}: {}", path.display(), reason)
}

/// Resolves an include like Go's `filepath.Join(filepath.Dir(fp), inc)`,
/// including its quirk that an absolute include is still joined onto the
/// including file's directory (`/etc/x.conf` from `./a.conf` is `etc/x.conf`).
fn include_path(file: &str, inc: &str) -> PathBuf {
    let dir = match file.rfind('/') {
        Some(0) => "/",
        Some(i) => &file[..i],
        None => ".",
    };
    PathBuf::from(go_clean(&format!("{dir}/{inc}")))
}

/// Go's `filepath.Clean`: lexical `.`/`..`/`//` removal.
fn go_clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

enum Ctx {
    Map(Map),
    Array(Vec<Value>, Pos),
}

struct Parser<'a, 'e> {
    lx: Lexer<'a>,
    file: Arc<str>,
    ctxs: Vec<Ctx>,
    /// Keys waiting for their value, with the key's position.
    keys: Vec<(String, Pos)>,
    /// Environment variables being expanded, to detect reference cycles.
    env_refs: &'e mut HashSet<String>,
}

fn parse_inner(data: &str, file: &str, env_refs: &mut HashSet<String>) -> Result<Map, ConfigError> {
    let mut p = Parser {
        lx: Lexer::new(data),
        file: Arc::from(file),
        ctxs: vec![Ctx::Map(Map::new())],
        keys: Vec::new(),
        env_refs,
    };
    p.run().map_err(|(pos, msg)| ConfigError::single(Diagnostic::new(pos, msg)))?;
    match p.ctxs.pop() {
        Some(Ctx::Map(m)) if p.ctxs.is_empty() => Ok(m),
        _ => Err(ConfigError::single(Diagnostic::new(None, format!("config is invalid ({file})")))),
    }
}

type PErr = (Option<Pos>, String);

impl Parser<'_, '_> {
    fn pos(&self, it: &Item) -> Pos {
        Pos { file: self.file.clone(), line: it.line, col: it.pos }
    }

    fn run(&mut self) -> Result<(), PErr> {
        let mut prev: Option<Item> = None;
        loop {
            let it = self.lx.next_item();
            if it.typ == ItemType::Eof {
                // A dangling key (e.g. a file ending in `foo`) is invalid (Go: parse()).
                if let Some(p) = &prev {
                    if p.typ == ItemType::Key && p.val != "}" {
                        // Go's message already names the place.
                        return Err((None, format!("config is invalid ({})", self.pos(&it))));
                    }
                }
                return Ok(());
            }
            self.process(&it)?;
            prev = Some(it);
        }
    }

    fn process(&mut self, it: &Item) -> Result<(), PErr> {
        let pos = self.pos(it);
        let val = |kind| Value { kind, pos: pos.clone(), used_variable: false };
        match it.typ {
            ItemType::Error => {
                return Err((Some(pos.clone()), format!("Parse error on line {}: '{}'", it.line, it.val)))
            }
            ItemType::Key => self.keys.push((it.val.clone(), pos.clone())),
            ItemType::MapStart => self.ctxs.push(Ctx::Map(Map::new())),
            ItemType::MapEnd => {
                let m = self.pop_ctx()?;
                match m {
                    Ctx::Map(m) => self.set_value(val(Kind::Map(m)))?,
                    Ctx::Array(..) => return Err((Some(pos), "unbalanced map end".into())),
                }
            }
            ItemType::ArrayStart => self.ctxs.push(Ctx::Array(Vec::new(), pos.clone())),
            ItemType::ArrayEnd => match self.pop_ctx()? {
                Ctx::Array(a, start) => {
                    self.set_value(Value { kind: Kind::Array(a), pos: start, used_variable: false })?
                }
                Ctx::Map(_) => return Err((Some(pos), "unbalanced array end".into())),
            },
            ItemType::String => self.set_value(val(Kind::String(it.val.clone())))?,
            ItemType::Integer => {
                let n = parse_integer(&it.val).map_err(|m| (Some(pos.clone()), m))?;
                self.set_value(val(Kind::Int(n)))?;
            }
            ItemType::Float => match it.val.parse::<f64>() {
                Ok(f) if f.is_finite() => self.set_value(val(Kind::Float(f)))?,
                Ok(_) => return Err((Some(pos), format!("float '{}' is out of the range", it.val))),
                Err(_) => return Err((Some(pos), format!("expected float, but got '{}'", it.val))),
            },
            ItemType::Bool => {
                let b = match it.val.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" => true,
                    "false" | "no" | "off" => false,
                    _ => return Err((Some(pos), format!("expected boolean value, but got '{}'", it.val))),
                };
                self.set_value(val(Kind::Bool(b)))?;
            }
            ItemType::Datetime => {
                if !valid_zulu(&it.val) {
                    return Err((Some(pos), format!("expected Zulu formatted DateTime, but got '{}'", it.val)));
                }
                self.set_value(val(Kind::DateTime(it.val.clone())))?;
            }
            ItemType::Variable => {
                let found = self.lookup_variable(&it.val).map_err(|e| {
                    (
                        Some(pos.clone()),
                        format!("variable reference for '{}' on line {} could not be parsed: {}", it.val, it.line, e),
                    )
                })?;
                match found {
                    Some(kind) => self.set_value(val(kind))?,
                    None => {
                        return Err((
                            Some(pos),
                            format!("variable reference for '{}' on line {} can not be found", it.val, it.line),
                        ))
                    }
                }
            }
            ItemType::Include => {
                let path = include_path(&self.file, &it.val);
                let included = std::fs::read_to_string(&path)
                    .map_err(|e| open_error(&path, &e))
                    .and_then(|data| {
                        parse_inner(&data, &path.to_string_lossy(), self.env_refs)
                            .map_err(|e| e.to_string().trim_end().to_string())
                    })
                    .map_err(|e| (Some(pos.clone()), format!("error parsing include file '{}', {}", it.val, e)))?;
                // Included top-level keys land in the current map with their
                // own positions (in the included file).
                for (k, v) in included.entries {
                    match self.ctxs.last_mut() {
                        Some(Ctx::Map(m)) => m.insert(k, v),
                        Some(Ctx::Array(a, _)) => a.push(v),
                        None => {}
                    }
                }
            }
            ItemType::Text | ItemType::CommentStart | ItemType::Eof => {}
        }
        Ok(())
    }

    fn pop_ctx(&mut self) -> Result<Ctx, PErr> {
        if self.ctxs.len() <= 1 {
            return Err((None, "config is invalid: unbalanced brackets".into()));
        }
        Ok(self.ctxs.pop().expect("checked length above"))
    }

    /// Stores a value in the current array, or under the pending key of the
    /// current map (taking the key's position, as Go does).
    fn set_value(&mut self, mut v: Value) -> Result<(), PErr> {
        match self.ctxs.last_mut() {
            Some(Ctx::Array(a, _)) => a.push(v),
            Some(Ctx::Map(m)) => {
                let (key, kpos) =
                    self.keys.pop().ok_or_else(|| (Some(v.pos.clone()), "config is invalid".to_string()))?;
                v.pos = kpos;
                m.insert(key, v);
            }
            None => return Err((None, "config is invalid".into())),
        }
        Ok(())
    }

    /// Looks a `$name` up in enclosing maps (innermost first), then in the
    /// environment, whose text is parsed as a config value.
    fn lookup_variable(&mut self, name: &str) -> Result<Option<Kind>, String> {
        if name.starts_with(BCRYPT_PREFIX) {
            return Ok(Some(Kind::String(format!("${name}"))));
        }
        for ctx in self.ctxs.iter_mut().rev() {
            if let Ctx::Map(m) = ctx {
                if let Some(v) = m.get_mut(name) {
                    v.used_variable = true;
                    return Ok(Some(v.kind.clone()));
                }
            }
        }
        if self.env_refs.contains(name) {
            return Err(format!("variable reference cycle for '{name}'"));
        }
        let Ok(text) = std::env::var(name) else {
            return Ok(None);
        };
        self.env_refs.insert(name.to_string());
        let res = parse_inner(&format!("{ENV_KEY}={text}"), "", self.env_refs);
        self.env_refs.remove(name);
        match res {
            Ok(m) => Ok(m.get(ENV_KEY).map(|v| v.kind.clone())),
            Err(e) => Err(e.errors.first().map(|d| d.message.clone()).unwrap_or_default()),
        }
    }
}

/// Integer with an optional size suffix. Multipliers are Go's exactly:
/// `k`/`m`/`g`/`t`/`p`/`e` are powers of 1000; `kb`/`ki`/`kib` (etc.) are
/// powers of 1024. Overflow wraps, as Go's int64 multiplication does.
fn parse_integer(text: &str) -> Result<i64, String> {
    let digits =
        text.char_indices().find(|&(_, c)| !(c.is_ascii_digit() || c == '-')).map(|(i, _)| i).unwrap_or(text.len());
    let num: i64 = text[..digits].parse().map_err(|e: std::num::ParseIntError| {
        if matches!(e.kind(), std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) {
            format!("integer '{text}' is out of the range")
        } else {
            format!("expected integer, but got '{text}'")
        }
    })?;
    let suffix = text[digits..].trim().to_ascii_lowercase();
    let (base, exp): (i64, u32) = match suffix.as_str() {
        "" => (1, 0),
        "k" => (1000, 1),
        "kb" | "ki" | "kib" => (1024, 1),
        "m" => (1000, 2),
        "mb" | "mi" | "mib" => (1024, 2),
        "g" => (1000, 3),
        "gb" | "gi" | "gib" => (1024, 3),
        "t" => (1000, 4),
        "tb" | "ti" | "tib" => (1024, 4),
        "p" => (1000, 5),
        "pb" | "pi" | "pib" => (1024, 5),
        "e" => (1000, 6),
        "eb" | "ei" | "eib" => (1024, 6),
        // Go silently drops the value (and corrupts its key stack); we reject.
        _ => return Err(format!("expected integer, but got '{text}'")),
    };
    Ok(num.wrapping_mul(base.wrapping_pow(exp)))
}

/// Validates `YYYY-MM-DDTHH:MM:SSZ` ranges like Go's `time.Parse`.
fn valid_zulu(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 20 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) =
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && h < 24 && mi < 60 && se < 60
}

#[cfg(test)]
pub(crate) fn include_path_for_test(file: &str, inc: &str) -> PathBuf {
    include_path(file, inc)
}

#[cfg(test)]
pub(crate) fn parse_integer_for_test(s: &str) -> Result<i64, String> {
    parse_integer(s)
}
