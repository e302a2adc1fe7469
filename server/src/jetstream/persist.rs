//! File streams and their consumers on disk, in Go's directory layout:
//!
//! ```text
//! <store_dir>/jetstream/<account>/streams/<stream>/
//!     meta.inf meta.sum meta.key      the stream config (see store::file::meta)
//!     msgs/                           the file store (store::file)
//!     sources.db                      mirror/source progress (written on the tick after it changes)
//!     obs/<consumer>/meta.inf ...     consumer config, and o.dat its state
//! ```
//!
//! Stream and consumer configs are written when created or updated, before
//! the API replies. Consumer state (`o.dat`) is written on the engine tick
//! when it changed and on shutdown, so a kill -9 loses at most one tick of
//! acks, which then redeliver.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::api_types::{mirror_of, sources_of, Compression, ConsumerConfig, Retention, Storage, StreamConfig};
use super::consumer::{Consumer, ConsumerSnapshot};
use super::stream::{get_header, parse_msg_ttl, ConsumerFiles, Stream, StreamFiles, HDR_TTL};
use crate::store::crypto::KeyConfig;
use crate::store::file::meta::{MetaError, MetaFiles};
use crate::store::file::{block_size, FileStore, FileStoreConfig, SyncMode};

/// Server-wide file store settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct StoreEnv {
    /// `<store_dir>/jetstream`.
    pub(crate) root: PathBuf,
    pub(crate) keys: Option<KeyConfig>,
    pub(crate) sync: SyncMode,
    /// The engine's group commit: file stores hand their writes here.
    pub(crate) deferred: Arc<crate::store::file::Deferred>,
}

#[derive(Serialize, Deserialize)]
struct StreamMeta {
    created: i64,
    config: StreamConfig,
}

#[derive(Serialize, Deserialize)]
struct ConsumerMeta {
    name: String,
    created: i64,
    config: ConsumerConfig,
}

fn stream_dir(env: &StoreEnv, account: &str, stream: &str) -> PathBuf {
    env.root.join(account).join("streams").join(stream)
}

fn ttl_from_headers(hdr: &[u8]) -> i64 {
    get_header(hdr, HDR_TTL).and_then(|v| parse_msg_ttl(v).ok()).unwrap_or(0)
}

fn store_config(env: &StoreEnv, dir: &Path, cfg: &StreamConfig, key: Option<[u8; 32]>) -> FileStoreConfig {
    let encrypted = key.is_some();
    FileStoreConfig {
        dir: dir.to_path_buf(),
        name: cfg.name.clone(),
        block_size: block_size(cfg.retention == Retention::Limits, cfg.max_bytes, encrypted),
        compress: cfg.compression == Compression::S2,
        key: key.zip(env.keys.as_ref().map(|k| k.cipher)),
        sync: env.sync,
        async_flush: cfg.persist_mode.as_deref() == Some("async"),
        deferred: Some(Arc::clone(&env.deferred)),
        ttl_of: cfg.allow_msg_ttl.then_some(ttl_from_headers as fn(&[u8]) -> i64),
        limits: super::stream::store_limits(cfg),
    }
}

/// A metadata file's JSON, byte for byte as Go's `json.Marshal` writes it.
fn json<T: Serialize>(v: &T) -> Vec<u8> {
    crate::json::to_vec(v)
}

/// Creates the files of a new file stream and its store.
pub(crate) fn create_stream(env: &StoreEnv, account: &str, cfg: StreamConfig, created: i64) -> std::io::Result<Stream> {
    let dir = stream_dir(env, account, &cfg.name);
    if dir.exists() {
        // Leftovers of a stream deleted while its files were busy.
        std::fs::remove_dir_all(&dir)?;
    }
    let context = format!("{account}/{}", cfg.name);
    let meta = MetaFiles::create(&dir, env.keys.as_ref(), &context)?;
    meta.write_meta(&json(&StreamMeta { created, config: cfg.clone() }))?;
    let store = FileStore::create(store_config(env, &dir, &cfg, meta.key), cfg.first_seq)?;
    let mut s = Stream::with_store(cfg, created, Box::new(store));
    s.files = Some(StreamFiles { meta, context, consumers: BTreeMap::new(), last_src: BTreeMap::new() });
    Ok(s)
}

