//! A group's write-ahead log: each stored append entry as one record whose
//! position is its index, plus the group's small files (`tav.idx`,
//! `peers.idx`, `snapshots/snap.<term>.<index>`), in the group's directory
//! as Go lays it out (`<store_dir>/jetstream/$SYS/_js_/<group>/`).
//!
//! Go keeps the log in a JetStream file store (`raft.go` `storeToWAL`,
//! `truncateWAL`, `installSnapshot`). Ours is a log of its own, because a
//! RAFT log needs what a stream store does not do: truncating the tail so
//! the next index reuses the dropped ones. The disk layout need not match
//! Go's (only the wire does): `wal.log` holds records of
//! `u32 len | u64 index | bytes | u32 crc32`, all little-endian.
//!
//! - Appends are written at once; [`Wal::sync`] makes them durable, and the
//!   driver syncs before anything that depends on them goes out.
//! - Opening reads the records in order and stops at the first that is torn,
//!   fails its checksum or does not follow (a crash mid-write); the tail
//!   after it is cut off.
//! - Truncating cuts the file; compacting (after a snapshot) rewrites the
//!   records that remain through a new file and a rename.
use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::codec::SnapshotFile;

const HEADER: usize = 12;
const TRAILER: usize = 4;
/// No single append entry is this large (Go batches up to 256 KiB, plus a
/// snapshot); a longer length field is a torn or corrupt record.
const MAX_RECORD: usize = 64 * 1024 * 1024;

/// The log of one group.
#[derive(Debug)]
pub(crate) struct Wal {
    dir: PathBuf,
    file: File,
    /// Index of the first record, and each record's offset and length.
    first: u64,
    records: VecDeque<(u64, u32)>,
    end: u64,
    dirty: bool,
}

impl Wal {
    /// Opens (or creates) the log in `dir`, dropping a broken tail.
    pub(crate) fn open(dir: &Path) -> io::Result<Wal> {
        fs::create_dir_all(dir)?;
        let path = dir.join("wal.log");
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        let mut wal = Wal { dir: dir.to_path_buf(), file, first: 0, records: VecDeque::new(), end: 0, dirty: false };
        let mut off = 0usize;
        while let Some((index, len)) = parse(&buf[off..]) {
            if wal.records.is_empty() {
                wal.first = index;
            } else if index != wal.last() + 1 {
                break;
            }
            wal.records.push_back((off as u64, len as u32));
            off += HEADER + len + TRAILER;
        }
        wal.end = off as u64;
        if wal.end < buf.len() as u64 {
            wal.file.set_len(wal.end)?;
            wal.file.sync_all()?;
        }
        Ok(wal)
    }

    /// The last stored index (0 when empty).
    pub(crate) fn last(&self) -> u64 {
        if self.records.is_empty() {
            0
        } else {
            self.first + self.records.len() as u64 - 1
        }
    }

    /// The bytes stored as `index`.
    pub(crate) fn load(&self, index: u64) -> Option<Vec<u8>> {
        let i = index.checked_sub(self.first)?;
        let &(off, len) = self.records.get(usize::try_from(i).ok()?)?;
        let mut b = vec![0u8; len as usize];
        self.file.read_exact_at(&mut b, off + HEADER as u64).ok()?;
        Some(b)
    }

    /// Stores `bytes` as `index`, which must follow the last one (or start
    /// the log).
    pub(crate) fn append(&mut self, index: u64, bytes: &[u8]) -> io::Result<()> {
        if !self.records.is_empty() && index != self.last() + 1 {
            return Err(io::Error::other(format!("WAL append of index {index} after {}", self.last())));
        }
        if self.records.is_empty() {
            self.first = index;
        }
        let mut rec = Vec::with_capacity(HEADER + bytes.len() + TRAILER);
        rec.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        rec.extend_from_slice(&index.to_le_bytes());
        rec.extend_from_slice(bytes);
        rec.extend_from_slice(&crc32fast::hash(&rec[4..]).to_le_bytes());
        self.file.write_all_at(&rec, self.end)?;
        self.records.push_back((self.end, bytes.len() as u32));
        self.end += rec.len() as u64;
        self.dirty = true;
        Ok(())
    }

    /// Makes what was written durable.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        if self.dirty {
            self.file.sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Drops every record after `index`.
    pub(crate) fn truncate(&mut self, index: u64) -> io::Result<()> {
        if index < self.first {
            self.records.clear();
            self.end = 0;
        } else {
            let keep = (index - self.first + 1) as usize;
            if keep >= self.records.len() {
                return Ok(());
            }
            self.end = self.records[keep].0;
            self.records.truncate(keep);
        }
        self.file.set_len(self.end)?;
        self.file.sync_all()
    }

    /// Drops every record up to `index` (a snapshot covers them).
    pub(crate) fn compact(&mut self, index: u64) -> io::Result<()> {
        if self.records.is_empty() || index < self.first {
            return Ok(());
        }
        let keep: Vec<(u64, Vec<u8>)> =
            (index + 1..=self.last()).filter_map(|i| self.load(i).map(|b| (i, b))).collect();
        let tmp = self.dir.join("wal.log.tmp");
        let _ = fs::remove_file(&tmp);
        {
            let mut w = Wal {
                dir: self.dir.clone(),
                file: OpenOptions::new().read(true).write(true).create_new(true).open(&tmp)?,
                first: 0,
                records: VecDeque::new(),
                end: 0,
                dirty: false,
            };
            for (i, b) in &keep {
                w.append(*i, b)?;
            }
            w.sync()?;
            *self = Wal { dir: self.dir.clone(), ..w };
        }
        fs::rename(&tmp, self.dir.join("wal.log"))?;
        sync_dir(&self.dir)
    }
}

