//! The lifecycle steps (派单 → 接单 → 服务 → 评单): who may take each, and what it sets. Each
//! builds one step of the state machine and applies it in its own transaction.

use super::scope::near_path;
use super::service::{self, Step};
use super::state::Action;
use super::view::{OrderOut, one_out};
use super::visibility::Standing;
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media::Attachment;
use entity::member_report::{self, ReportStatus};
use entity::role_grant::{self, Role};
use entity::{region, service_order, unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Applies `step` to `order` in a write transaction; the order as the caller now sees it.
pub async fn act(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    step: Step,
) -> AppResult<OrderOut> {
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = service::apply(&txn, &state.config, order, step).await?;
    txn.commit().await?;
    one_out(state, p.id(), updated).await
}

fn forbidden(detail: &str) -> AppError {
    AppError::new(ErrorCode::Forbidden).with_detail(detail)
}

fn invalid(detail: &str) -> AppError {
    AppError::new(ErrorCode::AssigneeInvalid).with_detail(detail.to_owned())
}

pub use entity::service_order::DispatchMode;

/// 派单
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchIn {
    pub mode: DispatchMode,
    pub member_id: Option<Id>,
    pub unit_id: Option<Id>,
    /// 只让这个区域（如某网格）的党员抢
    pub pool_region_id: Option<Id>,
    /// 只让有这项特长的党员抢
    #[validate(length(min = 1, max = 20, message = "特长为 1 到 20 个字"))]
    #[schema(min_length = 1, max_length = 20)]
    pub skill: Option<String>,
}

/// 派单 by the staff owning the order: to a member near the region, to a unit reported there,
/// or to the pool (limited to a region inside the owner's).
pub async fn dispatch(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    input: DispatchIn,
) -> AppResult<OrderOut> {
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者可以派单"));
    }
    let step = dispatch_step(&state.db, p.id(), order, input, Utc::now()).await?;
    act(state, p, order, step).await
}

/// The dispatch step, its target checked against the order's owning region.
pub async fn dispatch_step(
    conn: &impl ConnectionTrait,
    dispatcher: i64,
    order: &service_order::Model,
    b: DispatchIn,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let owner = crate::regions::find(conn, order.region_id).await?;
    let mut step = Step::dispatch(b.mode, dispatcher, now);
    match b.mode {
        DispatchMode::Assign => {
            let member = b.member_id.ok_or_else(|| invalid("缺少 member_id"))?.0;
            let grants = role_grant::Entity::find()
                .filter(role_grant::Column::UserId.eq(member))
                .filter(role_grant::Column::Role.eq(Role::Member))
                .find_also_related(region::Entity)
                .all(conn)
                .await?;
            let near = grants
                .iter()
                .filter_map(|(_, r)| r.as_ref())
                .any(|r| near_path(&owner.path, &r.path));
            if !near {
                return Err(invalid("该用户不是本区域的党员"));
            }
            if member == order.resident_id {
                return Err(AppError::new(ErrorCode::OwnOrder));
            }
            step.set.assignee_id = Set(Some(member));
        }
        DispatchMode::Unit => {
            let unit_id = b.unit_id.ok_or_else(|| invalid("缺少 unit_id"))?.0;
            let u = unit::Entity::find_by_id(unit_id)
                .one(conn)
                .await?
                .ok_or_else(|| invalid("单位不存在"))?;
            let community = crate::regions::find(conn, u.community_id).await?;
            if !near_path(&owner.path, &community.path) {
                return Err(invalid("该单位不在本区域报到"));
            }
            step.set.unit_id = Set(Some(u.id));
        }
        DispatchMode::Publish => {
            if let Some(pool) = b.pool_region_id {
                let pool = crate::regions::find(conn, pool.0).await?;
                if !pool.path.starts_with(&owner.path) {
                    return Err(invalid("抢单范围须在订单所属区域之内"));
                }
                step.set.pool_region_id = Set(Some(pool.id));
            }
            step.set.pool_skill = Set(b.skill);
        }
    }
    Ok(step)
}

