//! Command-line flags, compatible with Go `nats-server` (`main.go`,
//! `server/opts.go` `ConfigureOptions`).
//!
//! Go's `flag` package treats `-name` and `--name` alike, so `-js`, `-sd`,
//! `-DV` are single flags, and a value may follow as `-p 4222` or `-p=4222`.
//! We first normalise every flag to `--name[=value]` (taking the next argument
//! verbatim as the value for flags that need one, as Go does even when it starts
//! with `-`), then let clap do the typing. Flag parsing stops at the first
//! non-flag argument or `--`; the first positional may be `version` or `help`.
//!
//! Flags override the config file: as Go re-parses its flags after loading the
//! file, we apply the flags that were given on top of the loaded options.
use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::options::Options;

/// The NATS server version rnats is modelled on; `-v` prints it as
/// `rnats: v2.15.1`, mirroring `nats-server: v2.15.1`.
const NATS_VERSION: &str = "2.15.1";
const EXE: &str = "rnats";

/// What `main` should do after reading the command line.
#[derive(Debug)]
pub enum CliAction {
    Run(Box<Options>),
    Exit(i32),
}

/// Result of evaluating the command line without printing anything.
#[derive(Debug)]
enum Outcome {
    /// Start the server. `warnings` are config warnings to print to stderr first.
    Run { options: Box<Options>, warnings: String },
    /// Print `stdout`/`stderr` and exit with `code`.
    Exit { stdout: String, stderr: String, code: i32 },
}

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    Bool,
    Int,
    Str,
}

/// Every Go flag: (canonical id, names, type). Names are matched exactly
/// (Go flags are case-sensitive).
const FLAGS: &[(&str, &[&str], Ty)] = &[
    ("help", &["h", "help"], Ty::Bool),
    ("port", &["port", "p"], Ty::Int),
    ("server_name", &["n", "name", "server_name"], Ty::Str),
    ("addr", &["addr", "a", "net"], Ty::Str),
    ("client_advertise", &["client_advertise"], Ty::Str),
    ("debug", &["D", "debug"], Ty::Bool),
    ("trace", &["V", "trace"], Ty::Bool),
    ("VV", &["VV"], Ty::Bool),
    ("DV", &["DV"], Ty::Bool),
    ("DVV", &["DVV"], Ty::Bool),
    ("logtime", &["T", "logtime"], Ty::Bool),
    ("logtime_utc", &["logtime_utc"], Ty::Bool),
    ("user", &["user"], Ty::Str),
    ("pass", &["pass"], Ty::Str),
    ("auth", &["auth"], Ty::Str),
    ("http_port", &["m", "http_port"], Ty::Int),
    ("https_port", &["ms", "https_port"], Ty::Int),
    ("config", &["c", "config"], Ty::Str),
    ("t", &["t"], Ty::Bool),
    ("signal", &["sl", "signal"], Ty::Str),
    ("pid", &["P", "pid"], Ty::Str),
    ("ports_file_dir", &["ports_file_dir"], Ty::Str),
    ("log", &["l", "log"], Ty::Str),
    ("log_size_limit", &["log_size_limit"], Ty::Int),
    ("syslog", &["s", "syslog"], Ty::Bool),
    ("remote_syslog", &["r", "remote_syslog"], Ty::Str),
    ("version", &["version", "v"], Ty::Bool),
    ("profile", &["profile"], Ty::Int),
    ("routes", &["routes"], Ty::Str),
    ("cluster", &["cluster", "cluster_listen"], Ty::Str),
    ("cluster_advertise", &["cluster_advertise"], Ty::Str),
    ("no_advertise", &["no_advertise"], Ty::Bool),
    ("connect_retries", &["connect_retries"], Ty::Int),
    ("cluster_name", &["cluster_name"], Ty::Str),
    ("help_tls", &["help_tls"], Ty::Bool),
    ("tls", &["tls"], Ty::Bool),
    ("tlsverify", &["tlsverify"], Ty::Bool),
    ("tlscert", &["tlscert"], Ty::Str),
    ("tlskey", &["tlskey"], Ty::Str),
    ("tlscacert", &["tlscacert"], Ty::Str),
    ("max_traced_msg_len", &["max_traced_msg_len"], Ty::Int),
    ("jetstream", &["js", "jetstream"], Ty::Bool),
    ("store_dir", &["sd", "store_dir"], Ty::Str),
];

