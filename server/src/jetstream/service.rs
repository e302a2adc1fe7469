//! JetStream on the message path: internal subscriptions in each account and
//! the one engine thread that serves them (Go: the JetStream internal clients
//! of `jetstream.go`, `apiDispatch` in `jetstream_api.go`, and the stream and
//! consumer queues of `stream.go` `processInboundJetStreamMsg`).
//!
//! Threads and what they do:
//! - **Publishers** (client readers on tokio workers, the system services,
//!   this thread itself) match JetStream's subscriptions like any other. The
//!   subscription callback only pushes `(account, message)` onto the queue:
//!   cloning a [`Msg`] copies no payload.
//!   Two exceptions, both served at once on the publisher's thread as Go
//!   serves them in the client's read loop: a direct get of a memory stream,
//!   and a message for a stream in an account whose streams are all memory
//!   streams that source nothing. Either only when nothing is queued ahead
//!   of it (so each publisher's messages stay in order) and the engine's
//!   lock is free; no file is read or written on those threads.
//! - **The `jetstream` thread** (a plain OS thread) takes every queued
//!   message (up to [`MAX_BATCH`]) in order and runs the engine on each under
//!   the engine's lock; file stores only append to memory there. Then,
//!   without the engine's lock, it writes what they appended (one `pwrite`
//!   and, with `sync_interval: always`, one fsync per store for the whole
//!   batch: group commit, `store::file::Deferred`), and only then publishes
//!   what the engine emitted through [`Account::publish`], the internal
//!   publish path. No file is written on a tokio worker, and nothing is
//!   acknowledged before its bytes are in the file. An emitted message that JetStream itself listens
//!   to (a republish, a deliver subject a stream captures, an advisory) is
//!   queued again like any other, so there is no recursion and no depth
//!   limit. A push consumer hands out at most
//!   [`PUSH_BATCH`] messages at a time; while one has more, and whenever a
//!   subscription to a push deliver subject appears (a watcher on the
//!   account's sublist, as Go's interest notifications), the thread runs push
//!   deliveries again between queued messages instead of waiting for the
//!   timer. Every 50 ms the same thread runs the engine's timers, and after
//!   any change to streams or consumers it brings the subscriptions in line
//!   with [`JetStream::listen_subjects`].
//!
//! Subscriptions, held by one internal connection (kind `JetStream`) per
//! account: the API ([`super::api::api_subjects`]) in every account that exists at
//! start-up; and in each enabled account `$JS.ACK.>`, `$JS.FC.>`, each
//! stream's subjects, direct gets and each consumer's pull requests. With a
//! domain, every `$JS.API.` subject is also served as `$JS.<domain>.API.`.
//!
//! The queue is unbounded: a publisher never waits for the engine (a pub ack
//! is what tells a client its message is stored).
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api::{api_subjects, API_PREFIX};
use super::api_import::{stays_in_account, Imports};
use super::consumer::PUSH_BATCH;
use super::JetStream;
use crate::account::{Account, Accounts};
use crate::connection::deliver::Publisher;
use crate::connection::{Connection, InternalCallback, Kind, Subscription};
use crate::message::Msg;

/// Direct gets of every stream (`$JS.API.DIRECT.GET.<stream>[.<subject>]`).
const DIRECT_GET_PREFIX: &str = "$JS.API.DIRECT.GET.";

/// How often the engine's timer work runs.
const TICK: Duration = Duration::from_millis(50);

/// How long an answer waits after the subscriptions it depends on changed
/// (see `Engine::cluster_event`). An rnats server that receives the answer
/// waits for the interest itself (`api_import`); a Go server does not, so
/// this covers route writers on a loaded machine (20 ms was seen to fall
/// short with two builds running).
const INTEREST_SETTLE: Duration = Duration::from_millis(50);

/// Most queued messages handled before their replies go out.
const MAX_BATCH: usize = 256;

enum Job {
    Msg(Arc<Account>, Msg),
    /// Someone subscribed to a push consumer's deliver subject.
    Kick,
    /// Clustered: a stream assignment changed, or a stream group committed
    /// or changed leader.
    Cluster(super::cluster::stream_group::ClusterEvent),
    Stop,
}

