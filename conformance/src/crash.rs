//! Crash test for the JetStream file store: publish with acks, `kill -9` the server at a
//! random moment, restart it on the same ports and store, and check that every
//! acknowledged message is still there with its sequence and payload.
//!
//! One server with `sync_interval: always`, one file stream `CRASH` on `crash.>`. Each
//! cycle a publisher (raw protocol, so nothing buffers or replays a publish across a
//! reconnect) keeps a window of publishes in flight and records each pub ack; after a
//! seeded random delay the server is killed, restarted, and the whole stream is read
//! back with a pull consumer and compared with every acknowledged message so far.
//! Unacknowledged messages may or may not have been stored. After each restart a probe
//! publish must be acknowledged with a sequence above every acknowledged one, and the
//! next cycle's acks must not reuse an acknowledged sequence either.
use crate::harness::ServerProc;
use crate::progress::Progress;
use crate::target::{Launch, Target};
use crate::wire::{self, Frame};
use anyhow::{anyhow, bail, Context, Result};
use bytes::{Buf, BytesMut};
use futures::StreamExt;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The server config, below the harness's listen settings.
pub const CONFIG: &str = "jetstream { store_dir: \"{store_dir}\", sync_interval: always }";
/// The stream, created with exactly this request body.
pub const STREAM_CONFIG: &str = r#"{"name":"CRASH","subjects":["crash.>"],"storage":"file"}"#;
const STREAM: &str = "CRASH";

/// How long a restarted server may take until the stream info answers.
const RECOVERY_TIMEOUT: Duration = Duration::from_secs(30);
/// A stream still reported missing this long after the server answers is lost; the
/// oracle restores its streams before it accepts clients.
const MISSING_GRACE: Duration = Duration::from_secs(3);
/// Bound for any single request, connect or read-back batch.
const OP_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound for reading the whole stream back once.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// Messages per pull request when reading back.
const READ_BATCH: usize = 1000;
/// Findings of each kind kept with their details (all are counted).
const KEEP_FINDINGS: usize = 20;

#[derive(Debug, Clone)]
pub struct CrashOptions {
    /// Kill/restart cycles.
    pub kills: usize,
    /// Seed for the kill delays; printed so a run can be repeated.
    pub seed: u64,
    /// Publishes in flight at once.
    pub window: usize,
    /// The kill comes this long after the publisher is connected (uniform, inclusive).
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Keep the server folder (config, log, store) even when nothing was lost.
    pub keep: bool,
    /// Keep the server folder of a run that lost messages or broke (for a run whose
    /// failure is expected, there is nothing to look at).
    pub keep_failed: bool,
    /// Print one line per cycle.
    pub verbose: bool,
    /// Counts kills done, and those across which acknowledged messages were lost or
    /// changed; hidden by default.
    pub progress: Progress,
}

impl Default for CrashOptions {
    fn default() -> Self {
        CrashOptions {
            kills: 20,
            seed: 0,
            window: 16,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(600),
            keep: false,
            keep_failed: true,
            verbose: true,
            progress: Progress::hidden(),
        }
    }
}

/// A seed from the clock, for runs that do not pass one.
pub fn random_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    t.as_secs() ^ u64::from(t.subsec_nanos()) ^ u64::from(std::process::id()) << 32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// An acknowledged message is gone.
    Lost,
    /// An acknowledged sequence holds another subject or payload.
    Changed,
    /// A pub ack reused the sequence of an earlier acknowledged message.
    Reused,
}

