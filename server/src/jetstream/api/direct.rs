//! Message gets (Go jetstream_api.go `jsMsgGetRequest`, stream.go
//! `processDirectGetRequest` / `getDirectRequest` / `getDirectMulti`):
//! `$JS.API.STREAM.MSG.GET` with its JSON reply, and `$JS.API.DIRECT.GET`
//! with the raw message and `Nats-*` headers, including batched and
//! multi-subject last-message gets.
use serde::Serialize;

use super::*;
use crate::jetstream::stream::Stream;
use crate::store::StreamStore;

fn stored_msg_json(m: &crate::store::StoredMsg) -> StoredMsgJson {
    StoredMsgJson {
        subject: m.subject.to_string(),
        seq: m.seq,
        hdrs: (!m.hdr().is_empty()).then(|| base64(m.hdr())),
        data: (!m.msg().is_empty()).then(|| base64(m.msg())),
        time: GoTime(m.ts),
    }
}

pub(super) fn msg_get(acc: &AccountJs, name: &str, payload: &[u8]) -> Result<Bytes, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Err(ApiError::new(E::BadRequest));
    }
    let req: MsgGetRequest = parse(payload)?;
    if req.batch > 0 || req.max_bytes > 0 {
        return Err(ApiError::new(E::BadRequest));
    }
    let (seq, last, next) = (req.seq, &req.last_by_subj, &req.next_by_subj);
    if (seq > 0 && !last.is_empty())
        || (seq == 0 && last.is_empty() && next.is_empty() && req.start_time.is_none())
        || (seq > 0 && req.start_time.is_some())
        || (req.start_time.is_some() && !last.is_empty())
        || (!last.is_empty() && !next.is_empty())
    {
        return Err(ApiError::new(E::BadRequest));
    }
    let s = acc.streams.get(name).ok_or_else(|| ApiError::new(E::StreamNotFound))?;
    let m = if !last.is_empty() {
        s.store.load_last_msg(last)
    } else if !next.is_empty() {
        s.store.load_next_msg(next, seq)
    } else if let Some(t) = req.start_time {
        first_at_or_after(&*s.store, t.0)
    } else {
        s.store.load_msg(seq)
    };
    let m = m.ok_or_else(|| ApiError::new(E::NoMessageFound))?;
    #[derive(Serialize)]
    struct Get {
        message: StoredMsgJson,
    }
    Ok(typed(types::MSG_GET, Get { message: stored_msg_json(&m) }))
}

fn first_at_or_after(store: &dyn StreamStore, t: i64) -> Option<crate::store::StoredMsg> {
    let mut s = store.state().first_seq;
    loop {
        let m = store.load_next_msg("", s)?;
        if m.ts >= t {
            return Some(m);
        }
        s = m.seq + 1;
    }
}

/// `$JS.API.DIRECT.GET.<stream>[.<subject>]`: replies with the raw message
/// and `Nats-*` headers (Go `processDirectGetRequest`).
pub(crate) fn direct_get(
    acc: &AccountJs,
    name: &str,
    last_subj: &str,
    reply: &str,
    payload: &[u8],
    out: &mut Vec<Msg>,
) {
    let status = |line: &str| Msg::status(reply, line);
    let Some(s) = acc.streams.get(name) else { return };
    if !s.cfg.allow_direct {
        return;
    }
    let req: MsgGetRequest = if !last_subj.is_empty() {
        if !payload.trim_ascii().is_empty() {
            out.push(status("408 Bad Request"));
            return;
        }
        MsgGetRequest { last_by_subj: last_subj.to_string(), ..Default::default() }
    } else if payload.trim_ascii().is_empty() {
        out.push(status("408 Empty Request"));
        return;
    } else {
        match parse(payload) {
            Ok(r) => r,
            Err(_) => {
                out.push(status("408 Malformed Request"));
                return;
            }
        }
    };
    if !req.multi_last.is_empty() {
        direct_get_multi(s, &req, reply, out);
        return;
    }
    if req.seq == 0 && req.last_by_subj.is_empty() && req.next_by_subj.is_empty() && req.start_time.is_none() {
        out.push(status("408 Bad Request"));
        return;
    }
    let store = &*s.store;
    let one = |m: &crate::store::StoredMsg, extra: &str| direct_msg(s, m, reply, req.no_hdr, extra);
    if req.batch > 0 {
        let filter = if req.next_by_subj.is_empty() { "" } else { req.next_by_subj.as_str() };
        let mut seq = if let Some(t) = req.start_time {
            first_at_or_after(store, t.0).map_or(u64::MAX, |m| m.seq)
        } else {
            req.seq.max(1)
        };
        let (mut sent, mut bytes, mut last) = (0i64, 0i64, 0u64);
        while sent < req.batch {
            let Some(m) = store.load_next_msg(filter, seq) else { break };
            let size = (m.subject.len() + m.data.len()) as i64;
            if req.max_bytes > 0 && sent > 0 && bytes + size > req.max_bytes {
                break;
            }
            sent += 1;
            bytes += size;
            seq = m.seq + 1;
            let pending = store.num_pending(seq, filter, false);
            out.push(one(&m, &format!("Nats-Num-Pending: {pending}\r\nNats-Last-Sequence: {last}\r\n")));
            last = m.seq;
        }
        if sent == 0 {
            out.push(status("404 Message Not Found"));
            return;
        }
        let pending = store.num_pending(seq, filter, false);
        out.push(status(&format!("204 EOB\r\nNats-Num-Pending: {pending}\r\nNats-Last-Sequence: {last}")));
        return;
    }
    let m = if !req.last_by_subj.is_empty() {
        store.load_last_msg(&req.last_by_subj)
    } else if !req.next_by_subj.is_empty() {
        store.load_next_msg(&req.next_by_subj, req.seq)
    } else if let Some(t) = req.start_time {
        first_at_or_after(store, t.0)
    } else {
        store.load_msg(req.seq)
    };
    match m {
        Some(m) => out.push(one(&m, "")),
        None => out.push(status("404 Message Not Found")),
    }
}

