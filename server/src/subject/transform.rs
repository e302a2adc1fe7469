//! Subject transforms (mappings): rewriting a subject that matches a source
//! filter into a destination, where the destination refers to the source's
//! wildcards as `$n`, `{{wildcard(n)}}` or positionally as `*`/`>`, or runs
//! one of the mapping functions (`partition`, `random`, `splitFromLeft`,
//! `splitFromRight`, `sliceFromLeft`, `sliceFromRight`, `split`, `left`,
//! `right`). Used by
//! stream subject transforms, republish, source/mirror transforms, account
//! mappings, and the renaming of stream and service imports (`tokenize`,
//! `untokenize`, `reverse`).
//!
//! Follows Go's `server/subject_transform.go` (`ValidateMapping` lives in
//! Go's `sublist.go`).
use super::matches;

/// A `{{function(args)}}` token of a mapping destination, lower-cased and
/// split into name and arguments.
fn mapping_fn(token: &str) -> Option<(String, Vec<String>)> {
    let t = token.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let open = inner.find('(')?;
    let name = inner[..open].trim().to_ascii_lowercase();
    let args = inner[open + 1..].strip_suffix(')')?;
    let args =
        if args.trim().is_empty() { Vec::new() } else { args.split(',').map(|a| a.trim().to_string()).collect() };
    Some((name, args))
}

/// Go `ValidateMapping` for the cases a config can get wrong: wildcard
/// references beyond the source's wildcards and unknown functions.
pub(crate) fn validate_mapping(src: &str, dest: &str) -> Result<(), String> {
    // Go's texts (`mappingDestinationErr` in errors.go): the error, then the
    // token it is about.
    const INVALID: &str = "invalid mapping destination";
    let out_of_range = |token: &str, idx: Option<usize>| match idx {
        Some(i) => format!("{INVALID}: wildcard index out of range in {token}: [{i}]"),
        None => format!("{INVALID}: wildcard index out of range in {token}"),
    };
    const KNOWN: [&str; 10] = [
        "wildcard",
        "partition",
        "splitfromleft",
        "splitfromright",
        "slicefromleft",
        "slicefromright",
        "split",
        "left",
        "right",
        "random",
    ];
    if dest.is_empty() {
        return Ok(());
    }
    // Go's `ValidateMapping`: first the destination's tokens on their own...
    let mut after_fwc = false;
    for t in dest.split('.') {
        if t.is_empty() || after_fwc || t.contains(['\t', '\n', '\x0c', '\r', ' ']) && !t.starts_with("{{") {
            return Err(format!("{INVALID}: invalid transform in {t}"));
        }
        let function = t.len() > 4 && t.starts_with("{{") && t.ends_with("}}");
        if function && mapping_fn(t).is_some_and(|(name, _)| !KNOWN.contains(&name.as_str())) {
            return Err(format!("{INVALID}: unknown function in {t}"));
        }
        after_fwc = t == ">";
    }
    // ...then as a transform (`NewSubjectTransform`): both valid subjects,
    // `>` in both or neither, and no `*` in the destination.
    let has_fwc = |s: &str| s.split('.').next_back() == Some(">");
    if !crate::subject::is_valid_shape(src)
        || !crate::subject::is_valid_shape(dest)
        || dest.split('.').any(|t| t == "*")
        || has_fwc(src) != has_fwc(dest)
    {
        return Err("invalid subject".into());
    }
    // Only `*` tokens are numbered wildcards; `>` maps to `>`.
    let wildcards = src.split('.').filter(|t| *t == "*").count();
    let index = |a: &str| a.trim().parse::<usize>().ok();
    for t in dest.split('.') {
        let refs: Vec<usize> = if t.contains("{{") {
            let Some((name, args)) = mapping_fn(t) else { return Err(INVALID.into()) };
            let idx_args: &[String] = match name.as_str() {
                "wildcard" if args.len() == 1 => &args,
                // One argument hashes the whole subject (Go 2.11+).
                "partition" if !args.is_empty() && args[0].parse::<u32>().is_ok_and(|n| n > 0) => &args[1..],
                "random" if args.len() == 1 && args[0].parse::<i64>().is_ok_and(|n| n <= i64::from(i32::MAX)) => &[],
                "splitfromleft" | "splitfromright" | "slicefromleft" | "slicefromright" | "left" | "right"
                    if args.len() == 2 && args[1].parse::<i64>().is_ok_and(|n| n > 0) =>
                {
                    &args[..1]
                }
                "split" if args.len() == 2 && !args[1].is_empty() => &args[..1],
                n if KNOWN.contains(&n) => return Err(INVALID.into()),
                _ => return Err(format!("{INVALID}: unknown function in {t}")),
            };
            let mut refs = Vec::new();
            for a in idx_args {
                refs.push(index(a).filter(|&n| n >= 1).ok_or_else(|| INVALID.to_string())?);
            }
            refs
        } else if let Some(n) = t.strip_prefix('$') {
            vec![index(n).filter(|&n| n >= 1).ok_or_else(|| INVALID.to_string())?]
        } else {
            continue;
        };
        let lower = t.to_ascii_lowercase();
        if wildcards == 0 && !refs.is_empty() && !lower.contains("partition") && !lower.contains("random") {
            return Err(out_of_range(t, None));
        }
        if let Some(&i) = refs.iter().find(|&&i| i > wildcards) {
            return Err(out_of_range(t, Some(i)));
        }
    }
    Ok(())
}

