//! The month's facts under a region, one query per kind of row, each bounded to the month.

use crate::db::{count_i64, sum_i64};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::account::{self, Asset, OwnerKind};
use entity::member_report::{self, ReportStatus};
use entity::problem::{self, ProblemState};
use entity::problem_event::{self, ProblemAction};
use entity::project::{self, ProjectState};
use entity::region::{self, RegionKind};
use entity::service_order::{self, OrderStatus};
use entity::transfer::{self, Phase};
use entity::{order_event, service_record, unit, user, whistle};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, JoinType, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};

/// A China month: `[start, end)`.
#[derive(Debug, Clone)]
pub struct Month {
    pub label: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Ids of the regions under `root` (itself included).
fn subtree(root: &region::Model) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(region::Column::Id)
        .from(region::Entity)
        .and_where(region::Column::Path.starts_with(&root.path))
        .to_owned()
}

/// The names of users `ids`.
pub async fn user_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    Ok(user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Name])
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// A member's month: minutes credited (corrections included, when they were made) and services.
#[derive(Debug, Clone)]
pub struct MemberFacts {
    pub user_id: i64,
    pub name: String,
    pub minutes: i64,
    pub services: i64,
}

pub async fn members(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<Vec<MemberFacts>> {
    let rows: Vec<(i64, i64, i64)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::UserId)
        .column_as(sum_i64(Expr::col(service_record::Column::Minutes)), "minutes")
        .column_as(count_i64(Expr::col(service_record::Column::Id)), "services")
        .filter(service_record::Column::CommunityId.in_subquery(subtree(root)))
        .filter(service_record::Column::CreatedAt.gte(m.start))
        .filter(service_record::Column::CreatedAt.lt(m.end))
        .group_by(service_record::Column::UserId)
        .into_tuple()
        .all(conn)
        .await?;
    let names = user_names(conn, rows.iter().map(|r| r.0)).await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, minutes, services)| MemberFacts {
            name: names.get(&user_id).cloned().unwrap_or_default(),
            user_id,
            minutes,
            services,
        })
        .collect())
}

/// A community's month: orders closed and how they were rated; clock interventions on its
/// orders (escalated, returned, released, flagged by the clock); problems passed to the street.
#[derive(Debug, Clone, Default)]
pub struct CommunityFacts {
    pub region_id: i64,
    pub name: String,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub poor: i64,
    pub overdue: i64,
    pub problems_resolved: i64,
    pub problems_passed_up: i64,
}

/// The community (under `root`) a path lies in.
fn community_of<'a>(communities: &'a [region::Model], path: &str) -> Option<&'a region::Model> {
    communities.iter().find(|c| path.starts_with(&c.path))
}

