//! Calendar days and months as people in China count them (UTC+8): daily caps reset and monthly
//! limits and settlements turn over at local midnight.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

fn local_midnight(date: NaiveDate) -> DateTime<Utc> {
    china()
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// Start of `now`'s day in China.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    local_midnight(now.with_timezone(&china()).date_naive())
}

/// `now`'s month in China, as `YYYY-MM`.
pub fn month_of(now: DateTime<Utc>) -> String {
    now.with_timezone(&china()).format("%Y-%m").to_string()
}

/// The instants a `YYYY-MM` month starts and ends (exclusive) in China; `None` if malformed.
pub fn month_bounds(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((local_midnight(first), local_midnight(next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn months_turn_at_midnight_in_china() {
        assert_eq!(month_of(at("2026-11-30T15:59:59Z")), "2026-11");
        assert_eq!(month_of(at("2026-11-30T16:00:00Z")), "2026-12");
        let (from, to) = month_bounds("2026-12").unwrap();
        assert_eq!(from, at("2026-11-30T16:00:00Z"));
        assert_eq!(to, at("2026-12-31T16:00:00Z"));
        assert_eq!(
            start_of_day(at("2026-11-23T15:00:00Z")),
            at("2026-11-22T16:00:00Z")
        );
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"] {
            assert!(month_bounds(bad).is_none(), "{bad}");
        }
    }
}
