use super::streams::{self, Slot};
use crate::access::{Principal, RegionAccess, StaffRole};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use entity::subscription_credit;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{EntityTrait, Set};
use serde::Deserialize;
use std::time::Duration;
use tokio::time::Instant;
use utoipa::ToSchema;
use validator::Validate;

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
    let row = subscription_credit::ActiveModel {
        user_id: Set(p.id()),
        template_id: Set(b.template_id),
        credits: Set(b.count),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    subscription_credit::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                subscription_credit::Column::UserId,
                subscription_credit::Column::TemplateId,
            ])
            // Qualified: inside ON CONFLICT a bare `credits` is ambiguous on PostgreSQL.
            .value(
                subscription_credit::Column::Credits,
                Expr::col((subscription_credit::Entity, subscription_credit::Column::Credits)).add(b.count),
            )
            .value(subscription_credit::Column::UpdatedAt, Expr::value(Utc::now()))
            .to_owned(),
        )
        .exec(&state.db)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A console's stream and what it re-checks.
struct Watch {
    state: web::Data<AppState>,
    principal: Principal,
    region: entity::region::Model,
    sub: crate::kv::Subscription,
    slot: Slot,
    every: Duration,
    next_check: Instant,
    done: bool,
}

impl Watch {
    /// The next chunk: an event, a keep-alive after a passed check, or the stream's last event.
    async fn next(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let left = streams::seconds_left(&self.principal, Utc::now());
        let deadline = self.next_check.min(Instant::now() + Duration::from_secs(left));
        // A busy channel must not postpone the checks.
        if Instant::now() < deadline
            && let Ok(msg) = tokio::time::timeout_at(deadline, self.sub.recv()).await
        {
            return msg.map(|m| Bytes::from(format!("event: order\ndata: {m}\n\n")));
        }
        self.next_check = Instant::now() + self.every;
        match streams::still_allowed(&self.state, &self.principal, &self.region).await {
            Ok(Some(ending)) => {
                self.done = true;
                tracing::info!(
                    user_id = self.principal.id(),
                    reason = ending.as_str(),
                    "event stream ended"
                );
                Some(Bytes::from(format!(
                    "event: end\ndata: {{\"reason\":\"{}\"}}\n\n",
                    ending.as_str()
                )))
            }
            Ok(None) => {
                self.slot.renew().await;
                Some(Bytes::from_static(b": keep-alive\n\n"))
            }
            Err(e) => {
                // Storage hiccup: try again at the next tick rather than drop a working console.
                tracing::warn!(error = %e, "event stream check failed");
                Some(Bytes::from_static(b": keep-alive\n\n"))
            }
        }
    }
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
    let cfg = &state.config.notify;
    let every = cfg.stream_check_every;
    let slot = Slot::take(&state.kv, access.principal.id(), cfg.max_streams_per_user, every).await?;
    let sub = state
        .kv
        .subscribe(&super::region_channel(access.region.id))
        .await?;
    let hello = futures_util::stream::once(async {
        Ok::<_, actix_web::Error>(Bytes::from_static(b": connected\n\n"))
    });
    let watch = Watch {
        state: state.clone(),
        principal: access.principal,
        region: access.region,
        sub,
        slot,
        every,
        next_check: Instant::now() + every,
        done: false,
    };
    let stream = futures_util::stream::unfold(watch, |mut w| async move {
        let chunk = w.next().await?;
        Some((Ok::<_, actix_web::Error>(chunk), w))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::StreamExt::chain(hello, stream)))
}
