//! The dashboard's breakdown as a table (CSV export of `/regions/{id}/stats`): one row per
//! child region, then a 合计 row for the whole region (with the region's id; it also counts what
//! happened at the region itself, so it may exceed the sum of the rows above). The columns are
//! listed once, in sections, each reading one part of a region's figures; a new section is a
//! `const` list here and one line in `headers` and `row`.

use super::civic::{ActivityStats, ProblemStats, WishStats};
use super::dashboard::{Figures, StatsOut};
use super::figures::{Rate, Spread};
use super::orders::OrderStats;
use super::people::PeopleStats;
use super::points::PointsStats;
use crate::api::Id;
use crate::export::table::{Cells, CsvTable};
use entity::region::RegionKind;
use entity::service_order::OrderStatus;

/// A column: its header and its cell, read from one section of a region's figures.
pub struct Column<T> {
    pub header: &'static str,
    pub cell: fn(&T) -> String,
}

const fn col<T>(header: &'static str, cell: fn(&T) -> String) -> Column<T> {
    Column { header, cell }
}

/// The columns naming the row.
const REGION: [&str; 3] = ["区域编号", "区域", "层级"];

/// Orders: placed, by status, the four rates (ratio, 0 to 1), the times (minutes) and overdue.
pub const ORDERS: &[Column<OrderStats>] = &[
    col("下单数", |o| o.placed.to_string()),
    col("已提交", |o| status(o, OrderStatus::Submitted)),
    col("已指派", |o| status(o, OrderStatus::Assigned)),
    col("待抢单", |o| status(o, OrderStatus::Published)),
    col("已接单", |o| status(o, OrderStatus::Claimed)),
    col("服务中", |o| status(o, OrderStatus::InService)),
    col("待评价", |o| status(o, OrderStatus::Completed)),
    col("回访中", |o| status(o, OrderStatus::UnderReview)),
    col("已完成", |o| status(o, OrderStatus::Closed)),
    col("已取消", |o| status(o, OrderStatus::Cancelled)),
    col("已驳回", |o| status(o, OrderStatus::Rejected)),
    col("响应率", |o| rate(o.response_rate)),
    col("解决率", |o| rate(o.resolution_rate)),
    col("满意率", |o| rate(o.satisfaction_rate)),
    col("办结率", |o| rate(o.completion_rate)),
    col("派单用时中位数（分钟）", |o| median(o.to_dispatch)),
    col("派单用时90分位（分钟）", |o| p90(o.to_dispatch)),
    col("接单用时中位数（分钟）", |o| median(o.to_claim)),
    col("接单用时90分位（分钟）", |o| p90(o.to_claim)),
    col("完成用时中位数（分钟）", |o| median(o.to_complete)),
    col("完成用时90分位（分钟）", |o| p90(o.to_complete)),
    col("派单超时", |o| o.overdue.dispatch.to_string()),
    col("开始服务超时", |o| o.overdue.start.to_string()),
    col("评价超时", |o| o.overdue.confirm.to_string()),
];

/// People: residents, 双报到 members, 报到人次 and hours served.
pub const PEOPLE: &[Column<PeopleStats>] = &[
    col("活跃居民", |p| p.residents_active.to_string()),
    col("登记居民", |p| p.residents_registered.to_string()),
    col("报到党员", |p| p.members_reported.to_string()),
    col("区间内新报到党员", |p| {
        p.members_reported_in_range.to_string()
    }),
    col("参与服务人数", |p| p.members_active.to_string()),
    col("报到服务人次", |p| p.visits.to_string()),
    col("服务时长（分钟）", |p| p.minutes_served.to_string()),
    col("服务时长（小时）", |p| p.hours_served.to_string()),
];

