//! Packing: when a stream compresses (`compression: s2`), a block that is
//! full is packed (see [`super::block::pack`]) into a temporary file on a
//! helper thread and installed in place of the plain block once done, so
//! appends never wait for compression. A block that changes meanwhile cancels
//! its pack.
//!
//! Follows Go `server/filestore.go` `recompressOnDiskIfNeeded` and
//! `atomicOverwriteFile`, which Go also runs on its own goroutine when
//! `newMsgBlockForWrite` leaves a full block.
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::block::{self, PACKED};
use super::{blk_path, FileStore};
use crate::store::crypto::Aead;

/// A block packed into a temporary file, ready to replace the original.
#[derive(Debug)]
pub(crate) struct Packed {
    tmp: PathBuf,
    len: u64,
    /// Where each message record lies in the packed block's records.
    places: HashMap<u64, (u32, u32)>,
}

/// Packs the records of a full block (its file bytes `buf`) into `tmp`.
fn pack_to_file(buf: &[u8], aead: Option<&Aead>, tmp: &Path) -> std::io::Result<Packed> {
    let recs = block::append_form_records(buf, aead);
    let places = block::message_places(&recs);
    let out = block::pack(&recs, aead);
    let mut f = File::create(tmp)?;
    f.write_all(&out)?;
    f.sync_all()?;
    Ok(Packed { tmp: tmp.to_path_buf(), len: out.len() as u64, places })
}

impl FileStore {
    /// Closes the active block for appends, packing it when compressing.
    pub(crate) fn seal_active(&mut self) -> std::io::Result<()> {
        self.flush_writes();
        let Some(mut a) = self.active.take() else { return Ok(()) };
        let Some(b) = self.blocks.get(&a.id).filter(|b| self.cfg.compress && b.live > 0) else { return Ok(()) };
        a.make_resident()?;
        let (id, aead, buf) = (a.id, b.aead.clone(), std::mem::take(&mut a.buf));
        let tmp = blk_path(&self.cfg.dir, id).with_extension("blk.pack");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new().name("rnats-pack".into()).spawn(move || {
            let r = pack_to_file(&buf, aead.as_ref(), &tmp);
            if tx.send(r).is_err() {
                // The store is gone.
                let _ = fs::remove_file(&tmp);
            }
        })?;
        self.packing.insert(id, rx);
        Ok(())
    }

    /// Installs finished packs (waiting for them when `wait`).
    pub(crate) fn finish_packs(&mut self, wait: bool) {
        self.cancelled.retain(|rx| {
            let res =
                if wait { rx.recv().map_err(|_| std::sync::mpsc::TryRecvError::Disconnected) } else { rx.try_recv() };
            match res {
                Ok(Ok(p)) => {
                    let _ = fs::remove_file(&p.tmp);
                    false
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => true,
                _ => false,
            }
        });
        if self.packing.is_empty() {
            return;
        }
        let ids: Vec<u32> = self.packing.keys().copied().collect();
        for id in ids {
            let res = {
                let rx = &self.packing[&id];
                if wait {
                    rx.recv().map_err(|_| std::sync::mpsc::TryRecvError::Disconnected)
                } else {
                    rx.try_recv()
                }
            };
            let p = match res {
                Err(std::sync::mpsc::TryRecvError::Empty) => continue,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.packing.remove(&id);
                    continue;
                }
                Ok(Err(e)) => {
                    self.packing.remove(&id);
                    crate::error!("{} Compressing message block {id}: {e}", self.tag());
                    continue;
                }
                Ok(Ok(p)) => p,
            };
            self.packing.remove(&id);
            let path = blk_path(&self.cfg.dir, id);
            let still_plain = self.blocks.get(&id).is_some_and(|b| b.form != PACKED);
            if !still_plain || self.active.as_ref().is_some_and(|a| a.id == id) {
                let _ = fs::remove_file(&p.tmp);
                continue;
            }
            if let Err(e) = fs::rename(&p.tmp, &path) {
                crate::error!("{} Installing compressed message block {id}: {e}", self.tag());
                let _ = fs::remove_file(&p.tmp);
                continue;
            }
            if let Some(b) = self.blocks.get_mut(&id) {
                b.form = PACKED;
                b.len = p.len;
            }
            self.repoint(id, &p.places);
        }
    }

    /// Drops a pending pack of a block that is about to change.
    pub(crate) fn cancel_pack(&mut self, id: u32) {
        if let Some(rx) = self.packing.remove(&id) {
            self.cancelled.push(rx);
        }
    }
}
