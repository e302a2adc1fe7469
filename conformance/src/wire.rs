//! The NATS client protocol as a server writes it (`INFO`, `MSG`, `HMSG`, `PING`, `PONG`,
//! `+OK`, `-ERR`), read one frame at a time from a byte buffer that fills as data
//! arrives. The raw-connection steps, the bench clients and the crash test's publisher
//! all read through here.
//!
//! [`parse`] borrows the buffer and says how many bytes the frame took, so a hot reader
//! (the bench) can count messages without copying; the caller consumes those bytes once
//! it is done with the frame. Bytes that are no server frame are an error, never a panic.
use bytes::BytesMut;
use std::fmt;
use tokio::io::{AsyncRead, AsyncReadExt};

/// A control line longer than this without its CRLF is garbage, not a frame still arriving.
const MAX_CONTROL_LINE: usize = 1 << 20;

/// One frame from the server; borrowed from the buffer it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// The JSON text after `INFO `.
    Info(&'a str),
    Msg(Msg<'a>),
    Ping,
    Pong,
    Ok,
    /// The text after `-ERR`, trimmed (quotes kept).
    Err(&'a str),
}

/// A `MSG` or an `HMSG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Msg<'a> {
    pub(crate) subject: &'a str,
    pub(crate) sid: &'a str,
    pub(crate) reply: Option<&'a str>,
    /// Header block then payload, as on the wire.
    pub(crate) body: &'a [u8],
    /// Bytes of `body` that are the header block; `None` for a `MSG`.
    pub(crate) header_len: Option<usize>,
}

impl<'a> Msg<'a> {
    /// The header block of an `HMSG` (from `NATS/1.0` through the blank line).
    pub(crate) fn headers(&self) -> Option<&'a [u8]> {
        self.header_len.map(|n| &self.body[..n])
    }

    pub(crate) fn payload(&self) -> &'a [u8] {
        &self.body[self.header_len.unwrap_or(0)..]
    }

    /// The status of a status message: `503` in `NATS/1.0 503`, with any description
    /// after it. `None` for a `MSG` and for headers without a status.
    pub(crate) fn status(&self) -> Option<&'a str> {
        let headers = self.headers()?;
        let end = headers.windows(2).position(|w| w == b"\r\n").unwrap_or(headers.len());
        let first = std::str::from_utf8(&headers[..end]).ok()?;
        first.strip_prefix("NATS/1.0").map(str::trim).filter(|s| !s.is_empty())
    }
}

impl fmt::Display for Frame<'_> {
    /// The frame as its control line, for error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frame::Info(json) => write!(f, "INFO {json}"),
            Frame::Msg(m) => {
                let op = if m.header_len.is_some() { "HMSG" } else { "MSG" };
                write!(f, "{op} {} {}", m.subject, m.sid)?;
                if let Some(r) = m.reply {
                    write!(f, " {r}")?;
                }
                if let Some(h) = m.header_len {
                    write!(f, " {h}")?;
                }
                write!(f, " {}", m.body.len())
            }
            Frame::Ping => f.write_str("PING"),
            Frame::Pong => f.write_str("PONG"),
            Frame::Ok => f.write_str("+OK"),
            Frame::Err(e) => write!(f, "-ERR {e}"),
        }
    }
}

/// Bytes that are not a server frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError(String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol error: {}", self.0)
    }
}

impl std::error::Error for WireError {}

fn garbage(what: &str, line: &[u8]) -> WireError {
    let mut shown = String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned();
    if line.len() > 200 {
        shown.push_str("...");
    }
    WireError(format!("{what}: {shown:?}"))
}

/// The first `\r\n`-terminated line in `buf`, without its terminator, and the bytes it
/// takes with the terminator. `None` while the line is still arriving.
pub(crate) fn line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    Some((&buf[..end], end + 2))
}

