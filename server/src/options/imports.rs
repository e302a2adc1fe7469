//! An account's `exports` and `imports`: parsing each entry, then checking
//! every import against the exporter's exports (authorization), for
//! duplicates and for cycles, with Go's error texts (Go's `server/opts.go`
//! `parseAccountExports`, `parseAccountImports`, `parseExportStreamOrService`,
//! `parseImportStreamOrService` and the second half of `parseAccounts`; the
//! checks follow `server/accounts.go`: `addStreamImportWithClaim`,
//! `addMappedStreamImportWithClaim`, `addServiceImportWithClaim`,
//! `checkStreamImportsForCycles`, `checkServiceImportsForCycles`).
use std::collections::HashSet;
use std::time::Duration;

use super::from_config::{value_text, want_str, Report};
use super::{AccountOpts, ExportOpts, ImportOpts, ResponseType};
use crate::config::{Diagnostic, Value};
use crate::gotime;
use crate::subject::{self, transform};

type R<T> = Result<T, Diagnostic>;

/// An import as written, before it is checked against the exporter.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawImport {
    account: String,
    subject: String,
    service: bool,
    prefix: String,
    to: String,
    share: bool,
}

/// `exports: [ {stream: "a.>"}, {service: "b", accounts: [X], response_type: stream} ]`.
pub(crate) fn parse_exports(v: &Value, rep: &mut Report) -> R<Vec<ExportOpts>> {
    let Some(items) = v.as_array() else {
        return Err(Diagnostic::at(&v.pos, format!("Exports should be an array, got {}", v.kind.go_type())));
    };
    let mut out = Vec::new();
    for item in items {
        match parse_export(item, rep) {
            Ok(Some(e)) => out.push(e),
            Ok(None) => {}
            Err(d) => rep.errors.push(d),
        }
    }
    Ok(out)
}

fn parse_export(v: &Value, rep: &mut Report) -> R<Option<ExportOpts>> {
    let Some(m) = v.as_map() else {
        return Err(Diagnostic::at(
            &v.pos,
            format!("Export Items should be a map with type entry, got {}", v.kind.go_type()),
        ));
    };
    let mut e = ExportOpts::default();
    let (mut stream, mut service) = (false, false);
    let (mut rt_seen, mut thresh_seen) = (false, false);
    let mut rt_val: Option<&Value> = None;
    for (k, mv) in m.iter() {
        match k.to_ascii_lowercase().as_str() {
            "stream" => {
                if service {
                    rep.err(mv, format!("Detected stream {:?} but already saw a service", value_text(mv)));
                    continue;
                }
                if let Some(rt) = rt_val {
                    rep.err(rt, "Detected response directive on non-service");
                    continue;
                }
                let Some(s) = mv.as_str() else {
                    rep.err(mv, format!("Expected stream name to be string, got {}", mv.kind.go_type()));
                    continue;
                };
                e.subject = s.to_string();
                stream = true;
            }
            "service" => {
                if stream {
                    rep.err(mv, format!("Detected service {:?} but already saw a stream", value_text(mv)));
                    continue;
                }
                let Some(s) = mv.as_str() else {
                    rep.err(mv, format!("Expected service name to be string, got {}", mv.kind.go_type()));
                    continue;
                };
                e.subject = s.to_string();
                e.service = true;
                service = true;
            }
            "response" | "response_type" => {
                if rt_seen {
                    rep.err(mv, "Duplicate response type definition");
                    continue;
                }
                rt_seen = true;
                rt_val = Some(mv);
                let Some(s) = mv.as_str() else {
                    rep.err(mv, format!("Expected response type to be string, got {}", mv.kind.go_type()));
                    continue;
                };
                e.response_type = match s.to_ascii_lowercase().as_str() {
                    "single" | "singleton" => ResponseType::Singleton,
                    "stream" => ResponseType::Streamed,
                    "chunk" | "chunked" => ResponseType::Chunked,
                    _ => {
                        rep.err(mv, format!("Unknown response type: {s:?}"));
                        continue;
                    }
                };
                if stream {
                    rep.err(mv, "Detected response directive on non-service");
                }
            }
            "threshold" | "response_threshold" | "response_max_time" | "response_time" => {
                if thresh_seen {
                    rep.err(mv, "Duplicate response threshold detected");
                    continue;
                }
                thresh_seen = true;
                rt_val = rt_val.or(Some(mv));
                let Some(s) = mv.as_str() else {
                    rep.err(
                        mv,
                        format!(
                            "Expected response threshold to be a parseable time duration, got {}",
                            mv.kind.go_type()
                        ),
                    );
                    continue;
                };
                match gotime::parse_duration(s) {
                    Ok(n) => e.response_threshold = Some(Duration::from_nanos(n.max(0) as u64)),
                    Err(_) => {
                        rep.err(mv, format!("Expected response threshold to be a parseable time duration, got {s:?}"));
                        continue;
                    }
                }
                if stream {
                    rep.err(mv, "Detected response directive on non-service");
                }
            }
            "accounts" => {
                let Some(list) = mv.as_array() else {
                    return Err(Diagnostic::at(
                        &mv.pos,
                        format!("interface conversion: interface {{}} is {}, not []interface {{}}", mv.kind.go_type()),
                    ));
                };
                let mut names = Vec::new();
                for a in list {
                    names.push(want_str(a)?.to_string());
                }
                e.accounts = Some(names);
            }
            // Latency tracking and message tracing are accepted and not acted on.
            "latency" => {
                if stream {
                    rep.err(mv, "Detected latency directive on non-service");
                }
            }
            "allow_trace" => {
                if stream {
                    rep.err(mv, "Detected allow_trace directive on non-service");
                }
            }
            "account_token_position" => match mv.as_int() {
                Some(n) => e.account_token_position = n.max(0) as usize,
                None => {
                    return Err(Diagnostic::at(
                        &mv.pos,
                        format!("interface conversion: interface {{}} is {}, not int64", mv.kind.go_type()),
                    ))
                }
            },
            _ => rep.unknown(k, mv),
        }
    }
    Ok((stream || service).then_some(e))
}

