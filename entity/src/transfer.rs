//! An immutable movement of one asset between two accounts (UPDATE and DELETE fail in the database).

use crate::account::Asset;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub asset: Asset,
    pub amount: i64,
    pub kind: TransferKind,
    pub phase: Phase,
    pub pending_id: Option<i64>,
    pub reversal_of: Option<i64>,
    /// What it is for, e.g. `order:42`.
    pub reference: Option<String>,
    pub actor_id: Option<i64>,
    pub memo: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
}

/// 流水类型：award 服务奖励 / grant 发放 / donation 转赠 / redeem 兑换 / reversal 冲正 / expiry 过期
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
pub enum TransferKind {
    Award,
    Grant,
    Donation,
    Redeem,
    Reversal,
    Expiry,
}

/// `posted` (single phase), `pending` (a hold), `post` or `void` (resolving `pending_id`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(8))",
    rename_all = "snake_case"
)]
pub enum Phase {
    Posted,
    Pending,
    Post,
    Void,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
