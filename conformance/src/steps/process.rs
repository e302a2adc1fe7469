//! Server processes: start one (with a config, or one it must refuse), stop, kill,
//! restart, pause and resume it, reload its config, restart it with other config lines,
//! read its log, and write files next to its config.
use super::{docstring, Dur, StepResult};
use crate::fail;
use crate::world::NatsWorld;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};

#[given(expr = "a server")]
async fn a_server(w: &mut NatsWorld) -> StepResult {
    Ok(w.start_server("S", "").await?)
}

#[given(expr = "a server {string}")]
async fn a_named_server(w: &mut NatsWorld, name: String) -> StepResult {
    Ok(w.start_server(&name, "").await?)
}

#[given(expr = "a server with config:")]
async fn a_server_with_config(w: &mut NatsWorld, step: &Step) -> StepResult {
    w.require_process("a server with config")?;
    Ok(w.start_server("S", &docstring(step)?).await?)
}

#[given(expr = "a server {string} with config:")]
async fn a_named_server_with_config(w: &mut NatsWorld, name: String, step: &Step) -> StepResult {
    w.require_process("a server with config")?;
    Ok(w.start_server(&name, &docstring(step)?).await?)
}

/// `the server` or `the server "A"`.
pub(super) fn which(name: &str) -> Option<&str> {
    (!name.is_empty()).then_some(name)
}

#[when(regex = r#"^the server(?: "([^"]*)")? is (stopped|killed|restarted|paused|resumed)$"#)]
async fn control(w: &mut NatsWorld, name: String, action: String) -> StepResult {
    w.require_process(&format!("the server is {action}"))?;
    let s = w.server(which(&name))?;
    match action.as_str() {
        "stopped" => Ok(s.stop().await?),
        "killed" => {
            s.kill();
            Ok(())
        }
        "restarted" => Ok(s.restart().await?),
        "paused" => Ok(s.pause()?),
        "resumed" => Ok(s.resume()?),
        _ => unreachable!("regex limits the actions"),
    }
}

/// Lame duck mode (SIGUSR2, as `nats-server --signal ldm`): the server stops accepting
/// clients, hands over its leaderships and exits once its clients are gone or after
/// `lame_duck_duration`.
#[when(regex = r#"^the server(?: "([^"]*)")? enters lame duck mode$"#)]
async fn lame_duck(w: &mut NatsWorld, name: String) -> StepResult {
    w.require_process("lame duck mode")?;
    Ok(w.server(which(&name))?.signal(libc::SIGUSR2)?)
}

#[when(regex = r#"^the server(?: "([^"]*)")? is started again$"#)]
async fn start_again(w: &mut NatsWorld, name: String) -> StepResult {
    w.require_process("the server is started again")?;
    Ok(w.server(which(&name))?.start().await?)
}

/// Stops the server gracefully and starts it again on the same ports and store dir with
/// new scenario config lines (a key rotation, another cipher, another sync interval).
#[when(regex = r#"^the server(?: "([^"]*)")? is restarted with config:?$"#)]
async fn restart_with(w: &mut NatsWorld, server: String, step: &cucumber::gherkin::Step) -> StepResult {
    w.require_process("restarting the server with another config")?;
    let text = super::docstring(step)?;
    let s = w.server(which(&server))?;
    s.stop().await?;
    s.extra_config = text;
    Ok(s.start().await?)
}

/// Like the above after a kill -9 instead of a graceful stop.
#[when(regex = r#"^the server(?: "([^"]*)")? is killed and started with config:?$"#)]
async fn kill_restart_with(w: &mut NatsWorld, server: String, step: &cucumber::gherkin::Step) -> StepResult {
    w.require_process("restarting the server with another config")?;
    let text = super::docstring(step)?;
    let s = w.server(which(&server))?;
    s.kill();
    s.extra_config = text;
    Ok(s.start().await?)
}

/// The server process is still up (did not exit on a fatal store error).
#[then(regex = r#"^the server(?: "([^"]*)")? is running$"#)]
async fn is_running(w: &mut NatsWorld, server: String) -> StepResult {
    w.require_process("checking the server process")?;
    if !w.server(which(&server))?.is_running() {
        fail!("the server is not running\n{}", w.server(which(&server))?.log_tail(20));
    }
    Ok(())
}

#[when(regex = r#"^the server(?: "([^"]*)")? config is changed to:?$"#)]
async fn reload_config(w: &mut NatsWorld, name: String, step: &Step) -> StepResult {
    w.require_process("config reload")?;
    let text = docstring(step)?;
    Ok(w.server(which(&name))?.reload(&text, crate::world::DEFAULT_WAIT).await?)
}

#[then(regex = r#"^reloading the server(?: "([^"]*)")? with this config fails with "([^"]*)":?$"#)]
async fn reload_fails(w: &mut NatsWorld, name: String, want: String, step: &Step) -> StepResult {
    w.require_process("config reload")?;
    let text = docstring(step)?;
    match w.server(which(&name))?.reload(&text, crate::world::DEFAULT_WAIT).await {
        Ok(()) => fail!("reload succeeded, expected it to fail with '{want}'"),
        Err(e) if e.to_string().contains(&want) => Ok(()),
        Err(e) => fail!("reload failed, but not with '{want}': {e}"),
    }
}

#[then(regex = r#"^the server(?: "([^"]*)")? log contains "([^"]*)" within (\d+(?:ms|s))$"#)]
async fn log_contains(w: &mut NatsWorld, name: String, text: String, within: Dur) -> StepResult {
    w.require_process("reading the server log")?;
    let s = w.server(which(&name))?;
    let deadline = std::time::Instant::now() + within.0;
    loop {
        if s.log().contains(&text) {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            fail!("log has no '{text}' after {:?}\n{}", within.0, s.log_tail(20));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A config the server must refuse: it exits at start-up and its output names the
/// problem. The text is matched as a substring, since the two servers prefix their
/// messages differently (program name, path).
#[then(expr = "a server with this config fails to start with {string}:")]
async fn refuses_config(w: &mut NatsWorld, want: String, step: &Step) -> StepResult {
    w.require_process("a server with config")?;
    let crate::target::Launch::Process { binary, args } = w.ctx.target.launch.clone() else {
        fail!("needs a target that can start servers");
    };
    std::fs::create_dir_all(&w.dir)?;
    let n = w.servers.len();
    let mut s = crate::harness::ServerProc::new(&format!("refused{n}"), &w.dir, &binary, &args, &docstring(step)?)?;
    s.ready_line = w.ctx.target.ready_log_line.clone();
    let log = s.start_expecting_failure().await?;
    let want = s.substitute(&String::from_utf8_lossy(&crate::raw::unescape(&want)?));
    w.servers.insert(s.name.clone(), s);
    if !log.contains(&want) {
        fail!("the server refused the config, but its output does not contain \"{want}\":\n{log}");
    }
    Ok(())
}

/// Writes a file into the folder of the next server a scenario starts or has refused
/// (`S`, or `refused<n>`), where the config's relative `include` paths resolve.
#[given(expr = "the file {string} in the server folder contains:")]
async fn server_file(w: &mut NatsWorld, file: String, step: &Step) -> StepResult {
    w.require_process("writing a file for the server")?;
    if file.contains("..") || file.starts_with('/') {
        fail!("file name '{file}' must stay inside the server folder");
    }
    let text = docstring(step)?;
    let n = w.servers.len();
    for folder in ["S".to_string(), format!("refused{n}")] {
        let dir = w.dir.join(folder);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(&file), &text)?;
    }
    Ok(())
}
