//! Attaching uploads to what a write names them in, in that write's transaction.

use super::reference::media_id;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::media::{self, Attachment};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeSet;

/// Marks every upload among `refs` (`media:{id}`; `https://` URLs pass untouched) as attached to
/// `kind` `id`. Each must be `writer`'s own and attached to nothing else (or already to this
/// very field): otherwise 422 `MEDIA_INVALID` and the caller's transaction rolls back.
pub async fn attach<'r>(
    conn: &impl ConnectionTrait,
    writer: i64,
    refs: impl IntoIterator<Item = &'r String>,
    kind: Attachment,
    id: i64,
) -> AppResult<()> {
    let ids: BTreeSet<i64> = refs.into_iter().filter_map(|r| media_id(r)).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let free_or_here = Condition::any().add(media::Column::AttachedKind.is_null()).add(
        Condition::all()
            .add(media::Column::AttachedKind.eq(kind))
            .add(media::Column::AttachedId.eq(id)),
    );
    let done = media::Entity::update_many()
        .col_expr(media::Column::AttachedKind, Expr::value(kind))
        .col_expr(media::Column::AttachedId, Expr::value(id))
        .filter(media::Column::Id.is_in(ids.iter().copied()))
        .filter(media::Column::OwnerId.eq(writer))
        .filter(free_or_here)
        .exec(conn)
        .await?;
    if done.rows_affected != ids.len() as u64 {
        return Err(AppError::new(ErrorCode::MediaInvalid));
    }
    Ok(())
}
