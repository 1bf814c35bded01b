//! A region's dashboard: the whole subtree's figures, and the same for each child region, so a
//! county compares its streets and a community its grids. Each series is a plain array a chart
//! library takes as it is.

use super::orders::{Order, OrderStats, load, summarize};
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
    pub orders: OrderStats,
    /// 每个直接下级区域的同口径统计（下单在本级本身的只计入总数）
    pub children: Vec<ChildStats>,
}

/// 下级区域统计
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildStats {
    pub region_id: Id,
    pub name: String,
    pub kind: RegionKind,
    pub orders: OrderStats,
}

/// The dashboard of `root` over `range`, as of `now`.
pub async fn of_region(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    root: &region::Model,
    range: Range,
    now: DateTime<Utc>,
) -> AppResult<StatsOut> {
    let orders = load(conn, root, &range).await?;
    let children = region::Entity::find()
        .filter(region::Column::ParentId.eq(root.id))
        .order_by_asc(region::Column::Id)
        .all(conn)
        .await?;
    let under = |path: &str| -> Vec<&Order> {
        orders
            .iter()
            .filter(|o| o.facts.origin_path.starts_with(path))
            .collect()
    };
    let children = children
        .into_iter()
        .map(|c| ChildStats {
            orders: summarize(&under(&c.path), rules, now),
            region_id: Id(c.id),
            name: c.name,
            kind: c.kind,
        })
        .collect();
    Ok(StatsOut {
        region_id: Id(root.id),
        region_name: root.name.clone(),
        range,
        orders: summarize(&under(&root.path), rules, now),
        children,
    })
}
