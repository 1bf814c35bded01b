//! A deadline a region sets for its subtree (the nearest setting up the tree wins; none: the default).

use super::whistle::Urgency;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region_deadline")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub region_id: i64,
    pub step: DeadlineStep,
    pub urgency: Urgency,
    pub hours: i32,
    pub updated_by: i64,
    pub updated_at: DateTimeUtc,
}

/// 时限环节：dispatch 派单 / accept 接受指派 / claim 抢单 / start 开始服务 / complete 完成服务 /
/// respond 部门报到（响应）/ resolve 部门办结
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
pub enum DeadlineStep {
    Dispatch,
    Accept,
    Claim,
    Start,
    Complete,
    Respond,
    Resolve,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
