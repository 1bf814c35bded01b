//! A resident posts a wish where they live (a community or a grid), and may withdraw it until
//! someone claims it.

use super::state::{Step, act};
use super::view::{WishOut, one};
use super::visibility::{Seen, Standing, require};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use entity::media::Attachment;
use entity::region::{self, RegionKind};
use entity::wish::{self, WishStatus};
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 发布心愿
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WishIn {
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(example = "想要一个新书包", min_length = 1, max_length = 60)]
    pub title: String,
    #[validate(length(min = 1, max = 1000, message = "描述为 1 到 1000 个字"))]
    #[schema(example = "孩子今年上三年级，旧书包坏了", min_length = 1, max_length = 1000)]
    pub description: String,
    /// 照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// Posts a wish in `at` (a community or grid) for a resident confirmed to live there; it waits
/// for staff review. 403 `NOT_A_RESIDENT` for a caller who sees the place but does not live
/// there, 404 for one who does not see it.
pub async fn post(state: &AppState, p: &Principal, at: &region::Model, b: WishIn) -> AppResult<WishOut> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    if !matches!(at.kind, RegionKind::Community | RegionKind::Grid) {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("心愿须发布在社区或网格"));
    }
    if !p.lives_in(&at.path) {
        if !p.sees(&at.path) {
            return Err(AppError::new(ErrorCode::NotFound));
        }
        return Err(AppError::new(ErrorCode::NotAResident));
    }
    let community = state
        .regions
        .community_of(&state.db, at)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let w = wish::ActiveModel {
        region_id: Set(at.id),
        community_id: Set(community.id),
        resident_id: Set(p.id()),
        title: Set(b.title),
        description: Set(b.description),
        photos: Set(serde_json::to_string(&b.photos).map_err(AppError::internal)?),
        status: Set(WishStatus::PendingReview),
        auto_confirmed: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::media::attach::attach(&txn, p.id(), &b.photos, Attachment::Wish, w.id).await?;
    txn.commit().await?;
    let standing = Standing {
        poster: true,
        ..Default::default()
    };
    one(&state.db, w, &standing).await
}

/// 撤回 by the resident who posted it, before anyone claims it.
pub async fn withdraw(state: &AppState, seen: &Seen) -> AppResult<WishOut> {
    require(seen.standing.poster, "只有发布心愿的居民可以撤回")?;
    act(
        state,
        seen.wish.resident_id,
        seen,
        Step::Withdraw,
        Default::default(),
    )
    .await
}
