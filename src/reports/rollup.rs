//! 单位汇总: for each unit reported to the communities under a region, what its people and the
//! unit did in a month — its approved members (双报到), their hours and 报到 visits (人次: each
//! order or activity a member was credited for counts once), problems of the lists it claimed and
//! resolved, and co-building projects it completed. Counted by when each row was written, like
//! the boards.

use crate::api::Id;
use crate::db::{count_i64, sum_i64};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::export::table::{Cells, CsvTable};
use entity::member_report::{self, ReportStatus};
use entity::problem::{self, ProblemState};
use entity::project::{self, ProjectState};
use entity::region;
use entity::service_record::{self, RecordKind};
use entity::unit;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 单位汇总查询
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RollupQuery {
    /// 月份 YYYY-MM（北京时间），默认本月
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", example = "2026-11")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
}

/// 一个驻区单位的月度汇总
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRollup {
    pub unit_id: Id,
    pub name: String,
    /// 报到的社区
    pub community_id: Id,
    /// 已通过的双报到党员人数（至今）
    pub members: i64,
    /// 本月计入的服务时长（分钟，含本月的更正）
    pub minutes: i64,
    /// 本月报到服务人次：每位党员每次计入的订单或活动算一次
    pub visits: i64,
    /// 本月认领的问题清单事项（仍由本单位认领的）
    pub problems_claimed: i64,
    /// 本月解决的认领事项
    pub problems_resolved: i64,
    /// 本月完成的共建项目
    pub projects_done: i64,
}

/// 单位汇总
#[derive(Debug, Serialize, ToSchema)]
pub struct RollupOut {
    pub region_id: Id,
    pub month: String,
    pub items: Vec<UnitRollup>,
}

/// The CSV table: one row per unit, then a 合计 row.
impl CsvTable for RollupOut {
    fn headers(&self) -> Vec<&'static str> {
        vec![
            "月份",
            "单位编号",
            "单位",
            "社区编号",
            "双报到党员",
            "服务时长（分钟）",
            "报到服务人次",
            "认领问题",
            "解决问题",
            "完成共建项目",
        ]
    }

    fn rows(&self) -> Vec<Cells> {
        let mut rows: Vec<Cells> = self
            .items
            .iter()
            .map(|u| {
                let mut out = Cells::default();
                out.value(&self.month)
                    .id(u.unit_id)
                    .text(&u.name)
                    .id(u.community_id);
                figures(
                    &mut out,
                    [
                        u.members,
                        u.minutes,
                        u.visits,
                        u.problems_claimed,
                        u.problems_resolved,
                        u.projects_done,
                    ],
                );
                out
            })
            .collect();
        let sum = |f: fn(&UnitRollup) -> i64| self.items.iter().map(f).sum::<i64>();
        let mut total = Cells::default();
        total.value(&self.month).value("").text("合计").value("");
        figures(
            &mut total,
            [
                sum(|u| u.members),
                sum(|u| u.minutes),
                sum(|u| u.visits),
                sum(|u| u.problems_claimed),
                sum(|u| u.problems_resolved),
                sum(|u| u.projects_done),
            ],
        );
        rows.push(total);
        rows
    }
}

fn figures(out: &mut Cells, values: [i64; 6]) {
    for v in values {
        out.value(v);
    }
}

/// The month's roll-up of every unit reported under `root` (departments are not reported units).
pub async fn of_region(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    q: &RollupQuery,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<RollupOut> {
    let month = q.month.clone().unwrap_or_else(|| crate::calendar::month_of(now));
    let (start, end) = crate::calendar::month_bounds(&month)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidQuery).with_detail("月份格式为 YYYY-MM"))?;
    let units = unit::Entity::find()
        .join(JoinType::InnerJoin, unit::Relation::Region.def())
        .filter(region::Column::Path.starts_with(&root.path))
        .filter(unit::Column::Department.eq(false))
        .order_by_asc(unit::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    // Approved members of each unit.
    let members: Vec<(i64, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::UnitId)
        .column(member_report::Column::UserId)
        .filter(member_report::Column::UnitId.is_in(ids.clone()))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .distinct()
        .into_tuple::<(Option<i64>, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(u, user)| u.map(|u| (u, user)))
        .collect();
    let people: Vec<i64> = members.iter().map(|m| m.1).collect();
    // Each member's month: minutes (corrections included) and services credited.
    let served: HashMap<i64, (i64, i64)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::UserId)
        .column_as(sum_i64(Expr::col(service_record::Column::Minutes)), "minutes")
        .column_as(
            count_i64(
                Expr::case(service_record::Column::Kind.ne(RecordKind::Correction), 1).finally(Expr::null()),
            ),
            "visits",
        )
        .filter(service_record::Column::UserId.is_in(people))
        .filter(service_record::Column::CreatedAt.gte(start))
        .filter(service_record::Column::CreatedAt.lt(end))
        .group_by(service_record::Column::UserId)
        .into_tuple::<(i64, i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(user, minutes, visits)| (user, (minutes, visits)))
        .collect();
    let claimed: Vec<Option<i64>> = problem::Entity::find()
        .select_only()
        .column(problem::Column::OwnerUnitId)
        .filter(problem::Column::OwnerUnitId.is_in(ids.clone()))
        .filter(problem::Column::ClaimedAt.gte(start))
        .filter(problem::Column::ClaimedAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    let resolved: Vec<Option<i64>> = problem::Entity::find()
        .select_only()
        .column(problem::Column::OwnerUnitId)
        .filter(problem::Column::OwnerUnitId.is_in(ids))
        .filter(problem::Column::State.eq(ProblemState::Resolved))
        .filter(problem::Column::ResolvedAt.gte(start))
        .filter(problem::Column::ResolvedAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    let done: Vec<Option<i64>> = project::Entity::find()
        .select_only()
        .column(project::Column::OwnerUnitId)
        .filter(project::Column::OwnerUnitId.is_in(units.iter().map(|u| u.id)))
        .filter(project::Column::State.eq(ProjectState::Done))
        .filter(project::Column::DoneAt.gte(start))
        .filter(project::Column::DoneAt.lt(end))
        .into_tuple()
        .all(conn)
        .await?;
    let items = units
        .into_iter()
        .map(|u| {
            let mine: Vec<i64> = members.iter().filter(|m| m.0 == u.id).map(|m| m.1).collect();
            let (minutes, visits) = mine
                .iter()
                .filter_map(|user| served.get(user))
                .fold((0, 0), |(m, v), (dm, dv)| (m + dm, v + dv));
            let count = |rows: &[Option<i64>]| rows.iter().filter(|r| **r == Some(u.id)).count() as i64;
            UnitRollup {
                unit_id: Id(u.id),
                community_id: Id(u.community_id),
                members: mine.len() as i64,
                minutes,
                visits,
                problems_claimed: count(&claimed),
                problems_resolved: count(&resolved),
                projects_done: count(&done),
                name: u.name,
            }
        })
        .collect();
    Ok(RollupOut {
        region_id: Id(root.id),
        month,
        items,
    })
}
