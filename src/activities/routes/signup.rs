//! Signing up and withdrawing.

use crate::access::{ActivityAccess, Participant};
use crate::activities::signup::{self, Withdrawn};
use crate::activities::view::AttendanceOut;
use crate::error::AppResult;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, post, web};

/// 报名活动
///
/// 有名额时 `status=confirmed`，报满后进入候补 `status=waitlisted`（`position` 为候补名次，按报名先后）。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已报名或已候补", body = AttendanceOut),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`SIGNUP_CLOSED`、`ACTIVITY_CANCELLED`、`ALREADY_SIGNED_UP`"),
        (status = 422, description = "`NOT_ELIGIBLE`：不符合报名条件（本社区党员、本社区居民或指定服务队成员）"),
    )
)]
#[post("/activities/{id}/signup")]
pub async fn sign_up(
    state: web::Data<AppState>,
    access: ActivityAccess<Participant>,
) -> AppResult<HttpResponse> {
    let (p, at) = (&access.principal, &access.at);
    let s = signup::sign_up(&state.db, p, at.activity.id, &at.community).await?;
    Ok(HttpResponse::Created().json(s))
}

/// 取消报名
///
/// 报名截止前可取消；空出的名额由第一位候补者递补并通知。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消报名", body = Withdrawn),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`SIGNUP_CLOSED`、`ACTIVITY_CANCELLED`、`NOT_SIGNED_UP`、`ALREADY_CHECKED_IN`"),
    )
)]
#[delete("/activities/{id}/signup")]
pub async fn withdraw(
    state: web::Data<AppState>,
    access: ActivityAccess<Participant>,
) -> AppResult<web::Json<Withdrawn>> {
    let notify = &state.config.notify;
    let id = access.at.activity.id;
    Ok(web::Json(
        signup::withdraw(&state.db, notify, &access.principal, id).await?,
    ))
}
