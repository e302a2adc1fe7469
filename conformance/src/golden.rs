//! Golden files: whole JSON replies compared with insta snapshots recorded from the Go
//! oracle, stored under `golden/<subsystem>/`. Volatile fields are redacted first.
use serde_json::Value;

/// Keys whose values change from run to run or from server to server.
pub const VOLATILE_KEYS: &[&str] = &[
    "created",
    "ts",
    "time",
    "now",
    "start",
    "server_id",
    "server_name",
    "nonce",
    "port",
    "version",
    "go",
    "git_commit",
    "client_id",
    "client_ip",
    "host",
    "id",
    "cid",
    "uptime",
    "domain",
    "first_ts",
    "last_ts",
    "last_active",
    "leader",
    "api_level",
    "req_level",
    // monitoring endpoints (/varz, /connz, /accountz): host resources and times
    "mem",
    "cpu",
    "cores",
    "gomaxprocs",
    "rtt",
    "last_activity",
    "idle",
    "stop",
    "config_load_time",
    "update_time",
    "http_port",
];

/// Replaces volatile values with placeholders, recursively. Inbox subjects become
/// `[inbox]` wherever they occur; extra dotted paths in `ignore` become `[ignored]`.
pub fn redact(value: &Value, ignore: &[String]) -> Value {
    let mut v = redact_keys(value);
    for path in ignore {
        set_path(&mut v, path, Value::String("[ignored]".into()));
    }
    v
}

fn redact_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let nv = if VOLATILE_KEYS.contains(&k.as_str()) && !v.is_object() && !v.is_array() {
                        Value::String(format!("[{k}]"))
                    } else {
                        redact_keys(v)
                    };
                    (k.clone(), nv)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact_keys).collect()),
        Value::String(s) if s.starts_with("_INBOX.") => Value::String("[inbox]".into()),
        v => v.clone(),
    }
}

/// Looks up a dotted path with `[n]` array indexes, e.g. `config.subjects[0]`.
pub fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = value;
    for part in split_path(path) {
        cur = match part {
            PathPart::Key(k) => cur.get(k)?,
            PathPart::Index(i) => cur.get(i)?,
        };
    }
    Some(cur)
}

fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut cur = value;
    for part in split_path(path) {
        let next = match part {
            PathPart::Key(k) => cur.get_mut(k),
            PathPart::Index(i) => cur.get_mut(i),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    *cur = new;
}

enum PathPart<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<PathPart<'_>> {
    let mut parts = Vec::new();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            parts.push(PathPart::Key(key));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                parts.push(PathPart::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    parts
}

/// Compares a reply with its golden file, `golden/<subsystem>/<snapshot>.snap`.
///
/// When recording (the runner allows it only for the Go oracle, through
/// `scripts/record-golden.sh`, which sets `INSTA_UPDATE=always`), insta writes the file.
/// Otherwise the stored JSON is compared structurally and a mismatch lists each
/// differing path, which reads better in a failure report than a text diff.
pub fn assert_golden(subsystem: &str, snapshot: &str, value: &Value, ignore: &[String]) -> anyhow::Result<()> {
    let redacted = redact(value, ignore);
    let dir = crate::workspace_root().join("golden").join(subsystem);
    if std::env::var("INSTA_UPDATE").as_deref() == Ok("always") {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_sort_maps(true);
        settings.bind(|| {
            insta::assert_json_snapshot!(snapshot, redacted);
        });
        return Ok(());
    }
    let path = dir.join(format!("{snapshot}.snap"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "no golden file {} ({e}); record it from the Go oracle with scripts/record-golden.sh",
            path.display()
        )
    })?;
    let body = snapshot_body(&text);
    let want: Value = serde_json::from_str(body).map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))?;
    let mut diffs = Vec::new();
    diff(&want, &redacted, "", &mut diffs);
    if diffs.is_empty() {
        return Ok(());
    }
    anyhow::bail!("reply differs from golden {}:\n  {}", path.display(), diffs.join("\n  "))
}

/// The snapshot's content after insta's `---` metadata header.
fn snapshot_body(text: &str) -> &str {
    match text.strip_prefix("---\n").and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..])) {
        Some(body) => body,
        None => text,
    }
}

/// Collects `path: expected X, got Y` lines for every difference.
fn diff(want: &Value, got: &Value, path: &str, out: &mut Vec<String>) {
    let at = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                match b.get(k) {
                    Some(vb) => diff(va, vb, &at(k), out),
                    None => out.push(format!("{}: expected {va}, missing", at(k))),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.push(format!("{}: unexpected field, value {vb}", at(k)));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff(va, vb, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a != b => {
            out.push(format!("{}: expected {a}, got {b}", if path.is_empty() { "(root)" } else { path }))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_volatile_fields_and_inboxes() {
        let v = json!({"created": "2026-01-01", "config": {"name": "S", "subjects": ["_INBOX.abc"]}, "state": {"first_ts": "x", "messages": 3}});
        let r = redact(&v, &["config.name".to_string()]);
        assert_eq!(
            r,
            json!({"created": "[created]", "config": {"name": "[ignored]", "subjects": ["[inbox]"]}, "state": {"first_ts": "[first_ts]", "messages": 3}})
        );
    }

    #[test]
    fn diffs_name_each_path() {
        let mut out = Vec::new();
        diff(&json!({"a": 1, "b": {"c": [1, 2]}, "d": 1}), &json!({"a": 2, "b": {"c": [1, 3]}, "e": 1}), "", &mut out);
        assert_eq!(
            out,
            [
                "a: expected 1, got 2",
                "b.c[1]: expected 2, got 3",
                "d: expected 1, missing",
                "e: unexpected field, value 1"
            ]
        );
        assert_eq!(snapshot_body("---\nsource: x\n---\n{\"a\": 1}\n"), "{\"a\": 1}\n");
    }

    #[test]
    fn paths() {
        let v = json!({"a": {"b": [1, {"c": true}]}});
        assert_eq!(get_path(&v, "a.b[1].c"), Some(&json!(true)));
        assert_eq!(get_path(&v, "a.b[0]"), Some(&json!(1)));
        assert_eq!(get_path(&v, "a.x"), None);
    }
}
