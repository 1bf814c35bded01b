//! The order state machine (DESIGN §3), as a pure function: every transition the service makes
//! goes through [`next`], and the database update is conditioned on the state it starts from.

use entity::service_order::OrderStatus::{self, *};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
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
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::Assign,
        Action::Publish,
        Action::Accept,
        Action::Decline,
        Action::Claim,
        Action::Start,
        Action::Complete,
        Action::Confirm,
        Action::Cancel,
        Action::Reject,
        Action::Escalate,
        Action::ReleaseToPool,
        Action::ReturnToDispatcher,
        Action::AutoClose,
    ];

    /// The name written in the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Publish => "publish",
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Claim => "claim",
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
            Action::Reject => "reject",
            Action::Escalate => "escalate",
            Action::ReleaseToPool => "release_to_pool",
            Action::ReturnToDispatcher => "return_to_dispatcher",
            Action::AutoClose => "auto_close",
        }
    }
}

/// Where `action` takes an order in `from`, or `None` when it may not happen there.
pub fn next(from: OrderStatus, action: Action) -> Option<OrderStatus> {
    use Action as A;
    Some(match (from, action) {
        (Submitted, A::Assign) => Assigned,
        (Submitted, A::Publish) => Published,
        (Assigned, A::Accept) => Claimed,
        (Assigned, A::Decline) => Submitted,
        (Published, A::Claim) => Claimed,
        (Claimed, A::Start) => InService,
        (InService, A::Complete) => Completed,
        (Completed, A::Confirm | A::AutoClose) => Closed,
        (Submitted | Assigned | Published | Claimed, A::Cancel) => Cancelled,
        (Submitted | Assigned | Published, A::Reject) => Rejected,
        (Submitted | Published, A::Escalate) => Submitted,
        (Claimed, A::ReleaseToPool) => Published,
        (Claimed, A::ReturnToDispatcher) => Submitted,
        _ => return None,
    })
}

pub fn is_terminal(s: OrderStatus) -> bool {
    matches!(s, Closed | Cancelled | Rejected)
}

/// Chinese label for messages.
pub fn label(s: OrderStatus) -> &'static str {
    match s {
        Submitted => "已提交",
        Assigned => "已指派",
        Published => "待抢单",
        Claimed => "已接单",
        InService => "服务中",
        Completed => "待评价",
        Closed => "已完成",
        Cancelled => "已取消",
        Rejected => "已驳回",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sea_orm::Iterable;

    #[test]
    fn the_happy_paths() {
        let assign = [
            Action::Assign,
            Action::Accept,
            Action::Start,
            Action::Complete,
            Action::Confirm,
        ];
        let publish = [
            Action::Publish,
            Action::Claim,
            Action::Start,
            Action::Complete,
            Action::AutoClose,
        ];
        for path in [assign, publish] {
            let end = path.iter().try_fold(Submitted, |s, a| next(s, *a));
            assert_eq!(end, Some(Closed), "{path:?}");
        }
    }

    #[test]
    fn cancel_only_before_service_and_terminal_states_are_final() {
        for s in OrderStatus::iter() {
            let cancellable = matches!(s, Submitted | Assigned | Published | Claimed);
            assert_eq!(next(s, Action::Cancel).is_some(), cancellable, "{s:?}");
            if is_terminal(s) {
                assert!(
                    Action::ALL.iter().all(|a| next(s, *a).is_none()),
                    "{s:?} has a way out"
                );
            }
        }
    }

    fn action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any sequence of attempts keeps the order in a state reachable by the rules, never
        /// leaves a terminal state, and reaches `closed` only through `completed`.
        #[test]
        fn random_walks_respect_the_rules(actions in prop::collection::vec(action(), 0..40)) {
            let mut state = Submitted;
            for a in actions {
                if let Some(to) = next(state, a) {
                    prop_assert!(!is_terminal(state), "left terminal {:?}", state);
                    if to == Closed {
                        prop_assert_eq!(state, Completed);
                    }
                    if to == InService {
                        prop_assert_eq!(state, Claimed);
                    }
                    state = to;
                }
            }
        }
    }
}
