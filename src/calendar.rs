//! Calendar days and months as people in China count them (UTC+8): daily caps reset and monthly
//! limits and settlements turn over at local midnight.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

/// China's clock, UTC+8 all year.
pub fn china() -> FixedOffset {
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

/// The instants the China days `from` through `to` (inclusive) start and end (exclusive).
pub fn days_bounds(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = to.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, local_midnight);
    (local_midnight(from), end)
}

/// `now`'s month in China, as `YYYY-MM`.
pub fn month_of(now: DateTime<Utc>) -> String {
    now.with_timezone(&china()).format("%Y-%m").to_string()
}

/// The instants a `YYYY-MM` month (years 1900 to 9999) starts and ends (exclusive) in China;
/// `None` if malformed or out of range.
pub fn month_bounds(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (y, m) = month.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(y, 4) || !digits(m, 2) || y < "1900" {
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

/// Validator: a month [`month_bounds`] understands.
pub fn valid_month(month: &str) -> Result<(), validator::ValidationError> {
    match month_bounds(month) {
        Some(_) => Ok(()),
        None => Err(validator::ValidationError::new("month")
            .with_message("月份格式为 YYYY-MM，年份 1900 到 9999".into())),
    }
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
