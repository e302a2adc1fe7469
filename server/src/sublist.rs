//! The subscription index: a trie over subject tokens with `*` and `>` wildcards,
//! queue groups, and a cache of recent match results.
//!
//! Modelled on Go's `server/sublist.go`: matching walks the trie level by level,
//! collecting full-wildcard matches first, then partial-wildcard, then literal, which
//! fixes the delivery order a client observes. Any insert or remove drops the cached
//! results whose subject the changed subscription matches.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, RwLock};

/// A small, fast, non-cryptographic hasher (the FxHash mix) for hot in-memory maps
/// keyed by short strings or integers that clients cannot use to attack us in bulk.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(FX_SEED);
    }
}

/// `BuildHasher` for [`FxHasher`].
type FxBuild = BuildHasherDefault<FxHasher>;
/// A `HashMap` using [`FxHasher`].
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

/// Go's `slCacheMax`: the number of cached match results kept.
const CACHE_MAX: usize = 1024;
/// Go's `slCacheSweep`: the size the cache is trimmed to when full.
const CACHE_SWEEP: usize = 256;

/// The subscribers matching one subject.
pub(crate) struct SublistResult<S> {
    /// Plain subscribers: every one gets the message.
    pub(crate) psubs: Vec<Arc<S>>,
    /// Queue groups: one member of each gets the message.
    pub(crate) qsubs: Vec<Vec<Arc<S>>>,
}

impl<S> SublistResult<S> {
    fn empty() -> Self {
        SublistResult { psubs: Vec::new(), qsubs: Vec::new() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.psubs.is_empty() && self.qsubs.is_empty()
    }
}

/// Subscriptions on one trie node, kept in insertion order (Go delivers in
/// roughly subscribe order) with O(1) removal: removed slots become holes that are
/// compacted once they outnumber live entries.
struct SubSet<S> {
    slots: Vec<Option<(u64, Arc<S>)>>,
    index: FxHashMap<u64, usize>,
}

impl<S> Default for SubSet<S> {
    fn default() -> Self {
        SubSet { slots: Vec::new(), index: FxHashMap::default() }
    }
}

impl<S> SubSet<S> {
    fn insert(&mut self, key: u64, sub: Arc<S>) -> bool {
        if let Some(&i) = self.index.get(&key) {
            self.slots[i] = Some((key, sub));
            return false;
        }
        self.index.insert(key, self.slots.len());
        self.slots.push(Some((key, sub)));
        true
    }

    fn remove(&mut self, key: u64) -> bool {
        let Some(i) = self.index.remove(&key) else {
            return false;
        };
        self.slots[i] = None;
        if self.index.is_empty() {
            self.slots.clear();
        } else if self.slots.len() > 8 && self.slots.len() > 2 * self.index.len() {
            self.slots.retain(Option::is_some);
            for (i, slot) in self.slots.iter().enumerate() {
                if let Some((k, _)) = slot {
                    self.index.insert(*k, i);
                }
            }
        }
        true
    }

    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn values(&self) -> impl Iterator<Item = &Arc<S>> {
        self.slots.iter().filter_map(|s| s.as_ref().map(|(_, v)| v))
    }
}

struct Node<S> {
    next: Option<Box<Level<S>>>,
    psubs: SubSet<S>,
    qsubs: FxHashMap<Box<str>, SubSet<S>>,
}

impl<S> Node<S> {
    fn new() -> Self {
        Node { next: None, psubs: SubSet::default(), qsubs: FxHashMap::default() }
    }

    fn is_empty(&self) -> bool {
        self.psubs.is_empty() && self.qsubs.is_empty() && self.next.as_ref().is_none_or(|l| l.is_empty())
    }
}

struct Level<S> {
    nodes: FxHashMap<Box<str>, Node<S>>,
    pwc: Option<Box<Node<S>>>,
    fwc: Option<Box<Node<S>>>,
}

impl<S> Level<S> {
    fn new() -> Self {
        Level { nodes: FxHashMap::default(), pwc: None, fwc: None }
    }

    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.pwc.is_none() && self.fwc.is_none()
    }

    fn node_mut(&mut self, token: &str) -> &mut Node<S> {
        match token {
            "*" => self.pwc.get_or_insert_with(|| Box::new(Node::new())),
            ">" => self.fwc.get_or_insert_with(|| Box::new(Node::new())),
            _ => self.nodes.entry(token.into()).or_insert_with(Node::new),
        }
    }
}

