//! Authentication: clients with a user and password, a token, an nkey seed or URL
//! credentials, and connects the server must reject.
use super::pubsub::connect;
use super::StepResult;
use crate::fail;
use crate::world::{NatsWorld, DEFAULT_WAIT};
use anyhow::Result;
use cucumber::{given, then};

#[given(expr = "a client {string} with user {string} and password {string}")]
async fn a_client_user(w: &mut NatsWorld, name: String, user: String, pass: String) -> StepResult {
    Ok(connect(w, &name, None, async_nats::ConnectOptions::with_user_and_password(user, pass)).await?)
}

#[given(expr = "a client {string} to server {string} with user {string} and password {string}")]
async fn a_client_to_user(w: &mut NatsWorld, name: String, server: String, user: String, pass: String) -> StepResult {
    Ok(connect(w, &name, Some(&server), async_nats::ConnectOptions::with_user_and_password(user, pass)).await?)
}

#[given(expr = "a client {string} with token {string}")]
async fn a_client_token(w: &mut NatsWorld, name: String, token: String) -> StepResult {
    Ok(connect(w, &name, None, async_nats::ConnectOptions::with_token(token)).await?)
}

#[then(expr = "a client with user {string} and password {string} is rejected")]
async fn client_rejected(w: &mut NatsWorld, user: String, pass: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(expect_rejected(url, async_nats::ConnectOptions::with_user_and_password(user, pass)).await?)
}

/// Expects a connect attempt to fail with an authorization error.
async fn expect_rejected(url: String, opts: async_nats::ConnectOptions) -> Result<()> {
    let opts = opts.connection_timeout(DEFAULT_WAIT);
    match tokio::time::timeout(DEFAULT_WAIT * 2, opts.connect(url.as_str())).await {
        Err(_) => fail!("connect neither succeeded nor failed in time"),
        Ok(Ok(_)) => fail!("the connection was accepted"),
        Ok(Err(e)) => {
            let text = e.to_string().to_lowercase();
            if text.contains("authorization") || text.contains("authentication") {
                Ok(())
            } else {
                fail!("connect failed, but not with an authorization error: {e}")
            }
        }
    }
}

/// Options for credentials written as in a URL's user info: `user:pass` is a user
/// and password (the password may be empty), anything else is a token. (async-nats
/// does not read credentials from the URL itself, so they are passed as options.)
fn url_creds(creds: &str) -> async_nats::ConnectOptions {
    match creds.split_once(':') {
        Some((user, pass)) => async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into()),
        None => async_nats::ConnectOptions::with_token(creds.into()),
    }
}

#[given(expr = "a client {string} with nkey seed {string}")]
async fn a_client_nkey(w: &mut NatsWorld, name: String, seed: String) -> StepResult {
    Ok(super::pubsub::connect(w, &name, None, async_nats::ConnectOptions::with_nkey(seed)).await?)
}

#[then(expr = "a client with nkey seed {string} is rejected")]
async fn nkey_rejected(w: &mut NatsWorld, seed: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(expect_rejected(url, async_nats::ConnectOptions::with_nkey(seed)).await?)
}

#[then(expr = "a client with token {string} is rejected")]
async fn token_rejected(w: &mut NatsWorld, token: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(expect_rejected(url, async_nats::ConnectOptions::with_token(token)).await?)
}

#[then(expr = "a client without credentials is rejected")]
async fn anonymous_rejected(w: &mut NatsWorld) -> StepResult {
    let url = w.url_of(None)?;
    Ok(expect_rejected(url, async_nats::ConnectOptions::new()).await?)
}

/// Credentials in the URL, as `user:pass` or a bare token.
#[given(expr = "a client {string} with URL credentials {string}")]
async fn a_client_url_creds(w: &mut NatsWorld, name: String, creds: String) -> StepResult {
    Ok(super::pubsub::connect(w, &name, None, url_creds(&creds)).await?)
}

#[then(expr = "a client with URL credentials {string} is rejected")]
async fn url_creds_rejected(w: &mut NatsWorld, creds: String) -> StepResult {
    let url = w.url_of(None)?;
    Ok(expect_rejected(url, url_creds(&creds)).await?)
}
