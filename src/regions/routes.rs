//! `/regions` and `/regions/{id}/…`: browsing and managing the tree, role grants on it, and the
//! deadlines a region sets for its subtree.

use crate::access::{AdminRole, Browse, Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::regions::deadlines::{self, DeadlinesIn, DeadlinesOut};
use crate::regions::grants::{self, GrantOut, RoleGrantIn};
use crate::regions::manage::{self, CreateRegionIn, MoveRegionIn, UpdateRegionIn};
use crate::regions::tree::{self, RegionOut};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(roots)
        .service(get)
        .service(children)
        .service(subtree)
        .service(update)
        .service(move_region)
        .service(list)
        .service(grant)
        .service(revoke)
        .service(deadlines_of)
        .service(set_deadlines);
}

fn out(regions: Vec<entity::region::Model>) -> Vec<RegionOut> {
    regions.into_iter().map(RegionOut::from).collect()
}

/// 新建区域
///
/// 建在自己管理的区域之下（顶级区域仅系统管理员可建）。
#[utoipa::path(
    tag = "区域",
    request_body = CreateRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已创建", body = RegionOut),
        (status = 403, description = "不是上级区域的管理员"),
        (status = 404, description = "上级区域不存在或不可见"),
        (status = 409, description = "`REGION_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`"),
    )
)]
#[post("/regions")]
pub async fn create(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<CreateRegionIn>,
) -> AppResult<HttpResponse> {
    let created = manage::create(&state.db, &p, body.0).await?;
    Ok(HttpResponse::Created().json(RegionOut::from(created)))
}

/// 顶级区域
///
/// 登录用户都可浏览区域树（用于选择居住地）。
#[utoipa::path(tag = "区域", security(("bearer" = [])), responses((status = 200, description = "顶级区域", body = Vec<RegionOut>)))]
#[get("/regions")]
pub async fn roots(state: web::Data<AppState>, _p: Principal) -> AppResult<web::Json<Vec<RegionOut>>> {
    Ok(web::Json(out(tree::children(&state.db, None).await?)))
}

/// 区域详情
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "区域", body = RegionOut),
        (status = 404, description = "不存在"),
    )
)]
#[get("/regions/{id}")]
pub async fn get(access: RegionAccess<Browse>) -> AppResult<web::Json<RegionOut>> {
    Ok(web::Json(access.region.into()))
}

/// 下级区域
///
/// 直接下级。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "下级区域", body = Vec<RegionOut>),
        (status = 404, description = "不存在"),
    )
)]
#[get("/regions/{id}/children")]
pub async fn children(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
) -> AppResult<web::Json<Vec<RegionOut>>> {
    Ok(web::Json(out(
        tree::children(&state.db, Some(access.region.id)).await?
    )))
}

/// 整棵下级区域树
///
/// 调用者任职区域下的全部区域，上级在前。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "该区域及全部下级", body = Vec<RegionOut>),
        (status = 403, description = "需要社区工作者或管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/subtree")]
pub async fn subtree(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<Vec<RegionOut>>> {
    Ok(web::Json(out(tree::subtree(&state.db, &access.region).await?)))
}

/// 修改区域
///
/// 改名或设置党组织。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    request_body = UpdateRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = RegionOut),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REGION_NAME_TAKEN`"),
    )
)]
#[patch("/regions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<UpdateRegionIn>,
) -> AppResult<web::Json<RegionOut>> {
    Ok(web::Json(
        manage::update(&state, access.region, body.0).await?.into(),
    ))
}

/// 移动区域
///
/// 连同下级移到层级相符的另一上级之下；调用者须同时管理原区域和新上级。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    request_body = MoveRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已移动", body = RegionOut),
        (status = 403, description = "需要两边的管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REGION_NAME_TAKEN`：新上级下已有同名区域"),
        (status = 422, description = "`REGION_KIND_INVALID` 或 `REGION_MOVE_INVALID`（移到自身之下）"),
    )
)]
#[post("/regions/{id}/move")]
pub async fn move_region(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<MoveRegionIn>,
) -> AppResult<web::Json<RegionOut>> {
    let (node, parent) = (access.region.id, body.0.parent_id.0);
    Ok(web::Json(
        manage::relocate(&state, &access.principal, node, parent)
            .await?
            .into(),
    ))
}

/// 角色授权列表
///
/// 该区域及全部下级上的授权，按时间倒序。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "授权列表", body = Page<GrantOut>),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/roles")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<GrantOut>>> {
    let (p, region) = (&access.principal, &access.region);
    Ok(web::Json(
        grants::list(&state.db, &state.pii, p, region, &q.0).await?,
    ))
}

/// 授予角色
///
/// 在该区域授予角色，对其全部下级有效。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id")),
    request_body = RoleGrantIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已授予", body = GrantOut),
        (status = 403, description = "无权授予该角色"),
        (status = 404, description = "区域不可见，或 `USER_NOT_FOUND`"),
        (status = 409, description = "`ROLE_ALREADY_GRANTED`"),
        (status = 422, description = "`UNIT_REQUIRED`：单位管理员须指定本社区的驻区单位；`UNIT_NOT_APPLICABLE`：其他角色不带 unit_id"),
    )
)]
#[post("/regions/{id}/roles")]
pub async fn grant(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
    body: ApiJson<RoleGrantIn>,
) -> AppResult<HttpResponse> {
    let granted = grants::grant(&state, &access.principal, access.region, body.0).await?;
    Ok(HttpResponse::Created().json(granted))
}

/// 撤销角色
///
/// 撤销该区域上的一项授权；能授予的人即可撤销。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id"), ("grant_id" = String, Path, description = "授权记录 id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已撤销"),
        (status = 403, description = "无权撤销该角色"),
        (status = 404, description = "不存在或不可见"),
    )
)]
#[delete("/regions/{id}/roles/{grant_id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
    path: web::Path<(Id, Id)>,
) -> AppResult<HttpResponse> {
    let (_, Id(grant_id)) = path.into_inner();
    grants::revoke(&state, &access.principal, &access.region, grant_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 办理时限
///
/// 在本区域生效的各环节时限（小时），按紧急程度：订单的派单 dispatch、接受指派 accept、抢单 claim、开始服务 start、
/// 完成服务 complete，以及职能部门的报到 respond、办结 resolve；`set_by_region_id` 为设定它的区域，
/// null 为系统默认。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "生效的时限", body = DeadlinesOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/deadlines")]
pub async fn deadlines_of(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<DeadlinesOut>> {
    let cfg = &state.config;
    Ok(web::Json(
        deadlines::effective(&state.db, cfg, &access.region).await?,
    ))
}

/// 设定办理时限
///
/// 管理员为本区域及下级设定时限（小时）；`hours` 为 null 时取消本区域的设定，沿用上级或默认值。
/// 新时限对此后进入该环节的订单和此后的吹哨生效。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    request_body = DeadlinesIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "设定后生效的时限", body = DeadlinesOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要该区域的管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[put("/regions/{id}/deadlines")]
pub async fn set_deadlines(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<DeadlinesIn>,
) -> AppResult<web::Json<DeadlinesOut>> {
    let (cfg, actor) = (&state.config, access.principal.id());
    Ok(web::Json(
        deadlines::set(&state.db, cfg, &access.region, actor, body.0).await?,
    ))
}