/// One broken promise, with what the server had acknowledged.
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: FindingKind,
    /// Restart after which it was seen (0: before the first kill).
    pub after_kill: usize,
    pub seq: u64,
    pub subject: String,
    pub payload: String,
    /// What the stream held at that sequence instead (`Changed`), or the message that
    /// took the sequence (`Reused`).
    pub found: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            FindingKind::Lost => write!(
                f,
                "lost after kill {}: seq {} {:?} on {} is not in the stream",
                self.after_kill, self.seq, self.payload, self.subject
            ),
            FindingKind::Changed => write!(
                f,
                "changed after kill {}: seq {} should be {:?} on {}, is {}",
                self.after_kill,
                self.seq,
                self.payload,
                self.subject,
                self.found.as_deref().unwrap_or("?")
            ),
            FindingKind::Reused => write!(
                f,
                "sequence reused after kill {}: seq {} was acknowledged for {:?} on {}, then again for {}",
                self.after_kill,
                self.seq,
                self.payload,
                self.subject,
                self.found.as_deref().unwrap_or("?")
            ),
        }
    }
}

/// The outcome of a crash run. `ok()` when nothing acknowledged was lost, changed or
/// had its sequence handed out again, and every probe publish was acknowledged.
#[derive(Debug, Default)]
pub struct CrashReport {
    pub target: String,
    pub seed: u64,
    pub kills: usize,
    /// Every message the server acknowledged, probes included.
    pub acknowledged: usize,
    pub lost: usize,
    pub changed: usize,
    pub reused: usize,
    /// Restarts after which the stream itself was gone (its messages count as lost).
    pub streams_missing: usize,
    /// Pub acks that were errors, and publishes that got no answer before a kill.
    pub publish_errors: usize,
    pub unacknowledged: usize,
    /// Restarts after which the stream refused a publish.
    pub failed_probes: Vec<String>,
    /// The first findings of each kind.
    pub findings: Vec<Finding>,
    /// Lost sequences as (kill, first, last) runs, merged while consecutive.
    pub lost_ranges: Vec<(usize, u64, u64)>,
    /// The server folder, when it was kept.
    pub kept_dir: Option<std::path::PathBuf>,
    pub log_tail: String,
}

impl CrashReport {
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.changed == 0 && self.reused == 0 && self.failed_probes.is_empty()
    }

    /// The line to read: `crash: 20 kills, 123456 acknowledged messages, 0 lost`.
    pub fn summary(&self) -> String {
        let mut s =
            format!("crash: {} kills, {} acknowledged messages, {} lost", self.kills, self.acknowledged, self.lost);
        if self.changed > 0 {
            s.push_str(&format!(", {} changed", self.changed));
        }
        if self.reused > 0 {
            s.push_str(&format!(", {} reused sequences", self.reused));
        }
        if self.streams_missing > 0 {
            s.push_str(&format!(", stream missing after {} restarts", self.streams_missing));
        }
        if !self.failed_probes.is_empty() {
            s.push_str(&format!(", {} refused probe publishes", self.failed_probes.len()));
        }
        s
    }

    /// What went wrong, the first few of each kind, for a failing run.
    pub fn details(&self) -> String {
        let mut out = String::new();
        if !self.lost_ranges.is_empty() {
            let shown: Vec<String> = self
                .lost_ranges
                .iter()
                .take(10)
                .map(|(k, a, b)| if a == b { format!("{a} (kill {k})") } else { format!("{a}-{b} (kill {k})") })
                .collect();
            let more = self.lost_ranges.len().saturating_sub(shown.len());
            out.push_str(&format!(
                "  lost sequences: {}{}\n",
                shown.join(", "),
                if more > 0 { format!(" and {more} more runs") } else { String::new() }
            ));
        }
        for kind in [FindingKind::Lost, FindingKind::Changed, FindingKind::Reused] {
            let total = match kind {
                FindingKind::Lost => self.lost,
                FindingKind::Changed => self.changed,
                FindingKind::Reused => self.reused,
            };
            let shown: Vec<&Finding> = self.findings.iter().filter(|f| f.kind == kind).take(10).collect();
            for f in &shown {
                out.push_str(&format!("  {f}\n"));
            }
            if total > shown.len() {
                out.push_str(&format!("  ... and {} more {kind:?}\n", total - shown.len()));
            }
        }
        for p in &self.failed_probes {
            out.push_str(&format!("  {p}\n"));
        }
        out
    }

    fn record(&mut self, finding: Finding) {
        match finding.kind {
            FindingKind::Lost => {
                self.lost += 1;
                match self.lost_ranges.last_mut() {
                    Some((k, _, last)) if *k == finding.after_kill && *last + 1 == finding.seq => *last = finding.seq,
                    _ => self.lost_ranges.push((finding.after_kill, finding.seq, finding.seq)),
                }
            }
            FindingKind::Changed => self.changed += 1,
            FindingKind::Reused => self.reused += 1,
        }
        if self.findings.iter().filter(|f| f.kind == finding.kind).count() < KEEP_FINDINGS {
            self.findings.push(finding);
        }
    }
}

