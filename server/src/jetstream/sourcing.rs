//! Mirrors and sources (Go stream.go `processMirrorMsgs` /
//! `processInboundSourceMsg`), single server: instead of internal consumers
//! and flow control, a stream copies what its origins stored since it last
//! looked, after every store, API call and timer tick.

use super::api_types::SourceInfo;
use super::api_types::{mirror_of, sources_of, SourceCfg};
use super::stream::{get_header, parse_msg_ttl, AccountJs, Stream, HDR_TTL};
use crate::message::Msg;
use crate::store::StoredMsg;
use crate::subject::matches;
use crate::subject::transform::transform_subject;

/// Most messages copied from one origin per pass (keeps a pass short).
const BATCH: usize = 10_000;

impl SourceCfg {
    /// Whether an origin message on `subject` is wanted, and under which
    /// subject it is stored.
    fn map(&self, subject: &str) -> Option<String> {
        if !self.subject_transforms.is_empty() {
            return self.subject_transforms.iter().find_map(|t| transform_subject(&t.source, &t.destination, subject));
        }
        (self.filter_subject.is_empty() || matches(subject, &self.filter_subject)).then(|| subject.to_string())
    }
}

/// `mirror` / `sources` entries of stream info (Go `StreamSourceInfo`).
pub(crate) fn info(
    s: &Stream,
    origin_last: &dyn Fn(&str) -> Option<u64>,
    now: i64,
) -> (Option<SourceInfo>, Option<Vec<SourceInfo>>) {
    let one = |src: &SourceCfg| {
        let done = s.src_progress.get(&src.iname()).copied().unwrap_or(0);
        SourceInfo {
            name: src.name.clone(),
            external: src.external.clone(),
            lag: origin_last(&src.name).map_or(0, |l| l.saturating_sub(done)),
            active: if s.src_active > 0 { now.saturating_sub(s.src_active) } else { -1 },
            filter_subject: src.filter_subject.clone(),
            subject_transforms: src.subject_transforms.clone(),
        }
    };
    let mirror = mirror_of(&s.cfg).map(|m| one(&m));
    let sources = sources_of(&s.cfg);
    let sources = (!sources.is_empty()).then(|| sources.iter().map(one).collect());
    (mirror, sources)
}

/// First origin sequence a new mirror/source starts from.
fn start_seq(src: &SourceCfg, origin: &Stream) -> u64 {
    if src.opt_start_seq > 0 {
        return src.opt_start_seq;
    }
    if let Some(t) = src.opt_start_time.filter(|t| !t.is_zero()) {
        let mut seq = 0;
        while let Some(m) = origin.store.load_next_msg("", seq) {
            if m.ts >= t.0 {
                return m.seq;
            }
            seq = m.seq + 1;
        }
        return origin.store.state().last_seq + 1;
    }
    1
}

/// Copies new origin messages into every mirroring or sourcing stream of
/// the account, then lets their consumers deliver. Repeats a few times so
/// chains (a source of a source) settle in one call.
pub(crate) fn sync(acc: &mut AccountJs, now: i64, interest: &dyn Fn(&str) -> bool, out: &mut Vec<Msg>) {
    let targets: Vec<String> = acc
        .streams
        .iter()
        .filter(|(_, s)| {
            s.cfg.mirror.as_ref().is_some_and(|v| !v.is_null()) || s.cfg.sources.as_ref().is_some_and(|v| !v.is_empty())
        })
        .map(|(n, _)| n.clone())
        .collect();
    if targets.is_empty() {
        return;
    }
    for _ in 0..4 {
        let mut progressed = false;
        for t in &targets {
            progressed |= sync_one(acc, t, now, interest, out);
        }
        if !progressed {
            break;
        }
    }
}

/// Messages one origin has for a target: (origin seq, message, stored subject).
type Batch = Vec<(u64, StoredMsg, Option<String>)>;

fn sync_one(acc: &mut AccountJs, target: &str, now: i64, interest: &dyn Fn(&str) -> bool, out: &mut Vec<Msg>) -> bool {
    let Some(ts) = acc.streams.get(target) else { return false };
    let (specs, is_mirror) = match mirror_of(&ts.cfg) {
        Some(m) => (vec![m], true),
        None => (sources_of(&ts.cfg), false),
    };
    let mut work: Vec<(SourceCfg, Batch, u64, String)> = Vec::new();
    for src in specs {
        if src.external.is_some() || src.name == target {
            continue;
        }
        let Some(origin) = acc.streams.get(&src.name) else { continue };
        let iname = src.iname();
        let from = match ts.src_progress.get(&iname) {
            Some(&done) => done + 1,
            None => start_seq(&src, origin),
        };
        let last = origin.store.state().last_seq;
        if from > last {
            continue;
        }
        let mut batch = Vec::new();
        let mut seq = from;
        let mut scanned = from - 1;
        while batch.len() < BATCH {
            let Some(m) = origin.store.load_next_msg("", seq) else {
                scanned = last;
                break;
            };
            seq = m.seq + 1;
            scanned = m.seq;
            let mapped = src.map(&m.subject);
            batch.push((m.seq, m, mapped));
        }
        // Only when there is something to copy: it hashes the creation time.
        let ident = if is_mirror { String::new() } else { origin.identity() };
        work.push((src, batch, scanned, ident));
    }
    if work.is_empty() {
        return false;
    }
    let Some(s) = acc.streams.get_mut(target) else { return false };
    let mut stored = false;
    for (src, batch, scanned, ident) in work {
        let (filter, dest) = src.header_filter_and_dest();
        for (oseq, m, mapped) in batch {
            let Some(subject) = mapped else { continue };
            let ttl = if s.cfg.allow_msg_ttl {
                get_header(m.hdr(), HDR_TTL).and_then(|v| parse_msg_ttl(v).ok()).unwrap_or(0)
            } else {
                0
            };
            if is_mirror {
                let st = s.store.state();
                if st.last_seq >= oseq {
                    continue;
                }
                if st.msgs == 0 && st.last_seq + 1 < oseq {
                    s.store.compact(oseq);
                }
                while s.store.state().last_seq + 1 < oseq {
                    s.store.skip_msg(m.ts);
                }
                if s.store.store_msg(&subject, m.hdr(), m.msg(), m.ts, ttl).is_ok() {
                    stored = true;
                }
            } else {
                // Go's `genSourceHeader`: origin, sequence, filter,
                // transform, original subject, origin identity.
                let tag = format!("{} {oseq} {filter} {dest} {} {ident}", src.name, m.subject);
                let hdr = crate::message::add_header_lines(m.hdr(), &format!("Nats-Stream-Source: {tag}\r\n"));
                if s.store.store_msg(&subject, &hdr, m.msg(), now, ttl).is_ok() {
                    stored = true;
                }
            }
        }
        s.src_progress.insert(src.iname(), scanned);
    }
    s.src_active = now;
    if stored {
        let Stream { consumers, store, .. } = &mut *s;
        for c in consumers.values_mut() {
            c.deliver(&**store, now, interest, out);
        }
        s.sweep_retention();
    }
    stored
}
