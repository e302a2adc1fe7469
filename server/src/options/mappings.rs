//! Subject mappings in a config: `mappings { src: dest }` or
//! `mappings { src: [ {destination: d, weight: 40%, cluster: c}, ... ] }`,
//! at the top level (the global account's) or in an account. Each is checked
//! as the server would add it, with Go's error texts (Go's `server/opts.go`
//! `parseAccountMappings` and `parseAccountMapDest`, and the checks of
//! `AddWeightedMappings` in `server/accounts.go`).
use super::from_config::Report;
use super::{MapDest, MappingOpts};
use crate::config::{Kind, Value};
use crate::subject::{self, transform};

/// Parses a `mappings` block; bad entries are reported and left out.
pub(crate) fn parse(v: &Value, rep: &mut Report) -> Vec<MappingOpts> {
    let mut out = Vec::new();
    let Some(m) = v.as_map() else {
        rep.err(
            v,
            format!("interface conversion: interface {{}} is {}, not map[string]interface {{}}", v.kind.go_type()),
        );
        return out;
    };
    for (src, mv) in m.iter() {
        if !subject::is_valid(src) {
            rep.err(mv, format!("Subject {src:?} is not a valid subject"));
            continue;
        }
        match &mv.kind {
            Kind::String(dest) => {
                let d = MapDest { subject: dest.clone(), weight: 100, cluster: String::new() };
                match check(src, std::slice::from_ref(&d)) {
                    Ok(()) => out.push(MappingOpts { source: src.clone(), dests: vec![d] }),
                    Err(e) => rep.err(mv, format!("Error adding mapping for {src:?} to {dest:?} : {e}")),
                }
            }
            Kind::Array(items) => {
                let mut dests = Vec::new();
                for item in items {
                    if let Some(d) = parse_dest(item, rep) {
                        dests.push(d);
                    }
                }
                match check(src, &dests) {
                    Ok(()) => out.push(MappingOpts { source: src.clone(), dests }),
                    Err(e) => rep.err(mv, format!("Error adding mapping for {src:?} : {e}")),
                }
            }
            Kind::Map(_) => {
                let Some(d) = parse_dest(mv, rep) else { continue };
                match check(src, std::slice::from_ref(&d)) {
                    Ok(()) => out.push(MappingOpts { source: src.clone(), dests: vec![d] }),
                    Err(e) => rep.err(mv, format!("Error adding mapping for {src:?} : {e}")),
                }
            }
            k => rep.err(mv, format!("Unknown type {} for mapping destination", k.go_type())),
        }
    }
    out
}

/// One `{destination: d, weight: 40%, cluster: c}`.
fn parse_dest(v: &Value, rep: &mut Report) -> Option<MapDest> {
    let Some(m) = v.as_map() else {
        rep.err(v, "Expected an entry for the mapping destination");
        return None;
    };
    let mut d = MapDest::default();
    let mut weighted = false;
    for (k, mv) in m.iter() {
        match k.to_ascii_lowercase().as_str() {
            "dest" | "destination" => d.subject = mv.as_str().unwrap_or_default().to_string(),
            "weight" => {
                let w = match &mv.kind {
                    Kind::String(s) => {
                        let s = s.strip_suffix('%').unwrap_or(s);
                        match s.parse::<i64>() {
                            Ok(w) => w,
                            Err(_) => {
                                rep.err(mv, format!("Invalid weight {s:?} for mapping destination"));
                                return None;
                            }
                        }
                    }
                    Kind::Int(w) => *w,
                    _ => {
                        rep.err(mv, format!("Unknown entry type for weight of {}\n", mv.kind.go_type()));
                        return None;
                    }
                };
                if !(0..=100).contains(&w) {
                    rep.err(mv, format!("Invalid weight {w} for mapping destination"));
                    return None;
                }
                d.weight = w as u8;
                weighted = true;
            }
            "cluster" => d.cluster = mv.as_str().unwrap_or_default().to_string(),
            _ => {
                rep.err(mv, format!("Unknown field {k:?} for mapping destination"));
                return None;
            }
        }
    }
    if !weighted {
        rep.err(v, format!("Missing weight for mapping destination {:?}", d.subject));
        return None;
    }
    Some(d)
}

/// Go's checks in `AddWeightedMappings`.
fn check(src: &str, dests: &[MapDest]) -> Result<(), String> {
    if !subject::is_valid(src) {
        return Err("invalid subject".into());
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut totals: Vec<(&str, u32)> = Vec::new();
    for d in dests {
        if seen.contains(&d.subject.as_str()) {
            return Err(format!("duplicate entry for {:?}", d.subject));
        }
        seen.push(&d.subject);
        if d.weight > 100 {
            return Err("individual weights need to be <= 100".into());
        }
        let total = match totals.iter_mut().find(|(c, _)| *c == d.cluster) {
            Some((_, t)) => t,
            None => {
                totals.push((&d.cluster, 0));
                &mut totals.last_mut().expect("just pushed").1
            }
        };
        *total += u32::from(d.weight);
        if *total > 100 {
            return Err("total weight needs to be <= 100".into());
        }
        transform::validate_mapping(src, &d.subject)?;
    }
    Ok(())
}
