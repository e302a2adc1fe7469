//! Message storage for JetStream streams.
//!
//! `StreamStore` is the contract between a stream and its storage, shaped after
//! Go's `StreamStore` interface (server/store.go) but reduced to what the
//! engine uses. `MemStore` and `FileStore` implement it over one shared
//! sequence index (`seqindex`).
//!
//! Conventions:
//! - Sequences start at 1; `0` means "none".
//! - Timestamps are Unix nanoseconds (`i64`); `0` means Go's zero time.
//! - The caller supplies timestamps so tests are deterministic and the engine
//!   keeps one clock.
//! - An empty header `Bytes` means "no headers".
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

pub mod crypto;
pub mod file;
mod memory;
mod seqindex;

pub(crate) use memory::MemStore;

/// One stored message: its header block and payload in one buffer, as a
/// published message carries them. Cloning is cheap: the subject is shared
/// with the store's per-subject index and the buffer is a refcounted `Bytes`,
/// which a delivery hands on without copying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMsg {
    pub(crate) subject: Arc<str>,
    /// The header block (`hdr_len` bytes) followed by the payload.
    pub(crate) data: Bytes,
    pub(crate) hdr_len: usize,
    pub seq: u64,
    pub(crate) ts: i64,
}

impl StoredMsg {
    /// A stored message from its header block and payload (one copy, into
    /// one buffer of its own).
    pub(crate) fn new(subject: Arc<str>, hdr: &[u8], msg: &[u8], seq: u64, ts: i64) -> StoredMsg {
        let mut data = Vec::with_capacity(hdr.len() + msg.len());
        data.extend_from_slice(hdr);
        data.extend_from_slice(msg);
        StoredMsg { subject, data: data.into(), hdr_len: hdr.len(), seq, ts }
    }

    /// The header block (empty without headers).
    pub(crate) fn hdr(&self) -> &[u8] {
        &self.data[..self.hdr_len]
    }

    /// The payload.
    pub fn msg(&self) -> &[u8] {
        &self.data[self.hdr_len..]
    }

    /// The header length as a message carries it (`None` without headers).
    pub(crate) fn header_len(&self) -> Option<usize> {
        (self.hdr_len > 0).then_some(self.hdr_len)
    }
}

/// Store failures. Texts are Go's (server/store.go `Err*`), since pub acks
/// and API errors carry them verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    MaxMsgs,
    MaxBytes,
    MaxMsgsPerSubject,
    MsgNotFound,
    MsgTooLarge,
    Closed,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreError::MaxMsgs => "maximum messages exceeded",
            StoreError::MaxBytes => "maximum bytes exceeded",
            StoreError::MaxMsgsPerSubject => "maximum messages per subject exceeded",
            StoreError::MsgNotFound => "no message found",
            StoreError::MsgTooLarge => "message too large",
            StoreError::Closed => "store closed",
        })
    }
}

impl std::error::Error for StoreError {}

/// How message sizes are accounted in `bytes`. Go's memory and file stores
/// count different per-record overheads, and clients see those numbers in
/// stream info, so a store reports the model of its configured storage type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SizeModel {
    /// Go `memStoreMsgSize`: subject + headers + payload + 16.
    #[default]
    Memory,
    /// Go `fileStoreMsgSizeRaw`: 22 + subject + payload + 8, plus 4 + headers
    /// when there are headers.
    File,
}

impl SizeModel {
    #[inline]
    pub(crate) fn size(self, subj_len: usize, hdr_len: usize, msg_len: usize) -> u64 {
        match self {
            SizeModel::Memory => (subj_len + hdr_len + msg_len + 16) as u64,
            SizeModel::File if hdr_len == 0 => (22 + subj_len + msg_len + 8) as u64,
            SizeModel::File => (22 + subj_len + 4 + hdr_len + msg_len + 8) as u64,
        }
    }
}

