//! Target profiles: which server the suite drives, how to launch it, its version and
//! the capabilities it lacks. Profiles live in `conformance/targets/<name>.toml`.
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A profile file as written on disk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `workspace:rnats`, `oracle`, or a path to an executable.
    pub binary: String,
    /// Launch arguments; `{config}` is replaced by the generated config file's path.
    #[serde(default = "default_args")]
    pub args: Vec<String>,
    /// A version string, or `auto` to ask the binary.
    #[serde(default = "auto")]
    pub version: String,
    #[serde(default)]
    pub lacks: Vec<String>,
    /// Expectations file, relative to the profile's folder.
    pub expectations: Option<String>,
    /// Log line the server prints once it listens for clients (followed by
    /// `<host>:<port>`); "" when it prints none, and readiness is a probe alone.
    #[serde(default = "listening_line")]
    pub ready_log_line: String,
}

fn listening_line() -> String {
    crate::harness::LISTENING_LINE.into()
}

fn default_args() -> Vec<String> {
    vec!["-c".into(), "{config}".into()]
}

fn auto() -> String {
    "auto".into()
}

/// How the suite reaches servers of this target.
#[derive(Debug, Clone)]
pub enum Launch {
    /// Start a fresh process per scenario from this binary.
    Process { binary: PathBuf, args: Vec<String> },
    /// Use an already running server; no process control.
    Url(String),
}

/// A target, resolved and ready to run.
#[derive(Debug, Clone)]
pub struct Target {
    /// As given on the command line (`rnats`, `go`, `bin:PATH`, `url:URL`).
    pub name: String,
    pub launch: Launch,
    pub version: Version,
    pub version_text: String,
    pub lacks: Vec<String>,
    pub expectations: Option<PathBuf>,
    /// See `ProfileFile::ready_log_line`; `None` means probe only.
    pub ready_log_line: Option<String>,
    /// For a `mix:` target, the implementations its clusters are built from, in
    /// placement order (node 1 the first, node 2 the second, round-robin). Empty for a
    /// plain target, whose clusters are all of one implementation.
    pub members: Vec<Target>,
}

impl Target {
    /// Only the Go oracle may write golden files (`scripts/record-golden.sh`).
    pub fn records_goldens(&self) -> bool {
        self.name == "go"
    }

    /// The implementation that runs the `i`-th node (0-based) of a cluster: round-robin
    /// over a `mix:` target's members, else this target itself.
    pub fn member_for(&self, i: usize) -> &Target {
        if self.members.is_empty() {
            self
        } else {
            &self.members[i % self.members.len()]
        }
    }
}

