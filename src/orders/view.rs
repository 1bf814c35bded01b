//! Orders as the API shows them: the order, its people, its timeline.

use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::export::table::{Cells, CsvRow};
use crate::pii::{Pii, mask_phone};
use crate::state::AppState;
use crate::users::UserOut;
use chrono::{DateTime, Utc};
use entity::service_order::{self, OrderStatus};
use entity::{order_event, user};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, RelationDef,
};
use serde::Serialize;
use utoipa::ToSchema;

/// 订单
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    pub id: Id,
    pub status: OrderStatus,
    /// 当前负责的区域（吹哨上报后会变为上级）
    pub region_id: Id,
    /// 下单所在区域
    pub origin_region_id: Id,
    /// 下单居民（手机号脱敏）
    pub resident: UserOut,
    pub service_item_id: Option<Id>,
    pub title: String,
    pub description: String,
    /// 服务地址
    pub address: String,
    /// 联系电话：下单居民本人看到完整号码，其他人看到脱敏号码
    pub contact_phone: Option<String>,
    /// 希望服务的时间
    pub preferred_time: Option<DateTime<Utc>>,
    /// 照片引用（最多 9 张）
    pub photos: Vec<String>,
    /// 接单党员
    pub assignee: Option<UserOut>,
    /// 派给的驻区单位
    pub unit_id: Option<Id>,
    /// 派单方式：assign / publish / unit
    pub dispatch_mode: Option<String>,
    /// 抢单池限定的区域
    pub pool_region_id: Option<Id>,
    /// 抢单池限定的特长
    pub pool_skill: Option<String>,
    /// 党员申报的服务分钟数
    pub minutes: Option<i32>,
    /// 结单时计入时间银行的分钟数：不超过申报数、服务项目上限，以及开始到完成的实际时长加宽限；
    /// 回访结单时可被调低
    pub credited_minutes: Option<i32>,
    pub completion_note: Option<String>,
    pub completion_photos: Vec<String>,
    /// 紧急程度：normal 一般 / urgent 紧急
    pub urgency: entity::whistle::Urgency,
    /// 轻重：micro 微事（网格解决）/ small 小事（社区解决）/ major 大事（街道解决）；未定级为 null
    pub severity: Option<entity::problem::Severity>,
    /// 派生自哪一项问题清单事项；无则为 null
    pub problem_id: Option<Id>,
    /// 当前环节（派单、接受指派、抢单、开始、完成服务）的截止时间，按所在区域设定的时限；无时限时为 null
    pub due_at: Option<DateTime<Utc>>,
    /// 评分 1–5；自动结单为 null
    pub rating: Option<i16>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl CsvRow for OrderOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "订单编号",
            "下单时间",
            "状态",
            "标题",
            "服务内容",
            "服务地址",
            "下单居民编号",
            "下单居民",
            "居民手机号",
            "联系电话",
            "当前区域编号",
            "下单区域编号",
            "服务项目编号",
            "接单党员编号",
            "接单党员",
            "派给单位编号",
            "派单方式",
            "紧急程度",
            "轻重",
            "申报分钟",
            "计入分钟",
            "评分",
            "评价",
            "派单时间",
            "接单时间",
            "开始服务时间",
            "完成服务时间",
            "办结时间",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        let member = self.assignee.as_ref();
        out.id(self.id)
            .time(self.created_at)
            .value(super::state::label(self.status))
            .text(&self.title)
            .text(&self.description)
            .text(&self.address)
            .id(self.resident.id)
            .text(&self.resident.name)
            .opt(self.resident.phone_masked.as_deref())
            .opt(self.contact_phone.as_deref())
            .id(self.region_id)
            .id(self.origin_region_id)
            .opt_id(self.service_item_id)
            .opt_id(member.map(|m| m.id))
            .opt_text(member.map(|m| m.name.as_str()))
            .opt_id(self.unit_id)
            .opt(self.dispatch_mode.as_deref())
            .code(&self.urgency)
            .opt(self.severity.map(crate::severity::label))
            .opt(self.minutes)
            .opt(self.credited_minutes)
            .opt(self.rating)
            .opt_text(self.comment.as_deref())
            .opt_time(self.dispatched_at)
            .opt_time(self.claimed_at)
            .opt_time(self.started_at)
            .opt_time(self.completed_at)
            .opt_time(self.closed_at);
    }
}

/// 订单时间线上的一步
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: Id,
    /// submit / assign / publish / accept / decline / claim / start / complete / confirm / cancel / reject /
    /// escalate / release_to_pool / return_to_dispatcher / auto_close / dispute（不满意，转回访）/
    /// redo（回访：退回原党员重办）/ redispatch（回访：退回重新派单）/ review_close（回访结单）/
    /// proxy_submit（代办：工作人员替居民下单）/ whistle（吹哨）/ acknowledge（部门报到）/
    /// department_resolve（部门办结）/ whistle_overdue（部门超时）/ service_overdue（超时未完成服务）/ classify（定级）
    pub action: String,
    /// 操作人；系统自动操作为 null
    pub actor_id: Option<Id>,
    pub from_status: Option<OrderStatus>,
    pub to_status: OrderStatus,
    /// 吹哨上报：原区域
    pub from_region_id: Option<Id>,
    /// 吹哨上报：新区域
    pub to_region_id: Option<Id>,
    /// 说明（原因、备注）
    pub note: Option<String>,
    /// 完成、回访结单：党员申报的分钟数
    pub minutes: Option<i32>,
    /// 完成、回访结单：将计入时间银行的分钟数
    pub credited_minutes: Option<i32>,
    pub at: DateTime<Utc>,
}

