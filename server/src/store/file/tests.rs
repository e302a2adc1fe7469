//! File store unit tests: what survives a clean close, a crash (the store
//! dropped without `close`) and damage to the files.
use super::block::PACKED;
use super::*;
use crate::store::crypto::random_key;
use crate::store::SizeModel;

fn cfg(dir: &Path, key: Key, compress: bool, max_bytes: i64) -> FileStoreConfig {
    FileStoreConfig {
        dir: dir.to_path_buf(),
        name: "S".into(),
        block_size: block_size(true, max_bytes, key.is_some()),
        compress,
        key,
        sync: SyncMode::default(),
        async_flush: false,
        deferred: None,
        ttl_of: None,
        limits: StoreLimits { size_model: SizeModel::File, ..Default::default() },
    }
}

fn fill(fs: &mut FileStore, n: usize, size: usize) {
    for i in 0..n {
        let subj = if i % 2 == 0 { "foo.a" } else { "foo.b" };
        fs.store_msg(subj, b"", &vec![b'z'; size], i as i64 + 1, 0).unwrap();
    }
}

/// A stream key and cipher, when encrypted.
type Key = Option<([u8; 32], Cipher)>;

fn permutations() -> Vec<(Key, bool)> {
    let k = random_key();
    let mut v = Vec::new();
    for key in [None, Some((k, Cipher::ChaCha)), Some((k, Cipher::Aes))] {
        for compress in [false, true] {
            v.push((key, compress));
        }
    }
    v
}

#[test]
fn survives_close_and_crash_in_every_permutation() {
    for (key, compress) in permutations() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, compress, 120_000);
        let mut fs = FileStore::create(c.clone(), 1).unwrap();
        fill(&mut fs, 90, 1000);
        fs.store_msg("foo.small", b"", "last".as_bytes(), 1000, 0).unwrap();
        assert!(fs.remove_msg(5));
        assert!(fs.erase_msg(6));
        let before = fs.state();
        fs.close();
        drop(fs);
        let fs = FileStore::open(c.clone()).unwrap();
        assert_eq!(fs.state(), before, "clean restart, key {key:?} compress {compress}");
        assert!(fs.blocks.len() >= 3);
        assert_eq!(fs.load_msg(91).unwrap().msg(), "last".as_bytes());
        assert!(fs.load_msg(5).is_none() && fs.load_msg(6).is_none());
        assert_eq!(fs.load_msg(7).unwrap().msg().len(), 1000);
        drop(fs);
        // Crash: no close, and the state file gone.
        std::fs::remove_file(dir.path().join("msgs/index.db")).unwrap();
        let mut fs = FileStore::open(c.clone()).unwrap();
        assert_eq!(fs.state(), before, "rebuild, key {key:?} compress {compress}");
        assert_eq!(fs.store_msg("foo.x", b"", "next".as_bytes(), 2000, 0), Ok(92));
    }
}

#[test]
fn torn_and_flipped_tails_are_dropped() {
    for (key, compress) in permutations() {
        for damage in ["torn", "flip"] {
            let dir = tempfile::tempdir().unwrap();
            let c = cfg(dir.path(), key, compress, 0);
            let mut fs = FileStore::create(c.clone(), 1).unwrap();
            fill(&mut fs, 20, 10);
            drop(fs);
            let p = blk_path(dir.path(), 1);
            let mut data = std::fs::read(&p).unwrap();
            let n = data.len();
            if damage == "torn" {
                data.truncate(n - 3);
            } else {
                data[n - 12] ^= 0xff;
                data[n - 11] ^= 0xff;
            }
            std::fs::write(&p, data).unwrap();
            let mut fs = FileStore::open(c.clone()).unwrap();
            let st = fs.state();
            assert_eq!((st.msgs, st.last_seq), (19, 19), "{damage} key {key:?}");
            assert_eq!(fs.store_msg("foo.a", b"", "again".as_bytes(), 99, 0), Ok(20));
            drop(fs);
            let fs = FileStore::open(c).unwrap();
            assert_eq!(fs.load_msg(20).unwrap().msg(), "again".as_bytes());
        }
    }
}

#[test]
fn purges_and_limits_keep_sequences_across_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(dir.path(), None, false, 0);
    let mut fs = FileStore::create(c.clone(), 1).unwrap();
    fill(&mut fs, 10, 5);
    assert_eq!(fs.purge(), 10);
    drop(fs);
    let fs = FileStore::open(c.clone()).unwrap();
    let st = fs.state();
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 11, 10));
    drop(fs);
    c.limits.max_msgs = 3;
    let mut fs = FileStore::open(c.clone()).unwrap();
    fill(&mut fs, 10, 5);
    assert_eq!(fs.purge_ex("foo.a", 0, 0), 1);
    let before = fs.state();
    drop(fs);
    let fs = FileStore::open(c.clone()).unwrap();
    assert_eq!(fs.state(), before);
    assert_eq!((before.first_seq, before.last_seq, before.msgs), (18, 20, 2));
}

