//! The `$JSC` catch-up protocol of replicated streams (Go's
//! `server/jetstream_cluster.go`: `streamSyncRequest`, `syncSubjForStream`,
//! `syncReplySubject`, `syncAckSubject`, `runCatchup`,
//! `processCatchupMsg`). Section 3.2 of the cluster design note.
//!
//! A follower that installs a snapshot newer than its store asks the
//! stream's leader, on the assignment's `$JSC.SYNC.<8>` subject, for the
//! sequences it lacks, naming a `$JSC.R.<8>` inbox. The leader sends each
//! message there as a stream entry whose `lseq` is the message's own
//! sequence, with a reply `$JSC.ACK.<8>.<bytes>` that the follower acks
//! with an empty message (the size is the leader's flow control); runs of
//! deleted sequences go as delete-range entries without a reply, and an
//! empty message ends the stream. A follower that gives up says why in a
//! non-empty ack.
//!
//! The state of both sides lives here ([`Receiving`] in the follower's
//! stream group, [`Sending`] in the engine); what drives them is
//! `jetstream::replication::catchup`.
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::stream_snapshot::StreamSnapshot;
use crate::account::Account;
use crate::cluster::nrg::codec::Entry;
use crate::connection::{Connection, InternalCallback, Kind, Subscription};

/// Go's `streamSyncRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SyncRequest {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) peer: String,
    pub(crate) first_seq: u64,
    pub(crate) last_seq: u64,
    #[serde(rename = "delete_ranges", default)]
    pub(crate) delete_ranges_ok: bool,
    #[serde(default)]
    pub(crate) min_applied: u64,
}

/// The leader's window of catch-up messages sent and not yet acked (Go's
/// `maxOutBytes` and `maxOutMsgs`).
pub(crate) const MAX_OUT_BYTES: u64 = 64 * 1024 * 1024;
pub(crate) const MAX_OUT_MSGS: u64 = 256 * 1024;

/// How long a follower waits for the first catch-up message, and then
/// between messages, before it asks again (Go's
/// `defaultStreamCatchupStartInterval` and `…ActivityInterval`); the
/// leader gives up on a follower silent for the latter.
pub(crate) const START_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);
pub(crate) const ACTIVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);
/// Asks a follower makes before it gives up (Go's `maxRetries`).
pub(crate) const MAX_TRIES: u32 = 3;

/// `prefix` and 8 random base-62 digits (Go's `syncSubject`).
pub(crate) fn random_subject(prefix: &str) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n: u64 = rand::random::<u64>() >> 1;
    let mut s = String::with_capacity(prefix.len() + 9);
    s.push_str(prefix);
    s.push('.');
    for _ in 0..8 {
        s.push(DIGITS[(n % 62) as usize] as char);
        n /= 62;
    }
    s
}

/// A stream's sync subject (Go's `syncSubjForStream`).
pub(crate) fn sync_subject() -> String {
    random_subject("$JSC.SYNC")
}

/// A follower's inbox for one catch-up (Go's `syncReplySubject`).
pub(crate) fn reply_subject() -> String {
    random_subject("$JSC.R")
}

/// A leader's ack prefix for one catch-up (Go's `syncAckSubject` without
/// its `.*`).
pub(crate) fn ack_prefix() -> String {
    random_subject("$JSC.ACK")
}

/// The size a catch-up ack subject carries in its last token (Go's
/// `ackReplySize`); 0 when it has none.
pub(crate) fn acked_size(subject: &str) -> u64 {
    subject.rsplit_once('.').and_then(|(_, n)| n.parse().ok()).unwrap_or(0)
}

/// One internal subscription in the system account, gone when dropped.
pub(crate) struct SysSub {
    conn: Arc<Connection>,
}

impl SysSub {
    pub(crate) fn new(sys: &Account, client_id: u64, subject: &str, icb: InternalCallback) -> SysSub {
        let conn = Connection::new_internal(client_id, Kind::System, &sys.name, &sys.sublist);
        conn.add_sub(Subscription::new_internal(&conn, subject, 1, icb));
        SysSub { conn }
    }
}

impl Drop for SysSub {
    fn drop(&mut self) {
        self.conn.remove_all_subs();
    }
}

/// A follower's catch-up in progress (Go's `processSnapshot` loop).
pub(crate) struct Receiving {
    /// The snapshot being caught up to.
    pub(crate) snap: StreamSnapshot,
    /// The snapshot's group index (the request's `min_applied`).
    pub(crate) index: u64,
    /// This catch-up's inbox and its subscription.
    pub(crate) inbox: String,
    pub(crate) sub: Option<SysSub>,
    /// When the request went out, and when the last message came.
    pub(crate) asked: Instant,
    pub(crate) heard: Option<Instant>,
    pub(crate) tries: u32,
    /// What the group committed meanwhile, applied once caught up: each
    /// batch with its index.
    pub(crate) held: Vec<(u64, Vec<Entry>)>,
}

/// A leader's catch-up of one follower (Go's `runCatchup`).
pub(crate) struct Sending {
    pub(crate) id: u64,
    pub(crate) account: String,
    pub(crate) stream: String,
    /// The follower's inbox.
    pub(crate) to: String,
    /// The next sequence to send, and the last one asked for.
    pub(crate) next: u64,
    pub(crate) last: u64,
    pub(crate) delete_ranges_ok: bool,
    /// `$JSC.ACK.<8>`: each message's ack subject is this and its size.
    pub(crate) ack_prefix: String,
    pub(crate) _ack_sub: Option<SysSub>,
    /// Sent and not yet acked.
    pub(crate) out_msgs: u64,
    pub(crate) out_bytes: u64,
    pub(crate) heard: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_and_write_go_field_names() {
        let go = r#"{"peer":"S1abcdef","first_seq":5,"last_seq":9,"delete_ranges":true,"min_applied":12}"#;
        let r: SyncRequest = serde_json::from_str(go).unwrap();
        assert_eq!(
            r,
            SyncRequest { peer: "S1abcdef".into(), first_seq: 5, last_seq: 9, delete_ranges_ok: true, min_applied: 12 }
        );
        assert_eq!(serde_json::to_string(&r).unwrap(), go);
    }

    #[test]
    fn subjects_are_random_and_acks_carry_their_size() {
        let (a, b) = (sync_subject(), sync_subject());
        assert!(a.starts_with("$JSC.SYNC.") && a.len() == 18 && a != b);
        assert!(reply_subject().starts_with("$JSC.R."));
        assert_eq!(acked_size(&format!("{}.{}", ack_prefix(), 1234)), 1234);
        assert_eq!(acked_size("$JSC.ACK.x.bad"), 0);
    }
}
