//! Stream assignments: what the meta leader proposes for a new stream, how
//! it picks the stream's peers, and how changes to the assignments reach
//! the JetStream engine (Go's `server/jetstream_cluster.go`:
//! `streamAssignment`, `raftGroup`, `createGroupForStream`,
//! `selectPeerGroup`, `groupName`).
use std::collections::BTreeSet;
use std::sync::Mutex;

use rand::seq::SliceRandom;
use serde_json::{json, Value};

use super::{placement_tags, AssetKey, Assets, Meta};
use crate::cluster::nrg::codec::{peer_id, PeerId};
use crate::connection::lock;

/// A change of one stream's or consumer's assignment: its new assignment
/// (`None`: removed, with the removal's own assignment in `removed`).
#[derive(Debug, Clone)]
pub(crate) struct AssetChange {
    pub(crate) account: String,
    /// The stream's name.
    pub(crate) name: String,
    /// A consumer's name, when the change is a consumer's.
    pub(crate) consumer: Option<String>,
    pub(crate) sa: Option<Value>,
    pub(crate) removed: Option<Value>,
}

/// Where asset changes go.
pub(crate) type AssetSink = Box<dyn Fn(AssetChange) + Send>;

/// Every stream and consumer the view holds, streams before their
/// consumers.
pub(super) fn asset_keys(assets: &Assets) -> Vec<AssetKey> {
    let mut keys = Vec::new();
    for (a, m) in &assets.streams {
        for (n, s) in m {
            keys.push((a.clone(), n.clone(), None));
            keys.extend(s.consumers.keys().map(|c| (a.clone(), n.clone(), Some(c.clone()))));
        }
    }
    keys
}

/// Tells the sink, if any, the current assignment of each changed asset.
pub(super) fn notify(
    assets: &mut Assets,
    sink: &Mutex<Option<AssetSink>>,
    changed: impl IntoIterator<Item = AssetKey>,
) {
    let sink = lock(sink);
    let Some(sink) = sink.as_ref() else {
        assets.removed.clear();
        return;
    };
    for key in changed {
        let (account, name, consumer) = key.clone();
        let stream = assets.streams.get(&account).and_then(|m| m.get(&name));
        let sa = match &consumer {
            None => stream.map(|s| s.sa.clone()),
            Some(c) => stream.and_then(|s| s.consumers.get(c)).cloned(),
        };
        let removed = if sa.is_none() { assets.removed.remove(&key) } else { None };
        sink(AssetChange { account, name, consumer, sa, removed });
    }
    assets.removed.clear();
}

/// Go's `groupName`: `S-R3F-<8>` for a three-replica file stream.
pub(crate) fn group_name(prefix: &str, replicas: usize, storage: &str) -> String {
    let kind = if storage == "memory" { "M" } else { "F" };
    let id = peer_id(&crate::nuid::next());
    format!("{prefix}-R{replicas}{kind}-{}", String::from_utf8_lossy(&id))
}

impl Meta {
    /// Starts telling `sink` of every change to the stream assignments,
    /// beginning with every assignment there is now.
    pub(crate) fn set_asset_sink(&self, sink: AssetSink) {
        let mut view = lock(&self.assets);
        *lock(&self.sink) = Some(sink);
        let keys = asset_keys(&view);
        notify(&mut view, &self.sink, keys);
    }

    /// The assignment of consumer `name` of stream `stream`.
    pub(crate) fn consumer_assignment(&self, account: &str, stream: &str, name: &str) -> Option<Value> {
        let view = lock(&self.assets);
        view.streams.get(account).and_then(|m| m.get(stream)).and_then(|s| s.consumers.get(name)).cloned()
    }

    /// Every consumer assignment of a stream, by name.
    pub(crate) fn consumer_assignments(&self, account: &str, stream: &str) -> Vec<(String, Value)> {
        let view = lock(&self.assets);
        view.streams
            .get(account)
            .and_then(|m| m.get(stream))
            .map(|s| s.consumers.iter().map(|(n, c)| (n.clone(), c.clone())).collect())
            .unwrap_or_default()
    }

    /// The assignment of stream `name` of `account`.
    pub(crate) fn stream_assignment(&self, account: &str, name: &str) -> Option<Value> {
        lock(&self.assets).streams.get(account).and_then(|m| m.get(name)).map(|s| s.sa.clone())
    }

    /// Every stream assignment of `account`, by name.
    pub(crate) fn stream_assignments(&self, account: &str) -> Vec<(String, Value)> {
        let view = lock(&self.assets);
        view.streams
            .get(account)
            .map(|m| m.iter().map(|(n, s)| (n.clone(), s.sa.clone())).collect())
            .unwrap_or_default()
    }

    /// How many streams and consumers the group assigns to `account`.
    pub(crate) fn asset_counts(&self, account: &str) -> (usize, usize) {
        let view = lock(&self.assets);
        view.streams.get(account).map_or((0, 0), |m| (m.len(), m.values().map(|s| s.consumers.len()).sum()))
    }

    /// Proposes a meta entry when leading, else sends it to the leader.
    pub(crate) fn forward(&self, entry: Vec<u8>) {
        self.group.forward(entry);
    }

    /// Replicates a meta entry (an op byte, then JSON); only the leader's
    /// proposals count.
    pub(crate) fn propose(&self, entry: Vec<u8>) {
        self.group.propose(entry);
    }

    pub(crate) fn cluster_name(&self) -> &str {
        &self.cluster_name
    }

    pub(crate) fn server_name(&self) -> &str {
        &self.server_name
    }

