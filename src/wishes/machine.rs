//! The wish state machine: which step moves which status, and how a step is refused.
//!
//! ```text
//! pending_review ─approve→ open ─claim→ claimed ─fulfil→ fulfilled ─confirm→ confirmed
//! pending_review ─reject→ rejected;  claimed ─release→ open
//! pending_review | open ─withdraw→ withdrawn
//! ```

use crate::error::{AppError, ErrorCode};
use entity::wish::WishStatus;

/// One step of a wish's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Approve,
    Reject,
    Withdraw,
    Claim,
    Release,
    Fulfil,
    Confirm,
}

/// The status `step` moves `from` to, if it may.
pub fn next(from: WishStatus, step: Step) -> Option<WishStatus> {
    use WishStatus::*;
    match (from, step) {
        (PendingReview, Step::Approve) => Some(Open),
        (PendingReview, Step::Reject) => Some(Rejected),
        (PendingReview | Open, Step::Withdraw) => Some(Withdrawn),
        (Open, Step::Claim) => Some(Claimed),
        (Claimed, Step::Release) => Some(Open),
        (Claimed, Step::Fulfil) => Some(Fulfilled),
        (Fulfilled, Step::Confirm) => Some(Confirmed),
        _ => None,
    }
}

/// The refusal for `step` on a wish now in `status`.
pub fn refused(status: WishStatus, step: Step) -> AppError {
    match (step, status) {
        (Step::Claim, WishStatus::Claimed | WishStatus::Fulfilled | WishStatus::Confirmed) => {
            AppError::new(ErrorCode::WishAlreadyClaimed)
        }
        (Step::Claim, _) => AppError::new(ErrorCode::WishNotOpen),
        _ => AppError::new(ErrorCode::WishInvalidTransition),
    }
}
