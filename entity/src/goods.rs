//! Goods on a store's shelf. `stock` changes only by conditional updates, never below zero.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub name: String,
    pub description: String,
    pub image_url: Option<String>,
    pub price_coins: i64,
    pub stock: i64,
    /// Most one person may redeem per calendar month (UTC+8); none: no limit.
    pub monthly_limit: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
