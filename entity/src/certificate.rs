//! 志愿服务记录证明: an issued certificate. Never updated: `facts` (JSON) is what it certifies.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The public number, e.g. `LL2026-7K3M9-QX2PD-4` (random part and a check character).
    #[sea_orm(unique)]
    pub number: String,
    /// The volunteer it certifies.
    pub user_id: i64,
    /// The issuing community.
    pub community_id: i64,
    /// First and last calendar day (UTC+8) of the period, inclusive.
    pub period_from: Date,
    pub period_to: Date,
    pub total_minutes: i64,
    /// Everything printed on the certificate, frozen at issue (JSON).
    #[sea_orm(column_type = "Text")]
    pub facts: String,
    pub issued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::CommunityId",
        to = "super::region::Column::Id"
    )]
    Community,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Community.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