/// An acknowledged message the stream must still hold.
#[derive(Debug, Clone)]
struct Acked {
    subject: String,
    payload: String,
}

/// What the run knows the stream must hold.
#[derive(Default)]
struct Ledger {
    /// Sequence → acknowledged message, minus what was already reported lost or changed.
    expected: BTreeMap<u64, Acked>,
    /// The highest sequence ever acknowledged on this incarnation of the stream; a new
    /// ack at or below it reuses a sequence.
    high: u64,
}

impl Ledger {
    /// Records a pub ack; a sequence at or below the high-water mark is a reuse.
    fn ack(&mut self, report: &mut CrashReport, after_kill: usize, seq: u64, msg: Acked) {
        report.acknowledged += 1;
        if seq <= self.high {
            let (subject, payload) = match self.expected.get(&seq) {
                Some(old) => (old.subject.clone(), old.payload.clone()),
                None => ("?".into(), "(reported before)".into()),
            };
            report.record(Finding {
                kind: FindingKind::Reused,
                after_kill,
                seq,
                subject,
                payload,
                found: Some(format!("{:?} on {}", msg.payload, msg.subject)),
            });
        }
        self.high = self.high.max(seq);
        self.expected.insert(seq, msg);
    }
}

/// Runs the crash test against a target it can start.
pub async fn run(target: &Target, opts: &CrashOptions) -> Result<CrashReport> {
    let Launch::Process { binary, args } = &target.launch else {
        bail!("crash needs a target it can start and kill (not a url: target)");
    };
    if opts.kills == 0 {
        bail!("--kills must be at least 1");
    }
    let root = tempfile::Builder::new()
        .prefix(&format!("nats-conformance-crash-{}-", crate::suite::sanitize(&target.name)))
        .tempdir()?;
    let mut server = ServerProc::new("crash", root.path(), binary, args, CONFIG)?;
    server.ready_line = target.ready_log_line.clone();
    let mut report = CrashReport { target: target.name.clone(), seed: opts.seed, ..Default::default() };
    opts.progress.add_to_plan(opts.kills as u64);
    opts.progress.set_label(format!("filestore crash test on {}", target.name));
    opts.progress.println(format!(
        "crash: target {} ({}), {} kills, seed {}, window {}, kill after {}-{} ms; server folder {}",
        target.name,
        target.version_text,
        opts.kills,
        opts.seed,
        opts.window,
        opts.min_delay.as_millis(),
        opts.max_delay.as_millis(),
        server.dir.display()
    ));
    let outcome = cycles(&mut server, opts, &mut report).await;
    report.log_tail = server.log_tail(20);
    if outcome.is_ok() {
        // Graceful, so a clean shutdown is exercised once too; a server that ignores
        // SIGTERM is killed by stop().
        let _ = tokio::time::timeout(Duration::from_secs(15), server.stop()).await;
    }
    server.kill();
    if opts.keep || (opts.keep_failed && (outcome.is_err() || !report.ok())) {
        report.kept_dir = Some(root.keep());
    }
    match outcome {
        Ok(()) => Ok(report),
        Err(e) => {
            let kept =
                report.kept_dir.as_ref().map(|d| format!("; folder kept at {}", d.display())).unwrap_or_default();
            Err(e.context(format!("crash test against {} (seed {}{kept})", target.name, opts.seed)))
        }
    }
}

