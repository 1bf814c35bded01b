//! Order figures of a region's dashboard: what was placed in the range under the region (by the
//! region it was placed in), by status, category, item and the level that solved it; the rates
//! of 接诉即办; how long dispatch, claim and completion took; what ran over its clock.
//!
//! Definitions (docs/stats.md):
//! - placed: orders created in the range whose place of origin is in the subtree;
//! - cancelled and rejected orders count as placed and by status, not in the rates below;
//! - 响应率: dispatched (assigned, published or sent to a unit) within `SLA_DISPATCH_HOURS` of
//!   placing, among placed;
//! - 解决率: closed without a 退回重办 (redo), among closed;
//! - 满意率: rated 4 or 5, among rated;
//! - 办结率: closed, among placed.

use super::figures::{Rate, Spread};
use super::range::Range;
use crate::config::OrderRules;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::order_event::{self, Action};
use entity::problem::Severity;
use entity::region::{self, RegionKind};
use entity::service_item;
use entity::service_order::{self, OrderStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, JoinType, QueryFilter, QuerySelect,
    QueryTrait, Select,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;

/// What one order contributes.
#[derive(Debug, FromQueryResult)]
pub struct Facts {
    pub id: i64,
    pub status: OrderStatus,
    /// Path of the region it was placed in.
    pub origin_path: String,
    /// The region holding it now (for a closed order: the one that solved it).
    pub region_id: i64,
    pub category: Option<String>,
    pub item: Option<String>,
    pub created_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<i16>,
    pub severity: Option<Severity>,
}

/// The facts with what needs a second look: redone, and the kind of the region holding it.
pub struct Order {
    pub facts: Facts,
    pub redone: bool,
    pub held_by: Option<RegionKind>,
}

/// 按某一维度计数
#[derive(Debug, Serialize, ToSchema)]
pub struct Count<K: ToSchema> {
    pub key: K,
    pub count: i64,
}

/// 某一轻重的订单在哪一级办结
#[derive(Debug, Serialize, ToSchema)]
pub struct SeverityStats {
    pub severity: Severity,
    /// 应解决的层级：微事 grid、小事 community、大事 street
    pub expected_level: RegionKind,
    pub placed: i64,
    pub closed: i64,
    /// 在应解决的层级或以下办结（微事不出格、小事不出村、大事不出乡）
    pub solved_within_level: i64,
    /// 上交到更高层级才办结
    pub solved_above_level: i64,
}

/// 超时计数
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Overdue {
    /// 未在派单时限内派出（含至今未派出且已超时的）
    pub dispatch: i64,
    /// 接单后未在开始时限内开始服务
    pub start: i64,
    /// 完成后居民未在确认时限内评价（由系统自动办结）
    pub confirm: i64,
}

/// 订单统计
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderStats {
    /// 区间内下单数（按下单所在区域归属）
    pub placed: i64,
    /// 按当前状态，每种状态一项（含 0）
    pub by_status: Vec<Count<OrderStatus>>,
    /// 按服务类别（未选服务项目的为“其他”），数量多的在前
    pub by_category: Vec<Count<String>>,
    /// 按服务项目（未选服务项目的为“其他”），数量多的在前
    pub by_item: Vec<Count<String>>,
    /// 已办结订单按办结时所在层级（网格、社区、街道、县）计数
    pub solved_at: Vec<Count<RegionKind>>,
    /// 按轻重（微事、小事、大事）：应在哪一级解决、实际在哪一级办结；未定级的不计
    pub by_severity: Vec<SeverityStats>,
    /// 响应率：在派单时限内派出的占比（分母不含已取消、已驳回）
    pub response_rate: Rate,
    /// 解决率：已办结中未经退回重办的占比
    pub resolution_rate: Rate,
    /// 满意率：已评价中 4–5 分的占比
    pub satisfaction_rate: Rate,
    /// 办结率：已办结的占比（分母不含已取消、已驳回）
    pub completion_rate: Rate,
    /// 下单到派出
    pub to_dispatch: Spread,
    /// 下单到接单
    pub to_claim: Spread,
    /// 下单到完成服务
    pub to_complete: Spread,
    pub overdue: Overdue,
}

/// Orders placed under `root` in `range`, with whether each was redone and what holds it.
pub async fn load(conn: &impl ConnectionTrait, root: &region::Model, range: &Range) -> AppResult<Vec<Order>> {
    let facts: Vec<Facts> = placed(root, range)
        .select_only()
        .column(service_order::Column::Id)
        .column(service_order::Column::Status)
        .column_as(region::Column::Path, "origin_path")
        .column(service_order::Column::RegionId)
        .column_as(service_item::Column::Category, "category")
        .column_as(service_item::Column::Name, "item")
        .column(service_order::Column::CreatedAt)
        .column(service_order::Column::DispatchedAt)
        .column(service_order::Column::ClaimedAt)
        .column(service_order::Column::StartedAt)
        .column(service_order::Column::CompletedAt)
        .column(service_order::Column::ClosedAt)
        .column(service_order::Column::Rating)
        .column(service_order::Column::Severity)
        .join(
            JoinType::LeftJoin,
            service_order::Entity::belongs_to(service_item::Entity)
                .from(service_order::Column::ServiceItemId)
                .to(service_item::Column::Id)
                .into(),
        )
        .into_model::<Facts>()
        .all(conn)
        .await?;
    let ids = placed(root, range)
        .select_only()
        .column(service_order::Column::Id)
        .into_query();
    let redone: HashSet<i64> = order_event::Entity::find()
        .select_only()
        .column(order_event::Column::OrderId)
        .filter(order_event::Column::Action.eq(Action::Redo))
        .filter(Expr::col(order_event::Column::OrderId).in_subquery(ids))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let holders: HashSet<i64> = facts.iter().map(|f| f.region_id).collect();
    let kinds: HashMap<i64, RegionKind> = region::Entity::find()
        .filter(region::Column::Id.is_in(holders))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.kind))
        .collect();
    Ok(facts
        .into_iter()
        .map(|f| Order {
            redone: redone.contains(&f.id),
            held_by: kinds.get(&f.region_id).copied(),
            facts: f,
        })
        .collect())
}

