//! Message block formats: the record layout and the three block file forms.
//!
//! A record (little endian), the unit every form holds:
//!
//! ```text
//! u32 len | u32 subj_len | u32 hdr_len | u8 kind | u64 seq | i64 ts | subject | hdr | msg | u32 crc32
//! ```
//!
//! `len` covers the whole record and the CRC-32 covers everything before it,
//! so a torn write (short record) and a flipped bit (CRC mismatch) are told
//! apart from a good record. The lengths come first so that damage near the
//! end of a record leaves its framing readable. Kinds: a message; a tombstone (the message with
//! that sequence was removed); an erased message (a message whose subject and
//! bytes were overwritten with zeros in place); a floor (every sequence up to
//! this one is gone: purges, compactions and limits remove from the head
//! with one record instead of one per message).
//!
//! A block file starts with one format byte:
//! - `PLAIN`: records back to back; the form of an unencrypted block being
//!   appended to.
//! - `SEALED`: each record as a frame `u32 frame_len | nonce | ciphertext |
//!   tag`, sealed with the block key; the form of an encrypted block being
//!   appended to. Appends never rewrite earlier bytes.
//! - `PACKED`: a full block, compressed as one Snappy block-format buffer
//!   (`snap::raw`, which S2 decoders also read) of plain records; then sealed
//!   with the block key when encrypted, else preceded by a CRC-32 of the
//!   compressed bytes. Only full (no longer appended) blocks are packed, and
//!   only for streams with `compression: s2`.
use crate::store::crypto::{Aead, OVERHEAD};

pub(crate) const PLAIN: u8 = 1;
pub(crate) const SEALED: u8 = 2;
pub(crate) const PACKED: u8 = 3;

pub(crate) const KIND_MSG: u8 = 1;
pub(crate) const KIND_TOMB: u8 = 2;
pub(crate) const KIND_ERASED: u8 = 3;
pub(crate) const KIND_FLOOR: u8 = 4;

/// Fixed bytes before the subject.
const REC_HDR: usize = 29;
const CRC: usize = 4;

/// A decoded record borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record<'a> {
    pub(crate) kind: u8,
    pub(crate) seq: u64,
    pub(crate) ts: i64,
    pub(crate) subject: &'a [u8],
    pub(crate) hdr: &'a [u8],
    pub(crate) msg: &'a [u8],
}

fn record_len(subj: usize, hdr: usize, msg: usize) -> usize {
    REC_HDR + subj + hdr + msg + CRC
}

/// Appends an encoded record to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, kind: u8, seq: u64, ts: i64, subject: &[u8], hdr: &[u8], msg: &[u8]) {
    let start = out.len();
    let len = record_len(subject.len(), hdr.len(), msg.len());
    out.reserve(len);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&(subject.len() as u32).to_le_bytes());
    out.extend_from_slice(&(hdr.len() as u32).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&ts.to_le_bytes());
    out.extend_from_slice(subject);
    out.extend_from_slice(hdr);
    out.extend_from_slice(msg);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// What is at the front of a buffer of plain records.
