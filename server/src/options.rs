//! Server options: what a config file and the command line can set.
//!
//! Field names follow Go's `server/opts.go` `Options` struct (snake-cased), so a
//! reader can map a Go config key to a field without a table.
use std::path::PathBuf;
use std::time::Duration;

/// A user entry from `authorization { users: [...] }` or an account's `users`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    pub username: String,
    /// Plain text, or a bcrypt hash (starts with `$2`).
    pub password: String,
    pub permissions: Option<Permissions>,
    /// Account this user binds to; `None` means the global account `$G`.
    pub account: Option<String>,
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
pub struct SubjectPermission {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

/// `allow_responses`: lets a user publish to reply subjects it received.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsePermission {
    pub max_msgs: usize,
    pub expires: Duration,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permissions {
    pub publish: Option<SubjectPermission>,
    pub subscribe: Option<SubjectPermission>,
    pub response: Option<ResponsePermission>,
}

/// One `accounts { NAME { ... } }` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountOpts {
    pub name: String,
    pub users: Vec<User>,
    pub nkeys: Vec<NkeyUser>,
    pub jetstream: bool,
}

/// `jetstream { ... }` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JetStreamOpts {
    pub enabled: bool,
    pub store_dir: Option<PathBuf>,
    pub max_memory: Option<i64>,
    pub max_file: Option<i64>,
    pub domain: Option<String>,
    pub key: Option<String>,
    pub prev_key: Option<String>,
    pub cipher: Option<String>,
    pub sync_interval: Option<String>,
}

/// `cluster { ... }` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterOpts {
    pub name: Option<String>,
    pub host: String,
    pub port: i32,
    pub routes: Vec<String>,
}

/// All server options. Defaults are Go's (`server/const.go`, `opts.go` `setBaselineOptions`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub config_file: Option<PathBuf>,
    pub server_name: Option<String>,
    pub host: String,
    /// Client port; `-1` picks a random free port (Go's `RANDOM_PORT`).
    pub port: i32,
    pub client_advertise: Option<String>,
    pub http_host: String,
    /// Monitoring port; 0 means disabled, `-1` random.
    pub http_port: i32,
    pub http_base_path: String,
    pub max_connections: i32,
    pub max_subscriptions: i32,
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
    pub users: Vec<User>,
    pub nkeys: Vec<NkeyUser>,
    pub no_auth_user: Option<String>,
    pub accounts: Vec<AccountOpts>,
    pub system_account: Option<String>,
    pub jetstream: JetStreamOpts,
    pub cluster: ClusterOpts,
    // Logging.
    pub debug: bool,
    pub trace: bool,
    pub logtime: bool,
    pub log_file: Option<PathBuf>,
    pub pid_file: Option<PathBuf>,
    pub ports_file_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_file: None,
            server_name: None,
            host: "0.0.0.0".into(),
            port: 4222,
            client_advertise: None,
            http_host: "0.0.0.0".into(),
            http_port: 0,
            http_base_path: String::new(),
            max_connections: 64 * 1024,
            max_subscriptions: 0,
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
            users: Vec::new(),
            nkeys: Vec::new(),
            no_auth_user: None,
            accounts: Vec::new(),
            system_account: None,
            jetstream: JetStreamOpts::default(),
            cluster: ClusterOpts::default(),
            debug: false,
            trace: false,
            logtime: true,
            log_file: None,
            pid_file: None,
            ports_file_dir: None,
        }
    }
}
