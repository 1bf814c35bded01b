//! 心愿晒单: the public feed of fulfilled wishes.

use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiQuery, PathId};
use crate::state::AppState;
use crate::wishes::showcase::{self as public, WishShowcaseOut};
use actix_web::{get, web};

/// 心愿晒单
///
/// 区域内已圆梦的微心愿的公开展示（已脱敏），按发布时间倒序。
#[utoipa::path(
    tag = "晒单",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    responses(
        (status = 200, description = "心愿晒单（无需登录）", body = Page<WishShowcaseOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 404, description = "区域不存在"),
    )
)]
#[get("/regions/{id}/showcase/wishes")]
pub async fn showcase(
    state: web::Data<AppState>,
    id: PathId,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<WishShowcaseOut>>> {
    Ok(web::Json(
        public::showcase(&state.read, id.into_inner(), &q).await?,
    ))
}