/// `imports: [ {stream: {account: A, subject: "a.>"}, prefix: p}, {service: {account: A, subject: b}, to: c} ]`.
pub(crate) fn parse_imports(v: &Value, rep: &mut Report) -> R<Vec<RawImport>> {
    let Some(items) = v.as_array() else {
        return Err(Diagnostic::at(&v.pos, format!("Imports should be an array, got {}", v.kind.go_type())));
    };
    let mut out: Vec<RawImport> = Vec::new();
    for item in items {
        match parse_import(item, rep) {
            Ok(Some(im)) => {
                if im.service {
                    if let Some(dup) = out
                        .iter()
                        .find(|d| d.service && d.account == im.account && local_subject(d) == local_subject(&im))
                    {
                        rep.err(
                            item,
                            format!(
                                "Duplicate service import subject {:?}, previously used in import for account {:?}, subject {:?}",
                                local_subject(&im),
                                dup.account,
                                dup.subject
                            ),
                        );
                        continue;
                    }
                }
                out.push(im);
            }
            Ok(None) => {}
            Err(d) => rep.errors.push(d),
        }
    }
    Ok(out)
}

/// A service import's local subject: its `to`, else the exporter's subject.
fn local_subject(im: &RawImport) -> &str {
    if im.to.is_empty() {
        &im.subject
    } else {
        &im.to
    }
}

fn parse_import(v: &Value, rep: &mut Report) -> R<Option<RawImport>> {
    let Some(m) = v.as_map() else {
        return Err(Diagnostic::at(
            &v.pos,
            format!("Import Items should be a map with type entry, got {}", v.kind.go_type()),
        ));
    };
    let mut im = RawImport::default();
    let (mut stream, mut service) = (false, false);
    for (k, mv) in m.iter() {
        match k.to_ascii_lowercase().as_str() {
            kind @ ("stream" | "service") => {
                let is_service = kind == "service";
                if is_service && stream {
                    rep.err(mv, "Detected service but already saw a stream");
                    continue;
                }
                if !is_service && service {
                    rep.err(mv, "Detected stream but already saw a service");
                    continue;
                }
                let Some(am) = mv.as_map() else {
                    let what = if is_service { "Service" } else { "Stream" };
                    rep.err(mv, format!("{what} entry should be an account map, got {}", mv.kind.go_type()));
                    continue;
                };
                let (mut account, mut subj) = (String::new(), String::new());
                for (ak, av) in am.iter() {
                    match ak.to_ascii_lowercase().as_str() {
                        "account" => account = want_str(av)?.to_string(),
                        "subject" => subj = want_str(av)?.to_string(),
                        _ => rep.unknown(ak, av),
                    }
                }
                if account.is_empty() || subj.is_empty() {
                    rep.err(mv, "Expect an account name and a subject");
                    continue;
                }
                im.account = account;
                im.subject = subj;
                im.service = is_service;
                stream |= !is_service;
                service |= is_service;
            }
            "prefix" => im.prefix = want_str(mv)?.to_string(),
            "to" => {
                im.to = want_str(mv)?.to_string();
                if stream && !im.prefix.is_empty() {
                    rep.err(mv, "Stream import can not have a 'prefix' and a 'to' property");
                    continue;
                }
            }
            "share" => match mv.as_bool() {
                Some(b) => im.share = b,
                None => {
                    return Err(Diagnostic::at(
                        &mv.pos,
                        format!("interface conversion: interface {{}} is {}, not bool", mv.kind.go_type()),
                    ))
                }
            },
            "allow_trace" => {
                if service {
                    rep.err(mv, "Detected allow_trace directive on a non-stream");
                }
            }
            _ => rep.unknown(k, mv),
        }
    }
    // Go applies `prefix` only to streams and checks the prefix/to clash
    // when `to` comes after the stream; a `to` seen first wins silently.
    if !(stream || service) {
        return Ok(None);
    }
    if service {
        im.prefix.clear();
    }
    Ok(Some(im))
}

