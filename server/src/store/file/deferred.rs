//! Writes that leave the engine's lock: group commit for file stores.
//!
//! A change to a file store appends its records to the active block's
//! buffer under the JetStream engine's lock, as before, but the `pwrite` (and
//! the fsync of `sync_interval: always`) no longer happens there. The store
//! hands the new bytes to its [`Pending`] and lists that in a shared
//! [`Deferred`] set. The engine's thread, once it has run every queued
//! message it took, and before it publishes a single reply or pub ack,
//! writes each listed store's pending bytes with one `pwrite` and at most one
//! fsync, holding only that store's small lock ([`Deferred::flush`]). So one
//! fsync covers every message of the batch, nothing is acknowledged before
//! its bytes reach the file, and other streams' work never waits behind a
//! disk write.
//!
//! A store without a `Deferred` (tests, tools) writes at once, as Go's
//! `flushPendingMsgsLocked` does. Rare, heavy paths (sealing and packing a
//! block, rewriting one, closing) drain the pending bytes first and then
//! write under the engine's lock as before.
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, MutexGuard};

/// Bytes of one store handed off but not yet written.
#[derive(Default)]
pub(crate) struct PendingWrites {
    /// The block they belong to, and a handle on its file.
    block: Option<(u32, File)>,
    /// Where `bytes` start in the block file.
    at: u64,
    bytes: Vec<u8>,
    /// Fsync after writing (`sync_interval: always`).
    fsync: bool,
    /// The first write error; the store refuses changes after it.
    pub(crate) error: Option<String>,
}

/// One store's pending bytes.
#[derive(Default)]
pub(crate) struct Pending(Mutex<PendingWrites>);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

impl Pending {
    pub(crate) fn lock(&self) -> MutexGuard<'_, PendingWrites> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes what is pending (and fsyncs when asked); true when it all went.
    pub(crate) fn write_out(&self) -> bool {
        let mut p = self.lock();
        p.write_out()
    }
}

impl PendingWrites {
    /// Queues `bytes`, which belong at offset `at` of block `id`'s `file`.
    pub(crate) fn push(&mut self, id: u32, file: &File, at: u64, bytes: &[u8], fsync: bool) -> std::io::Result<()> {
        if self.block.as_ref().is_some_and(|(b, _)| *b != id)
            || (!self.bytes.is_empty() && self.at + self.bytes.len() as u64 != at)
        {
            // Another block, or a gap: what is queued goes first.
            self.write_out();
        }
        if self.block.as_ref().is_none_or(|(b, _)| *b != id) {
            self.block = Some((id, file.try_clone()?));
        }
        if self.bytes.is_empty() {
            self.at = at;
        }
        self.bytes.extend_from_slice(bytes);
        self.fsync |= fsync;
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty() && !self.fsync
    }

    fn write_out(&mut self) -> bool {
        let Some((id, file)) = &self.block else {
            self.bytes.clear();
            return self.error.is_none();
        };
        if !self.bytes.is_empty() {
            if let Err(e) = file.write_all_at(&self.bytes, self.at) {
                self.error.get_or_insert(format!("writing message block {id}: {e}"));
            }
            self.at += self.bytes.len() as u64;
            self.bytes.clear();
        }
        if std::mem::take(&mut self.fsync) {
            if let Err(e) = file.sync_data() {
                self.error.get_or_insert(format!("syncing message block {id}: {e}"));
            }
        }
        self.error.is_none()
    }
}

/// The stores with pending bytes, shared by every file store of a
/// JetStream engine and drained by its thread.
#[derive(Default)]
pub struct Deferred(Mutex<Vec<Arc<Pending>>>);

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

impl Deferred {
    /// Lists `p` (once) as having bytes to write.
    pub(crate) fn mark(&self, p: &Arc<Pending>) {
        let mut list = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|x| Arc::ptr_eq(x, p)) {
            list.push(Arc::clone(p));
        }
    }

    /// Writes every listed store's pending bytes. `Err` names the first
    /// failure; the stores concerned refuse further changes.
    pub(crate) fn flush(&self) -> Result<(), String> {
        let list = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        let mut first = Ok(());
        for p in list {
            if !p.write_out() && first.is_ok() {
                first = Err(p.lock().error.clone().unwrap_or_default());
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_bytes_reach_the_file_in_order_and_only_when_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.blk");
        let file = File::options().create(true).truncate(true).read(true).write(true).open(&path).unwrap();
        let deferred = Deferred::default();
        let p = Arc::new(Pending::default());
        p.lock().push(1, &file, 0, b"abc", false).unwrap();
        p.lock().push(1, &file, 3, b"def", true).unwrap();
        deferred.mark(&p);
        deferred.mark(&p);
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        assert_eq!(deferred.flush(), Ok(()));
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
        assert!(p.lock().is_empty());
        // A gap writes what came before it first.
        p.lock().push(1, &file, 6, b"gh", false).unwrap();
        p.lock().push(1, &file, 10, b"ij", false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefgh");
        assert!(p.write_out());
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefgh\0\0ij");
    }
}
