//! The monthly cycle's dates, as pure functions of a `YYYY-MM` month in China (UTC+8) and the
//! configured days. A day past the month's end means its last day (the 30th of February is the
//! 28th or 29th).
//!
//! - Filing for a month closes at the end of its file day: an item found later goes onto the next
//!   month's list.
//! - A meeting recorded after the end of the meeting day is late.
//! - Unresolved items pass to the street when the street day begins (00:00 UTC+8).

use crate::calendar::{month_bounds, month_of};
use crate::config::ProblemRules;
use chrono::{DateTime, Duration, Utc};

/// How many days `month` has; `None` if it is not a month.
pub fn days_in(month: &str) -> Option<i64> {
    let (start, end) = month_bounds(month)?;
    Some((end - start).num_days())
}

/// The instant day `day` of `month` begins in China, the day clamped to the month's last.
pub fn day_start(month: &str, day: u32) -> Option<DateTime<Utc>> {
    let (start, _) = month_bounds(month)?;
    let day = i64::from(day.max(1)).min(days_in(month)?);
    Some(start + Duration::days(day - 1))
}

/// The instant day `day` of `month` ends in China (the next day begins), clamped as above.
pub fn day_end(month: &str, day: u32) -> Option<DateTime<Utc>> {
    day_start(month, day).map(|d| d + Duration::days(1))
}

/// The month after `month`.
pub fn next_month(month: &str) -> Option<String> {
    month_bounds(month).map(|(_, end)| month_of(end))
}

/// The list an item found at `now` goes onto: the current month while its file day lasts, else
/// the next month.
pub fn filing_month(now: DateTime<Utc>, rules: &ProblemRules) -> String {
    let current = month_of(now);
    match day_end(&current, rules.file_day) {
        Some(end) if now < end => current,
        _ => next_month(&current).unwrap_or(current),
    }
}

/// When the joint meeting on `month`'s list is late: from this instant on.
pub fn meeting_due(month: &str, rules: &ProblemRules) -> Option<DateTime<Utc>> {
    day_end(month, rules.meeting_day)
}

/// When `month`'s unresolved items pass to the street.
pub fn street_due(month: &str, rules: &ProblemRules) -> Option<DateTime<Utc>> {
    day_start(month, rules.street_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const RULES: ProblemRules = ProblemRules {
        file_day: 10,
        meeting_day: 15,
        street_day: 25,
    };

    #[test]
    fn filing_closes_at_the_end_of_the_file_day_in_china() {
        // 2026-12-10 23:59:59 in China is still the 10th.
        assert_eq!(filing_month(at("2026-12-10T15:59:59Z"), &RULES), "2026-12");
        assert_eq!(filing_month(at("2026-12-10T16:00:00Z"), &RULES), "2027-01");
        // The first minutes of a China month belong to it, though UTC is still in the last one.
        assert_eq!(filing_month(at("2026-11-30T16:00:00Z"), &RULES), "2026-12");
        assert_eq!(filing_month(at("2026-11-30T15:59:59Z"), &RULES), "2026-12");
        assert_eq!(filing_month(at("2026-11-05T00:00:00Z"), &RULES), "2026-11");
    }

    #[test]
    fn deadlines_of_a_month() {
        assert_eq!(meeting_due("2026-12", &RULES), Some(at("2026-12-15T16:00:00Z")));
        assert_eq!(street_due("2026-12", &RULES), Some(at("2026-12-24T16:00:00Z")));
        assert_eq!(next_month("2026-12").as_deref(), Some("2027-01"));
        assert_eq!(street_due("2026-13", &RULES), None);
    }

    #[test]
    fn a_day_past_the_month_end_is_its_last_day() {
        let late = ProblemRules {
            file_day: 29,
            meeting_day: 30,
            street_day: 31,
        };
        // February 2027 has 28 days, 2028 has 29.
        assert_eq!(days_in("2027-02"), Some(28));
        assert_eq!(days_in("2028-02"), Some(29));
        assert_eq!(street_due("2027-02", &late), Some(at("2027-02-27T16:00:00Z")));
        assert_eq!(meeting_due("2027-02", &late), Some(at("2027-02-28T16:00:00Z")));
        assert_eq!(street_due("2028-02", &late), Some(at("2028-02-28T16:00:00Z")));
        // April has 30 days: the 31st is the 30th.
        assert_eq!(street_due("2027-04", &late), Some(at("2027-04-29T16:00:00Z")));
        // Filing on Feb 28 2027 (the file day, clamped) still goes onto February's list;
        // on March 1 (China) onto March's.
        assert_eq!(filing_month(at("2027-02-28T15:59:59Z"), &late), "2027-02");
        assert_eq!(filing_month(at("2027-02-28T16:00:00Z"), &late), "2027-03");
        // Filing on Jan 30 with file day 29: January is closed, February's list.
        assert_eq!(filing_month(at("2027-01-30T04:00:00Z"), &late), "2027-02");
        // December rolls over the year.
        assert_eq!(filing_month(at("2027-12-20T04:00:00Z"), &RULES), "2028-01");
    }
}
