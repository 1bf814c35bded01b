//! The lifecycle endpoints: each checks who may act, then applies one step of the state machine.

use super::service::{self, Step};
use super::state::Action;
use super::{OrderOut, member_near, orders_out, visible};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use actix_web::{post, web};
use chrono::Utc;
use entity::member_report::{self, ReportStatus};
use entity::role_grant::{self, Role};
use entity::service_order::{self, OrderStatus};
use entity::{region, unit};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

type Json = AppResult<web::Json<OrderOut>>;

pub(super) async fn run(state: &AppState, p: &Principal, order: &service_order::Model, step: Step) -> Json {
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = service::apply(&txn, &state.config, order, step).await?;
    txn.commit().await?;
    Ok(web::Json(
        orders_out(&state.db, &state.pii, p.id(), vec![updated])
            .await?
            .remove(0),
    ))
}

fn forbidden(detail: &str) -> AppError {
    AppError::new(ErrorCode::Forbidden).with_detail(detail)
}

/// 派单方式
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DispatchMode {
    /// 指派给某位党员（需 member_id）
    Assign,
    /// 发布到抢单池（可限定网格 pool_region_id 与特长 skill）
    Publish,
    /// 派给驻区单位（需 unit_id），由单位管理员安排党员
    Unit,
}

/// 派单
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchIn {
    pub mode: DispatchMode,
    pub member_id: Option<Id>,
    pub unit_id: Option<Id>,
    /// 只让这个区域（如某网格）的党员抢
    pub pool_region_id: Option<Id>,
    /// 只让有这项特长的党员抢
    #[validate(length(min = 1, max = 20, message = "特长为 1 到 20 个字"))]
    #[schema(min_length = 1, max_length = 20)]
    pub skill: Option<String>,
}

/// 派单（社区派单）
///
/// 派给某位党员、发布到抢单池，或派给驻区单位。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = DispatchIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已派单：assigned 或 published", body = OrderOut),
        (status = 403, description = "需要负责该订单区域的社区工作者"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
        (status = 422, description = "`ASSIGNEE_INVALID`"),
    )
)]
#[post("/orders/{id}/dispatch")]
pub async fn dispatch(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<DispatchIn>,
) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者可以派单"));
    }
    let b = body.0;
    let owner = crate::regions::find(&state.db, order.region_id).await?;
    let now = Utc::now();
    let mut step = Step::dispatch(
        match b.mode {
            DispatchMode::Assign => "assign",
            DispatchMode::Publish => "publish",
            DispatchMode::Unit => "unit",
        },
        p.id(),
        now,
    );
    let invalid = |d: &str| AppError::new(ErrorCode::AssigneeInvalid).with_detail(d.to_owned());
    match b.mode {
        DispatchMode::Assign => {
            let member = b.member_id.ok_or_else(|| invalid("缺少 member_id"))?.0;
            let grants = role_grant::Entity::find()
                .filter(role_grant::Column::UserId.eq(member))
                .filter(role_grant::Column::Role.eq(Role::Member))
                .find_also_related(region::Entity)
                .all(&state.db)
                .await?;
            let near = grants
                .iter()
                .filter_map(|(_, r)| r.as_ref())
                .any(|r| owner.path.starts_with(&r.path) || r.path.starts_with(&owner.path));
            if !near {
                return Err(invalid("该用户不是本区域的党员"));
            }
            if member == order.resident_id {
                return Err(AppError::new(ErrorCode::OwnOrder));
            }
            step.set.assignee_id = Set(Some(member));
        }
        DispatchMode::Unit => {
            let unit_id = b.unit_id.ok_or_else(|| invalid("缺少 unit_id"))?.0;
            let u = unit::Entity::find_by_id(unit_id)
                .one(&state.db)
                .await?
                .ok_or_else(|| invalid("单位不存在"))?;
            let community = crate::regions::find(&state.db, u.community_id).await?;
            if !(owner.path.starts_with(&community.path) || community.path.starts_with(&owner.path)) {
                return Err(invalid("该单位不在本区域报到"));
            }
            step.set.unit_id = Set(Some(u.id));
        }
        DispatchMode::Publish => {
            if let Some(pool) = b.pool_region_id {
                let pool = crate::regions::find(&state.db, pool.0).await?;
                if !pool.path.starts_with(&owner.path) {
                    return Err(invalid("抢单范围须在订单所属区域之内"));
                }
                step.set.pool_region_id = Set(Some(pool.id));
            }
            step.set.pool_skill = Set(b.skill);
        }
    }
    run(&state, &p, &order, step).await
}

