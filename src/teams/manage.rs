//! Forming a team, joining and leaving it, and its totals.

use crate::api::Id;
use crate::auth::principal::Principal;
use crate::db::{count_i64, sum_i64};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use chrono::Utc;
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::{activity, activity_signup as signup, team, team_member, unit, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use validator::Validate;

/// 成立志愿服务队
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    #[validate(length(min = 1, max = 64, message = "队名为 1 到 64 个字"))]
    #[schema(example = "和平社区助老服务队", min_length = 1, max_length = 64)]
    pub name: String,
    /// 队长（自动成为队员）
    pub leader_id: Id,
    /// 所属驻区单位（单位管理员成立时必填）
    pub unit_id: Option<Id>,
}

/// 志愿服务队
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    pub id: Id,
    pub community_id: Id,
    pub unit_id: Option<Id>,
    pub name: String,
    pub leader_id: Id,
    pub leader_name: String,
    /// 队员人数
    pub members: i64,
    /// 限本队参加的活动累计计入的服务时长（分钟）
    pub credited_minutes: i64,
    /// 我是否在队中
    pub joined: bool,
}

/// A team and its community.
pub struct Located {
    pub team: team::Model,
    pub community: region::Model,
}

/// The team named by `id`, or 404.
pub async fn locate(conn: &impl ConnectionTrait, regions: &RegionCache, id: i64) -> AppResult<Located> {
    let team = team::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let community = regions.find(conn, team.community_id).await?;
    Ok(Located { team, community })
}

/// Forms a team in `community`: its staff, or an admin of a unit reported there (for the unit).
pub async fn form(
    db: &DatabaseConnection,
    p: &Principal,
    community: &region::Model,
    body: TeamIn,
) -> AppResult<TeamOut> {
    if community.kind != RegionKind::Community {
        p.authorize(community, &[Role::Staff])?;
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("志愿服务队须成立在社区"));
    }
    let unit = body.unit_id.map(|u| u.0);
    let unit_admin = unit.is_some_and(|u| p.unit_ids().any(|own| own == u));
    if !unit_admin {
        p.authorize(community, &[Role::Staff])?;
    }
    if let Some(u) = unit {
        let found = unit::Entity::find_by_id(u).one(db).await?;
        if found.is_none_or(|f| f.community_id != community.id) {
            return Err(AppError::new(ErrorCode::UnitNotInCommunity));
        }
    }
    let leader = user::Entity::find_by_id(body.leader_id.0)
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound))?;
    let t = crate::db::write(db, async |txn| {
        create(txn, community.id, unit, &body.name, leader.id, p.id()).await
    })
    .await?;
    totals(db, t, p.id()).await
}

/// Inserts a team of `community_id` led by `leader_id`, its first member, in the caller's
/// transaction (`by` formed it).
pub async fn create(
    conn: &impl ConnectionTrait,
    community_id: i64,
    unit: Option<i64>,
    name: &str,
    leader_id: i64,
    by: i64,
) -> AppResult<team::Model> {
    let t = team::ActiveModel {
        community_id: Set(community_id),
        unit_id: Set(unit),
        name: Set(name.to_owned()),
        leader_id: Set(leader_id),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::TeamNameTaken),
        _ => e.into(),
    })?;
    add(conn, t.id, leader_id).await?;
    Ok(t)
}

async fn add(conn: &impl ConnectionTrait, team_id: i64, user_id: i64) -> AppResult<()> {
    team_member::ActiveModel {
        team_id: Set(team_id),
        user_id: Set(user_id),
        joined_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::AlreadyInTeam),
        _ => e.into(),
    })?;
    Ok(())
}

/// The caller joins the team (they must belong to its community).
pub async fn join(db: &DatabaseConnection, p: &Principal, at: &Located) -> AppResult<TeamOut> {
    if !p.belongs_to(&at.community) {
        return Err(AppError::new(ErrorCode::Forbidden).with_detail("只能加入自己所在社区的志愿服务队"));
    }
    if super::membership::is_member(db, at.team.id, p.id()).await? {
        return Err(AppError::new(ErrorCode::AlreadyInTeam));
    }
    add(db, at.team.id, p.id()).await?;
    totals(db, at.team.clone(), p.id()).await
}

/// The caller leaves the team; the leader cannot (staff name another leader first).
pub async fn leave(db: &DatabaseConnection, p: &Principal, at: &Located) -> AppResult<TeamOut> {
    if at.team.leader_id == p.id() {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("队长不能退出志愿服务队"));
    }
    let gone = team_member::Entity::delete_many()
        .filter(team_member::Column::TeamId.eq(at.team.id))
        .filter(team_member::Column::UserId.eq(p.id()))
        .exec(db)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::new(ErrorCode::NotInTeam));
    }
    totals(db, at.team.clone(), p.id()).await
}

/// The team with its totals, as `viewer` sees it.
pub async fn totals(conn: &impl ConnectionTrait, t: team::Model, viewer: i64) -> AppResult<TeamOut> {
    let mut out = totals_of(conn, vec![t], viewer).await?;
    out.pop().ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// Teams with their totals, as `viewer` sees them, in the order given. A team's total is the
/// minutes credited in the activities limited to it (`eligibility = team`).
pub async fn totals_of(
    conn: &impl ConnectionTrait,
    teams: Vec<team::Model>,
    viewer: i64,
) -> AppResult<Vec<TeamOut>> {
    let ids: Vec<i64> = teams.iter().map(|t| t.id).collect();
    let members: HashMap<i64, i64> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::TeamId)
        .column_as(count_i64(Expr::col(team_member::Column::Id)), "n")
        .filter(team_member::Column::TeamId.is_in(ids.iter().copied()))
        .group_by(team_member::Column::TeamId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let minutes: HashMap<i64, Option<i64>> = signup::Entity::find()
        .select_only()
        .column(activity::Column::TeamId)
        .column_as(sum_i64(Expr::col(signup::Column::CreditedMinutes)), "m")
        .inner_join(activity::Entity)
        .filter(activity::Column::TeamId.is_in(ids.iter().copied()))
        .group_by(activity::Column::TeamId)
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let leaders: Vec<i64> = teams.iter().map(|t| t.leader_id).collect();
    let names = crate::activities::view::names(conn, &leaders).await?;
    let joined: HashSet<i64> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::TeamId)
        .filter(team_member::Column::TeamId.is_in(ids.iter().copied()))
        .filter(team_member::Column::UserId.eq(viewer))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(teams
        .into_iter()
        .map(|t| TeamOut {
            id: Id(t.id),
            community_id: Id(t.community_id),
            unit_id: t.unit_id.map(Id),
            leader_name: names.get(&t.leader_id).cloned().unwrap_or_default(),
            members: members.get(&t.id).copied().unwrap_or(0),
            credited_minutes: minutes.get(&t.id).copied().flatten().unwrap_or(0),
            joined: joined.contains(&t.id),
            name: t.name,
            leader_id: Id(t.leader_id),
        })
        .collect())
}
