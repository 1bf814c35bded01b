//! One goods of a redemption, with the name and price it was redeemed at.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redemption_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub redemption_id: i64,
    pub goods_id: i64,
    pub buyer_id: i64,
    pub month: String,
    pub name: String,
    pub price_coins: i64,
    pub quantity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
