//! The problem list's street day (`problems::escalation`): items still `published` or `claimed`
//! when their month's street day begins pass to the street; the day before, the admin who claimed
//! an item is reminded.
//!
//! Picking: candidate ids by id, a hundred at a time, each acted on in its own write transaction
//! (`db::sweep`). Passing is a conditional update on the state and version read, and a reminder
//! marks the item (`street_reminded_at IS NULL`), so an item another instance (or a person) got to
//! first answers `PROBLEM_INVALID_STATE` and is skipped: each happens once.

use crate::calendar::month_of;
use crate::error::{AppResult, ErrorCode};
use crate::problems::deadlines::street_due;
use crate::problems::escalation::{OPEN, pass_to_street, remind_owner, reminder_due};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::problem::{self, ProblemState};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The lists whose street day has begun at `now`: every earlier month, and this one from its day.
fn due_months(state: &AppState, now: DateTime<Utc>) -> Condition {
    let current = month_of(now);
    let mut due = Condition::any().add(problem::Column::Month.lt(current.as_str()));
    if street_due(&current, &state.config.problems).is_some_and(|d| now >= d) {
        due = due.add(problem::Column::Month.eq(current.as_str()));
    }
    due
}

/// Passes the items due at `now` to their streets; returns how many.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let rules = state.config.problems;
    let months = due_months(state, now);
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        let months = months.clone();
        Box::pin(async move {
            Ok(problem::Entity::find()
                .select_only()
                .column(problem::Column::Id)
                .filter(problem::Column::State.is_in(OPEN))
                .filter(months)
                .filter(problem::Column::Id.gt(after))
                .order_by_asc(problem::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    crate::db::sweep(
        db,
        "problem street day",
        ErrorCode::ProblemInvalidState,
        due,
        move |txn, id| Box::pin(async move { pass_to_street(txn, &rules, id, now).await }),
    )
    .await
}

/// Reminds the owners of claimed items whose street day is tomorrow; returns how many.
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let rules = state.config.problems;
    let current = month_of(now);
    if !reminder_due(&current, &rules, now) {
        return Ok(0);
    }
    let cfg = state.config.notify.clone();
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        let current = current.clone();
        Box::pin(async move {
            Ok(problem::Entity::find()
                .select_only()
                .column(problem::Column::Id)
                .filter(problem::Column::State.eq(ProblemState::Claimed))
                .filter(problem::Column::Month.eq(current))
                .filter(problem::Column::StreetRemindedAt.is_null())
                .filter(problem::Column::Id.gt(after))
                .order_by_asc(problem::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    crate::db::sweep(
        db,
        "problem reminders",
        ErrorCode::ProblemInvalidState,
        due,
        move |txn, id| {
            let cfg = cfg.clone();
            Box::pin(async move { remind_owner(txn, &cfg, &rules, id, now).await })
        },
    )
    .await
}
