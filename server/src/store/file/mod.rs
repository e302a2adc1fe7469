//! The file store: a stream's messages in append-only block files.
//!
//! Layout under a stream's directory (the names are Go's, so the same
//! scenarios can damage either server's store): `msgs/<n>.blk` message
//! blocks, `msgs/<n>.key` their wrapped keys when encrypted, `msgs/index.db`
//! the stream state written on a clean shutdown, `msgs/thw.db` the TTL state.
//!
//! In memory the store keeps a [`SeqIndex`] of where each message lies (block,
//! offset, length) plus its subject and timestamp, never the payloads: reads
//! go to the block being appended to (kept in memory) or to a small cache of
//! whole blocks. Every change is appended as a record (see [`block`]) and
//! written to the file before it is acknowledged, so a process crash loses
//! nothing that was acknowledged: at once, or, under a JetStream engine, by
//! the engine's thread outside its lock before it publishes any reply (group
//! commit, see [`deferred`]). `sync_interval` decides only when the OS is
//! asked to put it on the disk.
//!
//! Recovery reads every block: a bad record at the end of the last block (a
//! torn or half-written record) is cut off; a bad record elsewhere loses the
//! rest of its block, which shows as deleted sequences.
//!
//! This module holds the store's types and its public operations; the jobs
//! behind them live in submodules: `recovery` (opening from the files),
//! `write` (appending, flushing, what a change implies), `deferred` (writes
//! handed off for group commit), `read` (loading
//! messages through the block cache), `packing` (compressing full blocks
//! off the append path) and `rewrite` (compaction, freeing empty blocks,
//! erasing in place, re-encryption). [`block`] is the on-disk format,
//! [`state`] the state file and [`meta`] a directory's metadata files.
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::crypto::{Aead, Cipher};
use super::seqindex::{IndexEntry, SeqIndex};
use super::{SimpleState, StoreError, StoreLimits, StoredMsg, StreamState, StreamStore};

mod block;
mod deferred;
pub(crate) mod meta;
mod packing;
mod read;
mod recovery;
mod rewrite;
mod state;
mod write;

use block::{KIND_FLOOR, KIND_MSG, KIND_TOMB};
pub use deferred::Deferred;
use deferred::Pending;
use packing::Packed;
use state::SavedState;

/// Go's block sizes (filestore.go `dynBlkSize`).
const MIN_BLOCK_SIZE: u64 = 32 * 1000;
const MEDIUM_BLOCK_SIZE: u64 = 4 * 1024 * 1024;
const LARGE_BLOCK_SIZE: u64 = 8 * 1024 * 1024;
const MAX_ENCRYPTED_BLOCK_SIZE: u64 = 2 * 1024 * 1024;
/// Whole blocks kept decoded for reads away from the active block.
const CACHED_BLOCKS: usize = 4;

/// Go `dynBlkSize`: a quarter of `max_bytes` (at least 32 KB) when set.
pub fn block_size(limits_retention: bool, max_bytes: i64, encrypted: bool) -> u64 {
    let size = if max_bytes > 0 {
        let mut b = (max_bytes as u64 / 4) + 1;
        if !b.is_multiple_of(100) {
            b += 100 - b % 100;
        }
        if b <= MIN_BLOCK_SIZE {
            MIN_BLOCK_SIZE
        } else if b >= LARGE_BLOCK_SIZE {
            LARGE_BLOCK_SIZE
        } else {
            MEDIUM_BLOCK_SIZE
        }
    } else if encrypted {
        MAX_ENCRYPTED_BLOCK_SIZE
    } else if limits_retention {
        LARGE_BLOCK_SIZE
    } else {
        MEDIUM_BLOCK_SIZE
    };
    if encrypted {
        size.min(MAX_ENCRYPTED_BLOCK_SIZE)
    } else {
        size
    }
}

/// When writes are forced to disk (`jetstream { sync_interval }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// fsync after every change, before it is acknowledged.
    Always,
    /// fsync on this period (Go's default is 2 minutes).
    Every(Duration),
}

impl SyncMode {
    /// The period between syncs; `None` syncs every change.
    pub(crate) fn interval(&self) -> Option<Duration> {
        match self {
            SyncMode::Always => None,
            SyncMode::Every(d) => Some(*d),
        }
    }
}

impl Default for SyncMode {
    fn default() -> Self {
        SyncMode::Every(Duration::from_secs(120))
    }
}

