//! One step of an order's timeline. Rows are never updated or deleted (enforced by triggers).

use super::service_order::OrderStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// None for the system (SLA clocks).
    pub actor_id: Option<i64>,
    pub action: Action,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    pub from_region_id: Option<i64>,
    pub to_region_id: Option<i64>,
    pub note: Option<String>,
    /// Minutes reported (completion) and minutes to be credited (completion, review close).
    pub minutes: Option<i32>,
    pub credited_minutes: Option<i32>,
    pub created_at: DateTimeUtc,
}

/// What happened to the order, as written in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(24))",
    rename_all = "snake_case"
)]
pub enum Action {
    /// 群众点单: the order is placed.
    Submit,
    /// 派单：指派给党员或驻区单位
    Assign,
    /// 派单：发布到抢单池
    Publish,
    Accept,
    Decline,
    /// 抢单
    Claim,
    Start,
    Complete,
    /// 评单
    Confirm,
    Cancel,
    Reject,
    /// 吹哨报到: the owning region moves up; a published order comes back for the new owner to dispatch.
    Escalate,
    /// SLA: claimed but not started in time, back to the pool.
    ReleaseToPool,
    /// SLA: claimed but not started in time, back to the dispatcher.
    ReturnToDispatcher,
    /// SLA: completed but not confirmed in time.
    AutoClose,
    /// 评单 with a low rating or 不满意: the order waits for staff (回访) and pays nothing yet.
    Dispute,
    /// 回访 → 退回重办: the same member serves again.
    Redo,
    /// 回访 → 退回重新派单.
    Redispatch,
    /// 回访 → 结单, with the minutes kept or lowered.
    ReviewClose,
    /// 代办: staff placed the order for the resident (who still owns it).
    ProxySubmit,
    /// 吹哨: a department is asked to report and resolve; the status does not change.
    Whistle,
    /// 报到: the department acknowledged the whistle.
    Acknowledge,
    /// 部门办结: the department resolved its whistle; an order nobody else works on then waits
    /// for the resident's rating.
    DepartmentResolve,
    /// A department missed a deadline (报到 or 办结); the status does not change.
    WhistleOverdue,
    /// SLA: in service and not completed in time; staff are told, the status does not change.
    ServiceOverdue,
    /// 定级: staff set how serious it is (微事 / 小事 / 大事); the status does not change.
    Classify,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
