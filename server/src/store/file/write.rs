//! The write path: appending records to the active block, rolling to a new
//! block when it is full, writing and fsyncing, and persisting what a change
//! implies (tombstones, floors) before the caller acknowledges it.
//!
//! Follows Go `server/filestore.go` `newMsgBlockForWrite`, `writeMsgRecord`,
//! `writeTombstone`, `flushPendingMsgs` and `syncBlocks`.
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::time::Instant;

use super::block::{self, KIND_FLOOR, KIND_MSG, KIND_TOMB, PLAIN, SEALED};
use super::{blk_path, key_path, write_atomic, Active, Block, Deferred, FileStore, SyncMode};
use crate::store::crypto::{self, wrap_key, Aead};

impl FileStore {
    fn new_block(&mut self) -> std::io::Result<()> {
        self.seal_active()?;
        // The block being left may hold only removed messages.
        self.maybe_empty = true;
        let id = self.blocks.keys().next_back().map_or(1, |l| l + 1);
        let aead = match &self.cfg.key {
            Some((skey, cipher)) => {
                let bkey = crypto::random_key();
                write_atomic(&key_path(&self.cfg.dir, id), &wrap_key(*cipher, skey, &bkey), true)?;
                Some(Aead::new(*cipher, &bkey))
            }
            None => None,
        };
        let form = if aead.is_some() { SEALED } else { PLAIN };
        let path = blk_path(&self.cfg.dir, id);
        let file = OpenOptions::new().create(true).truncate(true).read(true).write(true).open(&path)?;
        self.blocks.insert(
            id,
            Block { form, len: 1, live: 0, total: 0, first: 0, last: 0, tombs: Vec::new(), floor: 0, aead },
        );
        self.active = Some(Active { id, file, buf: vec![form], written: 0, resident: true });
        Ok(())
    }

    /// Makes sure there is an active block with room, rolling to a new block
    /// when the active one is full.
    fn ensure_room(&mut self) -> std::io::Result<()> {
        let need_new = match &self.active {
            None => true,
            Some(a) => a.len() as u64 >= self.cfg.block_size && a.len() > 1,
        };
        if need_new {
            self.new_block()?;
        }
        Ok(())
    }

    /// Appends one record to the active block (rolling to a new block when
    /// full). Returns (block, offset, length).
    pub(crate) fn append_record(
        &mut self,
        kind: u8,
        seq: u64,
        ts: i64,
        subject: &[u8],
        hdr: &[u8],
        msg: &[u8],
    ) -> std::io::Result<(u32, u32, u32)> {
        self.ensure_room()?;
        self.last_use.set(Instant::now());
        if let Some(a) = &mut self.active {
            if !a.resident {
                a.make_resident()?;
                let id = a.id;
                self.cache.borrow_mut().retain(|(c, _)| *c != id);
            }
        }
        self.scratch.clear();
        block::encode(&mut self.scratch, kind, seq, ts, subject, hdr, msg);
        let a = self.active.as_mut().expect("an active block after new_block");
        let b = self.blocks.get_mut(&a.id).expect("the active block is listed");
        let off = a.buf.len();
        block::append_form(&mut a.buf, b.aead.as_ref(), &self.scratch);
        let len = a.buf.len() - off;
        b.len = a.buf.len() as u64;
        match kind {
            KIND_MSG => {
                if b.first == 0 {
                    b.first = seq;
                }
                b.last = seq;
                b.live += 1;
                b.total += 1;
            }
            KIND_TOMB => b.tombs.push(seq),
            KIND_FLOOR => b.floor = b.floor.max(seq),
            _ => {}
        }
        self.unsynced = true;
        Ok((a.id, off as u32, len as u32))
    }

    /// Writes appended bytes to the file (unless async), and fsyncs when
    /// `sync_interval: always`.
    pub(crate) fn flush_writes(&mut self) {
        // What was handed off goes first, so the file stays in order.
        if !self.pending.write_out() {
            let why = self.pending.lock().error.clone().unwrap_or_default();
            self.fail(why);
            return;
        }
        let Some(a) = &mut self.active else { return };
        let id = a.id;
        if a.resident && a.written < a.buf.len() {
            if let Err(e) = a.file.write_all_at(&a.buf[a.written..], a.written as u64) {
                self.fail(format!("writing message block {id}: {e}"));
                return;
            }
            a.written = a.buf.len();
        }
        if self.cfg.sync == SyncMode::Always && self.unsynced {
            if let Err(e) = a.file.sync_data() {
                self.fail(format!("syncing message block {id}: {e}"));
                return;
            }
            self.unsynced = false;
        }
    }

    pub(crate) fn fail(&mut self, why: String) {
        if self.failed.is_none() {
            crate::error!("{} Store failure, refusing writes: {why}", self.tag());
            self.failed = Some(why);
        }
    }

    /// Persists the consequences of a change: tombstones for interior
    /// removals, a floor for removals at the head, freeing empty blocks; then
    /// writes (before the caller acknowledges anything).
    pub(crate) fn after_change(&mut self) {
        self.finish_packs(false);
        let mut removed = std::mem::take(&mut self.removed_buf);
        self.idx.drain_removed(&mut removed);
        let first = self.idx.first_seq();
        let everything_gone = self.idx.state().msgs == 0;
        for e in &removed {
            if let Some(b) = self.blocks.get_mut(&e.blk) {
                b.live = b.live.saturating_sub(1);
                self.maybe_empty |= b.live == 0;
            }
        }
        if everything_gone {
            for b in self.blocks.values_mut() {
                b.live = 0;
            }
            self.maybe_empty |= self.blocks.len() > 1;
        }
        for e in &removed {
            if e.seq >= first {
                if let Err(err) = self.append_record(KIND_TOMB, e.seq, e.ts, b"", b"", b"") {
                    self.fail(format!("writing a tombstone: {err}"));
                }
            }
        }
        let new_floor = first.saturating_sub(1);
        if new_floor > self.floor && (!removed.is_empty() || everything_gone) {
            let ts = self.idx.state().last_ts;
            if let Err(err) = self.append_record(KIND_FLOOR, new_floor, ts, b"", b"", b"") {
                self.fail(format!("writing a floor: {err}"));
            }
            self.floor = new_floor;
        }
        if self.maybe_empty {
            self.maybe_empty = false;
            self.free_empty_blocks();
        }
        self.compact_sparse_blocks(&removed);
        removed.clear();
        self.removed_buf = removed;
        if !self.cfg.async_flush {
            match self.cfg.deferred.clone() {
                Some(d) => self.hand_off(&d),
                None => self.flush_writes(),
            }
        }
    }

    /// Hands the appended bytes to the pending writes that the engine's
    /// thread flushes outside its lock, before anything is acknowledged.
    fn hand_off(&mut self, deferred: &Deferred) {
        let Some(a) = &mut self.active else { return };
        let fsync = self.cfg.sync == SyncMode::Always && self.unsynced;
        let appended = a.resident && a.written < a.buf.len();
        if !appended && !fsync {
            return;
        }
        let new = if a.resident { &a.buf[a.written.min(a.buf.len())..] } else { &[][..] };
        let pushed = self.pending.lock().push(a.id, &a.file, a.written as u64, new, fsync);
        if let Err(e) = pushed {
            let id = a.id;
            self.fail(format!("handing off writes of message block {id}: {e}"));
            return;
        }
        if let Some(a) = &mut self.active {
            a.written = a.buf.len().max(a.written);
        }
        if fsync {
            self.unsynced = false;
        }
        deferred.mark(&self.pending);
    }
}
