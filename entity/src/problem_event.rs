//! One entry of a 问题清单 item's append-only log: what happened, who did it, when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "problem_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub problem_id: i64,
    pub action: ProblemAction,
    /// Who acted; `None` for the clock.
    pub actor_id: Option<i64>,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

/// 事件：filed 排查登记 / accepted 会议采纳 / merged 会议合并 / rejected 会议不予采纳 /
/// published 发布 / claimed 单位认领 / dropped 放弃认领 / escalated 移交街道 / resolved 解决 /
/// order_placed 派生服务订单（状态不变）
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
pub enum ProblemAction {
    Filed,
    Accepted,
    Merged,
    Rejected,
    Published,
    Claimed,
    Dropped,
    Escalated,
    Resolved,
    OrderPlaced,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
