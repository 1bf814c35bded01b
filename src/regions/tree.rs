//! The tree itself: nodes, their kinds and paths, finding, creating and moving them.

use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use entity::role_grant::{self, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;
use utoipa::ToSchema;

/// 区域节点
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionOut {
    pub id: Id,
    /// 上级区域；顶级为 null
    pub parent_id: Option<Id>,
    pub kind: RegionKind,
    /// 名称，如“和平社区”
    pub name: String,
    /// 对应的党组织名称（党委 / 党支部 / 党小组）
    pub party_org: Option<String>,
    /// 负责人（印在本社区开具的志愿服务记录证明上）
    pub leader_name: Option<String>,
    /// 联系电话（印在证明上）
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<region::Model> for RegionOut {
    fn from(r: region::Model) -> RegionOut {
        RegionOut {
            id: Id(r.id),
            parent_id: r.parent_id.map(Id),
            kind: r.kind,
            name: r.name,
            party_org: r.party_org,
            leader_name: r.leader_name,
            contact_phone: r.contact_phone,
            created_at: r.created_at,
        }
    }
}

/// Grants `role` on `region` unless it is already held there.
pub async fn ensure_grant(
    conn: &impl ConnectionTrait,
    user_id: i64,
    region_id: i64,
    role: Role,
    unit_id: Option<i64>,
    by: i64,
) -> Result<(), DbErr> {
    let grant = role_grant::ActiveModel {
        user_id: Set(user_id),
        region_id: Set(region_id),
        role: Set(role),
        unit_id: Set(unit_id),
        granted_by: Set(Some(by)),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    role_grant::Entity::insert(grant)
        .on_conflict_do_nothing_on([
            role_grant::Column::UserId,
            role_grant::Column::RegionId,
            role_grant::Column::Role,
        ])
        .exec(conn)
        .await?;
    Ok(())
}

/// The ids on a region's path (`/1/4/9/`), the region itself last.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The region, or 404.
pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<region::Model> {
    region::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// The community a region lies in (itself when it is one).
pub async fn community_of(
    conn: &impl ConnectionTrait,
    r: &region::Model,
) -> AppResult<Option<region::Model>> {
    let ids: Vec<i64> = r.path.split('/').filter_map(|s| s.parse().ok()).collect();
    Ok(region::Entity::find()
        .filter(region::Column::Id.is_in(ids))
        .filter(region::Column::Kind.eq(region::RegionKind::Community))
        .one(conn)
        .await?)
}

/// The region, locked for the rest of the transaction where the database supports row locks.
pub async fn find_for_update(conn: &impl ConnectionTrait, id: i64) -> AppResult<region::Model> {
    region::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// The node and everything under it, parents before children.
pub async fn subtree(conn: &impl ConnectionTrait, root: &region::Model) -> AppResult<Vec<region::Model>> {
    Ok(region::Entity::find()
        .filter(region::Column::Path.starts_with(&root.path))
        .order_by_asc(region::Column::Path)
        .all(conn)
        .await?)
}

pub async fn children(conn: &impl ConnectionTrait, parent: Option<i64>) -> AppResult<Vec<region::Model>> {
    let filter = match parent {
        Some(id) => region::Column::ParentId.eq(id),
        None => region::Column::ParentId.is_null(),
    };
    Ok(region::Entity::find()
        .filter(filter)
        .order_by_asc(region::Column::Id)
        .all(conn)
        .await?)
}

/// The only kind a child of `parent` may have: kinds nest strictly in order.
pub fn child_kind(parent: RegionKind) -> Option<RegionKind> {
    match parent {
        RegionKind::County => Some(RegionKind::Street),
        RegionKind::Street => Some(RegionKind::Community),
        RegionKind::Community => Some(RegionKind::Grid),
        RegionKind::Grid => Some(RegionKind::Building),
        RegionKind::Building => None,
    }
}

pub struct NewRegion<'a> {
    pub kind: RegionKind,
    pub name: &'a str,
    pub party_org: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("a {child:?} cannot be placed under a {parent:?}")]
    BadNesting { parent: RegionKind, child: RegionKind },
    #[error("a sibling is already named so")]
    NameTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<RegionError> for AppError {
    fn from(e: RegionError) -> AppError {
        match e {
            RegionError::BadNesting { .. } => AppError::new(ErrorCode::RegionKindInvalid),
            RegionError::NameTaken => AppError::new(ErrorCode::RegionNameTaken),
            RegionError::Db(e) => e.into(),
        }
    }
}

pub fn check_nesting(parent: Option<&region::Model>, kind: RegionKind) -> Result<(), RegionError> {
    match parent {
        Some(p) if child_kind(p.kind) != Some(kind) => Err(RegionError::BadNesting {
            parent: p.kind,
            child: kind,
        }),
        _ => Ok(()),
    }
}

pub async fn sibling_named(
    conn: &impl ConnectionTrait,
    parent: Option<i64>,
    name: &str,
) -> Result<Option<region::Model>, DbErr> {
    let parent_filter = match parent {
        Some(id) => region::Column::ParentId.eq(id),
        None => region::Column::ParentId.is_null(),
    };
    region::Entity::find()
        .filter(parent_filter)
        .filter(region::Column::Name.eq(name))
        .one(conn)
        .await
}

/// Creates a node under `parent` (a root when `None`), keeping kinds in order and sibling names unique.
pub async fn create(
    conn: &impl ConnectionTrait,
    parent: Option<&region::Model>,
    new: NewRegion<'_>,
) -> Result<region::Model, RegionError> {
    check_nesting(parent, new.kind)?;
    // The unique index cannot see NULL parents: roots are checked here.
    if sibling_named(conn, parent.map(|p| p.id), new.name)
        .await?
        .is_some()
    {
        return Err(RegionError::NameTaken);
    }
    let now = Utc::now();
    let inserted = region::ActiveModel {
        parent_id: Set(parent.map(|p| p.id)),
        kind: Set(new.kind),
        name: Set(new.name.to_owned()),
        party_org: Set(new.party_org.map(str::to_owned)),
        path: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => RegionError::NameTaken,
        _ => RegionError::Db(e),
    })?;
    // The path holds the node's own id, known only after the insert.
    let path = format!("{}{}/", parent.map_or("/", |p| p.path.as_str()), inserted.id);
    let mut active: region::ActiveModel = inserted.into();
    active.path = Set(path);
    Ok(active.update(conn).await?)
}

/// Finds the child of `parent` with this name, or creates it. Returns the node and whether it is new.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    parent: Option<&region::Model>,
    new: NewRegion<'_>,
) -> Result<(region::Model, bool), RegionError> {
    check_nesting(parent, new.kind)?;
    if let Some(found) = sibling_named(conn, parent.map(|p| p.id), new.name).await? {
        return Ok((found, false));
    }
    Ok((create(conn, parent, new).await?, true))
}

/// Moves `node` (with its subtree) under `new_parent`. The caller checked who may.
pub async fn move_under(
    conn: &impl ConnectionTrait,
    node: &region::Model,
    new_parent: &region::Model,
) -> AppResult<region::Model> {
    if new_parent.path.starts_with(&node.path) {
        return Err(AppError::new(ErrorCode::RegionMoveInvalid).with_detail("不能移到自身或下级之下"));
    }
    check_nesting(Some(new_parent), node.kind)?;
    if sibling_named(conn, Some(new_parent.id), &node.name)
        .await?
        .is_some()
    {
        return Err(AppError::new(ErrorCode::RegionNameTaken));
    }
    let new_path = format!("{}{}/", new_parent.path, node.id);
    let now = Utc::now();
    for r in subtree(conn, node).await? {
        let path = format!("{new_path}{}", &r.path[node.path.len()..]);
        let is_node = r.id == node.id;
        let mut a: region::ActiveModel = r.into();
        a.path = Set(path);
        if is_node {
            a.parent_id = Set(Some(new_parent.id));
        }
        a.updated_at = Set(now);
        a.update(conn).await?;
    }
    find(conn, node.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_nest_strictly_in_order() {
        let chain = [
            RegionKind::County,
            RegionKind::Street,
            RegionKind::Community,
            RegionKind::Grid,
            RegionKind::Building,
        ];
        for pair in chain.windows(2) {
            assert_eq!(child_kind(pair[0]), Some(pair[1]));
        }
        assert_eq!(child_kind(RegionKind::Building), None);
        assert_ne!(child_kind(RegionKind::County), Some(RegionKind::Community));
    }
}
