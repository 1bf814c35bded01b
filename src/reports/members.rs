//! 党员报到: a member reports to the community they live in; staff of the community review it.

use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::export::table::{Cells, CsvRow};
use crate::pii::Pii;
use crate::state::AppState;
use crate::users::UserOut;
use chrono::{DateTime, Utc};
use entity::member_report::{self, ReportStatus};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::{unit, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

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

impl CsvRow for ReportOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "报到编号",
            "提交时间",
            "党员编号",
            "党员",
            "手机号",
            "社区编号",
            "党支部",
            "单位编号",
            "工作单位",
            "特长",
            "在职党员",
            "状态",
            "审核意见",
            "审核时间",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        out.id(self.id)
            .time(self.created_at)
            .id(self.user.id)
            .text(&self.user.name)
            .opt(self.user.phone_masked.as_deref())
            .id(self.community_id)
            .text(&self.party_branch)
            .opt_id(self.unit_id)
            .opt_text(self.work_unit.as_deref())
            .text(&self.skills.join("、"))
            .yes_no(self.in_service)
            .code(&self.status)
            .opt_text(self.review_note.as_deref())
            .opt_time(self.reviewed_at);
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
/// 党员报到
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// 所在党支部
    #[validate(length(min = 1, max = 100, message = "党支部为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub party_branch: String,
    /// 工作单位（已报到的驻区单位 id），可选
    pub unit_id: Option<Id>,
    /// 工作单位名称（单位未在系统中时填写）
    #[validate(length(min = 1, max = 100, message = "工作单位为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub work_unit: Option<String>,
    /// 特长，如 ["水电维修","法律咨询"]，最多 10 项
    #[validate(length(max = 10, message = "特长最多 10 项"))]
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<Skill>)]
    pub skills: Vec<String>,
    /// 是否在职党员
    pub in_service: bool,
}

/// One skill of a member's report, 1 to 20 characters (checked in `submit`).
pub struct Skill;

impl utoipa::PartialSchema for Skill {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(20))
            .into()
    }
}
impl ToSchema for Skill {}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// 按状态筛选
    pub status: Option<ReportStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

crate::api::paged!(ReportQuery);

/// Each skill 1 to 20 characters, naming the first that is not.
fn check_skills(skills: &[String]) -> AppResult<()> {
    match skills.iter().position(|s| s.is_empty() || s.chars().count() > 20) {
        Some(i) => Err(AppError::validation(vec![FieldError {
            field: format!("skills[{i}]"),
            message: "每项特长为 1 到 20 个字".into(),
        }])),
        None => Ok(()),
    }
}

/// The caller reports to the community `community_id`, where they must live; one open
/// (pending or approved) report per person and community.
pub async fn submit(
    db: &DatabaseConnection,
    pii: &Pii,
    p: &Principal,
    community: region::Model,
    body: ReportIn,
) -> AppResult<ReportOut> {
    check_skills(&body.skills)?;
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("须向社区报到"));
    }
    if !p.lives_in(&community.path) {
        return Err(AppError::new(ErrorCode::NotResidentHere));
    }
    if let Some(unit_id) = body.unit_id
        && unit::Entity::find_by_id(unit_id.0).one(db).await?.is_none()
    {
        return Err(AppError::validation(vec![FieldError {
            field: "unit_id".into(),
            message: "单位不存在".into(),
        }]));
    }
    let txn = crate::db::begin_write(db).await?;
    let open = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(p.id()))
        .filter(member_report::Column::CommunityId.eq(community.id))
        .filter(member_report::Column::Status.is_in([ReportStatus::Pending, ReportStatus::Approved]))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::new(ErrorCode::ReportExists));
    }
    let created = member_report::ActiveModel {
        user_id: Set(p.id()),
        community_id: Set(community.id),
        party_branch: Set(body.party_branch),
        unit_id: Set(body.unit_id.map(|u| u.0)),
        work_unit: Set(body.work_unit),
        skills: Set(serde_json::to_string(&body.skills).map_err(AppError::internal)?),
        in_service: Set(body.in_service),
        status: Set(ReportStatus::Pending),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::ReportExists),
        _ => e.into(),
    })?;
    txn.commit().await?;
    Ok(ReportOut::new(created, Some(&p.user), pii))
}

/// Reports to the communities under `region`, newest first.
pub async fn in_region(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    region: &region::Model,
    q: &ReportQuery,
) -> AppResult<Page<ReportOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = member_report::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&region.path))
        .order_by_desc(member_report::Column::Id)
        .limit(page.limit() + 1);
    if let Some(status) = q.status {
        query = query.filter(member_report::Column::Status.eq(status));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(member_report::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, page.limit(), |r| r.id);
    Ok(Page {
        items: with_users(conn, pii, rows).await?,
        next_cursor,
    })
}

/// The caller's own reports, newest first.
pub async fn mine(conn: &impl ConnectionTrait, pii: &Pii, p: &Principal) -> AppResult<Vec<ReportOut>> {
    let rows = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(p.id()))
        .order_by_desc(member_report::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReportOut::new(r, Some(&p.user), pii))
        .collect())
}

/// Reviews the report (see `review`) in a transaction of its own; the report as it now is.
pub async fn decide(
    state: &AppState,
    report: &member_report::Model,
    reviewer: i64,
    to: ReportStatus,
    note: Option<String>,
) -> AppResult<ReportOut> {
    let (db, pii) = (&state.db, &state.pii);
    let txn = crate::db::begin_write(db).await?;
    review(&txn, report, reviewer, to, note).await?;
    txn.commit().await?;
    crate::auth::callers::changed(state, [report.user_id]).await;
    let row = member_report::Entity::find_by_id(report.id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(with_users(db, pii, vec![row]).await?.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_one_to_twenty_characters() {
        let ok = ["水电维修".to_owned(), "法".repeat(20)];
        assert!(check_skills(&ok).is_ok());
        for (bad, at) in [
            (vec!["a".to_owned(), String::new()], 1),
            (vec!["法".repeat(21)], 0),
        ] {
            let err = check_skills(&bad).unwrap_err();
            assert_eq!(err.errors[0].field, format!("skills[{at}]"));
        }
    }
}
