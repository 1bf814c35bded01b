//! A resident's request (点单) and where it stands.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The region that owns the order now (moves up on escalation).
    pub region_id: i64,
    /// Where it was placed.
    pub origin_region_id: i64,
    pub resident_id: i64,
    pub service_item_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub address: String,
    pub contact_phone_enc: Option<String>,
    pub preferred_time: Option<DateTimeUtc>,
    /// JSON array of photo references.
    pub photos: String,
    pub status: OrderStatus,
    pub assignee_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub dispatcher_id: Option<i64>,
    /// How it was last dispatched.
    pub dispatch_mode: Option<DispatchMode>,
    /// A published order limited to this region's members.
    pub pool_region_id: Option<i64>,
    /// A published order limited to members with this skill.
    pub pool_skill: Option<String>,
    /// Minutes the member reported.
    pub minutes: Option<i32>,
    /// Minutes the close will credit: the reported ones bounded by the item and the elapsed time,
    /// possibly lowered on review.
    pub credited_minutes: Option<i32>,
    pub completion_note: Option<String>,
    pub completion_photos: String,
    pub rating: Option<i16>,
    pub comment: Option<String>,
    /// The resident's `Idempotency-Key`.
    pub client_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub dispatched_at: Option<DateTimeUtc>,
    pub claimed_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub urgency: super::whistle::Urgency,
    /// When the current step is due (派单、接受指派、抢单、开始、完成), from the deadlines where the
    /// order is owned; None when no clock runs on the current status.
    pub due_at: Option<DateTimeUtc>,
    /// 微事 / 小事 / 大事: the level expected to solve it.
    pub severity: Option<super::problem::Severity>,
    /// The problem-list item it was placed for (问题清单 → 派单).
    pub problem_id: Option<i64>,
}

/// 派单方式
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
pub enum DispatchMode {
    /// 指派给某位党员（需 member_id）
    Assign,
    /// 发布到抢单池（可限定网格 pool_region_id 与特长 skill）
    Publish,
    /// 派给驻区单位（需 unit_id），由单位管理员安排党员
    Unit,
}

/// 订单状态：submitted 已提交 / assigned 已指派 / published 待抢单 / claimed 已接单 / in_service 服务中 /
/// completed 待评价 / closed 已完成 / cancelled 已取消 / rejected 已驳回 / under_review 回访中（居民不满意，待工作人员处理）
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
pub enum OrderStatus {
    Submitted,
    Assigned,
    Published,
    Claimed,
    InService,
    Completed,
    Closed,
    Cancelled,
    Rejected,
    UnderReview,
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
