//! A replicated consumer leader's deliveries waiting for quorum (Go's
//! `consumer.go`: `pendingDeliveries`, `addReplicatedQueuedMsg`, and their
//! release in `applyConsumerEntries` once the delivered op is applied).
//!
//! Go sends a delivery of a consumer with more than one replica only once
//! the entry that records it (op 7) is committed, so a new leader never
//! hands out again what a client already saw as the next delivery, and an
//! ack the client made before it saw a later delivery is never lost.
//!
//! rnats proposes a round's ops together (see
//! `jetstream::replication::consumers`), one log entry per op, so each
//! round's messages wait for a count: the ops this leader proposed up to and
//! including that round. Everything the leader commits after it starts
//! leading is its own proposal, committed in the order proposed, so the
//! messages of a round go out when that many of its entries are committed.
//! Messages keep their order: a status or ack reply gathered behind a
//! delivery waits for it.
use std::collections::VecDeque;

use crate::message::Msg;

/// What one consumer leader holds back, by round.
#[derive(Debug, Default)]
pub(crate) struct PendingDeliveries {
    /// Ops proposed and entries committed since this replica began leading.
    proposed: u64,
    committed: u64,
    /// Each round's messages, with the count of ops they wait for.
    rounds: VecDeque<(u64, Vec<Msg>)>,
}

impl PendingDeliveries {
    /// Leading starts or stops: counts start over, and what was held is
    /// dropped (its deliveries stay pending, so they go out again after
    /// their ack wait, from whoever leads).
    pub(crate) fn reset(&mut self) {
        *self = PendingDeliveries::default();
    }

    /// A round proposed `ops` more ops and gathered `msgs`; returns what may
    /// go out now (everything, when nothing is waiting on the log).
    pub(crate) fn add_round(&mut self, ops: u64, msgs: Vec<Msg>) -> Vec<Msg> {
        self.proposed += ops;
        if !msgs.is_empty() {
            match self.rounds.back_mut() {
                Some((at, held)) if *at == self.proposed => held.extend(msgs),
                _ => self.rounds.push_back((self.proposed, msgs)),
            }
        }
        self.release()
    }

    /// `entries` more of this leader's entries were committed; returns what
    /// may go out now.
    pub(crate) fn committed(&mut self, entries: u64) -> Vec<Msg> {
        self.committed += entries;
        self.release()
    }

    /// Messages held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.rounds.iter().map(|(_, m)| m.len()).sum()
    }

    fn release(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        while self.rounds.front().is_some_and(|(at, _)| *at <= self.committed) {
            if let Some((_, msgs)) = self.rounds.pop_front() {
                out.extend(msgs);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(names: &[&str]) -> Vec<Msg> {
        names.iter().map(|n| Msg::new(n.to_string(), None, Vec::new())).collect()
    }

    fn subjects(m: &[Msg]) -> Vec<String> {
        m.iter().map(|m| m.subject_str().to_string()).collect()
    }

    #[test]
    fn a_round_goes_out_once_its_ops_are_committed() {
        let mut p = PendingDeliveries::default();
        assert!(p.add_round(2, msgs(&["d1", "d2"])).is_empty());
        assert!(p.add_round(1, msgs(&["d3"])).is_empty());
        assert_eq!(p.len(), 3);
        assert!(p.committed(1).is_empty(), "half of the first round");
        assert_eq!(subjects(&p.committed(1)), ["d1", "d2"]);
        assert_eq!(subjects(&p.committed(5)), ["d3"]);
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn a_round_without_ops_waits_only_for_what_came_before() {
        let mut p = PendingDeliveries::default();
        assert_eq!(subjects(&p.add_round(0, msgs(&["status"]))), ["status"], "nothing in flight");
        assert!(p.add_round(1, msgs(&["d1"])).is_empty());
        assert!(p.add_round(0, msgs(&["408"])).is_empty(), "a status stays behind the delivery before it");
        assert_eq!(subjects(&p.committed(1)), ["d1", "408"]);
    }

    #[test]
    fn ops_proposed_without_messages_still_count() {
        let mut p = PendingDeliveries::default();
        assert!(p.add_round(2, Vec::new()).is_empty(), "acks");
        assert!(p.add_round(1, msgs(&["d1"])).is_empty());
        assert!(p.committed(2).is_empty(), "the acks are committed, the delivery is not");
        assert_eq!(subjects(&p.committed(1)), ["d1"]);
    }

    #[test]
    fn leading_anew_drops_what_was_held() {
        let mut p = PendingDeliveries::default();
        assert!(p.add_round(1, msgs(&["d1"])).is_empty());
        p.reset();
        assert_eq!(p.len(), 0);
        assert!(p.committed(1).is_empty());
        assert_eq!(subjects(&p.add_round(0, msgs(&["s"]))), ["s"]);
    }
}
