//! Subscriptions: what a connection asked to receive, held in its account's
//! sublist (Go's `subscription` in `server/client.go`). A subscription of an
//! internal connection carries a callback instead of a socket (Go's `icb`):
//! the system services and JetStream listen this way.
//!
//! Imports add two more shapes (Go's `sub.im` and the service import
//! subscriptions of `server/accounts.go`): a *shadow* subscription stands in
//! the exporting account for a client's subscription in the importing one,
//! and delivers under the import's local subject; an *import* subscription
//! carries a callback that takes the publisher along (a service import sends
//! the message on into another account and says whether anyone got it).
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::deliver::Publisher;
use super::Connection;
use crate::message::Msg;
use crate::sublist::Sublist;

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
    /// Set on service import subscriptions: the callback forwards the
    /// message and returns whether it was delivered.
    pub(crate) import_cb: Option<ImportCallback>,
    /// Interest that stays on this server: routes are not told of it (Go's
    /// `noForward`, for service import subscriptions).
    pub(crate) local_only: bool,
    /// On a shadow subscription: the subject its receiver is shown.
    pub(crate) shown_as: Option<ImportSubject>,
    /// The shadow subscriptions standing for this one in exporting accounts;
    /// they go when it goes.
    pub(crate) shadows: Mutex<Vec<Shadow>>,
}

/// Handler of an import subscription: the message and the publisher, whose
/// origin and chain of service imports it checks; returns whether the
/// message reached anyone.
pub(crate) type ImportCallback = Arc<dyn Fn(&Msg, &mut Publisher) -> bool + Send + Sync>;

/// The subject a stream import delivers under (Go's `streamImport`: `tr`,
/// `usePub`, or the literal `to`).
pub(crate) enum ImportSubject {
    /// The published subject, unchanged.
    Published,
    /// Always this subject.
    Literal(Bytes),
    /// The published subject through the transform `src -> dest`.
    Transform { src: Box<str>, dest: Box<str> },
}

impl ImportSubject {
    pub(crate) fn apply(&self, subject: &Bytes) -> Option<Bytes> {
        match self {
            ImportSubject::Published => Some(subject.clone()),
            ImportSubject::Literal(s) => Some(s.clone()),
            ImportSubject::Transform { src, dest } => {
                let s = std::str::from_utf8(subject).ok()?;
                crate::subject::transform::transform_subject(src, dest, s).map(Bytes::from)
            }
        }
    }
}

/// A shadow subscription and the exporting account's index that holds it.
pub(crate) struct Shadow {
    pub(crate) sublist: Arc<Sublist<Subscription>>,
    pub(crate) sub: Arc<Subscription>,
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
            import_cb: None,
            local_only: false,
            shown_as: None,
            shadows: Mutex::new(Vec::new()),
        })
    }

    /// A shadow of `sub` on `subject` in an exporting account, delivering
    /// to `sub`'s connection under `shown_as`.
    pub(crate) fn new_shadow(sub: &Subscription, subject: &str, shown_as: ImportSubject) -> Arc<Self> {
        Arc::new(Subscription {
            conn: Arc::clone(&sub.conn),
            key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
            subject: subject.into(),
            queue: sub.queue.clone(),
            sid: sub.sid.clone(),
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            qw: AtomicI32::new(1),
            // An internal subscription's shadow calls the same callback.
            icb: sub.icb.clone(),
            import_cb: None,
            local_only: false,
            shown_as: Some(shown_as),
            shadows: Mutex::new(Vec::new()),
        })
    }

    /// An import subscription of the internal connection `conn`; with
    /// `local_only`, routes do not hear of it.
    pub(crate) fn new_import(
        conn: &Arc<Connection>,
        subject: &str,
        sid: u64,
        local_only: bool,
        cb: ImportCallback,
    ) -> Arc<Self> {
        Arc::new(Subscription {
            conn: Arc::clone(conn),
            key: NEXT_SUB_KEY.fetch_add(1, Ordering::Relaxed),
            subject: subject.into(),
            queue: None,
            sid: Bytes::from(sid.to_string()),
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            qw: AtomicI32::new(1),
            icb: None,
            import_cb: Some(cb),
            local_only,
            shown_as: None,
            shadows: Mutex::new(Vec::new()),
        })
    }

    /// Removes the shadows of this subscription from their accounts.
    pub(crate) fn drop_shadows(&self) {
        let shadows = std::mem::take(&mut *super::lock(&self.shadows));
        for sh in shadows {
            if sh.sublist.remove(&sh.sub.subject, sh.sub.queue.as_deref(), sh.sub.key) {
                sh.sublist.interest_changed(&sh.sub, -1);
            }
        }
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
            import_cb: None,
            local_only: false,
            shown_as: None,
            shadows: Mutex::new(Vec::new()),
        })
    }
}
