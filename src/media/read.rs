//! Reading an upload: who may see it follows what it is attached to.

use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::media::{self, Attachment};
use entity::project;
use entity::service_order::{self, OrderStatus};
use entity::whistle;
use entity::wish::{self, WishStatus};
use sea_orm::EntityTrait;

/// The picture or its thumbnail.
#[derive(Debug, Clone, Copy)]
pub enum Variant {
    Original,
    Thumbnail,
}

/// Bytes with their content type.
pub struct Picture {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::MediaNotFound)
}

/// Upload `id` as `p` (or an anonymous caller) may read it; 404 `MEDIA_NOT_FOUND` when it does
/// not exist or they may not see it.
pub async fn open(state: &AppState, p: Option<&Principal>, id: i64, variant: Variant) -> AppResult<Picture> {
    let row = media::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    if !may_see(state, p, &row).await? {
        return Err(not_found());
    }
    let key = match variant {
        Variant::Original => &row.original_key,
        Variant::Thumbnail => &row.thumbnail_key,
    };
    let bytes = state.media.get(key).await.map_err(AppError::internal)?;
    Ok(Picture {
        content_type: row.content_type,
        bytes: bytes.ok_or_else(not_found)?,
    })
}

/// The uploader always; once attached, whoever sees the photo where it is shown (a project's
/// photos: everyone of its community, as its log; a department's resolve photos: who sees the
/// order it was whistled on), and anyone when it is shown publicly (a closed order's completion photos and a fulfilled wish's photo
/// in the showcase, goods pictures).
async fn may_see(state: &AppState, p: Option<&Principal>, row: &media::Model) -> AppResult<bool> {
    if p.is_some_and(|p| p.id() == row.owner_id) {
        return Ok(true);
    }
    let (Some(kind), Some(on)) = (row.attached_kind, row.attached_id) else {
        return Ok(false);
    };
    match kind {
        Attachment::Goods => Ok(true),
        Attachment::Order => order_seen(state, p, on, false).await,
        Attachment::OrderCompletion => order_seen(state, p, on, true).await,
        Attachment::Whistle => {
            let Some(w) = whistle::Entity::find_by_id(on).one(&state.db).await? else {
                return Ok(false);
            };
            order_seen(state, p, w.order_id, false).await
        }
        Attachment::Wish | Attachment::WishFulfilment => {
            let Some(w) = wish::Entity::find_by_id(on).one(&state.db).await? else {
                return Ok(false);
            };
            let showcased = matches!(w.status, WishStatus::Fulfilled | WishStatus::Confirmed);
            if kind == Attachment::WishFulfilment && showcased {
                return Ok(true);
            }
            let Some(p) = p else { return Ok(false) };
            match crate::wishes::visibility::locate(&state.db, &state.regions, p, on, |s, st| s.sees(st))
                .await
            {
                Ok(_) => Ok(true),
                Err(e) if e.code == ErrorCode::WishNotFound => Ok(false),
                Err(e) => Err(e),
            }
        }
        Attachment::Problem | Attachment::ProblemResult => {
            let Some(p) = p else { return Ok(false) };
            match crate::problems::visibility::locate(&state.db, &state.regions, p, on).await {
                Ok(seen) => Ok(kind == Attachment::ProblemResult || seen.standing.reads_details()),
                Err(e) if e.code == ErrorCode::ProblemNotFound => Ok(false),
                Err(e) => Err(e),
            }
        }
        Attachment::ProjectStep => {
            let Some(p) = p else { return Ok(false) };
            let Some(it) = project::Entity::find_by_id(on).one(&state.db).await? else {
                return Ok(false);
            };
            let not_found = ErrorCode::ProjectNotFound;
            match crate::projects::visibility::community_for(
                &state.db,
                &state.regions,
                p,
                it.community_id,
                not_found,
            )
            .await
            {
                Ok(_) => Ok(true),
                Err(e) if e.code == not_found => Ok(false),
                Err(e) => Err(e),
            }
        }
    }
}

/// Whether `p` sees order `id` (anyone does once it is closed, when `public_when_closed`).
async fn order_seen(
    state: &AppState,
    p: Option<&Principal>,
    id: i64,
    public_when_closed: bool,
) -> AppResult<bool> {
    let Some(order) = service_order::Entity::find_by_id(id).one(&state.db).await? else {
        return Ok(false);
    };
    if public_when_closed && order.status == OrderStatus::Closed {
        return Ok(true);
    }
    let Some(p) = p else { return Ok(false) };
    Ok(crate::orders::visibility::standing(state, p, &order)
        .await?
        .sees())
}
