//! Check-in and check-out, by the rotating code or by staff by hand, and the minutes credited.
//!
//! Credited minutes = min(check-out − check-in in whole minutes, the activity's `max_minutes`);
//! coins are credited with any positive minutes. The check-out is a conditional update
//! (`checkout_at IS NULL`) that also records the credit, and the credit is posted in the same
//! transaction under the unique reference `activity:{id}:{user}`: whichever of the member, the
//! staff or the clock checks out first credits, once; the others change nothing.
//!
//! A checked-in person with no check-out when the activity ends is checked out by the clock at
//! `ends_at` (`closed_by_clock`), credited min(ends_at − check-in, cap), and listed for staff.

use super::codes::{self, Direction, Refusal};
use super::row::live;
use super::signup::{mine, walk_in};
use super::view::{AttendanceOut, names, position};
use super::visibility::Located;
use crate::api::{Page, PageQuery, cut};
use crate::auth::principal::load_user;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ledger::awards::{Award, award};
use crate::records::credit::{Service, organiser};
use chrono::{DateTime, Duration, Utc};
use entity::activity::{self, ActivityStatus};
use entity::activity_signup::{self as signup, SignupStatus};
use entity::service_record::RecordKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Check-in opens this long before the start.
pub const EARLY: Duration = Duration::hours(1);

/// 提交签到码
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeIn {
    /// 扫描组织者屏幕上的二维码得到的内容
    #[validate(length(min = 1, max = 200, message = "签到码为 1 到 200 个字符"))]
    #[schema(min_length = 1, max_length = 200)]
    pub code: String,
}

/// 工作人员手工签到或签退
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualIn {
    /// 实际到达或离开的时间，默认为现在；不能晚于现在，签到不早于开始前 1 小时，签退不早于签到
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub at: Option<DateTime<Utc>>,
}

/// 签到码方向
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// in 签到码 / out 签退码
    pub direction: Direction,
}

/// 当前签到码
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CodeOut {
    /// 二维码内容（不透明字符串），成员扫码后原样提交
    pub code: String,
    pub direction: Direction,
    /// 请在此时刷新二维码
    pub refresh_at: DateTime<Utc>,
    /// 此时之后该码失效
    pub expires_at: DateTime<Utc>,
    /// 该码的二维码（SVG 文本），工作台直接显示
    pub qr_svg: String,
}

