//! How far a long run has got (the suite, the bench, the crash test): a live bar on
//! stderr when stderr is a terminal, plain `progress:` lines every few seconds when it
//! is not (CI, pipes), and nothing at all for a hidden one (the library's default).
//!
//! Whatever a run prints on stdout while a bar is drawn goes through [`Progress::println`]
//! (or the [`AboveProgress`] writer), so the bar is lifted first and drawn again below.
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often the plain form prints a line.
pub const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// A shared handle: clones report into the same display.
#[derive(Clone)]
pub struct Progress(Arc<Shared>);

struct Shared {
    /// What is counted: `scenarios`, `kills`, `groups`.
    unit: &'static str,
    display: Display,
    state: Mutex<State>,
    started: Instant,
    finished: AtomicBool,
}

enum Display {
    Bar(ProgressBar),
    Plain,
    Hidden,
}

/// The counters, also what a plain line is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub done: u64,
    pub total: u64,
    pub failed: u64,
    /// What runs now, e.g. `jetstream on rnats`.
    pub label: String,
    /// The caller fixed the total for the whole run; parts no longer add to it.
    fixed: bool,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.0.display {
            Display::Bar(_) => "bar",
            Display::Plain => "plain",
            Display::Hidden => "hidden",
        };
        f.debug_struct("Progress").field("display", &kind).field("unit", &self.0.unit).finish()
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::hidden()
    }
}

impl Progress {
    /// Counts without showing anything.
    pub fn hidden() -> Progress {
        Progress::with_display("items", Display::Hidden)
    }

    /// A bar when stderr is a terminal, else plain lines every [`PLAIN_EVERY`].
    pub fn on_stderr(unit: &'static str) -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::bar(unit)
        } else {
            Progress::plain(unit, PLAIN_EVERY)
        }
    }

    /// The live bar, redrawn on stderr.
    pub fn bar(unit: &'static str) -> Progress {
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} [{{bar:24}}] {{pos}}/{{len}} {unit} · {{msg}} · {{took}} elapsed, {{left}} left"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉▊▋▌▍▎▏ ")
        .with_key("took", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&short_duration(s.elapsed()));
        })
        .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&time_left(s.elapsed(), s.pos(), s.len().unwrap_or(0)));
        });
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress::with_display(unit, Display::Bar(bar))
    }

    /// Plain `progress:` lines on stderr, one every `every` (and one when finished).
    pub fn plain(unit: &'static str, every: Duration) -> Progress {
        let p = Progress::with_display(unit, Display::Plain);
        let weak = Arc::downgrade(&p.0);
        let _ = std::thread::Builder::new().name("progress".into()).spawn(move || plain_ticker(weak, every));
        p
    }

    fn with_display(unit: &'static str, display: Display) -> Progress {
        let p = Progress(Arc::new(Shared {
            unit,
            display,
            state: Mutex::new(State::default()),
            started: Instant::now(),
            finished: AtomicBool::new(false),
        }));
        p.redraw();
        p
    }

    /// Whether anything is shown (a bar or plain lines).
    pub fn is_shown(&self) -> bool {
        !matches!(self.0.display, Display::Hidden)
    }

    /// The whole run's total, known up front (e.g. every target of a report).
    pub fn fix_total(&self, total: u64) {
        self.update(|s| {
            s.total = total;
            s.fixed = true;
        });
    }

    /// Adds one part's count to the total, unless the caller fixed the total already.
    pub fn add_to_plan(&self, n: u64) {
        self.update(|s| {
            if !s.fixed {
                s.total += n;
            }
        });
    }

    /// What runs now, e.g. `jetstream on rnats`.
    pub fn set_label(&self, label: impl Into<String>) {
        let label = label.into();
        self.update(|s| s.label = label);
    }

    /// One more done; `failed` when it broke its expectations.
    pub fn advance(&self, failed: bool) {
        self.advance_by(1, u64::from(failed));
    }

    /// `n` more done, `failed` of them failed.
    pub fn advance_by(&self, n: u64, failed: u64) {
        self.update(|s| {
            s.done += n;
            s.failed += failed;
            // A part that ran more than it planned must not show 130/120.
            s.total = s.total.max(s.done);
        });
    }

    /// A copy of the counters.
    pub fn state(&self) -> State {
        self.0.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The plain line for the current state.
    pub fn line(&self) -> String {
        plain_line(&self.state(), self.0.unit, self.0.started.elapsed())
    }

    /// Prints a line on stdout above the bar.
    pub fn println(&self, line: impl AsRef<str>) {
        let line = line.as_ref();
        self.suspend(|| println!("{line}"));
    }

    /// Prints a line on stderr above the bar.
    pub fn eprintln(&self, line: impl AsRef<str>) {
        let line = line.as_ref();
        self.suspend(|| eprintln!("{line}"));
    }

    /// Runs `f` with the bar lifted off the terminal, for output of its own.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0.display {
            Display::Bar(bar) if !self.0.finished.load(Ordering::Relaxed) => bar.suspend(f),
            _ => f(),
        }
    }

    /// Ends the display: the bar is cleared, the plain form prints its last line. The
    /// counters stay readable.
    pub fn finish(&self) {
        if self.0.finished.swap(true, Ordering::Relaxed) {
            return;
        }
        match &self.0.display {
            Display::Bar(bar) => bar.finish_and_clear(),
            Display::Plain => eprintln!("{}", self.line()),
            Display::Hidden => {}
        }
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut s) = self.0.state.lock() {
            f(&mut s);
        }
        self.redraw();
    }

    fn redraw(&self) {
        let Display::Bar(bar) = &self.0.display else { return };
        let s = self.state();
        bar.set_length(s.total);
        bar.set_position(s.done);
        let mut msg = format!("{} failed", s.failed);
        if !s.label.is_empty() {
            let _ = write!(msg, " · {}", s.label);
        }
        bar.set_message(msg);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}