/// How a file store is set up.
#[derive(Clone, Debug)]
pub struct FileStoreConfig {
    /// The stream's directory; blocks go in `<dir>/msgs`.
    pub dir: PathBuf,
    /// For log lines (`Filestore [S] ...`).
    pub name: String,
    pub block_size: u64,
    /// Pack full blocks with Snappy (the stream's `compression: s2`).
    pub compress: bool,
    /// The stream key and the configured cipher, when encrypted.
    pub key: Option<([u8; 32], Cipher)>,
    pub sync: SyncMode,
    /// `persist_mode: async`: writes wait for the next tick instead of
    /// happening before the call returns.
    pub async_flush: bool,
    /// Where to hand writes for group commit outside the engine's lock
    /// (see `deferred`); `None` writes before each call returns.
    pub deferred: Option<Arc<Deferred>>,
    /// Reads a message's TTL (seconds, -1 never) from its headers, for
    /// streams that allow per-message TTLs.
    pub ttl_of: Option<fn(&[u8]) -> i64>,
    pub limits: StoreLimits,
}

/// Where one message lies.
#[derive(Clone, Debug)]
pub(crate) struct FileEntry {
    subject: Arc<str>,
    seq: u64,
    ts: i64,
    blk: u32,
    off: u32,
    len: u32,
    hdr_len: u32,
    msg_len: u32,
}

impl IndexEntry for FileEntry {
    #[inline]
    fn subject(&self) -> &Arc<str> {
        &self.subject
    }
    #[inline]
    fn seq(&self) -> u64 {
        self.seq
    }
    #[inline]
    fn ts(&self) -> i64 {
        self.ts
    }
    #[inline]
    fn hdr_len(&self) -> usize {
        self.hdr_len as usize
    }
    #[inline]
    fn msg_len(&self) -> usize {
        self.msg_len as usize
    }
}

#[derive(Debug)]
struct Block {
    /// `PLAIN`, `SEALED` or `PACKED`.
    form: u8,
    /// File length.
    len: u64,
    /// Live messages in this block.
    live: u64,
    /// Message records in the file, live or not: when fewer than half are
    /// live, the block is rewritten without the others.
    total: u64,
    /// Sequence range of the message records written here (0 = none).
    first: u64,
    last: u64,
    /// Tombstones written here: moved to the active block when this one goes.
    tombs: Vec<u64>,
    /// Highest floor written here.
    floor: u64,
    aead: Option<Aead>,
}

/// The block being appended to. While in use its bytes are mirrored in
/// memory (reads of recent messages, sealing); an idle block gives the
/// memory back and reads it in again when next used.
#[derive(Debug)]
struct Active {
    id: u32,
    file: File,
    buf: Vec<u8>,
    /// Bytes already written to the file.
    written: usize,
    /// `buf` mirrors the block (else it is empty and the file is all).
    resident: bool,
}

impl Active {
    fn len(&self) -> usize {
        if self.resident {
            self.buf.len()
        } else {
            self.written
        }
    }

    fn make_resident(&mut self) -> std::io::Result<()> {
        if !self.resident {
            let mut b = vec![0; self.written];
            self.file.read_exact_at(&mut b, 0)?;
            self.buf = b;
            self.resident = true;
        }
        Ok(())
    }
}

/// How long a store may go unused before its block buffers are released.
const IDLE_RELEASE: Duration = Duration::from_secs(5);

fn open_rw(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

/// A file-backed `StreamStore`.
#[derive(Debug)]
pub struct FileStore {
    cfg: FileStoreConfig,
    idx: SeqIndex<FileEntry>,
    blocks: BTreeMap<u32, Block>,
    active: Option<Active>,
    /// Highest floor on disk.
    floor: u64,
    cache: RefCell<Vec<(u32, Arc<Vec<u8>>)>>,
    scratch: Vec<u8>,
    /// Changes not yet fsynced.
    unsynced: bool,
    last_sync: Instant,
    /// The first write error: the store refuses changes after it.
    failed: Option<String>,
    /// Some block may have no live message left.
    maybe_empty: bool,
    /// Last append or read, for releasing idle buffers.
    last_use: std::cell::Cell<Instant>,
    /// How long unused before releasing them.
    idle_release: Duration,
    /// Full blocks being packed (compressed) on another thread, so the
    /// appends that follow do not wait for it.
    packing: HashMap<u32, std::sync::mpsc::Receiver<std::io::Result<Packed>>>,
    /// Packs of blocks that changed meanwhile: their files are removed when
    /// they finish.
    cancelled: Vec<std::sync::mpsc::Receiver<std::io::Result<Packed>>>,
    /// Reused buffer for the entries each change removed.
    removed_buf: Vec<FileEntry>,
    /// Bytes handed off for writing outside the engine's lock.
    pending: Arc<Pending>,
}

fn msgs_dir(dir: &Path) -> PathBuf {
    dir.join("msgs")
}

fn blk_path(dir: &Path, id: u32) -> PathBuf {
    msgs_dir(dir).join(format!("{id}.blk"))
}

fn key_path(dir: &Path, id: u32) -> PathBuf {
    msgs_dir(dir).join(format!("{id}.key"))
}

/// Writes a file through a temporary name and a rename, so a crash leaves
/// the old or the new content, never a mix.
fn write_atomic(path: &Path, data: &[u8], sync: bool) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        if sync {
            f.sync_all()?;
        }
    }
    fs::rename(&tmp, path)
}

