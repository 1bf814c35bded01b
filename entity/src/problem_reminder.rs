//! A reminder about a community's problem list that went out (one per community, month and
//! kind), so that no instance sends it twice.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_reminder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The list's month in China, `YYYY-MM`.
    pub month: String,
    /// `file` (filing closes tomorrow) or `meeting` (the meeting is due tomorrow).
    pub kind: String,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
