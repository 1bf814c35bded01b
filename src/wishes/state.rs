//! Applying a step of the state machine (`machine`): one conditional update on the status read,
//! so two steps racing on one wish leave exactly one winner, with the notices the step owes.

pub use super::machine::Step;
use super::machine::{next, refused};
use super::notices;
use super::view::{WishOut, one};
use super::visibility::{Seen, Standing};
use crate::config::NotifyConfig;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::attach::attach;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media::Attachment;
use entity::wish;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// Applies `step` to `w` as read, with the columns in `set`, in the caller's transaction, and
/// writes the notices it owes. A claim is conditioned on the status alone (`open`: the first
/// wins, the rest are told it was taken); every other step also on `updated_at`, so a wish that
/// was released and claimed again meanwhile is not fulfilled by its former claimer.
pub async fn advance(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    w: &wish::Model,
    step: Step,
    mut set: wish::ActiveModel,
    at: DateTime<Utc>,
) -> AppResult<wish::Model> {
    let to = next(w.status, step).ok_or_else(|| refused(w.status, step))?;
    set.status = Set(to);
    set.updated_at = Set(at);
    let mut change = wish::Entity::update_many()
        .set(set)
        .filter(wish::Column::Id.eq(w.id))
        .filter(wish::Column::Status.eq(w.status));
    if step != Step::Claim {
        change = change.filter(wish::Column::UpdatedAt.eq(w.updated_at));
    }
    let updated = crate::db::update_returning(conn, change, wish::Entity::find_by_id(w.id)).await?;
    let Some(updated) = updated else {
        let now = wish::Entity::find_by_id(w.id)
            .one(conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::WishNotFound))?;
        return Err(refused(now.status, step));
    };
    notices::owed(conn, cfg, w, &updated, step, at).await?;
    Ok(updated)
}

/// Applies `step` to the wish `seen` in its own write transaction; the wish as the caller
/// (`caller`) now sees it.
pub async fn act(
    state: &AppState,
    caller: i64,
    seen: &Seen,
    step: Step,
    set: wish::ActiveModel,
) -> AppResult<WishOut> {
    act_attaching(state, caller, seen, step, set, None).await
}

/// As [`act`], attaching `fulfil_photo` (when an upload of the caller's) to the wish's fulfilment
/// in the same transaction.
pub async fn act_attaching(
    state: &AppState,
    caller: i64,
    seen: &Seen,
    step: Step,
    set: wish::ActiveModel,
    fulfil_photo: Option<&String>,
) -> AppResult<WishOut> {
    let txn = crate::db::begin_write(&state.db).await?;
    let w = advance(&txn, &state.config.notify, &seen.wish, step, set, Utc::now()).await?;
    attach(&txn, caller, fulfil_photo, Attachment::WishFulfilment, w.id).await?;
    txn.commit().await?;
    let standing = Standing {
        claimer: w.claimer_id == Some(caller),
        ..seen.standing
    };
    one(&state.db, w, &standing).await
}