pub(crate) enum Decoded<'a> {
    /// A good record and its length.
    Good(Record<'a>, usize),
    /// The framing holds but the checksum does not: bit rot.
    BadSum(Record<'a>, usize),
    /// Too short or nonsensical lengths: a torn write or garbage.
    Torn,
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

pub(crate) fn decode(buf: &[u8]) -> Decoded<'_> {
    if buf.len() < REC_HDR + CRC {
        return Decoded::Torn;
    }
    let len = u32_at(buf, 0);
    if len < REC_HDR + CRC || len > buf.len() {
        return Decoded::Torn;
    }
    let (sl, hl) = (u32_at(buf, 4), u32_at(buf, 8));
    if REC_HDR + sl + hl + CRC > len {
        return Decoded::Torn;
    }
    let kind = buf[12];
    let body = &buf[REC_HDR..len - CRC];
    let rec = Record {
        kind,
        seq: u64_at(buf, 13),
        ts: u64_at(buf, 21) as i64,
        subject: &body[..sl],
        hdr: &body[sl..sl + hl],
        msg: &body[sl + hl..],
    };
    if !(KIND_MSG..=KIND_FLOOR).contains(&kind) {
        return Decoded::Torn;
    }
    if crc32fast::hash(&buf[..len - CRC]) as usize != u32_at(buf, len - CRC) {
        return Decoded::BadSum(rec, len);
    }
    Decoded::Good(rec, len)
}

/// Appends a record in the block's append form: plain, or as a sealed frame.
pub(crate) fn append_form(out: &mut Vec<u8>, aead: Option<&Aead>, plain: &[u8]) {
    match aead {
        None => out.extend_from_slice(plain),
        Some(a) => {
            let frame_len = 4 + plain.len() + OVERHEAD;
            out.extend_from_slice(&(frame_len as u32).to_le_bytes());
            a.seal_into(plain, out);
        }
    }
}

/// Length of the sealed frame at the front of `buf`, if it is whole.
pub(crate) fn frame_len(buf: &[u8]) -> Option<usize> {
    if buf.len() < 4 {
        return None;
    }
    let len = u32_at(buf, 0);
    (len >= 4 + OVERHEAD + REC_HDR + CRC && len <= buf.len()).then_some(len)
}

/// Opens the sealed frame at the front of `buf` (whole frame expected).
pub(crate) fn open_frame(aead: &Aead, frame: &[u8]) -> Option<Vec<u8>> {
    aead.open(&frame[4..])
}

/// The plain records of an append-form block file (`PLAIN` or `SEALED`),
/// up to the first frame that does not open.
pub(crate) fn append_form_records(file: &[u8], aead: Option<&Aead>) -> Vec<u8> {
    let body = file.get(1..).unwrap_or_default();
    let Some(a) = aead else { return body.to_vec() };
    let mut out = Vec::with_capacity(body.len());
    let mut off = 0;
    while let Some(fl) = body.get(off..).and_then(frame_len) {
        let Some(p) = open_frame(a, &body[off..off + fl]) else { break };
        out.extend_from_slice(&p);
        off += fl;
    }
    out
}

/// Where each message record lies in a buffer of plain records: sequence ->
/// (offset, length).
pub(crate) fn message_places(recs: &[u8]) -> std::collections::HashMap<u64, (u32, u32)> {
    let mut places = std::collections::HashMap::new();
    let mut off = 0;
    while let Decoded::Good(r, n) | Decoded::BadSum(r, n) = decode(&recs[off..]) {
        if r.kind == KIND_MSG {
            places.insert(r.seq, (off as u32, n as u32));
        }
        off += n;
    }
    places
}

/// Packs plain records into a `PACKED` block file body (format byte included).
pub(crate) fn pack(records: &[u8], aead: Option<&Aead>) -> Vec<u8> {
    let compressed = snap::raw::Encoder::new().compress_vec(records).unwrap_or_default();
    let mut out = Vec::with_capacity(compressed.len() + 8 + OVERHEAD);
    out.push(PACKED);
    match aead {
        Some(a) => a.seal_into(&compressed, &mut out),
        None => {
            out.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
            out.extend_from_slice(&compressed);
        }
    }
    out
}

/// The plain records of a `PACKED` block file, or why they cannot be had.
pub(crate) fn unpack(file: &[u8], aead: Option<&Aead>) -> Result<Vec<u8>, &'static str> {
    let body = file.get(1..).ok_or("empty block")?;
    let compressed = match aead {
        Some(a) => a.open(body).ok_or("packed block does not decrypt")?,
        None => {
            if body.len() < 4 || crc32fast::hash(&body[4..]) as usize != u32_at(body, 0) {
                return Err("packed block checksum mismatch");
            }
            body[4..].to_vec()
        }
    };
    snap::raw::Decoder::new().decompress_vec(&compressed).map_err(|_| "packed block does not decompress")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::{random_key, Cipher};

    #[test]
    fn records_round_trip_and_detect_damage() {
        let mut b = Vec::new();
        encode(&mut b, KIND_MSG, 7, 99, b"foo.a", b"NATS/1.0\r\n\r\n", b"hello");
        let Decoded::Good(r, n) = decode(&b) else { panic!("not good") };
        assert_eq!((r.seq, r.ts, r.subject, r.msg, n), (7, 99, &b"foo.a"[..], &b"hello"[..], b.len()));
        let mut flipped = b.clone();
        let at = flipped.len() - 6;
        flipped[at] ^= 0xff;
        assert!(matches!(decode(&flipped), Decoded::BadSum(_, _)));
        assert!(matches!(decode(&b[..b.len() - 3]), Decoded::Torn));
    }

    #[test]
    fn packed_blocks() {
        let mut recs = Vec::new();
        for i in 0..50 {
            encode(&mut recs, KIND_MSG, i, i as i64, b"foo.big", b"", &[b'z'; 1000]);
        }
        for aead in [None, Some(Aead::new(Cipher::ChaCha, &random_key()))] {
            let p = pack(&recs, aead.as_ref());
            assert!(p.len() < recs.len() / 4);
            assert_eq!(unpack(&p, aead.as_ref()).unwrap(), recs);
            let mut bad = p.clone();
            bad[20] ^= 1;
            assert!(unpack(&bad, aead.as_ref()).is_err());
        }
    }
}
