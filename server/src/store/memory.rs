//! In-memory stream store.
//!
//! Messages live in a `VecDeque<Option<StoredMsg>>` indexed by
//! `seq - base`: append and load by sequence are O(1), interior deletes leave
//! a `None` hole, and the front is trimmed so slot 0 is always a live message.
//! A per-subject index (`HashMap<Arc<str>, SubjState>`) serves last-by-subject,
//! per-subject limits and subject counts; its `Arc<str>` key is shared with
//! every stored message of that subject, so an append of a known subject
//! allocates nothing beyond the caller's `Bytes`.
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::{is_literal, subject_matches, SimpleState, StoreError, StoreLimits, StoredMsg, StreamState, StreamStore};

#[derive(Clone, Copy, Debug)]
struct SubjState {
    msgs: u64,
    first: u64,
    last: u64,
    /// `first` may point at a removed message; recomputed on demand (Go keeps
    /// the same lazy `firstNeedsUpdate` flag).
    first_stale: bool,
}

/// Memory-backed `StreamStore`.
#[derive(Debug, Default)]
pub struct MemStore {
    limits: StoreLimits,
    msgs: VecDeque<Option<StoredMsg>>,
    /// Sequence of `msgs[0]`.
    base: u64,
    last_seq: u64,
    last_ts: i64,
    count: u64,
    bytes: u64,
    subjects: HashMap<Arc<str>, SubjState>,
    /// (expiry nanos, seq) for messages with a TTL. Entries of messages
    /// removed earlier stay until due and are skipped then.
    ttls: BTreeSet<(i64, u64)>,
    /// Sequences of the `None` slots in `msgs`, so counting live messages
    /// from a sequence to the end is O(holes) instead of O(messages).
    holes: BTreeSet<u64>,
    /// Messages stored with a TTL of "never": max age does not remove them.
    never: BTreeSet<u64>,
}

impl MemStore {
    pub fn new(limits: StoreLimits) -> Self {
        MemStore { limits, base: 1, ..Default::default() }
    }

    /// Starts the sequence at `first_seq` (stream config `first_seq`).
    pub fn with_first_seq(limits: StoreLimits, first_seq: u64) -> Self {
        let first_seq = first_seq.max(1);
        MemStore { limits, base: first_seq, last_seq: first_seq - 1, ..Default::default() }
    }

    #[inline]
    fn slot(&self, seq: u64) -> Option<&StoredMsg> {
        if seq < self.base {
            return None;
        }
        self.msgs.get((seq - self.base) as usize).and_then(|m| m.as_ref())
    }

    #[inline]
    fn msg_size(&self, m: &StoredMsg) -> u64 {
        self.limits.size_model.size(m.subject.len(), m.hdr.len(), m.msg.len())
    }

    fn first_seq(&self) -> u64 {
        if self.count == 0 && self.last_seq == 0 {
            // Go reports 0 for a store that never held anything.
            0
        } else if self.count == 0 {
            self.last_seq + 1
        } else {
            self.base
        }
    }

    /// Drops leading holes so `msgs[0]` is live (or the deque is empty).
    fn trim_front(&mut self) {
        while let Some(None) = self.msgs.front() {
            self.msgs.pop_front();
            self.holes.remove(&self.base);
            self.base += 1;
        }
        if self.msgs.is_empty() {
            self.base = self.last_seq + 1;
            self.holes.clear();
        }
    }

    /// Removes `seq`, updating counters and indexes. Does not trim.
    fn remove_inner(&mut self, seq: u64) -> bool {
        if seq < self.base {
            return false;
        }
        let idx = (seq - self.base) as usize;
        let Some(m) = self.msgs.get_mut(idx).and_then(|m| m.take()) else {
            return false;
        };
        self.count -= 1;
        self.bytes -= self.msg_size(&m);
        self.holes.insert(seq);
        if let Some(ss) = self.subjects.get_mut(&*m.subject) {
            ss.msgs -= 1;
            if ss.msgs == 0 {
                self.subjects.remove(&*m.subject);
            } else if ss.first == seq {
                ss.first_stale = true;
            } else if ss.last == seq {
                // Walk back to the previous message of this subject.
                let (first, mut s) = (ss.first, seq - 1);
                while s >= first && s >= self.base {
                    if let Some(p) = self.msgs.get((s - self.base) as usize).and_then(|m| m.as_ref()) {
                        if p.subject == m.subject {
                            break;
                        }
                    }
                    s -= 1;
                }
                if let Some(ss) = self.subjects.get_mut(&*m.subject) {
                    ss.last = s;
                }
            }
        }
        true
    }

