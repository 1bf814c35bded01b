//! 资源清单 entry: what a unit reported to a community offers it (a venue, volunteers, funds,
//! skills…), with when it is available; withdrawn by the unit when no longer offered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_resource")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The community it is offered to.
    pub community_id: i64,
    /// The unit offering it.
    pub unit_id: i64,
    pub kind: ResourceKind,
    pub title: String,
    pub description: String,
    /// Free text: "50 平方米", "10 人", "2 万元".
    pub quantity: Option<String>,
    pub available_from: Option<Date>,
    pub available_to: Option<Date>,
    pub contact_name: Option<String>,
    /// Encrypted (`Pii`); shown to staff and the offering unit only.
    pub contact_phone_enc: Option<String>,
    pub state: ResourceState,
    pub offered_by: i64,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 资源类别：venue 场地 / volunteers 志愿者 / funds 资金 / skills 技能 / other 其他
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
pub enum ResourceKind {
    Venue,
    Volunteers,
    Funds,
    Skills,
    Other,
}

/// 资源状态：offered 可提供 / withdrawn 已撤回
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
pub enum ResourceState {
    Offered,
    Withdrawn,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
