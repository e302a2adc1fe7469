//! The JetStream API as a service import into the system account, as Go
//! runs it in a cluster (`server/jetstream.go`
//! `enableAllJetStreamServiceImportsAndMappings`, and the response service
//! imports of `server/accounts.go`: `addRespServiceImport`).
//!
//! In a cluster, Go serves `$JS.API.>` from the system account only: each
//! account imports it, so a client's request crosses into the system
//! account on the client's own server, naming its account in a
//! `Nats-Request-Info` header and carrying a reply `_R_.<prefix>.<token>`
//! that the same server maps back to the client's own reply (one answer,
//! then the mapping goes). Every server, Go or rnats, then sees the request
//! in the system account and at most one answers there.
//!
//! [`Imports`] is that crossing for rnats: requests that local clients make
//! go into the system account, and answers on this server's `_R_` prefix
//! go back to the requester.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::api::API_PREFIX;
use crate::account::Account;
use crate::connection::deliver::Publisher;
use crate::connection::{lock, Connection, InternalCallback, Kind, Subscription};
use crate::message::Msg;

/// How long a mapping waits for its one answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// Longest an answer is held for the interest it announces (see
/// [`relied_on_interest`]), and how often that interest is looked for.
const INTEREST_WITHIN: Duration = Duration::from_secs(1);
const INTEREST_POLL: Duration = Duration::from_millis(2);

/// Requests that are not the system account's to serve: direct gets and
/// pull requests are subscribed to in the stream's own account.
pub(crate) fn stays_in_account(subject: &str) -> bool {
    subject.starts_with("$JS.API.DIRECT.GET.") || subject.starts_with("$JS.API.CONSUMER.MSG.NEXT.")
}

/// One reply waiting for its answer.
struct Waiting {
    account: Weak<Account>,
    /// The request's subject (what its answer may announce).
    request: String,
    reply: Bytes,
    since: Instant,
}

/// This server's crossings of the JetStream API into the system account.
pub(crate) struct Imports {
    sys: Weak<Account>,
    server: String,
    cluster: String,
    /// `_R_.<8>.`: this server's reply prefix.
    prefix: String,
    waiting: Arc<Mutex<HashMap<String, Waiting>>>,
    _conn: Arc<Connection>,
}

impl Imports {
    /// Subscribes to this server's reply prefix in the system account.
    pub(crate) fn new(sys: &Arc<Account>, client_id: u64, server: &str, cluster: &str) -> Imports {
        let id = crate::cluster::nrg::codec::peer_id(&crate::nuid::next());
        let prefix = format!("_R_.{}.", String::from_utf8_lossy(&id));
        let waiting: Arc<Mutex<HashMap<String, Waiting>>> = Arc::default();
        let conn = Connection::new_internal(client_id, Kind::Account, &sys.name, &sys.sublist);
        let table = Arc::clone(&waiting);
        let icb: InternalCallback = Arc::new(move |msg: &Msg, _from: Option<&Arc<Connection>>| {
            let Some(w) = lock(&table).remove(msg.subject_str()) else { return };
            let Some(account) = w.account.upgrade() else { return };
            let answer = match msg.headers() {
                Some(h) => Msg::with_headers(w.reply, None, h, msg.payload()),
                None => Msg::new(w.reply, None, Bytes::copy_from_slice(msg.payload())),
            };
            let needs = relied_on_interest(&w.request, msg.payload());
            if needs.iter().all(|s| has_interest(&account, s)) {
                account.publish(&answer, &mut Publisher::server());
                return;
            }
            // The answer came before the interest it announces: hold it
            // (without blocking this connection) until that interest is here.
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                account.publish(&answer, &mut Publisher::server());
                return;
            };
            runtime.spawn(async move {
                let until = Instant::now() + INTEREST_WITHIN;
                while Instant::now() < until && !needs.iter().all(|s| has_interest(&account, s)) {
                    tokio::time::sleep(INTEREST_POLL).await;
                }
                account.publish(&answer, &mut Publisher::server());
            });
        });
        conn.add_sub(Subscription::new_internal(&conn, &format!("{prefix}>"), 1, icb));
        Imports {
            sys: Arc::downgrade(sys),
            server: server.to_string(),
            cluster: cluster.to_string(),
            prefix,
            waiting,
            _conn: conn,
        }
    }

    /// Sends a local client's request in `account` into the system
    /// account, its answer to come back to the client's reply.
    pub(crate) fn forward(&self, account: &Arc<Account>, msg: &Msg) {
        let Some(sys) = self.sys.upgrade() else { return };
        let reply = match msg.reply_str().filter(|r| !r.is_empty()) {
            Some(r) => {
                let token = format!("{}{}", self.prefix, crate::nuid::next());
                let mut waiting = lock(&self.waiting);
                waiting.retain(|_, w| w.since.elapsed() < ANSWER_WITHIN);
                waiting.insert(
                    token.clone(),
                    Waiting {
                        account: Arc::downgrade(account),
                        request: msg.subject_str().to_string(),
                        reply: Bytes::copy_from_slice(r.as_bytes()),
                        since: Instant::now(),
                    },
                );
                Some(Bytes::from(token))
            }
            None => None,
        };
        let info = serde_json::json!({
            "acc": account.name,
            "server": self.server,
            "cluster": self.cluster,
            "kind": "Client",
            "client_type": "nats",
        });
        let line = format!("Nats-Request-Info: {info}\r\n");
        let hdr = crate::message::add_header_lines(msg.headers().unwrap_or_default(), &line);
        let fwd = Msg::with_headers(Bytes::copy_from_slice(msg.subject_str().as_bytes()), reply, &hdr, msg.payload());
        sys.publish(&fwd, &mut Publisher::server());
    }
}

