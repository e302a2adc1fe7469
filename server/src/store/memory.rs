//! In-memory stream store: the sequence index holding whole messages.
use std::collections::BTreeMap;

use super::seqindex::SeqIndex;
use super::{SimpleState, StoreError, StoreLimits, StoredMsg, StreamState, StreamStore};

/// Memory-backed `StreamStore`.
#[derive(Debug, Default)]
pub(crate) struct MemStore {
    idx: SeqIndex<StoredMsg>,
}

impl MemStore {
    #[cfg(test)]
    fn new(limits: StoreLimits) -> Self {
        MemStore { idx: SeqIndex::new(limits) }
    }

    /// Starts the sequence at `first_seq` (stream config `first_seq`).
    pub(crate) fn with_first_seq(limits: StoreLimits, first_seq: u64) -> Self {
        MemStore { idx: SeqIndex::with_first_seq(limits, first_seq) }
    }
}

impl StreamStore for MemStore {
    fn store_msg(&mut self, subject: &str, hdr: &[u8], msg: &[u8], ts: i64, ttl: i64) -> Result<u64, StoreError> {
        let at_subject_limit = self.idx.admit(subject, hdr, msg.len())?;
        let (hdr_len, msg_len) = (hdr.len(), msg.len());
        Ok(self.idx.insert_admitted(subject, hdr_len, msg_len, ts, ttl, at_subject_limit, |subject, seq| {
            StoredMsg::new(subject, hdr, msg, seq, ts)
        }))
    }

    fn skip_msg(&mut self, ts: i64) -> u64 {
        self.idx.skip_msg(ts)
    }

    fn load_msg(&self, seq: u64) -> Option<StoredMsg> {
        self.idx.slot(seq).cloned()
    }

    fn load_next_msg(&self, filter: &str, start: u64) -> Option<StoredMsg> {
        self.idx.load_next(filter, start).cloned()
    }

    fn load_last_msg(&self, filter: &str) -> Option<StoredMsg> {
        self.idx.load_last(filter).cloned()
    }

    fn remove_msg(&mut self, seq: u64) -> bool {
        self.idx.remove_msg(seq)
    }

    fn purge(&mut self) -> u64 {
        self.idx.purge()
    }

    fn purge_ex(&mut self, subject: &str, seq: u64, keep: u64) -> u64 {
        self.idx.purge_ex(subject, seq, keep)
    }

    fn compact(&mut self, seq: u64) -> u64 {
        self.idx.compact(seq)
    }

    fn state(&self) -> StreamState {
        self.idx.state()
    }

