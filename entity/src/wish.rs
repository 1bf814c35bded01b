//! A 微心愿 (small wish): posted by a resident, moderated by staff, claimed by one member or
//! unit, fulfilled with a note and a photo, then confirmed by the resident or by the clock.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wish")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Where it was posted: a community or a grid.
    pub region_id: i64,
    /// The community that region lies in (lists and visibility).
    pub community_id: i64,
    pub resident_id: i64,
    pub title: String,
    pub description: String,
    /// JSON array of photo references.
    pub photos: String,
    pub status: WishStatus,
    /// Why staff rejected it.
    pub reject_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub claimer_id: Option<i64>,
    /// The unit the claimer claimed for (a unit admin claiming for their unit).
    pub claimer_unit_id: Option<i64>,
    pub claimed_at: Option<DateTimeUtc>,
    /// Why the last claimer released it.
    pub release_reason: Option<String>,
    pub fulfil_note: Option<String>,
    pub fulfil_photo: Option<String>,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub confirmed_at: Option<DateTimeUtc>,
    /// Confirmed by the clock, not by the resident.
    pub auto_confirmed: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 心愿状态：pending_review 待审核 / open 待认领 / rejected 未通过 / withdrawn 已撤回 /
/// claimed 已认领 / fulfilled 已圆梦（待居民确认）/ confirmed 已确认
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
pub enum WishStatus {
    PendingReview,
    Open,
    Rejected,
    Withdrawn,
    Claimed,
    Fulfilled,
    Confirmed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
