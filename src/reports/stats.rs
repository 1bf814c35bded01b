//! Counts of 双报到 under a region: per community by status, per unit the approved members.

use crate::api::Id;
use crate::error::AppResult;
use entity::member_report::{self, ReportStatus};
use entity::region::{self, RegionKind};
use entity::unit;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

/// 社区报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityCount {
    pub region_id: Id,
    pub name: String,
    /// 待审核人数
    pub pending: i64,
    /// 已报到（通过）人数
    pub approved: i64,
    pub rejected: i64,
    /// 报到的驻区单位数
    pub units: i64,
}

/// 单位报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCount {
    pub unit_id: Id,
    pub name: String,
    /// 该单位已报到（通过）的党员人数
    pub approved: i64,
}

/// 双报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatsOut {
    pub communities: Vec<CommunityCount>,
    pub units: Vec<UnitCount>,
}

/// The counts for the communities under `region` and the units reported to them.
pub async fn under(conn: &impl ConnectionTrait, region: &region::Model) -> AppResult<ReportStatsOut> {
    let communities: Vec<region::Model> = crate::regions::subtree(conn, region)
        .await?
        .into_iter()
        .filter(|r| r.kind == RegionKind::Community)
        .collect();
    let ids: Vec<i64> = communities.iter().map(|c| c.id).collect();
    let by_status: Vec<(i64, ReportStatus, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::CommunityId)
        .column(member_report::Column::Status)
        .column_as(member_report::Column::Id.count(), "n")
        .filter(member_report::Column::CommunityId.is_in(ids.clone()))
        .group_by(member_report::Column::CommunityId)
        .group_by(member_report::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let units = unit::Entity::find()
        .filter(unit::Column::CommunityId.is_in(ids))
        .all(conn)
        .await?;
    let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let by_unit: Vec<(i64, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::UnitId)
        .column_as(member_report::Column::Id.count(), "n")
        .filter(member_report::Column::UnitId.is_in(unit_ids))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .group_by(member_report::Column::UnitId)
        .into_tuple()
        .all(conn)
        .await?;
    let count = |cid: i64, st: ReportStatus| {
        by_status
            .iter()
            .filter(|(c, s, _)| *c == cid && *s == st)
            .map(|(_, _, n)| *n)
            .sum::<i64>()
    };
    Ok(ReportStatsOut {
        communities: communities
            .iter()
            .map(|c| CommunityCount {
                region_id: Id(c.id),
                name: c.name.clone(),
                pending: count(c.id, ReportStatus::Pending),
                approved: count(c.id, ReportStatus::Approved),
                rejected: count(c.id, ReportStatus::Rejected),
                units: units.iter().filter(|u| u.community_id == c.id).count() as i64,
            })
            .collect(),
        units: units
            .iter()
            .map(|u| UnitCount {
                unit_id: Id(u.id),
                name: u.name.clone(),
                approved: by_unit.iter().find(|(id, _)| *id == u.id).map_or(0, |(_, n)| *n),
            })
            .collect(),
    })
}
