//! rnats: a reference NATS server.
//!
//! Module map (one NATS concept each), from the bottom of the module graph up;
//! a module imports only modules listed before it (CI checks that there is no
//! import circle):
//! - `json`: JSON and `%q` text exactly as Go writes them, and the one way
//!   replies are built (serde values through Go's encoding).
//! - `gotime`: times and durations as Go writes and reads them (RFC 3339 with
//!   nanoseconds, log timestamps, `time.Duration`).
//! - `nuid`: unique random ids (Go's `nuid`).
//! - `varint`: Go's `encoding/binary` varints, as cluster messages carry them.
//! - `consts`: the version, protocol level and well-known account names.
//! - `subject`: subject rules (validity, matching, subset and overlap checks)
//!   and subject transforms; a leaf that imports nothing.
//! - `config`: the NATS config file format (lexer, parser, variables, includes).
//! - `options`: server options, built from a config file and command-line flags.
//! - `cli`: command-line flags, compatible with Go's.
//! - `log`: Go-format log lines on stderr.
//! - `protocol`: the protocol parser (client and route operations) and the
//!   `INFO` a server sends.
//! - `message`: the one message type, from the parser to delivery and JetStream.
//! - `sublist`: the subscription index (subject trie with wildcards and a match cache).
//! - `stats`: server-wide counters.
//! - `auth`: client authentication and permissions.
//! - `connection`: a connection of any kind (client, route, internal, ...): its
//!   outbound queue and writer, its subscriptions, and the one delivery path.
//! - `account`: accounts, each an isolated subject namespace with its sublist,
//!   and what they share: stream and service imports, subject mappings.
//! - `store`: message storage behind streams (`StreamStore`, memory and file stores).
//! - `cluster`: clustering beyond routes: `nrg`, Go's RAFT on the wire, its
//!   engine, log and driver.
//! - `jetstream`: the JetStream engine (streams, consumers, `$JS.API`) and the
//!   service that puts it on the message path.
//! - `server`: the server's state (identity, accounts, connection registry, INFO).
//! - `client`: the client protocol on client connections.
//! - `route`: routes between the servers of a cluster (handshake, interest,
//!   routed messages, gossip).
//! - `s2`: Go's S2 compression, block and stream formats (meta snapshots,
//!   replicated messages, compressed consumer assignments).
//! - `monitor`: HTTP monitoring endpoints.
//! - `system`: the system account's internal services (`$SYS.REQ.*`).
//! - `start`: starting and stopping: listeners, accept loop, signals, lame duck.
pub mod cli;
pub mod config;
pub(crate) mod consts;
pub(crate) mod gotime;
pub(crate) mod json;
pub mod options;
#[macro_use]
pub mod log;
pub(crate) mod account;
pub mod auth;
pub(crate) mod client;
pub mod cluster;
pub(crate) mod connection;
pub(crate) mod jetstream;
pub(crate) mod message;
pub(crate) mod monitor;
pub(crate) mod nuid;
pub mod protocol;
pub(crate) mod route;
pub(crate) mod s2;
pub mod server;
pub(crate) mod start;
pub(crate) mod stats;
pub mod store;
pub(crate) mod subject;
pub(crate) mod sublist;
pub(crate) mod system;
pub(crate) mod varint;
