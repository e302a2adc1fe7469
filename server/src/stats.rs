//! Server-wide message and connection counters (Go's `Server` fields `inMsgs`,
//! `outMsgs`, `slowConsumers`, ... that `/varz` and `STATSZ` report).
use std::sync::atomic::AtomicU64;

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) in_msgs: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
    pub(crate) slow_consumers: AtomicU64,
    pub(crate) stale_connections: AtomicU64,
    pub(crate) stalled_clients: AtomicU64,
    pub(crate) total_connections: AtomicU64,
}
