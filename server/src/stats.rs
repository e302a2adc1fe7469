//! Server-wide message and connection counters (Go's `Server` fields `inMsgs`,
//! `outMsgs`, `slowConsumers`, ... that `/varz` and `STATSZ` report).
use std::sync::atomic::AtomicU64;

#[derive(Default)]
pub(crate) struct Stats {
    pub in_msgs: AtomicU64,
    pub out_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_bytes: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub stale_connections: AtomicU64,
    pub stalled_clients: AtomicU64,
    pub total_connections: AtomicU64,
}