/// 接受指派
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptIn {
    /// 单位管理员接受派给单位的订单时，指定本单位已报到的党员
    pub member_id: Option<Id>,
}

/// 接受指派: the assigned member accepts; for an order dispatched to a unit, one of its admins
/// names a member who reported to the unit. Either way the member's open orders are capped.
pub async fn accept(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    input: AcceptIn,
) -> AppResult<OrderOut> {
    let mut step = Step::accept(p.id(), Utc::now());
    let member = if standing.unit_admin && order.assignee_id.is_none() {
        let member = input.member_id.ok_or_else(|| invalid("缺少 member_id"))?.0;
        named_by_unit(&state.db, order, member).await?;
        step.set.assignee_id = Set(Some(member));
        member
    } else if !standing.assignee {
        return Err(forbidden("只有被指派的党员可以接受"));
    } else {
        p.id()
    };
    step.open_limit = Some((member, state.config.orders.max_open_per_member));
    act(state, p, order, step).await
}

/// A unit admin may name only a member who reported to the order's unit, and not its resident.
async fn named_by_unit(
    conn: &impl ConnectionTrait,
    order: &service_order::Model,
    member: i64,
) -> AppResult<()> {
    let reported = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(member))
        .filter(member_report::Column::UnitId.eq(order.unit_id))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .one(conn)
        .await?;
    if reported.is_none() {
        return Err(invalid("不是本单位已报到的党员"));
    }
    if member == order.resident_id {
        return Err(AppError::new(ErrorCode::OwnOrder));
    }
    Ok(())
}

/// 原因
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 退回指派: the assigned member, or the unit before it named one, gives the order back.
pub async fn decline(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    reason: String,
) -> AppResult<OrderOut> {
    if !(standing.assignee || (standing.unit_admin && order.assignee_id.is_none())) {
        return Err(forbidden("只有被指派的党员或单位可以退回"));
    }
    let mut step = Step::new(Action::Decline, Some(p.id()), Utc::now()).note(Some(reason));
    step.set.assignee_id = Set(None);
    step.set.unit_id = Set(None);
    step.set.dispatch_mode = Set(None);
    act(state, p, order, step).await
}

/// 抢单, once the caller is known to be allowed (see [`super::visibility::claimable`]).
pub async fn claim(state: &AppState, p: &Principal, order: &service_order::Model) -> AppResult<OrderOut> {
    let now = Utc::now();
    let mut step = Step::new(Action::Claim, Some(p.id()), now);
    step.set.assignee_id = Set(Some(p.id()));
    step.set.claimed_at = Set(Some(now));
    step.open_limit = Some((p.id(), state.config.orders.max_open_per_member));
    act(state, p, order, step).await
}

/// 开始服务 by the member who took the order.
pub async fn start(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
) -> AppResult<OrderOut> {
    if !standing.assignee {
        return Err(forbidden("只有接单党员可以开始服务"));
    }
    act(state, p, order, Step::start(p.id(), Utc::now())).await
}

