//! The NATS conformance suite: Gherkin scenarios that drive any NATS server over the
//! wire, with process control, checked against upstream nats-server.
//!
//! Layers, from the outside in:
//! - `suite`: runs the features against one target and collects `results`;
//! - `catalog`: finds scenarios, gives them stable ids, decides what is skipped;
//! - `target`: target profiles (how to launch a server, its version, what it lacks);
//! - `oracle`: the pinned Go oracle, installed on first use;
//! - `expectations`: scenarios a target is known to fail, with reasons;
//! - `world` + `steps`: the cucumber world and the step vocabulary;
//! - `harness`: server processes (config, ports, start, kill, reload, signals);
//! - `cluster`: clusters of those (node config, readiness, the partition proxy);
//! - `raw`: a raw TCP client for exact protocol bytes;
//! - `wire`: the one reader of server protocol frames, shared by `raw`, `bench` and `crash`;
//! - `golden`: insta snapshots of JSON replies;
//! - `report`: Markdown, JSON, JUnit and HTML parity reports, and the terminal's summary;
//! - `browser`: opening the HTML report (`report --open`);
//! - `bench`: the same workloads against several targets, with ratios to Go;
//! - `crash`: `kill -9` under acknowledged JetStream publishes, then check nothing acknowledged is lost;
//! - `progress`: how far a long run has got (a live bar on a terminal, plain lines elsewhere).
pub mod bench;
pub mod browser;
pub mod capture;
pub mod catalog;
pub mod cluster;
pub mod crash;
pub mod expectations;
pub mod golden;
pub mod harness;
pub mod oracle;
pub mod progress;
pub mod raw;
pub mod report;
pub mod results;
pub mod steps;
pub mod suite;
pub mod target;
mod wire;
pub mod world;

/// The workspace root, where `features/`, `golden/` and `.oracle/` live.
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
