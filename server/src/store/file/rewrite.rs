//! Rewriting blocks: compaction of blocks left mostly dead, removal of
//! blocks left empty (their tombstones and floor move to the active block),
//! erasing a message in place, re-encryption under a new cipher, and
//! repointing the index at a rewritten block's new offsets.
//!
//! Follows Go `server/filestore.go` `msgBlock.compact` /
//! `compactWithFloor`, `eraseMsg`, `removeMsgBlock` and
//! `atomicOverwriteFile`.
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::FileExt;

use super::block::{self, Decoded, KIND_ERASED, KIND_FLOOR, KIND_MSG, KIND_TOMB, PACKED, PLAIN, SEALED};
use super::{blk_path, key_path, open_rw, write_atomic, FileEntry, FileStore, SyncMode};
use crate::store::crypto::{self, wrap_key, Aead};

impl FileStore {
    /// Points the index entries of block `id` at their places in its new
    /// file, and forgets the cached old one.
    pub(crate) fn repoint(&mut self, id: u32, places: &HashMap<u64, (u32, u32)>) {
        self.cache.borrow_mut().retain(|(c, _)| *c != id);
        let (lo, hi) = self.blocks.get(&id).map_or((0, 0), |b| (b.first, b.last));
        if lo > 0 {
            self.idx.update_range(lo, hi, |e| {
                if e.blk == id {
                    if let Some(&(off, len)) = places.get(&e.seq) {
                        e.off = off;
                        e.len = len;
                    }
                }
            });
        }
    }

    /// Deletes blocks without live messages (never the last one, whose
    /// records keep the last sequence), moving their tombstones and floor to
    /// the active block first.
    pub(crate) fn free_empty_blocks(&mut self) {
        let last = self.blocks.keys().next_back().copied();
        let active = self.active.as_ref().map(|a| a.id);
        let empty: Vec<u32> = self
            .blocks
            .iter()
            .filter(|(&id, b)| b.live == 0 && Some(id) != last && Some(id) != active)
            .map(|(&id, _)| id)
            .collect();
        if empty.is_empty() {
            return;
        }
        let first = self.idx.first_seq();
        for id in empty {
            self.cancel_pack(id);
            let Some(b) = self.blocks.remove(&id) else { continue };
            let lower_exists = self.blocks.keys().next().is_some_and(|&l| l < id);
            for t in b.tombs.iter().copied().filter(|&t| t >= first) {
                if let Err(e) = self.append_record(KIND_TOMB, t, 0, b"", b"", b"") {
                    self.fail(format!("moving a tombstone: {e}"));
                }
            }
            if b.floor > 0 && lower_exists {
                let (f, ts) = (self.floor, self.idx.state().last_ts);
                if let Err(e) = self.append_record(KIND_FLOOR, f, ts, b"", b"", b"") {
                    self.fail(format!("moving a floor: {e}"));
                }
            }
            // The moved records must be on disk before their old home goes.
            self.flush_writes();
            let _ = fs::remove_file(blk_path(&self.cfg.dir, id));
            let _ = fs::remove_file(key_path(&self.cfg.dir, id));
            self.cache.borrow_mut().retain(|(c, _)| *c != id);
        }
    }

