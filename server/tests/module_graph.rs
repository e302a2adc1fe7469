//! The module graph of `server/src` has no import circle: each top-level
//! module may use only modules below it (see the module map in `lib.rs`).
//! A `crate::x` path anywhere in a module's files (tests excluded) counts as
//! an import of `x`. Fails with the circles it finds.
//!
//! The same holds one level down, among the submodules of `jetstream`
//! (`api`, `consumer`, `stream`, ...; `jetstream` itself is the engine in
//! its `mod.rs`): there `crate::jetstream::x`, and `super::x` reaching the
//! `jetstream` module from a submodule's file, count as imports of `x` (or
//! of the engine when `x` is no submodule).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module a source file belongs to (`None` for the crate roots).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The `x` of every `crate::x` and `crate::{x, y}` in `text`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let body = &group[..group.find('}').unwrap_or(group.len())];
            for part in body.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(path);
        }
    }
}

/// Strongly connected components with more than one module (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(st: &mut State<'a>, v: &'a str) {
        let i = st.index.len();
        st.index.insert(v, i);
        st.low.insert(v, i);
        st.stack.push(v);
        for w in st.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !st.index.contains_key(w) {
                visit(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if st.stack.contains(&w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                st.found.push(comp);
            }
        }
    }
    let mut st = State { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in edges.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(&mut st, v);
        }
    }
    st.found
}

#[test]
fn no_import_circle_among_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = top_module(&src, file) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        // In-file unit tests may reach anywhere.
        let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        let deps = edges.entry(module.clone()).or_default();
        deps.extend(imports(text).into_iter().filter(|d| *d != module && d != "self"));
    }
    assert!(edges.len() > 10, "expected the server's modules under {}", src.display());
    let found = circles(&edges);
    assert!(found.is_empty(), "import circles among server/src top-level modules: {found:?}");
    // Subject rules sit at the bottom: everything may use them, they use nothing.
    let subject = edges.get("subject").expect("the subject module");
    assert!(subject.is_empty(), "subject must import no other module, imports {subject:?}");
}

/// The `jetstream` submodule a file under `server/src/jetstream` belongs to
/// (`jetstream` for its `mod.rs`), and how many `super::` lead from the
/// file's module back to `jetstream`.
fn jetstream_module(js: &Path, file: &Path) -> Option<(String, usize)> {
    let rel = file.strip_prefix(js).ok()?;
    let parts: Vec<&str> = rel.components().filter_map(|c| c.as_os_str().to_str()).collect();
    let mut path: Vec<&str> = parts.iter().map(|p| p.strip_suffix(".rs").unwrap_or(p)).collect();
    if path.last() == Some(&"mod") {
        path.pop();
    }
    match path.first() {
        None => Some(("jetstream".to_string(), 0)),
        Some(first) => Some((first.to_string(), path.len())),
    }
}

/// What a `jetstream` module's text imports from its siblings: every
/// `crate::jetstream::x` and every `super::x` whose chain of `super::` is
/// `depth` long (it starts from `jetstream`); `x` names a submodule in
/// `modules`, else the engine (`jetstream`). The engine's own text (depth 0)
/// imports `x` wherever it writes `x::` for a submodule `x`.
fn jetstream_imports(text: &str, depth: usize, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let as_module = |name: String| if modules.contains(&name) { name } else { "jetstream".to_string() };
    let mut out = BTreeSet::new();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    if depth == 0 {
        for m in modules {
            let pat = format!("{m}::");
            for (i, _) in text.match_indices(&pat) {
                let before = text[..i].chars().next_back();
                if !before.is_some_and(|c| is_ident(c) || c == ':') {
                    out.insert(m.clone());
                }
            }
        }
        return out;
    }
    // The names right after each prefix: `x` of `x::..`, or each of `{x, y}`.
    let path = |rest: &str| {
        let end = if rest.starts_with('{') { rest.find('}') } else { rest.find([';', '\n']) };
        imports(&format!("crate::{}", &rest[..end.unwrap_or(rest.len())]))
    };
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("crate::jetstream::") {
        names.extend(path(&text[i + "crate::jetstream::".len()..]));
    }
    let chain = "super::".repeat(depth);
    for (i, _) in text.match_indices(&chain) {
        let rest = &text[i + chain.len()..];
        if !text[..i].ends_with("super::") && !rest.starts_with("super::") {
            names.extend(path(rest));
        }
    }
    for name in names {
        if name != "self" && !name.is_empty() {
            out.insert(as_module(name));
        }
    }
    out
}

#[test]
fn no_import_circle_among_jetstream_submodules() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join("jetstream");
    let mut files = Vec::new();
    rust_files(&js, &mut files);
    let modules: BTreeSet<String> =
        files.iter().filter_map(|f| jetstream_module(&js, f)).map(|(m, _)| m).filter(|m| m != "jetstream").collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some((module, depth)) = jetstream_module(&js, file) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let text = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("");
        let deps = edges.entry(module.clone()).or_default();
        deps.extend(jetstream_imports(text, depth, &modules).into_iter().filter(|d| *d != module));
    }
    assert!(edges.len() > 5, "expected jetstream's submodules under {}", js.display());
    let found = circles(&edges);
    assert!(found.is_empty(), "import circles among jetstream submodules: {found:?}\nedges: {edges:?}");
}

#[test]
fn the_circle_finder_finds_circles() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    edges.entry("c".into()).or_default().insert("a".into());
    edges.entry("d".into()).or_default().insert("a".into());
    assert_eq!(circles(&edges), vec![vec!["a".to_string(), "b".to_string(), "c".to_string()]]);
    assert_eq!(
        imports("use crate::{x, y::z};\ncrate::w::f()"),
        ["w", "x", "y"].iter().map(|s| s.to_string()).collect()
    );
}