/// `code` as a QR code drawn in SVG (black on white, a quiet zone around it).
fn qr_svg(code: &str) -> AppResult<String> {
    let qr = qrcode::QrCode::new(code.as_bytes()).map_err(AppError::internal)?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

/// The minutes rule: whole minutes between check-in and check-out, at most `cap`, never negative.
pub fn credited_minutes(checkin: DateTime<Utc>, checkout: DateTime<Utc>, cap: i32) -> i32 {
    let elapsed = (checkout - checkin).num_minutes().clamp(0, i64::from(i32::MAX)) as i32;
    elapsed.min(cap)
}

/// The code the organiser's screen shows now.
pub fn current_code(config: &Config, a: &activity::Model, direction: Direction) -> AppResult<CodeOut> {
    live(a)?;
    let issued = codes::issue(config, a.id, direction, Utc::now());
    Ok(CodeOut {
        qr_svg: qr_svg(&issued.code)?,
        code: issued.code,
        direction,
        refresh_at: issued.refresh_at,
        expires_at: issued.expires_at,
    })
}

/// How a check-in or check-out is made.
#[derive(Debug, Clone, Copy)]
pub enum By {
    /// The person, with a code of this window.
    Code(i64),
    /// Staff, by hand.
    Staff(i64),
}

fn verified(
    config: &Config,
    a: &activity::Model,
    code: &str,
    direction: Direction,
    now: DateTime<Utc>,
) -> AppResult<By> {
    live(a)?;
    match codes::verify(config, code, a.id, direction, now) {
        Ok(w) => Ok(By::Code(w)),
        Err(Refusal::Invalid) => Err(AppError::new(ErrorCode::CheckinCodeInvalid)),
        Err(Refusal::Expired) => Err(AppError::new(ErrorCode::CheckinCodeExpired)),
    }
}

/// The person's confirmed signup, refusing a code they already used in this direction.
async fn attendee(
    conn: &impl ConnectionTrait,
    a: &activity::Model,
    user_id: i64,
    by: By,
    direction: Direction,
) -> AppResult<signup::Model> {
    let s = mine(conn, a.id, user_id)
        .await?
        .filter(|s| s.status == SignupStatus::Confirmed)
        .ok_or_else(|| AppError::new(ErrorCode::NotSignedUp))?;
    let used = match direction {
        Direction::In => s.checkin_window,
        Direction::Out => s.checkout_window,
    };
    if let By::Code(w) = by
        && used == Some(w)
    {
        return Err(AppError::new(ErrorCode::CheckinCodeReplayed));
    }
    Ok(s)
}

/// Records a check-in at `at`.
async fn check_in(
    db: &DatabaseConnection,
    a: &activity::Model,
    user_id: i64,
    by: By,
    at: DateTime<Utc>,
) -> AppResult<AttendanceOut> {
    crate::db::write(db, async |txn| {
        let s = record_in(txn, a, user_id, by, at).await?;
        Ok(AttendanceOut::new(s, None, None))
    })
    .await
}

/// Records a check-in at `at` in the caller's transaction.
pub async fn record_in(
    conn: &impl ConnectionTrait,
    a: &activity::Model,
    user_id: i64,
    by: By,
    at: DateTime<Utc>,
) -> AppResult<signup::Model> {
    let s = attendee(conn, a, user_id, by, Direction::In).await?;
    if s.checkin_at.is_some() {
        return Err(AppError::new(ErrorCode::AlreadyCheckedIn));
    }
    if at < a.starts_at - EARLY {
        return Err(AppError::new(ErrorCode::CheckinNotOpen));
    }
    if at >= a.ends_at {
        return Err(AppError::new(ErrorCode::ActivityEnded));
    }
    let (window, staff) = match by {
        By::Code(w) => (Some(w), None),
        By::Staff(id) => (None, Some(id)),
    };
    let update = signup::Entity::update_many()
        .col_expr(signup::Column::CheckinAt, Expr::value(at))
        .col_expr(signup::Column::CheckinWindow, Expr::value(window))
        .col_expr(signup::Column::CheckinBy, Expr::value(staff))
        .filter(signup::Column::Id.eq(s.id))
        .filter(signup::Column::CheckinAt.is_null());
    let reread = signup::Entity::find_by_id(s.id);
    crate::db::update_returning(conn, update, reread)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::AlreadyCheckedIn))
}