/// Orders created in `range` whose region of origin lies under `root`.
fn placed(root: &region::Model, range: &Range) -> Select<service_order::Entity> {
    service_order::Entity::find()
        .join(
            JoinType::InnerJoin,
            service_order::Entity::belongs_to(region::Entity)
                .from(service_order::Column::OriginRegionId)
                .to(region::Column::Id)
                .into(),
        )
        .filter(region::Column::Path.starts_with(&root.path))
        .filter(service_order::Column::CreatedAt.gte(range.starts_at))
        .filter(service_order::Column::CreatedAt.lt(range.ends_at))
}

/// The figures of `orders` under `rules`' clocks, as of `now`.
pub fn summarize(orders: &[&Order], rules: &OrderRules, now: DateTime<Utc>) -> OrderStats {
    let facts: Vec<&Facts> = orders.iter().map(|o| &o.facts).collect();
    let served = |o: &&Facts| !matches!(o.status, OrderStatus::Cancelled | OrderStatus::Rejected);
    let closed = |o: &&Facts| o.status == OrderStatus::Closed;
    let within = |from: DateTime<Utc>, to: Option<DateTime<Utc>>, limit: chrono::Duration| {
        to.is_some_and(|t| t - from <= limit)
    };
    let dispatch = chrono::Duration::from_std(rules.dispatch_within).unwrap_or(chrono::Duration::MAX);
    let start = chrono::Duration::from_std(rules.start_within).unwrap_or(chrono::Duration::MAX);
    let confirm = chrono::Duration::from_std(rules.confirm_within).unwrap_or(chrono::Duration::MAX);

    let closed_orders: Vec<&&Order> = orders.iter().filter(|o| closed(&&o.facts)).collect();
    let first_time = closed_orders.iter().filter(|o| !o.redone).count() as i64;
    let rated: Vec<i16> = facts.iter().filter_map(|o| o.rating).collect();
    let spread = |end: fn(&Facts) -> Option<DateTime<Utc>>| {
        Spread::of(
            facts
                .iter()
                .filter_map(|o| end(o).map(|t| (t - o.created_at).num_seconds()))
                .collect(),
        )
    };
    let overdue = Overdue {
        dispatch: facts
            .iter()
            .filter(|o| match o.dispatched_at {
                Some(d) => d - o.created_at > dispatch,
                None => o.status == OrderStatus::Submitted && now - o.created_at > dispatch,
            })
            .count() as i64,
        start: facts
            .iter()
            .filter(|o| {
                o.claimed_at
                    .is_some_and(|c| o.started_at.unwrap_or(now) - c > start && served(o))
            })
            .count() as i64,
        confirm: facts
            .iter()
            .filter(|o| {
                o.completed_at
                    .is_some_and(|c| o.closed_at.is_some_and(|x| x - c > confirm))
            })
            .count() as i64,
    };
    OrderStats {
        placed: facts.len() as i64,
        by_status: OrderStatus::iter()
            .map(|s| Count {
                key: s,
                count: facts.iter().filter(|o| o.status == s).count() as i64,
            })
            .collect(),
        by_category: ranked(facts.iter().map(|o| o.category.clone())),
        by_item: ranked(facts.iter().map(|o| o.item.clone())),
        solved_at: RegionKind::iter()
            .map(|k| Count {
                key: k,
                count: closed_orders.iter().filter(|o| o.held_by == Some(k)).count() as i64,
            })
            .filter(|c| c.count > 0)
            .collect(),
        by_severity: Severity::iter()
            .map(|sev| {
                let of: Vec<&&Order> = orders.iter().filter(|o| o.facts.severity == Some(sev)).collect();
                let closed: Vec<&&&Order> = of
                    .iter()
                    .filter(|o| o.facts.status == OrderStatus::Closed)
                    .collect();
                let above = closed
                    .iter()
                    .filter(|o| o.held_by.is_some_and(|k| crate::severity::above_expected(sev, k)))
                    .count() as i64;
                SeverityStats {
                    severity: sev,
                    expected_level: crate::severity::expected_level(sev),
                    placed: of.len() as i64,
                    closed: closed.len() as i64,
                    solved_within_level: closed.len() as i64 - above,
                    solved_above_level: above,
                }
            })
            .collect(),
        response_rate: Rate::count(&facts, served, |o| {
            within(o.created_at, o.dispatched_at, dispatch)
        }),
        resolution_rate: Rate::of(first_time, closed_orders.len() as i64),
        satisfaction_rate: Rate::of(
            rated.iter().filter(|r| **r >= 4).count() as i64,
            rated.len() as i64,
        ),
        completion_rate: Rate::count(&facts, served, closed),
        to_dispatch: spread(|o| o.dispatched_at),
        to_claim: spread(|o| o.claimed_at),
        to_complete: spread(|o| o.completed_at),
        overdue,
    }
}

/// Counts by name, the most first (ties by name); no name counts as 其他.
fn ranked(names: impl Iterator<Item = Option<String>>) -> Vec<Count<String>> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for n in names {
        *counts
            .entry(n.filter(|s| !s.is_empty()).unwrap_or_else(|| "其他".into()))
            .or_default() += 1;
    }
    let mut out: Vec<Count<String>> = counts
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out
}
