//! What the engine hands the core to publish (Go's `outq` entries and
//! `sendInternalAccountMsg` calls): an `Outbound` routed by subject, and
//! `reply_msg` for the plain replies of API requests, pub acks and acks.
use bytes::Bytes;

/// A message the core publishes on the engine's behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outbound {
    /// Subject to route by (an inbox, deliver subject or reply subject).
    pub(crate) subject: String,
    /// Subject to show receivers when it differs from the routing subject
    /// (the stored message's own subject for consumer deliveries).
    pub(crate) msg_subject: Option<String>,
    pub(crate) reply: Option<String>,
    /// Raw `NATS/1.0 ...\r\n\r\n` header block, if any.
    pub(crate) headers: Option<Bytes>,
    pub(crate) payload: Bytes,
}

/// A reply to `reply` carrying `body` and nothing else.
pub(crate) fn reply_msg(reply: &str, body: Bytes) -> Outbound {
    Outbound { subject: reply.to_string(), msg_subject: None, reply: None, headers: None, payload: body }
}
