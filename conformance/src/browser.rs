//! Opening a written report in the user's web browser (`report --open`): `$BROWSER`
//! first, then the desktop's opener (`xdg-open`, `open` on macOS); without any, the
//! caller prints the path instead.
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an opener may take to hand the file over before we stop waiting for it
/// (a browser started directly through `$BROWSER` keeps running: that is success).
const HAND_OVER: Duration = Duration::from_secs(5);

/// The commands to try, in order: each `$BROWSER` entry (colon-separated, `%s` marks
/// where the path goes), then the platform's opener.
pub fn candidates(browser_env: Option<&str>, macos: bool) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for entry in browser_env.unwrap_or_default().split(':').map(str::trim).filter(|e| !e.is_empty()) {
        let mut words: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
        if !words.iter().any(|w| w.contains("%s")) {
            words.push("%s".into());
        }
        out.push(words);
    }
    out.push(vec![if macos { "open" } else { "xdg-open" }.to_string(), "%s".into()]);
    out
}

/// Tries each candidate on `file`; returns the program that took it, or None when no
/// browser could be started.
pub fn open(file: &Path) -> Option<String> {
    let browser = std::env::var("BROWSER").ok();
    let path = file.display().to_string();
    for words in candidates(browser.as_deref(), cfg!(target_os = "macos")) {
        let args: Vec<String> = words[1..].iter().map(|w| w.replace("%s", &path)).collect();
        let Ok(mut child) = Command::new(&words[0])
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            continue;
        };
        let started = Instant::now();
        let handed_over = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.success(),
                Ok(None) if started.elapsed() < HAND_OVER => std::thread::sleep(Duration::from_millis(50)),
                // Still running: a browser that stays in the foreground.
                Ok(None) => break true,
                Err(_) => break false,
            }
        };
        if handed_over {
            return Some(words[0].clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_env_comes_first_then_the_opener() {
        let c = candidates(Some("firefox --new-tab:w3m %s"), false);
        assert_eq!(c[0], ["firefox", "--new-tab", "%s"]);
        assert_eq!(c[1], ["w3m", "%s"]);
        assert_eq!(c[2], ["xdg-open", "%s"]);
        assert_eq!(candidates(None, true), [["open", "%s"]]);
        assert_eq!(candidates(Some(""), false), [["xdg-open", "%s"]]);
    }
}
