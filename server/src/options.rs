//! Server options: what a config file and the command line can set.
//!
//! Field names follow Go's `server/opts.go` `Options` struct (snake-cased), so a
//! reader can map a Go config key to a field without a table.
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{self, ConfigError, Diagnostic};

mod from_config;
mod imports;
mod mappings;
pub(crate) use from_config::split_host_port;
#[cfg(test)]
mod tests;

/// A user entry from `authorization { users: [...] }` or an account's `users`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    pub(crate) username: String,
    /// Plain text, or a bcrypt hash (starts with `$2`).
    pub(crate) password: String,
    pub(crate) permissions: Option<Permissions>,
    /// Account this user binds to; `None` means the global account `$G`.
    /// Users defined inside `accounts { A { users: [...] } }` appear both here
    /// (in `Options::users`, as in Go) and in `AccountOpts::users`.
    pub(crate) account: Option<String>,
}

/// An nkey user: the public key (starts with `U`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NkeyUser {
    pub nkey: String,
    pub permissions: Option<Permissions>,
    pub account: Option<String>,
}

/// Allow/deny subject lists for one direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SubjectPermission {
    pub(crate) allow: Vec<String>,
    pub(crate) deny: Vec<String>,
}

/// `allow_responses`: lets a user publish to reply subjects it received.
///
/// When set, Go makes the publish allow list non-nil; so `response.is_some()`
/// with an empty `publish.allow` means "publish only to reply subjects".
/// (An empty allow list without `response` means "no allow restriction".)
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResponsePermission {
    pub(crate) max_msgs: usize,
    pub(crate) expires: Duration,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permissions {
    pub(crate) publish: Option<SubjectPermission>,
    pub(crate) subscribe: Option<SubjectPermission>,
    pub(crate) response: Option<ResponsePermission>,
}

/// One `accounts { NAME { ... } }` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountOpts {
    pub(crate) name: String,
    pub(crate) users: Vec<User>,
    pub(crate) nkeys: Vec<NkeyUser>,
    pub(crate) jetstream: bool,
    /// Limits from an account's `jetstream { ... }` map (`None` for
    /// `jetstream: enabled`, i.e. unlimited).
    pub(crate) jetstream_limits: Option<JsAccountLimits>,
    /// What the account offers other accounts (`exports`).
    pub(crate) exports: Vec<ExportOpts>,
    /// What the account takes from other accounts (`imports`), checked
    /// against the exports and for cycles.
    pub(crate) imports: Vec<ImportOpts>,
    /// Subject mappings for the account's publishers (`mappings`).
    pub(crate) mappings: Vec<MappingOpts>,
}

/// How many responses a service export sends back per request (Go's
/// `ServiceRespType`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ResponseType {
    #[default]
    Singleton,
    Streamed,
    Chunked,
}

/// One `exports` entry: a stream or a service, public or for the listed accounts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExportOpts {
    pub(crate) subject: String,
    pub(crate) service: bool,
    /// `None`: public (an empty list is public too).
    pub(crate) accounts: Option<Vec<String>>,
    pub(crate) response_type: ResponseType,
    /// How long responses may take (`response_threshold`); Go's default is 2m.
    pub(crate) response_threshold: Option<Duration>,
    /// `account_token_position`: the 1-based token (a `*` in the export)
    /// that must be the importing account's name; 0 when unset.
    pub(crate) account_token_position: usize,
}

/// One `imports` entry. `subject` is the exporter's subject; `to` the local
/// one (a service's local subject, or a stream's mapped subject, with the
/// prefix already applied).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ImportOpts {
    pub(crate) account: String,
    pub(crate) subject: String,
    pub(crate) service: bool,
    pub(crate) to: String,
    /// A service import that shares the requester's details with the
    /// exporter (`share`).
    pub(crate) share: bool,
}

/// One mapping: a source subject and its destinations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappingOpts {
    pub(crate) source: String,
    pub(crate) dests: Vec<MapDest>,
}

/// A mapping destination with its weight in percent, optionally only for
/// the servers of one cluster (Go's `MapDest`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapDest {
    pub(crate) subject: String,
    pub(crate) weight: u8,
    pub(crate) cluster: String,
}

/// Per-account JetStream limits (Go `JetStreamAccountLimits`); -1 = unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JsAccountLimits {
    pub(crate) max_memory: i64,
    pub(crate) max_store: i64,
    pub(crate) max_streams: i64,
    pub(crate) max_consumers: i64,
    pub(crate) max_ack_pending: i64,
    pub(crate) memory_max_stream_bytes: i64,
    pub(crate) store_max_stream_bytes: i64,
    pub(crate) max_bytes_required: bool,
}

