//! SLA clocks: escalate what nobody dispatched, release what nobody started, close what nobody
//! confirmed. `tick` takes the time as an argument, so tests move the clock instead of sleeping.
//! With several instances each order is acted on once: candidates are locked with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, and every step is a conditional update anyway.

use super::service::{self, Step};
use super::state::Action;
use crate::error::AppResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::region;
use entity::service_order::{self, OrderStatus};
use sea_orm::sea_query::LockBehavior;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

const BATCH: u64 = 100;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub escalated: usize,
    pub released: usize,
    pub closed: usize,
    /// Award claims posted to the points bank that no close had posted.
    pub awarded: usize,
    /// Holds voided because their time ran out.
    pub expired_holds: usize,
    /// Redemptions not picked up in time: coins released, stock returned.
    pub expired_redemptions: usize,
}

/// Which orders a clock acts on: in this status, with this column older than this.
type Due = (OrderStatus, service_order::Column, DateTime<Utc>);

fn since(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    now - chrono::Duration::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// One pass of every clock at time `now`.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> AppResult<TickReport> {
    let rules = &state.config.orders;
    let mut report = TickReport::default();
    let overdue = |(status, column, limit): Due| {
        service_order::Entity::find()
            .filter(service_order::Column::Status.eq(status))
            .filter(column.lt(limit))
            .order_by_asc(service_order::Column::Id)
            .limit(BATCH)
    };
    let dispatch: Due = (
        OrderStatus::Submitted,
        service_order::Column::UpdatedAt,
        since(now, rules.dispatch_within),
    );
    let start: Due = (
        OrderStatus::Claimed,
        service_order::Column::ClaimedAt,
        since(now, rules.start_within),
    );
    let confirm: Due = (
        OrderStatus::Completed,
        service_order::Column::CompletedAt,
        since(now, rules.confirm_within),
    );

    // Orders already at the top of the tree have nowhere to go: leave them out, or they would
    // fill every batch and starve the rest.
    let undispatched = overdue(dispatch)
        .inner_join(region::Entity)
        .filter(region::Column::ParentId.is_not_null());
    for id in ids(state, undispatched).await? {
        if act(state, id, dispatch, |o| async move {
            service::escalation(&state.db, &o, None, now, Some("超时未派单，自动上报".into()))
                .await
                .map(Some)
        })
        .await?
        {
            report.escalated += 1;
        }
    }

    let unstarted = overdue(start);
    for id in ids(state, unstarted).await? {
        if act(state, id, start, |o| async move {
            let back_to_pool = o.dispatch_mode.as_deref() == Some("publish");
            let action = if back_to_pool {
                Action::ReleaseToPool
            } else {
                Action::ReturnToDispatcher
            };
            let mut step = Step::new(action, None, now).note(Some("超时未开始服务，自动退回".into()));
            step.set.assignee_id = Set(None);
            step.set.claimed_at = Set(None);
            if !back_to_pool {
                step.set.unit_id = Set(None);
                step.set.dispatch_mode = Set(None);
            }
            Ok(Some(step))
        })
        .await?
        {
            report.released += 1;
        }
    }

    let unconfirmed = overdue(confirm);
    for id in ids(state, unconfirmed).await? {
        if act(state, id, confirm, |_| async move {
            let mut step = Step::new(Action::AutoClose, None, now).note(Some("超时未评价，自动结单".into()));
            step.set.closed_at = Set(Some(now));
            Ok(Some(step))
        })
        .await?
        {
            report.closed += 1;
        }
    }
    // Each clock below stands alone: one failing must not stop the others.
    report.expired_holds = crate::ledger::holds::expire(&state.db, now)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "hold expiry failed");
            0
        });
    report.expired_redemptions = crate::store::redemptions::expire(&state.db, now)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "redemption expiry failed");
            0
        });
    for claim in crate::ledger::awards::unposted(&state.db, BATCH).await? {
        let txn = crate::db::begin_write(&state.db).await?;
        if crate::ledger::awards::post_claim(&txn, &claim, now).await? {
            report.awarded += 1;
        }
        txn.commit().await?;
    }
    Ok(report)
}

async fn ids(state: &AppState, q: sea_orm::Select<service_order::Entity>) -> AppResult<Vec<i64>> {
    Ok(q.all(&state.db).await?.into_iter().map(|o| o.id).collect())
}

/// Acts on one order in its own transaction, if it is still `expected` and not locked by another
/// instance. A step that lost its race (or an escalation at the top of the tree) is skipped.
async fn act<F, Fut>(state: &AppState, id: i64, due: Due, make: F) -> AppResult<bool>
where
    F: FnOnce(service_order::Model) -> Fut,
    Fut: std::future::Future<Output = AppResult<Option<Step>>>,
{
    let txn = crate::db::begin_write(&state.db).await?;
    // Still due, read under the lock: another instance (or a person) may have acted since the
    // candidates were listed, possibly leaving the same status behind.
    let locked = service_order::Entity::find_by_id(id)
        .filter(service_order::Column::Status.eq(due.0))
        .filter(due.1.lt(due.2))
        .lock_with_behavior(sea_orm::sea_query::LockType::Update, LockBehavior::SkipLocked)
        .one(&txn)
        .await?;
    let Some(order) = locked else {
        txn.rollback().await?;
        return Ok(false);
    };
    let step = match make(order.clone()).await {
        Ok(Some(step)) => step,
        Ok(None) => {
            txn.rollback().await?;
            return Ok(false);
        }
        Err(e) => {
            tracing::warn!(order_id = id, error = %e, "SLA step could not be prepared");
            txn.rollback().await?;
            return Ok(false);
        }
    };
    match service::apply(&txn, &state.config, &order, step).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(true)
        }
        Err(e) => {
            tracing::debug!(order_id = id, error = %e, "SLA step skipped");
            txn.rollback().await?;
            Ok(false)
        }
    }
}

/// Runs the clocks until `stop` says so.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
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
