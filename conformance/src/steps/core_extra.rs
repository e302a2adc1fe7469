//! Extra core-protocol steps: repeated raw sends, counting raw MSG frames per sid,
//! queue-group distribution across client subscriptions, dropping a raw connection.
use super::Dur;
use super::StepResult;
use crate::fail;
use crate::raw::unescape;
use crate::world::NatsWorld;
use anyhow::anyhow;
use cucumber::{then, when};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// Sends the same bytes `n` times in one write (e.g. 100 PUBs).
#[when(expr = "{string} sends {string} {int} times")]
async fn send_times(w: &mut NatsWorld, name: String, data: String, n: usize) -> StepResult {
    let one = unescape(&data)?;
    let bytes: Vec<u8> = one.iter().copied().cycle().take(one.len() * n).collect();
    Ok(w.raw(&name)?.send(&bytes).await?)
}

/// Closes a raw connection from the client side.
#[when(expr = "{string} disconnects")]
async fn disconnect(w: &mut NatsWorld, name: String) -> StepResult {
    if w.raws.remove(&name).is_none() {
        fail!("no raw connection '{name}'");
    }
    Ok(())
}

/// Reads `n` MSG/HMSG frames from a raw connection and checks that exactly the listed
/// sids (comma separated) received them, each at least `min` times.
#[then(expr = "{string} receives {int} messages within {duration} spread over sids {string} with at least {int} each")]
async fn raw_spread(w: &mut NatsWorld, name: String, n: usize, within: Dur, sids: String, min: usize) -> StepResult {
    let c = w.raw(&name)?;
    let deadline = tokio::time::Instant::now() + within.0;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let msg = c.read_msg(left).await.map_err(|e| anyhow!("after {i} of {n} messages ({counts:?}): {e:#}"))?;
        *counts.entry(msg.sid).or_default() += 1;
    }
    let want: Vec<String> = sids.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let got: Vec<String> = counts.keys().cloned().collect();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    if got != want_sorted {
        fail!("messages went to sids {counts:?}, expected exactly {want:?}");
    }
    if let Some((sid, k)) = counts.iter().find(|(_, k)| **k < min) {
        fail!("sid {sid} got only {k} messages (< {min}); counts {counts:?}");
    }
    Ok(())
}

/// Two subscriptions (e.g. members of one queue group) receive `n` messages between
/// them, each at least `min`.
#[then(expr = "{string} and {string} together receive {int} messages within {duration}, each at least {int}")]
async fn together(w: &mut NatsWorld, a: String, b: String, n: usize, within: Dur, min: usize) -> StepResult {
    let deadline = tokio::time::Instant::now() + within.0;
    let mut counts = [0usize; 2];
    while counts[0] + counts[1] < n {
        if tokio::time::Instant::now() >= deadline {
            fail!("'{a}' got {} and '{b}' got {} within {:?}, expected {n} in total", counts[0], counts[1], within.0);
        }
        let mut progressed = false;
        for (i, name) in [&a, &b].into_iter().enumerate() {
            if counts[0] + counts[1] >= n {
                break;
            }
            let sub = w.sub(name)?;
            if let Ok(next) = tokio::time::timeout(Duration::from_millis(20), sub.subscriber.next()).await {
                let m = next.ok_or_else(|| anyhow!("subscription '{name}' ended"))?;
                sub.received.push(m);
                counts[i] += 1;
                progressed = true;
            }
        }
        if !progressed {
            tokio::task::yield_now().await;
        }
    }
    if counts[0] < min || counts[1] < min {
        fail!("'{a}' got {} and '{b}' got {}, expected each at least {min}", counts[0], counts[1]);
    }
    // A queue group delivers each message once: nothing beyond the n may follow.
    for name in [&a, &b] {
        let sub = w.sub(name)?;
        if let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(100), sub.subscriber.next()).await {
            fail!("'{name}' got a message beyond the {n} expected (duplicate delivery?): {}", m.subject);
        }
    }
    Ok(())
}
