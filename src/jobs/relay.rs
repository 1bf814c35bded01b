//! The outbox relay loop: delivers the outbox every `NOTIFY_INTERVAL_MS` (when `NOTIFY_RELAY` is on) (`notify::relay::drain`).
//!
//! Picking: each row is claimed (`pending` → `sending`) by a conditional update before anything
//! is sent, inside `drain`, so any number of relays may run.

use crate::state::AppState;
use chrono::Utc;

/// Runs the relay until `stop` says so.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(state.config.notify.relay_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {
                if let Err(e) = crate::notify::relay::drain(&state, Utc::now()).await {
                    tracing::warn!(error = %e, "outbox relay pass failed");
                }
            }
            _ = stop.changed() => break,
        }
    }
}
