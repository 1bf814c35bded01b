//! The append-only log of an item: one row per step, in the step's transaction.

use chrono::{DateTime, Utc};
use entity::problem_event::{self, ProblemAction};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Appends `action` on item `problem_id` by `actor` (`None`: the clock) with `note`.
pub async fn log(
    conn: &impl ConnectionTrait,
    problem_id: i64,
    action: ProblemAction,
    actor: Option<i64>,
    note: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    problem_event::ActiveModel {
        problem_id: Set(problem_id),
        action: Set(action),
        actor_id: Set(actor),
        note: Set(note),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