/// Rewrites a stream's config after an update.
pub(crate) fn update_stream(s: &mut Stream) {
    let Some(f) = &s.files else { return };
    if let Err(e) = f.meta.write_meta(&json(&StreamMeta { created: s.created, config: s.cfg.clone() })) {
        crate::error!("JetStream could not write the config of stream '{}': {e}", s.cfg.name);
    }
    s.store.set_compression(s.cfg.compression == Compression::S2);
}

/// Removes a deleted stream's files.
pub(crate) fn delete_stream(s: &Stream) {
    if let Some(f) = &s.files {
        if let Err(e) = std::fs::remove_dir_all(&f.meta.dir) {
            crate::error!("JetStream could not remove the files of stream '{}': {e}", s.cfg.name);
        }
    }
}

/// Writes a new or updated consumer's config (ephemeral consumers too, as
/// Go does; they come back after a restart until their inactivity ends).
pub(crate) fn save_consumer_config(s: &mut Stream, name: &str, env: &StoreEnv) {
    let Some(f) = &mut s.files else { return };
    let Some(c) = s.consumers.get(name) else { return };
    // Go filestore.go `ConsumerStore`: `mem_storage` consumers of a file
    // stream keep their state in memory only.
    if c.cfg.mem_storage {
        return;
    }
    let body = json(&ConsumerMeta { name: name.to_string(), created: c.created, config: c.cfg.clone() });
    let res = match f.consumers.get(name) {
        Some(cf) => cf.meta.write_meta(&body),
        None => {
            let dir = f.meta.dir.join("obs").join(name);
            let context = format!("{}/{name}", f.context);
            MetaFiles::create(&dir, env.keys.as_ref(), &context).and_then(|meta| {
                meta.write_meta(&body)?;
                f.consumers.insert(name.to_string(), ConsumerFiles { meta, last_state: Vec::new(), last_print: None });
                Ok(())
            })
        }
    };
    if let Err(e) = res {
        crate::error!("JetStream could not write consumer '{name}' of stream '{}': {e}", s.cfg.name);
    }
}

/// Removes a deleted consumer's files.
pub(crate) fn delete_consumer(s: &mut Stream, name: &str) {
    let Some(f) = &mut s.files else { return };
    if let Some(cf) = f.consumers.remove(name) {
        let _ = std::fs::remove_dir_all(&cf.meta.dir);
    }
}

/// Writes what changed since the last call: consumer states and source
/// progress (engine tick), and lets the store do its periodic work.
pub(crate) fn tick_stream(s: &mut Stream) {
    s.store.tick();
    let Some(f) = &mut s.files else { return };
    for (name, c) in &s.consumers {
        let Some(cf) = f.consumers.get_mut(name) else { continue };
        let print = c.state_fingerprint();
        if cf.last_print == Some(print) {
            continue;
        }
        let state = json(&c.state_snapshot());
        if state != cf.last_state {
            if let Err(e) = cf.meta.write("o.dat", &state) {
                crate::error!("JetStream could not write the state of consumer '{name}': {e}");
                continue;
            }
            cf.last_state = state;
        }
        cf.last_print = Some(print);
    }
    if s.src_progress != f.last_src && f.meta.write("sources.db", &json(&s.src_progress)).is_ok() {
        f.last_src = s.src_progress.clone();
    }
}

/// Clean shutdown of one stream.
pub(crate) fn close_stream(s: &mut Stream) {
    tick_stream(s);
    s.store.close();
}

/// Reads back the file streams of `account` (at startup).
pub(crate) fn load_account(env: &StoreEnv, account: &str, now: i64) -> Vec<Stream> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(env.root.join(account).join("streams")) else { return out };
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match load_stream(env, account, &dir, &name, now) {
            Ok(s) => out.push(s),
            Err(e) => crate::error!("JetStream could not restore stream '{account} > {name}': {e}"),
        }
    }
    out
}

