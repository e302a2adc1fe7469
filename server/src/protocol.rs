//! The NATS client protocol: an incremental, zero-copy parser for what clients send.
//!
//! The parser pulls one operation at a time out of a `BytesMut` read buffer. Frames
//! may be split at any byte and many may be pipelined in one read; the parser keeps
//! just enough state (a half-parsed `PUB` waiting for its payload and how far it has
//! already scanned for a newline) to resume. Returned operations hold `Bytes` views
//! into the read buffer, so subjects and payloads are never copied here.
//!
//! Semantics follow Go's `server/parser.go` (`client.parse`) and the `process*`
//! argument parsers in `server/client.go`.
use bytes::{Buf, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

/// The `INFO` a server sends, to clients and to routes alike: Go's `Info`
/// struct (`server/server.go`), its fields in Go's order and left out when
/// empty as Go's `omitempty` leaves them. Parsing one a peer sent keeps what
/// rnats understands and ignores the rest.
#[derive(Serialize, Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub(crate) struct Info {
    pub(crate) server_id: String,
    pub(crate) server_name: String,
    pub(crate) version: String,
    pub(crate) proto: i32,
    pub(crate) go: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) headers: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) auth_required: bool,
    pub(crate) max_payload: i32,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) jetstream: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) ip: String,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) client_id: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) client_ip: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) nonce: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) cluster: String,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) cluster_dynamic: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) connect_urls: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) ldm: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) compression: String,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) connect_info: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) remote_account: Option<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) acc_is_sys: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) api_lvl: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) import: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) export: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) lnoc: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) lnocu: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) route_pool_size: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) route_pool_idx: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) route_account: String,
    #[serde(skip_serializing_if = "is_default")]
    pub(crate) gossip_mode: u8,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

impl Info {
    /// The JSON of this INFO, as Go writes it.
    pub(crate) fn to_json(&self) -> String {
        crate::json::to_string(self)
    }
}

/// One complete operation sent by a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `CONNECT <json>`: the raw JSON argument.
    Connect(Bytes),
    /// `PUB` or `HPUB`. For `HPUB`, `payload` holds headers followed by the body
    /// and `header_len` says where the headers end.
    Pub {
        subject: Bytes,
        reply: Option<Bytes>,
        header_len: Option<usize>,
        payload: Bytes,
    },
    /// `SUB <subject> [queue] <sid>`
    Sub {
        subject: Bytes,
        queue: Option<Bytes>,
        sid: Bytes,
    },
    /// `UNSUB <sid> [max]`; `max` is Go's `parseSize` result (negative when unparsable).
    Unsub {
        sid: Bytes,
        max: Option<i64>,
    },
    Ping,
    Pong,
    /// `INFO <json>` from a client: ignored when the JSON is valid (Go's
    /// `processInfo`), otherwise the connection closes.
    Info(Bytes),
    /// `+OK` from a client is accepted and ignored.
    Ok,
    /// `-ERR <text>`: Go logs it and closes the connection.
    Err(Bytes),
    /// Route mode: `RS+ <args>` (account, subject, queue and weight are the
    /// route's business: whether the account is there depends on the route).
    RouteSub(Bytes),
    /// Route mode: `RS- <args>`.
    RouteUnsub(Bytes),
    /// Route mode: `LS+ <args>` (interest that came from a leaf node).
    LeafSub(Bytes),
    /// Route mode: `LS- <args>`.
    LeafUnsub(Bytes),
    /// Route mode: `RMSG`, `HMSG` or `LMSG`. `args` is the control line
    /// without its trailing size fields; `payload` holds headers followed by
    /// the body, as for `Pub`.
    Routed {
        origin: bool,
        args: Bytes,
        header_len: Option<usize>,
        payload: Bytes,
    },
}

/// Why parsing stopped. Every variant ends the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// Garbage where an operation was expected: Go sends
    /// `-ERR 'Unknown Protocol Operation'`.
    UnknownOp,
    /// Control line longer than `max_control_line`: `-ERR 'maximum control line exceeded'`.
    MaxControlLine,
    /// Declared payload larger than `max_payload`: `-ERR 'Maximum Payload Violation'`.
    MaxPayload { size: usize, max: usize },
    /// `HPUB` from a client that did not announce header support. Go closes without
    /// telling the client (it only logs `message headers not supported`).
    HeadersNotSupported,
    /// Malformed arguments. Go logs the text and closes without an `-ERR`.
    BadArgs(String),
}

