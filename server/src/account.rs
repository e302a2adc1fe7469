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
use std::sync::{Arc, RwLock};

use crate::connection::deliver::{fan_out, Publisher};
use crate::connection::Subscription;
use crate::message::Msg;
use crate::sublist::{FxHashMap, Sublist};

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
        let delivered = fan_out(&self.sublist, msg, p);
        if delivered {
            self.out_msgs.fetch_add(1, Ordering::Relaxed);
            self.out_bytes.fetch_add(msg.data.len() as u64, Ordering::Relaxed);
        }
        delivered
    }
}

/// All accounts known to the server, by name.
#[derive(Default)]
pub(crate) struct Accounts {
    map: RwLock<FxHashMap<String, Arc<Account>>>,
    cache: bool,
}

impl Accounts {
    pub(crate) fn new(cache: bool) -> Self {
        Accounts { map: RwLock::new(FxHashMap::default()), cache }
    }

    /// Returns the named account, creating it on first use.
    pub(crate) fn get_or_create(&self, name: &str) -> Arc<Account> {
        if let Some(a) = self.get(name) {
            return a;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(name.to_string()).or_insert_with(|| Arc::new(Account::new(name, self.cache))))
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
