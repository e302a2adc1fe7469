//! Server logging in Go's format: `[pid] 2006/01/02 15:04:05.000000 [INF] text` on
//! stderr (Go's `server/log.go` and the `logger` package with `logtime` on).
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

static DEBUG: AtomicBool = AtomicBool::new(false);
static TRACE: AtomicBool = AtomicBool::new(false);
static LOGTIME: AtomicBool = AtomicBool::new(true);
/// Where lines go when `log_file` is set; stderr otherwise.
static FILE: std::sync::Mutex<Option<std::fs::File>> = std::sync::Mutex::new(None);

/// Sends log lines to `path` (appending), as Go's `log_file` option does.
pub fn set_file(path: &std::path::Path) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    *FILE.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
    Ok(())
}

/// Sets which optional levels are printed (`-D`, `-V`) and whether lines carry a time.
pub fn configure(debug: bool, trace: bool, logtime: bool) {
    DEBUG.store(debug, Ordering::Relaxed);
    TRACE.store(trace, Ordering::Relaxed);
    LOGTIME.store(logtime, Ordering::Relaxed);
}

pub fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

pub fn trace_enabled() -> bool {
    TRACE.load(Ordering::Relaxed)
}

/// Writes one log line with the given level label (`INF`, `ERR`, ...).
pub fn log(level: &str, msg: std::fmt::Arguments<'_>) {
    let line = if LOGTIME.load(Ordering::Relaxed) {
        format!("[{}] {} [{level}] {msg}\n", std::process::id(), crate::gotime::log_timestamp(SystemTime::now()))
    } else {
        format!("[{}] [{level}] {msg}\n", std::process::id())
    };
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    match file.as_mut() {
        Some(f) => {
            let _ = f.write_all(line.as_bytes());
        }
        None => {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}

#[macro_export]
macro_rules! info {
    ($($t:tt)*) => { $crate::log::log("INF", format_args!($($t)*)) };
}
#[macro_export]
macro_rules! warn {
    ($($t:tt)*) => { $crate::log::log("WRN", format_args!($($t)*)) };
}
#[macro_export]
macro_rules! error {
    ($($t:tt)*) => { $crate::log::log("ERR", format_args!($($t)*)) };
}
#[macro_export]
macro_rules! fatal {
    ($($t:tt)*) => { $crate::log::log("FTL", format_args!($($t)*)) };
}
#[macro_export]
macro_rules! debug {
    ($($t:tt)*) => { if $crate::log::debug_enabled() { $crate::log::log("DBG", format_args!($($t)*)) } };
}
#[macro_export]
macro_rules! trace {
    ($($t:tt)*) => { if $crate::log::trace_enabled() { $crate::log::log("TRC", format_args!($($t)*)) } };
}
