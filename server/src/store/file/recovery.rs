//! Recovery: opening a store from its files. Every block is scanned (torn
//! records at the end of the last block are cut off, damage elsewhere loses
//! the rest of that block), the index is rebuilt from the records, and the
//! state file `index.db` is only trusted when the blocks are as it left them.
//!
//! Follows Go `server/filestore.go` `recoverMsgs`, `recoverFullState`,
//! `recoverMsgBlock`, `rebuildStateLocked` (and `rebuildStateFromBufLocked`),
//! `loadEncryptionForMsgBlock`, `convertCipher` and `recoverTTLState`.
use std::collections::{BTreeSet, HashMap};
use std::fs::{self, OpenOptions};
use std::sync::Arc;

use super::block::{self, Decoded, KIND_ERASED, KIND_MSG, KIND_TOMB, PACKED, PLAIN, SEALED};
use super::rewrite::Rewrite;
use super::state::{SavedState, StateError};
use super::{blk_path, key_path, msgs_dir, open_rw, Active, Block, FileEntry, FileStore, FileStoreConfig};
use crate::store::crypto::{unwrap_key, Aead};
use crate::store::seqindex::SeqIndex;
use crate::store::{SizeModel, StoreLimits};

/// What the block scans of a recovery found.
#[derive(Default)]
struct Recovered {
    found: Vec<Scanned>,
    /// Sequences removed by tombstones or erased in place.
    tombs: BTreeSet<u64>,
    /// The highest sequence of any record, and its timestamp.
    max_seq: (u64, i64),
    /// Subjects repeat: one allocation per distinct subject.
    names: HashMap<Vec<u8>, Arc<str>>,
    /// The bytes of the last block, which becomes the active one: read once.
    last_block: Option<(u32, Vec<u8>)>,
}

/// One message record a block scan found, with its TTL (seconds).
struct Scanned {
    entry: FileEntry,
    ttl: i64,
}

