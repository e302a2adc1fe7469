//! The outbound side of a connection: a byte queue that any publisher, on any
//! thread, appends protocol to, and the writer task that drains it to the
//! socket (Go's `queueOutbound`, `flushOutbound` and `writeLoop` in
//! `server/client.go`).
//!
//! The queue is a list of chunks, as Go's is: a message is copied into the
//! last chunk when it fits and into a new [`CHUNK`]-byte one when it does
//! not, so a queue that grows while the socket is slow never reallocates and
//! copies what it already holds; a payload of [`SHARE_MIN`] bytes or more is
//! not copied at all but queued as a reference to the message's own buffer.
//! The writer takes every chunk at once, writes them with vectored writes and
//! gives the emptied chunks back to a process-wide pool (at most
//! [`POOL_MAX`] kept), so a busy connection reuses warm buffers and an idle
//! one holds none.
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

use bytes::{Bytes, BytesMut};
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
/// Payloads this big are queued by reference instead of copied.
const SHARE_MIN: usize = 16 * 1024;
/// Emptied chunks kept for reuse, across all connections.
const POOL_MAX: usize = 64;
/// Chunks handed to one vectored write.
const MAX_IOV: usize = 64;

/// Emptied full-size chunks, shared by every connection.
static POOL: Mutex<Vec<BytesMut>> = Mutex::new(Vec::new());

fn take_chunk() -> BytesMut {
    lock(&POOL).pop().unwrap_or_else(|| BytesMut::with_capacity(CHUNK))
}

/// Gives written chunks back to the pool; shared payloads and odd sizes are
/// dropped.
fn give_back(batch: &mut Vec<Chunk>) {
    let mut pool = lock(&POOL);
    for c in batch.drain(..) {
        if let Chunk::Copied(mut b) = c {
            if b.capacity() == CHUNK && pool.len() < POOL_MAX {
                b.clear();
                pool.push(b);
            }
        }
    }
}

/// One piece of the queue: bytes copied into a buffer of ours, or a
/// message's payload referenced where it already is.
enum Chunk {
    Copied(BytesMut),
    Shared(Bytes),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Copied(b) => b,
            Chunk::Shared(b) => b,
        }
    }
}

struct Queue {
    chunks: VecDeque<Chunk>,
    /// Bytes queued in `chunks`.
    len: usize,
    closing: Option<Closing>,
}

impl Queue {
    /// Copies `parts` (one protocol unit, kept in one chunk when it fits).
    fn copy(&mut self, parts: &[&[u8]]) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let room = match self.chunks.back() {
            Some(Chunk::Copied(c)) => c.capacity() - c.len(),
            _ => 0,
        };
        if room < total {
            let chunk = if total <= CHUNK { take_chunk() } else { BytesMut::with_capacity(total) };
            self.chunks.push_back(Chunk::Copied(chunk));
        }
        let Some(Chunk::Copied(last)) = self.chunks.back_mut() else { unreachable!("a copied chunk was just ensured") };
        for p in parts {
            last.extend_from_slice(p);
        }
        self.len += total;
    }

    /// Queues a payload by reference.
    fn share(&mut self, body: Bytes) {
        self.len += body.len();
        self.chunks.push_back(Chunk::Shared(body));
    }

    fn clear(&mut self) {
        let mut all: Vec<Chunk> = self.chunks.drain(..).collect();
        give_back(&mut all);
        self.len = 0;
    }
}

/// What one message adds to the queue: a protocol line, a payload, and the
/// closing CRLF.
pub(crate) struct MsgParts<'a> {
    pub(crate) line: &'a [u8],
    pub(crate) body: &'a Bytes,
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
            queue: Mutex::new(Queue { chunks: VecDeque::new(), len: 0, closing: None }),
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
        self.enqueue_with(total, |q| q.copy(parts))
    }

    /// Appends one `MSG`/`HMSG`: its line, payload and CRLF, the payload by
    /// reference when it is big (see the module docs).
    pub(crate) fn enqueue_msg(&self, m: MsgParts<'_>) -> Queued {
        let total = m.line.len() + m.body.len() + 2;
        self.enqueue_with(total, |q| {
            if m.body.len() >= SHARE_MIN {
                q.copy(&[m.line]);
                q.share(m.body.clone());
                q.copy(&[b"\r\n"]);
            } else {
                q.copy(&[m.line, m.body, b"\r\n"]);
            }
        })
    }

    fn enqueue_with(&self, total: usize, push: impl FnOnce(&mut Queue)) -> Queued {
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
        push(&mut q);
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
    let mut batch: Vec<Chunk> = Vec::new();
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
                give_back(&mut batch);
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
async fn write_chunks(wr: &mut OwnedWriteHalf, chunks: &[Chunk]) -> std::io::Result<()> {
    let (mut first, mut offset) = (0, 0);
    while first < chunks.len() {
        let mut iov: Vec<IoSlice<'_>> = Vec::with_capacity(MAX_IOV.min(chunks.len() - first));
        iov.push(IoSlice::new(&chunks[first].bytes()[offset..]));
        iov.extend(chunks[first + 1..].iter().take(MAX_IOV - 1).map(|c| IoSlice::new(c.bytes())));
        let mut n = wr.write_vectored(&iov).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while first < chunks.len() && n >= chunks[first].bytes().len() - offset {
            n -= chunks[first].bytes().len() - offset;
            first += 1;
            offset = 0;
        }
        offset += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> Queue {
        Queue { chunks: VecDeque::new(), len: 0, closing: None }
    }

    fn queued(q: &Queue) -> Vec<u8> {
        q.chunks.iter().flat_map(|c| c.bytes().iter().copied()).collect()
    }

    #[test]
    fn units_append_to_chunks_in_order() {
        let mut q = queue();
        q.copy(&[b"MSG a 1 2\r\n", b"hi", b"\r\n"]);
        assert_eq!(q.chunks.len(), 1);
        let big = vec![b'x'; CHUNK + 10];
        q.copy(&[&big]);
        q.copy(&[b"+OK\r\n"]);
        assert_eq!(q.len, 15 + CHUNK + 10 + 5);
        let all = queued(&q);
        assert_eq!(all.len(), q.len);
        assert!(all.starts_with(b"MSG a 1 2\r\nhi\r\n"));
        assert!(all.ends_with(b"x+OK\r\n"));
        for _ in 0..100 {
            q.copy(&[b"PING\r\n"]);
        }
        assert_eq!(q.chunks.len(), 3, "the oversized unit has its own chunk; later units share one");
        q.clear();
        assert_eq!((q.len, q.chunks.len()), (0, 0));
    }

    #[test]
    fn big_payloads_are_shared_not_copied() {
        let mut q = queue();
        q.copy(&[b"MSG a 1 20000\r\n"]);
        let body = Bytes::from(vec![b'y'; 20_000]);
        q.share(body.clone());
        q.copy(&[b"\r\n"]);
        q.copy(&[b"PING\r\n"]);
        assert!(matches!(&q.chunks[1], Chunk::Shared(b) if b.as_ptr() == body.as_ptr()), "no copy of the payload");
        let all = queued(&q);
        assert_eq!(all.len(), q.len);
        assert!(all.ends_with(b"yy\r\nPING\r\n"));
        assert_eq!(q.chunks.len(), 3, "the CRLF and later units go in one chunk after the payload");
    }
}