/// The running service; [`Service::stop`] ends it.
pub(crate) struct Service {
    tx: Sender<Job>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// JetStream's internal connection in one account and what it subscribes to.
struct AccountSubs {
    account: Arc<Account>,
    conn: Arc<Connection>,
    icb: InternalCallback,
    sids: u64,
    subs: HashMap<String, Arc<Subscription>>,
    /// Push consumers' deliver subjects in this account: a new subscription
    /// that matches one kicks the engine (Go's `updateDeliveryInterest`).
    deliver_subjects: Arc<Mutex<Vec<String>>>,
}

thread_local! {
    /// Set while a thread publishes what an inline message produced: what
    /// that reaches JetStream again is queued, never served inline in turn.
    static INLINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What JetStream's subscriptions in one account do with a message.
struct Tap {
    account: std::sync::Weak<Account>,
    engine: Arc<JetStream>,
    queue: Sender<Job>,
    /// Messages queued and not yet fully handled by the engine thread.
    queued: Arc<AtomicUsize>,
    /// Clustered: the API's crossing into the system account, and that
    /// account's name.
    imports: Option<(Arc<Imports>, String)>,
}

impl Tap {
    /// Serves a direct get of a memory stream, or stores a message in an
    /// account of memory streams only, at once on the publisher's thread when
    /// nothing is queued ahead of it and the engine's lock is free (Go serves
    /// both in the client's read loop); queues everything else. Nothing
    /// queued ahead keeps each publisher's messages in order.
    fn on_msg(&self, msg: &Msg, from: Option<&Arc<Connection>>) {
        let Some(acc) = self.account.upgrade() else { return };
        if let Some((imports, sys)) = &self.imports {
            // Clustered, the API is the system account's (see `api_import`):
            // a local client's request crosses into it; one that came over a
            // route crossed on its own server.
            let subject = msg.subject_str();
            if acc.name != *sys && subject.starts_with(API_PREFIX) && !stays_in_account(subject) {
                if from.is_none_or(|c| c.kind == Kind::Client) {
                    imports.forward(&acc, msg);
                }
                return;
            }
        }
        if self.queued.load(Ordering::Acquire) == 0 && !INLINE.get() {
            let (subject, reply, headers, payload) = (msg.subject_str(), msg.reply_str(), msg.headers(), msg.payload());
            let served = if subject.starts_with(DIRECT_GET_PREFIX) {
                self.engine.try_direct_get(&acc.name, subject, reply, headers, payload)
            } else {
                self.engine.try_store_inline(&acc.name, subject, reply, headers, payload)
            };
            if let Some(out) = served {
                let backlog = out.len() >= PUSH_BATCH;
                INLINE.set(true);
                let mut publisher = Publisher::server();
                for o in out {
                    publish(&acc, o, &mut publisher);
                }
                INLINE.set(false);
                if backlog {
                    let _ = self.queue.send(Job::Kick);
                }
                return;
            }
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        if self.queue.send(Job::Msg(acc, msg.clone())).is_err() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl AccountSubs {
    fn new(
        js: &Arc<JetStream>,
        account: &Arc<Account>,
        cid: u64,
        tx: &Sender<Job>,
        queued: &Arc<AtomicUsize>,
        imports: Option<(Arc<Imports>, String)>,
    ) -> AccountSubs {
        let conn = Connection::new_internal(cid, Kind::JetStream, &account.name, &account.sublist);
        let tap = Tap {
            account: Arc::downgrade(account),
            engine: Arc::clone(js),
            queue: tx.clone(),
            queued: Arc::clone(queued),
            imports,
        };
        let icb: InternalCallback = Arc::new(move |msg: &Msg, from| tap.on_msg(msg, from));
        let deliver_subjects: Arc<Mutex<Vec<String>>> = Arc::default();
        let (kick, watched) = (tx.clone(), Arc::clone(&deliver_subjects));
        account.sublist.set_insert_hook(Some(Arc::new(move |subject: &str| {
            let hit =
                watched.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|d| crate::subject::matches(d, subject));
            if hit {
                let _ = kick.send(Job::Kick);
            }
        })));
        AccountSubs { account: Arc::clone(account), conn, icb, sids: 0, subs: HashMap::new(), deliver_subjects }
    }

    /// Subscribes to `want` (plus the API) and drops what is no longer
    /// wanted; `true` when anything changed.
    fn sync(&mut self, api: &[String], want: &[String]) -> bool {
        let want: std::collections::HashSet<&str> = api.iter().chain(want).map(String::as_str).collect();
        let gone: Vec<String> = self.subs.keys().filter(|s| !want.contains(s.as_str())).cloned().collect();
        let mut changed = !gone.is_empty();
        for subject in gone {
            if let Some(sub) = self.subs.remove(&subject) {
                self.conn.remove_sub(&sub);
            }
        }
        for subject in want {
            if self.subs.contains_key(subject) {
                continue;
            }
            self.sids += 1;
            let sub = Subscription::new_internal(&self.conn, subject, self.sids, Arc::clone(&self.icb));
            if self.conn.add_sub(Arc::clone(&sub)) {
                // A stream may store what its account imports (Go's shadow
                // subscriptions are made for JetStream's subscriptions too).
                crate::account::stream_import::add_shadows(&self.account, &sub);
                self.subs.insert(subject.to_string(), sub);
                changed = true;
            }
        }
        changed
    }
}

impl Service {
    /// Subscribes JetStream in every account of `accounts` and starts the
    /// engine thread. `next_cid` numbers the internal connections.
    pub(crate) fn start(js: Arc<JetStream>, accounts: Arc<Accounts>, next_cid: &dyn Fn() -> u64) -> Service {
        let (tx, rx) = channel();
        let probe_accounts = Arc::clone(&accounts);
        js.set_interest_probe(Arc::new(move |account, subject| {
            probe_accounts.get(account).is_some_and(|a| !a.sublist.match_subject(subject).is_empty())
        }));
        let domain = js.config().domain.clone().filter(|d| !d.is_empty());
        let queued = Arc::new(AtomicUsize::new(0));
        let imports = js.meta().map(|meta| {
            let cfg = js.config();
            let imports = Imports::new(meta.sys(), next_cid(), &cfg.server_name, meta.cluster_name());
            (Arc::new(imports), meta.sys().name.clone())
        });
        let subs: Vec<AccountSubs> = accounts
            .list()
            .iter()
            .map(|a| AccountSubs::new(&js, a, next_cid(), &tx, &queued, imports.clone()))
            .collect();
        if js.meta().is_some() {
            let queue = tx.clone();
            js.set_cluster_sink(Arc::new(move |ev| {
                let _ = queue.send(Job::Cluster(ev));
            }));
        }
        let mut engine =
            Engine { js, accounts, domain, subs, seen: None, publisher: Publisher::server(), backlog: false, queued };
        engine.sync_subscriptions();
        let thread = std::thread::Builder::new()
            .name("jetstream".into())
            .spawn(move || engine.run(rx))
            .map_err(|e| error!("Could not start the JetStream thread: {e}"))
            .ok();
        Service { tx, thread: Mutex::new(thread) }
    }

    /// Lets the thread finish what is queued, save the file streams, and
    /// exit; waits for it, at most `limit`.
    pub(crate) async fn stop(&self, limit: Duration) {
        let _ = self.tx.send(Job::Stop);
        let Some(handle) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() else { return };
        let deadline = Instant::now() + limit;
        while !handle.is_finished() {
            if Instant::now() >= deadline {
                warn!("JetStream did not stop within {limit:?}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = handle.join();
    }
}

/// Publishes what the engine emitted in `account` (the one internal-publish
/// path: the engine thread and direct gets served inline both use it).
fn publish(account: &Account, msg: Msg, publisher: &mut Publisher) {
    account.publish(&msg, publisher);
}

/// The engine thread's state.
struct Engine {
    js: Arc<JetStream>,
    accounts: Arc<Accounts>,
    domain: Option<String>,
    subs: Vec<AccountSubs>,
    /// The engine generation the subscriptions were last brought in line with.
    seen: Option<u64>,
    publisher: Publisher,
    /// A push consumer may have more to deliver now (a full batch went out,
    /// or its deliver subject gained a subscriber).
    backlog: bool,
    /// Messages queued and not yet handled (shared with the taps).
    queued: Arc<AtomicUsize>,
}

impl Engine {
    fn run(mut self, rx: Receiver<Job>) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            let wait = if self.backlog { Duration::ZERO } else { next_tick.saturating_duration_since(Instant::now()) };
            match rx.recv_timeout(wait) {
                Ok(Job::Kick) => self.backlog = true,
                Ok(Job::Cluster(ev)) => self.cluster_event(ev),
                Ok(Job::Msg(account, msg)) => {
                    // Everything queued behind it joins the batch: one group
                    // commit of the file stores covers them all.
                    let mut batch = vec![(account, msg)];
                    let mut stop = false;
                    let mut cluster = Vec::new();
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(Job::Msg(a, m)) => batch.push((a, m)),
                            Ok(Job::Kick) => self.backlog = true,
                            Ok(Job::Cluster(ev)) => {
                                cluster.push(ev);
                                break;
                            }
                            Ok(Job::Stop) => {
                                stop = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    let outs: Vec<Vec<Msg>> = batch
                        .iter()
                        .map(|(account, msg)| {
                            let out = self.js.on_publish(
                                &account.name,
                                msg.subject_str(),
                                msg.reply_str(),
                                msg.headers(),
                                msg.payload(),
                            );
                            self.backlog |= out.len() >= PUSH_BATCH;
                            out
                        })
                        .collect();
                    // Subscribe to what the requests created before their
                    // replies go out: a client that publishes after a reply
                    // must find the new stream or consumer listening.
                    self.sync_subscriptions();
                    if self.commit() {
                        for ((account, _), out) in batch.iter().zip(outs) {
                            for o in out {
                                self.publish(account, o);
                            }
                        }
                    }
                    self.queued.fetch_sub(batch.len(), Ordering::AcqRel);
                    for ev in cluster {
                        self.cluster_event(ev);
                    }
                    if stop {
                        break;
                    }
                }
                Ok(Job::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= next_tick {
                let mut out = self.js.tick();
                out.extend(self.js.catchup_tick());
                self.backlog |= out.len() >= PUSH_BATCH;
                self.publish_all(out);
                next_tick = Instant::now() + TICK;
            } else if std::mem::take(&mut self.backlog) {
                let out = self.js.deliver_push();
                self.backlog = out.len() >= PUSH_BATCH;
                self.publish_all(out);
            }
            self.sync_subscriptions();
            // Clustered: what the consumers led here changed goes to their
            // followers; what they sent meanwhile waits for that.
            let (out, backlog) = self.js.replicate_consumers();
            self.backlog |= backlog;
            if !out.is_empty() {
                self.publish_all(out);
            }
        }
        self.js.save();
    }

    /// Writes what the file stores handed off (group commit) before
    /// anything that depends on it is published. When a write fails, what
    /// the batch would have published is dropped: an unacknowledged message
    /// is one its client sends again, an acknowledged one must be on file.
    fn commit(&self) -> bool {
        match self.js.flush_deferred() {
            Ok(()) => true,
            Err(why) => {
                error!("JetStream write failed, dropping the replies of this batch: {why}");
                false
            }
        }
    }

    /// A cluster event: applied by the engine, whose new streams are
    /// subscribed to before its answers go out.
    fn cluster_event(&mut self, ev: super::cluster::stream_group::ClusterEvent) {
        let out = self.js.cluster_event(ev, super::now_nanos());
        // A new stream leader subscribes to the stream's subjects (an
        // update's leader changes them), then answers the request. Interest
        // and answer travel over different routes (the account's and the
        // system account's), so the answer waits a moment: a client that
        // publishes as soon as it reads the answer must find the interest
        // already where it is connected.
        if self.sync_subscriptions() && !out.is_empty() {
            std::thread::sleep(INTEREST_SETTLE);
        }
        self.publish_all(out);
    }

    fn publish_all(&mut self, out: Vec<(String, Msg)>) {
        if !self.commit() {
            return;
        }
        for (name, o) in out {
            if let Some(account) = self.accounts.get(&name) {
                self.publish(&account, o);
            }
        }
    }

    fn publish(&mut self, account: &Account, o: Msg) {
        publish(account, o, &mut self.publisher);
    }

    /// Brings the subscriptions in line with the engine when its streams or
    /// consumers changed.
    fn sync_subscriptions(&mut self) -> bool {
        let generation = self.js.generation();
        if self.seen == Some(generation) {
            return false;
        }
        self.seen = Some(generation);
        let api = self.domain_variants(api_subjects());
        let mut wanted = self.js.listen_subjects();
        let mut deliver = self.js.push_deliver_subjects();
        let mut subs = std::mem::take(&mut self.subs);
        let mut changed = false;
        for s in &mut subs {
            let want = self.domain_variants(wanted.remove(&s.account.name).unwrap_or_default());
            changed |= s.sync(&api, &want);
            *s.deliver_subjects.lock().unwrap_or_else(|e| e.into_inner()) =
                deliver.remove(&s.account.name).unwrap_or_default();
        }
        self.subs = subs;
        changed
    }

    /// Adds `$JS.<domain>.API.x` for every `$JS.API.x` when there is a domain.
    fn domain_variants(&self, mut subjects: Vec<String>) -> Vec<String> {
        if let Some(d) = &self.domain {
            let extra: Vec<String> = subjects
                .iter()
                .filter_map(|s| s.strip_prefix(API_PREFIX).map(|rest| format!("$JS.{d}.API.{rest}")))
                .collect();
            subjects.extend(extra);
        }
        subjects
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc;

    use super::*;
    use crate::jetstream::JetStreamConfig;

    /// A service over one account `$G`, and a receiver of what is published
    /// to `_R.>` there.
    fn setup() -> (Service, Arc<Accounts>, mpsc::Receiver<Msg>) {
        let js = Arc::new(JetStream::new(JetStreamConfig { server_name: "S1".into(), ..Default::default() }));
        let accounts = Arc::new(Accounts::new(true));
        let acc = accounts.get_or_create("$G");
        let cids = AtomicU64::new(1);
        let service = Service::start(js, Arc::clone(&accounts), &|| cids.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let inbox = Connection::new_internal(99, Kind::Account, "$G", &acc.sublist);
        let icb: InternalCallback = Arc::new(move |m: &Msg, _| {
            let _ = tx.lock().unwrap().send(m.clone());
        });
        assert!(inbox.add_sub(Subscription::new_internal(&inbox, "_R.>", 1, icb)));
        (service, accounts, rx)
    }

    fn request(accounts: &Accounts, subject: &str, reply: &str, body: &str) -> bool {
        let msg = Msg::new(subject.to_string(), Some(bytes::Bytes::from(reply.to_string())), body.to_string());
        accounts.get("$G").unwrap().publish(&msg, &mut Publisher::server())
    }

    /// Creates memory stream `S` on subject `s` and stores `m0` in it once
    /// the engine listens on `s`.
    fn stream_s_with_first_message(accounts: &Accounts, rx: &mpsc::Receiver<Msg>) {
        request(accounts, "$JS.API.STREAM.CREATE.S", "_R.c", r#"{"name":"S","subjects":["s"],"storage":"memory"}"#);
        next(rx);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !request(accounts, "s", "", "m0") {
            assert!(Instant::now() < deadline, "the stream's subject was never subscribed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn next(rx: &mpsc::Receiver<Msg>) -> Msg {
        rx.recv_timeout(Duration::from_secs(5)).expect("a message within 5s")
    }

    #[tokio::test]
    async fn api_requests_reach_the_engine_through_subscriptions() {
        let (service, accounts, rx) = setup();
        assert!(request(&accounts, "$JS.API.INFO", "_R.1", ""), "the API has a subscriber");
        let reply = next(&rx);
        assert_eq!(reply.subject, "_R.1");
        assert!(std::str::from_utf8(reply.payload())
            .unwrap()
            .contains("io.nats.jetstream.api.v1.account_info_response"));
        // No stream captures `s.x` yet: nobody receives it.
        assert!(!request(&accounts, "s.x", "_R.2", "m"));
        request(&accounts, "$JS.API.STREAM.CREATE.S", "_R.3", r#"{"name":"S","subjects":["s.>"],"storage":"memory"}"#);
        assert!(std::str::from_utf8(next(&rx).payload()).unwrap().contains(r#""name":"S""#));
        // The thread subscribes to the stream's subjects after the create.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !request(&accounts, "s.x", "_R.4", "m") {
            assert!(Instant::now() < deadline, "the stream's subjects were never subscribed");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(std::str::from_utf8(next(&rx).payload()).unwrap().contains(r#""seq":1"#));
        service.stop(Duration::from_secs(5)).await;
    }

    /// A push consumer whose deliver subject gets a subscriber after it was
    /// created, with more messages waiting than one batch: everything
    /// arrives, in order, each once.
    #[tokio::test]
    async fn push_consumer_delivers_a_backlog_to_a_late_subscriber() {
        let (service, accounts, rx) = setup();
        let total = 3 * PUSH_BATCH + 7;
        stream_s_with_first_message(&accounts, &rx);
        for i in 1..total {
            assert!(request(&accounts, "s", "", &format!("m{i}")));
        }
        request(
            &accounts,
            "$JS.API.CONSUMER.CREATE.S.p",
            "_R.p",
            r#"{"stream_name":"S","config":{"durable_name":"p","deliver_subject":"d.p","ack_policy":"none"}}"#,
        );
        let created = next(&rx);
        assert!(std::str::from_utf8(created.payload()).unwrap().contains(r#""name":"p""#));
        let (tx, got) = mpsc::channel();
        let tx = Mutex::new(tx);
        let acc = accounts.get("$G").unwrap();
        let late = Connection::new_internal(98, Kind::Account, "$G", &acc.sublist);
        let icb: InternalCallback = Arc::new(move |m: &Msg, _| {
            let _ = tx.lock().unwrap().send(m.clone());
        });
        assert!(late.add_sub(Subscription::new_internal(&late, "d.>", 1, icb)));
        for i in 0..total {
            let m = got.recv_timeout(Duration::from_secs(5)).expect("a delivery within 5s");
            assert_eq!(m.payload(), format!("m{i}").as_bytes(), "delivery {i} in stream order");
            let reply = std::str::from_utf8(m.reply.as_deref().unwrap()).unwrap().to_string();
            assert!(reply.starts_with(&format!("$JS.ACK.S.p.1.{}.{}.", i + 1, i + 1)), "{reply}");
            assert!(reply.ends_with(&format!(".{}", total - i - 1)), "pending count in {reply}");
        }
        assert!(got.recv_timeout(Duration::from_millis(200)).is_err(), "no message twice");
        service.stop(Duration::from_secs(5)).await;
    }

    /// One publisher's messages keep their order whether each is stored on
    /// its thread or queued behind API requests for the engine thread.
    #[tokio::test]
    async fn a_publishers_messages_are_stored_in_order_inline_or_queued() {
        let (service, accounts, rx) = setup();
        stream_s_with_first_message(&accounts, &rx);
        let total = 3000;
        for i in 1..total {
            if i % 7 == 0 {
                // Queued work the engine thread must get through first.
                request(&accounts, "$JS.API.STREAM.INFO.S", "_I.x", "");
            }
            assert!(request(&accounts, "s", "", &format!("m{i}")));
        }
        for seq in 1..=total {
            request(&accounts, "$JS.API.STREAM.MSG.GET.S", "_R.g", &format!(r#"{{"seq":{seq}}}"#));
            let reply = next(&rx);
            let v: serde_json::Value = serde_json::from_slice(reply.payload()).unwrap();
            let data = v["message"]["data"].as_str().unwrap_or_default().to_string();
            let want = crate::jetstream::api_types::base64(format!("m{}", seq - 1).as_bytes());
            assert_eq!(data, want, "message {seq} in publish order: {v}");
        }
        service.stop(Duration::from_secs(5)).await;
    }

    #[tokio::test]
    async fn timers_expire_pull_requests() {
        let (service, accounts, rx) = setup();
        request(&accounts, "$JS.API.STREAM.CREATE.S", "_R.1", r#"{"name":"S","subjects":["s"],"storage":"memory"}"#);
        next(&rx);
        request(
            &accounts,
            "$JS.API.CONSUMER.CREATE.S.d",
            "_R.2",
            r#"{"stream_name":"S","config":{"durable_name":"d"}}"#,
        );
        next(&rx);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !request(&accounts, "$JS.API.CONSUMER.MSG.NEXT.S.d", "_R.3", r#"{"batch":1,"expires":50000000}"#) {
            assert!(Instant::now() < deadline, "the pull subject was never subscribed");
            std::thread::sleep(Duration::from_millis(5));
        }
        let status = next(&rx);
        assert_eq!(status.subject, "_R.3");
        assert!(status.headers().unwrap().starts_with(b"NATS/1.0 408 Request Timeout"));
        service.stop(Duration::from_secs(5)).await;
    }
}
