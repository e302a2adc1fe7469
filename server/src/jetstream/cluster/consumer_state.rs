//! A replicated consumer's NRG snapshot: its state in Go's binary encoding
//! (`server/store.go` `encodeConsumerState`, `server/filestore.go`
//! `decodeConsumerState`; section 3.3 of the cluster design note).
//!
//! Layout: magic 22, version (2; 1 is read too), uvarints ack floor
//! (consumer, stream) and last delivered (consumer, stream), the pending
//! count, then — with any pending — a varint base in Unix seconds and per
//! pending message its stream and delivery sequences above the ack floors
//! and its age in seconds below the base; last the redelivered count and
//! per entry a stream sequence above the floor and its count.
//!
//! Decoding never panics and never allocates more than the input can
//! describe.
use std::collections::BTreeMap;

use crate::varint::{put_uvarint, put_varint, uvarint, varint};

const MAGIC: u8 = 22;
const VERSION: u8 = 2;
const NANOS: i64 = 1_000_000_000;

/// Go's `ConsumerState`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ConsumerState {
    /// Last delivered (consumer sequence, stream sequence).
    pub(crate) delivered: (u64, u64),
    /// Ack floor (consumer sequence, stream sequence).
    pub(crate) ack_floor: (u64, u64),
    /// Unacknowledged: stream sequence to (delivery sequence, Unix nanos
    /// of the delivery, rounded down to the second).
    pub(crate) pending: BTreeMap<u64, (u64, i64)>,
    /// Stream sequence to times redelivered.
    pub(crate) redelivered: BTreeMap<u64, u64>,
}

impl ConsumerState {
    /// Go's encoding, with `now` (Unix nanoseconds) as the time base.
    pub(crate) fn encode(&self, now: i64) -> Vec<u8> {
        let mut b = vec![MAGIC, VERSION];
        let (adflr, asflr) = self.ack_floor;
        for v in [adflr, asflr, self.delivered.0, self.delivered.1, self.pending.len() as u64] {
            put_uvarint(&mut b, v);
        }
        if !self.pending.is_empty() {
            // Go rounds now to the second for the base.
            let base = (now + NANOS / 2).div_euclid(NANOS);
            put_varint(&mut b, base);
            for (&sseq, &(dseq, ts)) in &self.pending {
                put_uvarint(&mut b, sseq.wrapping_sub(asflr));
                put_uvarint(&mut b, dseq.wrapping_sub(adflr));
                put_varint(&mut b, base - ts.div_euclid(NANOS));
            }
        }
        put_uvarint(&mut b, self.redelivered.len() as u64);
        for (&sseq, &n) in &self.redelivered {
            put_uvarint(&mut b, sseq.wrapping_sub(asflr));
            put_uvarint(&mut b, n);
        }
        b
    }

