//! The HTTP surface of volunteer teams.

use crate::access::{Browse, RegionAccess, TeamAccess};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::teams::listing;
use crate::teams::manage::{self, TeamIn, TeamOut};
use actix_web::{HttpResponse, delete, get, post, web};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(form)
        .service(in_region)
        .service(get_team)
        .service(join)
        .service(leave);
}

/// 成立志愿服务队
///
/// 社区工作者在本社区成立；驻区单位管理员带 `unit_id` 为本单位成立。队长自动成为队员。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "社区 id")),
    request_body = TeamIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已成立", body = TeamOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要社区工作者或驻区单位管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围；`USER_NOT_FOUND`：队长不存在"),
        (status = 409, description = "`TEAM_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区；`UNIT_NOT_IN_COMMUNITY`"),
    )
)]
#[post("/regions/{id}/teams")]
pub async fn form(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
    body: ApiJson<TeamIn>,
) -> AppResult<HttpResponse> {
    let t = manage::form(&state.db, &access.principal, &access.region, body.0).await?;
    Ok(HttpResponse::Created().json(t))
}

/// 区域的志愿服务队
///
/// 该区域下各社区的志愿服务队（区域在社区之内时为其所在社区），按成立时间倒序；只列出你能查看的服务队
/// （本社区成员与上级工作者），含队长、队员人数与限本队活动累计计入的时长。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务队", body = Page<TeamOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 404, description = "`NOT_FOUND`：区域不存在或不在你的范围"),
    )
)]
#[get("/regions/{id}/teams")]
pub async fn in_region(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<TeamOut>>> {
    let (p, region) = (&access.principal, &access.region);
    Ok(web::Json(
        listing::in_region(&state.db, &state.regions, p, region, &q).await?,
    ))
}

/// 志愿服务队详情
///
/// 含队员人数与限本队活动累计计入的时长。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "服务队 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务队", body = TeamOut),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/teams/{id}")]
pub async fn get_team(state: web::Data<AppState>, access: TeamAccess) -> AppResult<web::Json<TeamOut>> {
    let me = access.principal.id();
    Ok(web::Json(manage::totals(&state.db, access.at.team, me).await?))
}

/// 加入志愿服务队
///
/// 本社区成员可加入。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "服务队 id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已加入", body = TeamOut),
        (status = 403, description = "不是本社区成员"),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`ALREADY_IN_TEAM`"),
    )
)]
#[post("/teams/{id}/members")]
pub async fn join(state: web::Data<AppState>, access: TeamAccess) -> AppResult<HttpResponse> {
    let t = manage::join(&state.db, &access.principal, &access.at).await?;
    Ok(HttpResponse::Created().json(t))
}

/// 退出志愿服务队
///
/// 队长不能退出。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "服务队 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已退出", body = TeamOut),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`NOT_IN_TEAM`；`CONFLICT`：队长不能退出"),
    )
)]
#[delete("/teams/{id}/members")]
pub async fn leave(state: web::Data<AppState>, access: TeamAccess) -> AppResult<web::Json<TeamOut>> {
    Ok(web::Json(
        manage::leave(&state.db, &access.principal, &access.at).await?,
    ))
}