/// A `major.minor.patch` server version, for `@since-X.Y` gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Finds the first `X.Y.Z` in text such as `nats-server: v2.15.1`.
    pub fn find_in(text: &str) -> Option<Version> {
        let re = regex::Regex::new(r"(\d+)\.(\d+)\.(\d+)").ok()?;
        let c = re.captures(text)?;
        Some(Version(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The folder holding target profiles.
pub fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("targets")
}

/// Where `scripts/install-go-server.sh` puts the oracle.
pub fn oracle_default_path() -> PathBuf {
    crate::oracle::default_path()
}

/// Resolves a target spec from the command line.
pub fn resolve(spec: &str) -> Result<Target> {
    if let Some(list) = spec.strip_prefix("mix:") {
        return resolve_mix(spec, list);
    }
    if let Some(url) = spec.strip_prefix("url:") {
        return Ok(Target {
            name: spec.to_string(),
            launch: Launch::Url(url.to_string()),
            version: Version(0, 0, 0),
            version_text: "unknown (url target)".into(),
            // Monitoring needs its URL, given through NATS_MONITOR_URL.
            lacks: if std::env::var("NATS_MONITOR_URL").is_ok() {
                vec!["process".into()]
            } else {
                vec!["process".into(), "monitoring".into()]
            },
            expectations: None,
            ready_log_line: None,
            members: vec![],
        });
    }
    if let Some(path) = spec.strip_prefix("bin:") {
        let binary = PathBuf::from(path);
        if !binary.is_file() {
            bail!("target {spec}: no executable at {}", binary.display());
        }
        let text = ask_version(&binary)?;
        return Ok(Target {
            name: spec.to_string(),
            launch: Launch::Process { binary, args: default_args() },
            version: Version::find_in(&text).unwrap_or(Version(0, 0, 0)),
            version_text: text,
            lacks: vec![],
            expectations: None,
            ready_log_line: Some(listening_line()),
            members: vec![],
        });
    }
    let file = profiles_dir().join(format!("{spec}.toml"));
    if !file.is_file() {
        let known = known_profiles().join(", ");
        bail!("unknown target '{spec}': no profile {} (known: {known}; or use bin:PATH or url:URL)", file.display());
    }
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let profile: ProfileFile = toml::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
    from_profile(spec, profile)
}

/// `mix:go,rnats`: clusters take their nodes round-robin from the members; other
/// scenarios are skipped (a lone server is its own target's business). The mix lacks
/// what any member lacks, and its version is the oldest member's, so a scenario runs
/// only when every member can run it. Its expectations, if any, are in
/// `mix-<member>-<member>.expect.toml`.
fn resolve_mix(spec: &str, list: &str) -> Result<Target> {
    let members: Vec<Target> =
        list.split(',').filter(|m| !m.trim().is_empty()).map(|m| resolve(m.trim())).collect::<Result<_>>()?;
    if members.len() < 2 {
        bail!("target {spec}: a mix needs at least two members, e.g. mix:go,rnats");
    }
    if members.iter().any(|m| !m.members.is_empty() || matches!(m.launch, Launch::Url(_))) {
        bail!("target {spec}: members must be profiles or bin: targets, not url: or mix: targets");
    }
    let mut lacks: Vec<String> = Vec::new();
    for l in members.iter().flat_map(|m| &m.lacks) {
        if !lacks.contains(l) {
            lacks.push(l.clone());
        }
    }
    let first = &members[0];
    Ok(Target {
        name: spec.to_string(),
        launch: first.launch.clone(),
        version: members.iter().map(|m| m.version).min().unwrap_or(first.version),
        version_text: members.iter().map(|m| format!("{}: {}", m.name, m.version)).collect::<Vec<_>>().join(", "),
        lacks,
        // `mix-go-rnats.expect.toml` for `mix:go,rnats`, when there is one.
        expectations: Some(profiles_dir().join(format!(
            "mix-{}.expect.toml",
            members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join("-")
        )))
        .filter(|p| p.exists()),
        ready_log_line: first.ready_log_line.clone(),
        members,
    })
}

fn known_profiles() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(profiles_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            (n.ends_with(".toml") && !n.ends_with(".expect.toml")).then(|| n.trim_end_matches(".toml").to_string())
        })
        .collect();
    names.sort();
    names
}

fn from_profile(spec: &str, p: ProfileFile) -> Result<Target> {
    let binary = match p.binary.as_str() {
        "oracle" => oracle_binary()?,
        b if b.starts_with("workspace:") => workspace_binary(&b["workspace:".len()..])?,
        b => {
            let path = PathBuf::from(b);
            if !path.is_file() {
                bail!("target {spec}: binary {} does not exist", path.display());
            }
            path
        }
    };
    let version_text = if p.version == "auto" { ask_version(&binary)? } else { p.version.clone() };
    let version =
        Version::find_in(&version_text).with_context(|| format!("target {spec}: no version in '{version_text}'"))?;
    Ok(Target {
        name: spec.to_string(),
        launch: Launch::Process { binary, args: p.args },
        version,
        version_text,
        lacks: p.lacks,
        expectations: p.expectations.map(|e| profiles_dir().join(e)),
        ready_log_line: Some(p.ready_log_line).filter(|l| !l.is_empty()),
        members: vec![],
    })
}

