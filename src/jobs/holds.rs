//! Ledger hold expiry: holds whose `expires_at` passed are voided (`ledger::holds::resolve`).
//!
//! Picking: open holds past their time, by id, a hundred at a time, each voided in its own write
//! transaction (`db::sweep`). The void's unique `pending_id` lets exactly one resolution of a
//! hold land, so a hold posted by a pickup or voided by another instance meanwhile answers
//! `HOLD_NOT_PENDING` and is skipped.

use crate::error::{AppResult, ErrorCode};
use crate::ledger::holds::{due, resolve};
use chrono::{DateTime, Utc};
use entity::transfer;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Voids the holds whose time ran out at `now`; returns how many.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let due = |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        Box::pin(async move {
            Ok(transfer::Entity::find()
                .select_only()
                .column(transfer::Column::Id)
                .filter(due(now))
                .filter(transfer::Column::Id.gt(after))
                .order_by_asc(transfer::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    crate::db::sweep(
        db,
        "hold expiry",
        ErrorCode::HoldNotPending,
        due,
        move |txn, id| Box::pin(async move { resolve(txn, id, false, None, now).await.map(|_| ()) }),
    )
    .await
}
