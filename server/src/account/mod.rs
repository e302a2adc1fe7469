//! Accounts: isolated subject namespaces. Every connection belongs to exactly one
//! account and only sees messages published in it. The default is `$G`
//! (Go's `server/accounts.go`, `globalAccountName`).
//!
//! Accounts meet through exports and imports (config mode, as Go's
//! `configureAccounts`): [`stream_import`] (shadow subscriptions in the
//! exporting account), [`service_import`] (requests crossing over, replies
//! mapped back) and [`mapping`] (subject mappings of publishers).
//!
//! The account's sublist is shared with the connections bound to it (see
//! `connection`), so this module sits above `connection` and below every
//! protocol that binds connections to accounts.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::connection::deliver::{fan_out, Publisher};
use crate::connection::{Connection, Kind, Subscription};
use crate::message::Msg;
use crate::options::Options;
use crate::sublist::{FxHashMap, Sublist};

pub(crate) mod mapping;
pub(crate) mod service_import;
pub(crate) mod stream_import;

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
    /// Streams this account imports.
    pub(crate) stream_imports: RwLock<Vec<stream_import::StreamImport>>,
    /// This account's mapped service replies, when it exports a service
    /// that some account imports.
    pub(crate) responses: OnceLock<service_import::Responses>,
    /// Subject mappings of this account's publishers, and the cluster whose
    /// cluster-scoped destinations apply.
    mappings: RwLock<(Vec<mapping::Mapping>, String)>,
    /// Whether there are any mappings, so a publish skips the lock when
    /// there are none (Go's `hasMapped`).
    has_mappings: std::sync::atomic::AtomicBool,
    /// The account's internal connection (Go's `ic`), holding its import
    /// and reply subscriptions.
    internal: OnceLock<Arc<Connection>>,
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
            stream_imports: RwLock::new(Vec::new()),
            responses: OnceLock::new(),
            mappings: RwLock::new((Vec::new(), String::new())),
            has_mappings: std::sync::atomic::AtomicBool::new(false),
            internal: OnceLock::new(),
        }
    }

    /// The subject a publish on `subject` goes to under the account's
    /// mappings: `None` when no mapping applies, `Some("")` when the message
    /// is dropped (Go's `selectMappedSubject`).
    pub(crate) fn map_subject(&self, subject: &str) -> Option<String> {
        if !self.has_mappings.load(Ordering::Relaxed) {
            return None;
        }
        let m = self.mappings.read().unwrap_or_else(|e| e.into_inner());
        if m.0.is_empty() {
            return None;
        }
        mapping::select(&m.0, subject, &m.1)
    }

    /// Each mapping's source and destinations, in order.
    pub(crate) fn mapping_entries(&self) -> Vec<(String, Vec<crate::options::MapDest>)> {
        let m = self.mappings.read().unwrap_or_else(|e| e.into_inner());
        m.0.iter().map(mapping::Mapping::entries).collect()
    }

    fn internal_conn(&self, next_cid: &dyn Fn() -> u64) -> &Arc<Connection> {
        self.internal.get_or_init(|| Connection::new_internal(next_cid(), Kind::Account, &self.name, &self.sublist))
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

    /// Sets up what the config says accounts share: mappings, stream
    /// imports and service imports (already checked by `options`). Internal
    /// connections take their ids from `next_cid`.
    pub(crate) fn configure(&self, opts: &Options, server: &str, cluster: &str, next_cid: &dyn Fn() -> u64) {
        let origin = Arc::new(service_import::Origin {
            server: server.to_string(),
            cluster: cluster.to_string(),
            system: opts.system_account.clone().unwrap_or_else(|| crate::consts::SYSTEM_ACCOUNT.to_string()),
        });
        use crate::options::ResponseType;
        let set_mappings = |acc: &Account, list: &[crate::options::MappingOpts]| {
            if !list.is_empty() {
                let built = list.iter().map(mapping::Mapping::new).collect();
                *acc.mappings.write().unwrap_or_else(|e| e.into_inner()) = (built, cluster.to_string());
                acc.has_mappings.store(true, Ordering::Relaxed);
            }
        };
        set_mappings(&self.get_or_create(crate::consts::GLOBAL_ACCOUNT), &opts.mappings);
        for a in &opts.accounts {
            set_mappings(&self.get_or_create(&a.name), &a.mappings);
        }
        // One id per service export (exporter, subject), shared by its imports.
        let mut export_ids: Vec<(String, String, u64)> = Vec::new();
        let mut sid = 0u64;
        let mut next_sid = || {
            sid += 1;
            sid
        };
        for a in &opts.accounts {
            let importer = self.get_or_create(&a.name);
            for im in &a.imports {
                let exporter = self.get_or_create(&im.account);
                if !im.service {
                    let si = stream_import::StreamImport::new(&exporter, &im.subject, &im.to);
                    importer.stream_imports.write().unwrap_or_else(|e| e.into_inner()).push(si);
                    continue;
                }
                // The export that authorized it: exact, else the first wider one.
                let exports = opts.accounts.iter().find(|x| x.name == im.account).map(|x| x.exports.as_slice());
                let exports = exports.unwrap_or_default();
                let export = exports.iter().filter(|e| e.service).find(|e| e.subject == im.subject).or_else(|| {
                    exports.iter().filter(|e| e.service).find(|e| crate::subject::is_subset(&im.subject, &e.subject))
                });
                let key = (im.account.clone(), export.map_or(im.subject.clone(), |e| e.subject.clone()));
                let export_id = match export_ids.iter().find(|(a, e, _)| *a == key.0 && *e == key.1) {
                    Some((_, _, id)) => *id,
                    None => {
                        let id = service_import::export_id();
                        export_ids.push((key.0, key.1, id));
                        id
                    }
                };
                let answering = service_import::Answering {
                    export: export_id,
                    response_type: export.map_or(ResponseType::Singleton, |e| e.response_type),
                    threshold: export
                        .and_then(|e| e.response_threshold)
                        .unwrap_or(service_import::DEFAULT_RESPONSE_THRESHOLD),
                };
                if exporter.responses.get().is_none() {
                    let conn = Arc::clone(exporter.internal_conn(next_cid));
                    let rs = service_import::Responses::new(&exporter, &conn, next_sid());
                    let _ = exporter.responses.set(rs);
                }
                let conn = Arc::clone(importer.internal_conn(next_cid));
                let how = service_import::Crossing { answering, share: im.share, origin: Arc::clone(&origin) };
                service_import::subscribe(&importer, &exporter, &im.subject, &im.to, how, &conn, next_sid());
            }
        }
    }

    /// Snapshot of all accounts, sorted by name.
    pub(crate) fn list(&self) -> Vec<Arc<Account>> {
        let mut v: Vec<Arc<Account>> = self.map.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}
