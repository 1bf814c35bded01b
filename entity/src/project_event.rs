//! One entry of a 共建项目's append-only log: posted, taken, a progress report, completion or
//! cancellation, with who, a note, the percent and photos.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub action: ProjectAction,
    pub actor_id: i64,
    /// The unit it acted for (take, progress, complete).
    pub unit_id: Option<i64>,
    pub note: Option<String>,
    pub percent: Option<i32>,
    /// JSON array of photo references.
    pub photos: String,
    pub at: DateTimeUtc,
}

/// 事件：posted 发布 / taken 承接 / progress 进展 / completed 完成 / cancelled 取消
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
pub enum ProjectAction {
    Posted,
    Taken,
    Progress,
    Completed,
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
