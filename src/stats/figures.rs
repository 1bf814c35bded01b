//! Figures a dashboard shows, computed from plain facts: rates with their counts, and the
//! median and 90th percentile of durations.

use serde::Serialize;
use utoipa::ToSchema;

/// 比率：分子、分母与比值
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Rate {
    /// 分子
    pub numerator: i64,
    /// 分母
    pub denominator: i64,
    /// 比值（0 到 1，保留 4 位小数）；分母为 0 时为 null
    pub rate: Option<f64>,
}

impl Rate {
    pub fn of(numerator: i64, denominator: i64) -> Rate {
        let rate = (denominator > 0).then(|| {
            let r = numerator as f64 / denominator as f64;
            (r * 10_000.0).round() / 10_000.0
        });
        Rate {
            numerator,
            denominator,
            rate,
        }
    }

    /// Counts the items `within` keeps and those `counted` keeps among `items`.
    pub fn count<T>(items: &[T], counted: impl Fn(&T) -> bool, within: impl Fn(&T) -> bool) -> Rate {
        let denominator = items.iter().filter(|i| counted(i)).count();
        let numerator = items.iter().filter(|i| counted(i) && within(i)).count();
        Rate::of(numerator as i64, denominator as i64)
    }
}

/// 时长分布（分钟）
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Spread {
    /// 样本数
    pub count: i64,
    /// 中位数（分钟）；无样本时为 null
    pub median_minutes: Option<f64>,
    /// 第 90 百分位（分钟）；无样本时为 null
    pub p90_minutes: Option<f64>,
}

impl Spread {
    /// Median and p90 by the nearest-rank rule, of `seconds`.
    pub fn of(mut seconds: Vec<i64>) -> Spread {
        seconds.sort_unstable();
        let rank = |p: f64| -> Option<f64> {
            let n = seconds.len();
            if n == 0 {
                return None;
            }
            let at = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            Some((seconds[at] as f64 / 60.0 * 10.0).round() / 10.0)
        };
        Spread {
            count: seconds.len() as i64,
            median_minutes: rank(0.5),
            p90_minutes: rank(0.9),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_rate_has_its_counts_and_none_without_a_denominator() {
        assert_eq!(Rate::of(7, 10).rate, Some(0.7));
        assert_eq!(Rate::of(2, 3).rate, Some(0.6667));
        assert_eq!(Rate::of(0, 0).rate, None);
        let r = Rate::count(&[1, 2, 3, 4, 5], |n| *n > 1, |n| n % 2 == 0);
        assert_eq!((r.numerator, r.denominator), (2, 4));
    }

    #[test]
    fn nearest_rank_median_and_p90() {
        let s = Spread::of((1..=10).map(|m| m * 60).collect());
        assert_eq!(
            (s.count, s.median_minutes, s.p90_minutes),
            (10, Some(5.0), Some(9.0))
        );
        let one = Spread::of(vec![90]);
        assert_eq!((one.median_minutes, one.p90_minutes), (Some(1.5), Some(1.5)));
        assert_eq!(Spread::of(vec![]).median_minutes, None);
    }

    proptest! {
        #[test]
        fn percentiles_are_samples_in_order(v in proptest::collection::vec(0i64..1_000_000, 1..200)) {
            let s = Spread::of(v.clone());
            let (lo, hi) = (*v.iter().min().unwrap() as f64 / 60.0, *v.iter().max().unwrap() as f64 / 60.0);
            let (m, p) = (s.median_minutes.unwrap(), s.p90_minutes.unwrap());
            prop_assert!(m <= p);
            prop_assert!(lo - 0.051 <= m && p <= hi + 0.051, "rounded to 0.1 minute");
        }

        #[test]
        fn a_rate_lies_between_zero_and_one(n in 0i64..10_000, extra in 0i64..10_000) {
            let r = Rate::of(n, n + extra).rate;
            prop_assert!(r.is_none() || (0.0..=1.0).contains(&r.unwrap()));
        }
    }
}
