//! rnats: a reference NATS server.
//!
//! Module map (one NATS concept each):
//! - `config`: the NATS config file format (lexer, parser, variables, includes).
//! - `options`: server options, built from a config file and command-line flags.
pub mod config;
pub mod options;
