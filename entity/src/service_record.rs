//! 志愿服务记录: one append-only row per credited service (an order, an activity) and per
//! correction of one (negative minutes and coins, with a reason). Rows are never updated.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The volunteer.
    pub user_id: i64,
    pub kind: RecordKind,
    /// Unique: the award's reference (`order:{id}`, `activity:{id}:{user}`) or
    /// `correction:{record}:{n}`.
    pub reference: String,
    pub order_id: Option<i64>,
    pub activity_id: Option<i64>,
    /// The row a correction corrects.
    pub corrects_id: Option<i64>,
    /// The region that organised the service (an order's region, an activity's region).
    pub region_id: i64,
    /// The community whose pool paid the credit.
    pub community_id: i64,
    /// Organiser's name when recorded (the unit or the region).
    pub organiser: String,
    /// What was done: the order's or the activity's title.
    pub content: String,
    pub served_at: DateTimeUtc,
    pub minutes: i32,
    pub coins: i32,
    pub reason: Option<String>,
    /// Staff who made a correction.
    pub actor_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

/// 记录类型：order 服务订单 / activity 志愿活动 / correction 更正（冲减）
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
pub enum RecordKind {
    Order,
    Activity,
    Correction,
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
