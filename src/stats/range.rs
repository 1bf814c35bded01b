//! The days a dashboard covers: China calendar days (UTC+8), inclusive, this month by default.

use crate::calendar::{china, days_bounds};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// At most this many days in one range.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// 起始日（北京时间，含当日），如 2026-11-01；默认本月 1 日
    pub from: Option<NaiveDate>,
    /// 截止日（北京时间，含当日），如 2026-11-30；默认本月最后一天。跨度至多 366 天
    pub to: Option<NaiveDate>,
}

/// 统计区间（北京时间，含首尾两日）
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 区间开始的时刻（UTC）
    pub starts_at: DateTime<Utc>,
    /// 区间结束的时刻（UTC，不含）
    pub ends_at: DateTime<Utc>,
}

impl Range {
    /// The range `q` asks for, the month of `now` filling what it leaves out.
    pub fn of(q: &RangeQuery, now: DateTime<Utc>) -> AppResult<Range> {
        let today = now.with_timezone(&china()).date_naive();
        let first = today.with_day(1).unwrap_or(today);
        let last = first
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(today);
        let (from, to) = (q.from.unwrap_or(first), q.to.unwrap_or(last));
        if from > to {
            return Err(AppError::new(ErrorCode::InvalidQuery).with_detail("from 不能晚于 to"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(AppError::new(ErrorCode::InvalidQuery).with_detail("统计区间至多 366 天"));
        }
        let (starts_at, ends_at) = days_bounds(from, to);
        Ok(Range {
            from,
            to,
            starts_at,
            ends_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: Option<&str>, to: Option<&str>) -> RangeQuery {
        RangeQuery {
            from: from.map(|d| d.parse().unwrap()),
            to: to.map(|d| d.parse().unwrap()),
        }
    }

    #[test]
    fn the_default_is_the_china_month_of_now() {
        // 2026-11-30 17:00 UTC is already 1 December in China.
        let now: DateTime<Utc> = "2026-11-30T17:00:00Z".parse().unwrap();
        let r = Range::of(&q(None, None), now).unwrap();
        assert_eq!(
            (r.from.to_string(), r.to.to_string()),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert_eq!(r.starts_at.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(r.ends_at.to_rfc3339(), "2026-12-31T16:00:00+00:00");
    }

    #[test]
    fn days_are_inclusive_and_bad_ranges_are_refused() {
        let now = Utc::now();
        let one = Range::of(&q(Some("2026-02-01"), Some("2026-02-01")), now).unwrap();
        assert_eq!((one.ends_at - one.starts_at).num_hours(), 24);
        assert!(Range::of(&q(Some("2026-03-02"), Some("2026-03-01")), now).is_err());
        assert!(Range::of(&q(Some("2025-01-01"), Some("2026-01-01")), now).is_ok());
        assert!(Range::of(&q(Some("2025-01-01"), Some("2026-01-02")), now).is_err());
    }
}
