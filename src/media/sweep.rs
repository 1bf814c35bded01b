//! Uploads never attached to anything: deleted (row and files) once they are a day old.

use crate::error::AppResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Deletes upload `id` if it is still unattached and was made before `before`; answers whether
/// it did. The row goes first, in one conditional statement, so an attach racing it either wins
/// (the row stays) or finds it gone (`MEDIA_INVALID`); the files follow.
pub async fn forget(state: &AppState, id: i64, before: DateTime<Utc>) -> AppResult<bool> {
    let Some(row) = media::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(false);
    };
    let gone = media::Entity::delete_many()
        .filter(media::Column::Id.eq(id))
        .filter(media::Column::AttachedKind.is_null())
        .filter(media::Column::CreatedAt.lt(before))
        .exec(&state.db)
        .await?;
    if gone.rows_affected == 0 {
        return Ok(false);
    }
    drop_files(state, &[row.original_key, row.thumbnail_key]).await;
    Ok(true)
}

/// Deletes stored files, logging (not failing on) what could not be deleted.
pub async fn drop_files(state: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = state.media.delete(key).await {
            tracing::warn!(key, error = %e, "media file left behind");
        }
    }
}