async fn cycles(server: &mut ServerProc, opts: &CrashOptions, report: &mut CrashReport) -> Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(opts.seed);
    let mut ledger = Ledger::default();
    server.start().await?;
    {
        let client = connect(server).await?;
        create_stream(&client).await?;
    }
    let mut found_before = 0;
    for kill in 1..=opts.kills {
        // Publish until the server dies under the publisher.
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let publisher =
            tokio::spawn(publish_until_closed(format!("127.0.0.1:{}", server.port), kill, opts.window, ready_tx));
        match tokio::time::timeout(OP_TIMEOUT, ready_rx).await {
            Ok(Ok(())) => {}
            // The publisher gave up before it was ready: its error says why.
            Ok(Err(_)) => match tokio::time::timeout(OP_TIMEOUT, publisher).await {
                Ok(Ok(Err(e))) => return Err(e.context(format!("cycle {kill}: starting the publisher"))),
                other => bail!("cycle {kill}: the publisher stopped before it was ready ({other:?})"),
            },
            Err(_) => {
                publisher.abort();
                bail!("cycle {kill}: the publisher did not connect within {OP_TIMEOUT:?}");
            }
        }
        let min = opts.min_delay.as_millis() as u64;
        let max = (opts.max_delay.as_millis() as u64).max(min);
        let delay = Duration::from_millis(rng.random_range(min..=max));
        tokio::time::sleep(delay).await;
        server.kill();
        let mut publisher = publisher;
        let run = match tokio::time::timeout(OP_TIMEOUT, &mut publisher).await {
            Ok(joined) => joined.context("publisher task")??,
            Err(_) => {
                publisher.abort();
                bail!("cycle {kill}: the publisher did not notice the kill within {OP_TIMEOUT:?}");
            }
        };
        let acked_now = run.acks.len();
        report.publish_errors += run.errors.len();
        report.unacknowledged += run.unanswered;
        // Sorted, so the reuse check does not depend on the order acks arrived in.
        let mut acks = run.acks;
        acks.sort_unstable();
        for (seq, n) in acks {
            ledger.ack(
                report,
                kill - 1,
                seq,
                Acked { subject: format!("crash.{kill}"), payload: format!("{kill}-{n}") },
            );
        }
        report.kills = kill;

        // Restart on the same ports and store, and check what survived.
        let restarted = Instant::now();
        server.start().await.with_context(|| format!("restart after kill {kill}"))?;
        let client = connect(server).await?;
        let expected_before = ledger.expected.len();
        let verified = match wait_stream_info(&client).await? {
            StreamState::Missing => {
                report.streams_missing += 1;
                for (seq, m) in std::mem::take(&mut ledger.expected) {
                    report.record(Finding {
                        kind: FindingKind::Lost,
                        after_kill: kill,
                        seq,
                        subject: m.subject,
                        payload: m.payload,
                        found: None,
                    });
                }
                opts.progress.println(format!(
                    "crash: kill {kill}: stream {STREAM} is gone after the restart; creating it again"
                ));
                // A new stream starts its sequences over; only acks on it count from here.
                ledger.high = 0;
                create_stream(&client).await?;
                0
            }
            StreamState::Present { last_seq } => {
                let stored = read_stream(&client, last_seq).await.with_context(|| format!("after kill {kill}"))?;
                check(&mut ledger, &stored, kill, report);
                stored.len()
            }
        };
        let recovered_in = restarted.elapsed();

        // The stream must take new messages, above every acknowledged sequence.
        let probe = Acked { subject: format!("crash.{kill}"), payload: format!("{kill}-probe") };
        match publish_one(&client, &probe).await {
            Ok(seq) => ledger.ack(report, kill, seq, probe),
            Err(e) => report.failed_probes.push(format!("probe publish after kill {kill} refused: {e:#}")),
        }
        drop(client);
        // A kill "failed" when acknowledged messages were lost or changed across it.
        let found_now = report.lost + report.changed;
        opts.progress.advance(found_now > found_before);
        found_before = found_now;
        if opts.verbose {
            opts.progress.println(format!(
                "crash: kill {kill}/{} after {} ms: {acked_now} acknowledged ({} unanswered); restarted and checked {expected_before} against {verified} stored in {} ms; {} lost so far",
                opts.kills,
                delay.as_millis(),
                run.unanswered,
                recovered_in.as_millis(),
                report.lost + report.changed
            ));
        }
    }
    Ok(())
}

