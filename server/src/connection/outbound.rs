//! The outbound side of a connection: a byte queue that any publisher, on any
//! thread, appends protocol to, and the writer task that drains it to the
//! socket (Go's `queueOutbound`, `flushOutbound` and `writeLoop` in
//! `server/client.go`).
//!
//! Many small messages coalesce into few socket writes. A queue past
//! `max_pending` makes the connection a slow consumer (closed, queue dropped);
//! a write that takes longer than the write deadline does too. A queue past
//! half of `max_pending` asks the publisher to stall briefly
//! ([`Connection::wait_drained`]), as Go's stall channel does.
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::Notify;

use super::{lock, CloseReason, Connection};

/// How the outbound side should wind down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Write what is queued (e.g. a final `-ERR`), then close.
    Flush,
    /// Close now, discarding queued data (slow consumer, write error).
    Drop,
}

struct Queue {
    buf: BytesMut,
    closing: Option<Closing>,
}

/// The outbound queue of one connection.
pub(crate) struct Outbound {
    queue: Mutex<Queue>,
    ready: Notify,
    /// Signalled by the writer after each socket write.
    drained: Notify,
    max_pending: usize,
}

/// Result of queueing outbound data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queued {
    Ok,
    /// Queued, but the queue is more than half full.
    Stall,
    Closed,
}

/// Most time a producer spends per read waiting for slow subscribers to drain
/// (Go's `stallTotalAllowed`).
pub(crate) const STALL_BUDGET: Duration = Duration::from_millis(10);

impl Outbound {
    pub fn new(max_pending: usize) -> Outbound {
        Outbound {
            queue: Mutex::new(Queue { buf: BytesMut::new(), closing: None }),
            ready: Notify::new(),
            drained: Notify::new(),
            max_pending,
        }
    }

    pub fn pending(&self) -> usize {
        lock(&self.queue).buf.len()
    }

    /// Marks the queue to close once what is queued is written (unless it is
    /// already dropping) and wakes the writer.
    pub fn close_flush(&self) {
        let mut q = lock(&self.queue);
        if q.closing.is_none() {
            q.closing = Some(Closing::Flush);
        }
        drop(q);
        self.ready.notify_one();
    }

    fn close_drop(&self) {
        lock(&self.queue).closing = Some(Closing::Drop);
    }
}

impl Connection {
    /// Appends `parts` to the outbound queue, saying whether the producer
    /// should stall; a queue past `max_pending` closes the connection as a
    /// slow consumer.
    pub(crate) fn enqueue(&self, parts: &[&[u8]]) -> Queued {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let out = &self.out;
        let mut q = lock(&out.queue);
        if q.closing.is_some() {
            return Queued::Closed;
        }
        if q.buf.len() + total > out.max_pending {
            q.closing = Some(Closing::Drop);
            q.buf.clear();
            drop(q);
            self.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
            self.log_notice(format_args!("Slow Consumer Detected: MaxPending of {} Exceeded", out.max_pending));
            self.close(CloseReason::SlowConsumerPendingBytes);
            return Queued::Closed;
        }
        let was_empty = q.buf.is_empty();
        for p in parts {
            q.buf.extend_from_slice(p);
        }
        let stall = q.buf.len() > out.max_pending / 2;
        drop(q);
        if was_empty {
            out.ready.notify_one();
        }
        if stall {
            Queued::Stall
        } else {
            Queued::Ok
        }
    }

    /// Waits (bounded by `budget`) until the writer has brought the outbound
    /// queue back under half of `max_pending`.
    pub(crate) async fn wait_drained(&self, budget: Duration) {
        let deadline = tokio::time::Instant::now() + budget;
        let out = &self.out;
        loop {
            let notified = out.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let q = lock(&out.queue);
                if q.closing.is_some() || q.buf.len() <= out.max_pending / 2 {
                    return;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }
}

/// The writer task of a connection: drains its outbound queue to `wr` until
/// the connection closes.
pub(crate) async fn write_loop(conn: std::sync::Arc<Connection>, mut wr: OwnedWriteHalf, deadline: Duration) {
    let out = &conn.out;
    loop {
        let (data, closing) = {
            let mut q = lock(&out.queue);
            (q.buf.split().freeze(), q.closing)
        };
        if closing == Some(Closing::Drop) {
            break;
        }
        if data.is_empty() {
            if closing.is_some() {
                break;
            }
            out.ready.notified().await;
            continue;
        }
        let deadline = if deadline.is_zero() { Duration::from_secs(3600) } else { deadline };
        match tokio::time::timeout(deadline, wr.write_all(&data)).await {
            Ok(Ok(())) => out.drained.notify_waiters(),
            Ok(Err(_)) => {
                out.close_drop();
                conn.close(CloseReason::WriteError);
                break;
            }
            Err(_) => {
                out.close_drop();
                conn.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
                conn.log_notice(format_args!(
                    "Slow Consumer Detected: WriteDeadline of {:?} exceeded with {} chunks of {} total bytes.",
                    deadline,
                    1,
                    data.len()
                ));
                conn.close(CloseReason::SlowConsumerWriteDeadline);
                break;
            }
        }
    }
    let _ = wr.shutdown().await;
}
