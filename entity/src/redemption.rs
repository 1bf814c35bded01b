//! A redemption: goods reserved and coins held until the clerk hands them over.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redemption")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub buyer_id: i64,
    pub status: RedemptionStatus,
    /// Six digits, unique among the store's pending redemptions.
    pub pickup_code: String,
    pub total_coins: i64,
    /// The pending transfer holding the buyer's coins.
    pub hold_id: Option<i64>,
    /// Calendar month (UTC+8) it counts against per-person limits, `YYYY-MM`.
    pub month: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<i64>,
}

/// 兑换状态：pending 待取货 / fulfilled 已取货 / cancelled 已取消 / expired 已过期
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum RedemptionStatus {
    Pending,
    Fulfilled,
    Cancelled,
    Expired,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
