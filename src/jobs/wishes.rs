//! Wish confirmation: a fulfilled wish its resident has not confirmed within
//! `WISH_CONFIRM_DAYS` is confirmed by the clock (`wishes::fulfilment::auto_confirm`), and its
//! claimer told.
//!
//! Picking: fulfilled wishes whose `fulfilled_at` is older than that, by id, a hundred at a time,
//! each confirmed in its own write transaction (`db::sweep`). The step is a conditional update on
//! the status and version read, so one confirmed by its resident (or another instance) meanwhile
//! answers `WISH_INVALID_TRANSITION` and is skipped.

use crate::error::{AppResult, ErrorCode};
use crate::state::AppState;
use crate::wishes::fulfilment::auto_confirm;
use chrono::{DateTime, Utc};
use entity::wish::{self, WishStatus};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Confirms the wishes fulfilled long enough before `now`; returns how many.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let cfg = state.config.notify.clone();
    let due_before = now - state.config.wishes.confirm_within;
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        Box::pin(async move {
            Ok(wish::Entity::find()
                .select_only()
                .column(wish::Column::Id)
                .filter(wish::Column::Status.eq(WishStatus::Fulfilled))
                .filter(wish::Column::FulfilledAt.lt(due_before))
                .filter(wish::Column::Id.gt(after))
                .order_by_asc(wish::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    crate::db::sweep(
        db,
        "wish confirmation",
        ErrorCode::WishInvalidTransition,
        due,
        move |txn, id| {
            let cfg = cfg.clone();
            Box::pin(async move { auto_confirm(txn, &cfg, id, now).await })
        },
    )
    .await
}
