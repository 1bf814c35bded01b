//! 资源清单: offering, listing and withdrawing resources.

use crate::access::{Browse, RegionAccess, ResourceAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::projects::resources::{self, ResourceIn, ResourceOut, ResourcesQuery};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 提供资源
///
/// 在本社区报到的单位的管理员向社区提供资源（场地、志愿者、资金、技能等），可写数量与可提供的起止日期；社区工作者也可代单位登记（须指定 unit_id）。在社区下的网格、楼栋提交的归入其社区。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "社区或其下的网格、楼栋 id")),
    request_body = ResourceIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已登记：offered", body = ResourceOut),
        (status = 400, description = "`VALIDATION_FAILED`：类别、名称、说明、数量、日期格式或电话无效"),
        (status = 403, description = "不是在本社区报到的单位的管理员，也不是社区工作者"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`UNIT_REQUIRED`：须指定单位；`UNIT_NOT_IN_COMMUNITY`：该单位未在本社区报到或不归你管理；`REGION_KIND_INVALID`：须为社区或其下的区域；`DATES_INVALID`：日期不在 2000–2100 年，或截止早于起始"),
    )
)]
#[post("/regions/{id}/resources")]
pub async fn offer(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    body: ApiJson<ResourceIn>,
) -> AppResult<HttpResponse> {
    let r = resources::offer(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(r))
}

/// 资源清单
///
/// 工作者看到区域内各社区的全部资源（含已撤回）与联系电话；本社区的居民、党员和单位管理员看到可提供的资源（不含联系电话），单位管理员另看到本单位的全部资源。按登记时间倒序。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "区域 id"), ResourcesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "资源列表", body = Page<ResourceOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效；`INVALID_QUERY`：类别、单位或状态无效"),
        (status = 403, description = "不是该区域的工作者，也不属于其社区"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/resources")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    q: ApiQuery<ResourcesQuery>,
) -> AppResult<web::Json<Page<ResourceOut>>> {
    Ok(web::Json(
        resources::of_region(&state, &at.principal, &at.region, &q).await?,
    ))
}

/// 撤回资源
///
/// 提供资源的单位的管理员或社区工作者撤回不再提供的资源。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "资源 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已撤回：withdrawn", body = ResourceOut),
        (status = 403, description = "不是提供资源的单位的管理员，也不是社区工作者"),
        (status = 404, description = "`RESOURCE_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`RESOURCE_INVALID_STATE`：已撤回"),
    )
)]
#[post("/resources/{id}/withdraw")]
pub async fn withdraw(state: web::Data<AppState>, a: ResourceAccess) -> AppResult<web::Json<ResourceOut>> {
    Ok(web::Json(
        resources::withdraw(&state, &a.principal, &a.seen).await?,
    ))
}
