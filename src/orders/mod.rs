//! Orders: 群众点单 → 社区派单 → 党员接单 → 服务 → 评单 → 晒单, with 吹哨报到.

mod actions;
mod handlers;
mod items;
pub mod minutes;
mod review;
pub mod service;
mod showcase;
pub mod sla;
pub mod state;

use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::{Pii, mask_phone};
use crate::users::UserOut;
use chrono::{DateTime, Utc};
use entity::member_report::{self, ReportStatus};
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use entity::{order_event, region, user};
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(items::create)
        .service(items::list)
        .service(items::update)
        .service(handlers::place)
        .service(handlers::list)
        .service(handlers::pool)
        .service(handlers::get)
        .service(handlers::counts)
        .service(actions::dispatch)
        .service(actions::accept)
        .service(actions::decline)
        .service(actions::claim)
        .service(actions::start)
        .service(actions::complete)
        .service(actions::confirm)
        .service(actions::cancel)
        .service(actions::reject)
        .service(actions::escalate)
        .service(review::review)
        .service(showcase::showcase)
        .service(showcase::ratings);
}

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

/// 订单时间线上的一步
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: Id,
    /// submit / assign / publish / accept / decline / claim / start / complete / confirm / cancel / reject /
    /// escalate / release_to_pool / return_to_dispatcher / auto_close / dispute（不满意，转回访）/
    /// redo（回访：退回原党员重办）/ redispatch（回访：退回重新派单）/ review_close（回访结单）
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
        dispatch_mode: o.dispatch_mode,
        pool_region_id: o.pool_region_id.map(Id),
        pool_skill: o.pool_skill,
        minutes: o.minutes,
        credited_minutes: o.credited_minutes,
        completion_note: o.completion_note,
        completion_photos: json_list(&o.completion_photos),
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

pub async fn timeline(conn: &impl ConnectionTrait, order_id: i64) -> AppResult<Vec<EventOut>> {
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order_id))
        .order_by_asc(order_event::Column::Id)
        .all(conn)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| EventOut {
            id: Id(e.id),
            action: e.action,
            actor_id: e.actor_id.map(Id),
            from_status: e.from_status,
            to_status: e.to_status,
            from_region_id: e.from_region_id.map(Id),
            to_region_id: e.to_region_id.map(Id),
            note: e.note,
            minutes: e.minutes,
            credited_minutes: e.credited_minutes,
            at: e.created_at,
        })
        .collect())
}

/// How the caller stands to an order.
pub struct Standing {
    pub resident: bool,
    pub assignee: bool,
    /// Staff (or admin) over the region that owns it now.
    pub dispatcher: bool,
    /// Staff over where it was placed (read access after escalation).
    pub origin_staff: bool,
    pub unit_admin: bool,
    pub may_claim: bool,
}

impl Standing {
    pub fn sees(&self) -> bool {
        self.resident
            || self.assignee
            || self.dispatcher
            || self.origin_staff
            || self.unit_admin
            || self.may_claim
    }
}

/// Orders a region's staff follow: owned by the region or below, or placed there and escalated
/// since. Needs the query joined to the owning region.
pub fn in_region(root: &region::Model) -> Condition {
    Condition::any()
        .add(region::Column::Path.starts_with(&root.path))
        .add(placed_in(root))
}

/// Orders placed in the region or below, wherever they went since.
pub fn placed_in(root: &region::Model) -> SimpleExpr {
    service_order::Column::OriginRegionId.in_subquery(
        Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Path.starts_with(&root.path))
            .to_owned(),
    )
}

/// Published orders a member could be near: in or below, or above, their member regions.
pub fn near_member(p: &Principal) -> Condition {
    let mut any = Condition::any();
    for g in p.grants.iter().filter(|g| g.role == Role::Member) {
        let above: Vec<i64> = g.region_path.split('/').filter_map(|s| s.parse().ok()).collect();
        any = any
            .add(region::Column::Path.starts_with(&g.region_path))
            .add(service_order::Column::RegionId.is_in(above));
    }
    any
}

/// A member's grant relates to `path` when either lies under the other.
pub fn member_near(p: &Principal, path: &str) -> bool {
    p.grants.iter().any(|g| {
        g.role == Role::Member && (path.starts_with(&g.region_path) || g.region_path.starts_with(path))
    })
}

/// May this member claim this published order (pool limits by region and skill)?
pub async fn may_claim(
    conn: &impl ConnectionTrait,
    p: &Principal,
    o: &service_order::Model,
    owner: &region::Model,
) -> AppResult<bool> {
    if o.status != OrderStatus::Published || o.resident_id == p.id() || !member_near(p, &owner.path) {
        return Ok(false);
    }
    if let Some(pool) = o.pool_region_id {
        let pool = crate::regions::find(conn, pool).await?;
        let lives_there = p.lives_in(&pool.path);
        let member_there = p
            .grants
            .iter()
            .any(|g| g.role == Role::Member && g.region_path.starts_with(&pool.path));
        if !lives_there && !member_there {
            return Ok(false);
        }
    }
    if let Some(skill) = &o.pool_skill {
        let reports = member_report::Entity::find()
            .filter(member_report::Column::UserId.eq(p.id()))
            .filter(member_report::Column::Status.eq(ReportStatus::Approved))
            .all(conn)
            .await?;
        let has = reports.iter().any(|r| {
            serde_json::from_str::<Vec<String>>(&r.skills)
                .unwrap_or_default()
                .contains(skill)
        });
        if !has {
            return Ok(false);
        }
    }
    Ok(true)
}

pub async fn standing(
    conn: &impl ConnectionTrait,
    p: &Principal,
    o: &service_order::Model,
) -> AppResult<Standing> {
    let owner = crate::regions::find(conn, o.region_id).await?;
    let origin = crate::regions::find(conn, o.origin_region_id).await?;
    Ok(Standing {
        resident: o.resident_id == p.id(),
        assignee: o.assignee_id == Some(p.id()),
        dispatcher: p.covers(&owner.path, &[Role::Staff]),
        origin_staff: p.covers(&origin.path, &[Role::Staff]),
        unit_admin: o.unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
        may_claim: may_claim(conn, p, o, &owner).await?,
    })
}

/// The order and the caller's standing, or 404 when the caller has none.
pub async fn visible(
    conn: &impl ConnectionTrait,
    p: &Principal,
    id: i64,
) -> AppResult<(service_order::Model, Standing)> {
    let o = service::find(conn, id).await?;
    let s = standing(conn, p, &o).await?;
    if !s.sees() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok((o, s))
}
