//! 共建项目清单 entry: posted by community staff (optionally for a need), taken by one unit
//! reported to the community, which logs progress and completes it; staff may cancel it before
//! it is done.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The need it answers, in the same community.
    pub need_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// The day (China) it should be done by.
    pub due_on: Option<Date>,
    pub state: ProjectState,
    pub posted_by: i64,
    /// The unit that took it (the one owner).
    pub owner_unit_id: Option<i64>,
    pub taken_by: Option<i64>,
    pub taken_at: Option<DateTimeUtc>,
    /// The latest reported progress, 0..=100.
    pub percent: i32,
    pub result: Option<String>,
    /// JSON array of photo references of the result.
    pub result_photos: String,
    pub done_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 项目状态：open 待认领 / taken 已承接 / done 已完成 / cancelled 已取消
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
pub enum ProjectState {
    Open,
    Taken,
    Done,
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
