//! How many of the minutes a member reports are credited to the time bank (DESIGN §3). Members
//! report their own minutes; what is paid is bounded by the service item's cap and by the time
//! that really passed between `start` and `complete` (rounded up to whole minutes) plus a slack.

use chrono::{DateTime, Utc};

/// Minutes credited for `reported` minutes of work started at `started` and completed at
/// `completed`: never negative, never above `item_cap`, never above the elapsed time plus
/// `slack`. Without a start time only the cap applies (orders completed before the clock was kept).
pub fn credited(
    reported: i32,
    item_cap: i32,
    started: Option<DateTime<Utc>>,
    completed: DateTime<Utc>,
    slack: i32,
) -> i32 {
    let by_clock = started.map_or(i32::MAX, |s| {
        let ms = (completed - s).num_milliseconds().max(0);
        let elapsed = ms.saturating_add(59_999) / 60_000;
        i32::try_from(elapsed)
            .unwrap_or(i32::MAX)
            .saturating_add(slack.max(0))
    });
    reported.min(item_cap).min(by_clock).max(0)
}

/// The minutes a review close pays: what was to be credited, or fewer when staff lower it.
/// Raising is refused (`None`).
pub fn reviewed(requested: Option<i32>, credited: i32) -> Option<i32> {
    match requested {
        None => Some(credited.max(0)),
        Some(m) if (0..=credited).contains(&m) => Some(m),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minute)
    }

    #[test]
    fn a_day_reported_right_after_start_earns_the_slack() {
        let start = at(0);
        let done = start + Duration::milliseconds(300);
        assert_eq!(
            credited(1440, 1440, Some(start), done, 15),
            16,
            "one started minute + slack"
        );
        assert_eq!(credited(1440, 1440, Some(start), start, 15), 15);
    }

    #[test]
    fn honest_reports_are_paid_as_reported() {
        assert_eq!(credited(45, 60, Some(at(0)), at(50), 15), 45);
        assert_eq!(credited(90, 60, Some(at(0)), at(120), 15), 60, "item cap");
        assert_eq!(credited(90, 240, Some(at(0)), at(70), 15), 85, "elapsed + slack");
        assert_eq!(credited(90, 240, None, at(1), 15), 90, "no start: cap only");
    }

    #[test]
    fn a_clock_running_backwards_counts_no_elapsed_time() {
        assert_eq!(credited(30, 60, Some(at(10)), at(0), 5), 5);
    }

    #[test]
    fn review_lowers_or_keeps_but_never_raises() {
        assert_eq!(reviewed(None, 40), Some(40));
        assert_eq!(reviewed(Some(10), 40), Some(10));
        assert_eq!(reviewed(Some(0), 40), Some(0));
        assert_eq!(reviewed(Some(40), 40), Some(40));
        assert_eq!(reviewed(Some(41), 40), None);
    }

    proptest! {
        #[test]
        fn credit_is_bounded(
            reported in -10i32..=2000,
            cap in 1i32..=1440,
            start in -100_000i64..100_000,
            worked_ms in -10_000_000i64..100_000_000,
            slack in 0i32..=1440,
        ) {
            let started = DateTime::<Utc>::UNIX_EPOCH + Duration::milliseconds(start);
            let completed = started + Duration::milliseconds(worked_ms);
            let c = credited(reported, cap, Some(started), completed, slack);
            prop_assert!(c >= 0);
            prop_assert!(c <= cap);
            prop_assert!(c <= reported.max(0));
            let elapsed = (worked_ms.max(0) + 59_999) / 60_000;
            prop_assert!(i64::from(c) <= elapsed + i64::from(slack));
            // Nothing below every bound is cut.
            let bound = i64::from(reported.min(cap)).min(elapsed + i64::from(slack)).max(0);
            prop_assert_eq!(i64::from(c), bound);
        }

        #[test]
        fn review_never_pays_more(requested in proptest::option::of(0i32..=1440), credit in 0i32..=1440) {
            match reviewed(requested, credit) {
                Some(m) => prop_assert!((0..=credit).contains(&m)),
                None => prop_assert!(requested.is_some_and(|r| r > credit)),
            }
        }
    }
}
