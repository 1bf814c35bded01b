//! 双报到: units report to a community (单位报到), members report to the community they live in
//! (党员报到); staff approve, and approval makes the person a member there.

mod handlers;
mod units;

use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::Pii;
use crate::users::UserOut;
use chrono::{DateTime, Utc};
use entity::member_report::{self, ReportStatus};
use entity::role_grant::Role;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(units::create)
        .service(units::list)
        .service(units::get)
        .service(units::reports)
        .service(handlers::submit)
        .service(handlers::list)
        .service(handlers::mine)
        .service(handlers::approve)
        .service(handlers::reject)
        .service(handlers::stats);
}

/// 党员报到记录
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    pub id: Id,
    pub user: UserOut,
    /// 报到的社区
    pub community_id: Id,
    /// 所在党支部
    pub party_branch: String,
    /// 工作单位（已报到的驻区单位）
    pub unit_id: Option<Id>,
    /// 工作单位名称（未在系统中的单位）
    pub work_unit: Option<String>,
    /// 特长
    pub skills: Vec<String>,
    /// 是否在职党员
    pub in_service: bool,
    pub status: ReportStatus,
    /// 审核意见
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ReportOut {
    pub fn new(r: member_report::Model, u: Option<&user::Model>, pii: &Pii) -> ReportOut {
        ReportOut {
            id: Id(r.id),
            user: u
                .map(|u| UserOut::new(u, pii))
                .unwrap_or_else(|| UserOut::gone(r.user_id)),
            community_id: Id(r.community_id),
            party_branch: r.party_branch,
            unit_id: r.unit_id.map(Id),
            work_unit: r.work_unit,
            skills: serde_json::from_str(&r.skills).unwrap_or_default(),
            in_service: r.in_service,
            status: r.status,
            review_note: r.review_note,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
        }
    }
}

/// Reports with their people, in one extra query.
pub async fn with_users(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    rows: Vec<member_report::Model>,
) -> AppResult<Vec<ReportOut>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let u = users.iter().find(|u| u.id == r.user_id);
            ReportOut::new(r, u, pii)
        })
        .collect())
}

/// Moves a pending report to `to`, exactly once; approval grants `member` on the community.
pub async fn review(
    conn: &impl ConnectionTrait,
    report: &member_report::Model,
    reviewer: i64,
    to: ReportStatus,
    note: Option<String>,
) -> AppResult<()> {
    let now = Utc::now();
    let changed = member_report::Entity::update_many()
        .set(member_report::ActiveModel {
            status: Set(to),
            review_note: Set(note),
            reviewed_by: Set(Some(reviewer)),
            reviewed_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(member_report::Column::Id.eq(report.id))
        .filter(member_report::Column::Status.eq(ReportStatus::Pending))
        .exec(conn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::new(ErrorCode::ReportNotPending));
    }
    if to == ReportStatus::Approved {
        crate::regions::ensure_grant(
            conn,
            report.user_id,
            report.community_id,
            Role::Member,
            None,
            reviewer,
        )
        .await?;
    }
    Ok(())
}
