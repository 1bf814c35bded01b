//! 红榜 (leaderboard): a region's members and reported units ranked by one figure of a month —
//! hours served, green coins earned, orders completed or average rating — counted from the rows
//! written in that month, so a past month's ranking never changes.

use super::board;
use super::figures::{self, Month, ReportedUnit};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::pii::mask_name;
use chrono::{DateTime, Utc};
use entity::region;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Entries shown when no `limit` is asked for.
pub const DEFAULT_LIMIT: u32 = 20;
/// Ratings an entry needs to be ranked by rating.
pub const MIN_RATINGS: i64 = 3;

/// 统计周期：month 自然月（北京时间）
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaderboardPeriod {
    #[default]
    Month,
}

/// 排名依据：hours 服务时长 / coins 获得绿币 / orders 完成订单 / rating 平均评分
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaderboardBy {
    #[default]
    Hours,
    Coins,
    Orders,
    Rating,
}

/// 红榜查询
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// 统计周期，默认 month（目前仅支持自然月）
    pub period: Option<LeaderboardPeriod>,
    /// 月份 YYYY-MM（北京时间），默认本月
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", example = "2026-11")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
    /// 排名依据，默认 hours
    pub by: Option<LeaderboardBy>,
    /// 每张榜最多条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u32>,
}

/// 红榜上的党员志愿者（公开视图姓名打码、不含 id）
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderMember {
    /// 名次：数值相同名次相同（1、1、3），同名次按姓名排列
    pub rank: usize,
    /// 用户 id（仅工作人员视图）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<Id>,
    /// 姓名（公开视图打码，如 吴**）
    pub name: String,
    /// 排名数值：hours 为小时（1 位小数），coins 为绿币，orders 为订单数，rating 为平均评分（2 位小数）
    pub value: f64,
    /// 本月计入的服务时长（分钟，含本月的更正；仅按 hours 排名时）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// 参与平均的评价数（仅按 rating 排名时，至少 3 条才上榜）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<i64>,
}

/// 红榜上的驻区单位：其双报到党员的合计（公开视图不含 id）
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderUnit {
    /// 名次：数值相同名次相同（1、1、3），同名次按名称排列
    pub rank: usize,
    /// 单位 id（仅工作人员视图）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<Id>,
    /// 单位名称
    pub name: String,
    /// 月底前已通过双报到的党员人数
    pub members: i64,
    /// 排名数值：其党员的合计（rating 为其党员全部评价的平均）
    pub value: f64,
    /// 合计服务时长（分钟；仅按 hours 排名时）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// 合计评价数（仅按 rating 排名时，至少 3 条才上榜）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<i64>,
}

/// 红榜
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardOut {
    pub region_id: Id,
    pub period: LeaderboardPeriod,
    pub month: String,
    pub by: LeaderboardBy,
    /// 是否为公开视图（姓名打码、不含 id）
    pub public: bool,
    /// 党员志愿者
    pub members: Vec<LeaderMember>,
    /// 驻区单位
    pub units: Vec<LeaderUnit>,
}

/// One entry's figure: a total and how many rows made it (services, ratings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    total: i64,
    count: i64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.count += other.count;
    }

    fn ranked(&self, by: LeaderboardBy) -> bool {
        match by {
            LeaderboardBy::Rating => self.count >= MIN_RATINGS,
            _ => self.total > 0,
        }
    }

    /// Compares the figures exactly (averages cross-multiplied, never rounded).
    fn cmp(&self, other: &Tally, by: LeaderboardBy) -> Ordering {
        match by {
            LeaderboardBy::Rating => (i128::from(self.total) * i128::from(other.count))
                .cmp(&(i128::from(other.total) * i128::from(self.count))),
            _ => self.total.cmp(&other.total),
        }
    }

    fn value(&self, by: LeaderboardBy) -> f64 {
        let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
        match by {
            LeaderboardBy::Hours => round(self.total as f64 / 60.0, 1),
            LeaderboardBy::Rating => round(self.total as f64 / self.count.max(1) as f64, 2),
            LeaderboardBy::Coins | LeaderboardBy::Orders => self.total as f64,
        }
    }
}

/// Keeps the entries with something to show, best first (ties by name, then id), ranked 1, 1, 3
/// on equal figures, and the first `limit`.
fn ranked(
    mut rows: Vec<(i64, String, Tally)>,
    by: LeaderboardBy,
    limit: usize,
) -> Vec<(usize, i64, String, Tally)> {
    rows.retain(|r| r.2.ranked(by));
    rows.sort_by(|a, b| b.2.cmp(&a.2, by).then_with(|| a.1.cmp(&b.1)).then(a.0.cmp(&b.0)));
    let mut out: Vec<(usize, i64, String, Tally)> = Vec::with_capacity(limit.min(rows.len()));
    for (i, (id, name, tally)) in rows.into_iter().take(limit).enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.3.cmp(&tally, by) == Ordering::Equal => prev.0,
            _ => i + 1,
        };
        out.push((rank, id, name, tally));
    }
    out
}

