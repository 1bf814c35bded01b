//! An immutable movement of one asset between two accounts (UPDATE and DELETE fail in the database).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub asset: String,
    pub amount: i64,
    /// award / grant / donation / redeem / reversal / expiry
    pub kind: String,
    /// `posted` (single phase), `pending` (a hold), `post` or `void` (resolving `pending_id`).
    pub phase: String,
    pub pending_id: Option<i64>,
    pub reversal_of: Option<i64>,
    /// What it is for, e.g. `order:42`.
    pub reference: Option<String>,
    pub actor_id: Option<i64>,
    pub memo: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
