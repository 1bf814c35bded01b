//! The street day: every item of a list still `published` or `claimed` when its street day
//! begins passes to the community's street (owner region = the street, state `escalated`), once,
//! logged; the street's staff own it then.

use super::deadlines::street_due;
use super::state::{Step, advance};
use crate::config::ProblemRules;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::problem::{self, ProblemState};
use entity::problem_event::ProblemAction;
use entity::region;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

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
