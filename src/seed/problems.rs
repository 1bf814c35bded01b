//! The demo 问题清单 of 和平社区: the list now being compiled (filed items, a joint meeting that
//! accepts, merges and rejects them and so publishes the list, one item claimed by 市供电公司),
//! and last month's (one item the unit resolved, one it still held when the street day passed it
//! to the street). Every step through the problem list's own conditional updates and log, at the
//! times it would have happened.

use super::report::{SeedReport, anyhow_of};
use crate::config::ProblemRules;
use crate::problems::deadlines::{filing_month, meeting_due, street_due};
use crate::problems::escalation::pass_to_street;
use crate::problems::meetings::{DecisionAction, DecisionIn};
use crate::problems::state::{Step, advance};
use chrono::{DateTime, Duration, Utc};
use entity::problem::{self, ProblemState, Severity};
use entity::problem_event::{self, ProblemAction};
use entity::{problem_meeting, region};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// Who the demo lists involve.
pub struct Board<'a> {
    pub rules: &'a ProblemRules,
    pub community: &'a region::Model,
    pub grid: &'a region::Model,
    pub staff: i64,
    pub unit: i64,
    pub unit_admin: i64,
}

/// What the meeting decides about an item.
#[derive(Clone, Copy)]
enum Fate {
    Accept,
    /// Merged into the item at this index (accepted in the same meeting).
    Merge(usize),
    Reject(&'static str),
}

/// (title, severity, fate)
const NOW_ITEMS: [(&str, Severity, Fate); 4] = [
    ("2号楼楼道灯不亮", Severity::Micro, Fate::Accept),
    ("小区东门雨后积水", Severity::Small, Fate::Accept),
    ("东门积水影响老人出行", Severity::Small, Fate::Merge(1)),
    (
        "希望增设快递柜",
        Severity::Small,
        Fate::Reject("已列入街道明年便民设施计划"),
    ),
];
const LAST_ITEMS: [(&str, Severity, Fate); 2] = [
    ("小区北门路灯损坏", Severity::Small, Fate::Accept),
    ("3号楼外墙瓷砖脱落", Severity::Major, Fate::Accept),
];

async fn item(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    month: &str,
    title: &str,
) -> anyhow::Result<Option<problem::Model>> {
    Ok(problem::Entity::find()
        .filter(problem::Column::CommunityId.eq(b.community.id))
        .filter(problem::Column::Month.eq(month))
        .filter(problem::Column::Title.eq(title))
        .one(conn)
        .await?)
}

/// Files `title` in the demo grid onto `month`'s list at `at`.
async fn file(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    month: &str,
    (title, severity): (&str, Severity),
    at: DateTime<Utc>,
) -> anyhow::Result<problem::Model> {
    let it = problem::ActiveModel {
        region_id: Set(b.grid.id),
        community_id: Set(b.community.id),
        month: Set(month.into()),
        title: Set(title.into()),
        description: Set(format!("演示：网格员摸底排查发现「{title}」")),
        severity: Set(severity),
        location: Set(Some(b.grid.name.clone())),
        photos: Set("[]".into()),
        state: Set(ProblemState::Filed),
        filed_by: Set(b.staff),
        owner_region_id: Set(b.community.id),
        late: Set(false),
        result_photos: Set("[]".into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    problem_event::ActiveModel {
        problem_id: Set(it.id),
        action: Set(ProblemAction::Filed),
        actor_id: Set(Some(b.staff)),
        note: Set(None),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(it)
}

fn step(to: ProblemState, action: ProblemAction, actor: Option<i64>, note: Option<String>) -> Step {
    Step {
        to,
        action,
        actor,
        note,
    }
}

/// Files `items` at `filed`, holds the meeting at `held` (deciding every item) and publishes what
/// it accepted; the items as they are after it.
async fn list(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    month: &str,
    items: &[(&str, Severity, Fate)],
    filed: DateTime<Utc>,
    held: DateTime<Utc>,
) -> anyhow::Result<Vec<problem::Model>> {
    let mut filed_items = Vec::new();
    for (i, (title, severity, _)) in items.iter().enumerate() {
        let at = filed + Duration::minutes(10 * i as i64);
        filed_items.push(file(conn, b, month, (title, *severity), at).await?);
    }
    let decisions: Vec<DecisionIn> = items
        .iter()
        .zip(&filed_items)
        .map(|((_, _, fate), it)| DecisionIn {
            problem_id: crate::api::Id(it.id),
            action: match fate {
                Fate::Accept => DecisionAction::Accept,
                Fate::Merge(_) => DecisionAction::Merge,
                Fate::Reject(_) => DecisionAction::Reject,
            },
            into_id: match fate {
                Fate::Merge(j) => Some(crate::api::Id(filed_items[*j].id)),
                _ => None,
            },
            reason: match fate {
                Fate::Reject(r) => Some((*r).into()),
                _ => None,
            },
        })
        .collect();
    let late = meeting_due(month, b.rules).is_some_and(|due| held >= due);
    let meeting = problem_meeting::ActiveModel {
        community_id: Set(b.community.id),
        month: Set(month.into()),
        held_at: Set(held),
        attendees: Set(r#"["钱社工","冯书记","网格员小刘"]"#.into()),
        units_present: Set(format!("[{}]", b.unit)),
        minutes: Set("演示：联席会议逐项审议本月问题清单。".into()),
        decisions: Set(serde_json::to_string(&decisions)?),
        late: Set(late),
        recorded_by: Set(b.staff),
        created_at: Set(held),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let base = problem::ActiveModel {
        meeting_id: Set(Some(meeting.id)),
        late: Set(late),
        ..Default::default()
    };
    let by = Some(b.staff);
    let mut out = Vec::new();
    for ((_, _, fate), it) in items.iter().zip(&filed_items) {
        let decided = match fate {
            Fate::Accept => {
                let s = step(ProblemState::Accepted, ProblemAction::Accepted, by, None);
                let accepted = advance(conn, it, s, base.clone(), held)
                    .await
                    .map_err(anyhow_of)?;
                let note = late.then(|| "会议日之后发布".to_owned());
                let s = step(ProblemState::Published, ProblemAction::Published, by, note);
                advance(conn, &accepted, s, Default::default(), held)
                    .await
                    .map_err(anyhow_of)?
            }
            Fate::Merge(j) => {
                let into = filed_items[*j].id;
                let mut set = base.clone();
                set.merged_into_id = Set(Some(into));
                let s = step(
                    ProblemState::Merged,
                    ProblemAction::Merged,
                    by,
                    Some(format!("并入问题 {into}")),
                );
                advance(conn, it, s, set, held).await.map_err(anyhow_of)?
            }
            Fate::Reject(reason) => {
                let s = step(
                    ProblemState::Rejected,
                    ProblemAction::Rejected,
                    by,
                    Some((*reason).into()),
                );
                advance(conn, it, s, base.clone(), held)
                    .await
                    .map_err(anyhow_of)?
            }
        };
        out.push(decided);
    }
    Ok(out)
}

/// 认领 of `it` by the demo unit at `at`.
async fn claim(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    it: &problem::Model,
    at: DateTime<Utc>,
) -> anyhow::Result<problem::Model> {
    let set = problem::ActiveModel {
        owner_unit_id: Set(Some(b.unit)),
        claimed_by: Set(Some(b.unit_admin)),
        claimed_at: Set(Some(at)),
        ..Default::default()
    };
    let s = step(
        ProblemState::Claimed,
        ProblemAction::Claimed,
        Some(b.unit_admin),
        None,
    );
    advance(conn, it, s, set, at).await.map_err(anyhow_of)
}

/// The list being compiled now (the month an item filed now goes onto), made once.
pub async fn this_month(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    now: DateTime<Utc>,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let month = filing_month(now, b.rules);
    if item(conn, b, &month, NOW_ITEMS[0].0).await?.is_none() {
        report.created += 1;
        let held = now - Duration::hours(1);
        let items = list(conn, b, &month, &NOW_ITEMS, now - Duration::hours(3), held).await?;
        claim(conn, b, &items[0], now - Duration::minutes(30)).await?;
    }
    print_list(conn, b, &month, "本期问题清单 the list being compiled", report).await
}

/// Last month's list: one item resolved by the unit, one it held when the street day passed it up.
pub async fn last_month(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    month: &str,
    start: DateTime<Utc>,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    if item(conn, b, month, LAST_ITEMS[0].0).await?.is_none() {
        report.created += 1;
        let (met, passed) = match (meeting_due(month, b.rules), street_due(month, b.rules)) {
            (Some(m), Some(s)) => (m - Duration::hours(9), s),
            _ => anyhow::bail!("bad month {month}"),
        };
        // Filed on the 1st, before any file day.
        let items = list(conn, b, month, &LAST_ITEMS, start + Duration::hours(10), met).await?;
        let third = (passed - met) / 3;
        let done = claim(conn, b, &items[0], met + third).await?;
        claim(conn, b, &items[1], met + third + Duration::minutes(5)).await?;
        let set = problem::ActiveModel {
            result: Set(Some("已更换灯杆和灯具".into())),
            result_photos: Set("[]".into()),
            resolved_by: Set(Some(b.unit_admin)),
            resolved_at: Set(Some(met + third * 2)),
            ..Default::default()
        };
        let s = step(
            ProblemState::Resolved,
            ProblemAction::Resolved,
            Some(b.unit_admin),
            Some("已更换灯杆和灯具".into()),
        );
        advance(conn, &done, s, set, met + third * 2)
            .await
            .map_err(anyhow_of)?;
        pass_to_street(conn, b.rules, items[1].id, passed)
            .await
            .map_err(anyhow_of)?;
    }
    print_list(conn, b, month, "上月问题清单 last month's problem list", report).await
}

async fn print_list(
    conn: &impl ConnectionTrait,
    b: &Board<'_>,
    month: &str,
    what: &str,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    report.lines.push(String::new());
    report
        .lines
        .push(format!("== {what}: {} {month} ==", b.community.name));
    let items = problem::Entity::find()
        .filter(problem::Column::CommunityId.eq(b.community.id))
        .filter(problem::Column::Month.eq(month))
        .filter(problem::Column::FiledBy.eq(b.staff))
        .order_by_asc(problem::Column::Id)
        .all(conn)
        .await?;
    for it in items {
        let state = serde_json::to_value(it.state)?;
        report.lines.push(format!(
            "id={} {} → {}",
            it.id,
            it.title,
            state.as_str().unwrap_or_default()
        ));
    }
    Ok(())
}