    /// Rewrites blocks (other than the one being appended to) that removals
    /// left less than half live, so deleted messages give their space back.
    pub(crate) fn compact_sparse_blocks(&mut self, removed: &[FileEntry]) {
        let active = self.active.as_ref().map(|a| a.id);
        let mut ids: Vec<u32> = removed.iter().map(|e| e.blk).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let sparse = self
                .blocks
                .get(&id)
                .is_some_and(|b| Some(id) != active && b.live > 0 && b.total >= 64 && b.live * 2 < b.total);
            if !sparse {
                continue;
            }
            let form = if self.blocks[&id].form == PACKED { PACKED } else { SEALED };
            if let Err(e) = self.rewrite_block(id, form, Rewrite::DropDead) {
                crate::error!("{} Compacting message block {id}: {e}", self.tag());
            }
        }
    }

    /// The plain records of a block, wherever it lives.
    fn plain_records(&mut self, id: u32) -> std::io::Result<Vec<u8>> {
        self.flush_writes();
        let b = self.blocks.get(&id).ok_or_else(|| std::io::Error::other("no such block"))?;
        let data = match &mut self.active {
            Some(a) if a.id == id => {
                a.make_resident()?;
                a.buf.clone()
            }
            _ => fs::read(blk_path(&self.cfg.dir, id))?,
        };
        match b.form {
            PACKED => block::unpack(&data, b.aead.as_ref()).map_err(std::io::Error::other),
            _ => Ok(block::append_form_records(&data, b.aead.as_ref())),
        }
    }

    /// Rewrites block `id` in `form` (`PACKED` or the append form) under the
    /// configured cipher, optionally erasing one sequence, and repoints the
    /// index at the new offsets.
    pub(crate) fn rewrite_block(&mut self, id: u32, form: u8, how: Rewrite) -> std::io::Result<()> {
        self.cancel_pack(id);
        let mut recs = self.plain_records(id)?;
        match how {
            Rewrite::Keep => {}
            Rewrite::Erase(seq) => erase_in(&mut recs, seq),
            Rewrite::DropDead => {
                let mut kept = Vec::with_capacity(recs.len() / 2);
                let mut off = 0;
                while let Decoded::Good(r, n) | Decoded::BadSum(r, n) = block::decode(&recs[off..]) {
                    let keep = match r.kind {
                        KIND_MSG => self.idx.slot(r.seq).is_some_and(|e| e.blk == id),
                        KIND_ERASED => false,
                        _ => true,
                    };
                    if keep {
                        kept.extend_from_slice(&recs[off..off + n]);
                    }
                    off += n;
                }
                recs = kept;
                if let Some(b) = self.blocks.get_mut(&id) {
                    b.total = b.live;
                }
            }
        }
        // Keep the block's key unless the cipher changes: a block and its
        // key file cannot be replaced together atomically.
        let current = self.blocks.get(&id).and_then(|b| b.aead.clone());
        let mut new_key = None;
        let aead = match &self.cfg.key {
            Some((_, cipher)) if current.as_ref().is_some_and(|a| a.cipher() == *cipher) => current,
            Some((skey, cipher)) => {
                let bkey = crypto::random_key();
                new_key = Some(wrap_key(*cipher, skey, &bkey));
                Some(Aead::new(*cipher, &bkey))
            }
            None => None,
        };
        let mut out: Vec<u8>;
        let mut places: HashMap<u64, (u32, u32)>;
        if form == PACKED {
            places = block::message_places(&recs);
            out = block::pack(&recs, aead.as_ref());
        } else {
            places = HashMap::new();
            out = vec![if aead.is_some() { SEALED } else { PLAIN }];
            let mut off = 0;
            while let Decoded::Good(r, n) | Decoded::BadSum(r, n) = block::decode(&recs[off..]) {
                let at = out.len();
                block::append_form(&mut out, aead.as_ref(), &recs[off..off + n]);
                if r.kind == KIND_MSG {
                    places.insert(r.seq, (at as u32, (out.len() - at) as u32));
                }
                off += n;
            }
        }
        let path = blk_path(&self.cfg.dir, id);
        if let Some(k) = &new_key {
            // Only a cipher conversion (at startup) gets here: a crash between
            // these two writes leaves a block its key file cannot open.
            write_atomic(&key_path(&self.cfg.dir, id), k, true)?;
        }
        write_atomic(&path, &out, true)?;
        let new_form = out[0];
        if let Some(b) = self.blocks.get_mut(&id) {
            b.form = new_form;
            b.len = out.len() as u64;
            b.aead = aead;
        }
        if self.active.as_ref().is_some_and(|a| a.id == id) {
            if new_form == PACKED {
                self.active = None;
            } else if let Some(a) = &mut self.active {
                a.file = open_rw(&path)?;
                a.written = out.len();
                a.buf = out;
                a.resident = true;
            }
        }
        self.repoint(id, &places);
        Ok(())
    }

    /// Overwrites a removed message's bytes on disk with zeros.
    pub(crate) fn erase_on_disk(&mut self, e: &FileEntry) -> std::io::Result<()> {
        self.cancel_pack(e.blk);
        let Some(b) = self.blocks.get(&e.blk) else { return Ok(()) };
        if b.form == PACKED {
            return self.rewrite_block(e.blk, PACKED, Rewrite::Erase(e.seq));
        }
        let (off, len) = (e.off as usize, e.len as usize);
        let mut plain = Vec::new();
        let zeros_s = vec![0u8; e.subject.len()];
        let zeros_h = vec![0u8; e.hdr_len as usize];
        let zeros_m = vec![0u8; e.msg_len as usize];
        block::encode(&mut plain, KIND_ERASED, e.seq, e.ts, &zeros_s, &zeros_h, &zeros_m);
        let mut bytes = Vec::with_capacity(len);
        block::append_form(&mut bytes, b.aead.as_ref(), &plain);
        if bytes.len() != len {
            // Subject stored differently (lossy UTF-8): rewrite the block.
            return self.rewrite_block(e.blk, b.form, Rewrite::Erase(e.seq));
        }
        match &mut self.active {
            Some(a) if a.id == e.blk => {
                a.make_resident()?;
                a.buf[off..off + len].copy_from_slice(&bytes);
                if off < a.written {
                    let end = a.written.min(off + len);
                    a.file.write_all_at(&bytes[..end - off], off as u64)?;
                }
            }
            _ => {
                let f = OpenOptions::new().write(true).open(blk_path(&self.cfg.dir, e.blk))?;
                f.write_all_at(&bytes, off as u64)?;
                if self.cfg.sync == SyncMode::Always {
                    f.sync_data()?;
                }
                self.cache.borrow_mut().retain(|(c, _)| *c != e.blk);
            }
        }
        Ok(())
    }
}

/// What a block rewrite changes besides the form and cipher.
pub(crate) enum Rewrite {
    Keep,
    /// Overwrite this message with zeros.
    Erase(u64),
    /// Leave out messages that are no longer live.
    DropDead,
}

/// Replaces the message record of `seq` in plain records with an erased
/// record of the same length.
fn erase_in(recs: &mut [u8], seq: u64) {
    let mut off = 0;
    while let Decoded::Good(r, n) | Decoded::BadSum(r, n) = block::decode(&recs[off..]) {
        if r.kind == KIND_MSG && r.seq == seq {
            let (sl, hl, ml, ts) = (r.subject.len(), r.hdr.len(), r.msg.len(), r.ts);
            let mut er = Vec::with_capacity(n);
            block::encode(&mut er, KIND_ERASED, seq, ts, &vec![0; sl], &vec![0; hl], &vec![0; ml]);
            recs[off..off + n].copy_from_slice(&er);
            return;
        }
        off += n;
    }
}
