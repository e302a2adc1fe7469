//! The entries of a replicated consumer's NRG group (Go's
//! `server/consumer.go`: `encodeDeliveredUpdate`, `encodeAckUpdate`,
//! `applyConsumerEntries`; section 3.3 of the cluster design note).
//!
//! Decoding never panics: malformed bytes give `None`.
use crate::varint::{put_uvarint, put_varint, uvarint, varint};

/// Consumer entry ops (Go's `entryOp`).
pub(crate) mod op {
    pub(crate) const UPDATE_DELIVERED: u8 = 7;
    pub(crate) const UPDATE_ACKS: u8 = 8;
    pub(crate) const UPDATE_SKIP: u8 = 10;
    pub(crate) const ADD_PENDING_REQUEST: u8 = 12;
    pub(crate) const REMOVE_PENDING_REQUEST: u8 = 13;
    pub(crate) const RESET_SEQ: u8 = 18;
}

/// One change of a consumer's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumerOp {
    /// Stream sequence `sseq` went out as delivery `dseq`, its `dc`th
    /// delivery, at `ts` (Unix nanoseconds).
    Delivered { dseq: u64, sseq: u64, dc: u64, ts: i64 },
    /// Delivery `dseq` of stream sequence `sseq` was acknowledged.
    Acked { dseq: u64, sseq: u64 },
    /// A new leader skips to stream sequence `sseq`.
    Skip { sseq: u64 },
}

impl ConsumerOp {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(32);
        match *self {
            ConsumerOp::Delivered { dseq, sseq, dc, ts } => {
                b.push(op::UPDATE_DELIVERED);
                put_uvarint(&mut b, dseq);
                put_uvarint(&mut b, sseq);
                put_uvarint(&mut b, dc);
                put_varint(&mut b, ts);
            }
            ConsumerOp::Acked { dseq, sseq } => {
                b.push(op::UPDATE_ACKS);
                put_uvarint(&mut b, dseq);
                put_uvarint(&mut b, sseq);
            }
            ConsumerOp::Skip { sseq } => {
                b.push(op::UPDATE_SKIP);
                b.extend_from_slice(&sseq.to_le_bytes());
            }
        }
        b
    }

    /// Decodes an entry; `None` for an op this layer does not apply (the
    /// pending-request and reset ops) or malformed bytes.
    pub(crate) fn decode(entry: &[u8]) -> Option<ConsumerOp> {
        let (&kind, mut b) = entry.split_first()?;
        let mut next = || -> Option<u64> {
            let (v, n) = uvarint(b)?;
            b = &b[n..];
            Some(v)
        };
        match kind {
            op::UPDATE_DELIVERED => {
                let (dseq, sseq, dc) = (next()?, next()?, next()?);
                let (ts, _) = varint(b)?;
                Some(ConsumerOp::Delivered { dseq, sseq, dc, ts })
            }
            op::UPDATE_ACKS => Some(ConsumerOp::Acked { dseq: next()?, sseq: next()? }),
            op::UPDATE_SKIP => Some(ConsumerOp::Skip { sseq: u64::from_le_bytes(b.get(..8)?.try_into().ok()?) }),
            // Waiting pull requests and resets stay with the leader here.
            op::ADD_PENDING_REQUEST | op::REMOVE_PENDING_REQUEST | op::RESET_SEQ => None,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_and_skip_is_as_go_sent_it() {
        for o in [
            ConsumerOp::Delivered { dseq: 3, sseq: 300, dc: 2, ts: 1_700_000_000_123_456_789 },
            ConsumerOp::Acked { dseq: 1, sseq: 1 },
            ConsumerOp::Skip { sseq: 1 },
        ] {
            assert_eq!(ConsumerOp::decode(&o.encode()), Some(o));
        }
        // Seen live: `0a 01000000…` (cluster design note 3.3).
        assert_eq!(ConsumerOp::Skip { sseq: 1 }.encode(), [10, 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ConsumerOp::decode(&[op::UPDATE_DELIVERED, 0x80]), None);
        assert_eq!(ConsumerOp::decode(&[op::UPDATE_SKIP, 1]), None);
        assert_eq!(ConsumerOp::decode(&[op::ADD_PENDING_REQUEST, b'x']), None);
        assert_eq!(ConsumerOp::decode(&[]), None);
    }
}
