//! 共建项目清单: posting, listing and reading projects.

use crate::access::{Browse, ProjectAccess, RegionAccess, StaffRole};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::projects::listing::{self, ProjectsQuery};
use crate::projects::posting::{self, ProjectIn};
use crate::projects::view::{ProjectOut, one};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 发布共建项目
///
/// 社区（或其下网格）的工作者发布共建项目，可对应本社区征集中的需求，可写计划完成日期；发布后待驻区单位承接。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "社区或其下的网格、楼栋 id")),
    request_body = ProjectIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发布：open", body = ProjectOut),
        (status = 400, description = "`VALIDATION_FAILED`：名称、内容或日期格式无效"),
        (status = 403, description = "不是该区域的工作者"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`PROJECT_NEED_INVALID`：需求不存在、不属于本社区或已关闭；`REGION_KIND_INVALID`：须为社区或其下的区域；`DATES_INVALID`：计划完成日期早于今天或不在 2000–2100 年"),
    )
)]
#[post("/regions/{id}/projects")]
pub async fn post(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    body: ApiJson<ProjectIn>,
) -> AppResult<HttpResponse> {
    let it = posting::post(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(it))
}

/// 共建项目清单
///
/// 工作者看到区域内各社区的项目；本社区的居民、党员和单位管理员看到本社区的项目（承接单位看到本单位项目的全部信息）。按发布时间倒序。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "区域 id"), ProjectsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "项目列表", body = Page<ProjectOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效；`INVALID_QUERY`：状态或单位无效"),
        (status = 403, description = "不是该区域的工作者，也不属于其社区"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/projects")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    q: ApiQuery<ProjectsQuery>,
) -> AppResult<web::Json<Page<ProjectOut>>> {
    Ok(web::Json(
        listing::of_region(&state, &at.principal, &at.region, &q).await?,
    ))
}

/// 共建项目详情
///
/// 含进展记录（发布、承接、进展、完成、取消）。工作者和承接单位看到操作人，其他人看不到。
#[utoipa::path(
    tag = "共建清单",
    params(("id" = String, Path, description = "项目 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "项目", body = ProjectOut),
        (status = 404, description = "`PROJECT_NOT_FOUND`：不存在或与你无关"),
    )
)]
#[get("/projects/{id}")]
pub async fn get(state: web::Data<AppState>, a: ProjectAccess) -> AppResult<web::Json<ProjectOut>> {
    let full = a.seen.full(&a.principal);
    Ok(web::Json(one(&state.db, a.seen.project, full).await?))
}