/// Checks `s` out at `at` and posts its credit, if nobody has checked it out: answers the row as
/// now stored, or `None` when someone else got there first.
pub async fn close(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    a: &activity::Model,
    s: &signup::Model,
    by: Option<By>,
    at: DateTime<Utc>,
) -> AppResult<Option<signup::Model>> {
    let Some(checkin) = s.checkin_at else {
        return Err(AppError::new(ErrorCode::NotCheckedIn));
    };
    let minutes = credited_minutes(checkin, at, a.max_minutes);
    let coins = if minutes > 0 { a.coins } else { 0 };
    let (window, staff) = match by {
        Some(By::Code(w)) => (Some(w), None),
        Some(By::Staff(id)) => (None, Some(id)),
        None => (None, None),
    };
    let update = signup::Entity::update_many()
        .col_expr(signup::Column::CheckoutAt, Expr::value(at))
        .col_expr(signup::Column::CheckoutWindow, Expr::value(window))
        .col_expr(signup::Column::CheckoutBy, Expr::value(staff))
        .col_expr(signup::Column::ClosedByClock, Expr::value(by.is_none()))
        .col_expr(signup::Column::CreditedMinutes, Expr::value(minutes))
        .col_expr(signup::Column::CreditedCoins, Expr::value(coins))
        .col_expr(signup::Column::CreditedAt, Expr::value(Utc::now()))
        .filter(signup::Column::Id.eq(s.id))
        .filter(signup::Column::CheckoutAt.is_null())
        .filter(signup::Column::CreditedAt.is_null());
    let reread = signup::Entity::find_by_id(s.id);
    let Some(done) = crate::db::update_returning(conn, update, reread).await? else {
        return Ok(None);
    };
    let memo: String = format!("志愿活动：{}", a.title).chars().take(100).collect();
    let service = Service {
        kind: RecordKind::Activity,
        order_id: None,
        activity_id: Some(a.id),
        region_id: a.region_id,
        organiser: organiser(conn, a.region_id, a.unit_id).await?,
        content: a.title.clone(),
        served_at: checkin,
    };
    let due = Award {
        community_id: a.community_id,
        member_id: s.user_id,
        minutes,
        coins,
        reference: format!("activity:{}:{}", a.id, s.user_id),
        memo,
        service,
        at,
    };
    award(conn, cfg, due).await?;
    Ok(Some(done))
}

async fn check_out(
    db: &DatabaseConnection,
    cfg: &Config,
    a: &activity::Model,
    user_id: i64,
    by: By,
    at: DateTime<Utc>,
) -> AppResult<AttendanceOut> {
    crate::db::write(db, async |txn| {
        let done = record_out(txn, cfg, a, user_id, by, at).await?;
        Ok(AttendanceOut::new(done, None, None))
    })
    .await
}

/// Records a check-out at `at` (not before the check-in) and posts the credit, in the caller's
/// transaction.
pub async fn record_out(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    a: &activity::Model,
    user_id: i64,
    by: By,
    at: DateTime<Utc>,
) -> AppResult<signup::Model> {
    let s = attendee(conn, a, user_id, by, Direction::Out).await?;
    let Some(checkin) = s.checkin_at else {
        return Err(AppError::new(ErrorCode::NotCheckedIn));
    };
    if s.checkout_at.is_some() {
        return Err(AppError::new(ErrorCode::AlreadyCheckedOut));
    }
    let at = at.max(checkin);
    close(conn, cfg, a, &s, Some(by), at)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::AlreadyCheckedOut))
}

/// The member checks in or out with the code they scanned.
pub async fn with_code(
    db: &DatabaseConnection,
    config: &Config,
    a: &activity::Model,
    user_id: i64,
    direction: Direction,
    code: &str,
) -> AppResult<AttendanceOut> {
    let now = Utc::now();
    let by = verified(config, a, code, direction, now)?;
    match direction {
        Direction::In => check_in(db, a, user_id, by, now).await,
        Direction::Out => check_out(db, config, a, user_id, by, now).await,
    }
}

/// Staff check a person in or out by hand, at the time they say (default now). Checking in
/// someone without a confirmed signup lets them join on the spot ([`walk_in`]).
pub async fn by_hand(
    db: &DatabaseConnection,
    cfg: &Config,
    at: &Located,
    staff_id: i64,
    user_id: i64,
    direction: Direction,
    body: ManualIn,
) -> AppResult<AttendanceOut> {
    let a = &at.activity;
    live(a)?;
    let now = Utc::now();
    let when = body.at.unwrap_or(now);
    if when > now + Duration::minutes(1) {
        return Err(AppError::new(ErrorCode::AttendanceTimeInvalid));
    }
    let by = By::Staff(staff_id);
    match direction {
        Direction::In => {
            crate::db::write(db, async |txn| {
                let held = mine(txn, a.id, user_id).await?;
                if held.is_none_or(|s| s.status != SignupStatus::Confirmed) {
                    let person = load_user(txn, &HashSet::new(), user_id)
                        .await
                        .map_err(|_| AppError::new(ErrorCode::UserNotFound))?;
                    walk_in(txn, &person, a.id, &at.community, now).await?;
                }
                let s = record_in(txn, a, user_id, by, when).await?;
                Ok(AttendanceOut::new(s, None, None))
            })
            .await
        }
        Direction::Out => check_out(db, cfg, a, user_id, by, when).await,
    }
}