/// Go's mapping functions over one wildcard value (`{{splitFromLeft(1,2)}}`
/// and friends); returns the destination token(s).
fn apply_mapping_fn(name: &str, args: &[String], wild: &[String], subject: &str) -> Option<String> {
    let val = |a: &str| -> Option<&String> { wild.get(a.parse::<usize>().ok()?.checked_sub(1)?) };
    let num = |a: &str| a.parse::<usize>().ok();
    match name {
        "wildcard" => val(args.first()?).cloned(),
        "splitfromleft" => {
            let v = val(args.first()?)?;
            let p = num(args.get(1)?)?;
            Some(if p >= v.len() || p == 0 { v.clone() } else { format!("{}.{}", &v[..p], &v[p..]) })
        }
        "splitfromright" => {
            let v = val(args.first()?)?;
            let p = num(args.get(1)?)?;
            Some(if p >= v.len() || p == 0 {
                v.clone()
            } else {
                format!("{}.{}", &v[..v.len() - p], &v[v.len() - p..])
            })
        }
        "slicefromleft" => {
            let v = val(args.first()?)?;
            let n = num(args.get(1)?)?.max(1);
            let b = v.as_bytes();
            Some(b.chunks(n).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("."))
        }
        "slicefromright" => {
            let v = val(args.first()?)?;
            let n = num(args.get(1)?)?.max(1);
            let b = v.as_bytes();
            let first = b.len() % n;
            let mut parts = Vec::new();
            if first > 0 {
                parts.push(String::from_utf8_lossy(&b[..first]).into_owned());
            }
            parts.extend(b[first..].chunks(n).map(|c| String::from_utf8_lossy(c).into_owned()));
            Some(parts.join("."))
        }
        "split" => {
            let v = val(args.first()?)?;
            let d = args.get(1)?;
            Some(v.split(d.as_str()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("."))
        }
        "left" | "right" => {
            let v = val(args.first()?)?;
            let n = num(args.get(1)?)?;
            Some(match name {
                _ if n == 0 || n >= v.len() => v.clone(),
                "left" => v[..n].to_string(),
                _ => v[v.len() - n..].to_string(),
            })
        }
        "random" => {
            let n: i64 = args.first()?.parse().ok()?;
            Some(if n <= 0 { "0".into() } else { (rand::random::<u32>() as i64 % n).to_string() })
        }
        "partition" => {
            let n: u32 = args.first()?.parse().ok()?;
            // Without token arguments the whole subject is the key.
            let key: String = if args.len() == 1 {
                subject.to_string()
            } else {
                args[1..].iter().filter_map(|a| val(a).cloned()).collect()
            };
            let mut h: u32 = 2166136261;
            for b in key.bytes() {
                h ^= u32::from(b);
                h = h.wrapping_mul(16777619);
            }
            Some((h % n.max(1)).to_string())
        }
        _ => None,
    }
}

/// Applies a subject mapping `src -> dest` where `dest` may reference the
/// source wildcards as `{{wildcard(N)}}`, `$N`, or positionally as `*`/`>`.
/// Returns `None` when `subject` does not match `src`.
pub(crate) fn transform_subject(src: &str, dest: &str, subject: &str) -> Option<String> {
    let src = if src.is_empty() { ">" } else { src };
    if !matches(subject, src) {
        return None;
    }
    if dest.is_empty() {
        return Some(subject.to_string());
    }
    let stoks: Vec<&str> = subject.split('.').collect();
    let mut wild: Vec<String> = Vec::new();
    // What the source's `>` took: a destination `>` always stands for it.
    let mut rest = None;
    for (i, t) in src.split('.').enumerate() {
        match t {
            "*" => wild.push(stoks.get(i)?.to_string()),
            ">" => {
                let r = stoks[i..].join(".");
                rest = Some(r.clone());
                wild.push(r);
            }
            _ => {}
        }
    }
    let mut next_positional = 0;
    let mut out = Vec::new();
    for t in dest.split('.') {
        if let Some((name, args)) = mapping_fn(t) {
            out.push(apply_mapping_fn(&name, &args, &wild, subject)?);
        } else if let Some(n) = t.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
            out.push(wild.get(n.checked_sub(1)?)?.clone());
        } else if let (">", Some(r)) = (t, &rest) {
            out.push(r.clone());
        } else if t == "*" || t == ">" {
            out.push(wild.get(next_positional)?.clone());
            next_positional += 1;
        } else {
            out.push(t.to_string());
        }
    }
    Some(out.join("."))
}

