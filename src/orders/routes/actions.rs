//! The lifecycle routes on `/orders/{id}/…`: each names the caller's standing through
//! [`OrderAccess`] and hands the step to [`crate::orders::lifecycle`].

use crate::access::{ClaimAccess, OrderAccess};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::orders::lifecycle::{
    self, AcceptIn, CancelIn, CompleteIn, ConfirmIn, DispatchIn, ReasonIn, SeverityIn,
};
use crate::orders::review::{self as reviews, ReviewIn};
use crate::orders::view::OrderOut;
use crate::state::AppState;
use actix_web::{post, web};

type Json = AppResult<web::Json<OrderOut>>;

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
pub async fn dispatch(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<DispatchIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::dispatch(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
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
pub async fn accept(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<AcceptIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::accept(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
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
pub async fn decline(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<ReasonIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::decline(&state, &a.principal, &a.order, &a.standing, body.0.reason).await?,
    ))
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
pub async fn claim(state: web::Data<AppState>, access: ClaimAccess) -> Json {
    Ok(web::Json(
        lifecycle::claim(&state, &access.principal, &access.order).await?,
    ))
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
pub async fn start(state: web::Data<AppState>, access: OrderAccess) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::start(&state, &a.principal, &a.order, &a.standing).await?,
    ))
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
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/orders/{id}/complete")]
pub async fn complete(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<CompleteIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::complete(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
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
pub async fn confirm(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<ConfirmIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::confirm(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
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
pub async fn cancel(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<CancelIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::cancel(&state, &a.principal, &a.order, &a.standing, body.0.reason).await?,
    ))
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
pub async fn reject(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<ReasonIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::reject(&state, &a.principal, &a.order, &a.standing, body.0.reason).await?,
    ))
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
pub async fn escalate(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<ReasonIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::escalate(&state, &a.principal, &a.order, &a.standing, body.0.reason).await?,
    ))
}

/// 回访处理（退回重办或结单）
///
/// 订单所在区域的社区工作者处理回访中的订单：`redo` 退回原党员重办（`redispatch` 为 true 时退回重新派单），
/// 此前的完成不结算；`close` 结单并结算一次，分钟数可保持或调低，不可调高。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = ReviewIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已处理：claimed（原党员重办）、submitted（重新派单）或 closed（结单）", body = OrderOut),
        (status = 400, description = "`VALIDATION_FAILED`：原因缺失，或分钟数 / redispatch 与处理方式不符"),
        (status = 403, description = "需要负责该订单区域的社区工作者"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`（不在回访中，如已处理过）或 `ORDER_CHANGED`"),
        (status = 422, description = "`REVIEW_MINUTES_RAISED`：分钟数超过原计入的分钟数"),
    )
)]
#[post("/orders/{id}/review")]
pub async fn review(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<ReviewIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        reviews::review(&state, &a.principal, &a.order, &a.standing, body.0).await?,
    ))
}

/// 定级（微事、小事、大事）
///
/// 负责该订单区域的工作人员标明轻重：微事不出格（网格）、小事不出村（社区）、大事不出乡（街道）；统计按此比对实际办结层级。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    request_body = SeverityIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已定级", body = OrderOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要负责该订单区域的工作人员"),
        (status = 404, description = "不存在或与你无关"),
        (status = 409, description = "`ORDER_INVALID_TRANSITION`：订单已结束"),
    )
)]
#[post("/orders/{id}/severity")]
pub async fn classify(state: web::Data<AppState>, access: OrderAccess, body: ApiJson<SeverityIn>) -> Json {
    let a = &access;
    Ok(web::Json(
        lifecycle::classify(&state, &a.principal, &a.order, &a.standing, body.0.severity).await?,
    ))
}