/// 接受指派
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptIn {
    /// 单位管理员接受派给单位的订单时，指定本单位已报到的党员
    pub member_id: Option<Id>,
}

/// 接受指派
///
/// 被指派的党员接受；派给单位的订单由单位管理员指定本单位已报到的党员。可不带请求体。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body(content = Option<AcceptIn>, description = "可省略请求体（也可不带 Content-Type）"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已接单：claimed", body = OrderOut),
        (status = 403, description = "不是被指派的党员或单位管理员"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
        (status = 422, description = "`ASSIGNEE_INVALID`：不是本单位已报到的党员"),
    )
)]
#[post("/orders/{id}/accept")]
pub async fn accept(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<AcceptIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    let now = Utc::now();
    let mut step = Step::accept(p.id(), now);
    if standing.unit_admin && order.assignee_id.is_none() {
        let member = body
            .0
            .member_id
            .ok_or_else(|| AppError::new(ErrorCode::AssigneeInvalid).with_detail("缺少 member_id"))?
            .0;
        let reported = member_report::Entity::find()
            .filter(member_report::Column::UserId.eq(member))
            .filter(member_report::Column::UnitId.eq(order.unit_id))
            .filter(member_report::Column::Status.eq(ReportStatus::Approved))
            .one(&state.db)
            .await?;
        if reported.is_none() {
            return Err(AppError::new(ErrorCode::AssigneeInvalid).with_detail("不是本单位已报到的党员"));
        }
        if member == order.resident_id {
            return Err(AppError::new(ErrorCode::OwnOrder));
        }
        step.set.assignee_id = Set(Some(member));
        step.open_limit = Some((member, state.config.orders.max_open_per_member));
    } else if !standing.assignee {
        return Err(forbidden("只有被指派的党员可以接受"));
    } else {
        step.open_limit = Some((p.id(), state.config.orders.max_open_per_member));
    }
    run(&state, &p, &order, step).await
}

/// 原因
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 退回指派
///
/// 附原因退回给派单人。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = ReasonIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已退回：submitted", body = OrderOut),
        (status = 403, description = "不是被指派的党员或单位管理员"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
    )
)]
#[post("/orders/{id}/decline")]
pub async fn decline(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<ReasonIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !(standing.assignee || (standing.unit_admin && order.assignee_id.is_none())) {
        return Err(forbidden("只有被指派的党员或单位可以退回"));
    }
    let mut step = Step::new(Action::Decline, Some(p.id()), Utc::now()).note(Some(body.0.reason));
    step.set.assignee_id = Set(None);
    step.set.unit_id = Set(None);
    step.set.dispatch_mode = Set(None);
    run(&state, &p, &order, step).await
}

/// 抢单
///
/// 同时抢同一单时只有一人成功，其余返回 409 `ORDER_ALREADY_CLAIMED`。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "抢单成功：claimed", body = OrderOut),
        (status = 404, description = "不存在或不在你的抢单范围"),
        (status = 409, description = "`ORDER_ALREADY_CLAIMED` 或 `TOO_MANY_OPEN_ORDERS`"),
    )
)]
#[post("/orders/{id}/claim")]
pub async fn claim(state: web::Data<AppState>, p: Principal, id: PathId) -> Json {
    let order = service::find(&state.db, id.into_inner()).await?;
    let owner = crate::regions::find(&state.db, order.region_id).await?;
    if order.status != OrderStatus::Published {
        // Too late is told only to members who could have seen it.
        if member_near(&p, &owner.path) {
            return Err(service::refused(order.status, Action::Claim));
        }
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if order.resident_id == p.id() {
        return Err(AppError::new(ErrorCode::OwnOrder));
    }
    if !super::may_claim(&state.db, &p, &order, &owner).await? {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let now = Utc::now();
    let mut step = Step::new(Action::Claim, Some(p.id()), now);
    step.set.assignee_id = Set(Some(p.id()));
    step.set.claimed_at = Set(Some(now));
    step.open_limit = Some((p.id(), state.config.orders.max_open_per_member));
    run(&state, &p, &order, step).await
}

/// 开始服务
///
/// 党员已到场。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务中：in_service", body = OrderOut),
        (status = 403, description = "不是接单党员"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
    )
)]
#[post("/orders/{id}/start")]
pub async fn start(state: web::Data<AppState>, p: Principal, id: PathId) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.assignee {
        return Err(forbidden("只有接单党员可以开始服务"));
    }
    run(&state, &p, &order, Step::start(p.id(), Utc::now())).await
}