    fn remove_and_trim(&mut self, seq: u64) -> bool {
        let ok = self.remove_inner(seq);
        if ok {
            self.trim_front();
        }
        ok
    }

    /// Current first sequence of a subject, fixing a stale entry.
    fn subject_first(&mut self, subject: &str) -> Option<u64> {
        let ss = *self.subjects.get(subject)?;
        if !ss.first_stale {
            return Some(ss.first);
        }
        let mut s = ss.first.max(self.base);
        while s <= ss.last {
            if self.slot(s).is_some_and(|m| &*m.subject == subject) {
                break;
            }
            s += 1;
        }
        let e = self.subjects.get_mut(subject)?;
        e.first = s;
        e.first_stale = false;
        Some(s)
    }

    fn subject_first_ro(&self, subject: &str) -> Option<u64> {
        let ss = self.subjects.get(subject)?;
        if !ss.first_stale {
            return Some(ss.first);
        }
        (ss.first.max(self.base)..=ss.last).find(|&s| self.slot(s).is_some_and(|m| &*m.subject == subject))
    }

    fn enforce_per_subject(&mut self, subject: &str) {
        let max = self.limits.max_msgs_per;
        if max <= 0 {
            return;
        }
        while self.subjects.get(subject).is_some_and(|ss| ss.msgs > max as u64) {
            let Some(first) = self.subject_first(subject) else { break };
            self.remove_inner(first);
        }
    }

    fn enforce_limits(&mut self) {
        if self.limits.max_msgs > 0 {
            while self.count > self.limits.max_msgs as u64 {
                let b = self.base;
                self.remove_inner(b);
                self.trim_front();
            }
        }
        if self.limits.max_bytes > 0 {
            while self.bytes > self.limits.max_bytes as u64 && self.count > 0 {
                let b = self.base;
                self.remove_inner(b);
                self.trim_front();
            }
        }
    }

    fn enforce_all_per_subject(&mut self) {
        if self.limits.max_msgs_per <= 0 {
            return;
        }
        let over: Vec<Arc<str>> = self
            .subjects
            .iter()
            .filter(|(_, ss)| ss.msgs > self.limits.max_msgs_per as u64)
            .map(|(k, _)| k.clone())
            .collect();
        for s in over {
            self.enforce_per_subject(&s);
        }
        self.trim_front();
    }

    fn iter_from(&self, start: u64) -> impl Iterator<Item = &StoredMsg> {
        let skip = (start.saturating_sub(self.base) as usize).min(self.msgs.len());
        self.msgs.range(skip..).flatten()
    }
}

impl StreamStore for MemStore {
    fn store_msg(&mut self, subject: &str, hdr: Bytes, msg: Bytes, ts: i64, ttl: i64) -> Result<u64, StoreError> {
        let size = self.limits.size_model.size(subject.len(), hdr.len(), msg.len());
        let existing = self.subjects.get_key_value(subject);
        let at_subject_limit =
            self.limits.max_msgs_per > 0 && existing.is_some_and(|(_, ss)| ss.msgs >= self.limits.max_msgs_per as u64);
        if self.limits.discard_new {
            // Go memstore.go `storeRawMsg`: a message that will replace one of
            // its own subject is allowed past the stream-wide limits.
            if at_subject_limit && self.limits.discard_new_per && !has_rollup_header(&hdr) {
                return Err(StoreError::MaxMsgsPerSubject);
            }
            if self.limits.max_msgs > 0 && self.count >= self.limits.max_msgs as u64 && !at_subject_limit {
                return Err(StoreError::MaxMsgs);
            }
            if self.limits.max_bytes > 0 && self.bytes + size > self.limits.max_bytes as u64 {
                if !at_subject_limit {
                    return Err(StoreError::MaxBytes);
                }
                let first = self.subject_first_ro(subject).and_then(|s| self.slot(s)).map(|m| self.msg_size(m));
                if first.is_none_or(|f| f < size) {
                    return Err(StoreError::MaxBytes);
                }
            }
        }
        let seq = self.last_seq + 1;
        let key = match self.subjects.get_key_value(subject) {
            Some((k, _)) => k.clone(),
            None => Arc::from(subject),
        };
        if self.count == 0 {
            self.msgs.clear();
            self.base = seq;
        }
        // Holes between base and seq cannot exist at the tail: every sequence
        // is pushed, removed ones become None.
        self.msgs.push_back(Some(StoredMsg { subject: key.clone(), hdr, msg, seq, ts }));
        self.last_seq = seq;
        self.last_ts = ts;
        self.count += 1;
        self.bytes += size;
        let e = self.subjects.entry(key).or_insert(SubjState { msgs: 0, first: seq, last: seq, first_stale: false });
        e.msgs += 1;
        e.last = seq;
        if ttl > 0 {
            self.ttls.insert((ts.saturating_add(ttl.saturating_mul(1_000_000_000)), seq));
        } else if ttl < 0 {
            self.never.insert(seq);
        }
        if at_subject_limit {
            self.enforce_per_subject(subject);
            self.trim_front();
        }
        self.enforce_limits();
        Ok(seq)
    }