struct Trie<S> {
    root: Level<S>,
    count: usize,
}

/// Counters reported by monitoring (`/subsz`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SublistStats {
    pub(crate) num_subscriptions: usize,
    pub(crate) num_cache: usize,
    pub(crate) num_inserts: u64,
    pub(crate) num_removes: u64,
    pub(crate) num_matches: u64,
    pub(crate) cache_hits: u64,
    /// Largest number of subscribers in a cached match result.
    pub(crate) max_fanout: usize,
    /// Mean subscribers per cached match result.
    pub(crate) avg_fanout: f64,
}

struct Cache<S> {
    map: FxHashMap<Box<str>, Arc<SublistResult<S>>>,
    inserts: u64,
    removes: u64,
    matches: u64,
    hits: u64,
}

/// The subscription index. `S` is the subscription type; each entry is identified by
/// a caller-chosen unique `u64` key.
pub(crate) struct Sublist<S> {
    trie: RwLock<Trie<S>>,
    cache: Mutex<Cache<S>>,
    cache_enabled: bool,
    /// Called with the subject of every insert (Go's interest notifications,
    /// `RegisterNotification` in `sublist.go`, in one watcher per sublist).
    on_insert: RwLock<Option<InsertHook>>,
    /// Told of every change in local interest by the connections that make
    /// it (Go's `updateRouteSubscriptionMap` is called the same way): routes
    /// pass it on to the servers at their other end.
    on_interest: RwLock<Option<InterestHook<S>>>,
}

/// A watcher of interest changes: the subscription and +1 or -1.
pub(crate) type InterestHook<S> = Arc<dyn Fn(&S, i32) + Send + Sync>;

