//! Publishing, reading, editing and cancelling an activity.

use crate::access::{ActivityAccess, Browse, Organiser, Participant, RegionAccess};
use crate::activities::listing;
use crate::activities::publish::{self, ActivityCancelIn, ActivityIn, ActivityPatch};
use crate::activities::view::ActivityOut;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};

/// 发布志愿活动
///
/// 社区或网格的工作者在本区域发布；驻区单位管理员带 `unit_id` 以单位名义在其报到社区发布。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "社区或网格 id")),
    request_body = ActivityIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发布", body = ActivityOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要社区工作者或驻区单位管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 422, description = "`ACTIVITY_REGION_INVALID`：须为社区或网格；`ACTIVITY_TIMES_INVALID`：结束须晚于开始和现在，截止不晚于结束；`UNIT_NOT_IN_COMMUNITY`；`TEAM_INVALID`：eligibility=team 须指定本社区的服务队"),
    )
)]
#[post("/regions/{id}/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    access: RegionAccess<Browse>,
    body: ApiJson<ActivityIn>,
) -> AppResult<HttpResponse> {
    let (p, region) = (&access.principal, &access.region);
    let a = publish::publish(&state.db, &state.regions, p, region, body.0).await?;
    Ok(HttpResponse::Created().json(a))
}

/// 活动详情
///
/// 含报名人数与我的报名（`mine`）。本社区成员与上级区域可见。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "活动", body = ActivityOut),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    access: ActivityAccess<Participant>,
) -> AppResult<web::Json<ActivityOut>> {
    let me = access.principal.id();
    Ok(web::Json(listing::one(&state.db, access.at.activity, me).await?))
}

/// 修改活动
///
/// 开始前可改（组织者）；增加名额时按报名先后从候补转正并通知。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    request_body = ActivityPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = ActivityOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`ACTIVITY_STARTED`、`ACTIVITY_CANCELLED`、`CAPACITY_BELOW_CONFIRMED`"),
        (status = 422, description = "`ACTIVITY_TIMES_INVALID`"),
    )
)]
#[patch("/activities/{id}")]
pub async fn amend(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    body: ApiJson<ActivityPatch>,
) -> AppResult<web::Json<ActivityOut>> {
    let notify = &state.config.notify;
    Ok(web::Json(
        publish::amend(&state.db, notify, &access.at, body.0).await?,
    ))
}

/// 取消活动
///
/// 开始前可取消（组织者）；已报名与候补的人都会收到通知。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    request_body = ActivityCancelIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消", body = ActivityOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`ACTIVITY_STARTED`、`ACTIVITY_CANCELLED`"),
    )
)]
#[post("/activities/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    body: ApiJson<ActivityCancelIn>,
) -> AppResult<web::Json<ActivityOut>> {
    let notify = &state.config.notify;
    Ok(web::Json(
        publish::cancel(&state.db, notify, &access.at, body.0).await?,
    ))
}
