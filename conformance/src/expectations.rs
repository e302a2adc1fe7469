//! Expected failures of one target: scenario id → reason. The list may only shrink:
//! an expected failure that passes breaks the run just like an unexpected failure.
//!
//! A mixed cluster also has `unstable` scenarios: they fail only when the placement,
//! which is random, gives a certain member the part it lacks (an rnats server leading
//! what rnats cannot yet do), so they pass in some runs. Their reason says when they
//! fail; they never break the run and show as expected failures when they fail.
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub expected_failures: BTreeMap<String, String>,
    /// Scenarios that fail or pass depending on placement (see the module doc).
    #[serde(default)]
    pub unstable: BTreeMap<String, String>,
    /// Why the kill -9 crash test (`conformance crash`, `tests/crash.rs`) is expected to
    /// find acknowledged messages lost. Like a scenario's entry: the test fails when the
    /// target loses nothing while this is set, so it is removed once the store holds.
    #[serde(default)]
    pub crash: Option<String>,
}

impl Expectations {
    pub fn load(path: Option<&Path>) -> Result<Expectations> {
        let Some(path) = path else { return Ok(Expectations::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let exp: Expectations = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for (id, reason) in exp.expected_failures.iter().chain(&exp.unstable) {
            anyhow::ensure!(!reason.trim().is_empty(), "{}: expected failure '{id}' has no reason", path.display());
        }
        if let Some(reason) = &exp.crash {
            anyhow::ensure!(!reason.trim().is_empty(), "{}: 'crash' has no reason", path.display());
        }
        Ok(exp)
    }

    pub fn reason(&self, id: &str) -> Option<&str> {
        self.expected_failures.get(id).or_else(|| self.unstable.get(id)).map(String::as_str)
    }

    /// Whether a scenario may pass or fail (an `unstable` entry).
    pub fn is_unstable(&self, id: &str) -> bool {
        self.unstable.contains_key(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_requires_reasons() {
        let e: Expectations = toml::from_str("[expected_failures]\n\"core/a/b\" = \"not yet\"\n").unwrap();
        assert_eq!(e.reason("core/a/b"), Some("not yet"));
        assert_eq!(e.reason("core/a/c"), None);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.toml");
        std::fs::write(&p, "[expected_failures]\n\"core/a/b\" = \" \"\n").unwrap();
        assert!(Expectations::load(Some(&p)).is_err());
    }

    #[test]
    fn unstable_entries_have_reasons_and_may_pass() {
        let e: Expectations =
            toml::from_str("[expected_failures]\n[unstable]\n\"cluster/a/b\" = \"when rnats leads\"\n").unwrap();
        assert!(e.is_unstable("cluster/a/b"));
        assert_eq!(e.reason("cluster/a/b"), Some("when rnats leads"));
        assert!(!e.is_unstable("cluster/a/c"));
    }

    #[test]
    fn a_crash_entry_needs_a_reason() {
        let e: Expectations = toml::from_str("crash = \"no file store\"\n[expected_failures]\n").unwrap();
        assert_eq!(e.crash.as_deref(), Some("no file store"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.toml");
        std::fs::write(&p, "crash = \"\"\n").unwrap();
        assert!(Expectations::load(Some(&p)).is_err());
    }

    #[test]
    fn shipped_rnats_expectations_parse() {
        let p = crate::target::profiles_dir().join("rnats.expect.toml");
        Expectations::load(Some(&p)).unwrap();
    }
}