impl FileStore {
    /// A new, empty store (the stream was just created).
    pub(crate) fn create(cfg: FileStoreConfig, first_seq: u64) -> std::io::Result<FileStore> {
        fs::create_dir_all(msgs_dir(&cfg.dir))?;
        let mut idx = SeqIndex::with_first_seq(cfg.limits.clone(), first_seq);
        idx.record_removals(true);
        let mut fs = FileStore::empty(cfg, idx);
        if first_seq > 1 {
            // The first sequence must survive a crash before any message.
            fs.append_record(KIND_FLOOR, first_seq - 1, 0, b"", b"", b"")?;
            fs.floor = first_seq - 1;
            fs.flush_writes();
        }
        Ok(fs)
    }

    fn empty(cfg: FileStoreConfig, idx: SeqIndex<FileEntry>) -> FileStore {
        FileStore {
            cfg,
            idx,
            blocks: BTreeMap::new(),
            active: None,
            floor: 0,
            cache: RefCell::new(Vec::new()),
            scratch: Vec::new(),
            unsynced: false,
            last_sync: Instant::now(),
            failed: None,
            maybe_empty: true,
            last_use: std::cell::Cell::new(Instant::now()),
            idle_release: IDLE_RELEASE,
            packing: HashMap::new(),
            cancelled: Vec::new(),
            removed_buf: Vec::new(),
            pending: Arc::default(),
        }
    }

    fn tag(&self) -> String {
        format!("Filestore [{}]", self.cfg.name)
    }

    /// The cipher new blocks use.
    fn cipher_byte(&self) -> u8 {
        self.cfg.key.map_or(0, |(_, c)| c as u8)
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        if self.failed.is_some() || self.pending.lock().error.is_some() {
            return Err(StoreError::Closed);
        }
        Ok(())
    }

    /// The stream state file's content for now.
    fn saved_state(&self) -> SavedState {
        let st = self.idx.state();
        SavedState {
            cipher: self.cipher_byte(),
            first_seq: st.first_seq,
            last_seq: st.last_seq,
            last_ts: st.last_ts,
            msgs: st.msgs,
            bytes: st.bytes,
            blocks: self.blocks.iter().map(|(&id, b)| (id, b.len)).collect(),
        }
    }
}

impl StreamStore for FileStore {
    fn store_msg(&mut self, subject: &str, hdr: &[u8], msg: &[u8], ts: i64, ttl: i64) -> Result<u64, StoreError> {
        self.check_writable()?;
        let at_subject_limit = self.idx.admit(subject, hdr, msg.len())?;
        let seq = self.idx.next_seq();
        let (blk, off, len) = match self.append_record(KIND_MSG, seq, ts, subject.as_bytes(), hdr, msg) {
            Ok(loc) => loc,
            Err(e) => {
                self.fail(format!("appending a message: {e}"));
                return Err(StoreError::Closed);
            }
        };
        let (hdr_len, msg_len) = (hdr.len() as u32, msg.len() as u32);
        let stored =
            self.idx.insert_admitted(subject, hdr.len(), msg.len(), ts, ttl, at_subject_limit, |subject, seq| {
                FileEntry { subject, seq, ts, blk, off, len, hdr_len, msg_len }
            });
        debug_assert_eq!(stored, seq);
        self.after_change();
        Ok(seq)
    }

    fn skip_msg(&mut self, ts: i64) -> u64 {
        let seq = self.idx.skip_msg(ts);
        if let Err(e) = self.append_record(KIND_TOMB, seq, ts, b"", b"", b"") {
            self.fail(format!("writing a skip: {e}"));
        }
        self.after_change();
        seq
    }

