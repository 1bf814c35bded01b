//! Region tree node: county → street → community → grid → building.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: RegionKind,
    pub name: String,
    /// Party organisation mirroring this node (党委 / 党支部 / 党小组).
    pub party_org: Option<String>,
    /// Person in charge (负责人), printed on certificates the community issues.
    pub leader_name: Option<String>,
    /// Contact phone of the office (联系电话), printed on certificates.
    pub contact_phone: Option<String>,
    /// Materialised path of ids, `/1/4/9/`, for subtree queries.
    pub path: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// 区域层级：county 县 / street 街道 / community 社区 / grid 网格 / building 楼栋
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
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
pub enum RegionKind {
    County,
    Street,
    Community,
    Grid,
    Building,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
