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
//! whole blocks. Every change is appended as a record (see [`block`]) before
//! the call returns, so a process crash loses nothing that was acknowledged;
//! `sync_interval` decides only when the OS is asked to put it on the disk.
//!
//! Recovery reads every block: a bad record at the end of the last block (a
//! torn or half-written record) is cut off; a bad record elsewhere loses the
//! rest of its block, which shows as deleted sequences.
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::crypto::{unwrap_key, wrap_key, Aead, Cipher};
use super::seqindex::{IndexEntry, SeqIndex};
use super::{SimpleState, SizeModel, StoreError, StoreLimits, StoredMsg, StreamState, StreamStore};

pub mod block;
pub mod meta;
pub mod state;

use block::{Decoded, KIND_ERASED, KIND_FLOOR, KIND_MSG, KIND_TOMB, PACKED, PLAIN, SEALED};
use state::{SavedState, StateError};

/// Go's block sizes (filestore.go `dynBlkSize`).
pub const MIN_BLOCK_SIZE: u64 = 32 * 1000;
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
    /// Reads a message's TTL (seconds, -1 never) from its headers, for
    /// streams that allow per-message TTLs.
    pub ttl_of: Option<fn(&[u8]) -> i64>,
    pub limits: StoreLimits,
}

/// Where one message lies.
#[derive(Clone, Debug)]
pub struct FileEntry {
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
}

/// A block packed into a temporary file, ready to replace the original.
#[derive(Debug)]
struct Packed {
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
pub fn write_atomic(path: &Path, data: &[u8], sync: bool) -> std::io::Result<()> {
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
    /// A new, empty store (the stream was just created).
    pub fn create(cfg: FileStoreConfig, first_seq: u64) -> std::io::Result<FileStore> {
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
        }
    }

    fn tag(&self) -> String {
        format!("Filestore [{}]", self.cfg.name)
    }

    /// The cipher new blocks use.
    fn cipher_byte(&self) -> u8 {
        self.cfg.key.map_or(0, |(_, c)| c as u8)
    }

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

    // ---- writing ----

    fn new_block(&mut self) -> std::io::Result<()> {
        self.seal_active()?;
        // The block being left may hold only removed messages.
        self.maybe_empty = true;
        let id = self.blocks.keys().next_back().map_or(1, |l| l + 1);
        let aead = match &self.cfg.key {
            Some((skey, cipher)) => {
                let bkey = super::crypto::random_key();
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

    /// Closes the active block for appends, packing it when compressing.
    fn seal_active(&mut self) -> std::io::Result<()> {
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
    fn finish_packs(&mut self, wait: bool) {
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

    /// Points the index entries of block `id` at their places in its new
    /// file, and forgets the cached old one.
    fn repoint(&mut self, id: u32, places: &HashMap<u64, (u32, u32)>) {
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

    /// Drops a pending pack of a block that is about to change.
    fn cancel_pack(&mut self, id: u32) {
        if let Some(rx) = self.packing.remove(&id) {
            self.cancelled.push(rx);
        }
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
    fn append_record(
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
    fn flush_writes(&mut self) {
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

    fn fail(&mut self, why: String) {
        if self.failed.is_none() {
            crate::error!("{} Store failure, refusing writes: {why}", self.tag());
            self.failed = Some(why);
        }
    }

    /// Persists the consequences of a change: tombstones for interior
    /// removals, a floor for removals at the head, freeing empty blocks; then
    /// writes (before the caller acknowledges anything).
    fn after_change(&mut self) {
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
            self.flush_writes();
        }
    }

    /// Deletes blocks without live messages (never the last one, whose
    /// records keep the last sequence), moving their tombstones and floor to
    /// the active block first.
    fn free_empty_blocks(&mut self) {
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
    fn compact_sparse_blocks(&mut self, removed: &[FileEntry]) {
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

    // ---- reading ----

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

    fn read(&self, e: &FileEntry) -> Option<StoredMsg> {
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
            Decoded::Good(r, _) if r.kind == KIND_MSG && r.seq == e.seq => Some(StoredMsg {
                subject: e.subject.clone(),
                hdr: Bytes::copy_from_slice(r.hdr),
                msg: Bytes::copy_from_slice(r.msg),
                seq: e.seq,
                ts: e.ts,
            }),
            _ => None,
        }
    }

    // ---- rewriting blocks ----

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
    fn rewrite_block(&mut self, id: u32, form: u8, how: Rewrite) -> std::io::Result<()> {
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
                let bkey = super::crypto::random_key();
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
    fn erase_on_disk(&mut self, e: &FileEntry) -> std::io::Result<()> {
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

    fn check_writable(&self) -> Result<(), StoreError> {
        if self.failed.is_some() {
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

/// What a block rewrite changes besides the form and cipher.
enum Rewrite {
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

impl StreamStore for FileStore {
    fn store_msg(&mut self, subject: &str, hdr: Bytes, msg: Bytes, ts: i64, ttl: i64) -> Result<u64, StoreError> {
        self.check_writable()?;
        let at_subject_limit = self.idx.admit(subject, &hdr, msg.len())?;
        let seq = self.idx.next_seq();
        let (blk, off, len) = match self.append_record(KIND_MSG, seq, ts, subject.as_bytes(), &hdr, &msg) {
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
            if let Some(a) = &mut self.active {
                if a.resident && a.written == a.buf.len() {
                    a.buf = Vec::new();
                    a.resident = false;
                }
            }
        }
        if let SyncMode::Every(d) = self.cfg.sync {
            if self.unsynced && self.last_sync.elapsed() >= d {
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
