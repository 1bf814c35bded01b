//! Activity close-out: at an activity's end, everyone still checked in is checked out by the
//! clock (`activities::attendance::close_by_clock`: at `ends_at`, credited, `closed_by_clock`).
//!
//! Picking: signups checked in and not out whose published activity ended, by id, a hundred at
//! a time, each closed in its own write transaction. The close is a conditional update
//! (`checkout_at IS NULL`), so a check-out by the member or staff, or another instance, racing
//! this job leaves exactly one check-out and one credit.

use crate::activities::attendance::{close_by_clock, left_open};
use crate::config::Config;
use crate::error::{AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

const BATCH: u64 = 100;

/// Closes every signup left open at `now`; returns how many this pass closed.
pub async fn run(db: &DatabaseConnection, cfg: &Arc<Config>, now: DateTime<Utc>) -> AppResult<usize> {
    crate::db::sweep(
        db,
        "activity close-out",
        ErrorCode::AlreadyCheckedOut,
        |after| Box::pin(async move { left_open(db, now, after, BATCH).await }),
        move |txn, id| {
            let cfg = Arc::clone(cfg);
            Box::pin(async move {
                if close_by_clock(txn, &cfg, id).await? {
                    Ok(())
                } else {
                    Err(crate::error::AppError::new(ErrorCode::AlreadyCheckedOut))
                }
            })
        },
    )
    .await
}
