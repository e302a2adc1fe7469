//! A replicated stream's NRG snapshot: its state in Go's binary encoding
//! (`server/store.go`: `StreamReplicatedState`, `DecodeStreamState`,
//! `appendRunLength`; `server/filestore.go` `EncodedStreamState`; the
//! deleted-sequence sets of `server/avl/seqset.go`). Section 3.2 of the
//! cluster design note has the layout.
//!
//! A follower that installs one compacts and deletes to match it, then
//! fetches what it lacks over `$JSC` (see `super::catchup`).
//!
//! rnats writes run-length delete blocks only; it reads both versions and
//! both kinds of delete blocks. Decoding never
//! panics and never allocates more than the input can describe.
use crate::varint::{put_uvarint, uvarint};

/// First byte of an encoded stream state (Go's `streamStateMagic`).
const MAGIC: u8 = 42;
/// Without sources, and with them (`streamStateVersion`, `…Sources`).
const VERSION: u8 = 1;
const VERSION_SOURCES: u8 = 2;
/// A run of deleted sequences: first, count (Go's `runLengthMagic`).
const RUN_LENGTH: u8 = 33;
/// An AVL sequence set (Go's `avl` package `magic`).
const SEQ_SET: u8 = 22;
/// A sequence-set node: a base and 32 buckets of 64 bits (version 2; 64
/// buckets in version 1), then a u16 height.
const SEQ_SET_BUCKETS_V2: usize = 32;
const SEQ_SET_BUCKETS_V1: usize = 64;

/// A stream's state as its group snapshots it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StreamSnapshot {
    pub(crate) msgs: u64,
    pub(crate) bytes: u64,
    pub(crate) first_seq: u64,
    pub(crate) last_seq: u64,
    /// The group's failed-apply count (`clfs`).
    pub(crate) failed: u64,
    /// Sourcing state (version 2): stream name, last sequence, identity.
    pub(crate) sources: Vec<(String, u64, String)>,
    /// Deleted sequences inside `first_seq..=last_seq`, as sorted,
    /// disjoint runs (first, count).
    pub(crate) deleted: Vec<(u64, u64)>,
}

impl StreamSnapshot {
    /// Go's encoding: version 1, or 2 when there are sources; deletes as
    /// run-length blocks.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let version = if self.sources.is_empty() { VERSION } else { VERSION_SOURCES };
        let mut b = vec![MAGIC, version];
        for v in [self.msgs, self.bytes, self.first_seq, self.last_seq, self.failed] {
            put_uvarint(&mut b, v);
        }
        if !self.sources.is_empty() {
            put_uvarint(&mut b, self.sources.len() as u64);
            for (name, seq, ident) in &self.sources {
                put_uvarint(&mut b, name.len() as u64);
                b.extend_from_slice(name.as_bytes());
                put_uvarint(&mut b, *seq);
                put_uvarint(&mut b, ident.len() as u64);
                b.extend_from_slice(ident.as_bytes());
            }
        }
        put_uvarint(&mut b, self.deleted.iter().map(|(_, n)| n).sum());
        for &(first, num) in &self.deleted {
            b.push(RUN_LENGTH);
            put_uvarint(&mut b, first);
            put_uvarint(&mut b, num);
        }
        b
    }

    /// Whether `buf` is an encoded stream state (and not a legacy JSON one).
    pub(crate) fn is_encoded(buf: &[u8]) -> bool {
        buf.len() >= 2 && buf[0] == MAGIC && (buf[1] == VERSION || buf[1] == VERSION_SOURCES)
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<StreamSnapshot, String> {
        if !Self::is_encoded(buf) {
            return Err("not an encoded stream state".into());
        }
        let mut r = Reader { buf, at: 2 };
        let mut s = StreamSnapshot {
            msgs: r.uvarint()?,
            bytes: r.uvarint()?,
            first_seq: r.uvarint()?,
            last_seq: r.uvarint()?,
            failed: r.uvarint()?,
            ..Default::default()
        };
        if buf[1] == VERSION_SOURCES {
            let n = r.uvarint()?;
            for _ in 0..n {
                let name = r.string()?;
                let seq = r.uvarint()?;
                let ident = r.string()?;
                s.sources.push((name, seq, ident));
            }
        }
        let mut singles: Vec<u64> = Vec::new();
        if r.uvarint()? > 0 {
            while r.at < buf.len() {
                match buf[r.at] {
                    RUN_LENGTH => {
                        r.at += 1;
                        let (first, num) = (r.uvarint()?, r.uvarint()?);
                        if num > 0 {
                            s.deleted.push((first, num));
                        }
                    }
                    SEQ_SET => r.seq_set(&mut singles)?,
                    other => return Err(format!("unknown delete block {other}")),
                }
            }
        }
        s.deleted.extend(singles.into_iter().map(|q| (q, 1)));
        s.deleted = merge_runs(std::mem::take(&mut s.deleted));
        Ok(s)
    }
}

