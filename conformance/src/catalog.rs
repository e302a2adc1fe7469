//! The scenario catalog: every scenario in the feature folders, with its stable id,
//! tags and Go test references, and the decision whether a target runs or skips it.
use crate::target::{Launch, Target, Version};
use anyhow::{bail, Context, Result};
use cucumber::gherkin::{self, tagexpr::TagOperation, GherkinEnv};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The subsystems the suite reports on, in report order.
pub const SUBSYSTEMS: &[&str] =
    &["core", "accounts", "jetstream", "filestore", "cluster", "norace", "trace", "reload", "events"];

/// One scenario (an outline contributes one per example row).
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub subsystem: String,
    /// Path relative to its features root, e.g. `core/pubsub.feature`.
    pub feature_rel: String,
    pub feature_path: PathBuf,
    pub feature_stem: String,
    pub name: String,
    pub slug: String,
    /// Feature, rule, scenario and examples tags, without `@`.
    pub tags: Vec<String>,
    pub go_tests: Vec<String>,
}

impl Entry {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// Which scenarios a run selects, before target-specific skips.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub tags: Option<String>,
    pub subsystem: Option<String>,
    /// Include the `@slow` tier.
    pub include_slow: bool,
}

/// Turns a scenario name into the last part of its id.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Fills `<placeholders>` of an outline name from one example row.
fn fill(template: &str, header: &[String], row: &[String]) -> String {
    let mut s = template.to_string();
    for (k, v) in header.iter().zip(row) {
        s = s.replace(&format!("<{k}>"), v);
    }
    s
}

/// All `.feature` files under a root, sorted for stable order.
fn feature_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for e in rd {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "feature") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads every scenario under the given feature roots.
pub fn load(roots: &[PathBuf]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut ids = HashSet::new();
    for root in roots {
        for path in feature_files(root)? {
            let feature = gherkin::Feature::parse_path(&path, GherkinEnv::default())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let subsystem = rel.split('/').next().filter(|_| rel.contains('/')).unwrap_or("core").to_string();
            let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            let mut scenarios: Vec<(&gherkin::Scenario, Vec<String>)> =
                feature.scenarios.iter().map(|s| (s, feature.tags.clone())).collect();
            for rule in &feature.rules {
                let tags: Vec<String> = feature.tags.iter().chain(&rule.tags).cloned().collect();
                scenarios.extend(rule.scenarios.iter().map(|s| (s, tags.clone())));
            }
            for (sc, outer) in scenarios {
                let base: Vec<String> = outer.iter().chain(&sc.tags).cloned().collect();
                let mut expanded = Vec::new();
                if sc.examples.is_empty() {
                    expanded.push((sc.name.clone(), base.clone()));
                } else {
                    for ex in &sc.examples {
                        let Some(table) = &ex.table else { continue };
                        let Some((header, rows)) = table.rows.split_first() else { continue };
                        for row in rows {
                            let tags = base.iter().chain(&ex.tags).cloned().collect();
                            expanded.push((fill(&sc.name, header, row), tags));
                        }
                    }
                }
                for (name, tags) in expanded {
                    let s = slug(&name);
                    let id = format!("{subsystem}/{stem}/{s}");
                    if !ids.insert(id.clone()) {
                        bail!(
                            "{}:{}: scenario id '{id}' is not unique; give each scenario (and each outline row, via <placeholders> in the name) its own name",
                            path.display(),
                            sc.position.line
                        );
                    }
                    let go_tests = tags.iter().filter_map(|t| t.strip_prefix("go:")).map(str::to_string).collect();
                    entries.push(Entry {
                        id,
                        subsystem: subsystem.clone(),
                        feature_rel: rel.clone(),
                        feature_path: path.clone(),
                        feature_stem: stem.clone(),
                        name,
                        slug: s,
                        tags,
                        go_tests,
                    });
                }
            }
        }
    }
    Ok(entries)
}

/// Evaluates a cucumber tag expression against a scenario's tags.
pub fn eval_tags(op: &TagOperation, tags: &[String]) -> bool {
    match op {
        TagOperation::And(a, b) => eval_tags(a, tags) && eval_tags(b, tags),
        TagOperation::Or(a, b) => eval_tags(a, tags) || eval_tags(b, tags),
        TagOperation::Not(a) => !eval_tags(a, tags),
        TagOperation::Tag(t) => tags.iter().any(|x| x == t.trim_start_matches('@')),
    }
}

/// Parses a `--tags` expression.
pub fn parse_tags(expr: &str) -> Result<TagOperation> {
    expr.parse().map_err(|e| anyhow::anyhow!("invalid tag expression '{expr}': {e}"))
}