/// Limits the parser enforces; the client updates `headers` after `CONNECT`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_control_line: usize,
    /// `None` means unlimited.
    pub max_payload: Option<usize>,
    pub headers: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_control_line: 4096, max_payload: Some(1024 * 1024), headers: false }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pub,
    Hpub,
    Sub,
    Unsub,
    Ping,
    Pong,
    Connect,
    Info,
    PlusOk,
    MinusErr,
    RSub,
    RUnsub,
    LSub,
    LUnsub,
    RMsg,
    HMsg,
    LMsg,
}

impl Kind {
    fn keyword(self) -> &'static [u8] {
        match self {
            Kind::Pub => b"PUB",
            Kind::Hpub => b"HPUB",
            Kind::Sub => b"SUB",
            Kind::Unsub => b"UNSUB",
            Kind::Ping => b"PING",
            Kind::Pong => b"PONG",
            Kind::Connect => b"CONNECT",
            Kind::Info => b"INFO",
            Kind::PlusOk => b"+OK",
            Kind::MinusErr => b"-ERR",
            Kind::RSub => b"RS+",
            Kind::RUnsub => b"RS-",
            Kind::LSub => b"LS+",
            Kind::LUnsub => b"LS-",
            Kind::RMsg => b"RMSG",
            Kind::HMsg => b"HMSG",
            Kind::LMsg => b"LMSG",
        }
    }

    /// Operations whose keyword must be followed by a space or tab.
    fn needs_space(self) -> bool {
        !matches!(self, Kind::Ping | Kind::Pong | Kind::PlusOk | Kind::Connect | Kind::Info)
    }

    /// Operations that carry an argument subject to `max_control_line`.
    fn has_arg(self) -> bool {
        !matches!(self, Kind::Ping | Kind::Pong | Kind::PlusOk)
    }
}

/// A `PUB`/`HPUB` whose control line was parsed, waiting for its payload.
#[derive(Debug)]
struct PendingPub {
    subject: Bytes,
    reply: Option<Bytes>,
    header_len: Option<usize>,
    size: usize,
    /// Set for a routed message (`Some(true)` for `LMSG`): `subject` then
    /// holds the whole argument line without its sizes.
    routed: Option<bool>,
}