/// Sorts runs and joins those that touch or overlap.
pub(crate) fn merge_runs(mut runs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    runs.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(runs.len());
    for (first, num) in runs {
        let end = first.saturating_add(num);
        match out.last_mut() {
            Some((f, n)) if first <= f.saturating_add(*n) => *n = (*n).max(end - *f),
            _ => out.push((first, num)),
        }
    }
    out
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn uvarint(&mut self) -> Result<u64, String> {
        let rest = self.buf.get(self.at..).unwrap_or_default();
        let (v, n) = uvarint(rest).ok_or_else(|| format!("truncated or bad varint at byte {}", self.at))?;
        self.at += n;
        Ok(v)
    }

    fn bytes(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| format!("{n} bytes past the end at byte {}", self.at))?;
        let b = &self.buf[self.at..end];
        self.at = end;
        Ok(b)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.uvarint()?;
        let n = usize::try_from(n).map_err(|_| "string too long".to_string())?;
        Ok(String::from_utf8_lossy(self.bytes(n)?).into_owned())
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes(4)?.try_into().unwrap_or_default()))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.bytes(8)?.try_into().unwrap_or_default()))
    }

    /// An AVL sequence set (`avl.Decode`): magic, version, u32 nodes, u32
    /// size, then per node a u64 base, the buckets and a u16 height.
    fn seq_set(&mut self, out: &mut Vec<u64>) -> Result<(), String> {
        let start = self.at;
        let head = self.bytes(2)?;
        let buckets = match head[1] {
            1 => SEQ_SET_BUCKETS_V1,
            2 => SEQ_SET_BUCKETS_V2,
            v => return Err(format!("sequence set version {v}")),
        };
        let nodes = self.u32()? as usize;
        let size = self.u32()? as usize;
        let per_node = (buckets + 1) * 8 + 2;
        if nodes > (self.buf.len() - self.at) / per_node {
            return Err(format!("sequence set at byte {start} claims {nodes} nodes"));
        }
        let before = out.len();
        for _ in 0..nodes {
            let base = self.u64()?;
            for b in 0..buckets as u64 {
                let mut bits = self.u64()?;
                while bits != 0 {
                    out.push(base.saturating_add(b * 64 + u64::from(bits.trailing_zeros())));
                    bits &= bits - 1;
                }
            }
            self.bytes(2)?;
        }
        if out.len() - before != size {
            return Err(format!("sequence set at byte {start} holds {} of its {size}", out.len() - before));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_go_and_reads_itself_back() {
        let s = StreamSnapshot {
            msgs: 7,
            bytes: 300,
            first_seq: 2,
            last_seq: 10,
            failed: 1,
            sources: Vec::new(),
            deleted: vec![(4, 1), (6, 2)],
        };
        let b = s.encode();
        // magic, version, msgs, bytes (300 = ac 02), first, last, failed, 3 deleted, runs.
        assert_eq!(b, [42, 1, 7, 0xac, 0x02, 2, 10, 1, 3, 33, 4, 1, 33, 6, 2]);
        assert_eq!(StreamSnapshot::decode(&b).unwrap(), s);
    }

    #[test]
    fn reads_sources_and_sequence_sets() {
        let mut b = vec![42, 2, 3, 30, 1, 6, 0];
        b.extend([1, 1, b'O', 9, 2, b'i', b'd']); // one source: "O" at 9, ident "id"
        b.push(3); // three deleted
                   // A version 2 sequence set with one node, base 0, bits 2 and 3 of bucket 0.
        b.extend([22, 2]);
        b.extend(1u32.to_le_bytes());
        b.extend(2u32.to_le_bytes());
        b.extend(0u64.to_le_bytes());
        b.extend(0b1100u64.to_le_bytes());
        b.extend(std::iter::repeat_n(0u8, 31 * 8));
        b.extend(1u16.to_le_bytes());
        b.extend([33, 5, 1]);
        let s = StreamSnapshot::decode(&b).unwrap();
        assert_eq!((s.msgs, s.bytes, s.first_seq, s.last_seq, s.failed), (3, 30, 1, 6, 0));
        assert_eq!(s.sources, [("O".to_string(), 9, "id".to_string())]);
        assert_eq!(s.deleted, [(2, 2), (5, 1)]);
        assert_eq!(StreamSnapshot::decode(&s.encode()).unwrap(), s);
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        assert!(StreamSnapshot::decode(b"{\"msgs\":1}").is_err());
        assert!(StreamSnapshot::decode(&[42, 1, 0x80]).is_err());
        assert!(StreamSnapshot::decode(&[42, 1, 1, 1, 1, 1, 0, 1, 99]).is_err());
        let mut huge = vec![42, 1, 0, 0, 0, 0, 0, 1, 22, 2];
        huge.extend(u32::MAX.to_le_bytes());
        huge.extend(0u32.to_le_bytes());
        assert!(StreamSnapshot::decode(&huge).is_err());
        for cut in 0..12 {
            let s = StreamSnapshot { msgs: 1, last_seq: 300, deleted: vec![(2, 298)], ..Default::default() };
            let b = s.encode();
            let _ = StreamSnapshot::decode(&b[..cut.min(b.len())]);
        }
    }

    #[test]
    fn random_and_mutated_bytes_never_panic() {
        let good =
            StreamSnapshot { msgs: 9, last_seq: 40, deleted: vec![(3, 2), (30, 5)], ..Default::default() }.encode();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut b = good.clone();
            for _ in 0..(next() % 4) {
                let i = (next() as usize) % b.len();
                b[i] = next() as u8;
            }
            b.truncate((next() as usize) % (b.len() + 8));
            if next() % 3 == 0 {
                b.extend((0..next() % 300).map(|_| next() as u8));
            }
            if let Ok(s) = StreamSnapshot::decode(&b) {
                assert_eq!(StreamSnapshot::decode(&s.encode()).unwrap(), s, "what decodes re-encodes");
            }
        }
    }

    #[test]
    fn runs_merge_when_they_touch() {
        assert_eq!(merge_runs(vec![(5, 1), (2, 2), (4, 1), (9, 1)]), [(2, 4), (9, 1)]);
        assert_eq!(merge_runs(vec![(2, 5), (3, 1)]), [(2, 5)]);
    }
}
