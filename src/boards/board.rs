//! The board itself: who is on the red list and who on the black, ranked, as the viewer may see it.

use super::figures::{self, Month};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::mask_name;
use chrono::{DateTime, Utc};
use entity::region;
use entity::role_grant::Role;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// How many entries each list shows at most.
pub const TOP: usize = 10;

/// 红黑榜查询
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// 月份 YYYY-MM（北京时间），默认本月
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", example = "2026-11")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
}

/// 榜上的党员志愿者（公开视图姓名打码、不含 id）
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEntry {
    pub rank: usize,
    /// 用户 id（仅工作人员视图）
    pub user_id: Option<Id>,
    pub name: String,
    /// 本月计入的服务时长（分钟，含本月的更正）
    pub minutes: i64,
    /// 本月计入的服务次数（人次）
    pub services: i64,
}

/// 榜上的社区
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityEntry {
    pub rank: usize,
    pub region_id: Id,
    pub name: String,
    /// 本月办结的订单
    pub closed: i64,
    /// 本月办结订单中的评价数
    pub rated: i64,
    /// 其中 4–5 星
    pub satisfied: i64,
    /// 其中 1–2 星（差评）
    pub poor_ratings: i64,
    /// 本月被时钟处理的超时（超时上报、退回、超时未完成）
    pub overdue: i64,
    /// 本月解决的问题清单事项
    pub problems_resolved: i64,
    /// 本月未解决而移交街道的问题
    pub problems_passed_up: i64,
}

/// 榜上的职能部门
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentEntry {
    pub rank: usize,
    pub unit_id: Id,
    pub name: String,
    /// 本月办结的吹哨
    pub resolved: i64,
    /// 其中按时办结
    pub resolved_on_time: i64,
    /// 报到时限在本月且超时（未报到或迟报到）
    pub late_reports: i64,
    /// 办结时限在本月且超时
    pub late_resolutions: i64,
}

/// 榜上的驻区单位
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitEntry {
    pub rank: usize,
    pub unit_id: Id,
    pub name: String,
    /// 本月解决的认领问题
    pub resolved: i64,
    /// 认领后未解决、到期移交街道的问题
    pub passed_up_unresolved: i64,
    /// 本月完成的共建项目
    pub projects_done: i64,
}

/// 一张榜（红榜或黑榜）
#[derive(Debug, Serialize, ToSchema)]
pub struct Lists {
    pub communities: Vec<CommunityEntry>,
    pub departments: Vec<DepartmentEntry>,
    pub units: Vec<UnitEntry>,
    /// 党员志愿者（仅红榜）
    pub members: Vec<MemberEntry>,
}

/// 红黑榜
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOut {
    pub region_id: Id,
    pub month: String,
    /// 是否为公开视图（党员姓名打码、不含个人 id）
    pub public: bool,
    /// 红榜：办结多、服务时长多、评价好
    pub red: Lists,
    /// 黑榜：超时未报到或未办结、问题未解决移交、差评与超时
    pub black: Lists,
}

/// The month asked for (`YYYY-MM`; default: `now`'s), with its bounds.
pub fn month(asked: Option<&str>, now: DateTime<Utc>) -> AppResult<Month> {
    let label = asked.map_or_else(|| crate::calendar::month_of(now), str::to_owned);
    let (start, end) = crate::calendar::month_bounds(&label)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidQuery).with_detail("月份格式为 YYYY-MM"))?;
    Ok(Month { label, start, end })
}

/// Whether `viewer` gets the public view of `root`'s boards: anyone but staff (or admins) over it.
pub fn public_view(viewer: Option<&Principal>, root: &region::Model) -> bool {
    !viewer.is_some_and(|p| p.covers(&root.path, &[Role::Staff]))
}