/// A registered import, as the cycle checks walk them.
struct Registered {
    importer: String,
    exporter: String,
    /// The subject in the exporting account.
    remote: String,
    /// The subject in the importing account.
    local: String,
}

/// The second half of Go's `parseAccounts`: each export's account list must
/// name defined accounts, and each import must be authorized by an export
/// of a defined account, must not duplicate another or close a cycle. Stream
/// imports come first, then service imports, in the order written. The
/// imports that pass are stored on their accounts.
pub(crate) fn check(accounts: &mut [AccountOpts], raw: &[(usize, Vec<RawImport>)], at: &Value, rep: &mut Report) {
    let names: HashSet<String> = accounts.iter().map(|a| a.name.clone()).collect();
    for acc in accounts.iter() {
        for e in &acc.exports {
            let kind = if e.service { "service" } else { "stream" };
            for n in e.accounts.iter().flatten() {
                if !names.contains(n) {
                    rep.err(at, format!("{n:?} account not defined for {kind} export"));
                }
            }
            let pos = e.account_token_position;
            if pos > 0 && e.subject.split('.').nth(pos - 1) != Some("*") {
                rep.err(at, format!("Error adding {kind} export {:?}: sublist: invalid subject", e.subject));
            }
        }
    }
    let exports: Vec<(String, Vec<ExportOpts>)> =
        accounts.iter().map(|a| (a.name.clone(), a.exports.clone())).collect();
    let exports_of = |name: &str| exports.iter().find(|(n, _)| n == name).map(|(_, e)| e.as_slice()).unwrap_or(&[]);
    let mut streams: Vec<Registered> = Vec::new();
    let mut services: Vec<Registered> = Vec::new();
    let mut accepted: Vec<(usize, ImportOpts)> = Vec::new();
    for want_service in [false, true] {
        for (ai, ims) in raw {
            let importer = exports[*ai].0.as_str();
            for im in ims.iter().filter(|im| im.service == want_service) {
                let kind = if im.service { "service" } else { "stream" };
                if !names.contains(&im.account) {
                    rep.err(at, format!("{:?} account not defined for {kind} import", im.account));
                    continue;
                }
                let result = if im.service {
                    add_service_import(importer, im, exports_of(&im.account), &services)
                } else {
                    add_stream_import(importer, im, &streams, &exports_of)
                };
                match result {
                    Err(why) => rep.err(at, format!("Error adding {kind} import {:?}: {why}", im.subject)),
                    Ok(local) => {
                        let reg = Registered {
                            importer: importer.to_string(),
                            exporter: im.account.clone(),
                            remote: im.subject.clone(),
                            local: transform::untokenize(&local),
                        };
                        if im.service {
                            services.push(reg);
                        } else {
                            streams.push(reg);
                        }
                        let opts = ImportOpts {
                            account: im.account.clone(),
                            subject: im.subject.clone(),
                            service: im.service,
                            to: local,
                            share: im.service && im.share,
                        };
                        accepted.push((*ai, opts));
                    }
                }
            }
        }
    }
    for (ai, im) in accepted {
        accounts[ai].imports.push(im);
    }
}

/// Go's `checkStreamImportAuthorized` / `checkServiceImportAuthorized`:
/// an export with exactly this subject, else one the subject is a subset
/// of; public, or listing the importer.
fn authorized(exports: &[ExportOpts], service: bool, importer: &str, subject: &str) -> bool {
    if !subject::is_valid(subject) {
        return false;
    }
    let kind: Vec<&ExportOpts> = exports.iter().filter(|e| e.service == service).collect();
    // An exact match is checked without the subject's tokens, so an export
    // with a token position never authorizes its own subject (as Go).
    let (found, tokens) = match kind.iter().find(|e| e.subject == subject) {
        Some(e) => (Some(e), None),
        None => (kind.iter().find(|e| subject::is_subset(subject, &e.subject)), Some(subject)),
    };
    let Some(e) = found else { return false };
    if e.account_token_position > 0 {
        let pos = e.account_token_position;
        return tokens.and_then(|t| t.split('.').nth(pos - 1)) == Some(importer);
    }
    match &e.accounts {
        None => true,
        Some(list) => list.is_empty() || list.iter().any(|a| a == importer),
    }
}