    /// Picks `replicas` peers for a new asset (Go's `selectPeerGroup`):
    /// meta peers this server has heard of, in the placement's cluster (ours
    /// by default) and carrying every tag it names, shuffled, online ones
    /// first; at least a quorum of them must be online. `Err` is Go's "no
    /// suitable peers for placement" with its reasons.
    pub(crate) fn select_peers(
        &self,
        replicas: usize,
        placement: &Value,
        memory: bool,
        max_bytes: i64,
    ) -> Result<Vec<PeerId>, String> {
        let names = self.server_names();
        let known = lock(&self.placement).clone();
        let capacity = lock(&self.capacity).clone();
        let want_cluster = placement["cluster"].as_str().filter(|c| !c.is_empty()).unwrap_or(&self.cluster_name);
        let want_tags = placement_tags(placement);
        let me = peer_id(&self.server_name);
        let mut peers = self.status().peers;
        peers.shuffle(&mut rand::rng());
        let (mut misc, mut no_storage, mut unmatched) = (false, false, BTreeSet::new());
        let mut nodes: Vec<(PeerId, bool)> = Vec::new();
        for p in peers {
            let Some((_, offline)) = names.get(&p) else {
                misc = true;
                continue;
            };
            let (cluster, tags) = self.node_placement(&known, &p);
            if cluster != want_cluster {
                continue;
            }
            let missing: Vec<&String> = want_tags.iter().filter(|t| !tags.contains(t)).collect();
            if !missing.is_empty() {
                unmatched.extend(missing.into_iter().cloned());
                continue;
            }
            // Room for the stream's `max_bytes` (Go's `available`).
            if max_bytes > 0 {
                let c = capacity.get(&p).copied().unwrap_or_default();
                let (limit, used) = if memory { c.memory } else { c.storage };
                if max_bytes > limit.saturating_sub(used).max(0) {
                    no_storage = true;
                    continue;
                }
            }
            nodes.push((p, *offline && p != me));
        }
        let online = nodes.iter().filter(|(_, off)| !off).count();
        let missing_quorum = online < replicas / 2 + 1;
        if nodes.len() < replicas || missing_quorum {
            // Go's `selectPeerError`, its reasons in its order.
            let mut why = String::from("no suitable peers for placement");
            if nodes.len() >= replicas && missing_quorum {
                why.push_str(", peer offline");
            }
            if no_storage {
                why.push_str(", insufficient storage");
            }
            if misc {
                why.push_str(", miscellaneous issue");
            }
            if !unmatched.is_empty() {
                let list: Vec<String> = unmatched.iter().map(|t| format!("'{t}'")).collect();
                why.push_str(&format!(", tags not matched [{}]", list.join(", ")));
            }
            return Err(why);
        }
        nodes.sort_by_key(|(_, off)| *off);
        Ok(nodes.into_iter().take(replicas).map(|(p, _)| p).collect())
    }

    /// `n` of a stream's `peers` for one of its consumers: all of them when
    /// `n` is the stream's count, else online ones first, shuffled.
    pub(crate) fn pick_among(&self, peers: &[PeerId], n: usize) -> Vec<PeerId> {
        if n >= peers.len() {
            return peers.to_vec();
        }
        let names = self.server_names();
        let me = peer_id(&self.server_name);
        let mut pick = peers.to_vec();
        pick.shuffle(&mut rand::rng());
        pick.sort_by_key(|p| *p != me && names.get(p).is_none_or(|(_, off)| *off));
        pick.truncate(n);
        pick
    }

    /// A consumer's assignment (Go's `consumerAssignment` as
    /// `encodeAddConsumerAssignment` writes it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_consumer_assignment(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        config: Value,
        peers: &[PeerId],
        storage: &str,
        group: Option<String>,
        created: Option<Value>,
        subject: &str,
        reply: &str,
    ) -> Value {
        let ids: Vec<String> = peers.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect();
        let preferred = ids.first().cloned().unwrap_or_default();
        let group = group.unwrap_or_else(|| group_name("C", peers.len(), storage));
        json!({
            "client": {"acc": account, "server": self.server_name, "cluster": self.cluster_name, "kind": "Client", "client_type": "nats"},
            "created": created.unwrap_or_else(|| Value::String(crate::gotime::rfc3339(std::time::SystemTime::now()))),
            "name": name,
            "stream": stream,
            "consumer": config,
            "group": {"name": group, "peers": ids, "store": storage, "cluster": self.cluster_name, "preferred": preferred},
            "subject": subject,
            "reply": reply,
        })
    }

    /// A new stream's assignment (Go's `streamAssignment` as
    /// `encodeAddStreamAssignment` writes it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_stream_assignment(
        &self,
        account: &str,
        config: Value,
        peers: &[PeerId],
        group: Option<String>,
        sync: Option<String>,
        created: Option<Value>,
        subject: &str,
        reply: &str,
    ) -> Value {
        let storage = config["storage"].as_str().unwrap_or("file").to_string();
        let ids: Vec<String> = peers.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect();
        let preferred = ids.first().cloned().unwrap_or_default();
        let name = group.unwrap_or_else(|| group_name("S", peers.len(), &storage));
        json!({
            "client": {"acc": account, "server": self.server_name, "cluster": self.cluster_name, "kind": "Client", "client_type": "nats"},
            "created": created.unwrap_or_else(|| Value::String(crate::gotime::rfc3339(std::time::SystemTime::now()))),
            "stream": config,
            "group": {"name": name, "peers": ids, "store": storage, "cluster": self.cluster_name, "preferred": preferred},
            "sync": sync.unwrap_or_else(super::catchup::sync_subject),
            "subject": subject,
            "reply": reply,
        })
    }
}

/// The peer ids of an assignment's group.
pub(crate) fn group_peers(sa: &Value) -> Vec<PeerId> {
    sa["group"]["peers"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p.as_str()).filter_map(|p| PeerId::try_from(p.as_bytes()).ok()).collect())
        .unwrap_or_default()
}
