//! S2, the compression Go nats-server uses inside cluster messages
//! (`github.com/klauspost/compress/s2`), in its block format: what the meta
//! group's snapshots carry (`jetstream_cluster.go` `encodeMetaSnapshot`).
//!
//! S2 blocks extend Snappy's with a repeat-offset copy, so a Snappy block is
//! a valid S2 block: [`encode_block`] writes one with the `snap` crate, and
//! [`decode_block`] reads both. Decoding takes bytes from other servers and
//! refuses anything malformed with an error, never a panic.
use std::fmt;

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

fn uvarint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, &b) in buf.iter().enumerate().take(10) {
        x |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((x, i + 1));
        }
    }
    None
}

fn put_uvarint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

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