/// Most subjects a multi-subject direct get answers for.
const MAX_MULTI_LAST: usize = 1024;

/// Direct get of the last message of every subject matching `multi_last`
/// (Go `getDirectMulti`), up to a sequence or time, in sequence order,
/// closed by an end-of-batch status.
/// A direct get's answer: the stored message with `Nats-Stream`,
/// `Nats-Subject`, `Nats-Sequence`, `Nats-Time-Stamp` and `extra` added to
/// its headers (or to none with `no_hdr`).
fn direct_msg(s: &Stream, m: &crate::store::StoredMsg, reply: &str, no_hdr: bool, extra: &str) -> Msg {
    let lines = format!(
        "Nats-Stream: {}\r\nNats-Subject: {}\r\nNats-Sequence: {}\r\nNats-Time-Stamp: {}\r\n{extra}",
        s.cfg.name,
        m.subject,
        m.seq,
        crate::gotime::format_rfc3339(m.ts)
    );
    let hdr = if no_hdr { &[][..] } else { m.hdr() };
    Msg::with_headers(reply.to_string(), None, &crate::message::add_header_lines(hdr, &lines), m.msg())
}

fn direct_get_multi(s: &Stream, req: &MsgGetRequest, reply: &str, out: &mut Vec<Msg>) {
    let store = &*s.store;
    let mut upto = if req.up_to_seq > 0 { req.up_to_seq } else { u64::MAX };
    if let Some(t) = req.up_to_time {
        upto = match first_at_or_after(store, t.0) {
            Some(m) => upto.min(m.seq.saturating_sub(1)),
            None => upto,
        };
    }
    let status = |line: String| Msg::status(reply, &line);
    // The subjects with a message at or below `upto`, from the per-subject
    // state rather than by reading every message.
    let mut subjects: BTreeMap<String, crate::store::SimpleState> = BTreeMap::new();
    for f in &req.multi_last {
        subjects.extend(store.subjects_state(f).into_iter().filter(|(_, ss)| ss.first <= upto));
    }
    // Go stream.go `getDirectMulti` (maxAllowedResponses).
    if subjects.len() > MAX_MULTI_LAST {
        out.push(status("413 Too Many Results".into()));
        return;
    }
    let mut msgs: Vec<crate::store::StoredMsg> = Vec::with_capacity(subjects.len());
    for (subject, ss) in &subjects {
        let m = if ss.last <= upto {
            store.load_msg(ss.last)
        } else {
            // The subject's last message at or below `upto`.
            let mut found = None;
            let mut seq = ss.first;
            while let Some(m) = store.load_next_msg(subject, seq) {
                if m.seq > upto {
                    break;
                }
                seq = m.seq + 1;
                found = Some(m);
            }
            found
        };
        msgs.extend(m);
    }
    if msgs.is_empty() {
        out.push(status("404 No Results".into()));
        return;
    }
    msgs.sort_by_key(|m| m.seq);
    // Pending counts are of every match, sent in this batch or not.
    let total = msgs.len();
    if req.batch > 0 {
        msgs.truncate(req.batch as usize);
    }
    let upto_shown = if upto == u64::MAX { store.state().last_seq } else { upto };
    // Go's `getDirectMulti`: each message names the one sent before it.
    let mut last_seq = 0;
    for (i, m) in msgs.iter().enumerate() {
        let extra = format!("Nats-Num-Pending: {}\r\nNats-Last-Sequence: {last_seq}\r\n", total - i - 1);
        out.push(direct_msg(s, m, reply, req.no_hdr, &extra));
        last_seq = m.seq;
    }
    let pending = total - msgs.len();
    out.push(status(format!(
        "204 EOB\r\nNats-Num-Pending: {pending}\r\nNats-Last-Sequence: {last_seq}\r\nNats-UpTo-Sequence: {upto_shown}"
    )));
}
