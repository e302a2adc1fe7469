//! Reading messages: from the active block's memory when there, otherwise
//! through a small cache of whole decoded blocks.
//!
//! Follows Go `server/filestore.go` `loadMsgs` / `loadBlock`, `fetchMsg` and
//! `cacheLookup`.
use std::fs;
use std::sync::Arc;
use std::time::Instant;

use super::block::{self, Decoded, KIND_MSG, PACKED, SEALED};
use super::{blk_path, FileEntry, FileStore, CACHED_BLOCKS};
use crate::store::StoredMsg;

impl FileStore {
    /// The plain-record view of a block that is not active (cached).
    fn view(&self, id: u32) -> Option<Arc<Vec<u8>>> {
        let pos = self.cache.borrow().iter().position(|(c, _)| *c == id);
        if let Some(pos) = pos {
            let mut cache = self.cache.borrow_mut();
            let hit = cache.remove(pos);
            let v = hit.1.clone();
            cache.push(hit);
            return Some(v);
        }
        let b = self.blocks.get(&id)?;
        let data = fs::read(blk_path(&self.cfg.dir, id)).ok()?;
        let view = if b.form == PACKED { block::unpack(&data, b.aead.as_ref()).ok()? } else { data };
        let v = Arc::new(view);
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHED_BLOCKS {
            cache.remove(0);
        }
        cache.push((id, v.clone()));
        Some(v)
    }

    pub(crate) fn read(&self, e: &FileEntry) -> Option<StoredMsg> {
        self.last_use.set(Instant::now());
        let b = self.blocks.get(&e.blk)?;
        let (off, len) = (e.off as usize, e.len as usize);
        let owned;
        let bytes: &[u8] = match &self.active {
            Some(a) if a.id == e.blk && a.resident => a.buf.get(off..off + len)?,
            _ => {
                owned = self.view(e.blk)?;
                owned.get(off..off + len)?
            }
        };
        let plain;
        let rec_bytes: &[u8] = if b.form == SEALED {
            plain = block::open_frame(b.aead.as_ref()?, bytes)?;
            &plain
        } else {
            bytes
        };
        match block::decode(rec_bytes) {
            Decoded::Good(r, _) if r.kind == KIND_MSG && r.seq == e.seq => {
                Some(StoredMsg::new(e.subject.clone(), r.hdr, r.msg, e.seq, e.ts))
            }
            _ => None,
        }
    }
}
