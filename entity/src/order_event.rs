//! One step of an order's timeline. Rows are never updated or deleted (enforced by triggers).

use super::service_order::OrderStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// None for the system (SLA clocks).
    pub actor_id: Option<i64>,
    pub action: String,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    pub from_region_id: Option<i64>,
    pub to_region_id: Option<i64>,
    pub note: Option<String>,
    /// Minutes reported (completion) and minutes to be credited (completion, review close).
    pub minutes: Option<i32>,
    pub credited_minutes: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