    fn load_msg(&self, seq: u64) -> Option<StoredMsg> {
        self.idx.slot(seq).and_then(|e| self.read(e))
    }

    fn load_next_msg(&self, filter: &str, start: u64) -> Option<StoredMsg> {
        let mut from = start;
        loop {
            let e = self.idx.load_next(filter, from)?;
            if let Some(m) = self.read(e) {
                return Some(m);
            }
            // Counted but unreadable (bit rot behind a clean state): skip it.
            from = e.seq + 1;
        }
    }

    fn load_last_msg(&self, filter: &str) -> Option<StoredMsg> {
        self.idx.load_last(filter).and_then(|e| self.read(e))
    }

    fn remove_msg(&mut self, seq: u64) -> bool {
        let ok = self.idx.remove_msg(seq);
        self.after_change();
        ok
    }

    fn erase_msg(&mut self, seq: u64) -> bool {
        let Some(e) = self.idx.slot(seq).cloned() else { return false };
        let ok = self.idx.remove_msg(seq);
        self.after_change();
        if ok && self.blocks.contains_key(&e.blk) {
            if let Err(err) = self.erase_on_disk(&e) {
                crate::error!("{} Erasing message {seq}: {err}", self.tag());
            }
        }
        ok
    }

    fn purge(&mut self) -> u64 {
        let n = self.idx.purge();
        self.after_change();
        n
    }

    fn purge_ex(&mut self, subject: &str, seq: u64, keep: u64) -> u64 {
        let n = self.idx.purge_ex(subject, seq, keep);
        self.after_change();
        n
    }

    fn compact(&mut self, seq: u64) -> u64 {
        let n = self.idx.compact(seq);
        self.after_change();
        n
    }

    fn state(&self) -> StreamState {
        self.idx.state()
    }

    fn subjects_state(&self, filter: &str) -> BTreeMap<String, SimpleState> {
        self.idx.subjects_state(filter)
    }

    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        self.idx.num_pending(start, filter, last_per_subject)
    }

    fn update_limits(&mut self, limits: StoreLimits) {
        self.cfg.limits = limits.clone();
        self.idx.update_limits(limits);
        self.after_change();
    }

    fn expire(&mut self, now: i64) -> u64 {
        let n = self.idx.expire(now);
        if n > 0 {
            self.after_change();
        }
        n
    }

    fn next_expiry(&self) -> Option<i64> {
        self.idx.next_expiry()
    }

    fn msg_info(&self, seq: u64) -> Option<(i64, usize)> {
        self.idx.slot(seq).map(|e| (e.ts, e.hdr_len as usize))
    }

    fn set_compression(&mut self, s2: bool) {
        self.cfg.compress = s2;
    }

    fn tick(&mut self) {
        self.finish_packs(false);
        if self.cfg.async_flush {
            self.flush_writes();
        }
        if self.last_use.get().elapsed() >= self.idle_release {
            self.cache.borrow_mut().clear();
            let handed_off = self.pending.lock().is_empty();
            if let Some(a) = &mut self.active {
                if a.resident && a.written == a.buf.len() && handed_off {
                    a.buf = Vec::new();
                    a.resident = false;
                }
            }
        }
        if let SyncMode::Every(d) = self.cfg.sync {
            if self.unsynced && self.last_sync.elapsed() >= d {
                self.pending.write_out();
                if let Some(a) = &self.active {
                    if let Err(e) = a.file.sync_data() {
                        self.fail(format!("syncing: {e}"));
                    }
                }
                self.unsynced = false;
                self.last_sync = Instant::now();
            }
        }
    }

    fn close(&mut self) {
        self.finish_packs(true);
        self.flush_writes();
        if let Some(a) = &self.active {
            let _ = a.file.sync_all();
        }
        let dir = msgs_dir(&self.cfg.dir);
        let st = self.saved_state();
        if let Err(e) = write_atomic(&dir.join("index.db"), &st.encode(), true) {
            crate::error!("{} Could not write the stream state: {e}", self.tag());
        }
        if self.cfg.ttl_of.is_some() {
            let mut b = st.last_seq.to_le_bytes().to_vec();
            b.extend_from_slice(&(self.idx.ttl_count() as u64).to_le_bytes());
            let _ = write_atomic(&dir.join("thw.db"), &b, true);
        }
    }
}

#[cfg(test)]
mod tests;