/// One record at the start of `buf`: its index and payload length.
fn parse(buf: &[u8]) -> Option<(u64, usize)> {
    if buf.len() < HEADER + TRAILER {
        return None;
    }
    let len = u32::from_le_bytes(buf[..4].try_into().ok()?) as usize;
    if len > MAX_RECORD || buf.len() < HEADER + len + TRAILER {
        return None;
    }
    let index = u64::from_le_bytes(buf[4..12].try_into().ok()?);
    let body = &buf[4..HEADER + len];
    let crc = u32::from_le_bytes(buf[HEADER + len..HEADER + len + TRAILER].try_into().ok()?);
    (crc32fast::hash(body) == crc && index > 0).then_some((index, len))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes a group file through a temporary name, synced, then a rename.
pub(crate) fn write_file(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    match path.parent() {
        Some(p) => sync_dir(p),
        None => Ok(()),
    }
}

/// The latest valid snapshot in `<dir>/snapshots`, dropping older ones and
/// any that fail their checksum.
pub(crate) fn load_snapshot(dir: &Path, group: &str) -> Option<SnapshotFile> {
    let snaps = dir.join("snapshots");
    let mut found: Vec<(u64, u64, PathBuf)> = fs::read_dir(&snaps)
        .ok()?
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?.to_string();
            let mut parts = name.strip_prefix("snap.")?.split('.');
            let term = parts.next()?.parse().ok()?;
            let index = parts.next()?.parse().ok()?;
            Some((index, term, p))
        })
        .collect();
    found.sort();
    while let Some((_, _, path)) = found.pop() {
        let snap = fs::read(&path).ok().and_then(|b| SnapshotFile::decode(group, &b).ok());
        if snap.is_some() {
            for (_, _, older) in found {
                let _ = fs::remove_file(older);
            }
            return snap;
        }
        let _ = fs::remove_file(&path);
    }
    None
}

/// Writes `snap` as `snapshots/snap.<term>.<index>` and removes older ones.
pub(crate) fn save_snapshot(dir: &Path, group: &str, snap: &SnapshotFile) -> io::Result<()> {
    let snaps = dir.join("snapshots");
    fs::create_dir_all(&snaps)?;
    let path = snaps.join(format!("snap.{}.{}", snap.last_term, snap.last_index));
    write_file(&path, &snap.encode(group))?;
    for e in fs::read_dir(&snaps)?.flatten() {
        if e.path() != path {
            let _ = fs::remove_file(e.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_after_reopening_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Wal::open(dir.path()).unwrap();
        for i in 1..=5u64 {
            w.append(i, &[i as u8; 10]).unwrap();
        }
        w.sync().unwrap();
        drop(w);
        // A half-written sixth record.
        let path = dir.path().join("wal.log");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[20, 0, 0, 0, 6, 0]).unwrap();
        drop(f);
        let w = Wal::open(dir.path()).unwrap();
        assert_eq!(w.last(), 5);
        assert_eq!(w.load(3), Some(vec![3u8; 10]));
        assert_eq!(w.load(6), None);
        assert_eq!(fs::metadata(&path).unwrap().len(), w.end);
    }

    #[test]
    fn truncation_reuses_indexes_and_compaction_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Wal::open(dir.path()).unwrap();
        for i in 1..=6u64 {
            w.append(i, &[i as u8]).unwrap();
        }
        w.truncate(3).unwrap();
        assert_eq!(w.last(), 3);
        w.append(4, b"new").unwrap();
        assert_eq!(w.load(4), Some(b"new".to_vec()));
        assert!(w.append(9, b"gap").is_err(), "an index that does not follow is refused");
        w.compact(2).unwrap();
        assert_eq!((w.load(2), w.load(3)), (None, Some(vec![3])));
        w.append(5, b"after").unwrap();
        drop(w);
        let w = Wal::open(dir.path()).unwrap();
        assert_eq!((w.first, w.last()), (3, 5));
        assert_eq!(w.load(5), Some(b"after".to_vec()));
    }

    #[test]
    fn a_corrupt_record_ends_the_log_there() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Wal::open(dir.path()).unwrap();
        for i in 1..=3u64 {
            w.append(i, b"abcdef").unwrap();
        }
        let off = w.records[1].0 + HEADER as u64 + 2;
        w.file.write_all_at(b"X", off).unwrap();
        drop(w);
        let w = Wal::open(dir.path()).unwrap();
        assert_eq!(w.last(), 1);
    }

    #[test]
    fn the_latest_good_snapshot_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let snap = |t, i| SnapshotFile { last_term: t, last_index: i, peer_state: vec![], data: vec![i as u8] };
        save_snapshot(dir.path(), "g", &snap(1, 5)).unwrap();
        save_snapshot(dir.path(), "g", &snap(2, 9)).unwrap();
        assert_eq!(load_snapshot(dir.path(), "g"), Some(snap(2, 9)));
        // A corrupt newer one is dropped in favour of nothing older (gone).
        fs::write(dir.path().join("snapshots/snap.3.12"), b"garbage").unwrap();
        assert_eq!(load_snapshot(dir.path(), "g"), Some(snap(2, 9)));
        assert!(!dir.path().join("snapshots/snap.3.12").exists());
    }
}
