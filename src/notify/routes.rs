//! Notification routes: subscribe-message consents and the dispatch console's event stream.

use super::streams;
use crate::access::{Principal, RegionAccess, StaffRole};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(subscribe).service(events);
}

/// 订阅消息次数
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeIn {
    /// 用户在 wx.requestSubscribeMessage 中同意的模板 id
    #[validate(length(min = 1, max = 64, message = "模板 id 为 1 到 64 个字符"))]
    #[schema(min_length = 1, max_length = 64)]
    pub template_id: String,
    /// 本次同意的次数（每次同意可收到一条）
    #[validate(range(min = 1, max = 10, message = "次数为 1 到 10"))]
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 10)]
    pub count: i32,
}

fn one() -> i32 {
    1
}

/// 记录订阅消息授权
///
/// 记录用户在小程序中同意的订阅，每次同意可发送一条消息。
#[utoipa::path(
    tag = "通知",
    request_body = SubscribeIn,
    security(("bearer" = [])),
    responses((status = 204, description = "已记录"))
)]
#[post("/me/subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<SubscribeIn>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    super::add_credits(&state.db, p.id(), b.template_id, b.count).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 调度台实时事件流（SSE）
///
/// 该区域及下级每一步订单变化，格式为
/// `data: {"type":"order","order_id","action","status","region_id","at"}`；
/// 每 `EVENTS_CHECK_SECS`（15 秒）一行注释，防止代理断开连接。访问令牌过期或已登出、
/// 或调用者的工作者角色被收回时，以 `event: end` 和
/// `data: {"reason":"token_expired"|"logged_out"|"forbidden"}` 结束：请刷新令牌后重连。
/// 每个用户同时最多 `EVENTS_MAX_STREAMS_PER_USER`（3）个事件流（跨实例）。
#[utoipa::path(
    tag = "通知",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "text/event-stream 事件流", content_type = "text/event-stream", body = String),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 429, description = "`TOO_MANY_STREAMS`：同时打开的事件流已达上限"),
    )
)]
#[get("/regions/{id}/events")]
pub async fn events(state: web::Data<AppState>, access: RegionAccess<StaffRole>) -> AppResult<HttpResponse> {
    let stream = streams::open(&state, access.principal, access.region).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream.map(|chunk| Ok::<_, actix_web::Error>(Bytes::from(chunk)))))
}