impl Default for JsAccountLimits {
    fn default() -> Self {
        JsAccountLimits {
            max_memory: -1,
            max_store: -1,
            max_streams: -1,
            max_consumers: -1,
            max_ack_pending: -1,
            memory_max_stream_bytes: -1,
            store_max_stream_bytes: -1,
            max_bytes_required: false,
        }
    }
}

/// `jetstream { ... }` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JetStreamOpts {
    pub enabled: bool,
    pub store_dir: Option<PathBuf>,
    pub(crate) max_memory: Option<i64>,
    pub(crate) max_file: Option<i64>,
    pub(crate) domain: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) prev_key: Option<String>,
    pub(crate) cipher: Option<String>,
    pub(crate) sync_interval: Option<String>,
}

/// `cluster { ... }` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterOpts {
    pub(crate) name: Option<String>,
    pub(crate) host: String,
    pub(crate) port: i32,
    pub(crate) routes: Vec<String>,
    pub(crate) advertise: Option<String>,
    pub(crate) no_advertise: bool,
    pub(crate) connect_retries: i32,
    /// `ping_interval` and `ping_max` for routes (else the server's).
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) ping_max: Option<i32>,
    /// `authorization { timeout }`: how long an accepted route may take to
    /// send its CONNECT (Go's default is 2 s).
    pub(crate) auth_timeout: Option<Duration>,
    /// `pool_size`: route connections per remote (default 3; below 1, none).
    pub(crate) pool_size: Option<i64>,
    /// `accounts`: accounts with a route connection of their own.
    pub(crate) accounts: Vec<String>,
    /// `permissions { import, export }`: what routes may bring in (as
    /// publish rights) and what interest they may ask for (as subscribe).
    pub(crate) permissions: Option<Permissions>,
    /// Route credentials from `cluster { authorization {...} }` or the `--cluster` URL.
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

/// Go's `DEFAULT_MAX_CLOSED_CLIENTS`.
const DEFAULT_MAX_CLOSED_CLIENTS: i32 = 10_000;

/// All server options. Defaults are Go's (`server/const.go`, `opts.go` `setBaselineOptions`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub config_file: Option<PathBuf>,
    /// Digest of the parsed config file (Go's `configDigest`), empty without one.
    pub config_digest: String,
    pub server_name: Option<String>,
    /// `server_tags`: lower-cased, trimmed, without duplicates (Go's
    /// `jwt.TagList`); JetStream placement matches them.
    pub server_tags: Vec<String>,
    pub host: String,
    /// Client port; `-1` picks a random free port (Go's `RANDOM_PORT`).
    pub port: i32,
    pub client_advertise: Option<String>,
    pub http_host: String,
    /// Monitoring port; 0 means disabled, `-1` random.
    pub http_port: i32,
    /// HTTPS monitoring port. rnats has no TLS, so a non-zero value is refused
    /// by `Options::validate`.
    pub https_port: i32,
    pub http_base_path: String,
    pub max_connections: i32,
    pub max_subscriptions: i32,
    /// Most tokens a client subscription subject may have; 0 means no limit
    /// (Go's `MaxSubTokens`, `max_sub_tokens`).
    pub max_sub_tokens: u8,
    /// Closed connections remembered for `/connz?state=closed` (Go's
    /// `MaxClosedClients`, default `DEFAULT_MAX_CLOSED_CLIENTS`).
    pub max_closed_clients: i32,
    pub max_payload: i32,
    pub max_pending: i64,
    pub max_control_line: i32,
    pub ping_interval: Duration,
    pub max_pings_out: i32,
    pub write_deadline: Duration,
    pub auth_timeout: Duration,
    pub lame_duck_duration: Duration,
    pub lame_duck_grace_period: Duration,
    pub no_header_support: bool,
    pub disable_sublist_cache: bool,
    // Auth (global).
    pub username: Option<String>,
    pub password: Option<String>,
    pub authorization: Option<String>,
    /// An `authorization {}` block was given (Go's `authBlockDefined`).
    pub auth_block_defined: bool,
    pub users: Vec<User>,
    pub nkeys: Vec<NkeyUser>,
    pub no_auth_user: Option<String>,
    /// The no-auth user the server made up (see `server`), if it did.
    pub sys_only_no_auth_user: Option<String>,
    pub accounts: Vec<AccountOpts>,
    /// Server-level `mappings`: the global account's.
    pub mappings: Vec<MappingOpts>,
    pub system_account: Option<String>,
    pub no_system_account: bool,
    pub jetstream: JetStreamOpts,
    pub cluster: ClusterOpts,
    // Logging.
    pub debug: bool,
    pub trace: bool,
    /// Also trace the system account (`trace_verbose`, `-VV`).
    pub trace_verbose: bool,
    pub logtime: bool,
    pub logtime_utc: bool,
    pub log_file: Option<PathBuf>,
    pub pid_file: Option<PathBuf>,
    pub ports_file_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_file: None,
            config_digest: String::new(),
            server_name: None,
            server_tags: Vec::new(),
            host: "0.0.0.0".into(),
            port: 4222,
            client_advertise: None,
            http_host: "0.0.0.0".into(),
            http_port: 0,
            https_port: 0,
            http_base_path: String::new(),
            max_connections: 64 * 1024,
            max_subscriptions: 0,
            max_sub_tokens: 0,
            max_closed_clients: DEFAULT_MAX_CLOSED_CLIENTS,
            max_payload: 1024 * 1024,
            max_pending: 64 * 1024 * 1024,
            max_control_line: 4096,
            ping_interval: Duration::from_secs(120),
            max_pings_out: 2,
            write_deadline: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(2),
            lame_duck_duration: Duration::from_secs(120),
            lame_duck_grace_period: Duration::from_secs(10),
            no_header_support: false,
            disable_sublist_cache: false,
            username: None,
            password: None,
            authorization: None,
            auth_block_defined: false,
            users: Vec::new(),
            nkeys: Vec::new(),
            no_auth_user: None,
            sys_only_no_auth_user: None,
            accounts: Vec::new(),
            mappings: Vec::new(),
            system_account: None,
            no_system_account: false,
            jetstream: JetStreamOpts::default(),
            cluster: ClusterOpts::default(),
            debug: false,
            trace: false,
            trace_verbose: false,
            logtime: true,
            logtime_utc: false,
            log_file: None,
            pid_file: None,
            ports_file_dir: None,
        }
    }
}