/// The Go oracle: `$NATS_SERVER_BIN`, else the install script's folder.
fn oracle_binary() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("NATS_SERVER_BIN") {
        let path = PathBuf::from(p);
        if path.is_file() {
            return Ok(path);
        }
        bail!("NATS_SERVER_BIN={} is not a file", path.display());
    }
    let path = oracle_default_path();
    if path.is_file() {
        return Ok(path);
    }
    Err(crate::oracle::Missing { expected_at: path }.into())
}

/// Resolves a target spec as [`resolve`] does, and when it needs the Go oracle and the
/// oracle is not installed (and `NATS_SERVER_BIN` is not set), installs the pinned one
/// first: what the command line does, so a fresh machine needs no set-up step.
pub fn resolve_or_install(spec: &str) -> Result<Target> {
    match resolve(spec) {
        Err(e) if e.downcast_ref::<crate::oracle::Missing>().is_some() => {
            crate::oracle::Installer::pinned().install()?;
            resolve(spec)
        }
        other => other,
    }
}

/// A binary of this workspace: `$RNATS_BIN` if set, else built with cargo now, so a
/// newcomer's `cargo test -p conformance` needs no extra step.
fn workspace_binary(bin: &str) -> Result<PathBuf> {
    let env_name = format!("{}_BIN", bin.to_uppercase());
    if let Ok(p) = std::env::var(&env_name) {
        return Ok(PathBuf::from(p));
    }
    let root = crate::workspace_root();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root).args(["build", "--quiet", "-p", "server", "--bin", bin]);
    if profile == "release" {
        cmd.arg("--release");
    }
    let status = cmd.status().context("running cargo to build the rnats binary")?;
    if !status.success() {
        bail!("building {bin} failed ({status})");
    }
    let target_dir = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let path = target_dir.join(profile).join(bin);
    if !path.is_file() {
        bail!("built {bin} but found no binary at {}", path.display());
    }
    Ok(path)
}

fn ask_version(binary: &Path) -> Result<String> {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .with_context(|| format!("running {} --version", binary.display()))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok(text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_versions() {
        assert_eq!(Version::find_in("nats-server: v2.15.1"), Some(Version(2, 15, 1)));
        assert_eq!(Version::find_in("version 2.9.10-beta"), Some(Version(2, 9, 10)));
        assert_eq!(Version::find_in("nothing"), None);
        assert!(Version(2, 9, 10) < Version(2, 11, 0));
    }

    #[test]
    fn shipped_profiles_parse() {
        for name in ["rnats", "go"] {
            let text = std::fs::read_to_string(profiles_dir().join(format!("{name}.toml"))).unwrap();
            let p: ProfileFile = toml::from_str(&text).unwrap();
            assert_eq!(p.name, name);
        }
    }

    #[test]
    fn a_mix_places_nodes_round_robin() {
        let dir = tempfile::tempdir().unwrap();
        let bin = |name: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, "#!/bin/sh\necho 'nats-server: v2.15.1'\n").unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
            p.display().to_string()
        };
        let (a, b) = (bin("a"), bin("b"));
        let t = resolve(&format!("mix:bin:{a},bin:{b}")).unwrap();
        assert_eq!(t.members.len(), 2);
        assert_eq!(t.member_for(0).name, format!("bin:{a}"));
        assert_eq!(t.member_for(1).name, format!("bin:{b}"));
        assert_eq!(t.member_for(2).name, format!("bin:{a}"));
        assert!(resolve(&format!("mix:bin:{a}")).is_err());
        let plain = resolve(&format!("bin:{a}")).unwrap();
        assert_eq!(plain.member_for(3).name, plain.name);
    }

    #[test]
    fn unknown_target_is_a_clear_error() {
        let err = resolve("nope").unwrap_err().to_string();
        assert!(err.contains("unknown target 'nope'"), "{err}");
    }
}