fn load_stream(env: &StoreEnv, account: &str, dir: &Path, name: &str, now: i64) -> Result<Stream, String> {
    let context = format!("{account}/{name}");
    let meta = match MetaFiles::open(dir, env.keys.as_ref(), &context) {
        Ok(m) => m,
        Err(e @ (MetaError::NoKeys | MetaError::NotEnabled)) => {
            crate::warn!("Error decrypting our stream metafile: {e}");
            return Err(format!("stream metafile: {e}"));
        }
        Err(e) => return Err(e.to_string()),
    };
    let body = meta.read_meta().map_err(|e| format!("stream metafile {e}"))?;
    let sm: StreamMeta =
        serde_json::from_slice(&body).map_err(|e| format!("Error unmarshalling stream metafile: {e}"))?;
    let mut cfg = sm.config;
    if cfg.storage != Storage::File {
        return Err("not a file stream".into());
    }
    cfg.name = name.to_string();
    let store = FileStore::open(store_config(env, dir, &cfg, meta.key)).map_err(|e| format!("opening store: {e}"))?;
    let mut s = Stream::with_store(cfg, sm.created, Box::new(store));
    let mut files = StreamFiles { meta, context, consumers: BTreeMap::new(), last_src: BTreeMap::new() };

    // Source progress: what was saved, or (after a crash) what the stored
    // messages say they came from, whichever is further.
    let mut progress: BTreeMap<String, u64> =
        files.meta.read("sources.db").and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    recover_source_progress(&s, &mut progress);
    files.last_src = progress.clone();
    s.src_progress = progress;
    s.rebuild_dedupe(now);

    let obs = dir.join("obs");
    let mut cdirs: Vec<PathBuf> =
        std::fs::read_dir(&obs).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    cdirs.sort();
    for cdir in cdirs {
        let cname = cdir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let ccontext = format!("{}/{cname}", files.context);
        let loaded = MetaFiles::open(&cdir, env.keys.as_ref(), &ccontext)
            .map_err(|e| e.to_string())
            .and_then(|m| m.read_meta().map(|b| (m, b)).map_err(|e| e.to_string()))
            .and_then(|(m, b)| serde_json::from_slice::<ConsumerMeta>(&b).map(|cm| (m, cm)).map_err(|e| e.to_string()));
        let (cmeta, cm) = match loaded {
            Ok(x) => x,
            Err(e) => {
                crate::warn!("Error unmarshalling consumer metafile {:?}: {e}", cdir.join("meta.inf"));
                continue;
            }
        };
        let mut con = Consumer::new(&s.cfg, &cname, cm.config, &*s.store, now);
        let state = cmeta.read("o.dat").unwrap_or_default();
        match serde_json::from_slice::<ConsumerSnapshot>(&state) {
            Ok(st) => con.restore_state(&st, cm.created, now),
            Err(_) => con.created = cm.created,
        }
        files.consumers.insert(cname.clone(), ConsumerFiles { meta: cmeta, last_state: state, last_print: None });
        s.consumers.insert(cname, con);
    }
    s.files = Some(files);
    Ok(s)
}

/// How far back from the newest message a restart looks for sourced
/// messages. `sources.db` is written on the tick after progress changes, so
/// only what was stored in that last tick before a crash can be missing
/// from it; this bound keeps a stream whose source never delivered from
/// being read whole at startup.
const SOURCE_SCAN_LIMIT: u64 = 100_000;

/// Raises source progress to the newest origin sequence found on stored
/// messages: sourced messages carry `Nats-Stream-Source: <origin> <seq> ...`,
/// and a mirror's sequences are the origin's.
fn recover_source_progress(s: &Stream, progress: &mut BTreeMap<String, u64>) {
    let st = s.store.state();
    if let Some(m) = mirror_of(&s.cfg) {
        let e = progress.entry(m.iname()).or_insert(0);
        *e = (*e).max(st.last_seq);
        return;
    }
    let specs = sources_of(&s.cfg);
    if specs.is_empty() || st.msgs == 0 {
        return;
    }
    let mut want: BTreeMap<String, String> = specs.iter().map(|src| (src.name.clone(), src.iname())).collect();
    let mut seq = st.last_seq;
    let stop = st.first_seq.max(st.last_seq.saturating_sub(SOURCE_SCAN_LIMIT));
    while seq >= stop && !want.is_empty() {
        // Sourced messages always have headers; others are not read.
        let has_hdr = s.store.msg_info(seq).is_some_and(|(_, hdr_len)| hdr_len > 0);
        if let Some(m) = has_hdr.then(|| s.store.load_msg(seq)).flatten() {
            if let Some(tag) = get_header(m.hdr(), "Nats-Stream-Source") {
                let mut parts = tag.split(' ');
                if let (Some(origin), Some(Ok(oseq))) = (parts.next(), parts.next().map(str::parse::<u64>)) {
                    if let Some(iname) = want.remove(origin) {
                        let e = progress.entry(iname).or_insert(0);
                        *e = (*e).max(oseq);
                    }
                }
            }
        }
        if seq == 0 {
            break;
        }
        seq -= 1;
    }
}