/// 订单详情（含时间线）
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetailOut {
    #[serde(flatten)]
    pub order: OrderOut,
    pub timeline: Vec<EventOut>,
}

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub fn order_out(o: service_order::Model, viewer: i64, users: &[user::Model], pii: &Pii) -> OrderOut {
    let person = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or(UserOut::gone(id), |u| UserOut::new(u, pii))
    };
    let phone = o
        .contact_phone_enc
        .as_deref()
        .and_then(|enc| pii.decrypt(enc).ok());
    let contact_phone = phone.map(|ph| {
        if viewer == o.resident_id {
            ph
        } else {
            mask_phone(&ph)
        }
    });
    OrderOut {
        id: Id(o.id),
        status: o.status,
        region_id: Id(o.region_id),
        origin_region_id: Id(o.origin_region_id),
        resident: person(o.resident_id),
        service_item_id: o.service_item_id.map(Id),
        title: o.title,
        description: o.description,
        address: o.address,
        contact_phone,
        preferred_time: o.preferred_time,
        photos: json_list(&o.photos),
        assignee: o.assignee_id.map(person),
        unit_id: o.unit_id.map(Id),
        dispatch_mode: o.dispatch_mode.map(|m| m.to_value()),
        pool_region_id: o.pool_region_id.map(Id),
        pool_skill: o.pool_skill,
        minutes: o.minutes,
        credited_minutes: o.credited_minutes,
        completion_note: o.completion_note,
        completion_photos: json_list(&o.completion_photos),
        urgency: o.urgency,
        severity: o.severity,
        problem_id: o.problem_id.map(Id),
        due_at: o.due_at,
        rating: o.rating,
        comment: o.comment,
        created_at: o.created_at,
        updated_at: o.updated_at,
        dispatched_at: o.dispatched_at,
        claimed_at: o.claimed_at,
        started_at: o.started_at,
        completed_at: o.completed_at,
        closed_at: o.closed_at,
    }
}

/// Orders as the API shows them, with their people read in one query.
pub async fn orders_out(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    viewer: i64,
    rows: Vec<service_order::Model>,
) -> AppResult<Vec<OrderOut>> {
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|o| [Some(o.resident_id), o.assignee_id])
        .flatten()
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|o| order_out(o, viewer, &users, pii))
        .collect())
}

fn event_out(e: order_event::Model) -> EventOut {
    EventOut {
        id: Id(e.id),
        action: e.action.to_value(),
        actor_id: e.actor_id.map(Id),
        from_status: e.from_status,
        to_status: e.to_status,
        from_region_id: e.from_region_id.map(Id),
        to_region_id: e.to_region_id.map(Id),
        note: e.note,
        minutes: e.minutes,
        credited_minutes: e.credited_minutes,
        at: e.created_at,
    }
}

/// An order as read for its routes: its resident and member, and (when asked) its timeline.
pub struct OrderRead {
    pub order: service_order::Model,
    pub people: Vec<user::Model>,
    /// Oldest first; empty unless the timeline was asked for.
    pub timeline: Vec<order_event::Model>,
}

/// The order with its resident and member, and with its events when `timeline`, in one
/// statement: the order joined to both people (and to its events, one row per event).
pub async fn find_with_people(conn: &impl ConnectionTrait, id: i64, timeline: bool) -> AppResult<OrderRead> {
    struct Row(
        service_order::Model,
        Option<user::Model>,
        Option<user::Model>,
        Option<order_event::Model>,
    );
    impl FromQueryResult for Row {
        fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
            Ok(Row(
                service_order::Model::from_query_result(res, pre)?,
                user::Model::from_query_result_optional(res, "r_")?,
                user::Model::from_query_result_optional(res, "a_")?,
                order_event::Model::from_query_result_optional(res, "e_")?,
            ))
        }
    }
    let mut q = service_order::Entity::find_by_id(id);
    for (alias, person) in [
        ("r", service_order::Column::ResidentId),
        ("a", service_order::Column::AssigneeId),
    ] {
        let rel = service_order::Entity::belongs_to(user::Entity)
            .from(person)
            .to(user::Column::Id)
            .into();
        q = q.join_as(JoinType::LeftJoin, rel, Alias::new(alias));
        for c in user::Column::iter() {
            q = q.column_as(
                Expr::col((Alias::new(alias), c)),
                format!("{alias}_{}", c.as_str()),
            );
        }
    }
    if timeline {
        let events: RelationDef = order_event::Entity::belongs_to(service_order::Entity)
            .from(order_event::Column::OrderId)
            .to(service_order::Column::Id)
            .into();
        q = q.join_as(JoinType::LeftJoin, events.rev(), Alias::new("e"));
        for c in order_event::Column::iter() {
            q = q.column_as(Expr::col((Alias::new("e"), c)), format!("e_{}", c.as_str()));
        }
        q = q.order_by_asc(Expr::col((Alias::new("e"), order_event::Column::Id)));
    }
    let mut rows = q.into_model::<Row>().all(conn).await?.into_iter();
    let Row(order, resident, assignee, first) =
        rows.next().ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(OrderRead {
        order,
        people: [resident, assignee].into_iter().flatten().collect(),
        timeline: first.into_iter().chain(rows.filter_map(|r| r.3)).collect(),
    })
}

/// One order as `viewer` sees it.
pub async fn one_out(state: &AppState, viewer: i64, order: service_order::Model) -> AppResult<OrderOut> {
    Ok(orders_out(&state.db, &state.pii, viewer, vec![order])
        .await?
        .remove(0))
}

/// The order with its timeline (订单详情), as read by [`find_with_people`] with its timeline.
pub fn detail(pii: &Pii, viewer: i64, read: OrderRead) -> OrderDetailOut {
    OrderDetailOut {
        order: order_out(read.order, viewer, &read.people, pii),
        timeline: read.timeline.into_iter().map(event_out).collect(),
    }
}