impl Options {
    /// Reads a config file over the defaults. Warnings alone do not fail
    /// (as Go's `server.ProcessConfigFile`); use [`Options::apply_config_file`]
    /// to see them.
    #[cfg(test)]
    fn from_config_file(path: impl AsRef<std::path::Path>) -> Result<Options, ConfigError> {
        let mut o = Options::default();
        o.apply_config_file(path)?;
        Ok(o)
    }

    /// Reads config text over the defaults (`include` is relative to the cwd).
    pub fn from_config_str(data: &str) -> Result<Options, ConfigError> {
        let mut o = Options::default();
        let map = config::parse_str(data)?;
        o.apply_config_map(&map, "")?;
        Ok(o)
    }

    /// Applies a config file onto `self` (keys absent from the file keep their
    /// current value). `Ok` carries warnings; `Err` holds errors and warnings.
    #[cfg(test)]
    fn apply_config_file(&mut self, path: impl AsRef<std::path::Path>) -> Result<Vec<Diagnostic>, ConfigError> {
        let path = path.as_ref();
        self.config_file = Some(path.to_path_buf());
        let map = config::parse_file(path)?;
        self.config_digest = map.digest();
        self.apply_config_map(&map, &path.to_string_lossy())
    }

    /// Applies an already parsed config tree (Go: `processConfigFile`).
    pub(crate) fn apply_config_map(&mut self, map: &config::Map, file: &str) -> Result<Vec<Diagnostic>, ConfigError> {
        let mut rep = from_config::Report::default();
        if map.is_empty() {
            rep.warnings.push(Diagnostic::new(None, format!("{file}: config has no values or is empty")));
        }
        self.configure_system_account(map, &mut rep);
        for (k, v) in map.iter() {
            self.apply_key(k, v, &mut rep);
        }
        if rep.errors.is_empty() {
            return Ok(rep.warnings);
        }
        Err(ConfigError { errors: rep.errors, warnings: rep.warnings })
    }

    /// Checks that only features rnats implements are requested.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.max_closed_clients < 0 {
            // Go would panic sizing its ring buffer.
            return Err("max_closed_clients can not be negative".into());
        }
        if self.https_port != 0 {
            return Err("https monitoring requires TLS, which rnats does not support".into());
        }
        Ok(())
    }
}
