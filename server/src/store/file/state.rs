//! The stream state file `msgs/index.db`, written on a clean shutdown.
//!
//! It is a cache, as in Go: the blocks alone are enough to rebuild a stream.
//! What it adds is (1) the sequences of a stream whose blocks are gone (a
//! purged stream keeps its last sequence even when its block files are
//! deleted), and (2) trust: when every block it lists is still there with the
//! length it recorded, a record that later fails its checksum is kept in the
//! count and fails only when read, as Go does after a clean shutdown.
//!
//! Layout (little endian): `"RNSS" | u8 version | u8 cipher | u64 first_seq |
//! u64 last_seq | i64 last_ts | u64 msgs | u64 bytes | u32 n | n × (u32 block
//! id, u64 length) | u32 crc32`.
use std::collections::BTreeMap;

const MAGIC: &[u8; 4] = b"RNSS";
const VERSION: u8 = 1;
const FIXED: usize = 4 + 1 + 1 + 8 * 5 + 4;
const MIN_LEN: usize = FIXED + 4;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SavedState {
    /// 0 = not encrypted, else the cipher byte.
    pub(crate) cipher: u8,
    pub(crate) first_seq: u64,
    pub(crate) last_seq: u64,
    pub(crate) last_ts: i64,
    pub(crate) msgs: u64,
    pub(crate) bytes: u64,
    /// Block id -> file length.
    pub(crate) blocks: BTreeMap<u32, u64>,
}

/// Why the file was not used; the texts are Go's log lines.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StateError {
    TooShort(usize),
    Checksum,
    MagicVersion,
}

impl SavedState {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(MIN_LEN + self.blocks.len() * 12);
        b.extend_from_slice(MAGIC);
        b.push(VERSION);
        b.push(self.cipher);
        for v in [self.first_seq, self.last_seq, self.last_ts as u64, self.msgs, self.bytes] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&(self.blocks.len() as u32).to_le_bytes());
        for (id, len) in &self.blocks {
            b.extend_from_slice(&id.to_le_bytes());
            b.extend_from_slice(&len.to_le_bytes());
        }
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes the file; `cipher` is the configured one (0 = none): a state
    /// written under another cipher is not used (Go checks its magic and
    /// version the same way after a cipher change).
    pub(crate) fn decode(b: &[u8], cipher: u8) -> Result<SavedState, StateError> {
        if b.len() < MIN_LEN {
            return Err(StateError::TooShort(b.len()));
        }
        let (body, sum) = b.split_at(b.len() - 4);
        if crc32fast::hash(body).to_le_bytes() != sum {
            return Err(StateError::Checksum);
        }
        if &body[..4] != MAGIC || body[4] != VERSION || body[5] != cipher {
            return Err(StateError::MagicVersion);
        }
        let u64_at = |at: usize| u64::from_le_bytes(body[at..at + 8].try_into().unwrap_or_default());
        let n = u32::from_le_bytes(body[46..50].try_into().unwrap_or_default()) as usize;
        if body.len() != FIXED + n * 12 {
            return Err(StateError::Checksum);
        }
        let mut blocks = BTreeMap::new();
        for i in 0..n {
            let at = FIXED + i * 12;
            let id = u32::from_le_bytes(body[at..at + 4].try_into().unwrap_or_default());
            blocks.insert(id, u64_at(at + 4));
        }
        Ok(SavedState {
            cipher,
            first_seq: u64_at(6),
            last_seq: u64_at(14),
            last_ts: u64_at(22) as i64,
            msgs: u64_at(30),
            bytes: u64_at(38),
            blocks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let s = SavedState {
            cipher: 2,
            first_seq: 3,
            last_seq: 10,
            last_ts: 77,
            msgs: 5,
            bytes: 500,
            blocks: [(1, 100), (2, 40)].into_iter().collect(),
        };
        let b = s.encode();
        assert_eq!(SavedState::decode(&b, 2), Ok(s));
        assert_eq!(SavedState::decode(&b, 1), Err(StateError::MagicVersion));
        assert_eq!(SavedState::decode(&b[..5], 2), Err(StateError::TooShort(5)));
        let mut bad = b.clone();
        bad[2] ^= 0xff;
        assert_eq!(SavedState::decode(&bad, 2), Err(StateError::Checksum));
    }
}
