//! What one suite run against one target produced: the data every report is made from.
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The outcome of one scenario on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// One scenario's result on one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Stable id: `<subsystem>/<feature-file-stem>/<scenario-slug>`.
    pub id: String,
    pub subsystem: String,
    /// Feature file path relative to the features root, e.g. `core/pubsub.feature`.
    pub feature: String,
    /// Scenario name as written (outline placeholders filled in).
    pub name: String,
    /// Go tests this scenario ports, from `@go:TestName` tags.
    pub go_tests: Vec<String>,
    /// All tags, without the `@`.
    pub tags: Vec<String>,
    pub outcome: Outcome,
    /// Why it was skipped, or the failing step's error.
    pub message: Option<String>,
    /// Reason from the target's expectations file, when this scenario is expected to fail.
    pub expected_failure: Option<String>,
    /// Listed as unstable: it may pass or fail (see `expectations`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unstable: bool,
    /// Last lines of each server's log, attached to failures.
    pub server_logs: Vec<String>,
    /// The scenario's folder (configs, logs, stores), kept after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    pub duration_ms: u64,
}

impl ScenarioResult {
    /// A result is "as expected" when it passed and was not listed, failed and was
    /// listed, or was skipped. Anything else fails the run.
    pub fn meets_expectation(&self) -> bool {
        match (self.outcome, &self.expected_failure) {
            (Outcome::Passed, None) | (Outcome::Failed, Some(_)) | (Outcome::Skipped, _) => true,
            (Outcome::Passed, Some(_)) => self.unstable,
            (Outcome::Failed, None) => false,
        }
    }
}

/// The whole run against one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRun {
    /// Target name as given on the command line (`rnats`, `go`, `bin:...`, `url:...`).
    pub target: String,
    /// The server version the target reported or its profile declares.
    pub version: String,
    pub scenarios: Vec<ScenarioResult>,
    #[serde(with = "duration_secs")]
    pub wall_time: Duration,
}

impl TargetRun {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.scenarios.iter().filter(|s| s.outcome == outcome).count()
    }

    /// Failures the expectations file lists.
    pub fn expected_failures(&self) -> usize {
        self.scenarios.iter().filter(|s| s.outcome == Outcome::Failed && s.expected_failure.is_some()).count()
    }

    /// Scenarios whose result breaks the expectations (unexpected failures and passes).
    pub fn violations(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| !s.meets_expectation())
    }
}

mod duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs_f64(f64::deserialize(d)?))
    }
}
