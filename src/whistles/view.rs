//! What a whistle looks like to the people handling it.

use crate::api::Id;
use chrono::{DateTime, Utc};
use entity::whistle::{self, Urgency, WhistleStatus};
use serde::Serialize;
use utoipa::ToSchema;

/// 吹哨（向职能部门派发的办理要求）
#[derive(Debug, Serialize, ToSchema)]
pub struct WhistleOut {
    pub id: Id,
    pub order_id: Id,
    /// 订单标题
    pub order_title: String,
    /// 被吹哨的职能部门
    pub unit_id: Id,
    /// 部门名称
    pub unit_name: String,
    /// 吹哨的区域（当时负责该订单的区域）
    pub region_id: Id,
    pub urgency: Urgency,
    /// 吹哨理由
    pub reason: String,
    pub status: WhistleStatus,
    pub created_at: DateTime<Utc>,
    /// 报到（响应）截止时间
    pub respond_by: DateTime<Utc>,
    /// 办结截止时间
    pub resolve_by: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// 部门的办理结果
    pub result: Option<String>,
    /// 办结照片：部门办结时附上的 `media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址，看得到订单的人可读；未办结时为空
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub result_photos: Vec<String>,
    /// 是否超时未报到（计入黑榜）
    pub respond_overdue: bool,
    /// 是否超时未办结（计入黑榜）
    pub resolve_overdue: bool,
}

impl WhistleOut {
    pub fn new(w: whistle::Model, order_title: String, unit_name: String) -> WhistleOut {
        WhistleOut {
            id: Id(w.id),
            order_id: Id(w.order_id),
            order_title,
            unit_id: Id(w.unit_id),
            unit_name,
            region_id: Id(w.region_id),
            urgency: w.urgency,
            reason: w.reason,
            status: w.status,
            created_at: w.created_at,
            respond_by: w.respond_by,
            resolve_by: w.resolve_by,
            acknowledged_at: w.acknowledged_at,
            resolved_at: w.resolved_at,
            result: w.result,
            result_photos: serde_json::from_str(&w.result_photos).unwrap_or_default(),
            respond_overdue: w.respond_overdue,
            resolve_overdue: w.resolve_overdue,
        }
    }
}

/// 一个订单上的吹哨
#[derive(Debug, Serialize, ToSchema)]
pub struct WhistlesOut {
    pub items: Vec<WhistleOut>,
}

/// Chinese name of an urgency, for the timeline.
pub fn urgency_label(u: Urgency) -> &'static str {
    match u {
        Urgency::Normal => "一般",
        Urgency::Urgent => "紧急",
    }
}
