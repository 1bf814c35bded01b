//! The activity row itself: locked by every change that counts places, refused once cancelled.

use crate::error::{AppError, AppResult, ErrorCode};
use entity::activity::{self, ActivityStatus};
use sea_orm::sea_query::LockType;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect};

/// The activity row, locked for the rest of the transaction (PostgreSQL `FOR UPDATE`; SQLite's
/// write transaction already holds the one write lock): signups, withdrawals, edits and cancels
/// of one activity queue behind each other.
pub async fn lock(conn: &impl ConnectionTrait, id: i64) -> AppResult<activity::Model> {
    let mut q = activity::Entity::find_by_id(id);
    if conn.get_database_backend() == DbBackend::Postgres {
        q = q.lock(LockType::Update);
    }
    q.one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// Refuses a change to a cancelled activity.
pub fn live(a: &activity::Model) -> AppResult<()> {
    if a.status == ActivityStatus::Cancelled {
        Err(AppError::new(ErrorCode::ActivityCancelled))
    } else {
        Ok(())
    }
}
