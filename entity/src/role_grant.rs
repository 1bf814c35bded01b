//! A role held on a region node, valid for its whole subtree.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_grant")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub region_id: i64,
    pub role: Role,
    /// The unit a `unit_admin` acts for.
    pub unit_id: Option<i64>,
    pub granted_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

/// 角色：admin 管理员 / staff 社区工作者 / member 党员志愿者 / resident 居民 / clerk 爱心超市店员 / unit_admin 驻区单位管理员
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
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    Member,
    Resident,
    Clerk,
    UnitAdmin,
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
