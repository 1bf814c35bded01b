//! Store redemption expiry: redemptions not picked up in time release their coins and return
//! their stock (`store::redemptions::expire_one`).
//!
//! Picking: pending redemptions past `expires_at`, by id, a hundred at a time, each expired in
//! its own write transaction (`db::sweep`). Settling is a conditional update on the `pending`
//! status, so one picked up, cancelled or expired by another instance meanwhile answers
//! `REDEMPTION_NOT_PENDING` and is skipped.

use crate::error::{AppResult, ErrorCode};
use crate::store::redemptions::expire_one;
use chrono::{DateTime, Utc};
use entity::redemption::{self, RedemptionStatus};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Expires the redemptions not picked up by `now`; returns how many.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let due = |after: i64| -> BoxFuture<'_, AppResult<Vec<i64>>> {
        Box::pin(async move {
            Ok(redemption::Entity::find()
                .select_only()
                .column(redemption::Column::Id)
                .filter(redemption::Column::Status.eq(RedemptionStatus::Pending))
                .filter(redemption::Column::ExpiresAt.lt(now))
                .filter(redemption::Column::Id.gt(after))
                .order_by_asc(redemption::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    crate::db::sweep(
        db,
        "redemption expiry",
        ErrorCode::RedemptionNotPending,
        due,
        move |txn, id| Box::pin(expire_one(txn, id, now)),
    )
    .await
}
