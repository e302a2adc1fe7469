//! Persistence of file-storage streams across restarts. There is no file
//! store yet: file streams live in memory and are written out as one JSON
//! snapshot per stream on shutdown (and read back at startup), under
//! `<store_dir>/<account>/streams/<stream>/`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::api_types::{ConsumerConfig, Storage, StreamConfig};
use super::consumer::{Consumer, ConsumerSnapshot};
use super::stream::{get_header, parse_msg_ttl, Stream, HDR_TTL};
use super::AccountJs;

const SNAPSHOT: &str = "rnats-snapshot.json";

#[derive(Serialize, Deserialize)]
struct MsgSnap {
    seq: u64,
    ts: i64,
    subject: String,
    hdr: Vec<u8>,
    msg: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct ConsumerSnap {
    name: String,
    config: ConsumerConfig,
    created: i64,
    state: ConsumerSnapshot,
}

#[derive(Serialize, Deserialize)]
struct StreamSnap {
    config: StreamConfig,
    created: i64,
    last_seq: u64,
    last_ts: i64,
    msgs: Vec<MsgSnap>,
    dedupe: Vec<(i64, String, u64)>,
    last_msg_id: String,
    src_progress: BTreeMap<String, u64>,
    consumers: Vec<ConsumerSnap>,
}

fn stream_dir(dir: &Path, account: &str, stream: &str) -> PathBuf {
    dir.join(account).join("streams").join(stream)
}

/// Writes every file stream of `account`; removes snapshots of streams that
/// no longer exist.
pub fn save_account(dir: &Path, account: &str, acc: &AccountJs) -> std::io::Result<()> {
    let root = dir.join(account).join("streams");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = acc.streams.get(&name).is_some_and(|s| s.cfg.storage == Storage::File);
            if !keep && e.path().join(SNAPSHOT).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    for (name, s) in &acc.streams {
        if s.cfg.storage != Storage::File {
            continue;
        }
        let st = s.store.state();
        let mut msgs = Vec::with_capacity(st.msgs as usize);
        let mut seq = 0;
        while let Some(m) = s.store.load_next_msg("", seq) {
            seq = m.seq + 1;
            msgs.push(MsgSnap {
                seq: m.seq,
                ts: m.ts,
                subject: m.subject.to_string(),
                hdr: m.hdr.to_vec(),
                msg: m.msg.to_vec(),
            });
        }
        let (dedupe, last_msg_id) = s.dedupe_state();
        let consumers = s
            .consumers
            .iter()
            .map(|(n, c)| ConsumerSnap {
                name: n.clone(),
                config: c.cfg.clone(),
                created: c.created,
                state: c.state_snapshot(),
            })
            .collect();
        let snap = StreamSnap {
            config: s.cfg.clone(),
            created: s.created,
            last_seq: st.last_seq,
            last_ts: st.last_ts,
            msgs,
            dedupe,
            last_msg_id,
            src_progress: s.src_progress.clone(),
            consumers,
        };
        let d = stream_dir(dir, account, name);
        std::fs::create_dir_all(&d)?;
        let body = serde_json::to_vec(&snap).map_err(std::io::Error::other)?;
        let tmp = d.join(format!("{SNAPSHOT}.tmp"));
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, d.join(SNAPSHOT))?;
    }
    Ok(())
}

/// Reads the snapshots of `account`'s streams.
pub fn load_account(dir: &Path, account: &str, now: i64) -> Vec<Stream> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join(account).join("streams")) else { return out };
    for e in entries.flatten() {
        let Ok(body) = std::fs::read(e.path().join(SNAPSHOT)) else { continue };
        let Ok(snap) = serde_json::from_slice::<StreamSnap>(&body) else { continue };
        out.push(restore(snap, now));
    }
    out
}

fn restore(snap: StreamSnap, now: i64) -> Stream {
    let mut s = Stream::new(snap.config, snap.created);
    let ttls = s.cfg.allow_msg_ttl;
    for m in snap.msgs {
        while s.store.state().last_seq + 1 < m.seq {
            s.store.skip_msg(m.ts);
        }
        if s.store.state().last_seq >= m.seq {
            continue;
        }
        let hdr = Bytes::from(m.hdr);
        let ttl = if ttls { get_header(&hdr, HDR_TTL).and_then(|v| parse_msg_ttl(v).ok()).unwrap_or(0) } else { 0 };
        let _ = s.store.store_msg(&m.subject, hdr, Bytes::from(m.msg), m.ts, ttl);
    }
    while s.store.state().last_seq < snap.last_seq {
        s.store.skip_msg(snap.last_ts);
    }
    s.restore_dedupe(snap.dedupe, snap.last_msg_id);
    s.src_progress = snap.src_progress;
    for c in snap.consumers {
        let mut con = Consumer::new(&s.cfg, &c.name, c.config, &*s.store, now);
        con.restore_state(&c.state, c.created, now);
        s.consumers.insert(c.name, con);
    }
    s
}
