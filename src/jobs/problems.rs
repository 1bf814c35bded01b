//! The problem list's clock: items still `published` or `claimed` when their month's street day
//! begins pass to the street (`problems::escalation`); the day before each deadline the reminders
//! go out (`problems::reminders`).
//!
//! Picking: candidate ids by id, a hundred at a time, each acted on in its own write transaction
//! (`db::sweep`). Passing is a conditional update on the state and version read; a reminder marks
//! the item (`street_reminded_at IS NULL`) or inserts its unique `problem_reminder` row, so an item another instance (or a person) got to
//! first answers `PROBLEM_INVALID_STATE` and is skipped: each happens once.

use crate::calendar::month_of;
use crate::error::{AppResult, ErrorCode};
use crate::problems::deadlines::street_due;
use crate::problems::escalation::{OPEN, pass_to_street};
use crate::problems::reminders::{ListReminder, day_before, remind_list, remind_owner};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::problem::{self, ProblemState};
use entity::region::{self, RegionKind};
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

/// Sends the reminders due at `now` (see `problems::reminders`); returns how many were recorded
/// (one per item, or per community and list).
pub async fn remind(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let current = month_of(now);
    let rules = state.config.problems;
    let mut sent = 0;
    for which in [ListReminder::File, ListReminder::Meeting] {
        if day_before(&current, which.day(&rules), now) {
            sent += remind_lists(state, which, &current, now).await?;
        }
    }
    if day_before(&current, rules.street_day, now) {
        sent += remind_owners(state, &current, now).await?;
    }
    Ok(sent)
}

/// The list reminders `which` for `month`: every community (filing), or those whose list still
/// has undecided items (the meeting).
async fn remind_lists(
    state: &AppState,
    which: ListReminder,
    month: &str,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let db = &state.db;
    let cfg = state.config.notify.clone();
    let listed = month.to_owned();
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        let month = listed.clone();
        Box::pin(async move {
            let ids = match which {
                ListReminder::File => {
                    region::Entity::find()
                        .select_only()
                        .column(region::Column::Id)
                        .filter(region::Column::Kind.eq(RegionKind::Community))
                        .filter(region::Column::Id.gt(after))
                        .order_by_asc(region::Column::Id)
                        .limit(100)
                        .into_tuple()
                        .all(db)
                        .await?
                }
                ListReminder::Meeting => {
                    problem::Entity::find()
                        .select_only()
                        .column(problem::Column::CommunityId)
                        .distinct()
                        .filter(problem::Column::State.eq(ProblemState::Filed))
                        .filter(problem::Column::Month.eq(month))
                        .filter(problem::Column::CommunityId.gt(after))
                        .order_by_asc(problem::Column::CommunityId)
                        .limit(100)
                        .into_tuple()
                        .all(db)
                        .await?
                }
            };
            Ok(ids)
        })
    };
    let month = month.to_owned();
    crate::db::sweep(
        db,
        "problem list reminders",
        ErrorCode::ProblemInvalidState,
        due,
        move |txn, id| {
            let (cfg, month) = (cfg.clone(), month.clone());
            Box::pin(async move { remind_list(txn, &cfg, which, id, &month, now).await })
        },
    )
    .await
}

/// Reminds the owners of claimed items of `month`'s lists that the street day is tomorrow.
async fn remind_owners(state: &AppState, month: &str, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let rules = state.config.problems;
    let cfg = state.config.notify.clone();
    let month = month.to_owned();
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        let month = month.clone();
        Box::pin(async move {
            Ok(problem::Entity::find()
                .select_only()
                .column(problem::Column::Id)
                .filter(problem::Column::State.eq(ProblemState::Claimed))
                .filter(problem::Column::Month.eq(month))
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