    /// Whether `buf` starts as an encoded consumer state.
    pub(crate) fn is_encoded(buf: &[u8]) -> bool {
        buf.len() >= 2 && buf[0] == MAGIC && (buf[1] == 1 || buf[1] == 2)
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<ConsumerState, String> {
        if !Self::is_encoded(buf) {
            return Err("not an encoded consumer state".into());
        }
        let version = buf[1];
        let mut r = Reader { buf, at: 2 };
        let mut st = ConsumerState::default();
        let (adflr, asflr) = (r.uvarint()?, r.uvarint()?);
        st.ack_floor = (adflr, asflr);
        st.delivered = (r.uvarint()?, r.uvarint()?);
        if version == 1 {
            // Version 1 kept the next to deliver, above the floors.
            if adflr > 1 {
                st.delivered.0 += adflr - 1;
            }
            if asflr > 1 {
                st.delivered.1 += asflr - 1;
            }
        }
        const HIGH: u64 = 1 << 63;
        if asflr & HIGH != 0 || st.delivered.1 & HIGH != 0 {
            return Err("sequences rolled backwards".into());
        }
        let pending = r.uvarint()?;
        if pending > 0 {
            // Each entry takes at least three bytes.
            if pending > (buf.len() - r.at) as u64 / 3 + 1 {
                return Err(format!("claims {pending} pending in {} bytes", buf.len()));
            }
            let base = r.varint()?;
            for _ in 0..pending {
                let sseq = r.uvarint()?.wrapping_add(asflr);
                let dseq = if version == 2 { r.uvarint()?.wrapping_add(adflr) } else { 0 };
                let ts = r.varint()?;
                if sseq == 0 {
                    return Err("pending stream sequence 0".into());
                }
                let secs = if version == 1 { ts.saturating_add(base) } else { base.saturating_sub(ts) };
                st.pending.insert(sseq, (dseq, secs.saturating_mul(NANOS)));
            }
        }
        let redelivered = r.uvarint()?;
        if redelivered > (buf.len() - r.at) as u64 / 2 + 1 {
            return Err(format!("claims {redelivered} redelivered in {} bytes", buf.len()));
        }
        for _ in 0..redelivered {
            let (sseq, n) = (r.uvarint()?, r.uvarint()?);
            if sseq > 0 && n > 0 {
                st.redelivered.insert(sseq.wrapping_add(asflr), n);
            }
        }
        Ok(st)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn uvarint(&mut self) -> Result<u64, String> {
        let (v, n) =
            uvarint(self.buf.get(self.at..).unwrap_or_default()).ok_or_else(|| format!("bad varint at {}", self.at))?;
        self.at += n;
        Ok(v)
    }

    fn varint(&mut self) -> Result<i64, String> {
        let (v, n) =
            varint(self.buf.get(self.at..).unwrap_or_default()).ok_or_else(|| format!("bad varint at {}", self.at))?;
        self.at += n;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_go_and_reads_itself_back() {
        let now = 1_700_000_000 * NANOS + 400_000_000;
        let mut st = ConsumerState { delivered: (12, 20), ack_floor: (9, 15), ..Default::default() };
        st.pending.insert(17, (10, 1_699_999_990 * NANOS));
        st.pending.insert(20, (12, 1_700_000_000 * NANOS));
        st.redelivered.insert(17, 2);
        let b = st.encode(now);
        // header, floors 9/15, delivered 12/20, 2 pending, base (zigzag), ...
        assert_eq!(&b[..7], &[22, 2, 9, 15, 12, 20, 2]);
        assert_eq!(ConsumerState::decode(&b).unwrap(), st);
        let empty = ConsumerState { delivered: (3, 3), ack_floor: (3, 3), ..Default::default() };
        assert_eq!(empty.encode(now), [22, 2, 3, 3, 3, 3, 0, 0]);
        assert_eq!(ConsumerState::decode(&empty.encode(now)).unwrap(), empty);
    }

    #[test]
    fn version_one_kept_the_next_sequences() {
        // floors 5/7, "delivered" 2/3 above them, nothing pending.
        let st = ConsumerState::decode(&[22, 1, 5, 7, 2, 3, 0, 0]).unwrap();
        assert_eq!((st.ack_floor, st.delivered), ((5, 7), (6, 9)));
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        assert!(ConsumerState::decode(b"{}").is_err());
        assert!(ConsumerState::decode(&[22, 3, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(ConsumerState::decode(&[22, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]).is_err());
        let mut st = ConsumerState { delivered: (40, 40), ..Default::default() };
        for q in 1..40 {
            st.pending.insert(q, (q, q as i64 * NANOS));
            st.redelivered.insert(q, 1);
        }
        let b = st.encode(50 * NANOS);
        for cut in 0..b.len() {
            let _ = ConsumerState::decode(&b[..cut]);
        }
        let mut x: u32 = 7;
        for i in 0..5000 {
            let mut m = b.clone();
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let at = 2 + (x as usize % (m.len() - 2));
            m[at] = (x >> 8) as u8 ^ i as u8;
            let _ = ConsumerState::decode(&m);
        }
    }
}
