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

use crate::account::Account;
use crate::connection::deliver::Publisher;
use crate::connection::{lock, Connection, InternalCallback, Kind, Subscription};
use crate::message::Msg;

/// How long a mapping waits for its one answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// Requests that are not the system account's to serve: direct gets and
/// pull requests are subscribed to in the stream's own account.
pub(crate) fn stays_in_account(subject: &str) -> bool {
    subject.starts_with("$JS.API.DIRECT.GET.") || subject.starts_with("$JS.API.CONSUMER.MSG.NEXT.")
}

/// One reply waiting for its answer.
struct Waiting {
    account: Weak<Account>,
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
            account.publish(&answer, &mut Publisher::server());
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
