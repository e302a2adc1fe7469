//! The sequence index shared by the memory and file stores.
//!
//! Entries live in a `VecDeque<Option<StoredMsg>>` indexed by
//! `seq - base`: append and load by sequence are O(1), interior deletes leave
//! a `None` hole, and the front is trimmed so slot 0 is always a live message.
//! A per-subject index (`HashMap<Arc<str>, SubjState>`) serves last-by-subject,
//! per-subject limits and subject counts; its `Arc<str>` key is shared with
//! every stored entry of that subject, so an append of a known subject
//! allocates nothing.
//!
//! The entry type is generic: the memory store keeps whole messages
//! (`StoredMsg`), the file store keeps where a message lies on disk. Limits,
//! purges, per-subject state and expiry are the same code for both, so the
//! two stores cannot drift apart in what clients observe.
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use super::{SimpleState, StoreError, StoreLimits, StoredMsg, StreamState};
use crate::subject::{is_literal, matches};

/// What the index needs to know of an entry.
pub(crate) trait IndexEntry {
    fn subject(&self) -> &Arc<str>;
    fn seq(&self) -> u64;
    fn ts(&self) -> i64;
    fn hdr_len(&self) -> usize;
    fn msg_len(&self) -> usize;
}

impl IndexEntry for StoredMsg {
    #[inline]
    fn subject(&self) -> &Arc<str> {
        &self.subject
    }
    #[inline]
    fn seq(&self) -> u64 {
        self.seq
    }
    #[inline]
    fn ts(&self) -> i64 {
        self.ts
    }
    #[inline]
    fn hdr_len(&self) -> usize {
        self.hdr_len
    }
    #[inline]
    fn msg_len(&self) -> usize {
        self.data.len() - self.hdr_len
    }
}

#[derive(Clone, Copy, Debug)]
struct SubjState {
    msgs: u64,
    first: u64,
    last: u64,
    /// `first` may point at a removed message; recomputed on demand (Go keeps
    /// the same lazy `firstNeedsUpdate` flag).
    first_stale: bool,
}

/// Sequence-indexed entries with the bookkeeping of a stream store.
#[derive(Debug)]
pub(crate) struct SeqIndex<E> {
    limits: StoreLimits,
    msgs: VecDeque<Option<E>>,
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
    /// When set, every entry removed is pushed here (the file store drains
    /// it to write tombstones and free blocks).
    removed: Option<Vec<E>>,
}

impl<E> Default for SeqIndex<E> {
    fn default() -> Self {
        SeqIndex {
            limits: StoreLimits::default(),
            msgs: VecDeque::new(),
            base: 1,
            last_seq: 0,
            last_ts: 0,
            count: 0,
            bytes: 0,
            subjects: HashMap::new(),
            ttls: BTreeSet::new(),
            holes: BTreeSet::new(),
            never: BTreeSet::new(),
            removed: None,
        }
    }
}

impl<E: IndexEntry> SeqIndex<E> {
    pub(crate) fn new(limits: StoreLimits) -> Self {
        SeqIndex { limits, base: 1, ..Default::default() }
    }

    /// Starts the sequence at `first_seq` (stream config `first_seq`).
    pub(crate) fn with_first_seq(limits: StoreLimits, first_seq: u64) -> Self {
        let first_seq = first_seq.max(1);
        SeqIndex { limits, base: first_seq, last_seq: first_seq - 1, ..Default::default() }
    }

    #[inline]
    pub(crate) fn slot(&self, seq: u64) -> Option<&E> {
        if seq < self.base {
            return None;
        }
        self.msgs.get((seq - self.base) as usize).and_then(|m| m.as_ref())
    }

    #[inline]
    fn msg_size(&self, m: &E) -> u64 {
        self.limits.size_model.size(m.subject().len(), m.hdr_len(), m.msg_len())
    }