/// 完成服务
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIn {
    /// 党员申报的服务分钟数。计入时间银行的分钟数不超过服务项目的上限，也不超过从开始服务到完成
    /// 的实际时长（向上取整到分钟）加宽限 `ORDER_MINUTES_SLACK_MINS`
    #[validate(range(min = 1, max = 1440, message = "分钟数为 1 到 1440"))]
    #[schema(example = 45, minimum = 1, maximum = 1440)]
    pub minutes: i32,
    #[validate(length(max = 500, message = "备注最多 500 个字"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// 完成照片：本人上传所得的 `media:{id}` 或 https:// 地址，最多 9 张；订单结单后在晒单中公开
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// 完成服务 by the member who took the order, with the minutes they report.
pub async fn complete(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    b: CompleteIn,
) -> AppResult<OrderOut> {
    if !standing.assignee {
        return Err(forbidden("只有接单党员可以完成服务"));
    }
    crate::media::reference::check_photos("photos", &b.photos)?;
    let photos = serde_json::to_string(&b.photos).map_err(AppError::internal)?;
    let rules = &state.config.orders;
    let step = service::completion(
        &state.db,
        rules,
        order,
        p.id(),
        b.minutes,
        b.note,
        photos,
        Utc::now(),
    )
    .await?;
    // As `act`, with the photos attached in the same transaction.
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = service::apply(&txn, &state.config, order, step).await?;
    crate::media::attach::attach(&txn, p.id(), &b.photos, Attachment::OrderCompletion, order.id).await?;
    txn.commit().await?;
    one_out(state, p.id(), updated).await
}

/// 评单
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmIn {
    /// 1–5 星
    #[validate(range(min = 1, max = 5, message = "评分为 1 到 5 星"))]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    /// 是否满意，默认满意。不满意（false）或评分不超过 2 星时订单转入回访（under_review），
    /// 由社区工作者处理后才结算
    pub satisfied: Option<bool>,
    #[validate(length(max = 500, message = "评价最多 500 个字"))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// 评单 by the resident who placed the order.
pub async fn confirm(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    b: ConfirmIn,
) -> AppResult<OrderOut> {
    if !standing.resident {
        return Err(forbidden("只有下单居民可以评价"));
    }
    let step = Step::confirm(p.id(), b.rating, b.satisfied, b.comment, Utc::now());
    act(state, p, order, step).await
}

/// 取消原因
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    #[validate(length(max = 200, message = "原因最多 200 个字"))]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

/// 取消 by the resident who placed the order, before the service starts.
pub async fn cancel(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    reason: Option<String>,
) -> AppResult<OrderOut> {
    if !standing.resident {
        return Err(forbidden("只有下单居民可以取消"));
    }
    let step = Step::new(Action::Cancel, Some(p.id()), Utc::now()).note(reason);
    act(state, p, order, step).await
}

/// 驳回 by the staff owning the order.
pub async fn reject(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    reason: String,
) -> AppResult<OrderOut> {
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者可以驳回"));
    }
    let step = Step::new(Action::Reject, Some(p.id()), Utc::now()).note(Some(reason));
    act(state, p, order, step).await
}

/// 吹哨报到 by the staff owning the order: it moves to the region above.
pub async fn escalate(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    reason: String,
) -> AppResult<OrderOut> {
    if !standing.dispatcher {
        return Err(forbidden("只有负责该区域的社区工作者或网格员可以上报"));
    }
    let step = service::escalation(&state.db, order, Some(p.id()), Utc::now(), Some(reason)).await?;
    act(state, p, order, step).await
}

/// 定级
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityIn {
    /// micro 微事（网格解决）/ small 小事（社区解决）/ major 大事（街道解决）
    pub severity: entity::problem::Severity,
}

/// 定级 by the staff owning an open order: how serious it is, and so the level expected to solve
/// it; written in the timeline.
pub async fn classify(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    severity: entity::problem::Severity,
) -> AppResult<OrderOut> {
    if !standing.dispatcher {
        return Err(forbidden("只有负责该订单所在区域的工作人员可以定级"));
    }
    let now = Utc::now();
    let updated = crate::db::write(&state.db, async |txn| {
        let current = service::lock(txn, order.id).await?;
        if super::state::is_terminal(current.status) {
            return Err(service::refused(current.status, Action::Classify));
        }
        let mut row: service_order::ActiveModel = current.clone().into();
        row.severity = Set(Some(severity));
        let updated = sea_orm::ActiveModelTrait::update(row, txn).await?;
        let (name, level) = (
            crate::severity::label(severity),
            crate::severity::level_label(severity),
        );
        let note = format!("定级：{name}（{level}解决）");
        service::remark(txn, &current, Action::Classify, Some(p.id()), note, now).await?;
        Ok(updated)
    })
    .await?;
    one_out(state, p.id(), updated).await
}
