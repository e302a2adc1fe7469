//! Accounts: isolated subject namespaces. Every connection belongs to exactly one
//! account and only sees messages published in it. The default is `$G`
//! (Go's `server/accounts.go`, `globalAccountName`).
//!
//! Imports and exports are not implemented yet; they would hang off [`Account`] as
//! extra sublist entries that forward into another account.
//!
//! The account's sublist is shared with the connections bound to it (see
//! `connection`), so this module sits above `connection` and below every
//! protocol that binds connections to accounts.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::connection::deliver::{fan_out, Publisher};
use crate::connection::Subscription;
use crate::message::Msg;
use crate::sublist::{FxHashMap, Sublist};

/// A subject and optional queue group, as routes count interest in them.
pub(crate) type InterestKey = (Box<str>, Option<Box<str>>);

/// One account and its subscription index.
pub(crate) struct Account {
    pub(crate) name: String,
    /// Every subscription in the account; shared with the connections bound
    /// to it, which add and remove their own.
    pub(crate) sublist: Arc<Sublist<Subscription>>,
    /// Connected clients bound to this account.
    pub(crate) num_clients: AtomicUsize,
    pub(crate) in_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
    /// Local interest as routes see it (Go's `acc.rm`): how many local
    /// subscriptions each (subject, queue) has. Plain subjects go out to
    /// routes on 0→1 and 1→0; queue groups on every change, with the count.
    pub(crate) route_interest: Mutex<FxHashMap<InterestKey, i32>>,
}

impl Account {
    fn new(name: &str, cache: bool) -> Self {
        Account {
            name: name.to_string(),
            sublist: Arc::new(Sublist::new(cache)),
            num_clients: AtomicUsize::new(0),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            out_msgs: AtomicU64::new(0),
            out_bytes: AtomicU64::new(0),
            route_interest: Mutex::new(FxHashMap::default()),
        }
    }

    pub(crate) fn client_count(&self) -> usize {
        self.num_clients.load(Ordering::Relaxed)
    }

    /// Publishes on the server's behalf (no publishing connection: no echo
    /// rule, no permissions) to every matching subscriber, one member per
    /// queue group. Returns whether anyone received it. This is the internal
    /// publish path of the system services and JetStream alike; `p` (from
    /// [`Publisher::server`]) may be reused across calls.
    pub(crate) fn publish(&self, msg: &Msg, p: &mut Publisher) -> bool {
        let delivered = fan_out(&self.name, &self.sublist, msg, p);
        if delivered {
            self.out_msgs.fetch_add(1, Ordering::Relaxed);
            self.out_bytes.fetch_add(msg.data.len() as u64, Ordering::Relaxed);
        }
        delivered
    }
}

/// Called with each account as it is created (routes watch its interest).
pub(crate) type NewAccountHook = Arc<dyn Fn(&Arc<Account>) + Send + Sync>;

/// All accounts known to the server, by name.
#[derive(Default)]
pub(crate) struct Accounts {
    map: RwLock<FxHashMap<String, Arc<Account>>>,
    cache: bool,
    on_new: RwLock<Option<NewAccountHook>>,
}

impl Accounts {
    pub(crate) fn new(cache: bool) -> Self {
        Accounts { map: RwLock::new(FxHashMap::default()), cache, on_new: RwLock::new(None) }
    }

    /// Sets the hook run for every account created from now on.
    pub(crate) fn set_new_account_hook(&self, hook: NewAccountHook) {
        *self.on_new.write().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Returns the named account, creating it on first use.
    pub(crate) fn get_or_create(&self, name: &str) -> Arc<Account> {
        if let Some(a) = self.get(name) {
            return a;
        }
        let mut created = None;
        let acc = {
            let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
            Arc::clone(map.entry(name.to_string()).or_insert_with(|| {
                let a = Arc::new(Account::new(name, self.cache));
                created = Some(Arc::clone(&a));
                a
            }))
        };
        if let Some(a) = created {
            let hook = self.on_new.read().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some(hook) = hook {
                hook(&a);
            }
        }
        acc
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<Account>> {
        self.map.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// Snapshot of all accounts, sorted by name.
    pub(crate) fn list(&self) -> Vec<Arc<Account>> {
        let mut v: Vec<Arc<Account>> = self.map.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}
