//! SLA rules: when an order is overdue, and what its clock then does to it — escalate what nobody
//! dispatched or claimed, return what nobody accepted, release what nobody started, flag a service
//! not completed, close what nobody confirmed. `crate::jobs` runs the clocks and picks the orders;
//! the rules stay here.
//!
//! Each step sets the order's `due_at` from the deadlines that hold where it is owned, for its
//! urgency (`regions::deadlines`); orders from before `due_at` existed follow the global settings.

use super::service::{self, Step};
use super::state::Action;
use crate::config::OrderRules;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::service_order::{self, OrderStatus};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, Set};

/// One SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Submitted and not dispatched: escalated one level up.
    Dispatch,
    /// Assigned and not accepted: back to the dispatcher.
    Accept,
    /// Published and nobody claimed it: escalated one level up.
    Claim,
    /// Claimed and not started: back to the pool (published) or to the dispatcher.
    Start,
    /// In service and not completed: flagged once, staff told.
    Complete,
    /// Completed and not confirmed: closed.
    Confirm,
}

/// Which orders a clock acts on: in this status, overdue by this condition.
#[derive(Debug, Clone)]
pub struct Due {
    pub status: OrderStatus,
    pub overdue: Condition,
}

/// `due_at` passed; or, for an order from before `due_at` (none set), `since` older than `within`.
fn past(now: DateTime<Utc>, legacy: Option<(service_order::Column, std::time::Duration)>) -> Condition {
    let due = service_order::Column::DueAt.lt(now);
    match legacy {
        None => Condition::all().add(due),
        Some((since, within)) => {
            let before = now - chrono::Duration::from_std(within).unwrap_or(chrono::TimeDelta::MAX);
            Condition::any().add(due).add(
                Condition::all()
                    .add(service_order::Column::DueAt.is_null())
                    .add(since.lt(before)),
            )
        }
    }
}

impl Clock {
    /// The orders overdue at `now` under `rules`.
    pub fn due(self, rules: &OrderRules, now: DateTime<Utc>) -> Due {
        use service_order::Column as C;
        let (status, overdue) = match self {
            Clock::Dispatch => (
                OrderStatus::Submitted,
                past(now, Some((C::UpdatedAt, rules.dispatch_within))),
            ),
            Clock::Accept => (OrderStatus::Assigned, past(now, None)),
            Clock::Claim => (OrderStatus::Published, past(now, None)),
            Clock::Start => (
                OrderStatus::Claimed,
                past(now, Some((C::ClaimedAt, rules.start_within))),
            ),
            Clock::Complete => (OrderStatus::InService, past(now, None)),
            Clock::Confirm => {
                let within =
                    chrono::Duration::from_std(rules.confirm_within).unwrap_or(chrono::TimeDelta::MAX);
                (
                    OrderStatus::Completed,
                    Condition::all().add(C::CompletedAt.lt(now - within)),
                )
            }
        };
        Due { status, overdue }
    }

    /// Whether the clock moves orders up the tree (those at the top have nowhere to go).
    pub fn escalates(self) -> bool {
        matches!(self, Clock::Dispatch | Clock::Claim)
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
            Clock::Claim => {
                service::escalation(conn, order, None, now, Some("超时无人抢单，自动上报".into())).await
            }
            Clock::Accept => Ok(release(order, now, "超时未接受指派，退回派单")),
            Clock::Start => Ok(release(order, now, "超时未开始服务，自动退回")),
            Clock::Complete => {
                let mut step =
                    Step::new(Action::ServiceOverdue, None, now).note(Some("超时未完成服务，请跟进".into()));
                // Told once: no further deadline on this service.
                step.set.due_at = Set(None);
                Ok(step)
            }
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
fn release(order: &service_order::Model, now: DateTime<Utc>, note: &str) -> Step {
    let back_to_pool = order.dispatch_mode == Some(entity::service_order::DispatchMode::Publish);
    let action = if back_to_pool {
        Action::ReleaseToPool
    } else {
        Action::ReturnToDispatcher
    };
    let mut step = Step::new(action, None, now).note(Some(note.into()));
    step.set.assignee_id = Set(None);
    step.set.claimed_at = Set(None);
    if !back_to_pool {
        step.set.unit_id = Set(None);
        step.set.dispatch_mode = Set(None);
    }
    step
}
