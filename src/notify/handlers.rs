use crate::auth::{Principal, RegionAccess, StaffRole};
use crate::error::{AppResult, Problem};
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

/// Records subscriptions the user accepted in the mini-program; each lets one message through.
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

/// Server-sent events for a dispatch console: every order step in the region and below, as
/// `data: {"type":"order","order_id","action","status","region_id","at"}` lines. A comment line
/// every 15 s keeps proxies from closing the stream.
#[utoipa::path(
    tag = "通知",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "text/event-stream 事件流", content_type = "text/event-stream", body = String),
        (status = 403, description = "需要社区工作者角色", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在或不在你的管辖范围", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{id}/events")]
pub async fn events(state: web::Data<AppState>, access: RegionAccess<StaffRole>) -> AppResult<HttpResponse> {
    let sub = state
        .kv
        .subscribe(&super::region_channel(access.region.id))
        .await?;
    let hello = futures_util::stream::once(async {
        Ok::<_, actix_web::Error>(Bytes::from_static(b": connected\n\n"))
    });
    let stream = futures_util::stream::unfold(sub, |mut sub| async move {
        let chunk = match tokio::time::timeout(Duration::from_secs(15), sub.recv()).await {
            Ok(Some(msg)) => Bytes::from(format!("event: order\ndata: {msg}\n\n")),
            Ok(None) => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok::<_, actix_web::Error>(chunk), sub))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::StreamExt::chain(hello, stream)))
}