    pub(crate) fn first_seq(&self) -> u64 {
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
        if let Some(ss) = self.subjects.get_mut(&**m.subject()) {
            ss.msgs -= 1;
            if ss.msgs == 0 {
                self.subjects.remove(&**m.subject());
            } else if ss.first == seq {
                ss.first_stale = true;
            } else if ss.last == seq {
                // Walk back to the previous message of this subject.
                let (first, mut s) = (ss.first, seq - 1);
                while s >= first && s >= self.base {
                    if let Some(p) = self.msgs.get((s - self.base) as usize).and_then(|m| m.as_ref()) {
                        if p.subject() == m.subject() {
                            break;
                        }
                    }
                    s -= 1;
                }
                if let Some(ss) = self.subjects.get_mut(&**m.subject()) {
                    ss.last = s;
                }
            }
        }
        if let Some(log) = &mut self.removed {
            log.push(m);
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
            if self.slot(s).is_some_and(|m| &**m.subject() == subject) {
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
        (ss.first.max(self.base)..=ss.last).find(|&s| self.slot(s).is_some_and(|m| &**m.subject() == subject))
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

    pub(crate) fn iter_from(&self, start: u64) -> impl DoubleEndedIterator<Item = &E> {
        let skip = (start.saturating_sub(self.base) as usize).min(self.msgs.len());
        self.msgs.range(skip..).flatten()
    }
}

impl<E: IndexEntry> SeqIndex<E> {
    /// Turns recording of removed entries on or off (off drops the log).
    pub(crate) fn record_removals(&mut self, on: bool) {
        self.removed = on.then(Vec::new);
    }

    /// Moves the entries removed since the last call into `into` (a buffer
    /// the caller reuses, so recording costs no allocation per change).
    pub(crate) fn drain_removed(&mut self, into: &mut Vec<E>) {
        if let Some(log) = &mut self.removed {
            into.append(log);
        }
    }

    #[cfg(test)]
    pub(crate) fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// Makes `seq` the next sequence, leaving holes for the ones skipped
    /// (recovery: sequences whose records are gone).
    pub(crate) fn advance_to(&mut self, seq: u64) {
        if seq <= self.last_seq + 1 {
            return;
        }
        if self.count == 0 {
            self.msgs.clear();
            self.holes.clear();
            self.last_seq = seq - 1;
            self.base = seq;
            return;
        }
        while self.last_seq + 1 < seq {
            self.last_seq += 1;
            self.msgs.push_back(None);
            self.holes.insert(self.last_seq);
        }
    }

    /// Sets the last timestamp (recovery: the newest record may not be a
    /// message). Zero leaves it alone.
    pub(crate) fn set_last_ts(&mut self, ts: i64) {
        if ts != 0 {
            self.last_ts = ts;
        }
    }

    /// Applies `f` to the live entries with sequences in `lo..=hi`.
    pub(crate) fn update_range(&mut self, lo: u64, hi: u64, mut f: impl FnMut(&mut E)) {
        let from = lo.max(self.base);
        for seq in from..=hi {
            match self.msgs.get_mut((seq - self.base) as usize) {
                Some(Some(e)) => f(e),
                Some(None) => {}
                None => break,
            }
        }
    }

    /// Messages with a pending TTL.
    pub(crate) fn ttl_count(&self) -> usize {
        self.ttls.len()
    }

    /// Checks a new message against the limits that refuse rather than
    /// remove (discard new). `Ok(true)` when it will replace a message of its
    /// own subject (per-subject limit).
    pub(crate) fn admit(&self, subject: &str, hdr: &[u8], msg_len: usize) -> Result<bool, StoreError> {
        let size = self.limits.size_model.size(subject.len(), hdr.len(), msg_len);
        let existing = self.subjects.get_key_value(subject);
        let at_subject_limit =
            self.limits.max_msgs_per > 0 && existing.is_some_and(|(_, ss)| ss.msgs >= self.limits.max_msgs_per as u64);
        if self.limits.discard_new {
            // Go memstore.go `storeRawMsg`: a message that will replace one of
            // its own subject is allowed past the stream-wide limits.
            if at_subject_limit && self.limits.discard_new_per && !has_rollup_header(hdr) {
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
        Ok(at_subject_limit)
    }

    /// The sequence the next message gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Appends an entry that [`SeqIndex::admit`] let in (nothing changed in
    /// between), then applies the limits that remove old messages.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_admitted(
        &mut self,
        subject: &str,
        hdr_len: usize,
        msg_len: usize,
        ts: i64,
        ttl: i64,
        at_subject_limit: bool,
        make: impl FnOnce(Arc<str>, u64) -> E,
    ) -> u64 {
        let size = self.limits.size_model.size(subject.len(), hdr_len, msg_len);
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
        let entry = make(key.clone(), seq);
        self.msgs.push_back(Some(entry));
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
        seq
    }

    pub(crate) fn skip_msg(&mut self, ts: i64) -> u64 {
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

    pub(crate) fn load_next(&self, filter: &str, start: u64) -> Option<&E> {
        let start = start.max(self.base);
        if filter.is_empty() || filter == ">" {
            return self.iter_from(start).next();
        }
        if is_literal(filter) {
            let ss = self.subjects.get(filter)?;
            if start > ss.last {
                return None;
            }
            let from = start.max(ss.first);
            return (from..=ss.last).filter_map(|s| self.slot(s)).find(|m| &**m.subject() == filter);
        }
        self.iter_from(start).find(|m| matches(m.subject(), filter))
    }

    pub(crate) fn load_last(&self, filter: &str) -> Option<&E> {
        if filter.is_empty() || filter == ">" {
            return self.msgs.iter().rev().flatten().next();
        }
        if is_literal(filter) {
            let ss = self.subjects.get(filter)?;
            return self.slot(ss.last);
        }
        self.msgs.iter().rev().flatten().find(|m| matches(m.subject(), filter))
    }

    pub(crate) fn remove_msg(&mut self, seq: u64) -> bool {
        self.remove_and_trim(seq)
    }

    pub(crate) fn purge(&mut self) -> u64 {
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

    pub(crate) fn purge_ex(&mut self, subject: &str, seq: u64, keep: u64) -> u64 {
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
            self.iter_from(self.base).filter(|m| matches(m.subject(), subject)).map(|m| m.seq()).collect();
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

    pub(crate) fn compact(&mut self, seq: u64) -> u64 {
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

    pub(crate) fn state(&self) -> StreamState {
        let first_seq = self.first_seq();
        let first_ts = self.slot(first_seq).map_or(0, |m| m.ts());
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

    pub(crate) fn subjects_state(&self, filter: &str) -> BTreeMap<String, SimpleState> {
        // An empty filter means all subjects.
        let filter = if filter.is_empty() { ">" } else { filter };
        self.subjects
            .iter()
            .filter(|(k, _)| matches(k, filter))
            .map(|(k, ss)| {
                let first = self.subject_first_ro(k).unwrap_or(ss.first);
                (k.to_string(), SimpleState { msgs: ss.msgs, first, last: ss.last })
            })
            .collect()
    }

    pub(crate) fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        if last_per_subject {
            // An empty filter means all subjects.
            let filter = if filter.is_empty() { ">" } else { filter };
            return self.subjects.iter().filter(|(k, ss)| ss.last >= start && matches(k, filter)).count() as u64;
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
        self.iter_from(start).filter(|m| matches(m.subject(), filter)).count() as u64
    }

    pub(crate) fn update_limits(&mut self, limits: StoreLimits) {
        self.limits = limits;
        self.enforce_all_per_subject();
        self.enforce_limits();
    }

    pub(crate) fn expire(&mut self, now: i64) -> u64 {
        let mut removed = 0;
        if self.limits.max_age > 0 {
            let cutoff = now.saturating_sub(self.limits.max_age);
            let mut i = 0;
            while i < self.msgs.len() {
                let Some(Some(m)) = self.msgs.get(i) else {
                    i += 1;
                    continue;
                };
                if m.ts() > cutoff {
                    break;
                }
                let seq = m.seq();
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

    pub(crate) fn next_expiry(&self) -> Option<i64> {
        let age = if self.limits.max_age > 0 {
            self.msgs
                .iter()
                .flatten()
                .find(|m| !self.never.contains(&m.seq()))
                .map(|m| m.ts().saturating_add(self.limits.max_age))
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