/// The clock's rule for one signup left checked in when its activity ended: checked out at
/// `ends_at` (not before the check-in), `closed_by_clock`. Answers `false` when someone checked
/// it out meanwhile.
pub async fn close_by_clock(conn: &impl ConnectionTrait, cfg: &Config, signup_id: i64) -> AppResult<bool> {
    let Some(s) = signup::Entity::find_by_id(signup_id).one(conn).await? else {
        return Ok(false);
    };
    let Some(a) = activity::Entity::find_by_id(s.activity_id).one(conn).await? else {
        return Ok(false);
    };
    if s.checkout_at.is_some() || a.status != ActivityStatus::Published {
        return Ok(false);
    }
    let at = a.ends_at.max(s.checkin_at.unwrap_or(a.ends_at));
    Ok(close(conn, cfg, &a, &s, None, at).await?.is_some())
}

/// Signups left checked in whose activity ended by `now`, ids above `after`, in id order.
pub async fn left_open(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> AppResult<Vec<i64>> {
    Ok(signup::Entity::find()
        .select_only()
        .column(signup::Column::Id)
        .inner_join(activity::Entity)
        .filter(activity::Column::EndsAt.lte(now))
        .filter(activity::Column::Status.eq(ActivityStatus::Published))
        .filter(signup::Column::CheckinAt.is_not_null())
        .filter(signup::Column::CheckoutAt.is_null())
        .filter(signup::Column::Id.gt(after))
        .order_by_asc(signup::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Everyone signed up, in arrival order, with their attendance (organisers).
pub async fn roster(
    conn: &impl ConnectionTrait,
    activity_id: i64,
    q: &PageQuery,
) -> AppResult<Page<AttendanceOut>> {
    let limit = q.limit();
    let mut query = signup::Entity::find()
        .filter(signup::Column::ActivityId.eq(activity_id))
        .order_by_asc(signup::Column::Id)
        .limit(limit + 1);
    // Oldest first: the cursor is the last id of the previous page.
    if let Some(after) = q.before_id()? {
        query = query.filter(signup::Column::Id.gt(after));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, limit, |s| s.id);
    let ids: Vec<i64> = rows.iter().map(|s| s.user_id).collect();
    let names = names(conn, &ids).await?;
    let mut waiting_ahead = None;
    let mut items = Vec::with_capacity(rows.len());
    for s in rows {
        let pos = match (s.status, waiting_ahead) {
            (SignupStatus::Waitlisted, None) => {
                let p = position(conn, &s).await?;
                waiting_ahead = p;
                p
            }
            (SignupStatus::Waitlisted, Some(p)) => {
                waiting_ahead = Some(p + 1);
                waiting_ahead
            }
            _ => None,
        };
        let name = names.get(&s.user_id).cloned();
        items.push(AttendanceOut::new(s, pos, name));
    }
    Ok(Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn minutes_are_whole_capped_and_never_negative() {
        let t = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
        assert_eq!(credited_minutes(t, t + Duration::minutes(45), 120), 45);
        assert_eq!(credited_minutes(t, t + Duration::seconds(45 * 60 + 59), 120), 45);
        assert_eq!(credited_minutes(t, t + Duration::hours(5), 120), 120);
        assert_eq!(credited_minutes(t, t, 120), 0);
        assert_eq!(credited_minutes(t, t - Duration::minutes(3), 120), 0);
    }
}
