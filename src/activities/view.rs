//! Activities and signups as the API shows them.

use crate::api::Id;
use crate::db::count_i64;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::activity::{ActivityKind, ActivityStatus, Eligibility};
use entity::activity_signup::{self as signup, SignupStatus};
use entity::{activity, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// 志愿活动
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: Id,
    /// 活动所在社区或网格
    pub region_id: Id,
    /// 所属社区（时长与绿币由该社区发放）
    pub community_id: Id,
    /// 组织单位（驻区单位发布时）
    pub unit_id: Option<Id>,
    /// 发布人
    pub organiser_id: Id,
    pub title: String,
    pub kind: ActivityKind,
    pub description: String,
    /// 活动地点
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 名额
    pub capacity: i32,
    /// 报名截止时间
    pub signup_deadline: DateTime<Utc>,
    pub eligibility: Eligibility,
    /// 限定的志愿服务队（eligibility=team）
    pub team_id: Option<Id>,
    /// 每人最多计入的服务时长（分钟）
    pub max_minutes: i32,
    /// 每位参加者获得的绿币
    pub coins: i32,
    pub status: ActivityStatus,
    /// 取消原因
    pub cancel_reason: Option<String>,
    /// 已确认报名人数
    pub confirmed: i64,
    /// 候补人数
    pub waitlisted: i64,
    pub created_at: DateTime<Utc>,
    /// 我的报名（查看单个活动时返回；未报名为 null）
    pub mine: Option<AttendanceOut>,
}

impl ActivityOut {
    pub fn new(a: activity::Model, (confirmed, waitlisted): (i64, i64)) -> ActivityOut {
        ActivityOut {
            id: Id(a.id),
            region_id: Id(a.region_id),
            community_id: Id(a.community_id),
            unit_id: a.unit_id.map(Id),
            organiser_id: Id(a.organiser_id),
            title: a.title,
            kind: a.kind,
            description: a.description,
            place: a.place,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            capacity: a.capacity,
            signup_deadline: a.signup_deadline,
            eligibility: a.eligibility,
            team_id: a.team_id.map(Id),
            max_minutes: a.max_minutes,
            coins: a.coins,
            status: a.status,
            cancel_reason: a.cancel_reason,
            confirmed,
            waitlisted,
            created_at: a.created_at,
            mine: None,
        }
    }
}

/// Confirmed and waitlisted counts of each activity in `ids`.
pub async fn counts(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, (i64, i64)>> {
    let rows: Vec<(i64, SignupStatus, i64)> = signup::Entity::find()
        .select_only()
        .column(signup::Column::ActivityId)
        .column(signup::Column::Status)
        .column_as(count_i64(Expr::col(signup::Column::Id)), "n")
        .filter(signup::Column::ActivityId.is_in(ids.iter().copied()))
        .group_by(signup::Column::ActivityId)
        .group_by(signup::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for (id, status, n) in rows {
        let e = out.entry(id).or_default();
        match status {
            SignupStatus::Confirmed => e.0 = n,
            SignupStatus::Waitlisted => e.1 = n,
        }
    }
    Ok(out)
}

/// Activities with their counts.
pub async fn with_counts(
    conn: &impl ConnectionTrait,
    rows: Vec<activity::Model>,
) -> AppResult<Vec<ActivityOut>> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let counts = counts(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let c = counts.get(&a.id).copied().unwrap_or_default();
            ActivityOut::new(a, c)
        })
        .collect())
}

/// 一个人的报名与出勤
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceOut {
    pub activity_id: Id,
    pub user_id: Id,
    /// 姓名（工作者查看出勤时返回）
    pub name: Option<String>,
    pub status: SignupStatus,
    /// 候补名次（从 1 开始，仅候补时）
    pub position: Option<i64>,
    pub signed_up_at: DateTime<Utc>,
    pub checkin_at: Option<DateTime<Utc>>,
    /// 由工作人员手工签到时为其 id
    pub checkin_by: Option<Id>,
    pub checkout_at: Option<DateTime<Utc>>,
    /// 由工作人员手工签退时为其 id
    pub checkout_by: Option<Id>,
    /// 未签退，活动结束时由系统按规则自动签退（供工作人员核对）
    pub closed_by_clock: bool,
    /// 未报名、由工作人员签到时现场加入
    pub walk_in: bool,
    /// 计入的服务时长（分钟），签退后才有
    pub minutes: Option<i32>,
    /// 获得的绿币，签退后才有
    pub coins: Option<i32>,
}

impl AttendanceOut {
    pub fn new(s: signup::Model, position: Option<i64>, name: Option<String>) -> AttendanceOut {
        AttendanceOut {
            activity_id: Id(s.activity_id),
            user_id: Id(s.user_id),
            name,
            status: s.status,
            position,
            signed_up_at: s.created_at,
            checkin_at: s.checkin_at,
            checkin_by: s.checkin_by.map(Id),
            checkout_at: s.checkout_at,
            checkout_by: s.checkout_by.map(Id),
            closed_by_clock: s.closed_by_clock,
            walk_in: s.walk_in,
            minutes: s.credited_minutes,
            coins: s.credited_coins,
        }
    }
}

/// A waitlisted signup's place in the queue (1 for the next to move up).
pub async fn position(conn: &impl ConnectionTrait, s: &signup::Model) -> AppResult<Option<i64>> {
    if s.status != SignupStatus::Waitlisted {
        return Ok(None);
    }
    let ahead = signup::Entity::find()
        .filter(signup::Column::ActivityId.eq(s.activity_id))
        .filter(signup::Column::Status.eq(SignupStatus::Waitlisted))
        .filter(signup::Column::Id.lte(s.id))
        .count(conn)
        .await?;
    Ok(Some(ahead as i64))
}

/// Names of `ids`.
pub async fn names(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