/// Go's `transformTokenize`: numbers the `*` tokens of a destination
/// (`foo.*.*` becomes `foo.$1.$2`), so it refers to the source's wildcards.
pub(crate) fn tokenize(subject: &str) -> String {
    let mut n = 0;
    let tokens: Vec<String> = subject
        .split('.')
        .map(|t| {
            if t == "*" {
                n += 1;
                format!("${n}")
            } else {
                t.to_string()
            }
        })
        .collect();
    tokens.join(".")
}

/// The source wildcard a destination token refers to: `$n` or
/// `{{wildcard(n)}}`.
fn wildcard_ref(token: &str) -> Option<usize> {
    if let Some(n) = token.strip_prefix('$') {
        return n.parse().ok().filter(|n| *n >= 1);
    }
    match mapping_fn(token) {
        Some((name, args)) if name == "wildcard" && args.len() == 1 => args[0].parse().ok().filter(|n| *n >= 1),
        _ => None,
    }
}

/// Go's `transformUntokenize`: a destination as a subject filter, each
/// wildcard reference back to `*` (`foo.$2.{{wildcard(1)}}` is `foo.*.*`).
pub(crate) fn untokenize(subject: &str) -> String {
    let tokens: Vec<&str> = subject.split('.').map(|t| if wildcard_ref(t).is_some() { "*" } else { t }).collect();
    tokens.join(".")
}

/// The transform that undoes `src -> dest` when the destination only moves
/// wildcards around (Go's `subjectTransform.reverse`): returns the reverse
/// source (the destination as a filter) and destination (the source with
/// references). `None` when a source wildcard is not used.
pub(crate) fn reverse(src: &str, dest: &str) -> Option<(String, String)> {
    let dest = tokenize(dest);
    let rev_src = untokenize(&dest);
    // For each source `*` (1-based), its position among the reverse source's `*`s.
    let mut at: Vec<Option<usize>> = vec![None; src.split('.').filter(|t| *t == "*").count()];
    let mut k = 0;
    for t in dest.split('.') {
        if let Some(n) = wildcard_ref(t) {
            k += 1;
            *at.get_mut(n - 1)? = Some(k);
        }
    }
    let mut i = 0;
    let mut out = Vec::new();
    for t in src.split('.') {
        if t == "*" {
            out.push(format!("${}", at[i]?));
            i += 1;
        } else {
            out.push(t.to_string());
        }
    }
    Some((rev_src, out.join(".")))
}
