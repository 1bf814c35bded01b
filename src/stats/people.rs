//! People figures of a dashboard: residents who asked for help, members who reported (双报到)
//! and the service they gave in the range.
//!
//! Each fact is read once for the whole subtree with the path of the region it belongs to, and
//! folded per region in memory, so a person counts once however many grids they appear in.

use super::range::Range;
use crate::db::sum_i64;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::member_report::{self, ReportStatus};
use entity::region;
use entity::residence::{self, ResidenceStatus};
use entity::service_order;
use entity::service_record::{self, RecordKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef, RelationTrait,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// 人员统计
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PeopleStats {
    /// 区间内下过单的居民人数（同一人只计一次）
    pub residents_active: i64,
    /// 已确认居住在本区域的居民人数（截至现在）
    pub residents_registered: i64,
    /// 已报到（双报到审核通过）的党员人数（截至现在）
    pub members_reported: i64,
    /// 其中在区间内审核通过报到的人数
    pub members_reported_in_range: i64,
    /// 区间内记有服务的志愿者人数
    pub members_active: i64,
    /// 报到服务人次：区间内记入服务记录的订单与活动，每人每单（每场）计一次
    pub visits: i64,
    /// 区间内记入的服务时长（分钟，含更正）
    pub minutes_served: i64,
    /// 服务时长（小时，保留 1 位小数）
    pub hours_served: f64,
}

/// The people facts of a subtree over a range, by region path.
pub struct People {
    /// (resident, path of the region the order was placed in)
    ordering: Vec<(i64, String)>,
    /// (user, path of the confirmed residence)
    residents: Vec<(i64, String)>,
    /// (member, path of the community, when approved)
    reported: Vec<(i64, String, Option<DateTime<Utc>>)>,
    /// (member, path of the region served, minutes, services counted)
    served: Vec<(i64, String, i64, i64)>,
    range: Range,
}

/// Reads the facts of `root`'s subtree in `range`.
pub async fn load(conn: &impl ConnectionTrait, root: &region::Model, range: &Range) -> AppResult<People> {
    let under = region::Column::Path.starts_with(&root.path);
    let ordering = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::ResidentId)
        .column(region::Column::Path)
        .distinct()
        .join(JoinType::InnerJoin, origin())
        .filter(under.clone())
        .filter(service_order::Column::CreatedAt.gte(range.starts_at))
        .filter(service_order::Column::CreatedAt.lt(range.ends_at))
        .into_tuple()
        .all(conn)
        .await?;
    let residents = residence::Entity::find()
        .select_only()
        .column(residence::Column::UserId)
        .column(region::Column::Path)
        .distinct()
        .join(JoinType::InnerJoin, residence::Relation::Region.def())
        .filter(under.clone())
        .filter(residence::Column::Status.eq(ResidenceStatus::Confirmed))
        .into_tuple()
        .all(conn)
        .await?;
    let reported = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::UserId)
        .column(region::Column::Path)
        .column(member_report::Column::ReviewedAt)
        .join(JoinType::InnerJoin, member_report::Relation::Region.def())
        .filter(under.clone())
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .into_tuple()
        .all(conn)
        .await?;
    let served = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::UserId)
        .column(region::Column::Path)
        .column_as(sum_i64(Expr::col(service_record::Column::Minutes)), "minutes")
        .column_as(
            sum_i64(Expr::case(service_record::Column::Kind.ne(RecordKind::Correction), 1).finally(0)),
            "visits",
        )
        .join(JoinType::InnerJoin, service_record::Relation::Region.def())
        .filter(under)
        .filter(service_record::Column::CreatedAt.gte(range.starts_at))
        .filter(service_record::Column::CreatedAt.lt(range.ends_at))
        .group_by(service_record::Column::UserId)
        .group_by(region::Column::Path)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(People {
        ordering,
        residents,
        reported,
        served,
        range: *range,
    })
}

fn origin() -> RelationDef {
    service_order::Entity::belongs_to(region::Entity)
        .from(service_order::Column::OriginRegionId)
        .to(region::Column::Id)
        .into()
}

impl People {
    /// The figures of the region at `path` (its subtree).
    pub fn under(&self, path: &str) -> PeopleStats {
        let distinct = |rows: &mut dyn Iterator<Item = i64>| rows.collect::<HashSet<i64>>().len() as i64;
        let within = |p: &String| p.starts_with(path);
        let reported: Vec<_> = self.reported.iter().filter(|r| within(&r.1)).collect();
        let served: Vec<_> = self.served.iter().filter(|s| within(&s.1)).collect();
        let minutes: i64 = served.iter().map(|s| s.2).sum();
        let in_range = |at: &Option<DateTime<Utc>>| {
            at.is_some_and(|t| t >= self.range.starts_at && t < self.range.ends_at)
        };
        PeopleStats {
            residents_active: distinct(&mut self.ordering.iter().filter(|o| within(&o.1)).map(|o| o.0)),
            residents_registered: distinct(&mut self.residents.iter().filter(|r| within(&r.1)).map(|r| r.0)),
            members_reported: distinct(&mut reported.iter().map(|r| r.0)),
            members_reported_in_range: distinct(&mut reported.iter().filter(|r| in_range(&r.2)).map(|r| r.0)),
            members_active: distinct(&mut served.iter().filter(|s| s.3 > 0).map(|s| s.0)),
            visits: served.iter().map(|s| s.3).sum(),
            minutes_served: minutes,
            hours_served: (minutes as f64 / 6.0).round() / 10.0,
        }
    }

    /// Each resident's region: the first of their confirmed residences in path order, so a
    /// person's points count in one region only.
    pub fn homes(&self) -> HashMap<i64, &str> {
        let mut homes: HashMap<i64, &str> = HashMap::new();
        for (user, path) in &self.residents {
            let home = homes.entry(*user).or_insert(path);
            if path.as_str() < *home {
                *home = path;
            }
        }
        homes
    }
}