/// The first whole frame in `buf` and how many bytes it takes; `None` while it is still
/// arriving.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, WireError> {
    let Some((raw, line_len)) = line(buf) else {
        if buf.len() > MAX_CONTROL_LINE {
            return Err(garbage("no line end in the first MiB", buf));
        }
        return Ok(None);
    };
    let text = std::str::from_utf8(raw).map_err(|_| garbage("control line is not UTF-8", raw))?;
    let (op, rest) = match text.find([' ', '\t']) {
        Some(i) => (&text[..i], text[i..].trim_start_matches([' ', '\t'])),
        None => (text, ""),
    };
    let frame = if op.eq_ignore_ascii_case("MSG") || op.eq_ignore_ascii_case("HMSG") {
        let with_headers = op.len() == 4;
        let sizes = if with_headers { 2 } else { 1 };
        // At most 5 arguments (HMSG with a reply); no allocation on this hot path.
        let mut slots = [""; 5];
        let mut count = 0;
        for a in rest.split_ascii_whitespace() {
            if count == slots.len() {
                return Err(garbage(&format!("wrong number of {op} arguments"), raw));
            }
            slots[count] = a;
            count += 1;
        }
        let args = &slots[..count];
        if args.len() < 2 + sizes || args.len() > 3 + sizes {
            return Err(garbage(&format!("wrong number of {op} arguments"), raw));
        }
        let size = |s: &str| s.parse::<usize>().map_err(|_| garbage(&format!("bad {op} size {s:?}"), raw));
        let total = size(args[args.len() - 1])?;
        let header_len = if with_headers { Some(size(args[args.len() - 2])?) } else { None };
        if header_len.is_some_and(|h| h > total) {
            return Err(garbage("HMSG header size above its total size", raw));
        }
        let end = line_len + total;
        if buf.len() < end + 2 {
            return Ok(None);
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Err(garbage(&format!("{op} payload of {total} bytes not followed by CRLF"), raw));
        }
        let frame = Frame::Msg(Msg {
            subject: args[0],
            sid: args[1],
            reply: if args.len() == 3 + sizes { Some(args[2]) } else { None },
            body: &buf[line_len..end],
            header_len,
        });
        return Ok(Some((frame, end + 2)));
    } else if op.eq_ignore_ascii_case("INFO") {
        Frame::Info(rest)
    } else if op.eq_ignore_ascii_case("PING") && rest.is_empty() {
        Frame::Ping
    } else if op.eq_ignore_ascii_case("PONG") && rest.is_empty() {
        Frame::Pong
    } else if op.eq_ignore_ascii_case("+OK") && rest.is_empty() {
        Frame::Ok
    } else if op.eq_ignore_ascii_case("-ERR") {
        Frame::Err(rest.trim_end())
    } else {
        return Err(garbage("not a server frame", raw));
    };
    Ok(Some((frame, line_len)))
}

/// Reads more bytes into `buf`, first making room for `room` more when less than a
/// quarter of that is free; 0 at end of stream.
pub(crate) async fn fill<R: AsyncRead + Unpin>(r: &mut R, buf: &mut BytesMut, room: usize) -> std::io::Result<usize> {
    if buf.capacity() - buf.len() < room / 4 {
        buf.reserve(room);
    }
    r.read_buf(buf).await
}

/// A message copied out of the buffer, for readers that keep it past the next read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnedMsg {
    pub(crate) subject: String,
    pub(crate) sid: String,
    pub(crate) reply: Option<String>,
    pub(crate) body: bytes::Bytes,
    pub(crate) header_len: Option<usize>,
}

