//! A community's 联席会议 (joint meeting) on one month's problem list: when, who attended, which
//! units were present, the minutes and the decisions; recording it publishes the list.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_meeting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The list's month in China, `YYYY-MM`.
    pub month: String,
    pub held_at: DateTimeUtc,
    /// JSON array of attendee names.
    pub attendees: String,
    /// JSON array of unit ids.
    pub units_present: String,
    pub minutes: String,
    /// JSON array of the decisions as recorded.
    pub decisions: String,
    /// Recorded after the month's meeting day.
    pub late: bool,
    pub recorded_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