    fn skip_msg(&mut self, ts: i64) -> u64 {
        let seq = self.last_seq + 1;
        self.last_seq = seq;
        self.last_ts = ts;
        if self.count == 0 {
            self.msgs.clear();
            self.base = seq + 1;
        } else {
            self.msgs.push_back(None);
            self.holes.insert(seq);
        }
        seq
    }

    fn load_msg(&self, seq: u64) -> Option<StoredMsg> {
        self.slot(seq).cloned()
    }

    fn load_next_msg(&self, filter: &str, start: u64) -> Option<StoredMsg> {
        let start = start.max(self.base);
        if filter.is_empty() || filter == ">" {
            return self.iter_from(start).next().cloned();
        }
        if is_literal(filter) {
            let ss = self.subjects.get(filter)?;
            if start > ss.last {
                return None;
            }
            let from = start.max(ss.first);
            return (from..=ss.last).filter_map(|s| self.slot(s)).find(|m| &*m.subject == filter).cloned();
        }
        self.iter_from(start).find(|m| subject_matches(filter, &m.subject)).cloned()
    }

    fn load_last_msg(&self, filter: &str) -> Option<StoredMsg> {
        if filter.is_empty() || filter == ">" {
            return self.msgs.iter().rev().flatten().next().cloned();
        }
        if is_literal(filter) {
            let ss = self.subjects.get(filter)?;
            return self.slot(ss.last).cloned();
        }
        self.msgs.iter().rev().flatten().find(|m| subject_matches(filter, &m.subject)).cloned()
    }

    fn remove_msg(&mut self, seq: u64) -> bool {
        self.remove_and_trim(seq)
    }

    fn purge(&mut self) -> u64 {
        let n = self.count;
        self.msgs.clear();
        self.subjects.clear();
        self.ttls.clear();
        self.holes.clear();
        self.count = 0;
        self.bytes = 0;
        self.base = self.last_seq + 1;
        n
    }

    fn purge_ex(&mut self, subject: &str, seq: u64, keep: u64) -> u64 {
        // Go memstore.go `PurgeEx`.
        if subject.is_empty() || subject == ">" {
            if keep == 0 && seq == 0 {
                return self.purge();
            }
            if seq > 1 {
                return self.compact(seq);
            }
            if keep > 0 {
                if keep >= self.count {
                    return 0;
                }
                return self.compact(self.last_seq - keep + 1);
            }
            return 0;
        }
        let matching: Vec<u64> =
            self.iter_from(self.base).filter(|m| subject_matches(subject, &m.subject)).map(|m| m.seq).collect();
        let mut to_remove = matching.len() as u64;
        if to_remove == 0 {
            return 0;
        }
        if keep > 0 {
            if keep >= to_remove {
                return 0;
            }
            to_remove -= keep;
        }
        let mut purged = 0;
        for s in matching {
            if purged == to_remove || (seq > 1 && s >= seq) {
                break;
            }
            if self.remove_inner(s) {
                purged += 1;
            }
        }
        self.trim_front();
        purged
    }

    fn compact(&mut self, seq: u64) -> u64 {
        if seq == 0 {
            return 0;
        }
        if seq > self.last_seq {
            let n = self.purge();
            self.last_seq = seq - 1;
            self.base = seq;
            return n;
        }
        let mut purged = 0;
        while self.base < seq && !self.msgs.is_empty() {
            let b = self.base;
            if self.remove_inner(b) {
                purged += 1;
            }
            self.msgs.pop_front();
            self.holes.remove(&b);
            self.base += 1;
        }
        self.trim_front();
        purged
    }

    fn state(&self) -> StreamState {
        let first_seq = self.first_seq();
        let first_ts = self.slot(first_seq).map_or(0, |m| m.ts);
        let span = (self.last_seq + 1).saturating_sub(first_seq);
        StreamState {
            msgs: self.count,
            bytes: self.bytes,
            first_seq,
            first_ts,
            last_seq: self.last_seq,
            last_ts: if self.last_seq == 0 { 0 } else { self.last_ts },
            num_subjects: self.subjects.len() as u64,
            num_deleted: if self.count == 0 { 0 } else { span - self.count },
        }
    }