/// Compares the stream with the ledger; lost and changed messages are reported once and
/// leave the ledger.
fn check(ledger: &mut Ledger, stored: &HashMap<u64, (String, bytes::Bytes)>, kill: usize, report: &mut CrashReport) {
    let mut gone = Vec::new();
    for (seq, m) in &ledger.expected {
        let kind = match stored.get(seq) {
            None => Some((FindingKind::Lost, None)),
            Some((subject, payload)) if subject != &m.subject || payload.as_ref() != m.payload.as_bytes() => {
                Some((FindingKind::Changed, Some(format!("{:?} on {subject}", String::from_utf8_lossy(payload)))))
            }
            Some(_) => None,
        };
        if let Some((kind, found)) = kind {
            report.record(Finding {
                kind,
                after_kill: kill,
                seq: *seq,
                subject: m.subject.clone(),
                payload: m.payload.clone(),
                found,
            });
            gone.push(*seq);
        }
    }
    for seq in gone {
        ledger.expected.remove(&seq);
    }
}

async fn connect(server: &ServerProc) -> Result<async_nats::Client> {
    let url = server.client_url();
    let opts = async_nats::ConnectOptions::new().connection_timeout(OP_TIMEOUT).request_timeout(Some(OP_TIMEOUT));
    tokio::time::timeout(OP_TIMEOUT, opts.connect(&url))
        .await
        .map_err(|_| anyhow!("connecting to {url} timed out"))?
        .with_context(|| format!("connecting to {url}"))
}

/// A JSON API request with a bounded wait.
async fn api(client: &async_nats::Client, subject: &str, body: &str, timeout: Duration) -> Result<serde_json::Value> {
    let reply = tokio::time::timeout(timeout, client.request(subject.to_string(), body.to_string().into()))
        .await
        .map_err(|_| anyhow!("{subject}: no reply within {timeout:?}"))?
        .with_context(|| subject.to_string())?;
    serde_json::from_slice(&reply.payload)
        .with_context(|| format!("{subject}: reply is not JSON: {}", String::from_utf8_lossy(&reply.payload)))
}

async fn create_stream(client: &async_nats::Client) -> Result<()> {
    let reply = api(client, &format!("$JS.API.STREAM.CREATE.{STREAM}"), STREAM_CONFIG, OP_TIMEOUT).await?;
    if let Some(err) = reply.get("error") {
        bail!("creating stream {STREAM}: {err}");
    }
    Ok(())
}

enum StreamState {
    Present { last_seq: u64 },
    Missing,
}

