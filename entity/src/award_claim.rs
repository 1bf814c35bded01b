//! What a closed order owes its member, written in the same transaction as the close.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "award_claim")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub order_id: i64,
    pub member_id: i64,
    /// The community whose pool pays.
    pub community_id: i64,
    pub minutes: i32,
    pub coins: i32,
    pub created_at: DateTimeUtc,
    /// Set by the points bank once posted.
    pub posted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
