//! 志愿服务星级: the level reached by cumulative credited hours (corrections subtracted).

use serde::Serialize;
use utoipa::ToSchema;

/// 星级
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StarsOut {
    /// 当前星级，0 表示尚未评星，最高为门槛个数（默认 5）
    pub level: u8,
    /// 累计认定时长（分钟，已扣除更正）
    pub total_minutes: i64,
    /// 下一星级所需的累计小时数；已是最高星级时为 null
    pub next_level_hours: Option<i64>,
    /// 距下一星级还差的分钟数；已是最高星级时为 null
    pub minutes_to_next: Option<i64>,
}

/// The level `total_minutes` reaches with `hours` (ascending thresholds, one per star).
pub fn level(hours: &[i64], total_minutes: i64) -> u8 {
    let reached = hours.iter().take_while(|h| **h * 60 <= total_minutes).count();
    u8::try_from(reached).unwrap_or(u8::MAX)
}

pub fn stars(hours: &[i64], total_minutes: i64) -> StarsOut {
    let level = level(hours, total_minutes);
    let next = hours.get(usize::from(level)).copied();
    StarsOut {
        level,
        total_minutes,
        next_level_hours: next,
        minutes_to_next: next.map(|h| h * 60 - total_minutes),
    }
}

/// The stars crossed going from `before` to `after` minutes: `Some(new level)` when it rose.
pub fn rose(hours: &[i64], before: i64, after: i64) -> Option<u8> {
    let (was, is) = (level(hours, before), level(hours, after));
    (is > was).then_some(is)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DEFAULT: [i64; 5] = [100, 300, 600, 1000, 1500];

    #[test]
    fn thresholds_are_reached_at_the_hour() {
        assert_eq!(level(&DEFAULT, 0), 0);
        assert_eq!(level(&DEFAULT, 100 * 60 - 1), 0);
        assert_eq!(level(&DEFAULT, 100 * 60), 1);
        assert_eq!(level(&DEFAULT, 1499 * 60), 4);
        assert_eq!(level(&DEFAULT, 1500 * 60), 5);
        assert_eq!(level(&DEFAULT, 10_000 * 60), 5);
        assert_eq!(level(&DEFAULT, -30), 0);
    }

    #[test]
    fn the_next_level_is_told_until_the_top() {
        let s = stars(&DEFAULT, 290 * 60);
        assert_eq!(
            (s.level, s.next_level_hours, s.minutes_to_next),
            (1, Some(300), Some(600))
        );
        let top = stars(&DEFAULT, 1600 * 60);
        assert_eq!(
            (top.level, top.next_level_hours, top.minutes_to_next),
            (5, None, None)
        );
    }

    #[test]
    fn rising_is_told_once_and_falling_never() {
        assert_eq!(rose(&DEFAULT, 99 * 60, 100 * 60), Some(1));
        assert_eq!(rose(&DEFAULT, 100 * 60, 120 * 60), None);
        assert_eq!(rose(&DEFAULT, 99 * 60, 700 * 60), Some(3));
        assert_eq!(rose(&DEFAULT, 700 * 60, 90 * 60), None);
    }

    proptest! {
        #[test]
        fn the_level_never_falls_as_minutes_grow(a in 0i64..200_000, b in 0i64..200_000) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(level(&DEFAULT, lo) <= level(&DEFAULT, hi));
            let s = stars(&DEFAULT, hi);
            if let Some(m) = s.minutes_to_next {
                prop_assert!(m > 0);
                prop_assert_eq!(level(&DEFAULT, hi + m), s.level + 1);
            }
        }
    }
}