/// 完成服务
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIn {
    /// 党员申报的服务分钟数。计入时间银行的分钟数不超过服务项目的上限，也不超过从开始服务到完成
    /// 的实际时长（向上取整到分钟）加宽限 `ORDER_MINUTES_SLACK_MINS`
    #[validate(range(min = 1, max = 1440, message = "分钟数为 1 到 1440"))]
    #[schema(example = 45, minimum = 1, maximum = 1440)]
    pub minutes: i32,
    #[validate(length(max = 500, message = "备注最多 500 个字"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// 完成照片地址（https://），最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::Reference>)]
    pub photos: Vec<String>,
}

/// 完成服务
///
/// 填写实际服务时长，之后由居民确认并评价。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = CompleteIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "待评价：completed", body = OrderOut),
        (status = 403, description = "不是接单党员"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
    )
)]
#[post("/orders/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<CompleteIn>,
) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.assignee {
        return Err(forbidden("只有接单党员可以完成服务"));
    }
    let b = body.0;
    super::handlers::check_photos("photos", &b.photos)?;
    let photos = serde_json::to_string(&b.photos).map_err(AppError::internal)?;
    let rules = &state.config.orders;
    let step = service::completion(
        &state.db,
        rules,
        &order,
        p.id(),
        b.minutes,
        b.note,
        photos,
        Utc::now(),
    )
    .await?;
    run(&state, &p, &order, step).await
}

/// 评单
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIn {
    /// 1–5 星
    #[validate(range(min = 1, max = 5, message = "评分为 1 到 5 星"))]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    /// 是否满意，默认满意。不满意（false）或评分不超过 2 星时订单转入回访（under_review），
    /// 由社区工作者处理后才结算
    pub satisfied: Option<bool>,
    #[validate(length(max = 500, message = "评价最多 500 个字"))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// 确认并评价（评单）
///
/// 居民确认服务并打分；订单关闭，党员获得时长与绿币。评分不超过 2 星或 `satisfied: false`（不满意）时
/// 订单转入回访（under_review），社区工作者处理后才结算。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = ConfirmIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已完成：closed；不满意时为 under_review（回访中）", body = OrderOut),
        (status = 403, description = "不是下单居民"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
    )
)]
#[post("/orders/{id}/confirm")]
pub async fn confirm(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<ConfirmIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.resident {
        return Err(forbidden("只有下单居民可以评价"));
    }
    let b = body.0;
    run(
        &state,
        &p,
        &order,
        Step::confirm(p.id(), b.rating, b.satisfied, b.comment, Utc::now()),
    )
    .await
}

/// 取消原因
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    #[validate(length(max = 200, message = "原因最多 200 个字"))]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

/// 取消订单
///
/// 下单居民在服务开始前取消。可不带请求体。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body(content = Option<CancelIn>, description = "可省略请求体（也可不带 Content-Type）"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消：cancelled", body = OrderOut),
        (status = 403, description = "不是下单居民"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`：服务已开始"),
    )
)]
#[post("/orders/{id}/cancel")]
pub async fn cancel(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<CancelIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.resident {
        return Err(forbidden("只有下单居民可以取消"));
    }
    run(
        &state,
        &p,
        &order,
        Step::new(Action::Cancel, Some(p.id()), Utc::now()).note(body.0.reason),
    )
    .await
}

/// 驳回订单
///
/// 社区工作者驳回无法受理的订单，须写明原因。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = ReasonIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已驳回：rejected", body = OrderOut),
        (status = 403, description = "需要负责该订单区域的社区工作者"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
    )
)]
#[post("/orders/{id}/reject")]
pub async fn reject(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<ReasonIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者可以驳回"));
    }
    run(
        &state,
        &p,
        &order,
        Step::new(Action::Reject, Some(p.id()), Utc::now()).note(Some(body.0.reason)),
    )
    .await
}

/// 上报（吹哨报到）
///
/// 订单交由上一级区域派单。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = ReasonIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已上报：负责区域变为上一级", body = OrderOut),
        (status = 403, description = "需要负责该订单区域的社区工作者（含网格员）"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`"),
        (status = 422, description = "`ESCALATION_TOP`"),
    )
)]
#[post("/orders/{id}/escalate")]
pub async fn escalate(state: web::Data<AppState>, p: Principal, id: PathId, body: ApiJson<ReasonIn>) -> Json {
    let (order, standing) = visible(&state.db, &p, id.into_inner()).await?;
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者或网格员可以上报"));
    }
    let step = service::escalation(&state.db, &order, Some(p.id()), Utc::now(), Some(body.0.reason)).await?;
    run(&state, &p, &order, step).await
}
