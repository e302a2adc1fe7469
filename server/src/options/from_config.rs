//! Maps a parsed config tree onto [`Options`] (Go: `server/opts.go`
//! `processConfigFileLine` and the `parse*` helpers it calls).
//!
//! Like Go, every problem is collected rather than stopping at the first one,
//! and a wrong value type aborts only the block being read (Go recovers a panic
//! from a failed type assertion and reports it as
//! `interface conversion: interface {} is X, not Y`; we word it the same).
//! Keys are matched case-insensitively, as Go lowercases them.
use std::time::Duration;

use super::{AccountOpts, NkeyUser, Options, Permissions, ResponsePermission, SubjectPermission, User};
use crate::config::{Diagnostic, Kind, Map, Value};
use crate::gotime;
use crate::subject;

type R<T> = Result<T, Diagnostic>;

/// Collected errors and warnings.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Report {
    pub(crate) fn err(&mut self, v: &Value, msg: impl Into<String>) {
        self.errors.push(Diagnostic::at(&v.pos, msg));
    }
    fn push(&mut self, r: R<()>) {
        if let Err(d) = r {
            self.errors.push(d);
        }
    }
    /// Go's `unknownConfigFieldErr`, skipped for keys used as `$variables`.
    pub(crate) fn unknown(&mut self, key: &str, v: &Value) {
        if !v.used_variable {
            self.err(v, format!("unknown field {key:?}"));
        }
    }
}

fn conv(v: &Value, want: &str) -> Diagnostic {
    Diagnostic::at(&v.pos, format!("interface conversion: interface {{}} is {}, not {}", v.kind.go_type(), want))
}
pub(crate) fn want_str(v: &Value) -> R<&str> {
    v.as_str().ok_or_else(|| conv(v, "string"))
}
fn want_int(v: &Value) -> R<i64> {
    v.as_int().ok_or_else(|| conv(v, "int64"))
}
fn want_bool(v: &Value) -> R<bool> {
    v.as_bool().ok_or_else(|| conv(v, "bool"))
}
fn want_map(v: &Value) -> R<&Map> {
    v.as_map().ok_or_else(|| conv(v, "map[string]interface {}"))
}
fn want_array(v: &Value) -> R<&[Value]> {
    v.as_array().ok_or_else(|| conv(v, "[]interface {}"))
}
/// Go stores most ints in `int`/`int32` fields; we saturate instead of wrapping.
fn to_i32(n: i64) -> i32 {
    n.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

fn nanos_to_duration(n: i64) -> Duration {
    Duration::from_nanos(n.max(0) as u64)
}

/// Go's `parseDuration`: a duration string, or (with a warning) an integer
/// number of seconds.
fn parse_duration(field: &str, v: &Value, rep: &mut Report) -> R<Duration> {
    if let Some(s) = v.as_str() {
        return match gotime::parse_duration(s) {
            Ok(n) => Ok(nanos_to_duration(n)),
            Err(e) => {
                rep.err(v, format!("error parsing {field}: {e}"));
                Ok(Duration::ZERO)
            }
        };
    }
    rep.warnings.push(Diagnostic::at(
        &v.pos,
        format!("invalid use of field {field:?}: {field} should be converted to a duration"),
    ));
    let secs = want_int(v)?;
    Ok(Duration::from_secs(secs.max(0) as u64))
}

/// `host:port`, or just a port number (Go: `parseListen`).
fn parse_listen(v: &Value) -> Result<(Option<String>, i32), String> {
    match &v.kind {
        Kind::Int(p) => Ok((None, to_i32(*p))),
        Kind::String(s) => {
            let (host, port) = split_host_port(s).ok_or_else(|| format!("could not parse address string {s:?}"))?;
            let p: i32 = port.parse().map_err(|_| format!("could not parse port {port:?}"))?;
            Ok((Some(host.to_string()), p))
        }
        k => Err(format!("expected port or host:port, got {}", k.go_type())),
    }
}

/// Go's `net.SplitHostPort` for the common forms (`h:p`, `[v6]:p`, `:p`).
pub(crate) fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = &rest[..end];
        let port = rest[end + 1..].strip_prefix(':')?;
        if port.contains(':') {
            return None;
        }
        return Some((host, port));
    }
    let i = s.rfind(':')?;
    let (host, port) = (&s[..i], &s[i + 1..]);
    if host.contains(':') || host.contains('[') || host.contains(']') {
        return None;
    }
    Some((host, port))
}

/// Go's `nkeys.IsValidPublicUserKey`: a decodable public key with the user prefix.
fn looks_like_user_nkey(s: &str) -> bool {
    s.starts_with('U') && nkeys::KeyPair::from_public_key(s).is_ok()
}

impl Options {
    /// Applies one top-level key. Unknown keys are errors unless used as a
    /// `$variable`.
    pub(crate) fn apply_key(&mut self, key: &str, v: &Value, rep: &mut Report) {
        let r = self.apply_key_inner(key, v, rep);
        rep.push(r);
    }

