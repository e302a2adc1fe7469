//! Delivery: the one path by which a message reaches subscribers, whoever
//! sent it: a client, the server's services, JetStream (Go's
//! `processMsgResults` and `deliverMsg` in `server/client.go`).
//!
//! [`fan_out`] matches the subject in an account's sublist and delivers to
//! every plain subscriber and to one member of each queue group (starting at a
//! weighted random member and moving on when one refuses). [`deliver`] hands
//! the message to one subscription: an internal one gets its callback called,
//! any other gets `MSG`/`HMSG` appended to its connection's outbound queue.
//!
//! Routes are subscribers too: a route's subscriptions stand for interest on
//! the server at its other end. Whatever number of them match, a route gets
//! the message once, as one `RMSG`/`HMSG` naming the queue groups it was
//! picked for (Go's `addSubToRouteTargets` and `msgHeaderForRouteOrLeaf`).
//! A remote queue member weighs as many local members as the remote server
//! has (`RS+ ... <queue> <weight>`). A message that came from a route goes
//! to local subscribers only, and to the queue groups the route named.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use super::outbound::{MsgParts, Queued};
use super::{Connection, Kind, Subscription};
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
    /// For a message from a route: the queue groups it was sent to (Go's
    /// `pa.queues`); empty means no queue group here gets it.
    pub(crate) queue_filter: Vec<Bytes>,
    /// Routes to send the current message to, each once.
    routes: Vec<RouteTarget>,
    /// The service imports the current message passed through, to stop a
    /// cycle (Go's `pa.psi`).
    chain: Vec<u64>,
    /// Set while a message crosses a service import: stream import shadows
    /// do not get it (Go's `pmrMsgImportedFromService`), and a message a
    /// route brought reaches queue groups without a queue list
    /// (`pmrIgnoreEmptyQueueFilter`).
    crossing: bool,
    /// Set while an answer a route brought crosses back to the requester:
    /// it may go on over another route (Go's `pmrAllowSendFromRouteToRoute`).
    route_to_route: bool,
}

/// A route the current message goes to, and the queue groups it was picked
/// for there (Go's `routeTarget`).
struct RouteTarget {
    sub: Arc<Subscription>,
    queues: Vec<u8>,
}

impl Publisher {
    /// Publishes by connection `from`, subject to its echo setting.
    pub(crate) fn connection(from: &Arc<Connection>) -> Self {
        Publisher { from: Some(Arc::clone(from)), ..Publisher::server() }
    }

    /// Publishes by the server itself: no echo rule, no stalls.
    pub(crate) fn server() -> Self {
        Publisher {
            from: None,
            stalled: Vec::new(),
            out_msgs: 0,
            out_bytes: 0,
            line: Vec::new(),
            queue_filter: Vec::new(),
            routes: Vec::new(),
            chain: Vec::new(),
            crossing: false,
            route_to_route: false,
        }
    }

    pub(crate) fn is_route(&self) -> bool {
        self.from.as_ref().is_some_and(|c| c.kind == Kind::Router)
    }

    /// The publishing connection, if a connection published.
    pub(crate) fn publishing_conn(&self) -> Option<&Arc<Connection>> {
        self.from.as_ref()
    }

    /// Whether the current message already passed the service import `id`.
    pub(crate) fn passed(&self, id: u64) -> bool {
        self.chain.contains(&id)
    }

    /// How many service imports the current message passed.
    pub(crate) fn chain_len(&self) -> usize {
        self.chain.len()
    }

    /// Runs `f` (a fan-out into another account) for the message crossing
    /// the service import `id`, with the route targets gathered so far put
    /// aside (Go saves `c.in.rts` around `processServiceImport`).
    pub(crate) fn crossing<T>(&mut self, id: u64, f: impl FnOnce(&mut Publisher) -> T) -> T {
        self.crossing_to(id, false, f)
    }

    /// [`Publisher::crossing`] for an answer going back to its requester:
    /// when a route brought it, it may leave over a route again (the
    /// requester's reply subscription may be on another server).
    pub(crate) fn answer_crossing<T>(&mut self, id: u64, f: impl FnOnce(&mut Publisher) -> T) -> T {
        let to_routes = self.is_route();
        self.crossing_to(id, to_routes, f)
    }

