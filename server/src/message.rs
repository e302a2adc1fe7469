//! The one message type of the server: what a publish carries from the parser,
//! through delivery and internal subscriptions, into JetStream (Go's `pubArg`
//! plus the message bytes, `c.pa` and `msg` in `server/client.go`).
//!
//! Headers and payload stay in one buffer, as they arrive in `HPUB`: the
//! first `header_len` bytes are the `NATS/1.0` header block. Cloning a `Msg`
//! clones reference counts, never the bytes.
use bytes::Bytes;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Msg {
    /// The subject subscribers are matched against.
    pub(crate) subject: Bytes,
    /// The subject shown to receivers when it differs from `subject`: a
    /// JetStream consumer routes a stored message by its deliver subject or
    /// inbox but shows the message's own subject (Go's `pa.deliver`).
    pub(crate) shown: Option<Bytes>,
    pub(crate) reply: Option<Bytes>,
    /// Length of the header block at the front of `data`; `None` for `PUB`.
    pub(crate) header_len: Option<usize>,
    /// Headers (when `header_len` is set) followed by the payload.
    pub(crate) data: Bytes,
}

impl Msg {
    /// A message without headers.
    pub(crate) fn new(subject: impl Into<Bytes>, reply: Option<Bytes>, payload: impl Into<Bytes>) -> Msg {
        Msg { subject: subject.into(), shown: None, reply, header_len: None, data: payload.into() }
    }

    /// A message from a separate header block and payload (one copy, to join
    /// them; an empty header block counts as none).
    pub(crate) fn with_headers(subject: impl Into<Bytes>, reply: Option<Bytes>, headers: &[u8], payload: &[u8]) -> Msg {
        if headers.is_empty() {
            return Msg::new(subject, reply, Bytes::copy_from_slice(payload));
        }
        let mut data = Vec::with_capacity(headers.len() + payload.len());
        data.extend_from_slice(headers);
        data.extend_from_slice(payload);
        Msg { subject: subject.into(), shown: None, reply, header_len: Some(headers.len()), data: data.into() }
    }

    /// A message carrying `body` alone to `reply` (API replies, pub acks).
    pub(crate) fn reply_to(reply: &str, body: Bytes) -> Msg {
        Msg::new(Bytes::copy_from_slice(reply.as_bytes()), None, body)
    }

    /// A status message (`NATS/1.0 <line>`, no payload) to `subject`.
    pub(crate) fn status(subject: &str, line: &str) -> Msg {
        let hdr = format!("NATS/1.0 {line}\r\n\r\n");
        Msg {
            subject: Bytes::copy_from_slice(subject.as_bytes()),
            shown: None,
            reply: None,
            header_len: Some(hdr.len()),
            data: hdr.into(),
        }
    }

    /// The same message shown to receivers as `shown`.
    pub(crate) fn showing(mut self, shown: &str) -> Msg {
        self.shown = Some(Bytes::copy_from_slice(shown.as_bytes()));
        self
    }

    /// The subject shown to receivers when it differs, as text.
    #[cfg(test)]
    pub(crate) fn shown_str(&self) -> Option<&str> {
        self.shown.as_deref().and_then(|s| std::str::from_utf8(s).ok())
    }

    /// The routing subject as text (empty when it is not UTF-8, which the
    /// parser's subject checks make impossible for client publishes).
    pub(crate) fn subject_str(&self) -> &str {
        std::str::from_utf8(&self.subject).unwrap_or("")
    }

    /// The subject a receiver sees in `MSG`/`HMSG`.
    pub(crate) fn shown_subject(&self) -> &[u8] {
        self.shown.as_deref().unwrap_or(&self.subject)
    }

    pub(crate) fn reply_str(&self) -> Option<&str> {
        self.reply.as_deref().and_then(|r| std::str::from_utf8(r).ok()).filter(|r| !r.is_empty())
    }

    /// The raw header block, if any.
    pub(crate) fn headers(&self) -> Option<&[u8]> {
        self.header_len.and_then(|h| self.data.get(..h))
    }

    pub(crate) fn payload(&self) -> &[u8] {
        match self.header_len {
            Some(h) => self.data.get(h..).unwrap_or(&[]),
            None => &self.data,
        }
    }
}

/// A header block with `lines` (each ending in CRLF) added at its end: `hdr`
/// without its closing blank line (a bare `NATS/1.0` line when there is no
/// block), the lines, then the closing blank line. JetStream adds its own
/// headers this way (direct gets, republish, sourcing, pinned deliveries).
pub(crate) fn add_header_lines(hdr: &[u8], lines: &str) -> Vec<u8> {
    let base: &[u8] = if hdr.is_empty() { b"NATS/1.0\r\n" } else { &hdr[..hdr.len().saturating_sub(2)] };
    let mut out = Vec::with_capacity(base.len() + lines.len() + 2);
    out.extend_from_slice(base);
    out.extend_from_slice(lines.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Value of header `name` in a `NATS/1.0` header block. Matching is exact on
/// the name, like Go's `getHeader` (it searches for `\r\nName:`).
pub(crate) fn get_header<'a>(hdr: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(hdr).ok()?;
    for line in text.split("\r\n").skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            if k == name {
                return Some(v.trim());
            }
        }
    }
    None
}

/// A header block with `key` set to `value`: an existing `key` line (any
/// case) is replaced, else the line is added (Go's `setHeader`).
pub(crate) fn set_header(hdr: &[u8], key: &str, value: &str) -> Vec<u8> {
    let line = format!("{key}: {value}\r\n");
    let text = String::from_utf8_lossy(hdr);
    let prefix = format!("{}:", key.to_ascii_lowercase());
    let kept: String = text.split_inclusive("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with(&prefix)).collect();
    add_header_lines(kept.as_bytes(), &line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_header_replaces_or_adds() {
        assert_eq!(set_header(b"", "K", "v"), b"NATS/1.0\r\nK: v\r\n\r\n");
        assert_eq!(set_header(b"NATS/1.0\r\nk: old\r\nX: 1\r\n\r\n", "K", "v"), b"NATS/1.0\r\nX: 1\r\nK: v\r\n\r\n");
    }

    #[test]
    fn headers_and_payload_share_one_buffer() {
        let m = Msg::with_headers("a", None, b"NATS/1.0\r\n\r\n", b"hi");
        assert_eq!(m.headers(), Some(&b"NATS/1.0\r\n\r\n"[..]));
        assert_eq!(m.payload(), b"hi");
        assert_eq!(m.data.len(), 14);
        let plain = Msg::with_headers("a", None, b"", b"hi");
        assert_eq!((plain.headers(), plain.payload()), (None, &b"hi"[..]));
    }

    #[test]
    fn header_lines_go_before_the_closing_blank_line() {
        assert_eq!(add_header_lines(b"", "A: 1\r\n"), b"NATS/1.0\r\nA: 1\r\n\r\n");
        assert_eq!(add_header_lines(b"NATS/1.0\r\nX: y\r\n\r\n", "A: 1\r\n"), b"NATS/1.0\r\nX: y\r\nA: 1\r\n\r\n");
    }

    #[test]
    fn shown_subject_defaults_to_the_routing_subject() {
        let mut m = Msg::new("inbox", None, "x");
        assert_eq!(m.shown_subject(), b"inbox");
        m.shown = Some(Bytes::from_static(b"orders.1"));
        assert_eq!(m.shown_subject(), b"orders.1");
    }
}
