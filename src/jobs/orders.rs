//! The order SLA clocks (`orders::sla`): escalation, return, release, overdue service and auto-close.
//!
//! Picking: candidates are listed oldest first, a batch per clock and pass; each is then acted
//! on in its own write transaction after reading it again under `FOR UPDATE SKIP LOCKED`
//! (PostgreSQL; SQLite has one writer), still in the status and still overdue. An order another
//! instance holds is skipped, one a person moved meanwhile is no longer due, and the step itself
//! is a conditional update (`orders::service::apply`), so each order is acted on once however
//! many instances run.

use crate::error::AppResult;
use crate::orders::service;
use crate::orders::sla::{Clock, Due};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::region;
use entity::service_order;
use entity::whistle::{self, WhistleStatus};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

const BATCH: u64 = 100;

/// Runs `clock` over the orders overdue at `now`; returns how many it acted on.
pub async fn run(state: &AppState, clock: Clock, now: DateTime<Utc>) -> AppResult<usize> {
    let due = clock.due(&state.config.orders, now);
    let mut acted = 0;
    for id in candidates(state, clock, &due).await? {
        if act(state, clock, id, &due, now).await? {
            acted += 1;
        }
    }
    Ok(acted)
}

async fn candidates(state: &AppState, clock: Clock, due: &Due) -> AppResult<Vec<i64>> {
    let mut q = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::Id)
        .filter(service_order::Column::Status.eq(due.status))
        .filter(due.overdue.clone())
        .order_by_asc(service_order::Column::Id)
        .limit(BATCH);
    if clock.escalates() {
        // Orders already at the top of the tree have nowhere to go: leave them out, or they
        // would fill every batch and starve the rest.
        q = q
            .inner_join(region::Entity)
            .filter(region::Column::ParentId.is_not_null());
    }
    if clock == Clock::Dispatch {
        q = q.filter(not_with_a_department());
    }
    Ok(q.into_tuple().all(&state.db).await?)
}

/// Not whistled to a department that has yet to resolve it: the whistle's own deadlines
/// (`jobs::whistles`) decide when such an order moves up, not the dispatch clock.
fn not_with_a_department() -> sea_orm::sea_query::SimpleExpr {
    service_order::Column::Id.not_in_subquery(
        sea_orm::sea_query::Query::select()
            .column(whistle::Column::OrderId)
            .from(whistle::Entity)
            .and_where(whistle::Column::Status.ne(WhistleStatus::Resolved))
            .to_owned(),
    )
}

/// Acts on one order in its own transaction, if it is still due and not locked by another
/// instance. A step that lost its race (or an escalation at the top of the tree) is skipped.
async fn act(state: &AppState, clock: Clock, id: i64, due: &Due, now: DateTime<Utc>) -> AppResult<bool> {
    let txn = crate::db::begin_write(&state.db).await?;
    let mut locked = service_order::Entity::find_by_id(id)
        .filter(service_order::Column::Status.eq(due.status))
        .filter(due.overdue.clone());
    if clock == Clock::Dispatch {
        locked = locked.filter(not_with_a_department());
    }
    let locked = locked
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&txn)
        .await?;
    let Some(order) = locked else {
        txn.rollback().await?;
        return Ok(false);
    };
    let step = match clock.step(&txn, &order, now).await {
        Ok(step) => step,
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
