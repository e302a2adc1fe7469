//! rnats: a reference NATS server.
//!
//! Module map (one NATS concept each):
//! - `config`: the NATS config file format (lexer, parser, variables, includes).
//! - `options`: server options, built from a config file and command-line flags.
//! - `log`: Go-format log lines on stderr.
//! - `protocol`: the client protocol parser.
//! - `sublist`: the subscription index (subject trie with wildcards and a match cache).
//! - `account`: accounts, each an isolated subject namespace.
//! - `auth`: client authentication and permissions.
//! - `client`: one client connection (reader and writer tasks, delivery).
//! - `server`: listener, accept loop, client registry, shutdown.
//! - `monitor`: HTTP monitoring endpoints.
//! - `system`: the system account's internal services (`$SYS.REQ.*`).
//! - `jetstream`: JetStream engine (streams, consumers, `$JS.API`), driven by the core.
//! - `store`: message storage behind streams (`StreamStore` trait, memory store).
pub mod cli;
pub mod config;
pub mod options;
#[macro_use]
pub mod log;
pub mod account;
pub mod auth;
pub mod client;
pub mod jetstream;
pub mod monitor;
pub mod protocol;
pub mod server;
pub mod store;
pub mod sublist;
pub mod system;
