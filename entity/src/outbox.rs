//! A notification owed by an order transition, an activity change or a wish's step: a WeChat
//! subscribe message or a console event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel: Channel,
    /// The order it is about, if any.
    pub order_id: Option<i64>,
    /// The activity it is about, if any.
    pub activity_id: Option<i64>,
    /// The wish it is about, if any.
    pub wish_id: Option<i64>,
    /// The order's (activity's, wish's) owning region when written (console events go to it and its ancestors).
    pub region_id: i64,
    pub recipient_id: Option<i64>,
    pub template_id: Option<String>,
    /// JSON: the console event, or the message's template data.
    pub payload: String,
    pub status: Status,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Not before this (retry backoff).
    pub available_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Channel {
    /// A WeChat subscribe message to one user.
    Wechat,
    /// An event on the region consoles' pub/sub channels.
    Console,
}

/// `pending` → `sending` → `sent` | `skipped` | `failed`; back to `pending` to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
pub enum Status {
    Pending,
    Sending,
    Sent,
    Skipped,
    Failed,
}

impl Status {
    /// The stored name, e.g. `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn status_names_are_the_stored_ones() {
        for s in Status::iter() {
            assert_eq!(s.as_str(), s.to_value());
        }
    }
}
