//! 志愿活动: an activity published under a community or grid (or by a unit), with places to sign
//! up for and minutes credited to those who attend.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The community or grid it is held under.
    pub region_id: i64,
    /// The community of `region_id`: its pool pays the minutes and coins.
    pub community_id: i64,
    /// The unit organising it, when a unit admin published it.
    pub unit_id: Option<i64>,
    pub organiser_id: i64,
    pub title: String,
    pub kind: ActivityKind,
    pub description: String,
    pub place: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub capacity: i32,
    pub signup_deadline: DateTimeUtc,
    pub eligibility: Eligibility,
    pub team_id: Option<i64>,
    /// Minutes credited at most per person.
    pub max_minutes: i32,
    /// Coins credited per person who attended.
    pub coins: i32,
    pub status: ActivityStatus,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 活动类型：volunteer 志愿服务 / party_day 主题党日 / service_day 集中服务日 / other 其他
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
pub enum ActivityKind {
    Volunteer,
    PartyDay,
    ServiceDay,
    Other,
}

/// 报名资格：members 本社区党员志愿者 / residents 本社区居民 / team 指定志愿服务队成员
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
pub enum Eligibility {
    Members,
    Residents,
    Team,
}

/// 活动状态：published 已发布 / cancelled 已取消
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
pub enum ActivityStatus {
    Published,
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