/// Scenarios this selection includes (before target skips).
pub fn select<'a>(entries: &'a [Entry], sel: &Selection) -> Result<Vec<&'a Entry>> {
    let op = sel.tags.as_deref().map(parse_tags).transpose()?;
    if let Some(sub) = &sel.subsystem {
        if !entries.iter().any(|e| &e.subsystem == sub) && !SUBSYSTEMS.contains(&sub.as_str()) {
            bail!("unknown subsystem '{sub}' (known: {})", SUBSYSTEMS.join(", "));
        }
    }
    Ok(entries
        .iter()
        .filter(|e| sel.subsystem.as_ref().is_none_or(|s| &e.subsystem == s))
        .filter(|e| match &op {
            Some(op) => eval_tags(op, &e.tags),
            None => sel.include_slow || !e.has_tag("slow"),
        })
        .collect())
}

/// Why a target cannot run a scenario, if it cannot.
pub fn skip_reason(entry: &Entry, target: &Target) -> Option<String> {
    for tag in &entry.tags {
        if let Some(v) = tag.strip_prefix("since-") {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let need = Version(parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            if target.version < need && !matches!(target.launch, Launch::Url(_)) {
                return Some(format!("needs server {v} or later; target is {}", target.version));
            }
        }
        if let Some(cap) = tag.strip_prefix("needs-") {
            if target.lacks.iter().any(|l| l == cap) {
                return Some(format!("target lacks capability '{cap}'"));
            }
        }
    }
    // A cluster scenario needs routes between servers: `@cluster` implies `@needs-routes`.
    if entry.has_tag("cluster") && target.lacks.iter().any(|l| l == "routes") {
        return Some("target lacks capability 'routes'".into());
    }
    if matches!(target.launch, Launch::Url(_)) && (entry.has_tag("process") || entry.has_tag("cluster")) {
        return Some("needs process control; a url: target has none".into());
    }
    // A mix proves implementations work together; alone, a server is its own target.
    if !target.members.is_empty() && !entry.has_tag("cluster") {
        return Some("a mix: target runs cluster scenarios only".into());
    }
    None
}

/// Counts scenarios per subsystem, for listings.
pub fn per_subsystem(entries: &[&Entry]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in entries {
        *m.entry(e.subsystem.clone()).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable() {
        assert_eq!(slug("PUB with max_payload + 1 bytes"), "pub-with-max-payload-1-bytes");
        assert_eq!(slug("  Héllo  World!! "), "h-llo-world");
    }

    #[test]
    fn tag_expressions() {
        let tags = vec!["process".to_string(), "go:TestX".to_string()];
        assert!(eval_tags(&parse_tags("@process and not @slow").unwrap(), &tags));
        assert!(!eval_tags(&parse_tags("@slow").unwrap(), &tags));
        assert!(eval_tags(&parse_tags("@slow or @go:TestX").unwrap(), &tags));
    }

    #[test]
    fn loads_outlines_with_unique_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("core")).unwrap();
        std::fs::write(
            dir.path().join("core/x.feature"),
            "@go:TestA\nFeature: X\n  @process\n  Scenario Outline: size <n>\n    Given a server\n    Examples:\n      | n |\n      | 1 |\n      | 2 |\n  Scenario: plain one\n    Given a server\n",
        )
        .unwrap();
        let e = load(&[dir.path().to_path_buf()]).unwrap();
        let ids: Vec<_> = e.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["core/x/size-1", "core/x/size-2", "core/x/plain-one"]);
        assert_eq!(e[0].go_tests, ["TestA"]);
        assert!(e[0].has_tag("process"));
        assert!(!e[2].has_tag("process"));
    }

    #[test]
    fn cluster_scenarios_need_routes() {
        let entry = |tags: &[&str]| Entry {
            id: "cluster/x/y".into(),
            subsystem: "cluster".into(),
            feature_rel: "cluster/x.feature".into(),
            feature_path: PathBuf::new(),
            feature_stem: "x".into(),
            name: "y".into(),
            slug: "y".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            go_tests: vec![],
        };
        let mut t = Target {
            name: "t".into(),
            launch: Launch::Process { binary: PathBuf::from("/bin/true"), args: vec![] },
            version: Version(2, 15, 1),
            version_text: String::new(),
            lacks: vec!["routes".into()],
            expectations: None,
            ready_log_line: None,
            members: vec![],
        };
        assert_eq!(skip_reason(&entry(&["cluster"]), &t).as_deref(), Some("target lacks capability 'routes'"));
        assert_eq!(skip_reason(&entry(&["process"]), &t), None);
        t.lacks.clear();
        assert_eq!(skip_reason(&entry(&["cluster"]), &t), None);
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("core")).unwrap();
        std::fs::write(
            dir.path().join("core/x.feature"),
            "Feature: X\n  Scenario: same\n    Given a server\n  Scenario: same\n    Given a server\n",
        )
        .unwrap();
        assert!(load(&[dir.path().to_path_buf()]).unwrap_err().to_string().contains("not unique"));
    }
}
