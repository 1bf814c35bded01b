//! Filing, listing and reading problem-list items.

use crate::access::{Browse, ProblemAccess, RegionAccess, StaffRole};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::problems::filing::{self, ProblemIn};
use crate::problems::listing::{self, ProblemsQuery};
use crate::problems::view::{ProblemOut, one};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 排查登记问题
///
/// 社区或网格的工作者登记排查发现的问题，进入所属社区的当月清单；过了排查截止日（默认每月 10 日，北京时间）登记的进入下月清单。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "社区或其下的网格、楼栋 id")),
    request_body = ProblemIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已登记：filed，month 为所进清单的月份", body = ProblemOut),
        (status = 400, description = "`VALIDATION_FAILED`：标题、描述、轻重、位置或照片无效"),
        (status = 403, description = "不是该区域的工作者"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区或其下的区域；`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/regions/{id}/problems")]
pub async fn file(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    body: ApiJson<ProblemIn>,
) -> AppResult<HttpResponse> {
    let it = filing::file(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(it))
}

/// 问题清单
///
/// 工作者看到区域内登记的全部问题；在本社区报到的单位管理员看到已发布的清单和本单位认领的问题；本社区居民、党员看到已发布的清单（不含登记人）。按登记时间倒序。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "区域 id"), ProblemsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "问题列表", body = Page<ProblemOut>),
        (status = 400, description = "`VALIDATION_FAILED`：月份、状态、游标或每页条数无效"),
        (status = 403, description = "不是该区域的工作者，也不属于其社区"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/problems")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    q: ApiQuery<ProblemsQuery>,
) -> AppResult<web::Json<Page<ProblemOut>>> {
    Ok(web::Json(
        listing::of_region(&state, &at.principal, &at.region, &q).await?,
    ))
}

/// 问题详情
///
/// 含事件记录（登记、采纳、合并、不予采纳、发布、认领、放弃、移交街道、解决）。工作者看到全部；单位管理员看不到登记人与操作人；居民只看到公开信息。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "问题 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "问题", body = ProblemOut),
        (status = 404, description = "`PROBLEM_NOT_FOUND`：不存在或与你无关"),
    )
)]
#[get("/problems/{id}")]
pub async fn get(state: web::Data<AppState>, a: ProblemAccess) -> AppResult<web::Json<ProblemOut>> {
    let seen = a.seen;
    let rules = &state.config.problems;
    Ok(web::Json(
        one(&state.db, seen.problem, &seen.standing, rules).await?,
    ))
}
