//! Deadlines of a department's steps (报到, 办结) by urgency: set by a region for its subtree; the
//! nearest setting on the way up the tree wins, else the configured default.

use super::departments::path_ids;
use crate::api::Id;
use crate::config::WhistleRules;
use crate::error::AppResult;
use chrono::Utc;
use entity::region;
use entity::region_deadline::{self, DeadlineStep};
use entity::whistle::Urgency;
use sea_orm::Iterable;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The configured default, in hours.
pub fn default_hours(rules: &WhistleRules, step: DeadlineStep, urgency: Urgency) -> i32 {
    match (step, urgency) {
        (DeadlineStep::Respond, Urgency::Normal) => rules.respond_hours,
        (DeadlineStep::Respond, Urgency::Urgent) => rules.respond_urgent_hours,
        (DeadlineStep::Resolve, Urgency::Normal) => rules.resolve_hours,
        (DeadlineStep::Resolve, Urgency::Urgent) => rules.resolve_urgent_hours,
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
    #[validate(length(min = 1, max = 4, message = "一次设定 1 到 4 项"), nested)]
    #[schema(min_items = 1, max_items = 4)]
    pub items: Vec<DeadlineIn>,
}

/// Every step and urgency as they hold at `region`.
pub async fn effective(
    conn: &impl ConnectionTrait,
    rules: &WhistleRules,
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
                hours: nearest.map_or_else(|| default_hours(rules, step, urgency), |r| r.hours),
                set_by_region_id: nearest.map(|r| Id(r.region_id)),
            });
        }
    }
    Ok(DeadlinesOut { items })
}

/// The hours of one step at `region`.
pub async fn hours(
    conn: &impl ConnectionTrait,
    rules: &WhistleRules,
    region: &region::Model,
    step: DeadlineStep,
    urgency: Urgency,
) -> AppResult<i32> {
    let all = effective(conn, rules, region).await?;
    Ok(all
        .items
        .iter()
        .find(|d| d.step == step && d.urgency == urgency)
        .map_or_else(|| default_hours(rules, step, urgency), |d| d.hours))
}

/// Sets (or clears) `region`'s own deadlines, all in one transaction; answers what then holds.
pub async fn set(
    db: &DatabaseConnection,
    rules: &WhistleRules,
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
    effective(db, rules, region).await
}