/// Checks one stream import; returns its local subject pattern.
fn add_stream_import<'a>(
    importer: &str,
    im: &RawImport,
    registered: &[Registered],
    exports_of: &dyn Fn(&str) -> &'a [ExportOpts],
) -> Result<String, String> {
    if !authorized(exports_of(&im.account), false, importer, &im.subject) {
        return Err("stream import not authorized".into());
    }
    let from = im.subject.as_str();
    let to = if !im.prefix.is_empty() {
        if !subject::is_literal(&im.prefix) {
            return Err("stream import prefix can not contain wildcard tokens".into());
        }
        let sep = if im.prefix.ends_with('.') { "" } else { "." };
        format!("{}{sep}{from}", im.prefix)
    } else if im.to.is_empty() {
        from.to_string()
    } else {
        im.to.clone()
    };
    for subj in [to.as_str(), from] {
        let mut visited = vec![importer.to_string()];
        stream_cycle(&im.account, subj, &mut visited, registered, exports_of)?;
    }
    if !subject::is_literal(from) && to != from {
        let tokenized = transform::tokenize(&to);
        if let Err(e) = transform::validate_mapping(from, &tokenized) {
            return Err(format!(
                "failed to create mapping transform for stream import subject from {from:?} to {to:?}: {e}"
            ));
        }
    }
    if registered.iter().any(|r| r.importer == importer && r.exporter == im.account && r.remote == from) {
        return Err("stream import already exists".into());
    }
    // Kept as written: its wildcard references say how to rename.
    Ok(to)
}

/// Go's `checkStreamImportsForCycles`, from account `acc` on subject `to`.
fn stream_cycle<'a>(
    acc: &str,
    to: &str,
    visited: &mut Vec<String>,
    registered: &[Registered],
    exports_of: &dyn Fn(&str) -> &'a [ExportOpts],
) -> Result<(), String> {
    if visited.len() >= 1024 {
        return Err("search cycle depth exhausted".into());
    }
    if !exports_of(acc).iter().any(|e| !e.service && subject::is_subset(to, &e.subject)) {
        return Ok(());
    }
    for si in registered.iter().filter(|r| r.importer == acc) {
        if subject::collide(to, &si.local) {
            if visited.contains(&si.exporter) {
                return Err("import forms a cycle".into());
            }
            visited.push(acc.to_string());
            let t = if subject::is_subset(&si.local, to) { si.local.as_str() } else { to };
            stream_cycle(&si.exporter, t, visited, registered, exports_of)?;
        }
    }
    Ok(())
}

/// Checks one service import; returns its local subject.
fn add_service_import(
    importer: &str,
    im: &RawImport,
    exporter_exports: &[ExportOpts],
    registered: &[Registered],
) -> Result<String, String> {
    let remote = im.subject.as_str();
    let local = if im.to.is_empty() { remote.to_string() } else { im.to.clone() };
    if !subject::is_valid(&local) || !subject::is_valid(remote) {
        return Err("sublist: invalid subject".into());
    }
    if !authorized(exporter_exports, true, importer, remote) {
        return Err("service import not authorized".into());
    }
    let local_t = if !subject::is_literal(remote) { transform::untokenize(&local) } else { local.clone() };
    let mut visited = vec![importer.to_string()];
    service_cycle(&im.account, &local_t, &mut visited, registered)?;
    if let Some(dup) =
        registered.iter().find(|r| r.importer == importer && r.exporter == im.account && r.local == local)
    {
        return Err(format!(
            "duplicate service import subject {local:?}, previously used in import for account {:?}, subject {:?}",
            dup.exporter, dup.remote
        ));
    }
    if !subject::is_literal(remote) && remote != local {
        let untok = transform::untokenize(remote);
        if let Err(e) = transform::validate_mapping(&untok, &transform::tokenize(&local)) {
            return Err(format!(
                "failed to create mapping transform for service import subject from {local:?} to {remote:?}: {e}"
            ));
        }
    }
    Ok(local)
}

/// Go's `checkServiceImportsForCycles`, from account `acc` on subject `from`.
fn service_cycle(acc: &str, from: &str, visited: &mut Vec<String>, registered: &[Registered]) -> Result<(), String> {
    if visited.len() >= 1024 {
        return Err("search cycle depth exhausted".into());
    }
    for si in registered.iter().filter(|r| r.importer == acc) {
        // Go compares with the import's `to`, the exporter's subject, and
        // narrows to its `from`, the local one.
        if subject::collide(from, &si.remote) {
            if visited.contains(&si.exporter) {
                return Err("import forms a cycle".into());
            }
            visited.push(acc.to_string());
            let f = if subject::is_subset(&si.local, from) { si.local.as_str() } else { from };
            service_cycle(&si.exporter, f, visited, registered)?;
        }
    }
    Ok(())
}