/// The subscriptions a client may rely on as soon as it reads `answer` to
/// `request`: a created or updated stream's subjects (its leader subscribes
/// to them), and a created pull consumer's next-message subject (its leader
/// serves it). The leader's interest reaches this server over the account's
/// route and the answer over the system account's, which may be another
/// connection, so the answer can come first; the client's next publish or
/// pull request would then find no responders here.
fn relied_on_interest(request: &str, answer: &[u8]) -> Vec<String> {
    let Some(op) = request.strip_prefix(API_PREFIX) else { return Vec::new() };
    let stream = ["STREAM.CREATE.", "STREAM.UPDATE."].iter().any(|p| op.starts_with(p));
    let consumer = ["CONSUMER.CREATE.", "CONSUMER.DURABLE.CREATE."].iter().any(|p| op.starts_with(p));
    if !stream && !consumer {
        return Vec::new();
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(answer) else { return Vec::new() };
    if v.get("error").is_some() {
        return Vec::new();
    }
    let subjects = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
    };
    if stream {
        return subjects(&v["config"]["subjects"]);
    }
    let push = v["config"]["deliver_subject"].as_str().is_some_and(|d| !d.is_empty());
    match (v["stream_name"].as_str(), v["name"].as_str()) {
        (Some(stream), Some(name)) if !push => vec![format!("{API_PREFIX}CONSUMER.MSG.NEXT.{stream}.{name}")],
        _ => Vec::new(),
    }
}

/// Whether `account` holds a subscription to exactly `filter` (a route's,
/// a stream's or a consumer's).
fn has_interest(account: &Account, filter: &str) -> bool {
    let literal: Vec<&str> = filter.split('.').map(|t| if t == "*" || t == ">" { "_" } else { t }).collect();
    let matched = account.sublist.match_subject(&literal.join("."));
    matched.psubs.iter().chain(matched.qsubs.iter().flatten()).any(|s| &*s.subject == filter)
}

/// The account a request in the system account was made in: the one its
/// `Nats-Request-Info` names (its service account first, as Go's
/// `ClientInfo.serviceAccount`), else the system account itself.
pub(crate) fn request_account(headers: Option<&[u8]>, system: &str) -> String {
    let info = headers.and_then(|h| crate::jetstream::stream::get_header(h, "Nats-Request-Info"));
    let Some(v) = info.and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok()) else {
        return system.to_string();
    };
    v["svc"].as_str().filter(|s| !s.is_empty()).or(v["acc"].as_str()).unwrap_or(system).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_stream_announces_its_subjects_and_a_pull_consumer_its_next_subject() {
        let stream = br#"{"type":"io.nats.jetstream.api.v1.stream_create_response","config":{"name":"S","subjects":["foo","bar.>"]}}"#;
        assert_eq!(relied_on_interest("$JS.API.STREAM.CREATE.S", stream), ["foo", "bar.>"]);
        assert_eq!(relied_on_interest("$JS.API.STREAM.UPDATE.S", stream), ["foo", "bar.>"]);
        assert!(relied_on_interest("$JS.API.STREAM.INFO.S", stream).is_empty());
        let refused = br#"{"error":{"code":400,"err_code":10058,"description":"x"},"config":{"subjects":["foo"]}}"#;
        assert!(relied_on_interest("$JS.API.STREAM.CREATE.S", refused).is_empty());
        let pull = br#"{"stream_name":"S","name":"d","config":{"durable_name":"d"}}"#;
        assert_eq!(relied_on_interest("$JS.API.CONSUMER.CREATE.S.d", pull), ["$JS.API.CONSUMER.MSG.NEXT.S.d"]);
        assert_eq!(relied_on_interest("$JS.API.CONSUMER.DURABLE.CREATE.S.d", pull), ["$JS.API.CONSUMER.MSG.NEXT.S.d"]);
        let push = br#"{"stream_name":"S","name":"p","config":{"deliver_subject":"out"}}"#;
        assert!(relied_on_interest("$JS.API.CONSUMER.CREATE.S.p", push).is_empty());
        assert!(relied_on_interest("$JS.API.STREAM.CREATE.S", b"garbage").is_empty());
    }

    #[test]
    fn interest_is_an_exact_subscription() {
        let acc = crate::account::Accounts::new(false).get_or_create("A");
        let conn = Connection::new_internal(1, Kind::Account, &acc.name, &acc.sublist);
        let icb: InternalCallback = Arc::new(|_, _| {});
        assert!(!has_interest(&acc, "bar.>"));
        conn.add_sub(Subscription::new_internal(&conn, "bar.*.>", 1, Arc::clone(&icb)));
        assert!(!has_interest(&acc, "bar.>"), "a wider or other wildcard is not the stream's own interest");
        conn.add_sub(Subscription::new_internal(&conn, "bar.>", 2, icb));
        assert!(has_interest(&acc, "bar.>"));
    }
}