    fn crossing_to<T>(&mut self, id: u64, route_to_route: bool, f: impl FnOnce(&mut Publisher) -> T) -> T {
        let routes = std::mem::take(&mut self.routes);
        let was_crossing = std::mem::replace(&mut self.crossing, true);
        let was_r2r = std::mem::replace(&mut self.route_to_route, route_to_route);
        self.chain.push(id);
        let out = f(self);
        self.chain.pop();
        self.route_to_route = was_r2r;
        self.crossing = was_crossing;
        self.routes = routes;
        out
    }

    /// Notes that `sub`'s route gets the current message, for `queue` if given.
    fn add_route_target(&mut self, sub: &Arc<Subscription>, queue: Option<&str>) {
        let rt = match self.routes.iter_mut().position(|rt| rt.sub.conn.cid == sub.conn.cid) {
            Some(i) => &mut self.routes[i],
            None => {
                self.routes.push(RouteTarget { sub: Arc::clone(sub), queues: Vec::new() });
                self.routes.last_mut().expect("just pushed")
            }
        };
        if let Some(q) = queue {
            rt.queues.extend_from_slice(q.as_bytes());
            rt.queues.push(b' ');
        }
    }

    /// Takes the counts gathered so far, leaving zeros.
    pub(crate) fn take_counts(&mut self) -> (u64, u64) {
        (std::mem::take(&mut self.out_msgs), std::mem::take(&mut self.out_bytes))
    }
}

/// Delivers `msg`, published in account `acc`, to every subscription in
/// `sublist` that matches its subject, one member per queue group, and to
/// each route with interest once; returns whether anyone received it.
pub(crate) fn fan_out(acc: &str, sublist: &Sublist<Subscription>, msg: &Msg, p: &mut Publisher) -> bool {
    let result = sublist.match_subject(msg.subject_str());
    if result.is_empty() {
        return false;
    }
    let from_route = p.is_route();
    let mut delivered = false;
    for sub in &result.psubs {
        if sub.conn.kind == Kind::Router {
            // Never back where it came from.
            let origin = p.from.as_ref().is_some_and(|c| c.cid == sub.conn.cid);
            if !from_route || p.route_to_route && !origin {
                p.add_route_target(sub, None);
            }
            continue;
        }
        delivered |= deliver(sub, msg, p, false);
    }
    if !from_route || !p.queue_filter.is_empty() || p.crossing {
        for group in &result.qsubs {
            delivered |= deliver_to_group(group, msg, p, from_route);
        }
    }
    if !p.routes.is_empty() {
        let routes = std::mem::take(&mut p.routes);
        for rt in &routes {
            delivered |= write_routed(acc, rt, msg, p);
        }
        p.routes = routes;
        p.routes.clear();
    }
    delivered
}

/// One member of a queue group gets the message: a local member, or a route
/// whose server has members (weighted by how many). Starts at a weighted
/// random member and moves on while members refuse.
fn deliver_to_group(group: &[Arc<Subscription>], msg: &Msg, p: &mut Publisher, from_route: bool) -> bool {
    let Some(first) = group.first() else { return false };
    let queue = first.queue.as_deref().unwrap_or("");
    let named = p.queue_filter.iter().any(|q| q.as_ref() == queue.as_bytes());
    if from_route && !named && !(p.crossing && p.queue_filter.is_empty()) {
        return false;
    }
    let weight = |s: &Subscription| -> u32 {
        if s.conn.kind != Kind::Router {
            1
        } else if from_route {
            0
        } else {
            s.qw.load(Ordering::Relaxed).max(1) as u32
        }
    };
    let total: u32 = group.iter().map(|s| weight(s)).sum();
    if total == 0 {
        return false;
    }
    let mut pick = rand::random::<u32>() % total;
    let mut start = 0;
    for (i, s) in group.iter().enumerate() {
        let w = weight(s);
        if pick < w {
            start = i;
            break;
        }
        pick -= w;
    }
    for i in 0..group.len() {
        let sub = &group[(start + i) % group.len()];
        if sub.conn.kind == Kind::Router {
            if from_route {
                continue;
            }
            p.add_route_target(sub, Some(queue));
            return true;
        }
        if deliver(sub, msg, p, false) {
            return true;
        }
    }
    false
}