pub async fn communities(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<Vec<CommunityFacts>> {
    let communities = region::Entity::find()
        .filter(region::Column::Kind.eq(RegionKind::Community))
        .filter(region::Column::Path.starts_with(&root.path))
        .all(conn)
        .await?;
    let mut facts: Vec<CommunityFacts> = communities
        .iter()
        .map(|c| CommunityFacts {
            region_id: c.id,
            name: c.name.clone(),
            ..Default::default()
        })
        .collect();
    let at = |path: &str| -> Option<usize> {
        let c = community_of(&communities, path)?;
        facts.iter().position(|f| f.region_id == c.id)
    };
    let origin = || {
        service_order::Entity::belongs_to(region::Entity)
            .from(service_order::Column::OriginRegionId)
            .to(region::Column::Id)
            .into()
    };
    // Orders closed in the month, with their ratings (fixed when closed).
    let closed: Vec<(String, Option<i16>)> = service_order::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .column(service_order::Column::Rating)
        .join(JoinType::InnerJoin, origin())
        .filter(region::Column::Path.starts_with(&root.path))
        .filter(service_order::Column::Status.eq(OrderStatus::Closed))
        .filter(service_order::Column::ClosedAt.gte(m.start))
        .filter(service_order::Column::ClosedAt.lt(m.end))
        .into_tuple()
        .all(conn)
        .await?;
    let mut rows = vec![];
    for (path, rating) in closed {
        rows.push((at(&path), rating));
    }
    // The clock's interventions in the month (timeline rows, never edited).
    let clock_actions = [
        order_event::Action::Escalate,
        order_event::Action::ReturnToDispatcher,
        order_event::Action::ReleaseToPool,
        order_event::Action::ServiceOverdue,
    ];
    let overdue: Vec<String> = order_event::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .join(
            JoinType::InnerJoin,
            order_event::Entity::belongs_to(service_order::Entity)
                .from(order_event::Column::OrderId)
                .to(service_order::Column::Id)
                .into(),
        )
        .join(JoinType::InnerJoin, origin())
        .filter(region::Column::Path.starts_with(&root.path))
        .filter(order_event::Column::ActorId.is_null())
        .filter(order_event::Column::Action.is_in(clock_actions))
        .filter(order_event::Column::CreatedAt.gte(m.start))
        .filter(order_event::Column::CreatedAt.lt(m.end))
        .into_tuple()
        .all(conn)
        .await?;
    let overdue_at: Vec<Option<usize>> = overdue.iter().map(|p| at(p)).collect();
    // Problems of the communities: resolved in the month, and passed to the street in it.
    let ids: Vec<i64> = communities.iter().map(|c| c.id).collect();
    let resolved: Vec<i64> = problem::Entity::find()
        .select_only()
        .column(problem::Column::CommunityId)
        .filter(problem::Column::CommunityId.is_in(ids.clone()))
        .filter(problem::Column::State.eq(ProblemState::Resolved))
        .filter(problem::Column::ResolvedAt.gte(m.start))
        .filter(problem::Column::ResolvedAt.lt(m.end))
        .into_tuple()
        .all(conn)
        .await?;
    let passed: Vec<i64> = passed_up(conn, ids, m)
        .await?
        .into_iter()
        .map(|(community, _)| community)
        .collect();
    for (i, rating) in rows.into_iter().filter_map(|(i, r)| i.map(|i| (i, r))) {
        let f = &mut facts[i];
        f.closed += 1;
        if let Some(r) = rating {
            f.rated += 1;
            f.satisfied += i64::from(r >= 4);
            f.poor += i64::from(r <= 2);
        }
    }
    for i in overdue_at.into_iter().flatten() {
        facts[i].overdue += 1;
    }
    for c in resolved {
        if let Some(f) = facts.iter_mut().find(|f| f.region_id == c) {
            f.problems_resolved += 1;
        }
    }
    for c in passed {
        if let Some(f) = facts.iter_mut().find(|f| f.region_id == c) {
            f.problems_passed_up += 1;
        }
    }
    Ok(facts)
}

/// Problems of `communities` passed to the street in the month: (community, unit that held it).
async fn passed_up(
    conn: &impl ConnectionTrait,
    communities: Vec<i64>,
    m: &Month,
) -> AppResult<Vec<(i64, Option<i64>)>> {
    Ok(problem_event::Entity::find()
        .select_only()
        .column(problem::Column::CommunityId)
        .column(problem::Column::OwnerUnitId)
        .join(
            JoinType::InnerJoin,
            problem_event::Entity::belongs_to(problem::Entity)
                .from(problem_event::Column::ProblemId)
                .to(problem::Column::Id)
                .into(),
        )
        .filter(problem::Column::CommunityId.is_in(communities))
        .filter(problem_event::Column::Action.eq(ProblemAction::Escalated))
        .filter(problem_event::Column::At.gte(m.start))
        .filter(problem_event::Column::At.lt(m.end))
        .into_tuple()
        .all(conn)
        .await?)
}

/// A department's month on whistles made under the region: resolved (and on time), reports and
/// resolutions whose deadline fell in the month and was missed (by `now`, for the current month).
#[derive(Debug, Clone, Default)]
pub struct DepartmentFacts {
    pub unit_id: i64,
    pub name: String,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub late_reports: i64,
    pub late_resolutions: i64,
}

pub async fn departments(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
    now: DateTime<Utc>,
) -> AppResult<Vec<DepartmentFacts>> {
    let window =
        |col: whistle::Column| -> SimpleExpr { col.gte(m.start).and(col.lt(m.end)).and(col.lt(now)) };
    let rows = whistle::Entity::find()
        .filter(whistle::Column::RegionId.in_subquery(subtree(root)))
        .filter(
            window(whistle::Column::RespondBy)
                .or(window(whistle::Column::ResolveBy))
                .or(whistle::Column::ResolvedAt
                    .gte(m.start)
                    .and(whistle::Column::ResolvedAt.lt(m.end))),
        )
        .find_also_related(unit::Entity)
        .all(conn)
        .await?;
    let mut facts: Vec<DepartmentFacts> = vec![];
    let in_month = |t: DateTime<Utc>| t >= m.start && t < m.end;
    for (w, u) in rows {
        let i = match facts.iter().position(|f| f.unit_id == w.unit_id) {
            Some(i) => i,
            None => {
                facts.push(DepartmentFacts {
                    unit_id: w.unit_id,
                    name: u.map(|u| u.name).unwrap_or_default(),
                    ..Default::default()
                });
                facts.len() - 1
            }
        };
        let f = &mut facts[i];
        if let Some(done) = w.resolved_at.filter(|t| in_month(*t)) {
            f.resolved += 1;
            f.resolved_on_time += i64::from(done <= w.resolve_by);
        }
        if in_month(w.respond_by) && w.respond_by < now && w.acknowledged_at.is_none_or(|t| t > w.respond_by)
        {
            f.late_reports += 1;
        }
        if in_month(w.resolve_by) && w.resolve_by < now && w.resolved_at.is_none_or(|t| t > w.resolve_by) {
            f.late_resolutions += 1;
        }
    }
    Ok(facts)
}

/// A reported unit's month in the communities under the region: problems it resolved and
/// co-building projects it completed in the month, and problems it held when they passed to the
/// street unresolved.
#[derive(Debug, Clone, Default)]
pub struct UnitFacts {
    pub unit_id: i64,
    pub name: String,
    pub resolved: i64,
    pub passed_up_unresolved: i64,
    pub projects_done: i64,
}

pub async fn units(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<Vec<UnitFacts>> {
    let communities: Vec<i64> = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(region::Column::Kind.eq(RegionKind::Community))
        .filter(region::Column::Path.starts_with(&root.path))
        .into_tuple()
        .all(conn)
        .await?;
    let resolved: Vec<i64> = problem::Entity::find()
        .select_only()
        .column(problem::Column::OwnerUnitId)
        .filter(problem::Column::CommunityId.is_in(communities.clone()))
        .filter(problem::Column::OwnerUnitId.is_not_null())
        .filter(problem::Column::State.eq(ProblemState::Resolved))
        .filter(problem::Column::ResolvedAt.gte(m.start))
        .filter(problem::Column::ResolvedAt.lt(m.end))
        .into_tuple::<Option<i64>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let passed: Vec<i64> = passed_up(conn, communities.clone(), m)
        .await?
        .into_iter()
        .filter_map(|(_, unit)| unit)
        .collect();
    let done: Vec<i64> = project::Entity::find()
        .select_only()
        .column(project::Column::OwnerUnitId)
        .filter(project::Column::CommunityId.is_in(communities))
        .filter(project::Column::State.eq(ProjectState::Done))
        .filter(project::Column::DoneAt.gte(m.start))
        .filter(project::Column::DoneAt.lt(m.end))
        .into_tuple::<Option<i64>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let ids: Vec<i64> = resolved
        .iter()
        .chain(passed.iter())
        .chain(done.iter())
        .copied()
        .collect();
    let names: HashMap<i64, String> = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Id, unit::Column::Name])
        .filter(unit::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut facts: Vec<UnitFacts> = vec![];
    let mut entry = |id: i64| -> usize {
        if let Some(i) = facts.iter().position(|f| f.unit_id == id) {
            return i;
        }
        facts.push(UnitFacts {
            unit_id: id,
            name: names.get(&id).cloned().unwrap_or_default(),
            ..Default::default()
        });
        facts.len() - 1
    };
    let resolved_at: Vec<usize> = resolved.into_iter().map(&mut entry).collect();
    let passed_at: Vec<usize> = passed.into_iter().map(&mut entry).collect();
    let done_at: Vec<usize> = done.into_iter().map(&mut entry).collect();
    for i in resolved_at {
        facts[i].resolved += 1;
    }
    for i in passed_at {
        facts[i].passed_up_unresolved += 1;
    }
    for i in done_at {
        facts[i].projects_done += 1;
    }
    Ok(facts)
}

/// Green coins each member earned in the month from the pools of the communities under the
/// region: posted coin transfers pool → member (awards, staff grants) less member → pool
/// (corrections and reversals of them), by when they were written. Donations and redemptions
/// move coins between people and stores, not out of a pool, and do not count.
pub async fn coins_earned(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<HashMap<i64, i64>> {
    let pools: HashSet<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::OwnerKind.eq(OwnerKind::Pool))
        .filter(account::Column::Asset.eq(Asset::Coin))
        .filter(account::Column::OwnerId.in_subquery(subtree(root)))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if pools.is_empty() {
        return Ok(HashMap::new());
    }
    let moves: Vec<(i64, i64, i64)> = transfer::Entity::find()
        .select_only()
        .columns([
            transfer::Column::DebitAccountId,
            transfer::Column::CreditAccountId,
            transfer::Column::Amount,
        ])
        .filter(transfer::Column::CreatedAt.gte(m.start))
        .filter(transfer::Column::CreatedAt.lt(m.end))
        .filter(transfer::Column::Asset.eq(Asset::Coin))
        .filter(transfer::Column::Phase.eq(Phase::Posted))
        .filter(
            transfer::Column::DebitAccountId
                .is_in(pools.iter().copied())
                .or(transfer::Column::CreditAccountId.is_in(pools.iter().copied())),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_account: HashMap<i64, i64> = HashMap::new();
    for (debit, credit, amount) in moves {
        match (pools.contains(&debit), pools.contains(&credit)) {
            (true, false) => *by_account.entry(credit).or_default() += amount,
            (false, true) => *by_account.entry(debit).or_default() -= amount,
            _ => {}
        }
    }
    let owners: Vec<(i64, i64)> = account::Entity::find()
        .select_only()
        .columns([account::Column::Id, account::Column::OwnerId])
        .filter(account::Column::Id.is_in(by_account.keys().copied()))
        .filter(account::Column::OwnerKind.eq(OwnerKind::User))
        .into_tuple()
        .all(conn)
        .await?;
    let mut coins: HashMap<i64, i64> = HashMap::new();
    for (account, user) in owners {
        *coins.entry(user).or_default() += by_account[&account];
    }
    Ok(coins)
}

/// Orders placed under the region and closed in the month, by the member who served them, with
/// their ratings (fixed when closed): `(member, rating)`.
pub async fn closed_orders(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<Vec<(i64, Option<i16>)>> {
    Ok(service_order::Entity::find()
        .select_only()
        .column(service_order::Column::AssigneeId)
        .column(service_order::Column::Rating)
        .filter(service_order::Column::Status.eq(OrderStatus::Closed))
        .filter(service_order::Column::ClosedAt.gte(m.start))
        .filter(service_order::Column::ClosedAt.lt(m.end))
        .filter(service_order::Column::AssigneeId.is_not_null())
        .filter(service_order::Column::OriginRegionId.in_subquery(subtree(root)))
        .into_tuple::<(Option<i64>, Option<i16>)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(member, rating)| member.map(|member| (member, rating)))
        .collect())
}

/// A unit reported to a community under the region (双报到), with the members whose reports
/// it had approved by the month's end.
#[derive(Debug, Clone)]
pub struct ReportedUnit {
    pub unit_id: i64,
    pub name: String,
    pub members: Vec<i64>,
}

pub async fn reported_units(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    m: &Month,
) -> AppResult<Vec<ReportedUnit>> {
    let units: Vec<(i64, String)> = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Id, unit::Column::Name])
        .filter(unit::Column::CommunityId.in_subquery(subtree(root)))
        .filter(unit::Column::Department.eq(false))
        .into_tuple()
        .all(conn)
        .await?;
    let reports: Vec<(Option<i64>, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::UnitId)
        .column(member_report::Column::UserId)
        .filter(member_report::Column::UnitId.is_in(units.iter().map(|u| u.0)))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .filter(member_report::Column::ReviewedAt.lt(m.end))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(units
        .into_iter()
        .map(|(unit_id, name)| ReportedUnit {
            members: reports
                .iter()
                .filter(|r| r.0 == Some(unit_id))
                .map(|r| r.1)
                .collect(),
            unit_id,
            name,
        })
        .collect())
}
