//! The order state machine (DESIGN §3), as a pure function: every transition the service makes
//! goes through [`next`], and the database update is conditioned on the state it starts from.

use entity::service_order::OrderStatus::{self, *};

/// What may happen to an order; stored in its timeline.
pub use entity::order_event::Action;

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
        (Completed, A::Dispute) => UnderReview,
        (UnderReview, A::Redo) => Claimed,
        (UnderReview, A::Redispatch) => Submitted,
        (UnderReview, A::ReviewClose) => Closed,
        (Submitted | Assigned | Published | Claimed, A::Cancel) => Cancelled,
        (Submitted | Assigned | Published, A::Reject) => Rejected,
        (Submitted | Published, A::Escalate) => Submitted,
        (Claimed, A::ReleaseToPool) => Published,
        (Claimed | Assigned, A::ReturnToDispatcher) => Submitted,
        (InService, A::ServiceOverdue) => InService,
        (Submitted | Published, A::DepartmentResolve) => Completed,
        _ => return None,
    })
}

pub fn is_terminal(s: OrderStatus) -> bool {
    matches!(s, Closed | Cancelled | Rejected)
}

/// Whether a department may be whistled on an order in `s`: open and not waiting for the rating.
pub fn whistleable(s: OrderStatus) -> bool {
    !is_terminal(s) && s != Completed
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
        UnderReview => "回访中",
    }
}

/// A confirm with at most this many stars sends the order to review (回访).
pub const REVIEW_AT_MOST_STARS: i16 = 2;

/// Whether a resident's confirm means 不满意: a low rating, or said outright.
pub fn dissatisfied(rating: i16, satisfied: Option<bool>) -> bool {
    rating <= REVIEW_AT_MOST_STARS || satisfied == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sea_orm::{ActiveEnum, Iterable};

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
                    Action::iter().all(|a| next(s, a).is_none()),
                    "{s:?} has a way out"
                );
            }
        }
    }

    #[test]
    fn review_paths() {
        let to_review = [
            Action::Assign,
            Action::Accept,
            Action::Start,
            Action::Complete,
            Action::Dispute,
        ];
        let reviewed = to_review.iter().try_fold(Submitted, |s, a| next(s, *a));
        assert_eq!(reviewed, Some(UnderReview));
        assert_eq!(next(UnderReview, Action::Redo), Some(Claimed));
        assert_eq!(next(UnderReview, Action::Redispatch), Some(Submitted));
        assert_eq!(next(UnderReview, Action::ReviewClose), Some(Closed));
        assert!(!is_terminal(UnderReview));
        for a in [
            Action::AutoClose,
            Action::Confirm,
            Action::Dispute,
            Action::Cancel,
        ] {
            assert_eq!(next(UnderReview, a), None, "{a:?} under review");
        }
        for s in OrderStatus::iter().filter(|s| *s != UnderReview) {
            for a in [Action::Redo, Action::Redispatch, Action::ReviewClose] {
                assert_eq!(next(s, a), None, "{a:?} in {s:?}");
            }
        }
    }

    #[test]
    fn low_ratings_or_unhappy_residents_go_to_review() {
        for r in 1..=5 {
            assert_eq!(dissatisfied(r, None), r <= 2, "{r} stars");
            assert_eq!(dissatisfied(r, Some(true)), r <= 2, "{r} stars, satisfied");
            assert!(dissatisfied(r, Some(false)), "{r} stars, 不满意");
        }
    }

    #[test]
    fn every_action_and_status_has_a_name() {
        let names: std::collections::HashSet<_> = Action::iter().map(|a| a.to_value()).collect();
        assert_eq!(names.len(), Action::iter().count());
        let labels: std::collections::HashSet<_> = OrderStatus::iter().map(label).collect();
        assert_eq!(labels.len(), OrderStatus::iter().count());
    }

    fn action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::iter().collect::<Vec<_>>())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any sequence of attempts keeps the order in a state reachable by the rules, never
        /// leaves a terminal state, reaches `closed` only through `completed` or a review, and
        /// `under_review` only from `completed`; only staff's review close ends a review.
        #[test]
        fn random_walks_respect_the_rules(actions in prop::collection::vec(action(), 0..40)) {
            let mut state = Submitted;
            for a in actions {
                if let Some(to) = next(state, a) {
                    prop_assert!(!is_terminal(state), "left terminal {:?}", state);
                    if to == Closed {
                        prop_assert!(
                            (state == Completed && matches!(a, Action::Confirm | Action::AutoClose))
                                || (state == UnderReview && a == Action::ReviewClose),
                            "{:?} closed from {:?}", a, state
                        );
                    }
                    if to == UnderReview {
                        prop_assert_eq!(state, Completed);
                    }
                    if to == InService {
                        prop_assert!(
                            state == Claimed || (state == InService && a == Action::ServiceOverdue),
                            "{:?} into service from {:?}", a, state
                        );
                    }
                    state = to;
                }
            }
        }
    }
}