/// Each member's figure of the month under `root`, with their names.
async fn tallies(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
    by: LeaderboardBy,
) -> AppResult<(HashMap<i64, Tally>, HashMap<i64, String>)> {
    let mut tallies: HashMap<i64, Tally> = HashMap::new();
    match by {
        LeaderboardBy::Hours => {
            let mut names = HashMap::new();
            for f in figures::members(conn, root, m).await? {
                let tally = Tally {
                    total: f.minutes,
                    count: f.services,
                };
                tallies.insert(f.user_id, tally);
                names.insert(f.user_id, f.name);
            }
            return Ok((tallies, names));
        }
        LeaderboardBy::Coins => {
            for (user, coins) in figures::coins_earned(conn, root, m).await? {
                tallies.insert(
                    user,
                    Tally {
                        total: coins,
                        count: 0,
                    },
                );
            }
        }
        LeaderboardBy::Orders | LeaderboardBy::Rating => {
            for (member, rating) in figures::closed_orders(conn, root, m).await? {
                let tally = match (by, rating) {
                    (LeaderboardBy::Orders, _) => Tally { total: 1, count: 1 },
                    (_, Some(r)) => Tally {
                        total: i64::from(r),
                        count: 1,
                    },
                    (_, None) => continue,
                };
                tallies.entry(member).or_default().add(tally);
            }
        }
    }
    let names = figures::user_names(conn, tallies.keys().copied()).await?;
    Ok((tallies, names))
}

/// The leaderboard of `root` as `viewer` may see it: staff (or admins) over `root` see names
/// and ids; anyone else gets members' names masked and no ids.
pub async fn of_region(
    conn: &impl ConnectionTrait,
    viewer: Option<&Principal>,
    root: &region::Model,
    q: &LeaderboardQuery,
    now: DateTime<Utc>,
) -> AppResult<LeaderboardOut> {
    let m = board::month(q.month.as_deref(), now)?;
    let by = q.by.unwrap_or_default();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT) as usize;
    let public = board::public_view(viewer, root);
    let (tallies, mut names) = tallies(conn, root, &m, by).await?;
    let units = figures::reported_units(conn, root, &m).await?;

    let unit_rows: Vec<(i64, String, Tally)> = units
        .iter()
        .map(|u: &ReportedUnit| {
            let mut sum = Tally::default();
            for t in u.members.iter().filter_map(|user| tallies.get(user)) {
                sum.add(*t);
            }
            (u.unit_id, u.name.clone(), sum)
        })
        .collect();
    let member_rows: Vec<(i64, String, Tally)> = tallies
        .into_iter()
        .map(|(user, t)| (user, names.remove(&user).unwrap_or_default(), t))
        .collect();
    let extras = |t: &Tally| {
        (
            (by == LeaderboardBy::Hours).then_some(t.total),
            (by == LeaderboardBy::Rating).then_some(t.count),
        )
    };
    let members = ranked(member_rows, by, limit)
        .into_iter()
        .map(|(rank, user, name, t)| {
            let (minutes, ratings) = extras(&t);
            LeaderMember {
                rank,
                member_id: (!public).then_some(Id(user)),
                name: if public { mask_name(&name) } else { name },
                value: t.value(by),
                minutes,
                ratings,
            }
        })
        .collect();
    let reported: HashMap<i64, i64> = units
        .iter()
        .map(|u| (u.unit_id, u.members.len() as i64))
        .collect();
    let units = ranked(unit_rows, by, limit)
        .into_iter()
        .map(|(rank, unit, name, t)| {
            let (minutes, ratings) = extras(&t);
            LeaderUnit {
                rank,
                unit_id: (!public).then_some(Id(unit)),
                name,
                members: reported.get(&unit).copied().unwrap_or_default(),
                value: t.value(by),
                minutes,
                ratings,
            }
        })
        .collect();
    Ok(LeaderboardOut {
        region_id: Id(root.id),
        period: q.period.unwrap_or_default(),
        month: m.label,
        by,
        public,
        members,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, total: i64) -> (i64, String, Tally) {
        (id, name.into(), Tally { total, count: 1 })
    }

    #[test]
    fn equal_figures_share_a_rank_and_the_next_skips() {
        let rows = vec![
            row(1, "乙", 90),
            row(2, "甲", 120),
            row(3, "丙", 120),
            row(4, "丁", 0),
            row(5, "戊", 30),
        ];
        let ranks: Vec<(usize, i64)> = ranked(rows, LeaderboardBy::Orders, 10)
            .into_iter()
            .map(|(rank, id, _, _)| (rank, id))
            .collect();
        // 丙 (U+4E19) sorts before 甲 (U+7532); nothing for 丁.
        assert_eq!(ranks, vec![(1, 3), (1, 2), (3, 1), (4, 5)]);
    }

    #[test]
    fn averages_compare_exactly_and_need_three_ratings() {
        let t = |total, count| Tally { total, count };
        let rows = vec![
            (1, "a".to_owned(), t(13, 3)),
            (2, "b".to_owned(), t(10, 2)),
            (3, "c".to_owned(), t(26, 6)),
            (4, "d".to_owned(), t(15, 3)),
        ];
        let out = ranked(rows, LeaderboardBy::Rating, 10);
        let ranks: Vec<(usize, i64)> = out.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(ranks, vec![(1, 4), (2, 1), (2, 3)]);
        assert_eq!(out[1].3.value(LeaderboardBy::Rating), 4.33);
        assert_eq!(Tally { total: 95, count: 2 }.value(LeaderboardBy::Hours), 1.6);
    }
}