#[test]
fn first_sequence_survives_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(dir.path(), None, false, 0);
    drop(FileStore::create(c.clone(), 500).unwrap());
    let st = FileStore::open(c).unwrap().state();
    assert_eq!((st.first_seq, st.last_seq), (500, 499));
}

#[test]
fn erased_bytes_leave_the_disk() {
    for (key, compress) in permutations() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, compress, 120_000);
        let mut fs = FileStore::create(c.clone(), 1).unwrap();
        fs.store_msg("foo.a", b"", "erase-me-please".as_bytes(), 1, 0).unwrap();
        fill(&mut fs, 60, 1000);
        assert!(fs.erase_msg(1));
        fs.close();
        for e in std::fs::read_dir(dir.path().join("msgs")).unwrap() {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            assert!(!data.windows(8).any(|w| w == b"erase-me"));
        }
        drop(fs);
        std::fs::remove_file(dir.path().join("msgs/index.db")).unwrap();
        let fs = FileStore::open(c).unwrap();
        assert_eq!((fs.state().msgs, fs.state().first_seq), (60, 2));
    }
}

#[test]
fn reads_every_message_across_large_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(dir.path(), None, false, 0);
    let mut fs = FileStore::create(c, 1).unwrap();
    let n = 100_000u64;
    for i in 0..n {
        fs.store_msg("fs.read", b"", &[b'a'; 128], i as i64, 0).unwrap();
    }
    assert!(fs.blocks.len() >= 2);
    let t = std::time::Instant::now();
    let mut seq = 0;
    let mut got = 0;
    while let Some(m) = fs.load_next_msg("", seq) {
        seq = m.seq + 1;
        got += 1;
    }
    assert_eq!(got, n, "read back in {:?}", t.elapsed());
}

/// Not a timing test: prints how long a rebuild takes, for profiling by hand
/// (`cargo test --release -p server rebuild_cost -- --ignored --nocapture`).
#[test]
#[ignore]
fn rebuild_cost() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(dir.path(), None, false, 0);
    let mut fs = FileStore::create(c.clone(), 1).unwrap();
    for i in 0..1_000_000u64 {
        fs.store_msg("fs.read", b"", &[b'a'; 128], i as i64, 0).unwrap();
    }
    drop(fs);
    let t = std::time::Instant::now();
    let fs = FileStore::open(c).unwrap();
    println!("rebuilt {} messages in {:?}", fs.state().msgs, t.elapsed());
}

#[test]
fn sparse_blocks_are_compacted_and_still_recover() {
    for (key, compress) in permutations() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, compress, 120_000);
        let mut fs = FileStore::create(c.clone(), 1).unwrap();
        // Small messages: about 900 to a 32 KB block.
        fill(&mut fs, 3000, 1);
        let first_len = std::fs::metadata(blk_path(dir.path(), 1)).unwrap().len();
        let in_first = fs.blocks[&1].total;
        for seq in 2..in_first {
            assert!(fs.remove_msg(seq));
        }
        let st = fs.state();
        let len = std::fs::metadata(blk_path(dir.path(), 1)).unwrap().len();
        assert!(len * 2 < first_len, "block 1 is {len} bytes, was {first_len} (key {key:?} compress {compress})");
        assert_eq!(fs.load_msg(1).unwrap().msg(), "z".as_bytes());
        assert_eq!(fs.load_msg(in_first).unwrap().seq, in_first);
        drop(fs);
        let _ = std::fs::remove_file(dir.path().join("msgs/index.db"));
        let fs = FileStore::open(c).unwrap();
        assert_eq!(fs.state(), st, "after a rebuild (key {key:?} compress {compress})");
        assert!(fs.load_msg(2).is_none());
        assert_eq!(fs.load_msg(in_first).unwrap().seq, in_first);
    }
}

#[test]
fn idle_buffers_are_released_and_read_again() {
    for (key, compress) in permutations() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, compress, 120_000);
        let mut fs = FileStore::create(c, 1).unwrap();
        fs.idle_release = Duration::ZERO;
        fill(&mut fs, 100, 1000);
        assert_eq!(fs.load_msg(2).map(|m| m.msg().len()), Some(1000), "key {key:?} compress {compress}");
        fs.tick();
        assert!(fs.active.as_ref().is_some_and(|a| !a.resident && a.buf.is_empty()));
        assert!(fs.cache.borrow().is_empty());
        // Reads come from the file; an append brings the block back.
        assert_eq!(fs.load_msg(100).unwrap().seq, 100);
        assert!(fs.erase_msg(99));
        assert_eq!(fs.store_msg("foo.x", b"", "back".as_bytes(), 5, 0), Ok(101));
        assert_eq!(fs.load_msg(100).unwrap().seq, 100);
        assert_eq!(fs.load_msg(101).unwrap().msg(), "back".as_bytes());
        assert!(fs.load_msg(99).is_none());
    }
}

