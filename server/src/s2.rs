//! S2, the compression Go nats-server uses inside cluster messages
//! (`github.com/klauspost/compress/s2`), in its block format: what the meta
//! group's snapshots carry (`jetstream_cluster.go` `encodeMetaSnapshot`).
//!
//! S2 blocks extend Snappy's with a repeat-offset copy, so a Snappy block is
//! a valid S2 block: [`encode_block`] writes one with the `snap` crate, and
//! [`decode_block`] reads both. Decoding takes bytes from other servers and
//! refuses anything malformed with an error, never a panic.
use std::fmt;

use crate::varint::{put_uvarint, uvarint};

/// Decoded blocks larger than this are refused (Go's meta snapshots are far
/// smaller; a corrupt length must not allocate gigabytes).
const MAX_DECODED: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(&'static str);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s2: {}", self.0)
    }
}

impl std::error::Error for Error {}

/// Compresses `data` as one block.
pub(crate) fn encode_block(data: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(data).unwrap_or_else(|_| {
        // Snappy's one limit is 4 GiB; store such data as literals.
        let mut out = Vec::new();
        put_uvarint(&mut out, data.len() as u64);
        for chunk in data.chunks(1 << 16) {
            let n = chunk.len() - 1;
            out.push(61 << 2);
            out.extend_from_slice(&(n as u16).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        out
    })
}

/// Decompresses S2's stream (framing) format, as Go's `s2.NewWriter`
/// writes it (the meta group's compressed consumer assignments, op 9):
/// chunks of a type byte and a 3-byte length; a stream identifier (0xff),
/// compressed (0x00) or uncompressed (0x01) data after a 4-byte checksum
/// (not checked here: NRG entries carry their own), padding and skippable
/// chunks (0x80..=0xfe) ignored.
pub(crate) fn decode_stream(src: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut s = 0usize;
    while s < src.len() {
        let head = src.get(s..s + 4).ok_or(Error("truncated chunk header"))?;
        let (kind, len) = (head[0], usize::from(head[1]) | usize::from(head[2]) << 8 | usize::from(head[3]) << 16);
        let body = src.get(s + 4..s + 4 + len).ok_or(Error("truncated chunk"))?;
        s += 4 + len;
        match kind {
            0xff if body != b"S2sTwO" && body != b"sNaPpY" => return Err(Error("not an S2 stream")),
            0xff => {}
            0x00 => {
                let block = body.get(4..).ok_or(Error("truncated chunk"))?;
                out.extend_from_slice(&decode_block(block)?);
            }
            0x01 => out.extend_from_slice(body.get(4..).ok_or(Error("truncated chunk"))?),
            0x02..=0x7f => return Err(Error("unknown chunk type")),
            _ => {}
        }
        if out.len() > MAX_DECODED {
            return Err(Error("too large"));
        }
    }
    Ok(out)
}

/// Decompresses one block.
pub(crate) fn decode_block(src: &[u8]) -> Result<Vec<u8>, Error> {
    let (len, mut s) = uvarint(src).ok_or(Error("bad length"))?;
    let len = usize::try_from(len).ok().filter(|&l| l <= MAX_DECODED).ok_or(Error("too large"))?;
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let mut offset = 0usize;
    let take = |s: &mut usize, n: usize| -> Result<u32, Error> {
        let b = src.get(*s..*s + n).ok_or(Error("truncated"))?;
        *s += n;
        Ok(b.iter().rev().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
    };
    while s < src.len() {
        let tag = src[s];
        s += 1;
        let length;
        match tag & 3 {
            0 => {
                let n = match tag >> 2 {
                    x @ 0..=59 => x as usize,
                    60 => take(&mut s, 1)? as usize,
                    61 => take(&mut s, 2)? as usize,
                    62 => take(&mut s, 3)? as usize,
                    _ => take(&mut s, 4)? as usize,
                } + 1;
                let lit = src.get(s..s + n).ok_or(Error("truncated literal"))?;
                if out.len() + n > len {
                    return Err(Error("literal past the end"));
                }
                out.extend_from_slice(lit);
                s += n;
                continue;
            }
            1 => {
                let lo = take(&mut s, 1)? as usize;
                let o = (usize::from(tag & 0xe0) << 3) | lo;
                let l = usize::from((tag >> 2) & 7);
                if o == 0 {
                    // Repeat the last offset; lengths 5-7 are extended.
                    length = match l {
                        5 => take(&mut s, 1)? as usize + 4,
                        6 => take(&mut s, 2)? as usize + (1 << 8),
                        7 => take(&mut s, 3)? as usize + (1 << 16),
                        x => x,
                    } + 4;
                } else {
                    offset = o;
                    length = l + 4;
                }
            }
            2 => {
                length = usize::from(tag >> 2) + 1;
                offset = take(&mut s, 2)? as usize;
            }
            _ => {
                length = usize::from(tag >> 2) + 1;
                offset = take(&mut s, 4)? as usize;
            }
        }
        if offset == 0 || offset > out.len() || out.len() + length > len {
            return Err(Error("bad copy"));
        }
        let start = out.len() - offset;
        for i in 0..length {
            out.push(out[start + i]);
        }
    }
    if out.len() != len {
        return Err(Error("short block"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_stream_decodes() {
        let data = b"{\"name\":\"C\",\"stream\":\"S\"}".repeat(20);
        let block = encode_block(&data);
        let mut framed = vec![0xff, 6, 0, 0];
        framed.extend_from_slice(b"S2sTwO");
        let len = block.len() + 4;
        framed.extend_from_slice(&[0x00, len as u8, (len >> 8) as u8, (len >> 16) as u8, 0, 0, 0, 0]);
        framed.extend_from_slice(&block);
        framed.extend_from_slice(&[0x01, 6, 0, 0, 0, 0, 0, 0, b'x', b'y']);
        let mut want = data.clone();
        want.extend_from_slice(b"xy");
        assert_eq!(decode_stream(&framed).unwrap(), want);
        assert!(decode_stream(&framed[..framed.len() - 1]).is_err());
        assert!(decode_stream(&[0xff, 6, 0, 0, b'n', b'o', b'p', b'e', b'!', b'!']).is_err());
    }

    #[test]
    fn blocks_round_trip() {
        let data: Vec<u8> = (0..10_000u32).flat_map(|i| format!("{{\"n\":{}}},", i % 97).into_bytes()).collect();
        let enc = encode_block(&data);
        assert!(enc.len() < data.len() / 4);
        assert_eq!(decode_block(&enc).unwrap(), data);
        assert_eq!(decode_block(&encode_block(b"")).unwrap(), b"");
    }

    #[test]
    fn repeat_offsets_as_s2_writes_them() {
        // "abcd" literal, copy of 4 at offset 4, then a repeat (offset 0) of 8.
        let block = [16, 3 << 2, b'a', b'b', b'c', b'd', 0b001, 4, (4 << 2) | 1, 0];
        assert_eq!(decode_block(&block).unwrap(), b"abcdabcdabcdabcd");
    }

    #[test]
    fn the_meta_snapshot_go_wrote_decodes_to_json() {
        let file = include_bytes!("../../golden/nrg/files/meta.snap.2.6");
        let snap = crate::cluster::nrg::codec::SnapshotFile::decode("_meta_", file).unwrap();
        let json = decode_block(&snap.data).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(v.is_array(), "{v}");
    }

    #[test]
    fn garbage_is_refused_without_a_panic() {
        for bad in [&[][..], &[0xff; 11], &[5, 0], &[4, 1, 0], &[4, 0b10, 1, 0], &[200, 200, 200, 200, 200, 1]] {
            assert!(decode_block(bad).is_err(), "{bad:?}");
        }
        let mut x = 1u64;
        for _ in 0..2000 {
            let buf: Vec<u8> = (0..32)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = decode_block(&buf);
        }
    }
}
