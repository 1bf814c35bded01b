//! The street day: every item of a list still `published` or `claimed` when its street day
//! begins passes to the community's street (owner region = the street, state `escalated`), once,
//! logged; the street's staff own it then. The day before, the unit that claimed an item is
//! reminded (once per item).

use super::deadlines::street_due;
use super::state::{Step, advance};
use crate::config::{NotifyConfig, ProblemRules};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{ProblemNotice, enqueue_problem};
use chrono::{DateTime, Duration, Utc};
use entity::problem::{self, ProblemState};
use entity::problem_event::ProblemAction;
use entity::region;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// The states that pass to the street.
pub const OPEN: [ProblemState; 2] = [ProblemState::Published, ProblemState::Claimed];

/// Passes item `id` to its community's street, in the caller's transaction, if it is still open
/// and its street day has begun at `now`; `PROBLEM_INVALID_STATE` otherwise (nothing to do).
pub async fn pass_to_street(
    conn: &impl ConnectionTrait,
    rules: &ProblemRules,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let gone = || AppError::new(ErrorCode::ProblemInvalidState);
    let it = problem::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let due = street_due(&it.month, rules).is_some_and(|due| now >= due);
    if !due || !OPEN.contains(&it.state) {
        return Err(gone());
    }
    let community = region::Entity::find_by_id(it.community_id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let street = match community.parent_id {
        Some(parent) => region::Entity::find_by_id(parent).one(conn).await?,
        None => None,
    };
    let Some(street) = street else {
        tracing::warn!(
            problem_id = id,
            "problem list: the community has no street above it"
        );
        return Err(gone());
    };
    let set = problem::ActiveModel {
        owner_region_id: Set(street.id),
        ..Default::default()
    };
    let step = Step {
        to: ProblemState::Escalated,
        action: ProblemAction::Escalated,
        actor: None,
        note: Some(format!("到期未解决，移交{}", street.name)),
    };
    advance(conn, &it, step, set, now).await?;
    Ok(())
}

/// Whether `now` is the day before `month`'s street day (its last 24 hours before it begins).
pub fn reminder_due(month: &str, rules: &ProblemRules, now: DateTime<Utc>) -> bool {
    street_due(month, rules).is_some_and(|due| now >= due - Duration::days(1) && now < due)
}

/// Reminds the admin who claimed item `id` that it passes to the street tomorrow, once, in the
/// caller's transaction; `PROBLEM_INVALID_STATE` when there is nothing (more) to remind.
pub async fn remind_owner(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    rules: &ProblemRules,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let gone = || AppError::new(ErrorCode::ProblemInvalidState);
    let it = problem::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let (Some(owner), ProblemState::Claimed) = (it.claimed_by, it.state) else {
        return Err(gone());
    };
    if !reminder_due(&it.month, rules, now) {
        return Err(gone());
    }
    let marked = problem::Entity::update_many()
        .set(problem::ActiveModel {
            street_reminded_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(problem::Column::Id.eq(id))
        .filter(problem::Column::StreetRemindedAt.is_null())
        .exec(conn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(gone());
    }
    let notice = ProblemNotice {
        problem_id: it.id,
        region_id: it.community_id,
        recipient: owner,
        title: &it.title,
        status_label: "明日移交街道",
        at: now,
    };
    enqueue_problem(conn, cfg, notice).await?;
    Ok(())
}