    fn apply_key_inner(&mut self, key: &str, v: &Value, rep: &mut Report) -> R<()> {
        let lk = key.to_ascii_lowercase();
        match lk.as_str() {
            "listen" => match parse_listen(v) {
                Ok((h, p)) => {
                    self.host = h.unwrap_or_default();
                    self.port = p;
                }
                Err(e) => rep.err(v, e),
            },
            "client_advertise" => self.client_advertise = Some(want_str(v)?.to_string()),
            "port" => self.port = to_i32(want_int(v)?),
            "server_name" => {
                let s = want_str(v)?;
                if s.contains(' ') {
                    rep.err(v, "server name cannot contain spaces");
                } else {
                    self.server_name = Some(s.to_string());
                }
            }
            "server_tags" => {
                let tags: Vec<&str> = match want_array(v) {
                    Ok(items) => items.iter().map(want_str).collect::<R<_>>()?,
                    Err(_) => vec![want_str(v)?],
                };
                for t in tags {
                    let t = t.trim().to_lowercase();
                    if !t.is_empty() && !self.server_tags.contains(&t) {
                        self.server_tags.push(t);
                    }
                }
            }
            "host" | "net" => self.host = want_str(v)?.to_string(),
            "debug" => self.debug = want_bool(v)?,
            "trace" => self.trace = want_bool(v)?,
            "trace_verbose" => {
                self.trace_verbose = want_bool(v)?;
                self.trace = self.trace_verbose;
            }
            "logtime" => self.logtime = want_bool(v)?,
            "logtime_utc" => self.logtime_utc = want_bool(v)?,
            "disable_sublist_cache" | "no_sublist_cache" => self.disable_sublist_cache = want_bool(v)?,
            "accounts" => self.parse_accounts(v, rep)?,
            "authorization" => self.parse_authorization(v, rep)?,
            "http" | "https" => match parse_listen(v) {
                Ok((h, p)) => {
                    self.http_host = h.unwrap_or_default();
                    if lk == "http" {
                        self.http_port = p;
                    } else {
                        self.https_port = p;
                    }
                }
                Err(e) => rep.err(v, e),
            },
            "http_port" | "monitor_port" => self.http_port = to_i32(want_int(v)?),
            "https_port" => self.https_port = to_i32(want_int(v)?),
            "http_base_path" => self.http_base_path = want_str(v)?.to_string(),
            "cluster" => self.parse_cluster(v, rep)?,
            "store_dir" | "storedir" => {
                if self.jetstream.store_dir.is_some() {
                    rep.err(v, "Duplicate 'store_dir' configuration");
                } else {
                    self.jetstream.store_dir = Some(want_str(v)?.into());
                }
            }
            // Go's parseJetStream does not recover its own panics, so type
            // errors inside it are reported at the top-level key.
            "jetstream" => self.parse_jetstream(v, rep).map_err(|d| Diagnostic::at(&v.pos, d.message))?,
            "logfile" | "log_file" => self.log_file = Some(want_str(v)?.into()),
            "pidfile" | "pid_file" => self.pid_file = Some(want_str(v)?.into()),
            "ports_file_dir" => self.ports_file_dir = Some(want_str(v)?.into()),
            "max_control_line" | "max_payload" => {
                let n = want_int(v)?;
                if n > i32::MAX as i64 {
                    rep.err(v, format!("{key} value is too big"));
                } else if lk == "max_control_line" {
                    self.max_control_line = n as i32;
                } else {
                    self.max_payload = n as i32;
                }
            }
            "max_pending" => self.max_pending = want_int(v)?,
            // Go: 0 here means "no limit", stored as -1.
            "max_connections" | "max_conn" => {
                self.max_connections = match to_i32(want_int(v)?) {
                    0 => -1,
                    n => n,
                }
            }
            "max_subscriptions" | "max_subs" => self.max_subscriptions = to_i32(want_int(v)?),
            "max_sub_tokens" | "max_subscription_tokens" => match want_int(v)? {
                n if n > u8::MAX as i64 => rep.err(v, format!("{key} value is too big")),
                n if n <= 0 => rep.err(v, format!("{key} value can not be negative")),
                n => self.max_sub_tokens = n as u8,
            },
            // Go: 0 means the default (`setBaselineOptions`).
            "max_closed_clients" => {
                self.max_closed_clients = match to_i32(want_int(v)?) {
                    0 => crate::options::DEFAULT_MAX_CLOSED_CLIENTS,
                    n => n,
                }
            }
            "ping_interval" => self.ping_interval = parse_duration("ping_interval", v, rep)?,
            "ping_max" => self.max_pings_out = to_i32(want_int(v)?),
            "write_deadline" => self.write_deadline = parse_duration("write_deadline", v, rep)?,
            "lame_duck_duration" => match gotime::parse_duration(want_str(v)?) {
                Err(e) => rep.err(v, format!("error parsing lame_duck_duration: {e}")),
                Ok(n) if n < 30_000_000_000 => rep.err(
                    v,
                    format!("invalid lame_duck_duration of {}, minimum is 30 seconds", gotime::duration_string(n)),
                ),
                Ok(n) => self.lame_duck_duration = nanos_to_duration(n),
            },
            "lame_duck_grace_period" => match gotime::parse_duration(want_str(v)?) {
                Err(e) => rep.err(v, format!("error parsing lame_duck_grace_period: {e}")),
                Ok(n) if n < 0 => rep.err(v, "invalid lame_duck_grace_period, needs to be positive"),
                Ok(n) => self.lame_duck_grace_period = nanos_to_duration(n),
            },
            "no_auth_user" => self.no_auth_user = Some(want_str(v)?.to_string()),
            "mappings" | "maps" => self.mappings = super::mappings::parse(v, rep),
            // Read before everything else (Go: configureSystemAccount).
            "system_account" | "system" => {}
            "no_system_account" | "no_system" | "no_sys_acc" => self.no_system_account = want_bool(v)?,
            "no_header_support" => self.no_header_support = want_bool(v)?,
            // Accepted for compatibility; rnats has no use for them yet.
            "syslog" | "proxy_protocol" | "no_fast_producer_stall" => {
                want_bool(v)?;
            }
            "remote_syslog" | "default_sentinel" => {
                want_str(v)?;
            }
            "logfile_size_limit"
            | "log_size_limit"
            | "logfile_max_num"
            | "log_max_num"
            | "prof_port"
            | "prof_block_rate"
            | "max_traced_msg_len"
            | "connect_error_reports"
            | "reconnect_error_reports" => {
                want_int(v)?;
            }
            // Known Go features that rnats does not implement: refuse rather
            // than run with a silently different meaning.
            "tls"
            | "gateway"
            | "leaf"
            | "leafnodes"
            | "websocket"
            | "ws"
            | "mqtt"
            | "operator"
            | "operators"
            | "roots"
            | "root"
            | "root_operators"
            | "root_operator"
            | "resolver"
            | "account_resolver"
            | "accounts_resolver"
            | "resolver_tls"
            | "resolver_preload"
            | "resolver_pinned_accounts"
            | "trusted"
            | "trusted_keys"
            | "ocsp"
            | "ocsp_cache"
            | "allow_non_tls"
            | "write_timeout"
            | "trace_headers"
            | "server_metadata"
            | "feature_flags"
            | "default_js_domain"
            | "proxies" => {
                rep.err(v, format!("field {key:?} is not supported by rnats"));
            }
            _ => rep.unknown(key, v),
        }
        Ok(())
    }

