//! The step vocabulary, one file per NATS concept: server processes, the client
//! protocol on raw connections, publish/subscribe through async-nats, authentication,
//! monitoring, JSON APIs, JetStream streams and consumers, and the file store on disk.
pub mod api;
pub mod auth;
pub mod cluster;
pub mod filestore;
pub mod jetstream_consumer;
pub mod jetstream_stream;
pub mod monitor;
pub mod process;
pub mod protocol;
pub mod pubsub;

use std::str::FromStr;
use std::time::Duration;

/// A duration written like `500ms`, `2s` or `1m`.
#[derive(Debug, Clone, Copy, cucumber::Parameter)]
#[param(name = "duration", regex = r"\d+(?:ms|s|m)")]
pub struct Dur(pub Duration);

impl FromStr for Dur {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
        let n: u64 = num.parse().map_err(|_| format!("bad duration '{s}'"))?;
        Ok(Dur(match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            _ => return Err(format!("bad duration unit in '{s}'")),
        }))
    }
}

/// Parses a step's expected value as JSON, falling back to a plain string, so
/// `is 512`, `is true` and `is "abc"` all read naturally.
pub fn json_value(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// The docstring of the current step, or an error naming the step.
pub fn docstring(step: &cucumber::gherkin::Step) -> anyhow::Result<String> {
    step.docstring.clone().ok_or_else(|| anyhow::anyhow!("step '{}' needs a docstring", step.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!("250ms".parse::<Dur>().unwrap().0, Duration::from_millis(250));
        assert_eq!("2s".parse::<Dur>().unwrap().0, Duration::from_secs(2));
        assert!("2h".parse::<Dur>().is_err());
        assert_eq!(json_value("512"), serde_json::json!(512));
        assert_eq!(json_value("abc"), serde_json::json!("abc"));
    }
}

/// A step failure. cucumber shows a failed step's error with `{}`; this prints the
/// whole anyhow chain so the root cause is never lost.
#[derive(Debug)]
pub struct StepError(anyhow::Error);

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl<E: Into<anyhow::Error>> From<E> for StepError {
    fn from(e: E) -> Self {
        StepError(e.into())
    }
}

/// What every step returns.
pub type StepResult = Result<(), StepError>;

/// Fails the current step with a formatted message.
#[macro_export]
macro_rules! fail {
    ($($t:tt)*) => {
        return Err(anyhow::anyhow!($($t)*).into())
    };
}