impl OwnedMsg {
    /// Copies a message out of the buffer it was parsed from.
    pub(crate) fn copy(m: &Msg<'_>) -> OwnedMsg {
        OwnedMsg {
            subject: m.subject.to_string(),
            sid: m.sid.to_string(),
            reply: m.reply.map(str::to_string),
            body: bytes::Bytes::copy_from_slice(m.body),
            header_len: m.header_len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Buf;

    /// Parses `stream` as if it arrived in two reads split at `at`, the way a reader
    /// does: parse what is buffered, read more when a frame is incomplete.
    fn frames_split_at(stream: &[u8], at: usize) -> Vec<String> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in [&stream[..at], &stream[at..]] {
            buf.extend_from_slice(chunk);
            while let Some((f, used)) = parse(&buf).unwrap() {
                let shown = match f {
                    Frame::Msg(m) => format!("{f} [{}]", String::from_utf8_lossy(m.payload())),
                    f => f.to_string(),
                };
                out.push(shown);
                buf.advance(used);
            }
        }
        assert!(buf.is_empty(), "left over at split {at}: {buf:?}");
        out
    }

    const STREAM: &[u8] = b"INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n+OK\r\nPING\r\nPONG\r\n\
MSG foo 1 5\r\nhello\r\nMSG foo.bar 22 _INBOX.r 4\r\na\r\nb\r\n\
HMSG h 3 26 31\r\nNATS/1.0\r\nA: one\r\nB: 2\r\n\r\nhello\r\n\
HMSG _INBOX.x.1 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n-ERR 'Permissions Violation'\r\nMSG e 4 0\r\n\r\n";

    #[test]
    fn reads_the_same_frames_whatever_the_reads() {
        let want = frames_split_at(STREAM, STREAM.len());
        assert_eq!(
            want,
            [
                "INFO {\"server_id\":\"x\",\"max_payload\":1048576}",
                "+OK",
                "PING",
                "PONG",
                "MSG foo 1 5 [hello]",
                "MSG foo.bar 22 _INBOX.r 4 [a\r\nb]",
                "HMSG h 3 26 31 [hello]",
                "HMSG _INBOX.x.1 9 16 16 []",
                "-ERR 'Permissions Violation'",
                "MSG e 4 0 []",
            ]
        );
        for at in 0..=STREAM.len() {
            assert_eq!(frames_split_at(STREAM, at), want, "split at {at}");
        }
    }

    #[test]
    fn incomplete_frames_wait_for_more() {
        let msg = b"HMSG h 3 26 31\r\nNATS/1.0\r\nA: one\r\nB: 2\r\n\r\nhello\r\n";
        for n in 0..msg.len() {
            assert_eq!(parse(&msg[..n]), Ok(None), "prefix of {n} bytes");
        }
        let (f, used) = parse(msg).unwrap().unwrap();
        assert_eq!(used, msg.len());
        let Frame::Msg(m) = f else { panic!("{f:?}") };
        assert_eq!(m.headers(), Some(&b"NATS/1.0\r\nA: one\r\nB: 2\r\n\r\n"[..]));
        assert_eq!(m.payload(), b"hello");
        assert_eq!(m.status(), None);
    }

    #[test]
    fn headers_carry_a_status() {
        let frame = b"HMSG _INBOX.x 1 32 32\r\nNATS/1.0 408 Request Timeout\r\n\r\n\r\n";
        let (f, used) = parse(frame).unwrap().unwrap();
        assert_eq!(used, frame.len());
        let Frame::Msg(m) = f else { panic!("{f:?}") };
        assert_eq!(m.status(), Some("408 Request Timeout"));
        assert_eq!(m.payload(), b"");
    }

    #[test]
    fn a_payload_may_hold_crlf_and_protocol_text() {
        let (f, used) = parse(b"MSG a 1 11\r\nPING\r\n+OK\r\n\r\nPONG\r\n").unwrap().unwrap();
        let Frame::Msg(m) = f else { panic!("{f:?}") };
        assert_eq!(m.payload(), b"PING\r\n+OK\r\n");
        assert_eq!(used, 25);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b"HELLO world\r\n"[..],
            b"MSG foo\r\n",
            b"MSG foo 1 x\r\n",
            b"MSG foo 1 -3\r\n",
            b"MSG a b c d e\r\n",
            b"HMSG foo 1 9 5\r\n",
            b"HMSG foo 1 5\r\n",
            b"MSG foo 1 3\r\nabcXY",
            b"PING extra\r\n",
            b"\xff\xfe\r\n",
            b"\r\n",
        ] {
            let e = parse(bad).expect_err(&format!("{:?} parsed", String::from_utf8_lossy(bad)));
            assert!(e.to_string().starts_with("protocol error: "), "{e}");
        }
        assert!(parse(&vec![b'x'; MAX_CONTROL_LINE + 1]).is_err());
        // Random bytes never panic.
        let mut x: u32 = 7;
        for _ in 0..2000 {
            let junk: Vec<u8> = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b" MSGH\r\n0123456789-+OKPINGfoo"[x as usize % 28]
                })
                .collect();
            let _ = parse(&junk);
        }
    }

    #[test]
    fn owned_messages_outlive_their_buffer() {
        let mut buf = BytesMut::from(&b"MSG s 7 r 2\r\nhi\r\nPING\r\n"[..]);
        let (f, used) = parse(&buf).unwrap().unwrap();
        let Frame::Msg(m) = f else { panic!("{f:?}") };
        let owned = OwnedMsg::copy(&m);
        buf.advance(used);
        assert_eq!(&buf[..], b"PING\r\n");
        assert_eq!(owned.reply.as_deref(), Some("r"));
        assert_eq!(&owned.body[..], b"hi");
    }
}
