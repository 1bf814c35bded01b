//! Check-in codes, check-in and check-out (by code or by hand), and the attendance list.

use crate::access::{ActivityAccess, Organiser, Participant};
use crate::activities::attendance::{self, CodeIn, CodeOut, CodeQuery, ManualIn};
use crate::activities::codes::Direction;
use crate::activities::view::AttendanceOut;
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery, PathUserId};
use crate::state::AppState;
use actix_web::{get, post, web};

/// 当前签到码
///
/// 组织者的屏幕每 30 秒换一个二维码（`refresh_at`）；一个码在出现后 60 秒内有效（`expires_at`），只对本活动、本方向有效。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id"), CodeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "签到码", body = CodeOut),
        (status = 400, description = "`INVALID_QUERY`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`ACTIVITY_CANCELLED`"),
    )
)]
#[get("/activities/{id}/checkin-code")]
pub async fn checkin_code(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    q: ApiQuery<CodeQuery>,
) -> AppResult<web::Json<CodeOut>> {
    let a = &access.at.activity;
    Ok(web::Json(attendance::current_code(
        &state.config,
        a,
        q.direction,
    )?))
}

/// 扫码签到
///
/// 已确认报名的本人提交组织者屏幕上的签到码；活动开始前 1 小时开放。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    request_body = CodeIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已签到", body = AttendanceOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`ACTIVITY_CANCELLED`、`ACTIVITY_ENDED`、`CHECKIN_NOT_OPEN`、`NOT_SIGNED_UP`、`ALREADY_CHECKED_IN`、`CHECKIN_CODE_REPLAYED`"),
        (status = 422, description = "`CHECKIN_CODE_INVALID`（伪造、其他活动或签退码）、`CHECKIN_CODE_EXPIRED`"),
    )
)]
#[post("/activities/{id}/checkin")]
pub async fn checkin(
    state: web::Data<AppState>,
    access: ActivityAccess<Participant>,
    body: ApiJson<CodeIn>,
) -> AppResult<web::Json<AttendanceOut>> {
    let (a, me) = (&access.at.activity, access.principal.id());
    let code = &body.0.code;
    Ok(web::Json(
        attendance::with_code(&state.db, &state.config, a, me, Direction::In, code).await?,
    ))
}

/// 扫码签退
///
/// 计入时长 = min(签退 − 签到（整分钟）, 活动上限)，连同绿币计入时间银行，每人每活动一次。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id")),
    request_body = CodeIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已签退，`minutes` 为计入时长", body = AttendanceOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 404, description = "不存在或不在你的社区"),
        (status = 409, description = "`ACTIVITY_CANCELLED`、`NOT_SIGNED_UP`、`NOT_CHECKED_IN`、`ALREADY_CHECKED_OUT`、`CHECKIN_CODE_REPLAYED`"),
        (status = 422, description = "`CHECKIN_CODE_INVALID`（伪造、其他活动或签到码）、`CHECKIN_CODE_EXPIRED`"),
    )
)]
#[post("/activities/{id}/checkout")]
pub async fn checkout(
    state: web::Data<AppState>,
    access: ActivityAccess<Participant>,
    body: ApiJson<CodeIn>,
) -> AppResult<web::Json<AttendanceOut>> {
    let (a, me) = (&access.at.activity, access.principal.id());
    let code = &body.0.code;
    Ok(web::Json(
        attendance::with_code(&state.db, &state.config, a, me, Direction::Out, code).await?,
    ))
}

/// 手工签到
///
/// 组织者为没有手机的志愿者签到，记录为手工签到（`checkin_by` 为操作人）。未报名或仍在候补的人可现场加入（须符合参加条件且尚有名额，`walk_in` 为 true 表示未报名现场加入）。
#[utoipa::path(
    tag = "志愿活动",
    params(
        ("id" = String, Path, description = "活动 id"),
        ("user_id" = String, Path, description = "报名者 id"),
    ),
    request_body = ManualIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已签到", body = AttendanceOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围；`USER_NOT_FOUND`：现场加入的人不存在"),
        (status = 409, description = "`ACTIVITY_CANCELLED`、`ACTIVITY_ENDED`、`CHECKIN_NOT_OPEN`、`ACTIVITY_FULL`（现场加入时名额已满）、`ALREADY_CHECKED_IN`"),
        (status = 422, description = "`ATTENDANCE_TIME_INVALID`：时间晚于现在；`NOT_ELIGIBLE`：现场加入的人不符合参加条件"),
    )
)]
#[post("/activities/{id}/attendance/{user_id}/checkin")]
pub async fn manual_checkin(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    user: PathUserId,
    body: ApiJson<ManualIn>,
) -> AppResult<web::Json<AttendanceOut>> {
    let (at, staff) = (&access.at, access.principal.id());
    let done =
        attendance::by_hand(&state.db, &state.config, at, staff, user.0, Direction::In, body.0).await?;
    Ok(web::Json(done))
}

/// 手工签退
///
/// 组织者为志愿者签退，记录为手工签退（`checkout_by` 为操作人），按同一规则计入时长。
#[utoipa::path(
    tag = "志愿活动",
    params(
        ("id" = String, Path, description = "活动 id"),
        ("user_id" = String, Path, description = "报名者 id"),
    ),
    request_body = ManualIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已签退", body = AttendanceOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`ACTIVITY_CANCELLED`、`NOT_SIGNED_UP`、`NOT_CHECKED_IN`、`ALREADY_CHECKED_OUT`"),
        (status = 422, description = "`ATTENDANCE_TIME_INVALID`：时间晚于现在"),
    )
)]
#[post("/activities/{id}/attendance/{user_id}/checkout")]
pub async fn manual_checkout(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    user: PathUserId,
    body: ApiJson<ManualIn>,
) -> AppResult<web::Json<AttendanceOut>> {
    let (at, staff) = (&access.at, access.principal.id());
    let done = attendance::by_hand(
        &state.db,
        &state.config,
        at,
        staff,
        user.0,
        Direction::Out,
        body.0,
    )
    .await?;
    Ok(web::Json(done))
}

/// 出勤名单
///
/// 全部报名者按报名先后：状态、候补名次、签到签退（含手工与系统自动签退 `closed_by_clock`）与计入时长（组织者）。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "活动 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "出勤名单", body = Page<AttendanceOut>),
        (status = 400, description = "`INVALID_QUERY`"),
        (status = 403, description = "需要组织者（工作者或组织单位管理员）"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/activities/{id}/attendance")]
pub async fn roster(
    state: web::Data<AppState>,
    access: ActivityAccess<Organiser>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<AttendanceOut>>> {
    Ok(web::Json(
        attendance::roster(&state.db, access.at.activity.id, &q).await?,
    ))
}
