//! The entries of a replicated stream's NRG group: an op byte, then its
//! body (Go's `server/jetstream_cluster.go`: `entryOp`,
//! `encodeStreamMsgAllowCompressAndBatch`, `decodeStreamMsg`, and the JSON
//! of `streamPurge` and `streamMsgDelete`). Section 3.2 of the cluster
//! design note has the byte layout, checked against live 2.15.1 traffic.
//!
//! Decoding never panics: malformed bytes give an error naming what broke.
use serde::{Deserialize, Serialize};

use crate::varint::{put_uvarint, uvarint};

/// Stream entry ops (Go's `entryOp`; the numbering is shared with the meta
/// group's).
pub(crate) mod op {
    pub(crate) const MSG: u8 = 4;
    pub(crate) const PURGE: u8 = 5;
    pub(crate) const DELETE_MSG: u8 = 6;
    pub(crate) const COMPRESSED_MSG: u8 = 14;
    pub(crate) const DELETE_RANGE: u8 = 15;
    pub(crate) const BATCH_MSG: u8 = 16;
    pub(crate) const BATCH_COMMIT: u8 = 17;
}

/// Above this many bytes of subject, reply, header and payload, a message
/// is S2-compressed when that makes it smaller (Go's `compressThreshold`).
const COMPRESS_THRESHOLD: usize = 8192;

/// Bit 0 of the trailing flags: the message came from a source or mirror.
const FLAG_SOURCED: u64 = 1;

/// One replicated message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct StreamMsg {
    pub(crate) subject: String,
    pub(crate) reply: String,
    pub(crate) hdr: Vec<u8>,
    pub(crate) msg: Vec<u8>,
    /// In a proposal, the leader's clustered last sequence before this
    /// message; in `$JSC` catch-up, the message's own sequence.
    pub(crate) lseq: u64,
    /// Unix nanoseconds; 0 with an empty subject marks a skipped sequence.
    pub(crate) ts: i64,
    pub(crate) sourced: bool,
}

impl StreamMsg {
    /// The entry: op 4, or op 14 when compressing pays.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let clip = |b: &[u8], max: usize| b.len().min(max);
        let (sl, rl) = (clip(self.subject.as_bytes(), 0xffff), clip(self.reply.as_bytes(), 0xffff));
        let (hl, ml) = (clip(&self.hdr, 0xffff), clip(&self.msg, u32::MAX as usize));
        let total = sl + rl + hl + ml;
        let mut buf = Vec::with_capacity(1 + 16 + total + 20);
        buf.push(op::MSG);
        buf.extend_from_slice(&self.lseq.to_le_bytes());
        buf.extend_from_slice(&self.ts.to_le_bytes());
        buf.extend_from_slice(&(sl as u16).to_le_bytes());
        buf.extend_from_slice(&self.subject.as_bytes()[..sl]);
        buf.extend_from_slice(&(rl as u16).to_le_bytes());
        buf.extend_from_slice(&self.reply.as_bytes()[..rl]);
        buf.extend_from_slice(&(hl as u16).to_le_bytes());
        buf.extend_from_slice(&self.hdr[..hl]);
        buf.extend_from_slice(&(ml as u32).to_le_bytes());
        buf.extend_from_slice(&self.msg[..ml]);
        put_uvarint(&mut buf, if self.sourced { FLAG_SOURCED } else { 0 });
        if total > COMPRESS_THRESHOLD {
            let packed = crate::s2::encode_block(&buf[1..]);
            if packed.len() + 1 < buf.len() {
                let mut out = Vec::with_capacity(packed.len() + 1);
                out.push(op::COMPRESSED_MSG);
                out.extend_from_slice(&packed);
                return out;
            }
        }
        buf
    }

    /// Decodes the body of an op 4 (or, decompressed first, op 14) entry.
    pub(crate) fn decode(op_byte: u8, body: &[u8]) -> Result<StreamMsg, String> {
        let owned;
        let mut b = match op_byte {
            op::MSG => body,
            op::COMPRESSED_MSG => {
                owned = crate::s2::decode_block(body).map_err(|e| format!("bad compressed stream msg: {e:?}"))?;
                &owned[..]
            }
            other => return Err(format!("op {other} is not a stream msg")),
        };
        let bad = || "bad stream msg".to_string();
        if b.len() < 26 {
            return Err(bad());
        }
        let mut take = |n: usize| -> Result<&[u8], String> {
            if b.len() < n {
                return Err(bad());
            }
            let (h, t) = b.split_at(n);
            b = t;
            Ok(h)
        };
        let u64_at = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or_default());
        let lseq = u64_at(take(8)?);
        let ts = u64_at(take(8)?) as i64;
        let sl = u16::from_le_bytes(take(2)?.try_into().unwrap_or_default()) as usize;
        let subject = String::from_utf8_lossy(take(sl)?).into_owned();
        let rl = u16::from_le_bytes(take(2)?.try_into().unwrap_or_default()) as usize;
        let reply = String::from_utf8_lossy(take(rl)?).into_owned();
        let hl = u16::from_le_bytes(take(2)?.try_into().unwrap_or_default()) as usize;
        let hdr = take(hl)?.to_vec();
        let ml = u32::from_le_bytes(take(4)?.try_into().unwrap_or_default()) as usize;
        let msg = take(ml)?.to_vec();
        let flags = uvarint(b).map_or(0, |(f, _)| f);
        Ok(StreamMsg { subject, reply, hdr, msg, lseq, ts, sourced: flags & FLAG_SOURCED != 0 })
    }

    /// A skipped sequence (Go's skip entries: no subject, no time).
    pub(crate) fn is_skip(&self) -> bool {
        self.subject.is_empty() && self.ts == 0 && self.msg.is_empty() && self.hdr.is_empty()
    }
}