/// Polls the stream info until it answers; a stream reported missing for
/// `MISSING_GRACE` is gone.
async fn wait_stream_info(client: &async_nats::Client) -> Result<StreamState> {
    let start = Instant::now();
    let mut first_missing: Option<Instant> = None;
    loop {
        let last = match api(client, &format!("$JS.API.STREAM.INFO.{STREAM}"), "", Duration::from_secs(2)).await {
            Ok(reply) => match reply.get("error") {
                None => {
                    let last_seq = reply
                        .pointer("/state/last_seq")
                        .and_then(|v| v.as_u64())
                        .ok_or_else(|| anyhow!("stream info has no state.last_seq: {reply}"))?;
                    return Ok(StreamState::Present { last_seq });
                }
                Some(err) if err.get("err_code").and_then(|c| c.as_u64()) == Some(10059) => {
                    let since = *first_missing.get_or_insert_with(Instant::now);
                    if since.elapsed() >= MISSING_GRACE {
                        return Ok(StreamState::Missing);
                    }
                    format!("error {err}")
                }
                Some(err) => format!("error {err}"),
            },
            Err(e) => format!("{e:#}"),
        };
        if start.elapsed() >= RECOVERY_TIMEOUT {
            bail!("stream info did not answer within {RECOVERY_TIMEOUT:?} after the restart (last: {last})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads the whole stream with an ephemeral pull consumer: sequence → (subject, payload).
async fn read_stream(client: &async_nats::Client, last_seq: u64) -> Result<HashMap<u64, (String, bytes::Bytes)>> {
    use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
    let mut out = HashMap::new();
    if last_seq == 0 {
        return Ok(out);
    }
    let js = async_nats::jetstream::new(client.clone());
    let stream = js.get_stream_no_info(STREAM).await?;
    let mut consumer = tokio::time::timeout(
        OP_TIMEOUT,
        stream.create_consumer(pull::Config {
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::None,
            inactive_threshold: Duration::from_secs(60),
            ..Default::default()
        }),
    )
    .await
    .map_err(|_| anyhow!("creating a consumer on {STREAM} timed out"))?
    .context("creating a consumer to read the stream back")?;
    let name = consumer.cached_info().name.clone();
    let deadline = Instant::now() + READ_TIMEOUT;
    let mut empty_batches = 0;
    'read: loop {
        if Instant::now() >= deadline {
            bail!("reading {STREAM} back took over {READ_TIMEOUT:?} ({} messages read)", out.len());
        }
        let mut batch = tokio::time::timeout(OP_TIMEOUT, consumer.fetch().max_messages(READ_BATCH).messages())
            .await
            .map_err(|_| anyhow!("pull request timed out"))?
            .map_err(|e| anyhow!("pull request: {e}"))?;
        let mut got = 0;
        loop {
            let next = tokio::time::timeout(OP_TIMEOUT, batch.next())
                .await
                .map_err(|_| anyhow!("pull batch stalled after {} messages", out.len()))?;
            let Some(m) = next else { break };
            let m = m.map_err(|e| anyhow!("reading {STREAM} back: {e}"))?;
            let info = m.info().map_err(|e| anyhow!("message without JetStream metadata: {e}"))?;
            let (sseq, pending) = (info.stream_sequence, info.pending);
            got += 1;
            out.insert(sseq, (m.subject.to_string(), m.payload.clone()));
            if pending == 0 || sseq >= last_seq {
                break 'read;
            }
        }
        if got == 0 {
            empty_batches += 1;
            let info = consumer.info().await.map_err(|e| anyhow!("consumer info: {e}"))?;
            if info.num_pending == 0 {
                break;
            }
            if empty_batches >= 20 {
                bail!(
                    "reading {STREAM} back stalled after {} messages with {} pending (last_seq {last_seq})",
                    out.len(),
                    info.num_pending
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        } else {
            empty_batches = 0;
        }
    }
    let _ = tokio::time::timeout(OP_TIMEOUT, stream.delete_consumer(&name)).await;
    Ok(out)
}

/// One publish with its ack; the acknowledged sequence.
async fn publish_one(client: &async_nats::Client, msg: &Acked) -> Result<u64> {
    let reply = tokio::time::timeout(OP_TIMEOUT, client.request(msg.subject.clone(), msg.payload.clone().into()))
        .await
        .map_err(|_| anyhow!("no pub ack within {OP_TIMEOUT:?}"))??;
    parse_ack(&reply.payload).map_err(|e| anyhow!(e))
}

/// A pub ack's sequence, or the error it carries.
fn parse_ack(payload: &[u8]) -> std::result::Result<u64, String> {
    let v: serde_json::Value =
        serde_json::from_slice(payload).map_err(|_| format!("not a pub ack: {}", String::from_utf8_lossy(payload)))?;
    if let Some(err) = v.get("error") {
        return Err(format!("pub ack error {err}"));
    }
    if v.get("stream").and_then(|s| s.as_str()) != Some(STREAM) {
        return Err(format!("pub ack from another stream: {v}"));
    }
    v.get("seq").and_then(|s| s.as_u64()).ok_or_else(|| format!("pub ack without seq: {v}"))
}

/// What one publisher saw before its server died.
#[derive(Debug, Default)]
struct PublisherRun {
    /// (stream sequence, message number) per pub ack, in arrival order.
    acks: Vec<(u64, u64)>,
    errors: Vec<String>,
    /// Published, with no answer before the connection closed.
    unanswered: usize,
}

/// The publisher's side of the answers: which message numbers await their pub ack, and
/// what came back so far.
struct Answers {
    /// Replies arrive on `<inbox>.<message number>`.
    inbox: String,
    in_flight: std::collections::HashSet<u64>,
    run: PublisherRun,
}

impl Answers {
    /// Takes one frame from the server; a PING is answered through `wbuf`.
    fn take(&mut self, frame: Frame<'_>, wbuf: &mut Vec<u8>) {
        match frame {
            Frame::Msg(m) => {
                let Some(n) = m.subject.strip_prefix(&self.inbox).and_then(|n| n.strip_prefix('.')) else {
                    return;
                };
                let Ok(n) = n.parse::<u64>() else {
                    return;
                };
                if !self.in_flight.remove(&n) {
                    self.run.errors.push(format!("a second answer for message {n}"));
                    return;
                }
                if let Some(st) = m.status() {
                    self.run.errors.push(format!("message {n}: status {st}"));
                    return;
                }
                match parse_ack(m.payload()) {
                    Ok(seq) => self.run.acks.push((seq, n)),
                    Err(e) => self.run.errors.push(format!("message {n}: {e}")),
                }
            }
            Frame::Ping => wbuf.extend_from_slice(b"PONG\r\n"),
            Frame::Err(e) => self.run.errors.push(format!("-ERR {e}")),
            Frame::Info(_) | Frame::Pong | Frame::Ok => {}
        }
    }
}

/// Publishes `crash.<cycle>` messages `<cycle>-<n>` over the raw protocol with `window`
/// pub acks outstanding, until the connection breaks. Raw, so that no client library
/// buffers publishes across the kill and replays them to the restarted server.
async fn publish_until_closed(
    addr: String,
    cycle: usize,
    window: usize,
    ready: tokio::sync::oneshot::Sender<()>,
) -> Result<PublisherRun> {
    let mut s = tokio::time::timeout(OP_TIMEOUT, TcpStream::connect(&addr))
        .await
        .map_err(|_| anyhow!("connect {addr} timed out"))??;
    s.set_nodelay(true)?;
    let inbox = format!("_INBOX.crash.{cycle}");
    s.write_all(
        format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"protocol\":1}}\r\nSUB {inbox}.* 1\r\nPING\r\n"
        )
        .as_bytes(),
    )
    .await?;
    let mut rbuf = BytesMut::with_capacity(64 * 1024);
    // Up to the PONG: the subscription is in place.
    let handshake = async {
        loop {
            while let Some((frame, used)) = wire::parse(&rbuf)? {
                match frame {
                    Frame::Pong => {
                        rbuf.advance(used);
                        return Ok(());
                    }
                    Frame::Err(e) => bail!("{addr} refused the publisher: {e}"),
                    _ => rbuf.advance(used),
                }
            }
            if wire::fill(&mut s, &mut rbuf, 64 * 1024).await? == 0 {
                bail!("{addr} closed the connection during the handshake");
            }
        }
    };
    tokio::time::timeout(OP_TIMEOUT, handshake).await.map_err(|_| anyhow!("no PONG from {addr}"))??;
    let _ = ready.send(());
    let mut answers = Answers { inbox, in_flight: Default::default(), run: PublisherRun::default() };
    let mut next: u64 = 0;
    let mut wbuf = Vec::with_capacity(4096);
    'publish: loop {
        while answers.in_flight.len() < window.max(1) {
            let payload = format!("{cycle}-{next}");
            wbuf.extend_from_slice(
                format!("PUB crash.{cycle} {}.{next} {}\r\n{payload}\r\n", answers.inbox, payload.len()).as_bytes(),
            );
            answers.in_flight.insert(next);
            next += 1;
        }
        if !wbuf.is_empty() {
            if s.write_all(&wbuf).await.is_err() {
                break;
            }
            wbuf.clear();
        }
        // Every whole frame buffered, reading until there is at least one. The server is
        // killed sooner or later; the read then ends.
        let mut took = false;
        loop {
            match wire::parse(&rbuf) {
                Ok(Some((frame, used))) => {
                    answers.take(frame, &mut wbuf);
                    rbuf.advance(used);
                    took = true;
                }
                Ok(None) if took => break,
                Ok(None) => match wire::fill(&mut s, &mut rbuf, 64 * 1024).await {
                    Ok(n) if n > 0 => {}
                    _ => break 'publish,
                },
                Err(_) => break 'publish,
            }
        }
    }
    let mut run = answers.run;
    run.unanswered = answers.in_flight.len();
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_acks_errors_or_statuses() {
        let wire_bytes = b"PING\r\nMSG _INBOX.crash.1.7 1 27\r\n{\"stream\":\"CRASH\",\"seq\":42}\r\n\
HMSG _INBOX.crash.1.8 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\nMSG _INBOX.crash.1.7 1 2\r\n{}\r\nMSG other 1 0\r\n\r\n";
        let mut answers =
            Answers { inbox: "_INBOX.crash.1".into(), in_flight: [7, 8, 9].into(), run: PublisherRun::default() };
        let mut buf = &wire_bytes[..];
        let mut wbuf = Vec::new();
        while let Some((frame, used)) = wire::parse(buf).unwrap() {
            answers.take(frame, &mut wbuf);
            buf = &buf[used..];
        }
        assert!(buf.is_empty());
        assert_eq!(wbuf, b"PONG\r\n");
        assert_eq!(answers.run.acks, [(42, 7)]);
        assert_eq!(answers.run.errors, ["message 8: status 503", "a second answer for message 7"]);
        assert_eq!(answers.in_flight, [9].into());
    }

    #[test]
    fn ack_errors_are_not_acks() {
        assert!(parse_ack(br#"{"error":{"code":503,"description":"x"}}"#).is_err());
        assert!(parse_ack(br#"{"stream":"OTHER","seq":1}"#).is_err());
        assert!(parse_ack(b"nope").is_err());
    }

    #[test]
    fn lost_changed_and_reused_are_reported_once() {
        let mut report = CrashReport::default();
        let mut ledger = Ledger::default();
        let m = |p: &str| Acked { subject: "crash.1".into(), payload: p.into() };
        ledger.ack(&mut report, 0, 1, m("1-0"));
        ledger.ack(&mut report, 0, 2, m("1-1"));
        ledger.ack(&mut report, 0, 3, m("1-2"));
        let mut stored = HashMap::new();
        stored.insert(1, ("crash.1".to_string(), bytes::Bytes::from_static(b"1-0")));
        stored.insert(2, ("crash.1".to_string(), bytes::Bytes::from_static(b"other")));
        check(&mut ledger, &stored, 1, &mut report);
        assert_eq!((report.lost, report.changed, report.reused), (1, 1, 0));
        // Already reported: a second check does not count them again.
        check(&mut ledger, &stored, 2, &mut report);
        assert_eq!((report.lost, report.changed), (1, 1));
        // The server hands out sequence 3 again.
        ledger.ack(&mut report, 2, 3, m("2-0"));
        assert_eq!(report.reused, 1);
        assert!(!report.ok());
        assert_eq!(report.acknowledged, 4);
        assert!(
            report.summary().starts_with("crash: 0 kills, 4 acknowledged messages, 1 lost"),
            "{}",
            report.summary()
        );
        assert!(report.details().contains("seq 3"), "{}", report.details());
        assert!(report.details().contains("lost sequences: 3 (kill 1)"), "{}", report.details());
    }
}
