//! A ledger account: one per (owner, asset). Balances are derived from the totals.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_kind: OwnerKind,
    pub owner_id: i64,
    pub asset: Asset,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    pub may_go_negative: bool,
    pub created_at: DateTimeUtc,
}

/// Who holds an account: `user`, `pool` (a community's issuing pool) or `store`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(8))",
    rename_all = "snake_case"
)]
pub enum OwnerKind {
    User,
    Pool,
    Store,
}

/// 资产：time 服务时长（分钟）/ coin 绿币
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
    db_type = "String(StringLen::N(8))",
    rename_all = "snake_case"
)]
pub enum Asset {
    Time,
    Coin,
}

impl Asset {
    pub const ALL: [Asset; 2] = [Asset::Time, Asset::Coin];
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
