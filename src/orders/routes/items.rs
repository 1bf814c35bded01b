//! 服务项目 routes: a community's catalogue.

use crate::access::{CommunityAccess, RegionAccess, ServiceItemAccess, StaffRole};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::orders::items::{self, ServiceItemIn, ServiceItemOut, ServiceItemPatch};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};

/// 新增服务项目
///
/// 加入社区的服务项目目录。
#[utoipa::path(
    tag = "服务项目",
    params(("id" = String, Path, description = "社区 id")),
    request_body = ServiceItemIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已创建", body = ServiceItemOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 409, description = "`SERVICE_ITEM_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区"),
    )
)]
#[post("/regions/{id}/service-items")]
pub async fn create(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    body: ApiJson<ServiceItemIn>,
) -> AppResult<HttpResponse> {
    let item = items::create(&state.db, &access.region, body.0).await?;
    Ok(HttpResponse::Created().json(item))
}

/// 服务项目目录
///
/// 区域所在社区的目录：居民看到启用的项目，工作者看到全部。
#[utoipa::path(
    tag = "服务项目",
    params(("id" = String, Path, description = "社区或其下级区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务项目", body = Vec<ServiceItemOut>),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/regions/{id}/service-items")]
pub async fn list(
    state: web::Data<AppState>,
    at: CommunityAccess,
) -> AppResult<web::Json<Vec<ServiceItemOut>>> {
    Ok(web::Json(
        items::catalogue(&state.db, &at.principal, &at.community).await?,
    ))
}

/// 修改服务项目
///
/// 修改或停用服务项目。
#[utoipa::path(
    tag = "服务项目",
    params(("id" = String, Path, description = "服务项目 id")),
    request_body = ServiceItemPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = ServiceItemOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[patch("/service-items/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    access: ServiceItemAccess<StaffRole>,
    body: ApiJson<ServiceItemPatch>,
) -> AppResult<web::Json<ServiceItemOut>> {
    Ok(web::Json(items::update(&state.db, access.item, body.0).await?))
}