/// Hands `msg` to one subscription. `to_self` delivers to the publisher's own
/// subscription even without echo (Go's no-responders status). Returns
/// whether it was delivered.
pub(crate) fn deliver(sub: &Arc<Subscription>, msg: &Msg, p: &mut Publisher, to_self: bool) -> bool {
    if let Some(cb) = &sub.import_cb {
        return cb(msg, p);
    }
    if let Some(shown_as) = &sub.shown_as {
        // A stream import's shadow: never for what a service import brought.
        if p.crossing {
            return false;
        }
        let Some(subject) = shown_as.apply(&msg.subject) else { return false };
        let imported = Msg { subject, shown: None, ..msg.clone() };
        return deliver_plain(sub, &imported, p, to_self);
    }
    deliver_plain(sub, msg, p, to_self)
}

fn deliver_plain(sub: &Arc<Subscription>, msg: &Msg, p: &mut Publisher, to_self: bool) -> bool {
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
    end_line(line, header_len, body.len());
    if crate::log::trace_enabled() {
        trace_line(target, line);
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

/// Queues one `RMSG`/`HMSG` on a route (Go's `msgHeaderForRouteOrLeaf`):
/// `RMSG [<account>] <subject> [+ <reply> <queues>| <queues>|<reply>] <size>`,
/// without the account on a route pinned to it.
/// A message a JetStream consumer delivers carries the subject its receiver
/// is shown after an `@` in its ack reply, as Go sends it.
fn write_routed(acc: &str, rt: &RouteTarget, msg: &Msg, p: &mut Publisher) -> bool {
    let target = &rt.sub.conn;
    let line = &mut p.line;
    let (header_len, stripped);
    let body = match msg.header_len {
        Some(h) if target.headers.load(Ordering::Relaxed) => {
            header_len = Some(h);
            &msg.data
        }
        Some(h) => {
            header_len = None;
            stripped = msg.data.slice(h..);
            &stripped
        }
        None => {
            header_len = None;
            &msg.data
        }
    };
    line.clear();
    line.extend_from_slice(if header_len.is_some() { b"HMSG " } else { b"RMSG " });
    if !target.route_pinned.load(Ordering::Relaxed) {
        line.extend_from_slice(acc.as_bytes());
        line.push(b' ');
    }
    line.extend_from_slice(&msg.subject);
    line.push(b' ');
    let reply_len = line.len();
    if let Some(r) = msg.reply.as_deref().filter(|r| !r.is_empty()) {
        line.extend_from_slice(r);
        if let Some(shown) = &msg.shown {
            if !crate::subject::has_js_ack_suffix(r) {
                line.push(b'@');
                line.extend_from_slice(shown);
            }
        }
        line.push(b' ');
    }
    if !rt.queues.is_empty() {
        if line.len() > reply_len {
            line.splice(reply_len..reply_len, *b"+ ");
        } else {
            line.extend_from_slice(b"| ");
        }
        line.extend_from_slice(&rt.queues);
    }
    end_line(line, header_len, body.len());
    if crate::log::trace_enabled() {
        trace_line(target, line);
    }
    if target.enqueue_msg(MsgParts { line, body }) == Queued::Closed {
        return false;
    }
    let size = body.len() as u64;
    target.out_msgs.fetch_add(1, Ordering::Relaxed);
    target.out_bytes.fetch_add(size, Ordering::Relaxed);
    p.out_msgs += 1;
    p.out_bytes += size;
    true
}

/// Ends a `MSG`/`RMSG` control line: `[<header size> ]<total size>\r\n`.
fn end_line(line: &mut Vec<u8>, header_len: Option<usize>, body_len: usize) {
    if let Some(h) = header_len {
        push_usize(line, h);
        line.push(b' ');
    }
    push_usize(line, body_len);
    line.extend_from_slice(b"\r\n");
}

/// Traces an outgoing control line (`->> [MSG ...]`).
fn trace_line(target: &Connection, line: &[u8]) {
    let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
    target.trace(format_args!("->> [{text}]"));
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
