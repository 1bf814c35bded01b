//! The HTTP surface of 吹哨报到: departments and the whistle steps on an order.

use super::departments;
use super::listing::{self, InboxQuery};
use super::view::{WhistleOut, WhistlesOut};
use super::whistle::{self, WhistleIn, WhistleResolveIn};
use crate::access::{AdminRole, OrderAccess, RegionAccess, StaffRole, UnitAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::reports::units::{UnitIn, UnitOut};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_department)
        .service(departments_of)
        .service(whistle_order)
        .service(acknowledge)
        .service(resolve)
        .service(on_order)
        .service(inbox);
}

/// 设立职能部门
///
/// 街道或县的管理员设立职能部门（公安、消防、城管、市场监管……）。部门的工作人员以 `unit_admin` 角色
/// 授予在该街道或县（带 `unit_id`）。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "街道或县 id")),
    request_body = UnitIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已设立", body = UnitOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要该区域的管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`UNIT_NAME_TAKEN`：同名单位已存在"),
        (status = 422, description = "`REGION_KIND_INVALID`：职能部门须设在街道或县"),
    )
)]
#[post("/regions/{id}/departments")]
pub async fn create_department(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<UnitIn>,
) -> AppResult<HttpResponse> {
    let actor = access.principal.id();
    let created = departments::create(&state.db, &state.pii, &access.region, actor, body.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// 可吹哨的职能部门
///
/// 设在本区域及其上级（街道、县）的职能部门，即本区域工作人员可以吹哨的部门。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "职能部门", body = Page<UnitOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/departments")]
pub async fn departments_of(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<Page<UnitOut>>> {
    Ok(web::Json(
        departments::reachable(&state.db, &state.pii, &access.region).await?,
    ))
}

/// 吹哨（请职能部门报到办理）
///
/// 负责该订单区域的工作人员向本区域或上级的职能部门吹哨；部门须在时限内报到、办结，超时计入黑榜，
/// 且无人服务的订单自动上报一级。订单状态不变，时间线记一笔。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "订单 id")),
    request_body = WhistleIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已吹哨，含报到与办结截止时间", body = WhistleOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要负责该订单区域的工作人员"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`WHISTLE_ALREADY_OPEN`：该部门尚未办结；`ORDER_INVALID_TRANSITION`：订单已结束或待评价"),
        (status = 422, description = "`DEPARTMENT_INVALID`：不是本区域或上级的职能部门"),
    )
)]
#[post("/orders/{id}/whistle")]
pub async fn whistle_order(
    state: web::Data<AppState>,
    access: OrderAccess,
    body: ApiJson<WhistleIn>,
) -> AppResult<web::Json<WhistleOut>> {
    let a = &access;
    Ok(web::Json(
        whistle::whistle(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
}

/// 部门报到
///
/// 被吹哨的职能部门工作人员确认接手；返回该订单上的全部吹哨。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已报到", body = WhistlesOut),
        (status = 403, description = "`NOT_WHISTLED`：你所在的部门未被吹哨"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`WHISTLE_NOT_OPEN`：已经报到过或已办结"),
    )
)]
#[post("/orders/{id}/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    access: OrderAccess,
) -> AppResult<web::Json<WhistlesOut>> {
    Ok(web::Json(
        whistle::acknowledge(&state, &access.principal, &access.order).await?,
    ))
}

/// 部门办结
///
/// 被吹哨的职能部门填写办理结果（未报到的同时视为报到）。没有其他部门在办、也未派给党员的订单随之
/// 变为待评价（completed），由居民评价。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "订单 id")),
    request_body = WhistleResolveIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已办结", body = WhistlesOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "`NOT_WHISTLED`：你所在的部门未被吹哨"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`WHISTLE_NOT_OPEN`：已办结；`ORDER_CHANGED`：订单刚被他人改动，请重试"),
    )
)]
#[post("/orders/{id}/resolve")]
pub async fn resolve(
    state: web::Data<AppState>,
    access: OrderAccess,
    body: ApiJson<WhistleResolveIn>,
) -> AppResult<web::Json<WhistlesOut>> {
    Ok(web::Json(
        whistle::resolve(&state, &access.principal, &access.order, body.0).await?,
    ))
}

/// 订单上的吹哨
///
/// 能看到该订单的人都能看到它的吹哨记录（部门、时限、报到与办结、是否超时）。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "吹哨记录", body = WhistlesOut),
        (status = 404, description = "不存在或与你无关"),
    )
)]
#[get("/orders/{id}/whistles")]
pub async fn on_order(state: web::Data<AppState>, access: OrderAccess) -> AppResult<web::Json<WhistlesOut>> {
    Ok(web::Json(listing::on_order(&state.db, access.order.id).await?))
}

/// 部门的吹哨待办
///
/// 向该职能部门的吹哨，按时间倒序；部门工作人员与其所在街道、县的工作人员可查看。
#[utoipa::path(
    tag = "吹哨报到",
    params(("id" = String, Path, description = "职能部门（单位）id"), InboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "吹哨", body = Page<WhistleOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 403, description = "需要部门工作人员或所在区域的工作人员"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/units/{id}/whistles")]
pub async fn inbox(
    state: web::Data<AppState>,
    access: UnitAccess,
    q: ApiQuery<InboxQuery>,
) -> AppResult<web::Json<Page<WhistleOut>>> {
    Ok(web::Json(listing::inbox(&state.db, access.unit.id, &q).await?))
}
