//! 驻区单位: an employer organisation reported to a community (单位报到).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The community it reports to; for a department, the street or county it is attached to.
    pub community_id: i64,
    pub name: String,
    /// e.g. 机关 / 事业单位 / 国有企业 / 非公企业 / 社会组织
    pub kind: String,
    pub contact_name: String,
    pub contact_phone_enc: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    /// 职能部门 (公安、消防、城管…): attached to a street or the county (`community_id` names that
    /// region), whistled to report on orders.
    pub department: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::CommunityId",
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
