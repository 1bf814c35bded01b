//! Publishing an activity, editing it before it starts, cancelling it (participants are told).

use super::row::{live, lock};
use super::signup::fill;
use super::view::{ActivityOut, counts};
use super::visibility::{Located, runs};
use crate::api::Id;
use crate::auth::principal::Principal;
use crate::config::NotifyConfig;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{ActivityChange, enqueue_activity};
use crate::regions::cache::RegionCache;
use chrono::{DateTime, Utc};
use entity::activity::{self, ActivityKind, ActivityStatus, Eligibility};
use entity::activity_signup as signup;
use entity::region::{self, RegionKind};
use entity::unit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 发布活动
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityIn {
    #[validate(length(min = 1, max = 100, message = "标题为 1 到 100 个字"))]
    #[schema(example = "周末清洁家园", min_length = 1, max_length = 100)]
    pub title: String,
    pub kind: ActivityKind,
    #[validate(length(max = 2000, message = "说明最多 2000 个字"))]
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[validate(length(max = 200, message = "地点最多 200 个字"))]
    #[serde(default)]
    #[schema(example = "社区党群服务中心", max_length = 200)]
    pub place: String,
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub starts_at: DateTime<Utc>,
    /// 须晚于开始时间，且晚于现在
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub ends_at: DateTime<Utc>,
    /// 名额；报满后继续报名的进入候补
    #[validate(range(min = 1, max = 10000, message = "名额为 1 到 10000"))]
    #[schema(example = 30, minimum = 1, maximum = 10000)]
    pub capacity: i32,
    /// 报名截止时间，不晚于结束时间
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub signup_deadline: DateTime<Utc>,
    pub eligibility: Eligibility,
    /// eligibility=team 时必填
    pub team_id: Option<Id>,
    /// 每人最多计入的服务时长（分钟）
    #[validate(range(min = 1, max = 1440, message = "最多计入 1 到 1440 分钟"))]
    #[schema(example = 120, minimum = 1, maximum = 1440)]
    pub max_minutes: i32,
    /// 每位参加者获得的绿币，默认 0
    #[validate(range(min = 0, max = 1000, message = "绿币为 0 到 1000"))]
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub coins: i32,
    /// 以驻区单位名义发布（单位管理员）：单位须在该社区报到
    pub unit_id: Option<Id>,
}

/// 修改活动（开始前）；不传的字段不变
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    #[validate(length(min = 1, max = 100, message = "标题为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    pub kind: Option<ActivityKind>,
    #[validate(length(max = 2000, message = "说明最多 2000 个字"))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[validate(length(max = 200, message = "地点最多 200 个字"))]
    #[schema(max_length = 200)]
    pub place: Option<String>,
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub starts_at: Option<DateTime<Utc>>,
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub ends_at: Option<DateTime<Utc>>,
    /// 增加名额时按报名先后从候补转正
    #[validate(range(min = 1, max = 10000, message = "名额为 1 到 10000"))]
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: Option<i32>,
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub signup_deadline: Option<DateTime<Utc>>,
    #[validate(range(min = 1, max = 1440, message = "最多计入 1 到 1440 分钟"))]
    #[schema(minimum = 1, maximum = 1440)]
    pub max_minutes: Option<i32>,
    #[validate(range(min = 0, max = 1000, message = "绿币为 0 到 1000"))]
    #[schema(minimum = 0, maximum = 1000)]
    pub coins: Option<i32>,
}

/// 取消活动
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityCancelIn {
    /// 取消原因，会告知报名者
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(example = "天气原因", min_length = 1, max_length = 200)]
    pub reason: String,
}

fn times(message: &str) -> AppError {
    AppError::new(ErrorCode::ActivityTimesInvalid).with_detail(message)
}

/// The times make sense together: end after start and after now, deadline not after the end.
fn check_times(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if ends_at <= starts_at {
        return Err(times("结束时间须晚于开始时间"));
    }
    if ends_at <= now {
        return Err(times("结束时间须晚于现在"));
    }
    if deadline > ends_at {
        return Err(times("报名截止时间不能晚于结束时间"));
    }
    Ok(())
}

/// Who may publish under `region`, for `unit` if given: staff over the region, or an admin of a
/// unit reported to its community. 404 when the caller cannot see the region.
async fn publisher(
    conn: &impl ConnectionTrait,
    p: &Principal,
    region: &region::Model,
    community: &region::Model,
    unit: Option<i64>,
) -> AppResult<()> {
    if !p.sees(&region.path) && !p.belongs_to(community) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if let Some(u) = unit {
        let found = unit::Entity::find_by_id(u).one(conn).await?;
        if found.is_none_or(|f| f.community_id != community.id) {
            return Err(AppError::new(ErrorCode::UnitNotInCommunity));
        }
    }
    if runs(p, region, unit) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden).with_detail("需要社区工作者或驻区单位管理员角色"))
    }
}

/// Publishes an activity under `region` (a community or a grid).
pub async fn publish(
    db: &DatabaseConnection,
    regions: &RegionCache,
    p: &Principal,
    region: &region::Model,
    body: ActivityIn,
) -> AppResult<ActivityOut> {
    if !matches!(region.kind, RegionKind::Community | RegionKind::Grid) {
        p.authorize(region, &[entity::role_grant::Role::Staff])?;
        return Err(AppError::new(ErrorCode::ActivityRegionInvalid));
    }
    let community = regions
        .community_of(db, region)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::ActivityRegionInvalid))?;
    let unit = body.unit_id.map(|u| u.0);
    publisher(db, p, region, &community, unit).await?;
    let now = Utc::now();
    check_times(body.starts_at, body.ends_at, body.signup_deadline, now)?;
    let a = insert(db, region, &community, p.id(), body, now).await?;
    Ok(ActivityOut::new(a, (0, 0)))
}

