//! The orphan sweep: uploads attached to nothing for `orphan_after` (a day) are deleted, row
//! and files (`media::sweep::forget`).
//!
//! Picking: unattached rows older than that, by id, a hundred at a time. Each deletion is one
//! conditional statement (still unattached, still old), so an upload attached meanwhile, or one
//! another instance deleted first, is left alone.

use crate::error::AppResult;
use crate::media::sweep::forget;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Deletes the uploads left unattached long enough before `now`; returns how many.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let before = now - state.config.media.orphan_after;
    let mut done = 0;
    let mut after = 0;
    loop {
        let ids: Vec<i64> = media::Entity::find()
            .select_only()
            .column(media::Column::Id)
            .filter(media::Column::AttachedKind.is_null())
            .filter(media::Column::CreatedAt.lt(before))
            .filter(media::Column::Id.gt(after))
            .order_by_asc(media::Column::Id)
            .limit(100)
            .into_tuple()
            .all(&state.db)
            .await?;
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = *last;
        for id in ids {
            match forget(state, id, before).await {
                Ok(true) => done += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(id, error = %e, "media sweep: skipped, retried next time"),
            }
        }
    }
}