/// Go's `streamPurge` (op 5): the purge request and who asked.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct Purge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client: Option<serde_json::Value>,
    pub(crate) stream: String,
    #[serde(default)]
    pub(crate) last_seq: u64,
    #[serde(default)]
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) reply: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) request: Option<serde_json::Value>,
}

/// Go's `streamMsgDelete` (op 6).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct DeleteMsg {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client: Option<serde_json::Value>,
    pub(crate) stream: String,
    pub(crate) seq: u64,
    #[serde(default)]
    pub(crate) no_erase: bool,
    #[serde(default)]
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) reply: String,
}

/// Go's `DeleteRange` (op 15), with Go's untagged field names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default)]
pub(crate) struct DeleteRange {
    #[serde(rename = "First")]
    pub(crate) first: u64,
    #[serde(rename = "Num")]
    pub(crate) num: u64,
}

/// An op byte followed by JSON.
pub(crate) fn encode_json<T: Serialize>(op_byte: u8, v: &T) -> Vec<u8> {
    let mut b = vec![op_byte];
    b.extend_from_slice(&crate::json::to_vec(v));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_encodes_as_go_sent_it() {
        // Seen live from a Go 2.15.1 stream leader (cluster design note 3.2).
        let m = StreamMsg {
            subject: "t.1".into(),
            reply: "_INBOX.x1".into(),
            msg: b"hello-world".to_vec(),
            lseq: 7,
            ts: 1_700_000_000_000_000_000,
            ..Default::default()
        };
        let b = m.encode();
        assert_eq!(b[0], op::MSG);
        assert_eq!(&b[1..9], &7u64.to_le_bytes());
        assert_eq!(&b[17..22], b"\x03\x00t.1");
        assert_eq!(&b[22..33], b"\x09\x00_INBOX.x1");
        assert_eq!(&b[33..35], b"\x00\x00");
        assert_eq!(&b[35..50], b"\x0b\x00\x00\x00hello-world");
        assert_eq!(&b[50..], b"\x00");
        assert_eq!(StreamMsg::decode(b[0], &b[1..]).unwrap(), m);
    }

    #[test]
    fn large_messages_are_compressed_and_come_back() {
        let m = StreamMsg {
            subject: "big".into(),
            msg: vec![b'a'; 20_000],
            lseq: 1,
            ts: 5,
            sourced: true,
            ..Default::default()
        };
        let b = m.encode();
        assert_eq!(b[0], op::COMPRESSED_MSG);
        assert!(b.len() < 2000);
        assert_eq!(StreamMsg::decode(b[0], &b[1..]).unwrap(), m);
    }

    #[test]
    fn malformed_bytes_are_errors() {
        let good = StreamMsg { subject: "a".into(), msg: b"x".to_vec(), ..Default::default() }.encode();
        for n in 0..good.len() - 1 {
            let _ = StreamMsg::decode(op::MSG, &good[1..1 + n]);
        }
        assert!(StreamMsg::decode(op::MSG, &[0xff; 30]).is_err());
        assert!(StreamMsg::decode(op::COMPRESSED_MSG, &[0xff; 30]).is_err());
        assert!(StreamMsg::decode(op::PURGE, &good[1..]).is_err());
    }
}
