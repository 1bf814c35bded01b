//! Deadlines by step and urgency: an order's steps (派单, 接受指派, 抢单, 开始, 完成) and a whistled
//! department's (报到, 办结). A region sets them for its subtree; the nearest setting on the way up
//! the tree wins, else the configured default.

use super::tree::path_ids;
use crate::api::Id;
use crate::config::Config;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::region;
use entity::region_deadline::{self, DeadlineStep};
use entity::service_order::OrderStatus;
use entity::whistle::Urgency;
use sea_orm::Iterable;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The configured default, in hours.
pub fn default_hours(cfg: &Config, step: DeadlineStep, urgency: Urgency) -> i32 {
    let (o, w) = (&cfg.orders, &cfg.whistles);
    let hours = |d: std::time::Duration| i32::try_from(d.as_secs() / 3600).unwrap_or(i32::MAX);
    let urgent = urgency == Urgency::Urgent;
    match step {
        DeadlineStep::Dispatch if urgent => o.urgent_dispatch_hours,
        DeadlineStep::Dispatch => hours(o.dispatch_within),
        DeadlineStep::Accept if urgent => o.urgent_accept_hours,
        DeadlineStep::Accept => o.accept_hours,
        DeadlineStep::Claim if urgent => o.urgent_claim_hours,
        DeadlineStep::Claim => o.claim_hours,
        DeadlineStep::Start if urgent => o.urgent_start_hours,
        DeadlineStep::Start => hours(o.start_within),
        DeadlineStep::Complete if urgent => o.urgent_complete_hours,
        DeadlineStep::Complete => o.complete_hours,
        DeadlineStep::Respond if urgent => w.respond_urgent_hours,
        DeadlineStep::Respond => w.respond_hours,
        DeadlineStep::Resolve if urgent => w.resolve_urgent_hours,
        DeadlineStep::Resolve => w.resolve_hours,
    }
}

/// 一项时限
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineOut {
    pub step: DeadlineStep,
    pub urgency: Urgency,
    /// 时限（小时）
    pub hours: i32,
    /// 由哪个区域设定；null 表示系统默认值
    pub set_by_region_id: Option<Id>,
}

/// 本区域生效的时限
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesOut {
    pub items: Vec<DeadlineOut>,
}

/// 设定一项时限
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineIn {
    pub step: DeadlineStep,
    pub urgency: Urgency,
    /// 时限（小时，1–2160）；null 表示取消本区域的设定，沿用上级或默认值
    #[validate(range(min = 1, max = 2160, message = "时限为 1 到 2160 小时"))]
    #[schema(minimum = 1, maximum = 2160)]
    pub hours: Option<i32>,
}

/// 设定本区域及下级的时限
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesIn {
    #[validate(length(min = 1, max = 14, message = "一次设定 1 到 14 项"), nested)]
    #[schema(min_items = 1, max_items = 14)]
    pub items: Vec<DeadlineIn>,
}

/// Every step and urgency as they hold at `region`.
pub async fn effective(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    region: &region::Model,
) -> AppResult<DeadlinesOut> {
    let ids = path_ids(&region.path);
    let rows = region_deadline::Entity::find()
        .filter(region_deadline::Column::RegionId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let mut items = vec![];
    for step in DeadlineStep::iter() {
        for urgency in Urgency::iter() {
            // The deepest region on the path that set it.
            let nearest = ids.iter().rev().find_map(|id| {
                rows.iter()
                    .find(|r| r.region_id == *id && r.step == step && r.urgency == urgency)
            });
            items.push(DeadlineOut {
                step,
                urgency,
                hours: nearest.map_or_else(|| default_hours(cfg, step, urgency), |r| r.hours),
                set_by_region_id: nearest.map(|r| Id(r.region_id)),
            });
        }
    }
    Ok(DeadlinesOut { items })
}

impl DeadlinesOut {
    /// The hours of one step and urgency.
    pub fn hours(&self, step: DeadlineStep, urgency: Urgency) -> Option<i32> {
        self.items
            .iter()
            .find(|d| d.step == step && d.urgency == urgency)
            .map(|d| d.hours)
    }
}

/// The hours of one step at `region`.
pub async fn hours(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    region: &region::Model,
    step: DeadlineStep,
    urgency: Urgency,
) -> AppResult<i32> {
    let all = effective(conn, cfg, region).await?;
    Ok(all
        .hours(step, urgency)
        .unwrap_or_else(|| default_hours(cfg, step, urgency)))
}

/// Sets (or clears) `region`'s own deadlines, all in one transaction; answers what then holds.
pub async fn set(
    db: &DatabaseConnection,
    cfg: &Config,
    region: &region::Model,
    actor: i64,
    body: DeadlinesIn,
) -> AppResult<DeadlinesOut> {
    let now = Utc::now();
    crate::db::write(db, async |txn| {
        for item in &body.items {
            let Some(hours) = item.hours else {
                region_deadline::Entity::delete_many()
                    .filter(region_deadline::Column::RegionId.eq(region.id))
                    .filter(region_deadline::Column::Step.eq(item.step))
                    .filter(region_deadline::Column::Urgency.eq(item.urgency))
                    .exec(txn)
                    .await?;
                continue;
            };
            let row = region_deadline::ActiveModel {
                region_id: Set(region.id),
                step: Set(item.step),
                urgency: Set(item.urgency),
                hours: Set(hours),
                updated_by: Set(actor),
                updated_at: Set(now),
                ..Default::default()
            };
            region_deadline::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        region_deadline::Column::RegionId,
                        region_deadline::Column::Step,
                        region_deadline::Column::Urgency,
                    ])
                    .update_columns([
                        region_deadline::Column::Hours,
                        region_deadline::Column::UpdatedBy,
                        region_deadline::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec(txn)
                .await?;
        }
        Ok(())
    })
    .await?;
    effective(db, cfg, region).await
}

/// The step whose deadline runs while an order is in `status`, if any.
pub fn step_of(status: OrderStatus) -> Option<DeadlineStep> {
    Some(match status {
        OrderStatus::Submitted => DeadlineStep::Dispatch,
        OrderStatus::Assigned => DeadlineStep::Accept,
        OrderStatus::Published => DeadlineStep::Claim,
        OrderStatus::Claimed => DeadlineStep::Start,
        OrderStatus::InService => DeadlineStep::Complete,
        _ => return None,
    })
}

/// When an order entering `status` at `from`, owned by `region_id`, is due to leave it.
pub async fn order_due(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    region_id: i64,
    status: OrderStatus,
    urgency: Urgency,
    from: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let Some(step) = step_of(status) else {
        return Ok(None);
    };
    let region = super::tree::find(conn, region_id).await?;
    let h = hours(conn, cfg, &region, step, urgency).await?;
    Ok(Some(from + chrono::Duration::hours(h.into())))
}