    fn subjects_state(&self, filter: &str) -> BTreeMap<String, SimpleState> {
        self.subjects
            .iter()
            .filter(|(k, _)| subject_matches(filter, k))
            .map(|(k, ss)| {
                let first = self.subject_first_ro(k).unwrap_or(ss.first);
                (k.to_string(), SimpleState { msgs: ss.msgs, first, last: ss.last })
            })
            .collect()
    }

    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        if last_per_subject {
            return self.subjects.iter().filter(|(k, ss)| ss.last >= start && subject_matches(filter, k)).count()
                as u64;
        }
        if filter.is_empty() || filter == ">" {
            if start <= self.base {
                return self.count;
            }
            if start > self.last_seq {
                return 0;
            }
            return (self.last_seq - start + 1) - self.holes.range(start..).count() as u64;
        }
        if is_literal(filter) {
            let Some(ss) = self.subjects.get(filter) else { return 0 };
            if start <= ss.first && !ss.first_stale {
                return ss.msgs;
            }
        }
        self.iter_from(start).filter(|m| subject_matches(filter, &m.subject)).count() as u64
    }

    fn update_limits(&mut self, limits: StoreLimits) {
        self.limits = limits;
        self.enforce_all_per_subject();
        self.enforce_limits();
    }

    fn expire(&mut self, now: i64) -> u64 {
        let mut removed = 0;
        if self.limits.max_age > 0 {
            let cutoff = now.saturating_sub(self.limits.max_age);
            let mut i = 0;
            while i < self.msgs.len() {
                let Some(Some(m)) = self.msgs.get(i) else {
                    i += 1;
                    continue;
                };
                if m.ts > cutoff {
                    break;
                }
                let seq = m.seq;
                i += 1;
                if self.never.contains(&seq) {
                    continue;
                }
                self.remove_inner(seq);
                removed += 1;
            }
            self.trim_front();
            let base = self.base;
            self.never = self.never.split_off(&base);
        }
        while let Some(&(at, seq)) = self.ttls.first() {
            if at > now {
                break;
            }
            self.ttls.pop_first();
            if self.remove_inner(seq) {
                removed += 1;
            }
        }
        self.trim_front();
        removed
    }

    fn next_expiry(&self) -> Option<i64> {
        let age = if self.limits.max_age > 0 {
            self.msgs
                .iter()
                .flatten()
                .find(|m| !self.never.contains(&m.seq))
                .map(|m| m.ts.saturating_add(self.limits.max_age))
        } else {
            None
        };
        let ttl = self.ttls.first().map(|&(at, _)| at);
        match (age, ttl) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, t) => a.or(t),
        }
    }
}