    /// Go: `configureSystemAccount`, run before the other keys.
    pub(crate) fn configure_system_account(&mut self, m: &Map, rep: &mut Report) {
        let v = m
            .iter()
            .find(|(k, _)| k.as_str() == "system_account")
            .or_else(|| m.iter().find(|(k, _)| k.as_str() == "system"));
        if let Some((_, v)) = v {
            match v.as_str() {
                Some(s) => self.system_account = Some(s.to_string()),
                None => rep.err(v, "system account name must be a string"),
            }
        }
    }

    fn parse_cluster(&mut self, v: &Value, rep: &mut Report) -> R<()> {
        let Some(m) = v.as_map() else {
            rep.err(v, format!("Expected map to define cluster, got {}", v.kind.go_type()));
            return Ok(());
        };
        for (k, mv) in m.iter() {
            match k.to_ascii_lowercase().as_str() {
                "name" => {
                    let s = want_str(mv)?;
                    if s.contains(' ') {
                        rep.err(mv, "cluster name cannot contain spaces");
                    } else {
                        self.cluster.name = Some(s.to_string());
                    }
                }
                "listen" => match parse_listen(mv) {
                    Ok((h, p)) => {
                        self.cluster.host = h.unwrap_or_default();
                        self.cluster.port = p;
                    }
                    Err(e) => rep.err(mv, e),
                },
                "port" => self.cluster.port = to_i32(want_int(mv)?),
                "host" | "net" => self.cluster.host = want_str(mv)?.to_string(),
                "routes" => {
                    let mut routes = Vec::new();
                    for r in want_array(mv)? {
                        routes.push(want_str(r)?.trim().to_string());
                    }
                    self.cluster.routes = routes;
                }
                "cluster_advertise" | "advertise" => self.cluster.advertise = Some(want_str(mv)?.to_string()),
                "no_advertise" => self.cluster.no_advertise = want_bool(mv)?,
                "connect_retries" => self.cluster.connect_retries = to_i32(want_int(mv)?),
                "authorization" => {
                    // Go dereferences the nil result of a failed parse.
                    let Some(auth) = parse_auth_block(mv, rep)? else {
                        return Err(Diagnostic::at(&mv.pos, NIL_DEREF));
                    };
                    if auth.users.is_some() {
                        rep.err(mv, "Cluster authorization does not allow multiple users");
                    } else if auth.token.is_some() {
                        rep.err(mv, "Cluster authorization does not support tokens");
                    } else {
                        self.cluster.username = auth.user;
                        self.cluster.password = auth.pass;
                        if auth.timeout > 0.0 {
                            self.cluster.auth_timeout = Duration::try_from_secs_f64(auth.timeout).ok();
                        }
                    }
                }
                "pool_size" => self.cluster.pool_size = Some(want_int(mv)?),
                "accounts" => {
                    let mut accs = Vec::new();
                    for a in want_array(mv)? {
                        accs.push(want_str(a)?.to_string());
                    }
                    self.cluster.accounts = accs;
                }
                // rnats routes are never compressed: they say `off`, which a
                // Go peer accepts whatever it is configured with.
                "compression" | "connect_backoff" => {}
                "ping_interval" => self.cluster.ping_interval = Some(parse_duration("ping_interval", mv, rep)?),
                "ping_max" => self.cluster.ping_max = Some(to_i32(want_int(mv)?)),
                "write_deadline" | "write_timeout" => {}
                "permissions" => self.cluster.permissions = parse_permissions(mv, rep),
                "tls" => {
                    rep.err(mv, format!("field \"cluster.{k}\" is not supported by rnats"));
                }
                _ => rep.unknown(k, mv),
            }
        }
        Ok(())
    }

