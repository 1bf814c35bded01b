//! 圆梦: the claimer fulfils the wish with a note and a photo; the resident confirms receipt, or
//! the clock confirms it `WISH_CONFIRM_DAYS` after it was fulfilled (`jobs::wishes`).

use super::state::{Step, act, act_attaching, advance};
use super::view::WishOut;
use super::visibility::{Seen, require};
use crate::auth::Principal;
use crate::config::NotifyConfig;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::wish;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 圆梦
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilIn {
    /// 圆梦说明
    #[validate(length(min = 1, max = 500, message = "说明为 1 到 500 个字"))]
    #[schema(example = "已把书包送到家中", min_length = 1, max_length = 500)]
    pub note: String,
    /// 圆梦照片：上传所得的 `media:{id}` 或 https:// 地址；圆梦后在晒单中公开
    #[validate(custom(function = "crate::media::reference::valid_photo"))]
    #[schema(value_type = crate::media::reference::PhotoRef)]
    pub photo: String,
}

/// 圆梦 by the claimer.
pub async fn fulfil(state: &AppState, p: &Principal, seen: &Seen, b: FulfilIn) -> AppResult<WishOut> {
    require(seen.standing.claimer, "只有认领人可以提交圆梦")?;
    let set = wish::ActiveModel {
        fulfil_note: Set(Some(b.note)),
        fulfil_photo: Set(Some(b.photo.clone())),
        fulfilled_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    act_attaching(state, p.id(), seen, Step::Fulfil, set, Some(&b.photo)).await
}

fn confirmed(at: DateTime<Utc>, by_clock: bool) -> wish::ActiveModel {
    wish::ActiveModel {
        confirmed_at: Set(Some(at)),
        auto_confirmed: Set(by_clock),
        ..Default::default()
    }
}

/// 确认收到 by the resident who posted it.
pub async fn confirm(state: &AppState, p: &Principal, seen: &Seen) -> AppResult<WishOut> {
    require(seen.standing.poster, "只有发布心愿的居民可以确认")?;
    act(state, p.id(), seen, Step::Confirm, confirmed(Utc::now(), false)).await
}

/// The clock confirms wish `id` for its resident, in the caller's transaction; a wish confirmed
/// or changed meanwhile answers `WISH_INVALID_TRANSITION`.
pub async fn auto_confirm(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let w = wish::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::WishNotFound))?;
    advance(conn, cfg, &w, Step::Confirm, confirmed(now, true), now).await?;
    Ok(())
}