fn plain_ticker(shared: Weak<Shared>, every: Duration) {
    let mut last = Instant::now();
    loop {
        std::thread::sleep(every.min(Duration::from_millis(500)));
        let Some(shared) = shared.upgrade() else { return };
        if shared.finished.load(Ordering::Relaxed) {
            return;
        }
        if last.elapsed() >= every {
            last = Instant::now();
            let state = shared.state.lock().map(|s| s.clone()).unwrap_or_default();
            eprintln!("{}", plain_line(&state, shared.unit, shared.started.elapsed()));
        }
    }
}

/// `progress: 120/1210 scenarios, 0 failed, jetstream on rnats, 1m20s elapsed, ~9m05s left`
pub fn plain_line(s: &State, unit: &str, elapsed: Duration) -> String {
    let mut line = format!("progress: {}/{} {unit}, {} failed", s.done, s.total, s.failed);
    if !s.label.is_empty() {
        let _ = write!(line, ", {}", s.label);
    }
    let _ = write!(line, ", {} elapsed", short_duration(elapsed));
    if s.done < s.total {
        let _ = write!(line, ", {} left", time_left(elapsed, s.done, s.total));
    }
    line
}

/// The time left at the pace so far: `~2m10s`, or `?` before anything is done.
pub fn time_left(elapsed: Duration, done: u64, total: u64) -> String {
    if done == 0 {
        return "?".into();
    }
    let left = elapsed.as_secs_f64() * total.saturating_sub(done) as f64 / done as f64;
    format!("~{}", short_duration(Duration::from_secs_f64(left)))
}

/// `42s`, `1m20s`, `1h05m`.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    }
}

/// Stdout, written above the bar a whole line at a time (a line written in pieces would
/// have the bar drawn in its middle): for cucumber's step-by-step output under `-v`.
pub struct AboveProgress {
    progress: Progress,
    pending: Vec<u8>,
}

impl AboveProgress {
    pub fn new(progress: Progress) -> AboveProgress {
        AboveProgress { progress, pending: Vec::new() }
    }

    fn write_out(&mut self, upto: usize) -> std::io::Result<()> {
        let lines: Vec<u8> = self.pending.drain(..upto).collect();
        self.progress.suspend(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(&lines)?;
            out.flush()
        })
    }
}

impl Write for AboveProgress {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.write_out(last + 1)?;
        }
        Ok(buf.len())
    }

    /// Keeps an unfinished line for later: the bar would be drawn after it.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for AboveProgress {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.pending.push(b'\n');
            let _ = self.write_out(self.pending.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(Duration::from_secs(42)), "42s");
        assert_eq!(short_duration(Duration::from_secs(80)), "1m20s");
        assert_eq!(short_duration(Duration::from_secs(3900)), "1h05m");
    }

    #[test]
    fn time_left_follows_the_pace() {
        assert_eq!(time_left(Duration::from_secs(10), 0, 100), "?");
        assert_eq!(time_left(Duration::from_secs(80), 120, 1210), "~12m06s");
        assert_eq!(time_left(Duration::from_secs(80), 10, 10), "~0s");
    }

    #[test]
    fn the_plain_line_says_where_the_run_is() {
        let s = State { done: 120, total: 1210, failed: 0, label: "jetstream on rnats".into(), fixed: true };
        assert_eq!(
            plain_line(&s, "scenarios", Duration::from_secs(80)),
            "progress: 120/1210 scenarios, 0 failed, jetstream on rnats, 1m20s elapsed, ~12m06s left"
        );
        let done = State { done: 3, total: 3, failed: 1, ..Default::default() };
        assert_eq!(plain_line(&done, "kills", Duration::from_secs(5)), "progress: 3/3 kills, 1 failed, 5s elapsed");
    }

    #[test]
    fn parts_add_to_the_plan_unless_it_is_fixed() {
        let p = Progress::hidden();
        p.add_to_plan(10);
        p.add_to_plan(5);
        assert_eq!(p.state().total, 15);
        p.fix_total(40);
        p.add_to_plan(10);
        assert_eq!(p.state().total, 40);
        p.advance(true);
        p.advance(false);
        p.advance_by(3, 1);
        let s = p.state();
        assert_eq!((s.done, s.failed), (5, 2));
        p.advance_by(50, 0);
        assert_eq!(p.state().total, 55);
        assert!(!p.is_shown());
    }
}
