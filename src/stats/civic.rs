//! Activities, problem-list items and wishes on a dashboard: how many happened in the range.
//!
//! Each thing belongs to the region it was made for and to the range by its own date: an
//! activity by when it starts, an item or a wish by when it was filed and when it was resolved.

use super::range::Range;
use crate::db::count_i64;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::activity::{self, ActivityStatus};
use entity::activity_signup::{self, SignupStatus};
use entity::problem::{self, ProblemState};
use entity::region;
use entity::wish::{self, WishStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use serde::Serialize;
use utoipa::ToSchema;

/// 志愿活动统计
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActivityStats {
    /// 区间内开始的活动场次（不含已取消）
    pub held: i64,
    /// 区间内开始但已取消的场次
    pub cancelled: i64,
    /// 这些活动的报名人数（已确认，不含候补）
    pub signups: i64,
    /// 这些活动的签到人次
    pub attended: i64,
}

/// 问题清单统计
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemStats {
    /// 区间内上报的问题数
    pub filed: i64,
    /// 区间内解决的问题数
    pub resolved: i64,
    /// 现仍未解决的问题数（已受理、已发布、已认领或已上交）
    pub open_now: i64,
}

/// 微心愿统计
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct WishStats {
    /// 区间内发布的心愿数
    pub posted: i64,
    /// 区间内实现（认领者完成）的心愿数
    pub fulfilled: i64,
}

/// (path, state, filed at, resolved at) of one problem-list item.
type ProblemRow = (String, ProblemState, DateTime<Utc>, Option<DateTime<Utc>>);

/// The activities, items and wishes of a subtree in a range, by region path.
pub struct Civic {
    /// (path, status, confirmed signups, check-ins)
    activities: Vec<(String, ActivityStatus, i64, i64)>,
    problems: Vec<ProblemRow>,
    /// (path, filed at, fulfilled at)
    wishes: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)>,
    range: Range,
}

/// Reads the facts of `root`'s subtree in `range`.
pub async fn load(conn: &impl ConnectionTrait, root: &region::Model, range: &Range) -> AppResult<Civic> {
    let under = region::Column::Path.starts_with(&root.path);
    let activities = activity::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .column(activity::Column::Status)
        .column_as(
            count_i64(
                Expr::case(activity_signup::Column::Status.eq(SignupStatus::Confirmed), 1)
                    .finally(Expr::null()),
            ),
            "signups",
        )
        .column_as(
            count_i64(Expr::col((
                activity_signup::Entity,
                activity_signup::Column::CheckinAt,
            ))),
            "attended",
        )
        .join(JoinType::InnerJoin, activity::Relation::Region.def())
        .join(
            JoinType::LeftJoin,
            activity::Entity::has_many(activity_signup::Entity)
                .from(activity::Column::Id)
                .to(activity_signup::Column::ActivityId)
                .into(),
        )
        .filter(under.clone())
        .filter(activity::Column::StartsAt.gte(range.starts_at))
        .filter(activity::Column::StartsAt.lt(range.ends_at))
        .group_by(activity::Column::Id)
        .group_by(region::Column::Path)
        .group_by(activity::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let in_range = |c: problem::Column| c.gte(range.starts_at).and(c.lt(range.ends_at));
    let problems = problem::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .column(problem::Column::State)
        .column(problem::Column::CreatedAt)
        .column(problem::Column::ResolvedAt)
        .join(
            JoinType::InnerJoin,
            region_of::<problem::Entity>(problem::Column::RegionId),
        )
        .filter(under.clone())
        .filter(
            in_range(problem::Column::CreatedAt)
                .or(in_range(problem::Column::ResolvedAt))
                .or(problem::Column::State.is_in(OPEN)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let wishes = wish::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .column(wish::Column::CreatedAt)
        .column(wish::Column::FulfilledAt)
        .join(
            JoinType::InnerJoin,
            region_of::<wish::Entity>(wish::Column::RegionId),
        )
        .filter(under)
        .filter(wish::Column::Status.is_not_in([WishStatus::PendingReview, WishStatus::Rejected]))
        .filter(
            (wish::Column::CreatedAt
                .gte(range.starts_at)
                .and(wish::Column::CreatedAt.lt(range.ends_at)))
            .or(wish::Column::FulfilledAt
                .gte(range.starts_at)
                .and(wish::Column::FulfilledAt.lt(range.ends_at))),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Civic {
        activities,
        problems,
        wishes,
        range: *range,
    })
}

/// Problem-list items still waiting for someone to solve them.
const OPEN: [ProblemState; 4] = [
    ProblemState::Accepted,
    ProblemState::Published,
    ProblemState::Claimed,
    ProblemState::Escalated,
];

/// `E` joined to the region its `column` names.
fn region_of<E: EntityTrait>(column: impl sea_orm::IdentityOf<E>) -> sea_orm::RelationDef {
    E::belongs_to(region::Entity)
        .from(column)
        .to(region::Column::Id)
        .into()
}

impl Civic {
    fn within(&self, at: DateTime<Utc>) -> bool {
        at >= self.range.starts_at && at < self.range.ends_at
    }

    pub fn activities_under(&self, path: &str) -> ActivityStats {
        let mut out = ActivityStats::default();
        for (p, status, signups, attended) in &self.activities {
            if !p.starts_with(path) {
                continue;
            }
            if *status == ActivityStatus::Cancelled {
                out.cancelled += 1;
            } else {
                out.held += 1;
                out.signups += signups;
                out.attended += attended;
            }
        }
        out
    }

    pub fn problems_under(&self, path: &str) -> ProblemStats {
        let mine = || self.problems.iter().filter(|p| p.0.starts_with(path));
        ProblemStats {
            filed: mine().filter(|p| self.within(p.2)).count() as i64,
            resolved: mine().filter(|p| p.3.is_some_and(|t| self.within(t))).count() as i64,
            open_now: mine().filter(|p| OPEN.contains(&p.1)).count() as i64,
        }
    }

    pub fn wishes_under(&self, path: &str) -> WishStats {
        let mine = || self.wishes.iter().filter(|w| w.0.starts_with(path));
        WishStats {
            posted: mine().filter(|w| self.within(w.1)).count() as i64,
            fulfilled: mine().filter(|w| w.2.is_some_and(|t| self.within(t))).count() as i64,
        }
    }
}