/// Writes seed inputs for the `filestore` fuzz target (valid blocks and state
/// files, which random mutation alone rarely produces):
/// `scripts/fuzz.sh filestore` runs this with `FUZZ_SEEDS` set to the corpus folder
/// (an absolute path: tests run in the package folder).
#[test]
#[ignore]
fn fuzz_seeds() {
    let Some(out) = std::env::var_os("FUZZ_SEEDS") else { return };
    std::fs::create_dir_all(&out).unwrap();
    for (i, (key, compress)) in permutations().into_iter().enumerate() {
        let key = key.map(|(_, c)| ([7u8; 32], c));
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, compress, 0);
        let mut fs = FileStore::create(c, 1).unwrap();
        fill(&mut fs, 6, 3);
        fs.remove_msg(2);
        fs.erase_msg(3);
        fs.compact(2);
        fs.close();
        let blk = std::fs::read(blk_path(dir.path(), 1)).unwrap();
        let second = if key.is_some() { key_path(dir.path(), 1) } else { dir.path().join("msgs/index.db") };
        let state = std::fs::read(second).unwrap();
        // The target's layout: mode, split, then state (or key) bytes and block bytes.
        let mut mode = if key.is_some() { 2 | 8 } else { 1 };
        if matches!(key, Some((_, Cipher::Aes))) {
            mode |= 4;
        }
        if compress {
            mode |= 16;
        }
        let mut seed = vec![mode as u8, state.len().min(255) as u8];
        seed.extend_from_slice(&state[..state.len().min(255)]);
        seed.extend_from_slice(&blk);
        std::fs::write(Path::new(&out).join(format!("seed-{i}")), seed).unwrap();
    }
}

#[test]
fn full_blocks_are_packed_off_the_append_path() {
    for key in [None, Some((random_key(), Cipher::ChaCha))] {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), key, true, 120_000);
        let mut fs = FileStore::create(c.clone(), 1).unwrap();
        fill(&mut fs, 200, 1000);
        // Reads work while the packs are pending and after they land.
        assert_eq!(fs.load_msg(3).unwrap().msg().len(), 1000);
        fs.finish_packs(true);
        assert!(fs.packing.is_empty());
        let sealed: Vec<u8> = fs
            .blocks
            .iter()
            .filter(|(id, _)| Some(**id) != fs.active.as_ref().map(|a| a.id))
            .map(|(_, b)| b.form)
            .collect();
        assert!(sealed.len() >= 5 && sealed.iter().all(|&f| f == PACKED), "{sealed:?}");
        for seq in [1, 3, 77, 150, 200] {
            assert_eq!(fs.load_msg(seq).unwrap().seq, seq);
        }
        let on_disk: u64 = fs.blocks.values().map(|b| b.len).sum();
        assert!(on_disk < 200 * 1000 / 4, "{on_disk} bytes on disk");
        // A pack cancelled by a change leaves no temporary file behind.
        fill(&mut fs, 40, 1000);
        let pending: Vec<u32> = fs.packing.keys().copied().collect();
        for id in pending {
            let first = fs.blocks[&id].first;
            assert!(fs.erase_msg(first + 1));
        }
        fs.close();
        let leftovers = std::fs::read_dir(dir.path().join("msgs"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".pack"))
            .count();
        assert_eq!(leftovers, 0);
        drop(fs);
        let fs = FileStore::open(c).unwrap();
        assert_eq!(fs.state().msgs, 240 - fs.state().num_deleted);
    }
}

#[test]
fn a_rebuild_counts_header_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(dir.path(), None, false, 0);
    let mut fs = FileStore::create(c.clone(), 1).unwrap();
    let hdr = b"NATS/1.0\r\nNats-Msg-Id: 1\r\n\r\n".to_vec();
    fs.store_msg("foo.a", &hdr, b"with headers", 1, 0).unwrap();
    fs.store_msg("foo.b", b"", "without".as_bytes(), 2, 0).unwrap();
    let before = fs.state();
    drop(fs);
    let fs = FileStore::open(c).unwrap();
    assert_eq!(fs.state(), before);
    assert_eq!(fs.load_msg(1).unwrap().hdr(), &hdr[..]);
}

/// Group commit: appended messages reach the block file only when the
/// engine flushes the deferred writes, and a crash before that loses only
/// what was never acknowledged.
#[test]
fn deferred_writes_reach_the_file_when_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let deferred = Arc::new(Deferred::default());
    let c = FileStoreConfig { deferred: Some(Arc::clone(&deferred)), ..cfg(dir.path(), None, false, 0) };
    let mut fs = FileStore::create(c.clone(), 1).unwrap();
    for i in 1..=3 {
        fs.store_msg("foo", b"", b"acked", i, 0).unwrap();
    }
    assert_eq!(fs.load_msg(3).unwrap().msg(), b"acked", "reads see appended messages at once");
    assert_eq!(deferred.flush(), Ok(()));
    fs.store_msg("foo", b"", b"never acked", 4, 0).unwrap();
    // A crash now: no close, no flush.
    std::mem::forget(fs);
    let fs = FileStore::open(cfg(dir.path(), None, false, 0)).unwrap();
    let st = fs.state();
    assert_eq!((st.msgs, st.last_seq), (3, 3));
    assert_eq!(fs.load_msg(3).unwrap().msg(), b"acked");
}
