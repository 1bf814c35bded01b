//! Every change of stock by hand (restock or write-off), kept as a record.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "restock")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub goods_id: i64,
    /// Positive: added; negative: written off.
    pub quantity: i64,
    pub stock_after: i64,
    pub actor_id: i64,
    pub note: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
