//! One person's signup to an activity, their attendance and what it credited. Never deleted once
//! the person checked in; a withdrawal before the deadline deletes the row.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_signup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub user_id: i64,
    pub status: SignupStatus,
    pub created_at: DateTimeUtc,
    /// When the place was confirmed (at signup, or when promoted from the waitlist).
    pub confirmed_at: Option<DateTimeUtc>,
    pub checkin_at: Option<DateTimeUtc>,
    /// Staff who checked the person in by hand; `None` when they scanned the code.
    pub checkin_by: Option<i64>,
    /// The time window of the code scanned to check in.
    pub checkin_window: Option<i64>,
    pub checkout_at: Option<DateTimeUtc>,
    /// Staff who checked the person out by hand; `None` for a code or the clock.
    pub checkout_by: Option<i64>,
    pub checkout_window: Option<i64>,
    /// Checked out by the clock at the activity's end (no check-out was made).
    pub closed_by_clock: bool,
    pub credited_minutes: Option<i32>,
    pub credited_coins: Option<i32>,
    /// Set, once, by the transaction that posted the credit to the points bank.
    pub credited_at: Option<DateTimeUtc>,
    /// Added by staff at check-in: came without signing up (现场加入).
    pub walk_in: bool,
}

/// 报名状态：confirmed 已确认 / waitlisted 候补
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
pub enum SignupStatus {
    Confirmed,
    Waitlisted,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id"
    )]
    Activity,
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