    fn parse_jetstream(&mut self, v: &Value, rep: &mut Report) -> R<()> {
        match &v.kind {
            Kind::Bool(b) => self.jetstream.enabled = *b,
            Kind::String(s) => match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => self.jetstream.enabled = true,
                "disabled" | "disable" => self.jetstream.enabled = false,
                _ => rep.err(v, format!("Expected 'enabled' or 'disabled' for string value, got '{s}'")),
            },
            Kind::Map(m) => {
                let mut enable = true;
                let js = &mut self.jetstream;
                for (k, mv) in m.iter() {
                    match k.to_ascii_lowercase().as_str() {
                        "store" | "store_dir" | "storedir" => {
                            if js.store_dir.is_some() {
                                rep.err(mv, "Duplicate 'store_dir' configuration");
                                return Ok(());
                            }
                            js.store_dir = Some(want_str(mv)?.into());
                        }
                        "sync" | "sync_interval" => {
                            match mv.as_str() {
                                Some(s) if s.eq_ignore_ascii_case("always") => {}
                                _ => {
                                    parse_duration(k, mv, rep)?;
                                }
                            }
                            js.sync_interval = Some(match &mv.kind {
                                Kind::Int(n) => format!("{n}s"),
                                _ => want_str(mv)?.to_string(),
                            });
                        }
                        "max_memory_store" | "max_mem_store" | "max_mem" => match storage_size(mv) {
                            Ok(n) => js.max_memory = Some(n),
                            Err(e) => {
                                rep.err(mv, format!("max_mem_store {e}"));
                                return Ok(());
                            }
                        },
                        "max_file_store" | "max_file" => match storage_size(mv) {
                            Ok(n) => js.max_file = Some(n),
                            Err(e) => {
                                rep.err(mv, format!("max_file_store {e}"));
                                return Ok(());
                            }
                        },
                        "domain" => js.domain = Some(want_str(mv)?.to_string()),
                        "enable" | "enabled" => enable = want_bool(mv)?,
                        "key" | "ek" | "encryption_key" => js.key = Some(want_str(mv)?.to_string()),
                        "prev_key" | "prev_ek" | "prev_encryption_key" => js.prev_key = Some(want_str(mv)?.to_string()),
                        "cipher" => {
                            let c = want_str(mv)?;
                            match c.to_ascii_lowercase().as_str() {
                                "chacha" | "chachapoly" => js.cipher = Some("chachapoly".into()),
                                "aes" => js.cipher = Some("aes".into()),
                                _ => {
                                    rep.err(mv, format!("Unknown cipher type: {c:?}"));
                                    return Ok(());
                                }
                            }
                        }
                        "strict" => {
                            if mv.as_bool().is_none() {
                                rep.err(
                                    mv,
                                    format!("Expected 'true' or 'false' for bool value, got '{}'", value_text(mv)),
                                );
                                return Ok(());
                            }
                        }
                        "extension_hint" | "unique_tag" => {
                            want_str(mv)?;
                        }
                        "limits"
                        | "tpm"
                        | "max_outstanding_catchup"
                        | "max_buffered_size"
                        | "max_buffered_msgs"
                        | "request_queue_limit"
                        | "info_queue_limit"
                        | "meta_compact"
                        | "meta_compact_size"
                        | "meta_compact_sync"
                        | "max_concurrent_io" => {
                            rep.err(mv, format!("field \"jetstream.{k}\" is not supported by rnats"));
                        }
                        _ => rep.unknown(k, mv),
                    }
                }
                js.enabled = enable;
            }
            k => rep.err(v, format!("Expected map, bool or string to define JetStream, got {}", k.go_type())),
        }
        Ok(())
    }

    fn parse_authorization(&mut self, v: &Value, rep: &mut Report) -> R<()> {
        // Go dereferences the nil result of a failed parse.
        let Some(auth) = parse_auth_block(v, rep)? else {
            rep.err(v, NIL_DEREF);
            return Ok(());
        };
        self.auth_block_defined = true;
        self.username = auth.user.clone();
        self.password = auth.pass.clone();
        self.authorization = auth.token.clone();
        if auth.timeout > 0.0 {
            // A huge value (warned about when parsed) must not panic; Go's conversion
            // overflows instead.
            self.auth_timeout = Duration::try_from_secs_f64(auth.timeout).unwrap_or(Duration::MAX);
        }
        if (auth.user.is_some() || auth.pass.is_some()) && auth.token.is_some() {
            rep.err(v, "Cannot have a user/pass and token");
            return Ok(());
        }
        let mut names = self.user_names();
        if auth.users.is_some() || !names.is_empty() {
            if auth.user.is_some() {
                rep.err(v, "Can not have a single user/pass and a users array");
                return Ok(());
            }
            if auth.token.is_some() {
                rep.err(v, "Can not have a token and a users array");
                return Ok(());
            }
            for u in auth.users.unwrap_or_default() {
                if !names.insert(u.username.clone()) {
                    rep.err(v, format!("Duplicate user {:?} detected", u.username));
                    return Ok(());
                }
                self.users.push(u);
            }
        }
        for n in auth.nkeys {
            if !names.insert(n.nkey.clone()) {
                rep.err(v, format!("Duplicate nkey {:?} detected", n.nkey));
                return Ok(());
            }
            self.nkeys.push(n);
        }
        Ok(())
    }

    fn user_names(&self) -> std::collections::HashSet<String> {
        self.users.iter().map(|u| u.username.clone()).chain(self.nkeys.iter().map(|n| n.nkey.clone())).collect()
    }

    fn parse_accounts(&mut self, v: &Value, rep: &mut Report) -> R<()> {
        match &v.kind {
            Kind::Array(names) => {
                let mut seen = std::collections::HashSet::new();
                for n in names {
                    let name = want_str(n)?;
                    if name == "$G" {
                        rep.err(n, format!("{name:?} is a Reserved Account"));
                    } else if !seen.insert(name.to_string()) {
                        rep.err(n, format!("Duplicate Account Entry: {name}"));
                    } else {
                        self.accounts.push(AccountOpts { name: name.to_string(), ..Default::default() });
                    }
                }
            }
            Kind::Map(m) => {
                let mut raw_imports = Vec::new();
                let mut names = self.user_names();
                for (aname, av) in m.iter() {
                    if av.used_variable {
                        continue;
                    }
                    let Some(am) = av.as_map() else {
                        rep.err(av, "Expected map entries for accounts");
                        continue;
                    };
                    if aname == "$G" {
                        rep.err(av, format!("{aname:?} is a Reserved Account"));
                        continue;
                    }
                    let mut acc = AccountOpts { name: aname.clone(), ..Default::default() };
                    let mut users = Vec::new();
                    let mut nkeys = Vec::new();
                    let mut users_val: Option<&Value> = None;
                    let mut default_perms = None;
                    for (k, mv) in am.iter() {
                        match k.to_ascii_lowercase().as_str() {
                            "users" => {
                                users_val = Some(mv);
                                match parse_users(mv, rep) {
                                    Ok(Some((n, u))) => {
                                        nkeys = n;
                                        users = u;
                                    }
                                    Ok(None) => {}
                                    Err(d) => rep.errors.push(d),
                                }
                            }
                            "jetstream" => match &mv.kind {
                                Kind::Bool(b) => acc.jetstream = *b,
                                Kind::String(s) => match s.to_ascii_lowercase().as_str() {
                                    "enabled" | "enable" => acc.jetstream = true,
                                    "disabled" | "disable" => acc.jetstream = false,
                                    _ => rep.err(
                                        mv,
                                        format!("Expected 'enabled' or 'disabled' for string value, got '{s}'"),
                                    ),
                                },
                                Kind::Map(m) => {
                                    acc.jetstream = true;
                                    acc.jetstream_limits = Some(parse_account_js_limits(m, rep));
                                }
                                k => rep.err(
                                    mv,
                                    format!("Expected map, bool or string to define JetStream, got {}", k.go_type()),
                                ),
                            },
                            "default_permissions" => {
                                if let Some(p) = parse_permissions(mv, rep) {
                                    default_perms = Some(p);
                                }
                            }
                            "exports" => match super::imports::parse_exports(mv, rep) {
                                Ok(e) => acc.exports.extend(e),
                                Err(d) => rep.errors.push(d),
                            },
                            "imports" => match super::imports::parse_imports(mv, rep) {
                                Ok(i) => raw_imports.push((aname.clone(), i)),
                                Err(d) => rep.errors.push(d),
                            },
                            "mappings" | "maps" => acc.mappings.extend(super::mappings::parse(mv, rep)),
                            "nkey" | "limits" | "msg_trace" | "trace_dest" => {
                                rep.err(mv, format!("field \"accounts.{aname}.{k}\" is not supported by rnats"));
                            }
                            _ => rep.unknown(k, mv),
                        }
                    }
                    if let Some(uv) = users_val {
                        if !users.is_empty() || !nkeys.is_empty() {
                            if self.username.is_some() {
                                rep.err(uv, "Can not have a single user/pass and accounts");
                                self.accounts.push(acc);
                                continue;
                            }
                            if self.authorization.is_some() {
                                rep.err(uv, "Can not have a token and accounts");
                                self.accounts.push(acc);
                                continue;
                            }
                        }
                        apply_default_permissions(&mut users, &mut nkeys, default_perms.as_ref());
                        for mut n in nkeys {
                            if !names.insert(n.nkey.clone()) {
                                rep.err(uv, format!("Duplicate nkey {:?} detected", n.nkey));
                                continue;
                            }
                            n.account = Some(aname.clone());
                            acc.nkeys.push(n.clone());
                            self.nkeys.push(n);
                        }
                        for mut u in users {
                            if !names.insert(u.username.clone()) {
                                rep.err(uv, format!("Duplicate user {:?} detected", u.username));
                                continue;
                            }
                            u.account = Some(aname.clone());
                            acc.users.push(u.clone());
                            self.users.push(u);
                        }
                    }
                    self.accounts.push(acc);
                }
                // Go checks imports against exports only when all else parsed.
                if rep.errors.is_empty() {
                    let raw: Vec<_> = raw_imports
                        .into_iter()
                        .filter_map(|(name, ims)| self.accounts.iter().position(|a| a.name == name).map(|i| (i, ims)))
                        .collect();
                    super::imports::check(&mut self.accounts, &raw, v, rep);
                }
            }
            // Go quirk (`parseAccounts`): any other type is silently ignored.
            _ => {}
        }
        Ok(())
    }
}

