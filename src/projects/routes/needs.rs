//! 需求清单: posting, listing and closing needs.

use crate::access::{Browse, NeedAccess, RegionAccess, StaffRole};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::projects::needs::{self, NeedCloseIn, NeedIn, NeedOut, NeedsQuery};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 发布需求
///
/// 社区（或其下网格）的工作者发布社区需要驻区单位支持的需求，归入所属社区的需求清单。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "社区或其下的网格、楼栋 id")),
    request_body = NeedIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发布：open", body = NeedOut),
        (status = 400, description = "`VALIDATION_FAILED`：标题、说明或类别无效"),
        (status = 403, description = "不是该区域的工作者"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区或其下的区域"),
    )
)]
#[post("/regions/{id}/needs")]
pub async fn post(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    body: ApiJson<NeedIn>,
) -> AppResult<HttpResponse> {
    let n = needs::post(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(n))
}

/// 需求清单
///
/// 工作者看到区域内各社区的需求；本社区的居民、党员和单位管理员看到本社区的需求（不含发布人）。按发布时间倒序。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "区域 id"), NeedsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "需求列表", body = Page<NeedOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效；`INVALID_QUERY`：类别或状态无效"),
        (status = 403, description = "不是该区域的工作者，也不属于其社区"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/needs")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    q: ApiQuery<NeedsQuery>,
) -> AppResult<web::Json<Page<NeedOut>>> {
    Ok(web::Json(
        needs::of_region(&state, &at.principal, &at.region, &q).await?,
    ))
}

/// 关闭需求
///
/// 社区工作者在需求已满足或不再需要时关闭，可附说明。可不带请求体。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "需求 id")),
    request_body(content = Option<NeedCloseIn>, description = "可省略请求体"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已关闭：closed", body = NeedOut),
        (status = 400, description = "`VALIDATION_FAILED`：说明无效"),
        (status = 403, description = "不是该社区的工作者"),
        (status = 404, description = "`NEED_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`NEED_INVALID_STATE`：已关闭"),
    )
)]
#[post("/needs/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    a: NeedAccess,
    body: ApiJson<NeedCloseIn>,
) -> AppResult<web::Json<NeedOut>> {
    Ok(web::Json(
        needs::close(&state, &a.principal, &a.seen, body.0).await?,
    ))
}