const USAGE: &str = "
Usage: rnats [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -ms,--https_port <port>          Use port for https monitoring (needs TLS: not supported)
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to rnats process (ldm, stop, quit, term, reopen, reload)
                                     <pid> can be either a PID (e.g. 1) or the path to a PID file (e.g. /var/run/rnats.pid)
        --client_advertise <string>  Client URL to advertise to other servers
        --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports).

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
        --logtime_utc                Timestamps in UTC instead of local timezone (default: false)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -VV                              Verbose trace (traces system account as well)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace (traces system account as well)

JetStream Options:
    -js, --jetstream                 Enable JetStream functionality
    -sd, --store_dir <dir>           Set the storage directory

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

Cluster Options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect
        --cluster <cluster-url>      Cluster URL for solicited routes
        --cluster_name <string>      Cluster Name, if not set one will be dynamically generated
        --no_advertise <bool>        Do not advertise known cluster information to clients
        --cluster_advertise <string> Cluster URL to advertise to other servers
        --connect_retries <number>   For implicit routes, number of connect retries
        --cluster_listen <url>       Cluster url from which members can solicit routes

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version

Accepted for compatibility but not supported: -s/--syslog, -r/--remote_syslog,
--log_size_limit, --max_traced_msg_len, --profile, --tls* (rnats has no TLS).
";

fn lookup(name: &str) -> Option<(&'static str, Ty)> {
    FLAGS.iter().find(|(_, names, _)| names.contains(&name)).map(|(id, _, ty)| (*id, *ty))
}

/// Go's `strconv.ParseBool`.
fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err("parse error".into()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: decimal, `0x`, `0o`/`0`, `0b`, `_` separators.
fn go_int(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    let digits = if radix != 10 || digits.contains('_') { digits.replace('_', "") } else { digits };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return Err("parse error".into());
    }
    let n = i64::from_str_radix(&digits, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range".to_string(),
        _ => "parse error".to_string(),
    })?;
    Ok(if neg { -n } else { n })
}

fn command() -> Command {
    let mut cmd = Command::new(EXE)
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .arg(Arg::new("args").num_args(0..).last(true));
    for (id, names, ty) in FLAGS {
        let mut a = Arg::new(*id).long(names[0]).aliases(names[1..].iter().copied());
        a = match ty {
            Ty::Bool => a
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .value_parser(go_bool)
                .action(ArgAction::Set),
            Ty::Int => a.value_parser(go_int).action(ArgAction::Set),
            Ty::Str => a.action(ArgAction::Set),
        };
        cmd = cmd.arg(a);
    }
    cmd
}

/// Rewrites Go-style arguments into `--name[=value]` form for clap.
/// Errors carry Go's `flag` package wording.
fn normalise(args: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" || !arg.starts_with('-') || arg == "-" {
            // Go stops flag parsing here; what is left is positional.
            let rest = if arg == "--" { &args[i..] } else { &args[i - 1..] };
            if !rest.is_empty() {
                out.push("--".to_string());
                out.extend(rest.iter().cloned());
            }
            break;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(format!("bad flag syntax: {arg}"));
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some((id, ty)) = lookup(name) else {
            return Err(format!("flag provided but not defined: -{name}"));
        };
        let long = FLAGS.iter().find(|(i, _, _)| *i == id).map(|(_, n, _)| n[0]).unwrap_or(id);
        let value = match (ty, value) {
            (Ty::Bool, None) => {
                out.push(format!("--{long}"));
                continue;
            }
            (_, Some(v)) => v,
            (_, None) => {
                let Some(v) = args.get(i) else {
                    return Err(format!("flag needs an argument: -{name}"));
                };
                i += 1;
                v.as_str()
            }
        };
        // Check values here, where the name the user typed is known.
        match ty {
            Ty::Bool if go_bool(value).is_err() => {
                return Err(format!("invalid boolean value {value:?} for -{name}: parse error"))
            }
            Ty::Int => {
                if let Err(e) = go_int(value) {
                    return Err(format!("invalid value {value:?} for flag -{name}: {e}"));
                }
            }
            _ => {}
        }
        out.push(format!("--{long}={value}"));
    }
    Ok(out)
}