/// True when the header block has a `Nats-Rollup` header.
fn has_rollup_header(hdr: &[u8]) -> bool {
    !hdr.is_empty() && hdr.windows(11).any(|w| w.eq_ignore_ascii_case(b"nats-rollup"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SizeModel;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn store(limits: StoreLimits) -> MemStore {
        MemStore::new(limits)
    }

    #[test]
    fn append_load_state() {
        let mut ms = store(StoreLimits::default());
        assert_eq!(ms.state(), StreamState::default());
        assert_eq!(ms.store_msg("foo", Bytes::new(), b("hello"), 10, 0), Ok(1));
        assert_eq!(ms.store_msg("bar", Bytes::new(), b("hello"), 20, 0), Ok(2));
        assert_eq!(ms.store_msg("foo", Bytes::new(), b("x"), 30, 0), Ok(3));
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
            ms.store_msg(if i % 2 == 0 { "a" } else { "b" }, Bytes::new(), b("x"), i, 0).unwrap();
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
        assert_eq!(ms.store_msg("a", Bytes::new(), b("y"), 9, 0), Ok(6));
    }

    #[test]
    fn limits_discard_old() {
        let mut ms = store(StoreLimits { max_msgs: 2, ..Default::default() });
        for i in 0..5 {
            ms.store_msg("s", Bytes::new(), b("x"), i, 0).unwrap();
        }
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (2, 4, 5));

        let mut ms = store(StoreLimits { max_msgs_per: 1, ..Default::default() });
        ms.store_msg("a", Bytes::new(), b("1"), 1, 0).unwrap();
        ms.store_msg("b", Bytes::new(), b("2"), 2, 0).unwrap();
        ms.store_msg("a", Bytes::new(), b("3"), 3, 0).unwrap();
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq, st.num_deleted), (2, 2, 3, 0));
        assert_eq!(ms.load_last_msg("a").unwrap().msg, b("3"));

        let mut ms = store(StoreLimits { max_bytes: 60, ..Default::default() });
        for i in 0..5 {
            ms.store_msg("s", Bytes::new(), b("0123456789"), i, 0).unwrap();
        }
        assert_eq!(ms.state().msgs, 2);
    }

    #[test]
    fn limits_discard_new() {
        let mut ms = store(StoreLimits { max_msgs: 2, discard_new: true, ..Default::default() });
        ms.store_msg("s", Bytes::new(), b("x"), 1, 0).unwrap();
        ms.store_msg("s", Bytes::new(), b("x"), 2, 0).unwrap();
        assert_eq!(ms.store_msg("s", Bytes::new(), b("x"), 3, 0), Err(StoreError::MaxMsgs));
        let mut ms = store(StoreLimits { max_bytes: 30, discard_new: true, ..Default::default() });
        ms.store_msg("s", Bytes::new(), b("x"), 1, 0).unwrap();
        assert_eq!(ms.store_msg("s", Bytes::new(), b("x"), 2, 0), Err(StoreError::MaxBytes));
        let mut ms =
            store(StoreLimits { max_msgs_per: 1, discard_new: true, discard_new_per: true, ..Default::default() });
        ms.store_msg("s", Bytes::new(), b("x"), 1, 0).unwrap();
        assert_eq!(ms.store_msg("s", Bytes::new(), b("x"), 2, 0), Err(StoreError::MaxMsgsPerSubject));
        assert_eq!(ms.store_msg("t", Bytes::new(), b("x"), 2, 0), Ok(2));
    }

    #[test]
    fn purge_variants() {
        let fill = || {
            let mut ms = store(StoreLimits::default());
            for i in 0..10u64 {
                ms.store_msg(if i % 2 == 0 { "a" } else { "b" }, Bytes::new(), b("x"), i as i64, 0).unwrap();
            }
            ms
        };
        let mut ms = fill();
        assert_eq!(ms.purge(), 10);
        let st = ms.state();
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 11, 10));
        assert_eq!(ms.store_msg("a", Bytes::new(), b("x"), 1, 0), Ok(11));

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
        assert_eq!(ms.store_msg("a", Bytes::new(), b("x"), 1, 0), Ok(100));
    }

    #[test]
    fn expiry_and_ttl() {
        let mut ms = store(StoreLimits { max_age: 100, ..Default::default() });
        ms.store_msg("a", Bytes::new(), b("x"), 0, 0).unwrap();
        ms.store_msg("a", Bytes::new(), b("x"), 50, 0).unwrap();
        assert_eq!(ms.next_expiry(), Some(100));
        assert_eq!(ms.expire(120), 1);
        assert_eq!(ms.state().first_seq, 2);
        let mut ms = store(StoreLimits::default());
        ms.store_msg("a", Bytes::new(), b("x"), 0, 1).unwrap();
        ms.store_msg("a", Bytes::new(), b("x"), 0, 0).unwrap();
        assert_eq!(ms.next_expiry(), Some(1_000_000_000));
        assert_eq!(ms.expire(999_999_999), 0);
        assert_eq!(ms.expire(1_000_000_000), 1);
        assert_eq!(ms.state().msgs, 1);
    }

    #[test]
    fn skip_and_file_model() {
        let mut ms = store(StoreLimits { size_model: SizeModel::File, ..Default::default() });
        assert_eq!(ms.skip_msg(5), 1);
        assert_eq!(ms.store_msg("foo", Bytes::new(), b("WELCOME JETSTREAM"), 6, 0), Ok(2));
        let st = ms.state();
        assert_eq!((st.msgs, st.bytes, st.first_seq, st.last_seq), (1, 50, 2, 2));
        let mut ms = MemStore::with_first_seq(StoreLimits::default(), 10);
        assert_eq!(ms.state().first_seq, 10);
        assert_eq!(ms.store_msg("a", Bytes::new(), b("x"), 1, 0), Ok(10));
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
                        let seq = ms.store_msg(subj, Bytes::new(), Bytes::from(vec![b'x'; len]), 0, 0).unwrap();
                        last += 1;
                        assert_eq!(seq, last);
                        model.insert(seq, (subj, len));
                        if ms.limits.max_msgs_per > 0 {
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
