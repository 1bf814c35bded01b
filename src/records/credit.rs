//! Writing the record: one row per credited service, in the transaction that posts its credit
//! (so the record and the time bank never disagree), and the star message when the volunteer's
//! cumulative hours cross a threshold.

use super::stars::rose;
use crate::config::Config;
use crate::error::AppResult;
use crate::notify::{StarChange, enqueue_star};
use chrono::{DateTime, Utc};
use entity::service_record::{self, RecordKind};
use entity::{region, unit};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

/// What was done, by whom it was organised, and when.
#[derive(Debug, Clone)]
pub struct Service {
    pub kind: RecordKind,
    pub order_id: Option<i64>,
    pub activity_id: Option<i64>,
    /// The region that organised it.
    pub region_id: i64,
    pub organiser: String,
    pub content: String,
    pub served_at: DateTime<Utc>,
}

/// A row to append: a credit (positive) or a correction (negative, with a reason).
pub struct Entry<'a> {
    pub user_id: i64,
    pub community_id: i64,
    pub minutes: i32,
    pub coins: i32,
    /// Unique per row; the award's reference for credits.
    pub reference: String,
    pub service: &'a Service,
    pub corrects_id: Option<i64>,
    pub reason: Option<String>,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// The volunteer's cumulative credited minutes (corrections subtracted).
pub async fn total_minutes(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<i64> {
    let total: Option<Option<i64>> = service_record::Entity::find()
        .select_only()
        .column_as(
            crate::db::sum_i64(Expr::col(service_record::Column::Minutes)),
            "total",
        )
        .filter(service_record::Column::UserId.eq(user_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

/// Appends `entry`; when it raises the volunteer's star level, writes the message that tells
/// them. Callers hold the volunteer's accounts locked when points move, so two credits of one
/// person see each other's totals.
pub async fn append(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    entry: Entry<'_>,
) -> AppResult<service_record::Model> {
    let before = total_minutes(conn, entry.user_id).await?;
    let s = entry.service;
    let row = service_record::ActiveModel {
        user_id: Set(entry.user_id),
        kind: Set(if entry.corrects_id.is_some() {
            RecordKind::Correction
        } else {
            s.kind
        }),
        reference: Set(entry.reference),
        order_id: Set(s.order_id),
        activity_id: Set(s.activity_id),
        corrects_id: Set(entry.corrects_id),
        region_id: Set(s.region_id),
        community_id: Set(entry.community_id),
        organiser: Set(s.organiser.chars().take(100).collect()),
        content: Set(s.content.chars().take(200).collect()),
        served_at: Set(s.served_at),
        minutes: Set(entry.minutes),
        coins: Set(entry.coins),
        reason: Set(entry.reason),
        actor_id: Set(entry.actor_id),
        created_at: Set(entry.at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let after = before + i64::from(row.minutes);
    if let Some(level) = rose(&cfg.stars.hours, before, after) {
        let change = StarChange {
            user_id: row.user_id,
            region_id: row.region_id,
            level,
            at: row.created_at,
        };
        enqueue_star(conn, &cfg.notify, change).await?;
    }
    Ok(row)
}

/// The organiser's name: the unit's when a unit organised it, else the region's.
pub async fn organiser(
    conn: &impl ConnectionTrait,
    region_id: i64,
    unit_id: Option<i64>,
) -> AppResult<String> {
    if let Some(u) = unit_id
        && let Some(u) = unit::Entity::find_by_id(u).one(conn).await?
    {
        return Ok(u.name);
    }
    Ok(region::Entity::find_by_id(region_id)
        .one(conn)
        .await?
        .map(|r| r.name)
        .unwrap_or_default())
}