/// Points: issued (net), donated, spent at stores and held now.
pub const POINTS: &[Column<PointsStats>] = &[
    col("发放服务时长（分钟，净）", |p| {
        p.minutes_issued.net.to_string()
    }),
    col("发放绿币（奖励）", |p| p.coins_issued.awards.to_string()),
    col("发放绿币（手工）", |p| p.coins_issued.grants.to_string()),
    col("发放绿币（净）", |p| p.coins_issued.net.to_string()),
    col("捐赠服务时长（分钟）", |p| {
        p.minutes_donated.to_string()
    }),
    col("捐赠绿币", |p| p.coins_donated.to_string()),
    col("兑换单数", |p| p.redemptions.to_string()),
    col("兑换绿币", |p| p.coins_spent.to_string()),
    col("居民持有服务时长（分钟）", |p| {
        p.minutes_held.to_string()
    }),
    col("居民持有绿币", |p| p.coins_held.to_string()),
];

/// Activities, the problem list and wishes.
pub const ACTIVITIES: &[Column<ActivityStats>] = &[
    col("志愿活动场次", |a| a.held.to_string()),
    col("活动报名人数", |a| a.signups.to_string()),
    col("活动签到人次", |a| a.attended.to_string()),
];
pub const PROBLEMS: &[Column<ProblemStats>] = &[
    col("上报问题", |p| p.filed.to_string()),
    col("解决问题", |p| p.resolved.to_string()),
    col("未解决问题（现）", |p| p.open_now.to_string()),
];
pub const WISHES: &[Column<WishStats>] = &[
    col("发布心愿", |w| w.posted.to_string()),
    col("实现心愿", |w| w.fulfilled.to_string()),
];

fn status(o: &OrderStats, s: OrderStatus) -> String {
    let n = o.by_status.iter().find(|c| c.key == s).map_or(0, |c| c.count);
    n.to_string()
}

fn rate(r: Rate) -> String {
    r.rate.map(|v| v.to_string()).unwrap_or_default()
}

fn median(s: Spread) -> String {
    s.median_minutes.map(|v| v.to_string()).unwrap_or_default()
}

fn p90(s: Spread) -> String {
    s.p90_minutes.map(|v| v.to_string()).unwrap_or_default()
}

fn section<T>(out: &mut Cells, columns: &[Column<T>], of: &T) {
    for c in columns {
        out.value((c.cell)(of));
    }
}

/// A row: the region named, then every section's cells.
fn row(out: &mut Cells, id: Id, name: &str, kind: Option<RegionKind>, f: &Figures) {
    out.id(id).text(name).opt(kind.map(kind_label));
    section(out, ORDERS, &f.orders);
    section(out, PEOPLE, &f.people);
    section(out, POINTS, &f.points);
    section(out, ACTIVITIES, &f.activities);
    section(out, PROBLEMS, &f.problems);
    section(out, WISHES, &f.wishes);
}

fn kind_label(kind: RegionKind) -> &'static str {
    match kind {
        RegionKind::County => "县",
        RegionKind::Street => "街道",
        RegionKind::Community => "社区",
        RegionKind::Grid => "网格",
        RegionKind::Building => "楼栋",
    }
}

impl CsvTable for StatsOut {
    fn headers(&self) -> Vec<&'static str> {
        let sections = (ORDERS.iter().map(|c| c.header))
            .chain(PEOPLE.iter().map(|c| c.header))
            .chain(POINTS.iter().map(|c| c.header))
            .chain(ACTIVITIES.iter().map(|c| c.header))
            .chain(PROBLEMS.iter().map(|c| c.header))
            .chain(WISHES.iter().map(|c| c.header));
        REGION.into_iter().chain(sections).collect()
    }

    fn rows(&self) -> Vec<Cells> {
        let mut rows: Vec<Cells> = self
            .children
            .iter()
            .map(|c| {
                let mut out = Cells::default();
                row(&mut out, c.region_id, &c.name, Some(c.kind), &c.figures);
                out
            })
            .collect();
        let mut total = Cells::default();
        row(&mut total, self.region_id, "合计", None, &self.figures);
        rows.push(total);
        rows
    }
}
