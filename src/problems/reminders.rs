//! Reminders before each deadline (WeChat, through the outbox, in the transaction that records
//! them as sent), each sent once:
//! - the day before the file day, to every staff member of each community and its grids
//!   (filing closes tomorrow), once per community and month;
//! - the day before the meeting day, to the staff of each community whose list still has
//!   undecided items, once per community and month;
//! - the day before the street day, to the admin who claimed each still-claimed item, once per
//!   item (`street_reminded_at`).
//!
//! "The day before" is the China day before the deadline's day (clamped to the month's end).

use super::deadlines::day_start;
use crate::config::{NotifyConfig, ProblemRules};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{ProblemNotice, enqueue_problem};
use chrono::{DateTime, Duration, Utc};
use entity::problem::{self, ProblemState};
use entity::problem_reminder;
use entity::region;
use entity::role_grant::{self, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, TryInsertResult};

/// A reminder about a whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListReminder {
    /// 摸底排查 closes tomorrow: every staff member of the community and its grids.
    File,
    /// The joint meeting is due tomorrow: the community's staff, when items wait for it.
    Meeting,
}

impl ListReminder {
    fn kind(self) -> &'static str {
        match self {
            ListReminder::File => "file",
            ListReminder::Meeting => "meeting",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ListReminder::File => "明日截止",
            ListReminder::Meeting => "明日上会",
        }
    }

    pub fn day(self, rules: &ProblemRules) -> u32 {
        match self {
            ListReminder::File => rules.file_day,
            ListReminder::Meeting => rules.meeting_day,
        }
    }
}

/// Whether `now` falls on the China day before day `day` of `month`.
pub fn day_before(month: &str, day: u32, now: DateTime<Utc>) -> bool {
    day_start(month, day).is_some_and(|d| now >= d - Duration::days(1) && now < d)
}

fn gone() -> AppError {
    AppError::new(ErrorCode::ProblemInvalidState)
}

/// Sends `which` about `month`'s list of community `community_id`, in the caller's transaction,
/// unless it was sent already (`PROBLEM_INVALID_STATE`: nothing to do).
pub async fn remind_list(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    which: ListReminder,
    community_id: i64,
    month: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let community = region::Entity::find_by_id(community_id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let sent = problem_reminder::Entity::insert(problem_reminder::ActiveModel {
        community_id: Set(community_id),
        month: Set(month.to_owned()),
        kind: Set(which.kind().to_owned()),
        sent_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([
        problem_reminder::Column::CommunityId,
        problem_reminder::Column::Month,
        problem_reminder::Column::Kind,
    ])
    .exec_without_returning(conn)
    .await?;
    if !matches!(sent, TryInsertResult::Inserted(n) if n > 0) {
        return Err(gone());
    }
    let staff = role_grant::Entity::find()
        .inner_join(region::Entity)
        .filter(role_grant::Column::Role.eq(Role::Staff));
    let staff = match which {
        ListReminder::File => staff.filter(region::Column::Path.starts_with(&community.path)),
        ListReminder::Meeting => staff.filter(role_grant::Column::RegionId.eq(community_id)),
    };
    let mut people: Vec<i64> = staff
        .select_only()
        .column(role_grant::Column::UserId)
        .into_tuple()
        .all(conn)
        .await?;
    people.sort_unstable();
    people.dedup();
    let title = format!("{month} 问题清单");
    for who in people {
        let notice = ProblemNotice {
            region_id: community_id,
            recipient: who,
            title: &title,
            status_label: which.label(),
            query: format!("community_id={community_id}&month={month}"),
            at: now,
        };
        enqueue_problem(conn, cfg, notice).await?;
    }
    Ok(())
}

/// Reminds the admin who claimed item `id` that it passes to the street tomorrow, once, in the
/// caller's transaction; `PROBLEM_INVALID_STATE` when there is nothing (more) to remind.
pub async fn remind_owner(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    rules: &ProblemRules,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let it = problem::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let (Some(owner), ProblemState::Claimed) = (it.claimed_by, it.state) else {
        return Err(gone());
    };
    if !day_before(&it.month, rules.street_day, now) {
        return Err(gone());
    }
    let marked = problem::Entity::update_many()
        .set(problem::ActiveModel {
            street_reminded_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(problem::Column::Id.eq(id))
        .filter(problem::Column::StreetRemindedAt.is_null())
        .exec(conn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(gone());
    }
    let notice = ProblemNotice {
        region_id: it.community_id,
        recipient: owner,
        title: &it.title,
        status_label: "明日移交",
        query: format!("id={}", it.id),
        at: now,
    };
    enqueue_problem(conn, cfg, notice).await?;
    Ok(())
}
