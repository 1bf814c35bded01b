//! The three steps of a whistle: 吹哨 (staff owning the order), 报到 and 办结 (the department).
//! Each runs in one write transaction with the order locked, and writes the timeline.

use super::listing::on_order;
use super::view::{WhistleOut, WhistlesOut, urgency_label};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::orders::service::{self, Step};
use crate::orders::state::{self, Action};
use crate::orders::visibility::Standing;
use crate::regions::deadlines;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::media::Attachment;
use entity::region_deadline::DeadlineStep;
use entity::service_order::{self, OrderStatus};
use entity::unit;
use entity::whistle::{self, Urgency, WhistleStatus};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Set,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 吹哨：请职能部门报到并办理
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhistleIn {
    /// 职能部门 id（本区域或上级街道、县的部门，见 GET /regions/{id}/departments）
    pub unit_id: Id,
    /// 紧急程度，默认 normal；决定报到和办结时限
    #[serde(default = "normal")]
    pub urgency: Urgency,
    /// 吹哨理由
    #[validate(length(min = 1, max = 500, message = "理由为 1 到 500 个字"))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

fn normal() -> Urgency {
    Urgency::Normal
}

/// 部门办结
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhistleResolveIn {
    /// 办理结果
    #[validate(length(min = 1, max = 1000, message = "办理结果为 1 到 1000 个字"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub result: String,
    /// 办结照片：本人上传所得的 `media:{id}` 或 https:// 地址，最多 9 张；留在本部门的吹哨上（看得到订单的人可读），办结订单时同时成为完成照片，结单后在晒单中公开
    #[serde(default)]
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// 吹哨 by staff owning the order: the department must acknowledge and resolve within the
/// deadlines that hold where the order is owned.
pub async fn whistle(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    body: WhistleIn,
) -> AppResult<WhistleOut> {
    if !standing.dispatcher {
        return Err(
            AppError::new(ErrorCode::Forbidden).with_detail("只有负责该订单所在区域的工作人员可以吹哨")
        );
    }
    let owner = state.regions.find(&state.db, order.region_id).await?;
    let department = super::departments::whistleable(&state.db, &owner, body.unit_id.0).await?;
    let cfg = &state.config;
    let held = deadlines::effective(&state.db, cfg, &owner).await?;
    let hours = |step| {
        held.hours(step, body.urgency)
            .unwrap_or_else(|| deadlines::default_hours(cfg, step, body.urgency))
    };
    let (respond, resolve) = (hours(DeadlineStep::Respond), hours(DeadlineStep::Resolve));
    let now = Utc::now();
    let created = crate::db::write(&state.db, async |txn| {
        let current = service::lock(txn, order.id).await?;
        if !state::whistleable(current.status) {
            return Err(service::refused(current.status, Action::Whistle));
        }
        let open = whistle::Entity::find()
            .filter(whistle::Column::OrderId.eq(order.id))
            .filter(whistle::Column::UnitId.eq(department.id))
            .filter(whistle::Column::Status.ne(WhistleStatus::Resolved))
            .count(txn)
            .await?;
        if open > 0 {
            return Err(AppError::new(ErrorCode::WhistleAlreadyOpen));
        }
        let row = whistle::ActiveModel {
            order_id: Set(order.id),
            unit_id: Set(department.id),
            region_id: Set(current.region_id),
            urgency: Set(body.urgency),
            reason: Set(body.reason.clone()),
            status: Set(WhistleStatus::Open),
            whistled_by: Set(p.id()),
            created_at: Set(now),
            respond_by: Set(now + Duration::hours(respond.into())),
            resolve_by: Set(now + Duration::hours(resolve.into())),
            respond_overdue: Set(false),
            resolve_overdue: Set(false),
            result_photos: Set("[]".into()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let note = format!(
            "吹哨：{}（{}，{} 小时内报到、{} 小时内办结）：{}",
            department.name,
            urgency_label(body.urgency),
            respond,
            resolve,
            body.reason
        );
        service::remark(txn, &current, Action::Whistle, Some(p.id()), note, now).await?;
        Ok(row)
    })
    .await?;
    Ok(WhistleOut::new(created, order.title.clone(), department.name))
}

/// The caller's departments' whistles on the order that are not resolved, locked; 403 when the
/// caller speaks for no whistled department, 409 when theirs are all resolved.
async fn pending_of_caller(
    conn: &impl ConnectionTrait,
    p: &Principal,
    order_id: i64,
) -> AppResult<Vec<(whistle::Model, String)>> {
    let units: Vec<i64> = p.unit_ids().collect();
    let mine = whistle::Entity::find()
        .filter(whistle::Column::OrderId.eq(order_id))
        .filter(whistle::Column::UnitId.is_in(units.clone()))
        .lock(LockType::Update)
        .all(conn)
        .await?;
    if mine.is_empty() {
        return Err(AppError::new(ErrorCode::NotWhistled));
    }
    let names = unit::Entity::find()
        .filter(unit::Column::Id.is_in(units))
        .all(conn)
        .await?;
    let name = |id: i64| {
        names
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let pending: Vec<_> = mine
        .into_iter()
        .filter(|w| w.status != WhistleStatus::Resolved)
        .map(|w| {
            let n = name(w.unit_id);
            (w, n)
        })
        .collect();
    if pending.is_empty() {
        return Err(AppError::new(ErrorCode::WhistleNotOpen));
    }
    Ok(pending)
}

fn late(at: DateTime<Utc>, by: DateTime<Utc>) -> &'static str {
    if at > by { "（已超时）" } else { "" }
}

/// 报到 by the department: its open whistles on the order are acknowledged.
pub async fn acknowledge(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
) -> AppResult<WhistlesOut> {
    let now = Utc::now();
    crate::db::write(&state.db, async |txn| {
        let current = service::lock(txn, order.id).await?;
        let pending = pending_of_caller(txn, p, order.id).await?;
        let open: Vec<_> = pending
            .into_iter()
            .filter(|(w, _)| w.status == WhistleStatus::Open)
            .collect();
        if open.is_empty() {
            return Err(AppError::new(ErrorCode::WhistleNotOpen).with_detail("已经报到过了"));
        }
        for (w, name) in open {
            let respond_by = w.respond_by;
            let mut row: whistle::ActiveModel = w.into();
            row.status = Set(WhistleStatus::Acknowledged);
            row.acknowledged_at = Set(Some(now));
            row.acknowledged_by = Set(Some(p.id()));
            row.update(txn).await?;
            let note = format!("{name} 报到{}", late(now, respond_by));
            service::remark(txn, &current, Action::Acknowledge, Some(p.id()), note, now).await?;
        }
        Ok(())
    })
    .await?;
    on_order(&state.db, order.id).await
}

/// 办结 by the department: its photos stay on its whistles. When no other department is still
/// working on the order and no member was dispatched, the order is done: it waits for the
/// resident's rating (待评价), with the same photos as its completion photos.
pub async fn resolve(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    body: WhistleResolveIn,
) -> AppResult<WhistlesOut> {
    crate::media::reference::check_photos("photos", &body.photos)?;
    let photos = serde_json::to_string(&body.photos).map_err(AppError::internal)?;
    let now = Utc::now();
    crate::db::write(&state.db, async |txn| {
        let current = service::lock(txn, order.id).await?;
        let pending = pending_of_caller(txn, p, order.id).await?;
        // The uploads attach to one place: the caller's first whistle here (several when they
        // speak for more than one whistled department), or the completion it makes.
        let first = pending[0].0.id;
        for (w, name) in pending {
            let resolve_by = w.resolve_by;
            let mut row: whistle::ActiveModel = w.clone().into();
            row.status = Set(WhistleStatus::Resolved);
            row.acknowledged_at = Set(Some(w.acknowledged_at.unwrap_or(now)));
            row.acknowledged_by = Set(Some(w.acknowledged_by.unwrap_or(p.id())));
            row.resolved_at = Set(Some(now));
            row.resolved_by = Set(Some(p.id()));
            row.result = Set(Some(body.result.clone()));
            row.result_photos = Set(photos.clone());
            row.update(txn).await?;
            let note = format!("{name} 办结{}：{}", late(now, resolve_by), body.result);
            service::remark(txn, &current, Action::DepartmentResolve, Some(p.id()), note, now).await?;
        }
        let others = whistle::Entity::find()
            .filter(whistle::Column::OrderId.eq(order.id))
            .filter(whistle::Column::Status.ne(WhistleStatus::Resolved))
            .count(txn)
            .await?;
        let nobody_else = matches!(current.status, OrderStatus::Submitted | OrderStatus::Published);
        let (kind, on) = if others == 0 && nobody_else {
            let mut step = Step::new(Action::DepartmentResolve, Some(p.id()), now)
                .note(Some("职能部门已办结，待居民评价".into()));
            step.set.completed_at = Set(Some(now));
            step.set.completion_note = Set(Some(body.result.clone()));
            step.set.completion_photos = Set(photos.clone());
            service::apply(txn, &state.config, &current, step).await?;
            (Attachment::OrderCompletion, order.id)
        } else {
            (Attachment::Whistle, first)
        };
        crate::media::attach::attach(txn, p.id(), &body.photos, kind, on).await
    })
    .await?;
    on_order(&state.db, order.id).await
}
