//! 晒单 and 评单 statistics: public views of finished work.

use crate::access::Principal;
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiQuery, PathId};
use crate::orders::showcase::{self as public, RatingStatsOut, RatingsQuery, ShowcaseOut};
use crate::state::AppState;
use actix_web::{get, web};

/// 晒单
///
/// 区域内已完成服务的公开展示，按时间倒序。
#[utoipa::path(
    tag = "晒单",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    responses(
        (status = 200, description = "晒单列表（无需登录）", body = Page<ShowcaseOut>),
        (status = 404, description = "区域不存在"),
    )
)]
#[get("/regions/{id}/showcase")]
pub async fn showcase(
    state: web::Data<AppState>,
    id: PathId,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<ShowcaseOut>>> {
    Ok(web::Json(
        public::showcase(&state.read, id.into_inner(), &q).await?,
    ))
}

/// 评单统计
///
/// 区域内已完成服务的评分：先是汇总，再按党员（或单位）高分在前分页列出，均由数据库计算。
/// 除该区域的社区工作者外，党员姓名打码。
#[utoipa::path(
    tag = "晒单",
    params(("id" = String, Path, description = "区域 id"), RatingsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "评单统计（无需登录；未登录时党员姓名打码）", body = RatingStatsOut),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 404, description = "区域不存在"),
    )
)]
#[get("/regions/{id}/ratings")]
pub async fn ratings(
    state: web::Data<AppState>,
    p: Option<Principal>,
    id: PathId,
    q: ApiQuery<RatingsQuery>,
) -> AppResult<web::Json<RatingStatsOut>> {
    let stats = public::ratings(&state.read, p.as_ref(), id.into_inner(), &q).await?;
    Ok(web::Json(stats))
}
