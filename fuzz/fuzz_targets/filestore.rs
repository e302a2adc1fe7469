//! Recovers a file store from arbitrary bytes: the first message block, the stream
//! state file and (for encrypted stores) a block key file are taken from the input.
//! Recovery may drop data and log, but must not panic, and what it recovered must
//! read back and accept new messages.
#![no_main]
use libfuzzer_sys::fuzz_target;
use server::store::crypto::Cipher;
use server::store::file::{block_size, FileStore, FileStoreConfig, SyncMode};
use server::store::{SizeModel, StoreLimits, StreamStore};

fuzz_target!(|data: &[u8]| {
    static QUIET: std::sync::Once = std::sync::Once::new();
    // Recovery logs every damaged record; the console would bound the speed.
    QUIET.call_once(|| {
        let _ = server::log::set_file(std::path::Path::new("/dev/null"));
    });
    let Some((&mode, rest)) = data.split_first() else { return };
    let Some((&split, rest)) = rest.split_first() else { return };
    let (state, blk) = rest.split_at((split as usize).min(rest.len()));
    let dir = tempfile::tempdir().expect("a temp dir");
    let msgs = dir.path().join("msgs");
    std::fs::create_dir_all(&msgs).expect("msgs dir");
    std::fs::write(msgs.join("1.blk"), blk).expect("block");
    if mode & 1 == 1 {
        std::fs::write(msgs.join("index.db"), state).expect("state");
    }
    let key = (mode & 2 == 2).then(|| ([7u8; 32], if mode & 4 == 4 { Cipher::Aes } else { Cipher::ChaCha }));
    if key.is_some() && mode & 8 == 8 {
        std::fs::write(msgs.join("1.key"), state).expect("key");
    }
    let cfg = FileStoreConfig {
        dir: dir.path().to_path_buf(),
        name: "F".into(),
        block_size: block_size(true, 120_000, key.is_some()),
        compress: mode & 16 == 16,
        key,
        sync: SyncMode::default(),
        async_flush: false,
        deferred: None,
        ttl_of: None,
        limits: StoreLimits { size_model: SizeModel::File, ..Default::default() },
    };
    let Ok(mut fs) = FileStore::open(cfg) else { return };
    let st = fs.state();
    let mut seq = 0;
    let mut seen = 0;
    while let Some(m) = fs.load_next_msg("", seq) {
        seq = m.seq + 1;
        seen += 1;
    }
    assert!(seen <= st.msgs);
    if let Ok(next) = fs.store_msg("after.fuzz", b"", b"x", 1, 0) {
        assert!(next > st.last_seq);
        assert_eq!(fs.load_msg(next).map(|m| m.msg().to_vec()), Some(b"x".to_vec()));
    }
    fs.close();
});
