//! A notification owed by an order transition: a WeChat subscribe message or a console event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `wechat` or `console`.
    pub channel: String,
    pub order_id: i64,
    /// The order's owning region when written (console events go to it and its ancestors).
    pub region_id: i64,
    pub recipient_id: Option<i64>,
    pub template_id: Option<String>,
    /// JSON: the console event, or the message's template data.
    pub payload: String,
    /// `pending` → `sending` → `sent` | `skipped` | `failed`; back to `pending` to retry.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Not before this (retry backoff).
    pub available_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
