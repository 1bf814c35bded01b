//! A 问题清单 item: filed by staff of a community or grid onto its community's monthly list,
//! decided at the joint meeting (accepted, merged or rejected), published, claimed by one unit,
//! passed to the street when still open at the street day, and resolved with a result.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Where it was found and filed: the community or a node below it.
    pub region_id: i64,
    /// The community whose list holds it.
    pub community_id: i64,
    /// The list's month in China, `YYYY-MM`.
    pub month: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub location: Option<String>,
    /// JSON array of photo references.
    pub photos: String,
    pub state: ProblemState,
    pub filed_by: i64,
    /// The region that owns it: the community, then the street once passed up.
    pub owner_region_id: i64,
    /// The unit that claimed it (kept for the record after it passed to the street).
    pub owner_unit_id: Option<i64>,
    /// The unit admin who claimed it.
    pub claimed_by: Option<i64>,
    pub claimed_at: Option<DateTimeUtc>,
    /// The accepted item a merged one was folded into.
    pub merged_into_id: Option<i64>,
    /// The joint meeting that decided it.
    pub meeting_id: Option<i64>,
    /// Published by a meeting recorded after the meeting day.
    pub late: bool,
    pub result: Option<String>,
    /// JSON array of photo references of the result.
    pub result_photos: String,
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<DateTimeUtc>,
    /// When its owner was reminded of the street day (once).
    pub street_reminded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 问题轻重：micro 微事（网格解决）/ small 小事（社区解决）/ major 大事（街道解决）
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
    db_type = "String(StringLen::N(8))",
    rename_all = "snake_case"
)]
pub enum Severity {
    Micro,
    Small,
    Major,
}

/// 问题状态：filed 已排查（待联席会议）/ accepted 已采纳 / merged 已合并 / rejected 未采纳 /
/// published 已发布（待认领）/ claimed 已认领 / escalated 已移交街道 / resolved 已解决
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
pub enum ProblemState {
    Filed,
    Accepted,
    Merged,
    Rejected,
    Published,
    Claimed,
    Escalated,
    Resolved,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
