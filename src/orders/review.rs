//! 回访: staff settle an order its resident was not satisfied with, by sending it back (退回重办)
//! or closing it with the minutes kept or lowered; a reason always goes into the timeline.

use super::lifecycle::act;
use super::service::{self, Step};
use super::state::{self, Action};
use super::view::OrderOut;
use super::visibility::Standing;
use crate::auth::Principal;
use crate::config::OrderRules;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::service_order;
use sea_orm::{ConnectionTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 回访处理方式
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// 退回重办：默认由原党员重新服务（claimed）；redispatch=true 时退回重新派单（submitted）
    Redo,
    /// 结单：按计入分钟数（可调低，不可调高）结算
    Close,
}

/// 回访处理
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    pub decision: ReviewDecision,
    /// 仅 redo：true 表示退回重新派单，换人服务；默认 false，由原党员重办
    pub redispatch: Option<bool>,
    /// 仅 close：计入时间银行的分钟数，不能超过订单原计入的分钟数；不填则按原计入分钟数
    #[validate(range(min = 0, max = 1440, message = "分钟数为 0 到 1440"))]
    #[schema(minimum = 0, maximum = 1440, example = 30)]
    pub minutes: Option<i32>,
    /// 处理原因，记入时间线
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "电话回访：已疏通但未清理现场，按 30 分钟计"
    )]
    pub reason: String,
}

/// The step a review decision takes: checked against the order's state first, so a repeated
/// call answers 409 whatever its minutes.
pub async fn review_step(
    conn: &impl ConnectionTrait,
    rules: &OrderRules,
    order: &service_order::Model,
    actor: i64,
    input: ReviewIn,
    at: DateTime<Utc>,
) -> AppResult<Step> {
    let misplaced = |field: &str, message: &str| {
        AppError::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    };
    let action = match input.decision {
        ReviewDecision::Close if input.redispatch.is_some() => {
            return Err(misplaced("redispatch", "结单时不能填写 redispatch"));
        }
        ReviewDecision::Redo if input.minutes.is_some() => {
            return Err(misplaced("minutes", "退回重办时不能填写分钟数"));
        }
        ReviewDecision::Close => Action::ReviewClose,
        // An order no member served (a department resolved it) has nobody to redo it: it goes
        // back to be dispatched (or whistled) again.
        ReviewDecision::Redo if input.redispatch == Some(true) || order.assignee_id.is_none() => {
            Action::Redispatch
        }
        ReviewDecision::Redo => Action::Redo,
    };
    if state::next(order.status, action).is_none() {
        return Err(service::refused(order.status, action));
    }
    let mut step = Step::new(action, Some(actor), at).note(Some(input.reason));
    match action {
        Action::ReviewClose => {
            let credit = service::to_credit(conn, rules, order).await?;
            let minutes = super::minutes::reviewed(input.minutes, credit).ok_or_else(|| {
                AppError::new(ErrorCode::ReviewMinutesRaised).with_detail(format!("最多计入 {credit} 分钟"))
            })?;
            step.set.credited_minutes = Set(Some(minutes));
            step.set.closed_at = Set(Some(at));
            step.minutes = order.minutes;
            step.credited = Some(minutes);
        }
        Action::Redo => {
            step.forget_completion();
            step.set.claimed_at = Set(Some(at));
        }
        _ => {
            step.forget_completion();
            step.set.assignee_id = Set(None);
            step.set.unit_id = Set(None);
            step.set.dispatch_mode = Set(None);
            step.set.pool_region_id = Set(None);
            step.set.pool_skill = Set(None);
            step.set.claimed_at = Set(None);
        }
    }
    Ok(step)
}

/// 回访处理 by the staff owning the order.
pub async fn review(
    state: &AppState,
    p: &Principal,
    order: &service_order::Model,
    standing: &Standing,
    input: ReviewIn,
) -> AppResult<OrderOut> {
    if !standing.dispatcher {
        return Err(AppError::new(ErrorCode::Forbidden).with_detail("只有负责该区域的社区工作者可以回访处理"));
    }
    let step = review_step(&state.db, &state.config.orders, order, p.id(), input, Utc::now()).await?;
    act(state, p, order, step).await
}
