//! SLA rules: when an order is overdue, and what its clock then does to it — escalate what nobody
//! dispatched, release what nobody started, close what nobody confirmed. `crate::jobs` runs the
//! clocks and picks the orders; the rules stay here.

use super::service::{self, Step};
use super::state::Action;
use crate::config::OrderRules;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::service_order::{self, OrderStatus};
use sea_orm::{ConnectionTrait, Set};

/// One SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Submitted and not dispatched: escalated one level up.
    Dispatch,
    /// Claimed and not started: back to the pool (published) or to the dispatcher.
    Start,
    /// Completed and not confirmed: closed.
    Confirm,
}

/// Which orders a clock acts on: in this status, with this column older than this.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub status: OrderStatus,
    pub since: service_order::Column,
    pub before: DateTime<Utc>,
}

impl Clock {
    /// The orders overdue at `now` under `rules`.
    pub fn due(self, rules: &OrderRules, now: DateTime<Utc>) -> Due {
        let (status, since, within) = match self {
            Clock::Dispatch => (
                OrderStatus::Submitted,
                service_order::Column::UpdatedAt,
                rules.dispatch_within,
            ),
            Clock::Start => (
                OrderStatus::Claimed,
                service_order::Column::ClaimedAt,
                rules.start_within,
            ),
            Clock::Confirm => (
                OrderStatus::Completed,
                service_order::Column::CompletedAt,
                rules.confirm_within,
            ),
        };
        let before = now - chrono::Duration::from_std(within).unwrap_or(chrono::TimeDelta::MAX);
        Due {
            status,
            since,
            before,
        }
    }

    /// The step this clock applies to an overdue `order` at `now` (`service::apply` runs it).
    pub async fn step(
        self,
        conn: &impl ConnectionTrait,
        order: &service_order::Model,
        now: DateTime<Utc>,
    ) -> AppResult<Step> {
        match self {
            Clock::Dispatch => {
                service::escalation(conn, order, None, now, Some("超时未派单，自动上报".into())).await
            }
            Clock::Start => Ok(release(order, now)),
            Clock::Confirm => {
                let mut step =
                    Step::new(Action::AutoClose, None, now).note(Some("超时未评价，自动结单".into()));
                step.set.closed_at = Set(Some(now));
                Ok(step)
            }
        }
    }
}

/// A published order goes back to the pool; one assigned (to a member or a unit) goes back to
/// its dispatcher, undispatched.
fn release(order: &service_order::Model, now: DateTime<Utc>) -> Step {
    let back_to_pool = order.dispatch_mode == Some(entity::service_order::DispatchMode::Publish);
    let action = if back_to_pool {
        Action::ReleaseToPool
    } else {
        Action::ReturnToDispatcher
    };
    let mut step = Step::new(action, None, now).note(Some("超时未开始服务，自动退回".into()));
    step.set.assignee_id = Set(None);
    step.set.claimed_at = Set(None);
    if !back_to_pool {
        step.set.unit_id = Set(None);
        step.set.dispatch_mode = Set(None);
    }
    step
}