/// Incremental parser state for one connection.
#[derive(Debug, Default)]
pub struct Parser {
    pending: Option<PendingPub>,
    /// Bytes of the current control line already searched for `\n`.
    scanned: usize,
    /// Parses what a route sends (`RS+`, `RMSG`, ...) instead of client operations.
    route: bool,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser for route connections (Go's parser on a `ROUTER` client).
    pub fn for_route() -> Self {
        Parser { route: true, ..Self::default() }
    }

    /// Takes the next complete operation out of `buf`, or `Ok(None)` if more bytes
    /// are needed. Consumed bytes are removed from `buf`.
    pub fn next_op(&mut self, buf: &mut BytesMut, limits: &Limits) -> Result<Option<Op>, ProtoError> {
        loop {
            if let Some(p) = &self.pending {
                let size = p.size;
                if buf.len() > size && buf[size] != b'\r' {
                    return Err(ProtoError::UnknownOp);
                }
                if buf.len() > size + 1 && buf[size + 1] != b'\n' {
                    return Err(ProtoError::UnknownOp);
                }
                if buf.len() < size + 2 {
                    return Ok(None);
                }
                let payload = buf.split_to(size).freeze();
                buf.advance(2);
                let Some(p) = self.pending.take() else {
                    return Err(ProtoError::UnknownOp);
                };
                if let Some(origin) = p.routed {
                    return Ok(Some(Op::Routed { origin, args: p.subject, header_len: p.header_len, payload }));
                }
                return Ok(Some(Op::Pub { subject: p.subject, reply: p.reply, header_len: p.header_len, payload }));
            }
            if buf.is_empty() {
                return Ok(None);
            }
            let Some((kind, arg_start)) = classify(buf, self.route)? else {
                // Go skips whitespace after an operation name without buffering it;
                // keep memory bounded by dropping all but one such byte.
                if buf.len() > SKIP_LIMIT {
                    if let Some(keep) = keyword_then_blanks(buf) {
                        buf.truncate(keep);
                    }
                }
                return Ok(None);
            };
            let from = self.scanned.max(arg_start);
            let newline = buf[from..].iter().position(|&b| b == b'\n').map(|i| i + from);
            let Some(nl) = newline else {
                // PING, PONG and +OK ignore everything up to the newline (Go's parser
                // never stores it), so drop those bytes instead of buffering them.
                if !kind.has_arg() && buf.len() > SKIP_LIMIT {
                    buf.truncate(arg_start);
                }
                self.scanned = buf.len();
                if kind.has_arg() && buf.len() - arg_start > limits.max_control_line {
                    return Err(ProtoError::MaxControlLine);
                }
                return Ok(None);
            };
            self.scanned = 0;
            let mut arg_end = nl;
            if arg_end > arg_start && buf[arg_end - 1] == b'\r' {
                arg_end -= 1;
            }
            if kind.has_arg() && arg_end.saturating_sub(arg_start) > limits.max_control_line {
                return Err(ProtoError::MaxControlLine);
            }
            let line = buf.split_to(nl + 1).freeze();
            let arg = if arg_start <= arg_end { line.slice(arg_start..arg_end) } else { Bytes::new() };
            match kind {
                Kind::Ping => return Ok(Some(Op::Ping)),
                Kind::Pong => return Ok(Some(Op::Pong)),
                Kind::PlusOk => return Ok(Some(Op::Ok)),
                Kind::Info => return Ok(Some(Op::Info(arg))),
                Kind::MinusErr => return Ok(Some(Op::Err(arg))),
                Kind::Connect => return Ok(Some(Op::Connect(arg))),
                Kind::Sub => return parse_sub(&arg).map(Some),
                Kind::Unsub => return parse_unsub(&arg).map(Some),
                Kind::Pub => {
                    self.pending = Some(parse_pub(&arg, limits)?);
                }
                Kind::RSub => return Ok(Some(Op::RouteSub(arg))),
                Kind::RUnsub => return Ok(Some(Op::RouteUnsub(arg))),
                Kind::LSub => return Ok(Some(Op::LeafSub(arg))),
                Kind::LUnsub => return Ok(Some(Op::LeafUnsub(arg))),
                Kind::RMsg | Kind::HMsg | Kind::LMsg => {
                    self.pending = Some(parse_routed(&arg, kind)?);
                }
                Kind::Hpub => {
                    if !limits.headers {
                        return Err(ProtoError::HeadersNotSupported);
                    }
                    self.pending = Some(parse_hpub(&arg, limits)?);
                }
            }
        }
    }
}

/// Ignored bytes we are willing to hold before discarding them.
const SKIP_LIMIT: usize = 1024;

/// If `buf` is an operation name followed only by spaces/tabs, the length to keep
/// (the name plus one blank).
fn keyword_then_blanks(buf: &[u8]) -> Option<usize> {
    let name_len = buf.iter().position(|&b| b == b' ' || b == b'\t')?;
    buf[name_len..].iter().all(|&b| b == b' ' || b == b'\t').then_some(name_len + 1)
}

/// Works out which operation starts `buf` and where its argument begins, rejecting
/// bad bytes as early as Go's byte-at-a-time state machine would.
fn classify(buf: &[u8], route: bool) -> Result<Option<(Kind, usize)>, ProtoError> {
    let candidates: &[Kind] = match buf[0] {
        b'P' | b'p' if route => &[Kind::Ping, Kind::Pong],
        b'R' | b'r' if route => &[Kind::RSub, Kind::RUnsub, Kind::RMsg],
        b'L' | b'l' if route => &[Kind::LSub, Kind::LUnsub, Kind::LMsg],
        b'H' | b'h' if route => &[Kind::HMsg],
        b'S' | b's' | b'U' | b'u' if route => return Err(ProtoError::UnknownOp),
        b'P' | b'p' => &[Kind::Pub, Kind::Ping, Kind::Pong],
        b'H' | b'h' => &[Kind::Hpub],
        b'S' | b's' => &[Kind::Sub],
        b'U' | b'u' => &[Kind::Unsub],
        b'C' | b'c' => &[Kind::Connect],
        b'I' | b'i' => &[Kind::Info],
        b'+' => &[Kind::PlusOk],
        b'-' => &[Kind::MinusErr],
        _ => return Err(ProtoError::UnknownOp),
    };
    let mut partial = false;
    for &kind in candidates {
        let kw = kind.keyword();
        let n = kw.len().min(buf.len());
        if !buf[..n].eq_ignore_ascii_case(&kw[..n]) {
            continue;
        }
        if buf.len() <= kw.len() {
            partial = true;
            continue;
        }
        let mut pos = kw.len();
        if kind.needs_space() && !matches!(buf[pos], b' ' | b'\t') {
            return Err(ProtoError::UnknownOp);
        }
        if kind.has_arg() {
            while pos < buf.len() && matches!(buf[pos], b' ' | b'\t') {
                pos += 1;
            }
            if pos == buf.len() {
                return Ok(None);
            }
        }
        return Ok(Some((kind, pos)));
    }
    if partial {
        Ok(None)
    } else {
        Err(ProtoError::UnknownOp)
    }
}

/// Splits an argument on spaces and tabs like Go's `processPub`/`processSub`.
pub(crate) fn split_args(arg: &Bytes) -> Vec<Bytes> {
    let mut out = Vec::with_capacity(4);
    let mut start: Option<usize> = None;
    for (i, &b) in arg.iter().enumerate() {
        if b == b' ' || b == b'\t' {
            if let Some(s) = start.take() {
                out.push(arg.slice(s..i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(arg.slice(s..));
    }
    out
}

/// Go's `parseSize`: ASCII digits only, at most 9 of them, else -1.
pub(crate) fn parse_size(d: &[u8]) -> i64 {
    if d.is_empty() || d.len() > 9 {
        return -1;
    }
    let mut n: i64 = 0;
    for &b in d {
        if !b.is_ascii_digit() {
            return -1;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    n
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn check_payload(size: usize, limits: &Limits) -> Result<(), ProtoError> {
    match limits.max_payload {
        Some(max) if size > max => Err(ProtoError::MaxPayload { size, max }),
        _ => Ok(()),
    }
}

fn parse_pub(arg: &Bytes, limits: &Limits) -> Result<PendingPub, ProtoError> {
    let mut args = split_args(arg);
    let (subject, reply, size) = match args.len() {
        2 => {
            let size = args.pop().unwrap_or_default();
            (args.pop().unwrap_or_default(), None, size)
        }
        3 => {
            let size = args.pop().unwrap_or_default();
            let reply = args.pop();
            (args.pop().unwrap_or_default(), reply, size)
        }
        _ => return Err(ProtoError::BadArgs(format!("processPub Parse Error: {:?}", lossy(arg)))),
    };
    let n = parse_size(&size);
    if n < 0 {
        return Err(ProtoError::BadArgs(format!("processPub Bad or Missing Size: {:?}", lossy(arg))));
    }
    let size = n as usize;
    check_payload(size, limits)?;
    Ok(PendingPub { subject, reply, header_len: None, size, routed: None })
}

fn parse_hpub(arg: &Bytes, limits: &Limits) -> Result<PendingPub, ProtoError> {
    let mut args = split_args(arg);
    let (subject, reply, hdr, total) = match args.len() {
        3 => {
            let total = args.pop().unwrap_or_default();
            let hdr = args.pop().unwrap_or_default();
            (args.pop().unwrap_or_default(), None, hdr, total)
        }
        4 => {
            let total = args.pop().unwrap_or_default();
            let hdr = args.pop().unwrap_or_default();
            let reply = args.pop();
            (args.pop().unwrap_or_default(), reply, hdr, total)
        }
        _ => return Err(ProtoError::BadArgs(format!("processHeaderPub Parse Error: {:?}", lossy(arg)))),
    };
    let hdr = parse_size(&hdr);
    if hdr < 0 {
        return Err(ProtoError::BadArgs(format!("processHeaderPub Bad or Missing Header Size: {:?}", lossy(arg))));
    }
    let total = parse_size(&total);
    if total < 0 {
        return Err(ProtoError::BadArgs(format!("processHeaderPub Bad or Missing Total Size: {:?}", lossy(arg))));
    }
    if hdr > total {
        return Err(ProtoError::BadArgs(format!(
            "processHeaderPub Header Size larger then TotalSize: {:?}",
            lossy(arg)
        )));
    }
    let size = total as usize;
    check_payload(size, limits)?;
    // Go quirk (client.go `processHeaderPub`): a zero header size is accepted and the
    // message is then treated as having no headers at all.
    let header_len = if hdr > 0 { Some(hdr as usize) } else { None };
    Ok(PendingPub { subject, reply, header_len, size, routed: None })
}

/// The size fields of `RMSG` (`<size>`), `HMSG` and `LMSG` (`<hdr> <total>`)
/// at the end of the line; the rest is the route's to interpret (Go's
/// `processRoutedMsgArgs` and friends).
fn parse_routed(arg: &Bytes, kind: Kind) -> Result<PendingPub, ProtoError> {
    let with_header = kind != Kind::RMsg;
    let mut end = arg.len();
    let next_field = |end: &mut usize| -> Option<i64> {
        let trimmed = arg[..*end].iter().rposition(|&b| b != b' ' && b != b'\t')? + 1;
        let start = arg[..trimmed].iter().rposition(|&b| b == b' ' || b == b'\t').map_or(0, |i| i + 1);
        *end = start;
        Some(parse_size(&arg[start..trimmed]))
    };
    let bad = || ProtoError::BadArgs(format!("processRoutedMsgArgs Parse Error: {:?}", lossy(arg)));
    let total = next_field(&mut end).filter(|&n| n >= 0).ok_or_else(bad)?;
    let hdr = if with_header { next_field(&mut end).filter(|&n| n >= 0 && n <= total).ok_or_else(bad)? } else { 0 };
    let rest = arg.slice(..end);
    if split_args(&rest).is_empty() {
        return Err(bad());
    }
    let header_len = if hdr > 0 { Some(hdr as usize) } else { None };
    Ok(PendingPub { subject: rest, reply: None, header_len, size: total as usize, routed: Some(kind == Kind::LMsg) })
}

fn parse_sub(arg: &Bytes) -> Result<Op, ProtoError> {
    let mut args = split_args(arg);
    match args.len() {
        2 => {
            let sid = args.pop().unwrap_or_default();
            Ok(Op::Sub { subject: args.pop().unwrap_or_default(), queue: None, sid })
        }
        3 => {
            let sid = args.pop().unwrap_or_default();
            let queue = args.pop();
            Ok(Op::Sub { subject: args.pop().unwrap_or_default(), queue, sid })
        }
        _ => Err(ProtoError::BadArgs(format!("processSub Parse Error: {:?}", lossy(arg)))),
    }
}

fn parse_unsub(arg: &Bytes) -> Result<Op, ProtoError> {
    let mut args = split_args(arg);
    match args.len() {
        1 => Ok(Op::Unsub { sid: args.pop().unwrap_or_default(), max: None }),
        2 => {
            let max = parse_size(&args.pop().unwrap_or_default());
            Ok(Op::Unsub { sid: args.pop().unwrap_or_default(), max: Some(max) })
        }
        _ => Err(ProtoError::BadArgs(format!("processUnsub Parse Error: {:?}", lossy(arg)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { headers: true, ..Limits::default() }
    }

    fn parse_all(input: &[u8], chunk: usize) -> Result<Vec<Op>, ProtoError> {
        let mut p = Parser::new();
        let mut buf = BytesMut::new();
        let mut ops = Vec::new();
        for part in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(part);
            while let Some(op) = p.next_op(&mut buf, &limits())? {
                ops.push(op);
            }
        }
        Ok(ops)
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    const STREAM: &[u8] = b"CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nsub foo q 2\r\n\
PUB foo 5\r\nhello\r\npub foo bar 0\r\n\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n\
HPUB a r 12 12\r\nNATS/1.0\r\n\r\n\r\nUNSUB 1\r\nunsub 2 5\r\nPING\r\npong\r\n+OK\r\nINFO {}\r\n\
PUB\tx\t\t2\nhi\r\nPINGxx\n";

    fn expected() -> Vec<Op> {
        vec![
            Op::Connect(b("{\"verbose\":false}")),
            Op::Sub { subject: b("foo"), queue: None, sid: b("1") },
            Op::Sub { subject: b("foo"), queue: Some(b("q")), sid: b("2") },
            Op::Pub { subject: b("foo"), reply: None, header_len: None, payload: b("hello") },
            Op::Pub { subject: b("foo"), reply: Some(b("bar")), header_len: None, payload: b("") },
            Op::Pub { subject: b("foo"), reply: None, header_len: Some(12), payload: b("NATS/1.0\r\n\r\nhi") },
            Op::Pub { subject: b("a"), reply: Some(b("r")), header_len: Some(12), payload: b("NATS/1.0\r\n\r\n") },
            Op::Unsub { sid: b("1"), max: None },
            Op::Unsub { sid: b("2"), max: Some(5) },
            Op::Ping,
            Op::Pong,
            Op::Ok,
            Op::Info(b("{}")),
            Op::Pub { subject: b("x"), reply: None, header_len: None, payload: b("hi") },
            Op::Ping,
        ]
    }

    #[test]
    fn route_mode() {
        let input = b"INFO {}\r\nRS+ $G foo\r\nRS+ $G bar q 3\r\nRS- $G foo\r\nLS+ c1 $G x\r\n\
RMSG $G foo 5\r\nhello\r\nRMSG $G foo + r q1 q2 2\r\nhi\r\nHMSG $G h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n\
LMSG c1 $G l 0 1\r\nx\r\nPING\r\n";
        for chunk in [1, 3, input.len()] {
            let mut p = Parser::for_route();
            let mut buf = BytesMut::new();
            let mut ops = Vec::new();
            for part in input.chunks(chunk) {
                buf.extend_from_slice(part);
                while let Some(op) = p.next_op(&mut buf, &Limits { max_payload: None, ..limits() }).unwrap() {
                    ops.push(op);
                }
            }
            assert_eq!(
                ops,
                vec![
                    Op::Info(b("{}")),
                    Op::RouteSub(b("$G foo")),
                    Op::RouteSub(b("$G bar q 3")),
                    Op::RouteUnsub(b("$G foo")),
                    Op::LeafSub(b("c1 $G x")),
                    Op::Routed { origin: false, args: b("$G foo "), header_len: None, payload: b("hello") },
                    Op::Routed { origin: false, args: b("$G foo + r q1 q2 "), header_len: None, payload: b("hi") },
                    Op::Routed {
                        origin: false,
                        args: b("$G h "),
                        header_len: Some(12),
                        payload: b("NATS/1.0\r\n\r\nhi")
                    },
                    Op::Routed { origin: true, args: b("c1 $G l "), header_len: None, payload: b("x") },
                    Op::Ping,
                ],
                "chunk {chunk}"
            );
        }
        let mut p = Parser::for_route();
        let mut buf = BytesMut::from(&b"PUB foo 1\r\nx\r\n"[..]);
        assert_eq!(p.next_op(&mut buf, &limits()), Err(ProtoError::UnknownOp));
        let mut buf = BytesMut::from(&b"RMSG 5\r\n"[..]);
        assert!(matches!(Parser::for_route().next_op(&mut buf, &limits()), Err(ProtoError::BadArgs(_))));
        let mut buf = BytesMut::from(&b"HMSG $G a 9 5\r\n"[..]);
        assert!(matches!(Parser::for_route().next_op(&mut buf, &limits()), Err(ProtoError::BadArgs(_))));
    }

    #[test]
    fn whole_stream() {
        assert_eq!(parse_all(STREAM, STREAM.len()).unwrap(), expected());
    }

    #[test]
    fn split_at_every_byte() {
        for chunk in 1..16 {
            assert_eq!(parse_all(STREAM, chunk).unwrap(), expected(), "chunk {chunk}");
        }
        for split in 1..STREAM.len() {
            let mut p = Parser::new();
            let mut buf = BytesMut::new();
            let mut ops = Vec::new();
            for part in [&STREAM[..split], &STREAM[split..]] {
                buf.extend_from_slice(part);
                while let Some(op) = p.next_op(&mut buf, &limits()).unwrap() {
                    ops.push(op);
                }
            }
            assert_eq!(ops, expected(), "split at {split}");
        }
    }

    #[test]
    fn errors() {
        let cases: &[(&[u8], ProtoError)] = &[
            (b"FOO\r\n", ProtoError::UnknownOp),
            (b"MSG foo 1 2\r\n", ProtoError::UnknownOp),
            (b" PING\r\n", ProtoError::UnknownOp),
            (b"\r\n", ProtoError::UnknownOp),
            (b"UNSUB\r\n", ProtoError::UnknownOp),
            (b"PUBX\r\n", ProtoError::UnknownOp),
            (b"PUB foo 2\r\nhello\r\n", ProtoError::UnknownOp),
            (b"PUB foo 2\r\nhi\nX", ProtoError::UnknownOp),
            (b"PUB foo 2000000\r\n", ProtoError::MaxPayload { size: 2_000_000, max: 1_048_576 }),
        ];
        for (input, want) in cases {
            for chunk in 1..input.len() + 1 {
                assert_eq!(parse_all(input, chunk).unwrap_err(), *want, "{input:?}");
            }
        }
        for bad in [
            &b"PUB foo\r\n"[..],
            b"PUB foo x\r\n",
            b"PUB foo -1\r\n",
            b"PUB a b c 1\r\n",
            b"SUB foo\r\n",
            b"SUB a b c d\r\n",
            b"UNSUB 1 2 3\r\n",
            b"HPUB foo 3 2\r\n",
            b"PUB foo 0123456789\r\n",
        ] {
            assert!(matches!(parse_all(bad, bad.len()), Err(ProtoError::BadArgs(_))));
        }
    }

    #[test]
    fn headers_require_connect() {
        let mut p = Parser::new();
        let mut buf = BytesMut::from(&b"HPUB foo 2 2\r\nhi\r\n"[..]);
        assert_eq!(p.next_op(&mut buf, &Limits::default()), Err(ProtoError::HeadersNotSupported));
    }

    #[test]
    fn control_line_limit() {
        let mut long = b"PUB foo ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 5000));
        // Incomplete line: caught before the newline arrives.
        assert_eq!(parse_all(&long, 100).unwrap_err(), ProtoError::MaxControlLine);
        long.extend_from_slice(b" 1\r\na\r\n");
        assert_eq!(parse_all(&long, long.len()).unwrap_err(), ProtoError::MaxControlLine);
        // PING ignores whatever follows it, like Go.
        let mut ping = b"PING".to_vec();
        ping.extend(std::iter::repeat_n(b'x', 5000));
        ping.extend_from_slice(b"\r\n");
        assert_eq!(parse_all(&ping, 7).unwrap(), vec![Op::Ping]);
    }

    #[test]
    fn ignored_bytes_are_not_buffered() {
        let mut p = Parser::new();
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"PING");
        for _ in 0..100 {
            buf.extend_from_slice(&[b'x'; 1000]);
            assert_eq!(p.next_op(&mut buf, &limits()).unwrap(), None);
            assert!(buf.len() < 3000);
        }
        buf.extend_from_slice(b"\r\nPUB");
        assert_eq!(p.next_op(&mut buf, &limits()).unwrap(), Some(Op::Ping));
        for _ in 0..100 {
            buf.extend_from_slice(&[b' '; 1000]);
            assert_eq!(p.next_op(&mut buf, &limits()).unwrap(), None);
            assert!(buf.len() < 3000);
        }
        buf.extend_from_slice(b"foo 2\r\nhi\r\n");
        let op = p.next_op(&mut buf, &limits()).unwrap();
        assert!(matches!(op, Some(Op::Pub { .. })), "{op:?}");
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut input = Vec::new();
            for _ in 0..64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"PUBSHINGCOTUX +-OKER\r\n 0123456789.*>\t";
                input.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let _ = parse_all(&input, (seed % 7) as usize + 1);
        }
    }

    #[test]
    fn size_parsing() {
        assert_eq!(parse_size(b"000000002"), 2);
        assert_eq!(parse_size(b"0123456789"), -1);
        assert_eq!(parse_size(b""), -1);
        assert_eq!(parse_size(b"1a"), -1);
    }
}