impl FileStore {
    /// Opens a store from its files, rebuilding the state from the blocks.
    pub fn open(cfg: FileStoreConfig) -> std::io::Result<FileStore> {
        let mdir = msgs_dir(&cfg.dir);
        fs::create_dir_all(&mdir)?;
        let mut fs =
            FileStore::empty(cfg, SeqIndex::new(StoreLimits { size_model: SizeModel::File, ..Default::default() }));
        let tag = fs.tag();
        // Packs a crash interrupted: the uncompressed blocks are still there.
        for e in fs::read_dir(&mdir)?.flatten() {
            if e.file_name().to_string_lossy().ends_with(".blk.pack") {
                let _ = fs::remove_file(e.path());
            }
        }

        let mut ids: Vec<u32> = fs::read_dir(&mdir)?
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                let id = n.strip_suffix(".blk")?;
                (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.parse().ok())?
            })
            .collect();
        ids.sort_unstable();

        let saved = match fs::read(mdir.join("index.db")) {
            Ok(b) => match SavedState::decode(&b, fs.cipher_byte()) {
                Ok(s) => Some(s),
                Err(StateError::TooShort(n)) => {
                    crate::warn!("{tag} Stream state too short ({n} bytes)");
                    None
                }
                Err(StateError::Checksum) => {
                    crate::warn!("{tag} Stream state checksum did not match");
                    crate::warn!("{tag} Recovering stream state from index errored: corrupt state file");
                    None
                }
                Err(StateError::MagicVersion) => {
                    crate::warn!("{tag} Stream state magic and version mismatch");
                    None
                }
            },
            Err(_) => None,
        };
        // Trust the state file only when the blocks are as it left them.
        let mut trusted = saved.is_some();
        let mut short: BTreeSet<u32> = BTreeSet::new();
        if let Some(s) = &saved {
            let max_listed = s.blocks.keys().next_back().copied().unwrap_or(0);
            for (&id, &len) in &s.blocks {
                match fs::metadata(blk_path(&fs.cfg.dir, id)) {
                    Err(_) => {
                        crate::warn!("{tag} Stream state detected prior state, could not locate msg block {id}");
                        trusted = false;
                    }
                    Ok(m) if m.len() < len => {
                        short.insert(id);
                    }
                    Ok(m) if m.len() > len && id == max_listed => {
                        crate::warn!("{tag} Stream state outdated, last block has additional entries, will rebuild");
                        trusted = false;
                    }
                    Ok(_) => {}
                }
            }
            if ids.iter().any(|&id| id > max_listed) {
                crate::warn!("{tag} Stream state outdated, last block has additional entries, will rebuild");
                trusted = false;
            }
        }

        let last_id = ids.last().copied();
        let mut acc = Recovered::default();
        for &id in &ids {
            if short.contains(&id) {
                crate::warn!("{tag} indexCacheBuf corrupt record state: block {id} is shorter than recorded");
            }
            let is_last = Some(id) == last_id;
            let trusted_last = saved.as_ref().filter(|_| trusted).map(|s| s.last_seq);
            fs.scan_block(id, is_last, trusted_last, &mut acc);
        }
        if fs.cfg.ttl_of.is_some() && !fs.ttl_state_current(saved.as_ref()) {
            crate::warn!("{tag} TTL state is outdated; attempting to recover using linear scan");
        }

        // Rebuild the index: messages in sequence order above the floor,
        // minus tombstones.
        let Recovered { mut found, tombs, max_seq, last_block, .. } = acc;
        found.sort_by_key(|m| m.entry.seq);
        found.dedup_by_key(|m| m.entry.seq);
        let floor = fs.blocks.values().map(|b| b.floor).max().unwrap_or(0);
        fs.floor = floor;
        let mut saved_last = (0u64, 0i64);
        if let Some(s) = &saved {
            saved_last = (s.last_seq, s.last_ts);
        }
        let first_possible = floor + 1;
        for Scanned { entry: e, ttl } in found {
            if e.seq < first_possible || tombs.contains(&e.seq) {
                continue;
            }
            fs.idx.advance_to(e.seq);
            let (subject, msg_len, ts) = (e.subject.clone(), e.msg_len as usize, e.ts);
            // No limits apply while rebuilding (they are set below), so
            // nothing needs admitting.
            fs.idx.insert_admitted(&subject, e.hdr_len as usize, msg_len, ts, ttl, false, |subject, _| FileEntry {
                subject,
                ..e
            });
        }
        let (mut last, mut last_ts) = max_seq;
        if floor > last {
            last = floor;
        }
        if saved_last.0 >= last && saved_last.0 > 0 {
            // The state file's timestamp is the one to trust when a damaged
            // record was counted.
            (last, last_ts) = saved_last;
        }
        if fs.idx.state().last_seq < last {
            fs.idx.advance_to(last + 1);
        }
        if fs.idx.state().msgs == 0 && floor >= fs.idx.first_seq() {
            fs.idx.advance_to(floor + 1);
        }
        fs.idx.set_last_ts(last_ts);
        // Per-block live counts from what the index kept.
        for e in fs.idx.iter_from(0) {
            if let Some(b) = fs.blocks.get_mut(&e.blk) {
                b.live += 1;
            }
        }
        fs.open_active_after_recovery(last_block)?;
        fs.convert_cipher()?;
        fs.idx.update_limits(fs.cfg.limits.clone());
        fs.idx.record_removals(true);
        fs.after_change();
        Ok(fs)
    }

    /// True when `thw.db` matches the recovered stream (only a check here:
    /// the TTLs themselves are always read back from the blocks).
    fn ttl_state_current(&self, saved: Option<&SavedState>) -> bool {
        let Ok(b) = fs::read(msgs_dir(&self.cfg.dir).join("thw.db")) else { return false };
        b.len() == 16 && saved.is_some_and(|s| b[..8] == s.last_seq.to_le_bytes()[..])
    }

    /// Reads one block into the scan results.
    /// `trusted` is the state file's last sequence when it matched the
    /// blocks: a message record failing its checksum is then still counted
    /// (reads of it fail), if its sequence is plausible.
    fn scan_block(&mut self, id: u32, is_last: bool, trusted: Option<u64>, acc: &mut Recovered) {
        let Recovered { found, tombs, max_seq, names, last_block } = acc;
        let tag = self.tag();
        let path = blk_path(&self.cfg.dir, id);
        let mut data = match fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                crate::error!("{tag} Could not read message block {id}: {e}");
                return;
            }
        };
        let aead = match self.block_key(id) {
            Ok(a) => a,
            Err(e) => {
                crate::error!("{tag} Message block {id} cannot be read: {e}");
                return;
            }
        };
        let default_form = if aead.is_some() { SEALED } else { PLAIN };
        let form = data.first().copied().unwrap_or(default_form);
        let mut blk = Block {
            form,
            len: data.len() as u64,
            live: 0,
            total: 0,
            first: 0,
            last: 0,
            tombs: Vec::new(),
            floor: 0,
            aead: aead.clone(),
        };
        let view: Vec<u8>;
        let (bytes, framed) = match form {
            PLAIN | SEALED if (form == SEALED) == aead.is_some() => (&data[..], form == SEALED),
            PACKED => match block::unpack(&data, aead.as_ref()) {
                Ok(v) => {
                    view = v;
                    (&view[..], false)
                }
                Err(e) => {
                    crate::error!("{tag} Message block {id} lost: {e}");
                    self.blocks.insert(id, blk);
                    return;
                }
            },
            _ => {
                crate::error!("{tag} Message block {id} has an unknown format, ignored");
                return;
            }
        };
        let ttl_of = self.cfg.ttl_of;
        let mut off = if form == PACKED { 0 } else { 1.min(bytes.len()) };
        let mut bad = false;
        while off < bytes.len() {
            let rest = &bytes[off..];
            let (plain, len): (std::borrow::Cow<'_, [u8]>, usize) = if framed {
                let Some(fl) = block::frame_len(rest) else {
                    bad = true;
                    break;
                };
                match block::open_frame(aead.as_ref().expect("framed blocks have keys"), &rest[..fl]) {
                    Some(p) => (p.into(), fl),
                    None => {
                        bad = true;
                        break;
                    }
                }
            } else {
                (rest.into(), 0)
            };
            let (rec, rlen, ok) = match block::decode(&plain) {
                Decoded::Good(r, n) => (r, n, true),
                Decoded::BadSum(r, n)
                    if !framed && r.kind == KIND_MSG && r.seq > blk.last && trusted.is_some_and(|l| r.seq <= l) =>
                {
                    (r, n, false)
                }
                _ => {
                    bad = true;
                    break;
                }
            };
            let len = if framed { len } else { rlen };
            if rec.seq >= max_seq.0 {
                *max_seq = (rec.seq, rec.ts);
            }
            match rec.kind {
                KIND_MSG => {
                    let ttl = match ttl_of {
                        Some(f) if ok && !rec.hdr.is_empty() => f(rec.hdr),
                        _ => 0,
                    };
                    if blk.first == 0 {
                        blk.first = rec.seq;
                    }
                    blk.last = rec.seq;
                    blk.total += 1;
                    let subject = match names.get(rec.subject) {
                        Some(n) => n.clone(),
                        None => {
                            let n: Arc<str> = Arc::from(String::from_utf8_lossy(rec.subject).as_ref());
                            names.insert(rec.subject.to_vec(), n.clone());
                            n
                        }
                    };
                    let entry = FileEntry {
                        subject,
                        seq: rec.seq,
                        ts: rec.ts,
                        blk: id,
                        off: off as u32,
                        len: len as u32,
                        hdr_len: rec.hdr.len() as u32,
                        msg_len: rec.msg.len() as u32,
                    };
                    found.push(Scanned { entry, ttl });
                }
                KIND_TOMB | KIND_ERASED => {
                    tombs.insert(rec.seq);
                    if rec.kind == KIND_TOMB {
                        blk.tombs.push(rec.seq);
                    }
                }
                _ => blk.floor = blk.floor.max(rec.seq),
            }
            off += len;
        }
        if bad && form != PACKED {
            let lost = bytes.len() - off;
            if is_last {
                crate::warn!("{tag} Truncating message block {id} at {off}: {lost} bytes of torn or corrupt records");
            } else {
                crate::warn!("{tag} Message block {id} is corrupt at {off}: dropping its remaining {lost} bytes");
            }
            let cut = if off == 0 { 0 } else { off as u64 };
            if let Err(e) = OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(cut)) {
                crate::error!("{tag} Could not truncate message block {id}: {e}");
            }
            blk.len = cut;
        }
        if is_last && form != PACKED {
            data.truncate(blk.len as usize);
            *last_block = Some((id, data));
        }
        self.blocks.insert(id, blk);
    }

    /// The key of block `id`, from `<id>.key`.
    fn block_key(&self, id: u32) -> Result<Option<Aead>, String> {
        let Some((skey, _)) = &self.cfg.key else {
            if key_path(&self.cfg.dir, id).exists() {
                return Err("the block is encrypted and no key is configured".into());
            }
            return Ok(None);
        };
        let wrapped = fs::read(key_path(&self.cfg.dir, id)).map_err(|e| format!("no block key: {e}"))?;
        let (cipher, key) = unwrap_key(skey, &wrapped).map_err(|e| format!("block key does not open: {e:?}"))?;
        Ok(Some(Aead::new(cipher, &key)))
    }

    /// After recovery: the last block stays open for appends when it can.
    fn open_active_after_recovery(&mut self, last_block: Option<(u32, Vec<u8>)>) -> std::io::Result<()> {
        let Some((&id, b)) = self.blocks.iter().next_back() else { return Ok(()) };
        let want = if self.cfg.key.is_some() { SEALED } else { PLAIN };
        let same_cipher = b.aead.as_ref().map(|a| a.cipher() as u8) == self.cfg.key.map(|(_, c)| c as u8);
        if (b.form != want && b.len > 0) || !same_cipher || b.len >= self.cfg.block_size {
            return Ok(());
        }
        let path = blk_path(&self.cfg.dir, id);
        let mut buf = match last_block {
            Some((lid, data)) if lid == id => data,
            _ => fs::read(&path)?,
        };
        let written = buf.len();
        if buf.is_empty() {
            buf.push(want);
        }
        let file = open_rw(&path)?;
        if let Some(b) = self.blocks.get_mut(&id) {
            b.form = want;
            b.len = buf.len() as u64;
        }
        self.active = Some(Active { id, file, buf, written, resident: true });
        Ok(())
    }

    /// Re-encrypts blocks written under another cipher than the configured
    /// one (the server's `cipher` changed).
    fn convert_cipher(&mut self) -> std::io::Result<()> {
        let want = self.cfg.key.map(|(_, c)| c);
        let stale: Vec<u32> = self
            .blocks
            .iter()
            .filter(|(_, b)| b.aead.as_ref().map(|a| a.cipher()) != want && b.len > 0 && want.is_some())
            .map(|(&id, _)| id)
            .collect();
        for id in stale {
            let form = if self.blocks[&id].form == PACKED { PACKED } else { SEALED };
            self.rewrite_block(id, form, Rewrite::Keep)?;
        }
        Ok(())
    }
}
