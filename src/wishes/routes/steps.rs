//! The steps on `/wishes/{id}/…`: moderation, claim and release, fulfilment and confirmation.
//! Each names the caller's standing through [`WishAccess`] and hands the step to the domain.

use crate::access::{Claiming, WishAccess};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::wishes::claims::{self, ClaimIn};
use crate::wishes::fulfilment::{self, FulfilIn};
use crate::wishes::moderation::{self, WishReasonIn};
use crate::wishes::view::WishOut;
use actix_web::{post, web};

type Json = AppResult<web::Json<WishOut>>;

/// 审核通过心愿
///
/// 该区域的社区工作者审核通过，心愿进入待认领（open），并通知居民。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已通过：open", body = WishOut),
        (status = 403, description = "不是该区域的社区工作者"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：已审核过或已撤回"),
    )
)]
#[post("/wishes/{id}/approve")]
pub async fn approve(state: web::Data<AppState>, a: WishAccess) -> Json {
    Ok(web::Json(
        moderation::approve(&state, &a.principal, &a.seen).await?,
    ))
}

/// 驳回心愿
///
/// 该区域的社区工作者附原因驳回，并通知居民。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    request_body = WishReasonIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已驳回：rejected", body = WishOut),
        (status = 400, description = "`VALIDATION_FAILED`：缺少原因"),
        (status = 403, description = "不是该区域的社区工作者"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：已审核过或已撤回"),
    )
)]
#[post("/wishes/{id}/reject")]
pub async fn reject(state: web::Data<AppState>, a: WishAccess, body: ApiJson<WishReasonIn>) -> Json {
    Ok(web::Json(
        moderation::reject(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 认领心愿
///
/// 本社区的党员认领，或单位管理员以本单位名义认领（填 unit_id）。同时认领时只有一人成功，
/// 其余返回 409 `WISH_ALREADY_CLAIMED`。可不带请求体。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    request_body(content = Option<ClaimIn>, description = "可省略请求体（也可不带 Content-Type）"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "认领成功：claimed", body = WishOut),
        (status = 403, description = "不是本社区的党员，或不是该单位的管理员"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_ALREADY_CLAIMED`：已被他人认领；`WISH_NOT_OPEN`：当前不可认领"),
        (status = 422, description = "`OWN_WISH`：不能认领自己的心愿"),
    )
)]
#[post("/wishes/{id}/claim")]
pub async fn claim(state: web::Data<AppState>, a: WishAccess<Claiming>, body: ApiJson<ClaimIn>) -> Json {
    Ok(web::Json(
        claims::claim(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 取消认领
///
/// 认领人附原因放弃，心愿回到待认领，并通知居民。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    request_body = WishReasonIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消认领：open", body = WishOut),
        (status = 400, description = "`VALIDATION_FAILED`：缺少原因"),
        (status = 403, description = "不是认领人"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：已圆梦或已变化"),
    )
)]
#[post("/wishes/{id}/release")]
pub async fn release(state: web::Data<AppState>, a: WishAccess, body: ApiJson<WishReasonIn>) -> Json {
    Ok(web::Json(
        claims::release(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 圆梦
///
/// 认领人提交圆梦说明与照片，等待居民确认；逾期未确认由系统自动确认。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    request_body = FulfilIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已圆梦：fulfilled", body = WishOut),
        (status = 400, description = "`VALIDATION_FAILED`：说明或照片无效"),
        (status = 403, description = "不是认领人"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：未认领或已圆梦"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/wishes/{id}/fulfil")]
pub async fn fulfil(state: web::Data<AppState>, a: WishAccess, body: ApiJson<FulfilIn>) -> Json {
    Ok(web::Json(
        fulfilment::fulfil(&state, &a.principal, &a.seen, body.0).await?,
    ))
}

/// 确认收到
///
/// 发布的居民确认心愿已实现，并通知认领人。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已确认：confirmed", body = WishOut),
        (status = 403, description = "不是发布心愿的居民"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：尚未圆梦或已确认"),
    )
)]
#[post("/wishes/{id}/confirm")]
pub async fn confirm(state: web::Data<AppState>, a: WishAccess) -> Json {
    Ok(web::Json(
        fulfilment::confirm(&state, &a.principal, &a.seen).await?,
    ))
}
