//! Server logging in Go's format: `[pid] 2006/01/02 15:04:05.000000 [INF] text` on
//! stderr (Go's `server/log.go` and the `logger` package with `logtime` on).
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// Days since 1970-01-01 to a (year, month, day) civil date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The current UTC time as Go's log timestamp `2006/01/02 15:04:05.000000`.
pub fn timestamp() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!("{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}.{:06}", sod / 3600, (sod / 60) % 60, sod % 60, now.subsec_micros())
}

/// RFC 3339 UTC time with nanoseconds, as Go's `time.Time` marshals to JSON.
pub fn rfc3339(t: SystemTime) -> String {
    let now = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let nanos = now.subsec_nanos();
    let mut frac = if nanos == 0 { String::new() } else { format!(".{nanos:09}") };
    while frac.ends_with('0') {
        frac.pop();
    }
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z", sod / 3600, (sod / 60) % 60, sod % 60)
}

/// Writes one log line with the given level label (`INF`, `ERR`, ...).
pub fn log(level: &str, msg: std::fmt::Arguments<'_>) {
    let line = if LOGTIME.load(Ordering::Relaxed) {
        format!("[{}] {} [{level}] {msg}\n", std::process::id(), timestamp())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_420), (2025, 11, 28));
        assert_eq!(rfc3339(UNIX_EPOCH + std::time::Duration::from_millis(1500)), "1970-01-01T00:00:01.5Z");
    }
}
