//! 吹哨报到 deadlines: a whistle not acknowledged by `respond_by`, or not resolved by
//! `resolve_by`, is flagged once (`whistles::overdue::flag`), which also moves an order nobody
//! works on one level up.
//!
//! Picking: whistles past the deadline and not flagged, by id, a hundred at a time, each in its
//! own write transaction (`db::sweep`). The flag is a conditional update on "still due", so one
//! acknowledged or flagged meanwhile (by a person or another instance) answers
//! `WHISTLE_NOT_OPEN` and is skipped.

use crate::error::{AppResult, ErrorCode};
use crate::state::AppState;
use crate::whistles::overdue::{Missed, flag};
use chrono::{DateTime, Utc};
use entity::whistle;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Flags the whistles that missed `missed` at `now`; returns how many.
pub async fn run(state: &AppState, missed: Missed, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let due = move |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        Box::pin(async move {
            Ok(whistle::Entity::find()
                .select_only()
                .column(whistle::Column::Id)
                .filter(missed.due(now))
                .filter(whistle::Column::Id.gt(after))
                .order_by_asc(whistle::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    let cfg = state.config.clone();
    crate::db::sweep(
        db,
        "whistle deadlines",
        ErrorCode::WhistleNotOpen,
        due,
        move |txn, id| {
            let cfg = cfg.clone();
            Box::pin(async move { flag(txn, &cfg, id, missed, now).await })
        },
    )
    .await
}
