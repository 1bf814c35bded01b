//! Every clock-driven sweep, in one place: the order SLA clocks, award posting, ledger hold
//! expiry, store redemption expiry, activity close-out, wish confirmation, whistle deadlines, the
//! problem list's street day and reminders, the sweep of unattached uploads (one pass every
//! `SLA_TICK_SECS`, [`tick`]), the outbox relay (its own interval) and the process's upkeep
//! (metrics, heap; every 5 s). Jobs only schedule and pick work; the rule each applies stays in
//! its domain. Each job's doc says how it picks work so that any number of instances can run it.

mod activities;
mod awards;
mod holds;
mod media;
mod orders;
mod problems;
mod redemptions;
mod relay;
mod upkeep;
mod whistles;
mod wishes;

use crate::error::AppResult;
use crate::orders::sla::Clock;
use crate::state::AppState;
use chrono::{DateTime, Utc};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub escalated: usize,
    /// Assigned and not accepted in time: back to the dispatcher.
    pub returned: usize,
    /// Published and not claimed in time: escalated one level up.
    pub unclaimed: usize,
    pub released: usize,
    /// In service and not completed in time: flagged once.
    pub overdue_services: usize,
    pub closed: usize,
    /// Award claims posted to the points bank that no close had posted.
    pub awarded: usize,
    /// Holds voided because their time ran out.
    pub expired_holds: usize,
    /// Redemptions not picked up in time: coins released, stock returned.
    pub expired_redemptions: usize,
    /// Attendances left open at an activity's end, checked out and credited by the clock.
    pub closed_attendances: usize,
    /// Fulfilled wishes confirmed because their residents did not in time.
    pub confirmed_wishes: usize,
    /// Whistles a department did not acknowledge (报到) in time.
    pub unacknowledged_whistles: usize,
    /// Whistles a department did not resolve in time.
    pub unresolved_whistles: usize,
    /// Problem-list items still open when their street day began, passed to the street.
    pub escalated_problems: usize,
    /// Problem-list reminders recorded (filing closes, the meeting is due, the street day).
    pub problem_reminders: usize,
    /// Uploads attached to nothing for a day, deleted with their files.
    pub swept_media: usize,
}

/// One pass of every clock at time `now`. Tests call it with a moved clock instead of sleeping.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> AppResult<TickReport> {
    let db = &state.db;
    Ok(TickReport {
        escalated: orders::run(state, Clock::Dispatch, now).await?,
        returned: orders::run(state, Clock::Accept, now).await?,
        unclaimed: orders::run(state, Clock::Claim, now).await?,
        released: orders::run(state, Clock::Start, now).await?,
        overdue_services: orders::run(state, Clock::Complete, now).await?,
        closed: orders::run(state, Clock::Confirm, now).await?,
        // Each job below stands alone: one failing must not stop the others.
        expired_holds: alone("hold expiry", holds::run(db, now).await),
        expired_redemptions: alone("redemption expiry", redemptions::run(db, now).await),
        awarded: alone("award posting", awards::run(db, &state.config, now).await),
        closed_attendances: alone(
            "activity close-out",
            activities::run(db, &state.config, now).await,
        ),
        confirmed_wishes: alone("wish confirmation", wishes::run(state, now).await),
        unacknowledged_whistles: alone(
            "whistle deadlines",
            whistles::run(state, crate::whistles::overdue::Missed::Respond, now).await,
        ),
        unresolved_whistles: alone(
            "whistle deadlines",
            whistles::run(state, crate::whistles::overdue::Missed::Resolve, now).await,
        ),
        problem_reminders: alone("problem reminders", problems::remind(state, now).await),
        escalated_problems: alone("problem street day", problems::run(state, now).await),
        swept_media: alone("media sweep", media::run(state, now).await),
    })
}

fn alone(job: &str, done: AppResult<usize>) -> usize {
    done.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "{job} failed");
        0
    })
}

/// Starts every background job; they run until `stop` says so, finishing the pass under way
/// (await the handles to know they are done).
pub fn start(state: &AppState, stop: tokio::sync::watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut jobs = vec![
        tokio::spawn(clocks(state.clone(), stop.clone())),
        tokio::spawn(process_upkeep(stop.clone())),
    ];
    if state.config.notify.relay {
        jobs.push(tokio::spawn(relay::run(state.clone(), stop)));
    }
    jobs
}

/// Runs [`upkeep::run`] every [`upkeep::EVERY`] until `stop` says so.
async fn process_upkeep(mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(upkeep::EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => upkeep::run(),
            _ = stop.changed() => break,
        }
    }
}

/// Runs [`tick`] every `SLA_TICK_SECS` until `stop` says so.
async fn clocks(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(state.config.orders.sla_tick);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {
                match tick(&state, Utc::now()).await {
                    Ok(r) if r != TickReport::default() => tracing::info!(?r, "SLA clocks acted"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "SLA tick failed"),
                }
            }
            _ = stop.changed() => break,
        }
    }
}