/// A value as Go's `%v` prints it (`[a b]`, `map[k:v]`), for messages that
/// echo a value.
pub(crate) fn value_text(v: &Value) -> String {
    match &v.kind {
        Kind::String(s) | Kind::DateTime(s) => s.clone(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Array(a) => {
            let parts: Vec<String> = a.iter().map(value_text).collect();
            format!("[{}]", parts.join(" "))
        }
        Kind::Map(m) => {
            let mut parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{}", value_text(v))).collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// JetStream sizes: an integer, or a string with a K/M/G/T suffix (powers of
/// 1024) — Go's `getStorageSize`.
/// An account's `jetstream { max_mem: 1G, max_file: 10G, max_streams: 10, ... }`
/// (Go `parseJetStreamForAccount`).
pub(crate) fn parse_account_js_limits(m: &Map, rep: &mut Report) -> crate::options::JsAccountLimits {
    let mut l = crate::options::JsAccountLimits::default();
    for (k, v) in m.iter() {
        let size = |v: &Value, rep: &mut Report| match storage_size(v) {
            Ok(n) => n,
            Err(e) => {
                rep.err(v, e);
                -1
            }
        };
        let int = |v: &Value, rep: &mut Report| match want_int(v) {
            Ok(n) => n,
            Err(d) => {
                rep.errors.push(d);
                -1
            }
        };
        match k.to_ascii_lowercase().as_str() {
            "max_memory" | "max_mem" | "mem" | "memory" => l.max_memory = size(v, rep),
            "max_store" | "max_file" | "max_disk" | "store" | "disk" => l.max_store = size(v, rep),
            "max_streams" | "streams" => l.max_streams = int(v, rep),
            "max_consumers" | "consumers" => l.max_consumers = int(v, rep),
            "max_ack_pending" => l.max_ack_pending = int(v, rep),
            "mem_max_stream_bytes" | "memory_max_stream_bytes" => l.memory_max_stream_bytes = size(v, rep),
            "disk_max_stream_bytes" | "store_max_stream_bytes" => l.store_max_stream_bytes = size(v, rep),
            "max_bytes_required" | "max_stream_bytes" => match want_bool(v) {
                Ok(b) => l.max_bytes_required = b,
                Err(d) => rep.errors.push(d),
            },
            _ => {}
        }
    }
    l
}

fn storage_size(v: &Value) -> Result<i64, String> {
    match &v.kind {
        Kind::Int(n) => Ok(*n),
        Kind::String(s) => {
            if s.is_empty() {
                return Ok(0);
            }
            let (prefix, suffix) = s.split_at(s.len() - s.chars().last().map_or(0, char::len_utf8));
            let num: i64 =
                prefix.parse().map_err(|_| format!("strconv.ParseInt: parsing {prefix:?}: invalid syntax"))?;
            let shift = match suffix {
                "K" => 10,
                "M" => 20,
                "G" => 30,
                "T" => 40,
                _ => return Err("sizes defined as strings must end in K, M, G, T".into()),
            };
            Ok(num.wrapping_mul(1i64 << shift))
        }
        _ => Err("must be int64 or string".into()),
    }
}

/// Go reports this after a block parser recovered from a type error and
/// returned nil, which its caller then used (`parseAuthorization`).
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The following wrappers mirror where Go recovers from a failed type
/// assertion: the error is recorded and the parser yields "nil" (`None`).
fn parse_auth_block(v: &Value, rep: &mut Report) -> R<Option<AuthBlock>> {
    match parse_auth_block_inner(v, rep) {
        Ok(a) => Ok(Some(a)),
        Err(d) if d.message.starts_with("interface conversion") => {
            rep.errors.push(d);
            Ok(None)
        }
        Err(d) => Err(d),
    }
}

fn parse_users(v: &Value, rep: &mut Report) -> Result<Option<UserLists>, Diagnostic> {
    match parse_users_inner(v, rep) {
        Ok(Ok(x)) => Ok(Some(x)),
        Ok(Err(d)) => Err(d),
        Err(d) => {
            rep.errors.push(d);
            Ok(None)
        }
    }
}

fn parse_permissions(v: &Value, rep: &mut Report) -> Option<Permissions> {
    parse_permissions_inner(v, rep).unwrap_or_else(|d| {
        rep.errors.push(d);
        None
    })
}

fn parse_allow_responses(v: &Value, rp: ResponsePermission, rep: &mut Report) -> Option<ResponsePermission> {
    parse_allow_responses_inner(v, rp, rep).unwrap_or_else(|d| {
        rep.errors.push(d);
        None
    })
}

/// The parts of an `authorization` block (Go: `authorization` struct).
#[derive(Default)]
struct AuthBlock {
    user: Option<String>,
    pass: Option<String>,
    token: Option<String>,
    timeout: f64,
    users: Option<Vec<User>>,
    nkeys: Vec<NkeyUser>,
}

fn parse_auth_block_inner(v: &Value, rep: &mut Report) -> R<AuthBlock> {
    let m = want_map(v)?;
    let mut a = AuthBlock::default();
    let mut default_perms = None;
    for (k, mv) in m.iter() {
        match k.to_ascii_lowercase().as_str() {
            "user" | "username" => a.user = Some(want_str(mv)?.to_string()),
            "pass" | "password" => a.pass = Some(want_str(mv)?.to_string()),
            "token" => a.token = Some(want_str(mv)?.to_string()),
            "timeout" => {
                let at = match &mv.kind {
                    Kind::Int(i) => *i as f64,
                    Kind::Float(f) => *f,
                    Kind::String(s) => match gotime::parse_duration(s) {
                        Ok(n) => n as f64 / 1e9,
                        Err(e) => {
                            return Err(Diagnostic::at(
                                &mv.pos,
                                format!("error parsing authorization config, 'timeout' {e}"),
                            ))
                        }
                    },
                    _ => {
                        return Err(Diagnostic::at(&mv.pos, "error parsing authorization config, 'timeout' wrong type"))
                    }
                };
                if at > 60.0 {
                    rep.warnings.push(Diagnostic::at(
                        &mv.pos,
                        format!(
                            "invalid use of field {k:?}: timeout of {} ({at:.6} seconds) is high, consider keeping it under 60 seconds. possibly caused by unquoted duration; use '1m' instead of 1m, for example",
                            value_text(mv)
                        ),
                    ));
                }
                a.timeout = at;
            }
            "users" => match parse_users(mv, rep) {
                Ok(Some((n, u))) => {
                    a.users = Some(u);
                    a.nkeys = n;
                }
                Ok(None) => {
                    a.users = None;
                    a.nkeys = Vec::new();
                }
                Err(d) => rep.errors.push(d),
            },
            "default_permission" | "default_permissions" | "permissions" => {
                if let Some(p) = parse_permissions(mv, rep) {
                    default_perms = Some(p);
                }
            }
            "auth_callout" | "auth_hook" => {
                rep.err(mv, format!("field \"authorization.{k}\" is not supported by rnats"));
            }
            "proxy_required" => {
                want_bool(mv)?;
            }
            _ => rep.unknown(k, mv),
        }
    }
    if let Some(users) = a.users.as_mut() {
        apply_default_permissions(users, &mut a.nkeys, default_perms.as_ref());
    } else {
        apply_default_permissions(&mut [], &mut a.nkeys, default_perms.as_ref());
    }
    Ok(a)
}

fn apply_default_permissions(users: &mut [User], nkeys: &mut [NkeyUser], p: Option<&Permissions>) {
    let Some(p) = p else { return };
    for u in users.iter_mut().filter(|u| u.permissions.is_none()) {
        u.permissions = Some(p.clone());
    }
    for n in nkeys.iter_mut().filter(|n| n.permissions.is_none()) {
        n.permissions = Some(p.clone());
    }
}

type UserLists = (Vec<NkeyUser>, Vec<User>);
type UsersResult = Result<UserLists, Diagnostic>;

/// A `users` array (Go: `parseUsers`). The outer `R` is a type error that
/// aborts the enclosing block; the inner error rejects just this array.
fn parse_users_inner(v: &Value, rep: &mut Report) -> R<UsersResult> {
    let Some(arr) = v.as_array() else {
        return Ok(Err(Diagnostic::at(&v.pos, format!("Expected users field to be an array, got {}", value_text(v)))));
    };
    let mut users = Vec::new();
    let mut keys = Vec::new();
    for uv in arr {
        let Some(um) = uv.as_map() else {
            rep.err(uv, format!("Expected user entry to be a map/struct, got {}", value_text(uv)));
            continue;
        };
        let mut user = User::default();
        let mut nkey = NkeyUser::default();
        let mut perms = None;
        let mut last = uv;
        for (k, fv) in um.iter() {
            last = fv;
            match k.to_ascii_lowercase().as_str() {
                "nkey" => nkey.nkey = want_str(fv)?.to_string(),
                "user" | "username" => user.username = want_str(fv)?.to_string(),
                "pass" | "password" => user.password = want_str(fv)?.to_string(),
                "permission" | "permissions" | "authorization" => {
                    perms = parse_permissions(fv, rep);
                }
                "proxy_required" => {
                    want_bool(fv)?;
                }
                "allowed_connection_types" | "connection_types" | "clients" => {
                    rep.err(fv, format!("field {k:?} is not supported by rnats"));
                }
                _ => rep.unknown(k, fv),
            }
        }
        if nkey.nkey.is_empty() && user.username.is_empty() {
            return Ok(Err(Diagnostic::at(&last.pos, "User entry requires a user")));
        } else if !nkey.nkey.is_empty() {
            if !looks_like_user_nkey(&nkey.nkey) {
                return Ok(Err(Diagnostic::at(&last.pos, "Not a valid public nkey for a user")));
            }
            if !user.username.is_empty() || !user.password.is_empty() {
                return Ok(Err(Diagnostic::at(&last.pos, "Nkey users do not take usernames or passwords")));
            }
            nkey.permissions = perms;
            keys.push(nkey);
        } else {
            user.permissions = perms;
            users.push(user);
        }
    }
    Ok(Ok((keys, users)))
}

/// A permissions map (Go: `parseUserPermissions`). Returns `None` after
/// recording an error for a non-map.
///
/// When `allow_responses` is set, Go forces a non-nil (possibly empty)
/// publish allow list; here that shows as `response.is_some()` with an empty
/// `publish.allow`, which the server must read as "only replies allowed".
fn parse_permissions_inner(v: &Value, rep: &mut Report) -> R<Option<Permissions>> {
    let Some(pm) = v.as_map() else {
        rep.err(v, format!("Expected permissions to be a map/struct, got {}", value_text(v)));
        return Ok(None);
    };
    let mut p = Permissions::default();
    for (k, mv) in pm.iter() {
        match k.to_ascii_lowercase().as_str() {
            "pub" | "publish" | "import" => match parse_variable_permissions(mv, rep, false)? {
                Ok(sp) => p.publish = sp,
                Err(d) => rep.errors.push(d),
            },
            "sub" | "subscribe" | "export" => match parse_variable_permissions(mv, rep, true)? {
                Ok(sp) => p.subscribe = sp,
                Err(d) => rep.errors.push(d),
            },
            "publish_allow_responses" | "allow_responses" => {
                let default = ResponsePermission { max_msgs: 1, expires: Duration::from_secs(120) };
                p.response = match mv.as_bool() {
                    Some(true) => Some(default),
                    Some(false) => None,
                    None => parse_allow_responses(mv, default, rep),
                };
                if p.response.is_some() && p.publish.is_none() {
                    p.publish = Some(SubjectPermission::default());
                }
            }
            _ => {
                if !mv.used_variable {
                    rep.err(mv, format!("Unknown field {k:?} parsing permissions"));
                }
            }
        }
    }
    Ok(Some(p))
}

fn parse_allow_responses_inner(
    v: &Value,
    mut rp: ResponsePermission,
    rep: &mut Report,
) -> R<Option<ResponsePermission>> {
    let Some(m) = v.as_map() else {
        rep.err(v, "error parsing response permissions, expected a boolean or a map");
        return Ok(None);
    };
    for (k, mv) in m.iter() {
        match k.to_ascii_lowercase().as_str() {
            "max" | "max_msgs" | "max_messages" | "max_responses" => {
                let n = want_int(mv)?;
                if n != 0 {
                    rp.max_msgs = n.max(0) as usize;
                }
            }
            "expires" | "expiration" | "ttl" => {
                let Some(s) = mv.as_str() else {
                    rep.err(mv, "error parsing expires, not a duration string");
                    return Ok(None);
                };
                match gotime::parse_duration(s) {
                    Ok(0) => {}
                    Ok(n) => rp.expires = nanos_to_duration(n),
                    Err(e) => {
                        rep.err(mv, format!("error parsing expires: {e}"));
                        return Ok(None);
                    }
                }
            }
            _ => {
                if !mv.used_variable {
                    rep.err(mv, format!("Unknown field {k:?} parsing permissions"));
                }
            }
        }
    }
    Ok(Some(rp))
}

/// Publish/subscribe permissions: `{allow, deny}` map, or a subject / list of
/// subjects meaning `allow` (Go: `parseVariablePermissions`).
fn parse_variable_permissions(
    v: &Value,
    rep: &mut Report,
    allow_queue: bool,
) -> R<Result<Option<SubjectPermission>, Diagnostic>> {
    if let Some(m) = v.as_map() {
        if m.is_empty() {
            return Ok(Ok(None));
        }
        let mut sp = SubjectPermission::default();
        for (k, mv) in m.iter() {
            match k.to_ascii_lowercase().as_str() {
                "allow" => match perm_subjects(mv, allow_queue)? {
                    Ok(s) => sp.allow = s,
                    Err(d) => rep.errors.push(d),
                },
                "deny" => match perm_subjects(mv, allow_queue)? {
                    Ok(s) => sp.deny = s,
                    Err(d) => rep.errors.push(d),
                },
                _ => {
                    if !mv.used_variable {
                        rep.err(mv, format!("Unknown field name {k:?} parsing subject permissions, only 'allow' or 'deny' are permitted"));
                    }
                }
            }
        }
        return Ok(Ok(Some(sp)));
    }
    Ok(perm_subjects(v, allow_queue)?.map(|allow| Some(SubjectPermission { allow, deny: Vec::new() })))
}

fn perm_subjects(v: &Value, allow_queue: bool) -> R<Result<Vec<String>, Diagnostic>> {
    let subjects = match &v.kind {
        Kind::String(s) => vec![s.clone()],
        Kind::Array(a) => {
            let mut out = Vec::new();
            for e in a {
                match e.as_str() {
                    Some(s) => out.push(s.to_string()),
                    None => {
                        return Ok(Err(Diagnostic::at(&e.pos, "Subject in permissions array cannot be cast to string")))
                    }
                }
            }
            out
        }
        k => {
            return Ok(Err(Diagnostic::at(
                &v.pos,
                format!("Expected subject permissions to be a subject, or array of subjects, got {}", k.go_type()),
            )))
        }
    };
    for s in &subjects {
        if subject::is_valid(s) {
            continue;
        }
        let msg = if !allow_queue {
            format!("subject {s:?} is not a valid subject")
        } else {
            let parts: Vec<&str> = s.split_whitespace().collect();
            if parts.len() != 2 {
                format!("subject {s:?} is not a valid subject")
            } else if !subject::is_valid(parts[0]) {
                format!("subject {:?} is not a valid subject", parts[0])
            } else if !subject::is_valid(parts[1]) {
                format!("queue {:?} is not a valid queue", parts[1])
            } else {
                continue;
            }
        };
        return Ok(Err(Diagnostic::at(&v.pos, msg)));
    }
    Ok(Ok(subjects))
}
