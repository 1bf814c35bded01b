//! Applying a step to an item: one conditional update on the state read, so two steps racing on
//! one item leave exactly one winner, and the step's entry in the item's log.

use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::problem::{self, ProblemState};
use entity::problem_event::ProblemAction;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// One step: the state it leads to, its log entry, who took it and why.
pub struct Step {
    pub to: ProblemState,
    pub action: ProblemAction,
    pub actor: Option<i64>,
    pub note: Option<String>,
}

/// The refusal for a step to `to` on an item now in `now`.
pub fn refused(now: ProblemState, to: ProblemState) -> AppError {
    if to == ProblemState::Claimed && now == ProblemState::Claimed {
        AppError::new(ErrorCode::ProblemAlreadyClaimed)
    } else {
        AppError::new(ErrorCode::ProblemInvalidState)
    }
}

/// Applies `step` to `it` as read, with the columns in `set`, in the caller's transaction, and
/// logs it. A claim is conditioned on the state alone (the first claim wins, the rest are told
/// it was taken); every other step also on `updated_at`, so a step decided on a stale read (a
/// drop by a unit whose claim was meanwhile dropped and taken by another) changes nothing.
pub async fn advance(
    conn: &impl ConnectionTrait,
    it: &problem::Model,
    step: Step,
    mut set: problem::ActiveModel,
    at: DateTime<Utc>,
) -> AppResult<problem::Model> {
    set.state = Set(step.to);
    set.updated_at = Set(at);
    let mut change = problem::Entity::update_many()
        .set(set)
        .filter(problem::Column::Id.eq(it.id))
        .filter(problem::Column::State.eq(it.state));
    if step.to != ProblemState::Claimed {
        change = change.filter(problem::Column::UpdatedAt.eq(it.updated_at));
    }
    let updated = crate::db::update_returning(conn, change, problem::Entity::find_by_id(it.id)).await?;
    let Some(updated) = updated else {
        let now = problem::Entity::find_by_id(it.id)
            .one(conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::ProblemNotFound))?;
        return Err(refused(now.state, step.to));
    };
    super::events::log(conn, it.id, step.action, step.actor, step.note, at).await?;
    Ok(updated)
}
