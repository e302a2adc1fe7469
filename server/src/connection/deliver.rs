//! Delivery: the one path by which a message reaches subscribers, whoever
//! sent it: a client, the server's services, JetStream (Go's
//! `processMsgResults` and `deliverMsg` in `server/client.go`).
//!
//! [`fan_out`] matches the subject in an account's sublist and delivers to
//! every plain subscriber and to one member of each queue group (starting at a
//! random member and moving on when one refuses). [`deliver`] hands the message
//! to one subscription: an internal one gets its callback called, any other
//! gets `MSG`/`HMSG` appended to its connection's outbound queue.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::outbound::{MsgParts, Queued};
use super::{Connection, Subscription};
use crate::message::Msg;
use crate::sublist::Sublist;

/// The sending side of a fan-out: who publishes, and what the deliveries did.
/// A client keeps one for its lifetime, so the line buffer is reused.
pub(crate) struct Publisher {
    /// The publishing connection; `None` when the server publishes.
    from: Option<Arc<Connection>>,
    /// Receivers whose outbound queues passed half of `max_pending`: a client
    /// publisher waits for them before reading more (server publishes never wait).
    pub(crate) stalled: Vec<Arc<Connection>>,
    /// Messages and payload bytes written to connections.
    out_msgs: u64,
    out_bytes: u64,
    line: Vec<u8>,
}

impl Publisher {
    /// Publishes by connection `from`, subject to its echo setting.
    pub(crate) fn connection(from: &Arc<Connection>) -> Self {
        Publisher { from: Some(Arc::clone(from)), stalled: Vec::new(), out_msgs: 0, out_bytes: 0, line: Vec::new() }
    }

    /// Publishes by the server itself: no echo rule, no stalls.
    pub(crate) fn server() -> Self {
        Publisher { from: None, stalled: Vec::new(), out_msgs: 0, out_bytes: 0, line: Vec::new() }
    }

    /// Takes the counts gathered so far, leaving zeros.
    pub(crate) fn take_counts(&mut self) -> (u64, u64) {
        (std::mem::take(&mut self.out_msgs), std::mem::take(&mut self.out_bytes))
    }
}

/// Delivers `msg` to every subscription in `sublist` that matches its subject,
/// one member per queue group; returns whether anyone received it.
pub(crate) fn fan_out(sublist: &Sublist<Subscription>, msg: &Msg, p: &mut Publisher) -> bool {
    let result = sublist.match_subject(msg.subject_str());
    if result.is_empty() {
        return false;
    }
    let mut delivered = false;
    for sub in &result.psubs {
        delivered |= deliver(sub, msg, p, false);
    }
    for group in &result.qsubs {
        if group.is_empty() {
            continue;
        }
        let start = rand::random::<u32>() as usize % group.len();
        for i in 0..group.len() {
            if deliver(&group[(start + i) % group.len()], msg, p, false) {
                delivered = true;
                break;
            }
        }
    }
    delivered
}

/// Hands `msg` to one subscription. `to_self` delivers to the publisher's own
/// subscription even without echo (Go's no-responders status). Returns
/// whether it was delivered.
pub(crate) fn deliver(sub: &Arc<Subscription>, msg: &Msg, p: &mut Publisher, to_self: bool) -> bool {
    if let Some(icb) = &sub.icb {
        sub.delivered.fetch_add(1, Ordering::Relaxed);
        icb(msg, p.from.as_ref());
        return true;
    }
    let target = &sub.conn;
    if let Some(from) = &p.from {
        if target.cid == from.cid && !to_self && !from.echo.load(Ordering::Relaxed) {
            return false;
        }
    }
    let Some((queued, size)) = write_msg(sub, msg, &mut p.line) else {
        return false;
    };
    match queued {
        Queued::Closed => return false,
        Queued::Stall if p.from.is_some() => {
            if !p.stalled.iter().any(|c| c.cid == target.cid) {
                p.stalled.push(Arc::clone(target));
            }
        }
        Queued::Stall | Queued::Ok => {}
    }
    p.out_msgs += 1;
    p.out_bytes += size;
    true
}

/// Formats and queues one `MSG`/`HMSG` for `sub` (Go's `deliverMsg`): applies the
/// subscriber's deny filter and auto-unsubscribe limit, strips headers for
/// connections that did not ask for them, and records reply subjects for
/// `allow_responses`. Returns the queue outcome and payload size, or `None`
/// when the message was skipped.
fn write_msg(sub: &Arc<Subscription>, msg: &Msg, line: &mut Vec<u8>) -> Option<(Queued, u64)> {
    let target = &sub.conn;
    let subject = msg.shown_subject();
    if target.has_sub_deny.load(Ordering::Relaxed) {
        let perms = target.perms.read().unwrap_or_else(|e| e.into_inner());
        let subj = std::str::from_utf8(subject).unwrap_or("");
        if perms.as_ref().and_then(|p| p.subscribe.as_ref()).is_some_and(|s| s.denies_delivery(subj)) {
            return None;
        }
    }
    let max = sub.max.load(Ordering::Relaxed);
    if max > 0 {
        let n = sub.delivered.fetch_add(1, Ordering::Relaxed) + 1;
        if n > max {
            return None;
        }
        if n == max {
            target.remove_sub(sub);
        }
    } else {
        sub.delivered.fetch_add(1, Ordering::Relaxed);
    }
    // A connection that did not announce header support gets the payload only
    // (Go strips the header block in `deliverMsg`).
    let stripped;
    let (header_len, body) = match msg.header_len {
        Some(h) if target.headers.load(Ordering::Relaxed) => (Some(h), &msg.data),
        Some(h) => {
            stripped = msg.data.slice(h..);
            (None, &stripped)
        }
        None => (None, &msg.data),
    };
    line.clear();
    line.extend_from_slice(if header_len.is_some() { b"HMSG " } else { b"MSG " });
    line.extend_from_slice(subject);
    line.push(b' ');
    line.extend_from_slice(&sub.sid);
    line.push(b' ');
    if let Some(r) = &msg.reply {
        line.extend_from_slice(r);
        line.push(b' ');
    }
    if let Some(h) = header_len {
        push_usize(line, h);
        line.push(b' ');
    }
    push_usize(line, body.len());
    line.extend_from_slice(b"\r\n");
    if crate::log::trace_enabled() {
        let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
        target.trace(format_args!("->> [{text}]"));
        target.trace(format_args!("->> MSG_PAYLOAD: [{}]", crate::json::go_quote(body)));
    }
    let queued = target.enqueue_msg(MsgParts { line, body });
    if queued == Queued::Closed {
        return Some((queued, 0));
    }
    let size = body.len() as u64;
    target.out_msgs.fetch_add(1, Ordering::Relaxed);
    target.out_bytes.fetch_add(size, Ordering::Relaxed);
    if let Some(r) = &msg.reply {
        target.note_reply(r);
    }
    Some((queued, size))
}

fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut v = Vec::new();
        push_usize(&mut v, 0);
        v.push(b' ');
        push_usize(&mut v, 1_048_576);
        assert_eq!(v, b"0 1048576");
    }
}