fn exit(stdout: impl Into<String>, stderr: impl Into<String>, code: i32) -> Outcome {
    Outcome::Exit { stdout: stdout.into(), stderr: stderr.into(), code }
}

fn die(msg: impl std::fmt::Display) -> Outcome {
    exit("", format!("{EXE}: {msg}\n"), 1)
}

/// Go prints a flag error, then the usage (on stdout), and `usage()` exits
/// with status 0. Odd, but that is what `nats-server -p abc` does.
fn flag_error(msg: &str) -> Outcome {
    exit(format!("{USAGE}\n"), format!("{msg}\n"), 0)
}

fn version_text() -> String {
    format!("{EXE}: v{NATS_VERSION}\n")
}

/// Parses `args` (without the program name) and prints any message. Returns
/// what `main` should do next.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> CliAction {
    match evaluate(args) {
        Outcome::Run { options, warnings } => {
            if !warnings.is_empty() {
                eprint!("{warnings}");
            }
            CliAction::Run(options)
        }
        Outcome::Exit { stdout, stderr, code } => {
            // Go writes flag errors to stderr before the usage text.
            eprint!("{stderr}");
            print!("{stdout}");
            CliAction::Exit(code)
        }
    }
}

/// Evaluates the command line: reads the config file, sends a `--signal`, and
/// merges flags over the file. Prints nothing.
fn evaluate<I: IntoIterator<Item = String>>(args: I) -> Outcome {
    let args: Vec<String> = args.into_iter().collect();
    let norm = match normalise(&args) {
        Ok(n) => n,
        Err(e) => return flag_error(&e),
    };
    let m = match command().try_get_matches_from(norm.iter().map(OsString::from)) {
        Ok(m) => m,
        Err(e) => return flag_error(&clap_error_text(&e)),
    };
    let flag = |id: &str| m.get_one::<bool>(id).copied();
    if flag("version") == Some(true) {
        return exit(version_text(), "", 0);
    }
    if flag("help") == Some(true) {
        return exit(format!("{USAGE}\n"), "", 0);
    }
    if flag("help_tls") == Some(true) {
        return die("TLS is not supported by rnats");
    }
    if let Some(first) = m.get_many::<String>("args").and_then(|mut a| a.next()) {
        match first.to_ascii_lowercase().as_str() {
            "version" => return exit(version_text(), "", 0),
            "help" => return exit(format!("{USAGE}\n"), "", 0),
            _ => return die(format!("unrecognized command: {first:?}")),
        }
    }
    if let Some(sig) = m.get_one::<String>("signal") {
        return match send_signal(sig) {
            Ok(()) => exit("", "", 0),
            Err(e) => die(e),
        };
    }

    let check = flag("t") == Some(true);
    let mut opts = Options::default();
    let mut warnings = String::new();
    if let Some(cfg) = m.get_one::<String>("config") {
        // Go reports a file it cannot read or parse as a plain error: one line,
        // without a position prefix, unlike the option errors and warnings
        // gathered below.
        let map = match crate::config::parse_file(std::path::Path::new(cfg)) {
            Ok(map) => map,
            Err(e) => {
                let msgs: Vec<&str> = e.warnings.iter().chain(&e.errors).map(|d| d.message.as_str()).collect();
                return die(msgs.join("\n"));
            }
        };
        opts.config_file = Some(PathBuf::from(cfg));
        opts.config_digest = map.digest();
        match opts.apply_config_map(&map, cfg) {
            Ok(w) if !w.is_empty() => {
                let text: String = w.iter().map(|d| format!("{d}\n")).collect();
                // Go's -t fails on warnings too; a normal start prints them.
                if check {
                    return die(text);
                }
                warnings = text;
            }
            Ok(_) => {}
            Err(e) => return die(e),
        }
        if check {
            return exit("", format!("{EXE}: configuration file {cfg} is valid ({})\n", opts.config_digest), 0);
        }
    } else if check {
        return die("must specify [-c, --config] option to check configuration file syntax");
    }

    if let Err(e) = apply_flags(&m, &mut opts) {
        return die(e);
    }
    if let Err(e) = opts.validate() {
        return die(e);
    }
    Outcome::Run { options: Box::new(opts), warnings }
}

