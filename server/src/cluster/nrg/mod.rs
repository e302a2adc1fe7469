//! NRG: the RAFT of Go nats-server (`server/raft.go`), spoken byte for byte,
//! so an rnats node can vote, lead and catch up inside a group of Go nodes.
//!
//! # Shape
//!
//! - [`codec`]: the wire and file layouts: append entries and their
//!   responses, vote requests and responses, peer state, peer ids. Pure
//!   functions; malformed bytes give an error, never a panic. Checked against
//!   vectors captured from Go 2.15.1 (`golden/nrg/`).
//! - [`engine`]: all RAFT state of one group behind one pure entry point,
//!   `step(now, input) -> outputs`, with time and randomness injected. Inputs
//!   are ticks, received messages, proposals, peer changes, step-down and
//!   applied indexes; outputs are persist, publish, subscribe, commit and
//!   leader-changed, and a persist always comes before a publish that depends
//!   on it.
//!   Elections, leader transfer, replication (no-op on election, batched
//!   proposals as one index, commit by quorum), catch-up with snapshots,
//!   membership changes and the lost-quorum check, each in its own file
//!   under `engine/`.
//! - `engine/sim.rs`: a seeded simulator of several engines on a FIFO bus
//!   with loss, crashes, pauses and partitions, checking the invariants
//!   after every step; `scripts/nrg-sim.sh` runs the long sweep.
//! - [`driver`]: the engine on real I/O, one thread per group: internal
//!   subscriptions of the system account, the [`wal`] and the group's files
//!   synced before what depends on them goes out, timers, and the upper
//!   layer's channel. `jetstream::cluster` runs the meta group on it.
//!
//! # Invariants the engine must keep (checked by the simulator)
//!
//! - Election safety: at most one leader per term.
//! - A node votes at most once per term, and persists term and vote
//!   (`tav.idx`) before its vote or vote request leaves.
//! - Log matching: two logs holding an entry with the same index and term
//!   agree on every entry up to it. An index counts append entries, not the
//!   entries inside them (one stored AE = one index).
//! - Leader completeness: a committed index is in the log of every later
//!   leader.
//! - Commit only moves forward, and never past what a quorum stored.
//! - Membership changes one at a time; a change applies when stored.
//!
//! Go's behaviours to reproduce, unlike textbook RAFT: no pre-vote and no
//! leader lease; observers vote; an append entry is broadcast once (no
//! per-follower next index) and a follower that finds a gap asks for catchup
//! on its own inbox. `../shared/cluster-design.md` section 2 has the details.
pub mod codec;
pub(crate) mod driver;
pub mod engine;
pub(crate) mod wal;