/// Inserts a published activity under `region` (of `community`) organised by `organiser`; the
/// team it is limited to is checked here, who publishes and the times by the caller.
pub async fn insert(
    conn: &impl ConnectionTrait,
    region: &region::Model,
    community: &region::Model,
    organiser: i64,
    body: ActivityIn,
    now: DateTime<Utc>,
) -> AppResult<activity::Model> {
    let team_id = crate::teams::eligible_team(conn, community, body.eligibility, body.team_id).await?;
    Ok(activity::ActiveModel {
        region_id: Set(region.id),
        community_id: Set(community.id),
        unit_id: Set(body.unit_id.map(|u| u.0)),
        organiser_id: Set(organiser),
        title: Set(body.title),
        kind: Set(body.kind),
        description: Set(body.description),
        place: Set(body.place),
        starts_at: Set(body.starts_at),
        ends_at: Set(body.ends_at),
        capacity: Set(body.capacity),
        signup_deadline: Set(body.signup_deadline),
        eligibility: Set(body.eligibility),
        team_id: Set(team_id),
        max_minutes: Set(body.max_minutes),
        coins: Set(body.coins),
        status: Set(ActivityStatus::Published),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// One activity with its counts.
pub async fn detail(conn: &impl ConnectionTrait, a: activity::Model) -> AppResult<ActivityOut> {
    let c = counts(conn, &[a.id])
        .await?
        .get(&a.id)
        .copied()
        .unwrap_or_default();
    Ok(ActivityOut::new(a, c))
}

/// The activity, locked, if it is neither cancelled nor started; and the time now.
async fn unstarted(conn: &impl ConnectionTrait, id: i64) -> AppResult<(activity::Model, DateTime<Utc>)> {
    let a = lock(conn, id).await?;
    live(&a)?;
    let now = Utc::now();
    if a.starts_at <= now {
        return Err(AppError::new(ErrorCode::ActivityStarted));
    }
    Ok((a, now))
}

/// Edits an activity that has not started; a larger capacity moves the waitlist up (told).
pub async fn amend(
    db: &DatabaseConnection,
    cfg: &NotifyConfig,
    at: &Located,
    body: ActivityPatch,
) -> AppResult<ActivityOut> {
    let a = crate::db::write(db, async |txn| {
        let (a, now) = unstarted(txn, at.activity.id).await?;
        let starts_at = body.starts_at.unwrap_or(a.starts_at);
        let ends_at = body.ends_at.unwrap_or(a.ends_at);
        let deadline = body.signup_deadline.unwrap_or(a.signup_deadline);
        check_times(starts_at, ends_at, deadline, now)?;
        let capacity = body.capacity.unwrap_or(a.capacity);
        let (confirmed, _) = counts(txn, &[a.id])
            .await?
            .get(&a.id)
            .copied()
            .unwrap_or_default();
        if i64::from(capacity) < confirmed {
            return Err(AppError::new(ErrorCode::CapacityBelowConfirmed)
                .with_detail(format!("已确认 {confirmed} 人")));
        }
        let mut m: activity::ActiveModel = a.into();
        m.starts_at = Set(starts_at);
        m.ends_at = Set(ends_at);
        m.signup_deadline = Set(deadline);
        m.capacity = Set(capacity);
        if let Some(v) = body.title.clone() {
            m.title = Set(v);
        }
        if let Some(v) = body.kind {
            m.kind = Set(v);
        }
        if let Some(v) = body.description.clone() {
            m.description = Set(v);
        }
        if let Some(v) = body.place.clone() {
            m.place = Set(v);
        }
        if let Some(v) = body.max_minutes {
            m.max_minutes = Set(v);
        }
        if let Some(v) = body.coins {
            m.coins = Set(v);
        }
        m.updated_at = Set(now);
        let a = m.update(txn).await?;
        fill(txn, cfg, &a, now).await?;
        Ok(a)
    })
    .await?;
    detail(db, a).await
}

/// Cancels an activity that has not started; everyone signed up (or waitlisted) is told.
pub async fn cancel(
    db: &DatabaseConnection,
    cfg: &NotifyConfig,
    at: &Located,
    body: ActivityCancelIn,
) -> AppResult<ActivityOut> {
    let a = crate::db::write(db, async |txn| {
        let (a, now) = unstarted(txn, at.activity.id).await?;
        let mut m: activity::ActiveModel = a.into();
        m.status = Set(ActivityStatus::Cancelled);
        m.cancel_reason = Set(Some(body.reason.clone()));
        m.updated_at = Set(now);
        let a = m.update(txn).await?;
        let recipients: Vec<i64> = signup::Entity::find()
            .select_only()
            .column(signup::Column::UserId)
            .filter(signup::Column::ActivityId.eq(a.id))
            .into_tuple()
            .all(txn)
            .await?;
        let change = ActivityChange {
            activity: &a,
            recipients,
            status_label: "活动取消",
            action: "cancelled",
            at: now,
        };
        enqueue_activity(txn, cfg, change).await?;
        Ok(a)
    })
    .await?;
    detail(db, a).await
}