fn clap_error_text(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let get = |k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    if let (Some(arg), Some(val)) = (get(ContextKind::InvalidArg), get(ContextKind::InvalidValue)) {
        let name = arg.trim_start_matches('-').split(['=', ' ', '<']).next().unwrap_or("").to_string();
        let why = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_else(|| "parse error".into());
        return format!("invalid value {val:?} for flag -{name}: {why}");
    }
    e.kind().to_string()
}

/// Applies flags given on the command line over `o` (Go: re-parse of the flags
/// after the config file, plus the fix-ups in `ConfigureOptions`).
fn apply_flags(m: &ArgMatches, o: &mut Options) -> Result<(), String> {
    let given = |id: &str| matches!(m.value_source(id), Some(clap::parser::ValueSource::CommandLine));
    let s = |id: &str| m.get_one::<String>(id).cloned();
    let i = |id: &str| m.get_one::<i64>(id).copied().unwrap_or(0);
    let b = |id: &str| m.get_one::<bool>(id).copied().unwrap_or(false);
    let to_i32 = |n: i64| n.clamp(i32::MIN as i64, i32::MAX as i64) as i32;

    if given("port") {
        o.port = to_i32(i("port"));
    }
    if given("server_name") {
        o.server_name = s("server_name");
    }
    if given("addr") {
        o.host = s("addr").unwrap_or_default();
    }
    if given("client_advertise") {
        o.client_advertise = s("client_advertise");
    }
    if given("debug") {
        o.debug = b("debug");
    }
    if given("trace") {
        o.trace = b("trace");
    }
    if given("logtime") {
        o.logtime = b("logtime");
    }
    if given("logtime_utc") {
        o.logtime_utc = b("logtime_utc");
    }
    if given("user") {
        o.username = s("user");
    }
    if given("pass") {
        o.password = s("pass");
    }
    if given("auth") {
        o.authorization = s("auth");
    }
    if given("http_port") {
        o.http_port = to_i32(i("http_port"));
    }
    if given("https_port") {
        o.https_port = to_i32(i("https_port"));
    }
    if given("pid") {
        o.pid_file = s("pid").map(PathBuf::from);
    }
    if given("ports_file_dir") {
        o.ports_file_dir = s("ports_file_dir").map(PathBuf::from);
    }
    if given("log") {
        o.log_file = s("log").map(PathBuf::from);
    }
    if given("cluster_advertise") {
        o.cluster.advertise = s("cluster_advertise");
    }
    if given("no_advertise") {
        o.cluster.no_advertise = b("no_advertise");
    }
    if given("connect_retries") {
        o.cluster.connect_retries = to_i32(i("connect_retries"));
    }
    if given("cluster_name") {
        o.cluster.name = s("cluster_name");
    }
    if given("jetstream") {
        o.jetstream.enabled = b("jetstream");
    }
    if given("store_dir") {
        o.jetstream.store_dir = s("store_dir").map(PathBuf::from);
    }
    // Combined switches set both levels, to the given value (Go: ConfigureOptions).
    if given("VV") {
        o.trace = b("VV");
        o.trace_verbose = b("VV");
    }
    if given("DV") {
        o.debug = b("DV");
        o.trace = b("DV");
    }
    if given("DVV") {
        o.debug = b("DVV");
        o.trace = b("DVV");
        o.trace_verbose = b("DVV");
    }
    if given("cluster") {
        override_cluster(o, &s("cluster").unwrap_or_default())?;
    }
    let routes = s("routes");
    if given("routes") {
        o.cluster.routes = routes
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| r.split(',').map(|x| x.trim().to_string()).collect())
            .unwrap_or_default();
    }
    if routes.is_some_and(|r| !r.is_empty()) && !given("cluster") && o.cluster.host.is_empty() && o.cluster.port == 0 {
        return Err("solicited routes require cluster capabilities, e.g. --cluster".into());
    }
    for tls in ["tls", "tlsverify", "tlscert", "tlskey", "tlscacert"] {
        if given(tls) {
            return Err(format!("--{tls}: TLS is not supported by rnats"));
        }
    }
    Ok(())
}

