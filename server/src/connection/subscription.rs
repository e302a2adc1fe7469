//! Subscriptions: what a connection asked to receive, held in its account's
//! sublist (Go's `subscription` in `server/client.go`). A subscription of an
//! internal connection carries a callback instead of a socket (Go's `icb`):
//! the system services and JetStream listen this way.
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::Connection;
use crate::message::Msg;

/// A subscription held in an account's sublist.
pub(crate) struct Subscription {
    pub(crate) conn: Arc<Connection>,
    /// Unique key inside the sublist.
    pub(crate) key: u64,
    pub(crate) subject: Box<str>,
    pub(crate) queue: Option<Box<str>>,
    pub(crate) sid: Bytes,
    /// Auto-unsubscribe limit; 0 means none.
    pub(crate) max: AtomicU64,
    pub(crate) delivered: AtomicU64,
    /// A route's queue subscription stands for this many members on the
    /// server at the other end (Go's `qw`); 1 otherwise.
    pub(crate) qw: AtomicI32,
    /// Set on the server's own subscriptions: a matching message is handed
    /// to this callback instead of being written to a connection.
    pub(crate) icb: Option<InternalCallback>,
}

/// Handler of an internal subscription (Go's `msgHandler`): the message and
/// the connection that published it (`None` when the server did). It runs on
/// the publisher's thread, so it must not block.
pub(crate) type InternalCallback = Arc<dyn Fn(&Msg, Option<&Arc<Connection>>) + Send + Sync>;

static NEXT_SUB_KEY: AtomicU64 = AtomicU64::new(1);

impl Subscription {
    /// A subscription of `conn`, not registered anywhere yet.
    pub(crate) fn new(conn: &Arc<Connection>, subject: &str, queue: Option<&str>, sid: Bytes) -> Arc<Self> {
        Arc::new(Subscription {
            conn: Arc::clone(conn),
            key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
            subject: subject.into(),
            queue: queue.map(Into::into),
            sid,
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            qw: AtomicI32::new(1),
            icb: None,
        })
    }

    /// A server-owned subscription on `subject` held by the internal
    /// connection `conn` (see [`Connection::new_internal`]).
    pub(crate) fn new_internal(conn: &Arc<Connection>, subject: &str, sid: u64, icb: InternalCallback) -> Arc<Self> {
        Arc::new(Subscription {
            conn: Arc::clone(conn),
            key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
            subject: subject.into(),
            queue: None,
            sid: Bytes::from(sid.to_string()),
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            qw: AtomicI32::new(1),
            icb: Some(icb),
        })
    }
}
