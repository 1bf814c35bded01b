//! Lists of activities: a region's (staff), mine (signed up), and upcoming near me.

use super::view::{ActivityOut, AttendanceOut, counts, position, with_counts};
use crate::api::{Page, PageQuery, cut};
use crate::auth::principal::Principal;
use crate::error::AppResult;
use crate::regions::cache::RegionCache;
use chrono::Utc;
use entity::activity::{self, ActivityStatus};
use entity::activity_signup as signup;
use entity::region;
use entity::role_grant::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// Activities under `root` (its whole subtree), newest first.
pub async fn in_region(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<ActivityOut>> {
    let limit = q.limit();
    let mut query = activity::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path))
        .order_by_desc(activity::Column::Id)
        .limit(limit + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(activity::Column::Id.lt(before));
    }
    page(conn, query.all(conn).await?, limit).await
}

async fn page(
    conn: &impl ConnectionTrait,
    mut rows: Vec<activity::Model>,
    limit: u64,
) -> AppResult<Page<ActivityOut>> {
    let next_cursor = cut(&mut rows, limit, |a| a.id);
    Ok(Page {
        items: with_counts(conn, rows).await?,
        next_cursor,
    })
}

/// Activities not yet over in the communities the caller lives in (and their grids), newest
/// first.
pub async fn upcoming(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    q: &PageQuery,
) -> AppResult<Page<ActivityOut>> {
    let mut communities = HashSet::new();
    for g in p.grants.iter().filter(|g| g.role == Role::Resident) {
        let r = regions.find(conn, g.region_id).await?;
        if let Some(c) = regions.community_of(conn, &r).await? {
            communities.insert(c.id);
        }
    }
    let limit = q.limit();
    let mut query = activity::Entity::find()
        .filter(activity::Column::CommunityId.is_in(communities))
        .filter(activity::Column::Status.eq(ActivityStatus::Published))
        .filter(activity::Column::EndsAt.gt(Utc::now()))
        .order_by_desc(activity::Column::Id)
        .limit(limit + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(activity::Column::Id.lt(before));
    }
    page(conn, query.all(conn).await?, limit).await
}

/// 我报名的活动
#[derive(Debug, Serialize, ToSchema)]
pub struct MineOut {
    pub activity: ActivityOut,
    pub signup: AttendanceOut,
}

/// The caller's signups, newest first; the cursor is the signup's id.
pub async fn mine(conn: &impl ConnectionTrait, user_id: i64, q: &PageQuery) -> AppResult<Page<MineOut>> {
    let limit = q.limit();
    let mut query = signup::Entity::find()
        .filter(signup::Column::UserId.eq(user_id))
        .order_by_desc(signup::Column::Id)
        .limit(limit + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(signup::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, limit, |s| s.id);
    let ids: Vec<i64> = rows.iter().map(|s| s.activity_id).collect();
    let activities: HashMap<i64, activity::Model> = activity::Entity::find()
        .filter(activity::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let counts = counts(conn, &ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for s in rows {
        let Some(a) = activities.get(&s.activity_id).cloned() else {
            continue;
        };
        let c = counts.get(&a.id).copied().unwrap_or_default();
        let pos = position(conn, &s).await?;
        items.push(MineOut {
            activity: ActivityOut::new(a, c),
            signup: AttendanceOut::new(s, pos, None),
        });
    }
    Ok(Page { items, next_cursor })
}

/// The caller's own signup to one activity, if any.
pub async fn my_signup(
    conn: &impl ConnectionTrait,
    activity_id: i64,
    user_id: i64,
) -> AppResult<Option<AttendanceOut>> {
    let Some(s) = super::signup::mine(conn, activity_id, user_id).await? else {
        return Ok(None);
    };
    let pos = position(conn, &s).await?;
    Ok(Some(AttendanceOut::new(s, pos, None)))
}

/// One activity with its counts and the caller's signup.
pub async fn one(conn: &impl ConnectionTrait, a: activity::Model, user_id: i64) -> AppResult<ActivityOut> {
    let id = a.id;
    let mut out = super::publish::detail(conn, a).await?;
    out.mine = my_signup(conn, id, user_id).await?;
    Ok(out)
}
