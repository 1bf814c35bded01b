//! A region's dashboard: the whole subtree's figures, and the same for each child region, so a
//! county compares its streets and a community its grids. Each series is a plain array a chart
//! library takes as it is.

use super::civic::{self, ActivityStats, ProblemStats, WishStats};
use super::orders::{self, Order, OrderStats, summarize};
use super::people::{self, PeopleStats};
use super::points::{self, PointsStats};
use super::range::Range;
use crate::api::Id;
use crate::config::OrderRules;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

/// 区域统计（含下级区域分项）
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsOut {
    pub region_id: Id,
    pub region_name: String,
    pub range: Range,
    #[serde(flatten)]
    pub figures: Figures,
    /// 每个直接下级区域的同口径统计（发生在本级本身的只计入总数）
    pub children: Vec<ChildStats>,
}

/// 一个区域（含下级）的各项统计
#[derive(Debug, Serialize, ToSchema)]
pub struct Figures {
    /// 订单（群众点单）
    pub orders: OrderStats,
    /// 人员：居民、双报到党员、服务时长
    pub people: PeopleStats,
    /// 积分：服务时长与绿币的发放、捐赠、兑换、结余
    pub points: PointsStats,
    /// 志愿活动
    pub activities: ActivityStats,
    /// 问题清单
    pub problems: ProblemStats,
    /// 微心愿
    pub wishes: WishStats,
}

/// 下级区域统计
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildStats {
    pub region_id: Id,
    pub name: String,
    pub kind: RegionKind,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The dashboard of `root` over `range`, as of `now`.
pub async fn of_region(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    root: &region::Model,
    range: Range,
    now: DateTime<Utc>,
) -> AppResult<StatsOut> {
    let (orders, people, points, civic) = tokio::try_join!(
        orders::load(conn, root, &range),
        people::load(conn, root, &range),
        points::load(conn, root, &range),
        civic::load(conn, root, &range),
    )?;
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(root.id))
        .order_by_asc(region::Column::Id)
        .all(conn)
        .await?;
    let homes = people.homes();
    let figures = |path: &str| -> Figures {
        let under: Vec<&Order> = orders
            .iter()
            .filter(|o| o.facts.origin_path.starts_with(path))
            .collect();
        Figures {
            orders: summarize(&under, rules, now),
            people: people.under(path),
            points: points.under(path, &homes),
            activities: civic.activities_under(path),
            problems: civic.problems_under(path),
            wishes: civic.wishes_under(path),
        }
    };
    let children = children
        .into_iter()
        .map(|c| ChildStats {
            figures: figures(&c.path),
            region_id: Id(c.id),
            name: c.name,
            kind: c.kind,
        })
        .collect();
    Ok(StatsOut {
        region_id: Id(root.id),
        region_name: root.name.clone(),
        range,
        figures: figures(&root.path),
        children,
    })
}
