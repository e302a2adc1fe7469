//! The outbound side of a connection: a byte queue that any publisher, on any
//! thread, appends protocol to, and the writer task that drains it to the
//! socket (Go's `queueOutbound`, `flushOutbound` and `writeLoop` in
//! `server/client.go`).
//!
//! The queue is a list of chunks, as Go's is: a message is appended to the
//! last chunk when it fits and starts a new one (of [`CHUNK`] bytes, or its
//! own size when bigger) when it does not, so a queue that grows while the
//! socket is slow never reallocates and copies what it already holds. The
//! writer takes every chunk at once and writes them with one vectored write,
//! and keeps up to [`SPARE_CHUNKS`] full-size chunks to refill while the
//! connection stays busy. An idle connection holds no chunk.
//!
//! Many small messages coalesce into few socket writes. A queue past
//! `max_pending` makes the connection a slow consumer (closed, queue dropped);
//! a write that takes longer than the write deadline does too. A queue past
//! half of `max_pending` asks the publisher to stall briefly
//! ([`Connection::wait_drained`]), as Go's stall channel does.
use std::collections::VecDeque;
use std::io::IoSlice;
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

/// Size of a queue chunk.
const CHUNK: usize = 64 * 1024;
/// Full-size chunks a writer keeps for refilling.
const SPARE_CHUNKS: usize = 2;
/// Chunks handed to one vectored write.
const MAX_IOV: usize = 64;

struct Queue {
    chunks: VecDeque<BytesMut>,
    /// Bytes queued in `chunks`.
    len: usize,
    /// Emptied full-size chunks, reused before allocating.
    spare: Vec<BytesMut>,
    closing: Option<Closing>,
}

impl Queue {
    fn push(&mut self, parts: &[&[u8]], total: usize) {
        let fits = self.chunks.back().is_some_and(|c| c.capacity() - c.len() >= total);
        if !fits {
            let chunk = match self.spare.pop() {
                Some(c) if total <= CHUNK => c,
                _ if self.chunks.is_empty() && total < CHUNK / 16 => BytesMut::with_capacity(total.max(512)),
                _ => BytesMut::with_capacity(total.max(CHUNK)),
            };
            self.chunks.push_back(chunk);
        }
        let last = self.chunks.back_mut().expect("a chunk with room");
        for p in parts {
            last.extend_from_slice(p);
        }
        self.len += total;
    }

    fn clear(&mut self) {
        self.chunks.clear();
        self.spare.clear();
        self.len = 0;
    }
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
    pub(crate) fn new(max_pending: usize) -> Outbound {
        Outbound {
            queue: Mutex::new(Queue { chunks: VecDeque::new(), len: 0, spare: Vec::new(), closing: None }),
            ready: Notify::new(),
            drained: Notify::new(),
            max_pending,
        }
    }

    pub(crate) fn pending(&self) -> usize {
        lock(&self.queue).len
    }

    /// Marks the queue to close once what is queued is written (unless it is
    /// already dropping) and wakes the writer.
    pub(crate) fn close_flush(&self) {
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
        if q.len + total > out.max_pending {
            q.closing = Some(Closing::Drop);
            q.clear();
            drop(q);
            self.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
            self.log_notice(format_args!("Slow Consumer Detected: MaxPending of {} Exceeded", out.max_pending));
            self.close(CloseReason::SlowConsumerPendingBytes);
            return Queued::Closed;
        }
        let was_empty = q.len == 0;
        q.push(parts, total);
        let stall = q.len > out.max_pending / 2;
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
                if q.closing.is_some() || q.len <= out.max_pending / 2 {
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
    let deadline = if deadline.is_zero() { Duration::from_secs(3600) } else { deadline };
    let mut batch: Vec<BytesMut> = Vec::new();
    loop {
        let (total, closing) = {
            let mut q = lock(&out.queue);
            batch.extend(q.chunks.drain(..));
            (std::mem::take(&mut q.len), q.closing)
        };
        if closing == Some(Closing::Drop) {
            break;
        }
        if batch.is_empty() {
            if closing.is_some() {
                break;
            }
            out.ready.notified().await;
            continue;
        }
        match tokio::time::timeout(deadline, write_chunks(&mut wr, &batch)).await {
            Ok(Ok(())) => {
                recycle(out, &mut batch);
                out.drained.notify_waiters();
            }
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
                    batch.len(),
                    total
                ));
                conn.close(CloseReason::SlowConsumerWriteDeadline);
                break;
            }
        }
    }
    let _ = wr.shutdown().await;
}

/// Writes every byte of `chunks`, in order, with vectored writes.
async fn write_chunks(wr: &mut OwnedWriteHalf, chunks: &[BytesMut]) -> std::io::Result<()> {
    let (mut first, mut offset) = (0, 0);
    while first < chunks.len() {
        let mut iov: Vec<IoSlice<'_>> = Vec::with_capacity(MAX_IOV.min(chunks.len() - first));
        iov.push(IoSlice::new(&chunks[first][offset..]));
        iov.extend(chunks[first + 1..].iter().take(MAX_IOV - 1).map(|c| IoSlice::new(c)));
        let mut n = wr.write_vectored(&iov).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while first < chunks.len() && n >= chunks[first].len() - offset {
            n -= chunks[first].len() - offset;
            first += 1;
            offset = 0;
        }
        offset += n;
    }
    Ok(())
}

/// Returns written full-size chunks to the spare list while the connection
/// still has more queued (a busy connection), and frees the rest.
fn recycle(out: &Outbound, batch: &mut Vec<BytesMut>) {
    let mut q = lock(&out.queue);
    if q.len == 0 {
        q.spare.clear();
    } else {
        for mut c in batch.drain(..) {
            if q.spare.len() >= SPARE_CHUNKS {
                break;
            }
            if c.capacity() == CHUNK {
                c.clear();
                q.spare.push(c);
            }
        }
    }
    drop(q);
    batch.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(q: &Queue) -> Vec<u8> {
        q.chunks.iter().flat_map(|c| c.iter().copied()).collect()
    }

    #[test]
    fn messages_append_to_chunks_in_order() {
        let mut q = Queue { chunks: VecDeque::new(), len: 0, spare: Vec::new(), closing: None };
        q.push(&[b"MSG a 1 2\r\n", b"hi", b"\r\n"], 15);
        assert_eq!(q.chunks.len(), 1);
        let big = vec![b'x'; CHUNK + 10];
        q.push(&[&big], big.len());
        q.push(&[b"+OK\r\n"], 5);
        assert_eq!(q.len, 15 + CHUNK + 10 + 5);
        let all = queued(&q);
        assert_eq!(all.len(), q.len);
        assert!(all.starts_with(b"MSG a 1 2\r\nhi\r\n"));
        assert!(all.ends_with(b"x+OK\r\n"));
        // Small writes after a big one share a fresh full-size chunk.
        for _ in 0..100 {
            q.push(&[b"PING\r\n"], 6);
        }
        assert_eq!(q.chunks.len(), 3, "the 64 KiB+ message has its own chunk; later writes share one");
        q.clear();
        assert_eq!((q.len, q.chunks.len()), (0, 0));
    }
}