/// A watcher of new subscriptions: gets the subject of each.
type InsertHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Errors from [`Sublist::insert`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SublistError {
    InvalidSubject,
}

impl<S> Default for Sublist<S> {
    fn default() -> Self {
        Self::new(true)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<S> Sublist<S> {
    pub(crate) fn new(cache_enabled: bool) -> Self {
        Sublist {
            trie: RwLock::new(Trie { root: Level::new(), count: 0 }),
            cache: Mutex::new(Cache { map: FxHashMap::default(), inserts: 0, removes: 0, matches: 0, hits: 0 }),
            cache_enabled,
            on_insert: RwLock::new(None),
            on_interest: RwLock::new(None),
        }
    }

    /// Sets (or clears) the watcher told of interest changes.
    pub(crate) fn set_interest_hook(&self, hook: Option<InterestHook<S>>) {
        *self.on_interest.write().unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// Tells the interest watcher, if any, that `sub` came (`1`) or went (`-1`).
    pub(crate) fn interest_changed(&self, sub: &S, delta: i32) {
        let hook = self.on_interest.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(hook) = hook {
            hook(sub, delta);
        }
    }

    /// Sets (or clears) the watcher told of every insert.
    pub(crate) fn set_insert_hook(&self, hook: Option<InsertHook>) {
        *self.on_insert.write().unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// Adds a subscription. `subject` must be a valid (possibly wildcard) subject.
    pub(crate) fn insert(&self, subject: &str, queue: Option<&str>, key: u64, sub: Arc<S>) -> Result<(), SublistError> {
        // Go's `Insert` checks only the shape (no whitespace check).
        if !crate::subject::is_valid_shape(subject) {
            return Err(SublistError::InvalidSubject);
        }
        let mut trie = self.trie.write().unwrap_or_else(|e| e.into_inner());
        let mut level = &mut trie.root;
        let mut tokens = subject.split('.').peekable();
        let node = loop {
            let Some(tok) = tokens.next() else {
                return Err(SublistError::InvalidSubject);
            };
            let node = level.node_mut(tok);
            if tokens.peek().is_none() {
                break node;
            }
            level = node.next.get_or_insert_with(|| Box::new(Level::new()));
        };
        let added = match queue {
            None => node.psubs.insert(key, sub),
            Some(q) => node.qsubs.entry(q.into()).or_default().insert(key, sub),
        };
        if added {
            trie.count += 1;
        }
        let mut cache = lock(&self.cache);
        cache.inserts += 1;
        invalidate(&mut cache.map, subject);
        drop(cache);
        drop(trie);
        let hook = self.on_insert.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(hook) = hook {
            hook(subject);
        }
        Ok(())
    }

    /// Removes a subscription; returns whether it was present.
    pub(crate) fn remove(&self, subject: &str, queue: Option<&str>, key: u64) -> bool {
        let mut trie = self.trie.write().unwrap_or_else(|e| e.into_inner());
        let tokens: Vec<&str> = subject.split('.').collect();
        let removed = remove_from(&mut trie.root, &tokens, queue, key);
        if removed {
            trie.count -= 1;
            let mut cache = lock(&self.cache);
            cache.removes += 1;
            invalidate(&mut cache.map, subject);
        }
        removed
    }

    /// Number of subscriptions held.
    pub(crate) fn count(&self) -> usize {
        self.trie.read().unwrap_or_else(|e| e.into_inner()).count
    }

    /// All subscribers whose subject matches the literal `subject`.
    pub(crate) fn match_subject(&self, subject: &str) -> Arc<SublistResult<S>> {
        if self.cache_enabled {
            let mut cache = lock(&self.cache);
            cache.matches += 1;
            if let Some(r) = cache.map.get(subject) {
                let r = Arc::clone(r);
                cache.hits += 1;
                return r;
            }
        }
        let trie = self.trie.read().unwrap_or_else(|e| e.into_inner());
        let mut result = SublistResult::empty();
        if !subject.is_empty() {
            let tokens: Vec<&str> = subject.split('.').collect();
            if tokens.iter().all(|t| !t.is_empty()) {
                match_level(&trie.root, &tokens, &mut result);
            }
        }
        let result = Arc::new(result);
        if self.cache_enabled {
            // Inserting while still holding the read lock keeps writers from changing
            // the trie between our walk and the cache insert.
            let mut cache = lock(&self.cache);
            if cache.map.len() >= CACHE_MAX {
                let excess = cache.map.len() - CACHE_SWEEP;
                let victims: Vec<Box<str>> = cache.map.keys().take(excess).cloned().collect();
                for v in victims {
                    cache.map.remove(&v);
                }
            }
            cache.map.insert(subject.into(), Arc::clone(&result));
        } else {
            let mut cache = lock(&self.cache);
            cache.matches += 1;
        }
        drop(trie);
        result
    }

    /// Every subscription, in no particular order (for monitoring).
    pub(crate) fn all(&self) -> Vec<Arc<S>> {
        fn walk<S>(level: &Level<S>, out: &mut Vec<Arc<S>>) {
            let nodes = level.nodes.values().chain(level.pwc.as_deref()).chain(level.fwc.as_deref());
            for n in nodes {
                out.extend(n.psubs.values().cloned());
                for g in n.qsubs.values() {
                    out.extend(g.values().cloned());
                }
                if let Some(next) = &n.next {
                    walk(next, out);
                }
            }
        }
        let trie = self.trie.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::with_capacity(trie.count.min(1 << 16));
        walk(&trie.root, &mut out);
        out
    }

    pub(crate) fn stats(&self) -> SublistStats {
        let count = self.count();
        let cache = lock(&self.cache);
        let mut max_fanout = 0;
        let mut total = 0;
        for r in cache.map.values() {
            let n = r.psubs.len() + r.qsubs.len();
            max_fanout = max_fanout.max(n);
            total += n;
        }
        let avg_fanout = if cache.map.is_empty() { 0.0 } else { total as f64 / cache.map.len() as f64 };
        SublistStats {
            max_fanout,
            avg_fanout,
            num_subscriptions: count,
            num_cache: cache.map.len(),
            num_inserts: cache.inserts,
            num_removes: cache.removes,
            num_matches: cache.matches,
            cache_hits: cache.hits,
        }
    }
}

/// Drops cached results a change to `subject` affects. A literal subject can only
/// affect its own entry, so only wildcard changes scan the cache (as Go's
/// `addToCache`/`removeFromCache` do).
fn invalidate<S>(map: &mut FxHashMap<Box<str>, Arc<SublistResult<S>>>, subject: &str) {
    if !crate::subject::is_literal(subject) {
        map.retain(|k, _| !crate::subject::matches(k, subject));
    } else {
        map.remove(subject);
    }
}

fn add_node<S>(node: &Node<S>, result: &mut SublistResult<S>) {
    result.psubs.reserve(node.psubs.len());
    result.psubs.extend(node.psubs.values().cloned());
    for group in node.qsubs.values() {
        if group.is_empty() {
            continue;
        }
        result.qsubs.push(group.values().cloned().collect());
    }
}

/// Go's `matchLevel` order: at each level the `>` node first, then a recursive `*`
/// walk, then the literal token.
fn match_level<S>(level: &Level<S>, tokens: &[&str], result: &mut SublistResult<S>) {
    let mut level = Some(level);
    let mut last: Option<&Node<S>> = None;
    let mut pwc: Option<&Node<S>> = None;
    for (i, tok) in tokens.iter().enumerate() {
        let Some(l) = level else {
            return;
        };
        if let Some(fwc) = &l.fwc {
            add_node(fwc, result);
        }
        pwc = l.pwc.as_deref();
        if let Some(next) = pwc.and_then(|p| p.next.as_deref()) {
            match_level(next, &tokens[i + 1..], result);
        }
        last = l.nodes.get(*tok);
        level = last.and_then(|n| n.next.as_deref());
    }
    if let Some(n) = last {
        add_node(n, result);
    }
    if let Some(p) = pwc {
        add_node(p, result);
    }
}

fn remove_from<S>(level: &mut Level<S>, tokens: &[&str], queue: Option<&str>, key: u64) -> bool {
    let Some((tok, rest)) = tokens.split_first() else {
        return false;
    };
    let node: &mut Node<S> = match *tok {
        "*" => match level.pwc.as_deref_mut() {
            Some(n) => n,
            None => return false,
        },
        ">" => match level.fwc.as_deref_mut() {
            Some(n) => n,
            None => return false,
        },
        t => match level.nodes.get_mut(t) {
            Some(n) => n,
            None => return false,
        },
    };
    let removed = if rest.is_empty() {
        match queue {
            None => node.psubs.remove(key),
            Some(q) => {
                let mut removed = false;
                if let Some(group) = node.qsubs.get_mut(q) {
                    removed = group.remove(key);
                    if group.is_empty() {
                        node.qsubs.remove(q);
                    }
                }
                removed
            }
        }
    } else {
        let removed = match node.next.as_deref_mut() {
            Some(next) => remove_from(next, rest, queue, key),
            None => false,
        };
        if node.next.as_ref().is_some_and(|l| l.is_empty()) {
            node.next = None;
        }
        removed
    };
    if removed && node.is_empty() {
        match *tok {
            "*" => level.pwc = None,
            ">" => level.fwc = None,
            t => {
                level.nodes.remove(t);
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(r: &SublistResult<u64>) -> Vec<u64> {
        let mut v: Vec<u64> = r.psubs.iter().map(|s| **s).collect();
        v.sort();
        v
    }

    #[test]
    fn literal_and_wildcards() {
        let sl: Sublist<u64> = Sublist::default();
        for (k, s) in [(1, "foo.bar"), (2, "foo.*"), (3, "foo.>"), (4, ">"), (5, "*.bar"), (6, "foo")] {
            sl.insert(s, None, k, Arc::new(k)).unwrap();
        }
        assert_eq!(keys(&sl.match_subject("foo.bar")), vec![1, 2, 3, 4, 5]);
        assert_eq!(keys(&sl.match_subject("foo")), vec![4, 6]);
        assert_eq!(keys(&sl.match_subject("foo.bar.baz")), vec![3, 4]);
        assert_eq!(keys(&sl.match_subject("x.bar")), vec![4, 5]);
        // Cached result is dropped when a matching sub is removed.
        assert!(sl.remove("foo.*", None, 2));
        assert!(!sl.remove("foo.*", None, 2));
        assert_eq!(keys(&sl.match_subject("foo.bar")), vec![1, 3, 4, 5]);
        sl.insert("foo.bar", None, 7, Arc::new(7)).unwrap();
        assert_eq!(keys(&sl.match_subject("foo.bar")), vec![1, 3, 4, 5, 7]);
        assert_eq!(sl.count(), 6);
    }

    #[test]
    fn go_match_order() {
        let sl: Sublist<u64> = Sublist::new(false);
        sl.insert("foo.*", None, 1, Arc::new(1)).unwrap();
        sl.insert("foo.>", None, 2, Arc::new(2)).unwrap();
        sl.insert(">", None, 3, Arc::new(3)).unwrap();
        let r = sl.match_subject("foo.bar");
        let order: Vec<u64> = r.psubs.iter().map(|s| **s).collect();
        assert_eq!(order, vec![3, 2, 1]);
    }

    #[test]
    fn insertion_order_survives_removals() {
        let sl: Sublist<u64> = Sublist::new(false);
        for k in 0..20u64 {
            sl.insert("foo", None, k, Arc::new(k)).unwrap();
        }
        for k in (0..20u64).filter(|k| k % 3 != 0) {
            assert!(sl.remove("foo", None, k));
        }
        let order: Vec<u64> = sl.match_subject("foo").psubs.iter().map(|s| **s).collect();
        assert_eq!(order, vec![0, 3, 6, 9, 12, 15, 18]);
        sl.insert("foo", None, 99, Arc::new(99)).unwrap();
        assert!(sl.remove("foo", None, 0));
        let order: Vec<u64> = sl.match_subject("foo").psubs.iter().map(|s| **s).collect();
        assert_eq!(order, vec![3, 6, 9, 12, 15, 18, 99]);
    }

    #[test]
    fn queues() {
        let sl: Sublist<u64> = Sublist::default();
        sl.insert("foo", Some("q"), 1, Arc::new(1)).unwrap();
        sl.insert("foo", Some("q"), 2, Arc::new(2)).unwrap();
        sl.insert("*", Some("r"), 3, Arc::new(3)).unwrap();
        let r = sl.match_subject("foo");
        assert!(r.psubs.is_empty());
        assert_eq!(r.qsubs.len(), 2);
        assert!(sl.remove("foo", Some("q"), 1));
        assert!(sl.remove("foo", Some("q"), 2));
        assert_eq!(sl.match_subject("foo").qsubs.len(), 1);
    }

    #[test]
    fn invalid_subjects() {
        let sl: Sublist<u64> = Sublist::default();
        // Go's testSublistInvalidSubjectsInsert.
        for s in ["", "foo.", ".foo", "foo..bar", "foo.bar..baz", "foo.>.bar"] {
            assert!(sl.insert(s, None, 1, Arc::new(1)).is_err(), "{s}");
        }
        // Like Go's `Insert`, no whitespace check: `SUB a\x0cb 1` subscribes.
        for (k, s) in [(2, "a b.c"), (3, "\x0c"), (4, "a.\x0cb")] {
            sl.insert(s, None, k, Arc::new(k)).unwrap();
            assert_eq!(keys(&sl.match_subject(s)), vec![k], "{s:?}");
        }
    }

    /// Go's testSublistInsertWithWildcardsAsLiterals: `*` and `>` inside a
    /// longer token are literal.
    #[test]
    fn wildcard_characters_inside_tokens_are_literal() {
        let sl: Sublist<u64> = Sublist::default();
        for (k, s) in [(1, "foo.*-"), (2, "foo.>-")] {
            sl.insert(s, None, k, Arc::new(k)).unwrap();
            assert!(sl.match_subject("foo.bar").psubs.is_empty(), "{s}");
            assert_eq!(keys(&sl.match_subject(s)), vec![k], "{s}");
            assert!(!sl.remove("foo.bar", None, k));
        }
        assert_eq!(sl.count(), 2);
    }

    #[test]
    fn many_subscriptions() {
        let sl: Sublist<u64> = Sublist::default();
        for i in 0..100_000u64 {
            let subj = format!("bench.{}.{}", i % 100, i);
            sl.insert(&subj, None, i, Arc::new(i)).unwrap();
        }
        sl.insert("bench.*.>", None, 1_000_000, Arc::new(0)).unwrap();
        assert_eq!(sl.count(), 100_001);
        assert_eq!(sl.match_subject("bench.7.7").psubs.len(), 2);
        assert_eq!(sl.match_subject("bench.7.8").psubs.len(), 1);
        for i in 0..100_000u64 {
            let subj = format!("bench.{}.{}", i % 100, i);
            assert!(sl.remove(&subj, None, i));
        }
        assert_eq!(sl.count(), 1);
    }
}
