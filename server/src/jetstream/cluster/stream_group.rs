//! The state of this server's replica of a clustered stream, and the
//! events that drive it (Go's `streamAssignment` runtime fields and the
//! stream's `node`, `clseq` and `clfs`). The engine's side, which applies
//! them, is `jetstream::replication`.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::assignment::AssetChange;
use super::catchup::{Receiving, SysSub};
use crate::cluster::nrg::codec::Entry;
use crate::cluster::nrg::driver::Group;
use crate::jetstream::consumer::{ConsumerSnapshot, StateFingerprint};

/// What reaches the engine from the cluster layer.
#[derive(Debug)]
pub(crate) enum ClusterEvent {
    /// A stream's assignment changed.
    Asset(AssetChange),
    /// A stream's group (or, naming one, a consumer's) committed `entries`
    /// up to `index`.
    Committed { account: String, stream: String, consumer: Option<String>, index: u64, entries: Vec<Entry> },
    /// This server leads a stream's (or a consumer's) group now, or no
    /// longer.
    Leading { account: String, stream: String, consumer: Option<String>, on: bool },
    /// A follower asks this server, as a stream's leader, for what it lacks
    /// (`$JSC.SYNC`): the request's body and the follower's inbox.
    SyncRequest { account: String, stream: String, inbox: String, body: Vec<u8> },
    /// A follower acked (or, with a reason, aborted) a catch-up message of
    /// the catch-up `id`; `size` is what the ack subject says was sent.
    CatchupAck { id: u64, size: u64, abort: Option<String> },
    /// A catch-up message for a stream this server follows: the entry, the
    /// ack subject, and the catch-up's inbox (stale inboxes are ignored).
    CatchupMsg { account: String, stream: String, inbox: String, data: Vec<u8>, ack: Option<String> },
}

/// Where cluster events go: the engine thread's queue.
pub(crate) type ClusterSink = Arc<dyn Fn(ClusterEvent) + Send + Sync>;

/// A replica of a clustered stream on this server.
pub(crate) struct StreamGroup {
    /// The stream's assignment.
    pub(crate) sa: Value,
    /// The NRG group; `None` for a single replica.
    pub(crate) group: Option<Group>,
    pub(crate) leader: bool,
    /// The leader's clustered last sequence: the `lseq` of its next
    /// proposal (Go's `clseq`).
    pub(crate) clseq: u64,
    /// Entries that failed when applied (Go's `clfs`), kept in `clfs_file`.
    pub(crate) clfs: u64,
    pub(crate) clfs_file: Option<PathBuf>,
    /// A create or update answer waiting for this replica to lead: the
    /// response type and the reply subject.
    pub(crate) pending: Option<(&'static str, String)>,
    /// Following: the catch-up from a snapshot under way.
    pub(crate) receiving: Option<Receiving>,
    /// Leading: the subscription that takes followers' sync requests.
    pub(crate) sync_sub: Option<SysSub>,
    /// Entries applied since this replica last snapshotted its group, when
    /// that was (or when the replica started), and whether it has since it
    /// started.
    pub(crate) since_snapshot: u64,
    pub(crate) snapshotted: std::time::Instant,
    pub(crate) snapshot_taken: bool,
}

impl StreamGroup {
    /// A replica with no group yet, or a single one.
    pub(crate) fn new(sa: Value, clseq: u64, clfs: u64, clfs_file: Option<PathBuf>) -> StreamGroup {
        StreamGroup {
            sa,
            group: None,
            leader: false,
            clseq,
            clfs,
            clfs_file,
            pending: None,
            receiving: None,
            sync_sub: None,
            since_snapshot: 0,
            snapshotted: std::time::Instant::now(),
            snapshot_taken: false,
        }
    }

    /// Whether the replica is catching up from a snapshot.
    pub(crate) fn is_catching_up(&self) -> bool {
        self.receiving.is_some()
    }

    pub(crate) fn is_leader(&self) -> bool {
        self.leader
    }

    /// The NRG group (`None` for a single replica).
    pub(crate) fn group_handle(&self) -> Option<&Group> {
        self.group.as_ref()
    }
}

/// The clustered state of an engine: the groups by account and stream.
pub(crate) type Groups = HashMap<(String, String), StreamGroup>;

/// What the publish path does with a message for a clustered stream.
pub(crate) enum Routed {
    /// Not clustered (or a single replica that leads): store it here.
    Local,
    /// Proposed to the stream's group, refused by its leader (with the
    /// pub ack to send), or left to the leader.
    Handled(Vec<crate::message::Msg>),
}

/// A replica of a clustered consumer on this server (its stream has one
/// here too).
pub(crate) struct ConsumerGroup {
    /// The consumer's assignment.
    pub(crate) ca: Value,
    /// The NRG group; `None` for a single replica.
    pub(crate) group: Option<Group>,
    pub(crate) leader: bool,
    /// A create answer waiting for this replica to lead.
    pub(crate) pending: Option<String>,
    /// Leading: the state the followers were last told of, and its
    /// fingerprint (see `Consumer::state_fingerprint`).
    pub(crate) replicated: Option<(ConsumerSnapshot, StateFingerprint)>,
    /// Entries applied since this replica last snapshotted its group, and
    /// when that was (or when the replica started).
    pub(crate) since_snapshot: u64,
    pub(crate) snapshotted: std::time::Instant,
}

impl ConsumerGroup {
    /// A replica with no group yet, or a single one.
    pub(crate) fn new(ca: Value) -> ConsumerGroup {
        ConsumerGroup {
            ca,
            group: None,
            leader: false,
            pending: None,
            replicated: None,
            since_snapshot: 0,
            snapshotted: std::time::Instant::now(),
        }
    }
}

/// The consumer groups by account, stream and consumer.
pub(crate) type ConsumerGroups = HashMap<(String, String, String), ConsumerGroup>;