/// The limits a store enforces itself on every append (Go applies these
/// inside the stores too, see memstore.go `storeRawMsg`/`enforceMsgLimit`).
/// Negative or zero values mean "unlimited" as in Go's config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreLimits {
    pub max_msgs: i64,
    pub max_bytes: i64,
    /// Nanoseconds; 0 = no age limit.
    pub max_age: i64,
    pub max_msgs_per: i64,
    pub discard_new: bool,
    pub discard_new_per: bool,
    pub size_model: SizeModel,
}

/// Stream state as Go's `StreamState` (store.go), minus the JSON concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamState {
    pub msgs: u64,
    pub(crate) bytes: u64,
    pub(crate) first_seq: u64,
    pub(crate) first_ts: i64,
    pub last_seq: u64,
    pub(crate) last_ts: i64,
    pub(crate) num_subjects: u64,
    pub(crate) num_deleted: u64,
}

/// Per-subject summary (Go `SimpleState`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimpleState {
    pub(crate) msgs: u64,
    pub(crate) first: u64,
    pub(crate) last: u64,
}

/// Storage contract for a stream.
pub trait StreamStore: Send {
    /// Appends a message at the next sequence. `ttl` is seconds (0 = none,
    /// -1 = never expires). Returns the assigned sequence.
    fn store_msg(&mut self, subject: &str, hdr: &[u8], msg: &[u8], ts: i64, ttl: i64) -> Result<u64, StoreError>;
    /// Consumes a sequence without storing a message (interest retention with
    /// no interest, Go `SkipMsg`).
    fn skip_msg(&mut self, ts: i64) -> u64;
    /// Loads the message at `seq`.
    fn load_msg(&self, seq: u64) -> Option<StoredMsg>;
    /// First message with sequence >= `start` whose subject matches `filter`
    /// (`""` or `">"` match all).
    fn load_next_msg(&self, filter: &str, start: u64) -> Option<StoredMsg>;
    /// Last message whose subject matches `filter`.
    fn load_last_msg(&self, filter: &str) -> Option<StoredMsg>;
    /// Removes one message; false when it was not there.
    fn remove_msg(&mut self, seq: u64) -> bool;
    /// Removes everything, keeping the sequence (next = last + 1). Returns
    /// the number of messages purged.
    fn purge(&mut self) -> u64;
    /// Go `PurgeEx`: messages matching `subject` (all if empty), below `seq`
    /// when non-zero, keeping the newest `keep` per matched subject set.
    fn purge_ex(&mut self, subject: &str, seq: u64, keep: u64) -> u64;
    /// Removes all messages below `seq`; sets first to `seq`. Returns count.
    fn compact(&mut self, seq: u64) -> u64;
    fn state(&self) -> StreamState;
    /// Per-subject state for subjects matching `filter`.
    fn subjects_state(&self, filter: &str) -> BTreeMap<String, SimpleState>;
    /// Messages with seq >= `start` matching `filter`; with
    /// `last_per_subject`, counts only each subject's last message.
    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64;
    /// Applies new limits, enforcing them immediately.
    fn update_limits(&mut self, limits: StoreLimits);
    /// Removes messages past max age or their TTL at time `now`. Returns the
    /// number removed.
    fn expire(&mut self, now: i64) -> u64;
    /// When the next expiry is due (Unix nanos), if any.
    fn next_expiry(&self) -> Option<i64>;
    /// Removes one message and overwrites its bytes where it was stored
    /// (`no_erase: false` on a delete); memory has nothing to overwrite.
    fn erase_msg(&mut self, seq: u64) -> bool {
        self.remove_msg(seq)
    }
    /// Timestamp and header length of a message, without reading it.
    fn msg_info(&self, seq: u64) -> Option<(i64, usize)> {
        self.load_msg(seq).map(|m| (m.ts, m.hdr_len))
    }
    /// The stream's `compression` changed (`true` = s2).
    fn set_compression(&mut self, _s2: bool) {}
    /// Periodic work: deferred writes and interval syncs.
    fn tick(&mut self) {}
    /// Clean shutdown: write everything and the state files.
    fn close(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_models() {
        assert_eq!(SizeModel::Memory.size(3, 0, 5), 24);
        assert_eq!(SizeModel::File.size(3, 0, 17), 50);
        assert_eq!(SizeModel::File.size(3, 10, 17), 64);
    }
}