/// Ranks `rows` by `key` (higher first, ties by id), keeping those `on` and at most [`TOP`].
fn ranked<T, K: Ord>(
    mut rows: Vec<T>,
    on: impl Fn(&T) -> bool,
    key: impl Fn(&T) -> (K, i64),
) -> Vec<(usize, T)> {
    rows.retain(|r| on(r));
    rows.sort_by(|a, b| {
        let (ka, ia) = key(a);
        let (kb, ib) = key(b);
        kb.cmp(&ka).then(ia.cmp(&ib))
    });
    rows.into_iter()
        .take(TOP)
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect()
}

/// The board of `root` for month `m`, as `viewer` may see it (staff over `root` see it whole).
pub async fn of_region(
    conn: &impl ConnectionTrait,
    viewer: Option<&Principal>,
    root: &region::Model,
    m: Month,
    now: DateTime<Utc>,
) -> AppResult<BoardOut> {
    let public = public_view(viewer, root);
    let members = figures::members(conn, root, &m).await?;
    let communities = figures::communities(conn, root, &m).await?;
    let departments = figures::departments(conn, root, &m, now).await?;
    let units = figures::units(conn, root, &m).await?;

    let member = |(rank, f): (usize, figures::MemberFacts)| MemberEntry {
        rank,
        user_id: (!public).then_some(Id(f.user_id)),
        name: if public { mask_name(&f.name) } else { f.name },
        minutes: f.minutes,
        services: f.services,
    };
    let community = |(rank, f): (usize, figures::CommunityFacts)| CommunityEntry {
        rank,
        region_id: Id(f.region_id),
        name: f.name,
        closed: f.closed,
        rated: f.rated,
        satisfied: f.satisfied,
        poor_ratings: f.poor,
        overdue: f.overdue,
        problems_resolved: f.problems_resolved,
        problems_passed_up: f.problems_passed_up,
    };
    let department = |(rank, f): (usize, figures::DepartmentFacts)| DepartmentEntry {
        rank,
        unit_id: Id(f.unit_id),
        name: f.name,
        resolved: f.resolved,
        resolved_on_time: f.resolved_on_time,
        late_reports: f.late_reports,
        late_resolutions: f.late_resolutions,
    };
    let unit = |(rank, f): (usize, figures::UnitFacts)| UnitEntry {
        rank,
        unit_id: Id(f.unit_id),
        name: f.name,
        resolved: f.resolved,
        passed_up_unresolved: f.passed_up_unresolved,
        projects_done: f.projects_done,
    };
    let red = Lists {
        communities: ranked(
            communities.clone(),
            |c| c.closed + c.problems_resolved > 0,
            |c| ((c.closed + c.problems_resolved, c.satisfied), c.region_id),
        )
        .into_iter()
        .map(community)
        .collect(),
        departments: ranked(
            departments.clone(),
            |d| d.resolved > 0,
            |d| ((d.resolved_on_time, d.resolved), d.unit_id),
        )
        .into_iter()
        .map(department)
        .collect(),
        units: ranked(
            units.clone(),
            |u| u.resolved + u.projects_done > 0,
            |u| (u.resolved + u.projects_done, u.unit_id),
        )
        .into_iter()
        .map(unit)
        .collect(),
        members: ranked(
            members,
            |f| f.minutes > 0,
            |f| ((f.minutes, f.services), f.user_id),
        )
        .into_iter()
        .map(member)
        .collect(),
    };
    let black = Lists {
        communities: ranked(
            communities,
            |c| c.poor + c.overdue + c.problems_passed_up > 0,
            |c| (c.poor + c.overdue + c.problems_passed_up, c.region_id),
        )
        .into_iter()
        .map(community)
        .collect(),
        departments: ranked(
            departments,
            |d| d.late_reports + d.late_resolutions > 0,
            |d| (d.late_reports + d.late_resolutions, d.unit_id),
        )
        .into_iter()
        .map(department)
        .collect(),
        units: ranked(
            units,
            |u| u.passed_up_unresolved > 0,
            |u| (u.passed_up_unresolved, u.unit_id),
        )
        .into_iter()
        .map(unit)
        .collect(),
        members: vec![],
    };
    Ok(BoardOut {
        region_id: Id(root.id),
        month: m.label,
        public,
        red,
        black,
    })
}