/// `--cluster nats://[user:pass@]host:port` (Go: `overrideCluster`). An empty
/// value disables clustering; port `-1` means random.
fn override_cluster(o: &mut Options, url: &str) -> Result<(), String> {
    if url.is_empty() {
        o.cluster.port = 0;
        return Ok(());
    }
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = crate::options::split_host_port(hostport)
        .ok_or_else(|| format!("address {hostport}: missing port in address"))?;
    o.cluster.host = host.to_string();
    o.cluster.port = port.parse().map_err(|_| format!("expected integer, got {port:?}"))?;
    match userinfo {
        Some(u) => {
            let (user, pass) = u.split_once(':').ok_or("expected cluster password to be set")?;
            o.cluster.username = Some(user.to_string());
            o.cluster.password = Some(pass.to_string());
        }
        None => {
            o.cluster.username = None;
            o.cluster.password = None;
        }
    }
    Ok(())
}

/// `--signal <cmd>[=<pid or pid file>]` (Go: `processSignal`,
/// `server/signal.go` `CommandToSignal`). Note Go maps `stop` to SIGKILL and
/// `term` to SIGTERM. Without a pid Go searches with `pgrep`; we require one.
fn send_signal(spec: &str) -> Result<(), String> {
    let parts: Vec<&str> = spec.split('=').collect();
    if parts.len() > 2 {
        return Err(format!("invalid signal parameters: {:?}", &parts[2..]));
    }
    let cmd = parts[0];
    let signum = match cmd {
        "stop" => libc::SIGKILL,
        "quit" => libc::SIGINT,
        "reopen" => libc::SIGUSR1,
        "reload" => libc::SIGHUP,
        "ldm" => libc::SIGUSR2,
        "term" => libc::SIGTERM,
        _ => return Err(format!("unknown signal {cmd:?}")),
    };
    let Some(pid_expr) = parts.get(1) else {
        return Err("unable to resolve pid, try providing one".into());
    };
    // The pid may be a path to a pid file.
    let pid_str = std::fs::read_to_string(pid_expr).unwrap_or_else(|_| pid_expr.to_string());
    let pid: i32 = pid_str.trim().parse().ok().filter(|p| *p > 0).ok_or_else(|| format!("invalid pid: {pid_str}"))?;
    // SAFETY: kill(2) has no memory-safety preconditions.
    let rc = unsafe { libc::kill(pid, signum) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        let reason = match err.raw_os_error() {
            Some(libc::ESRCH) => "no such process".to_string(),
            Some(libc::EPERM) => "operation not permitted".to_string(),
            _ => err.to_string(),
        };
        return Err(format!("\nsignal {cmd:?} {pid}: {reason}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
