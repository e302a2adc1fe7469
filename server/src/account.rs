//! Accounts: isolated subject namespaces. Every connection belongs to exactly one
//! account and only sees messages published in it. The default is `$G`
//! (Go's `server/accounts.go`, `globalAccountName`).
//!
//! Imports and exports are not implemented yet; they would hang off [`Account`] as
//! extra sublist entries that forward into another account.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use crate::client::Subscription;
use crate::sublist::{FxHashMap, Sublist};

/// One account and its subscription index.
pub struct Account {
    pub name: String,
    pub sublist: Sublist<Subscription>,
    /// Connected clients bound to this account.
    pub num_clients: AtomicUsize,
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_msgs: AtomicU64,
    pub out_bytes: AtomicU64,
}

impl Account {
    pub fn new(name: &str, cache: bool) -> Self {
        Account {
            name: name.to_string(),
            sublist: Sublist::new(cache),
            num_clients: AtomicUsize::new(0),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            out_msgs: AtomicU64::new(0),
            out_bytes: AtomicU64::new(0),
        }
    }

    pub fn client_count(&self) -> usize {
        self.num_clients.load(Ordering::Relaxed)
    }
}

/// All accounts known to the server, by name.
#[derive(Default)]
pub struct Accounts {
    map: RwLock<FxHashMap<String, Arc<Account>>>,
    cache: bool,
}

impl Accounts {
    pub fn new(cache: bool) -> Self {
        Accounts { map: RwLock::new(FxHashMap::default()), cache }
    }

    /// Returns the named account, creating it on first use.
    pub fn get_or_create(&self, name: &str) -> Arc<Account> {
        if let Some(a) = self.get(name) {
            return a;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(name.to_string()).or_insert_with(|| Arc::new(Account::new(name, self.cache))))
    }

    pub fn get(&self, name: &str) -> Option<Arc<Account>> {
        self.map.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// Snapshot of all accounts, sorted by name.
    pub fn list(&self) -> Vec<Arc<Account>> {
        let mut v: Vec<Arc<Account>> = self.map.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}
