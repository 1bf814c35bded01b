//! 吹哨报到: one department asked to report on (acknowledge) and resolve one order, with deadlines.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "whistle")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// The department (a unit with `department`).
    pub unit_id: i64,
    /// The region that whistled: the order's owner at the time.
    pub region_id: i64,
    pub urgency: Urgency,
    pub reason: String,
    pub status: WhistleStatus,
    pub whistled_by: i64,
    pub created_at: DateTimeUtc,
    /// Acknowledge (报到) by then.
    pub respond_by: DateTimeUtc,
    /// Resolve by then.
    pub resolve_by: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<i64>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<i64>,
    pub result: Option<String>,
    /// The department's resolve photos: a JSON array of photo references (`[]` until resolved).
    pub result_photos: String,
    /// Not acknowledged by `respond_by` (set once, by the clock).
    pub respond_overdue: bool,
    /// Not resolved by `resolve_by` (set once, by the clock).
    pub resolve_overdue: bool,
}

/// 紧急程度：normal 一般 / urgent 紧急
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
pub enum Urgency {
    Normal,
    Urgent,
}

/// 吹哨状态：open 待报到 / acknowledged 已报到、办理中 / resolved 已办结
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
pub enum WhistleStatus {
    Open,
    Acknowledged,
    Resolved,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id"
    )]
    Unit,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