    fn subjects_state(&self, filter: &str) -> BTreeMap<String, SimpleState> {
        self.idx.subjects_state(filter)
    }

    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        self.idx.num_pending(start, filter, last_per_subject)
    }

    fn update_limits(&mut self, limits: StoreLimits) {
        self.idx.update_limits(limits)
    }

    fn expire(&mut self, now: i64) -> u64 {
        self.idx.expire(now)
    }

    fn next_expiry(&self) -> Option<i64> {
        self.idx.next_expiry()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SizeModel;

    fn store(limits: StoreLimits) -> MemStore {
        MemStore::new(limits)
    }

    #[test]
    fn append_load_state() {
        let mut ms = store(StoreLimits::default());
        assert_eq!(ms.state(), StreamState::default());
        assert_eq!(ms.store_msg("foo", b"", "hello".as_bytes(), 10, 0), Ok(1));
        assert_eq!(ms.store_msg("bar", b"", "hello".as_bytes(), 20, 0), Ok(2));
        assert_eq!(ms.store_msg("foo", b"", "x".as_bytes(), 30, 0), Ok(3));
        let st = ms.state();
        assert_eq!((st.msgs, st.bytes, st.first_seq, st.last_seq, st.num_subjects), (3, 24 + 24 + 20, 1, 3, 2));
        assert_eq!((st.first_ts, st.last_ts), (10, 30));
        assert_eq!(&*ms.load_msg(2).unwrap().subject, "bar");
        assert_eq!(ms.load_last_msg("foo").unwrap().seq, 3);
        assert_eq!(ms.load_last_msg("b*").map(|m| m.seq), None);
        assert_eq!(ms.load_last_msg("*").unwrap().seq, 3);
        assert_eq!(ms.load_next_msg("foo", 2).unwrap().seq, 3);
        assert_eq!(ms.load_next_msg("", 2).unwrap().seq, 2);
        assert_eq!(ms.num_pending(1, "foo", false), 2);
        assert_eq!(ms.num_pending(2, "", false), 2);
        assert_eq!(ms.num_pending(1, "", true), 2);
    }

    #[test]
    fn remove_and_holes() {
        let mut ms = store(StoreLimits::default());
        for i in 0..5 {
            ms.store_msg(if i % 2 == 0 { "a" } else { "b" }, b"", "x".as_bytes(), i, 0).unwrap();
        }
        assert!(ms.remove_msg(3));
        assert!(!ms.remove_msg(3));
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq, st.num_deleted), (4, 1, 5, 1));
        assert!(ms.remove_msg(1));
        assert_eq!(ms.state().first_seq, 2);
        assert_eq!(ms.load_next_msg("a", 1).unwrap().seq, 5);
        assert_eq!(ms.subjects_state("a")["a"], SimpleState { msgs: 1, first: 5, last: 5 });
        assert!(ms.remove_msg(5));
        assert_eq!(ms.state().last_seq, 5);
        assert_eq!(ms.subjects_state(">").len(), 1);
        // The next append continues the sequence.
        assert_eq!(ms.store_msg("a", b"", "y".as_bytes(), 9, 0), Ok(6));
    }

    #[test]
    fn limits_discard_old() {
        let mut ms = store(StoreLimits { max_msgs: 2, ..Default::default() });
        for i in 0..5 {
            ms.store_msg("s", b"", "x".as_bytes(), i, 0).unwrap();
        }
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (2, 4, 5));

        let mut ms = store(StoreLimits { max_msgs_per: 1, ..Default::default() });
        ms.store_msg("a", b"", "1".as_bytes(), 1, 0).unwrap();
        ms.store_msg("b", b"", "2".as_bytes(), 2, 0).unwrap();
        ms.store_msg("a", b"", "3".as_bytes(), 3, 0).unwrap();
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq, st.num_deleted), (2, 2, 3, 0));
        assert_eq!(ms.load_last_msg("a").unwrap().msg(), "3".as_bytes());

        let mut ms = store(StoreLimits { max_bytes: 60, ..Default::default() });
        for i in 0..5 {
            ms.store_msg("s", b"", "0123456789".as_bytes(), i, 0).unwrap();
        }
        assert_eq!(ms.state().msgs, 2);
    }

    #[test]
    fn limits_discard_new() {
        let mut ms = store(StoreLimits { max_msgs: 2, discard_new: true, ..Default::default() });
        ms.store_msg("s", b"", "x".as_bytes(), 1, 0).unwrap();
        ms.store_msg("s", b"", "x".as_bytes(), 2, 0).unwrap();
        assert_eq!(ms.store_msg("s", b"", "x".as_bytes(), 3, 0), Err(StoreError::MaxMsgs));
        let mut ms = store(StoreLimits { max_bytes: 30, discard_new: true, ..Default::default() });
        ms.store_msg("s", b"", "x".as_bytes(), 1, 0).unwrap();
        assert_eq!(ms.store_msg("s", b"", "x".as_bytes(), 2, 0), Err(StoreError::MaxBytes));
        let mut ms =
            store(StoreLimits { max_msgs_per: 1, discard_new: true, discard_new_per: true, ..Default::default() });
        ms.store_msg("s", b"", "x".as_bytes(), 1, 0).unwrap();
        assert_eq!(ms.store_msg("s", b"", "x".as_bytes(), 2, 0), Err(StoreError::MaxMsgsPerSubject));
        assert_eq!(ms.store_msg("t", b"", "x".as_bytes(), 2, 0), Ok(2));
    }

    #[test]
    fn purge_variants() {
        let fill = || {
            let mut ms = store(StoreLimits::default());
            for i in 0..10u64 {
                ms.store_msg(if i % 2 == 0 { "a" } else { "b" }, b"", "x".as_bytes(), i as i64, 0).unwrap();
            }
            ms
        };
        let mut ms = fill();
        assert_eq!(ms.purge(), 10);
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 11, 10));
        assert_eq!(ms.store_msg("a", b"", "x".as_bytes(), 1, 0), Ok(11));

        let mut ms = fill();
        assert_eq!(ms.purge_ex("a", 0, 0), 5);
        assert_eq!(ms.state().first_seq, 2);
        let mut ms = fill();
        assert_eq!(ms.purge_ex("a", 0, 2), 3);
        assert_eq!(ms.subjects_state("a")["a"].first, 7);
        let mut ms = fill();
        assert_eq!(ms.purge_ex("", 5, 0), 4);
        assert_eq!(ms.state().first_seq, 5);
        let mut ms = fill();
        assert_eq!(ms.purge_ex("", 0, 3), 7);
        assert_eq!(ms.state().first_seq, 8);
        let mut ms = fill();
        assert_eq!(ms.purge_ex("b", 5, 0), 2);
        let mut ms = fill();
        assert_eq!(ms.compact(100), 10);
        let st = ms.state();
        assert_eq!((st.first_seq, st.last_seq), (100, 99));
        assert_eq!(ms.store_msg("a", b"", "x".as_bytes(), 1, 0), Ok(100));
    }

    #[test]
    fn expiry_and_ttl() {
        let mut ms = store(StoreLimits { max_age: 100, ..Default::default() });
        ms.store_msg("a", b"", "x".as_bytes(), 0, 0).unwrap();
        ms.store_msg("a", b"", "x".as_bytes(), 50, 0).unwrap();
        assert_eq!(ms.next_expiry(), Some(100));
        assert_eq!(ms.expire(120), 1);
        assert_eq!(ms.state().first_seq, 2);
        let mut ms = store(StoreLimits::default());
        ms.store_msg("a", b"", "x".as_bytes(), 0, 1).unwrap();
        ms.store_msg("a", b"", "x".as_bytes(), 0, 0).unwrap();
        assert_eq!(ms.next_expiry(), Some(1_000_000_000));
        assert_eq!(ms.expire(999_999_999), 0);
        assert_eq!(ms.expire(1_000_000_000), 1);
        assert_eq!(ms.state().msgs, 1);
    }

    #[test]
    fn skip_and_file_model() {
        let mut ms = store(StoreLimits { size_model: SizeModel::File, ..Default::default() });
        assert_eq!(ms.skip_msg(5), 1);
        assert_eq!(ms.store_msg("foo", b"", "WELCOME JETSTREAM".as_bytes(), 6, 0), Ok(2));
        let st = ms.state();
        assert_eq!((st.msgs, st.bytes, st.first_seq, st.last_seq), (1, 50, 2, 2));
        let mut ms = MemStore::with_first_seq(StoreLimits::default(), 10);
        assert_eq!(ms.state().first_seq, 10);
        assert_eq!(ms.store_msg("a", b"", "x".as_bytes(), 1, 0), Ok(10));
    }

    /// Random operations against a `BTreeMap` model of the same store.
    #[test]
    fn matches_simple_model() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeMap as Model;
        let subjects = ["a", "b", "c.x", "c.y"];
        for seed in 0..20u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut ms = store(StoreLimits { max_msgs_per: if seed % 3 == 0 { 2 } else { 0 }, ..Default::default() });
            let mut model: Model<u64, (&str, usize)> = Model::new();
            let mut last = 0u64;
            for _ in 0..400 {
                match rng.random_range(0..100) {
                    0..=59 => {
                        let subj = subjects[rng.random_range(0..subjects.len())];
                        let len = rng.random_range(0..8);
                        let seq = ms.store_msg(subj, b"", &vec![b'x'; len], 0, 0).unwrap();
                        last += 1;
                        assert_eq!(seq, last);
                        model.insert(seq, (subj, len));
                        if ms.idx.limits().max_msgs_per > 0 {
                            let of: Vec<u64> = model.iter().filter(|(_, v)| v.0 == subj).map(|(k, _)| *k).collect();
                            for k in of.iter().take(of.len().saturating_sub(2)) {
                                model.remove(k);
                            }
                        }
                    }
                    60..=79 => {
                        let seq = rng.random_range(0..=last + 1);
                        assert_eq!(ms.remove_msg(seq), model.remove(&seq).is_some());
                    }
                    80..=86 => {
                        let subj = subjects[rng.random_range(0..subjects.len())];
                        let keep = rng.random_range(0..3u64);
                        let matching: Vec<u64> = model.iter().filter(|(_, v)| v.0 == subj).map(|(k, _)| *k).collect();
                        let n = (matching.len() as u64).saturating_sub(keep);
                        let expected = if keep as usize >= matching.len() { 0 } else { n };
                        assert_eq!(ms.purge_ex(subj, 0, keep), expected);
                        for k in matching.iter().take(expected as usize) {
                            model.remove(k);
                        }
                    }
                    87..=92 => {
                        let seq = rng.random_range(0..=last + 2);
                        let expected = model.range(..seq).count() as u64;
                        assert_eq!(ms.compact(seq), if seq == 0 { 0 } else { expected });
                        if seq > 0 {
                            model = model.split_off(&seq);
                            if seq > last {
                                last = seq - 1;
                            }
                        }
                    }
                    _ => {
                        let start = rng.random_range(0..=last + 1);
                        let f = subjects[rng.random_range(0..subjects.len())];
                        let want = model.range(start..).filter(|(_, v)| v.0 == f).count() as u64;
                        assert_eq!(ms.num_pending(start, f, false), want);
                        assert_eq!(ms.num_pending(start, "", false), model.range(start..).count() as u64);
                        assert_eq!(
                            ms.num_pending(start, "c.*", false),
                            model.range(start..).filter(|(_, v)| v.0.starts_with("c.")).count() as u64
                        );
                        let next = model.range(start..).find(|(_, v)| v.0 == f).map(|(k, _)| *k);
                        assert_eq!(ms.load_next_msg(f, start).map(|m| m.seq), next);
                    }
                }
                let st = ms.state();
                assert_eq!(st.msgs, model.len() as u64, "seed {seed}");
                assert_eq!(st.bytes, model.values().map(|v| (v.0.len() + v.1 + 16) as u64).sum::<u64>());
                assert_eq!(st.last_seq, last);
                let first = model.keys().next().copied().unwrap_or(if last == 0 { 0 } else { last + 1 });
                assert_eq!(st.first_seq, first, "seed {seed}");
                let subj_count = model.values().map(|v| v.0).collect::<std::collections::BTreeSet<_>>().len() as u64;
                assert_eq!(st.num_subjects, subj_count);
                for f in subjects {
                    let want = model.iter().rev().find(|(_, v)| v.0 == f).map(|(k, _)| *k);
                    assert_eq!(ms.load_last_msg(f).map(|m| m.seq), want);
                    let ss = ms.subjects_state(f);
                    let firsts = model.iter().find(|(_, v)| v.0 == f).map(|(k, _)| *k);
                    assert_eq!(ss.get(f).map(|s| s.first), firsts, "seed {seed} subject {f}");
                }
            }
        }
    }
}
