//! 职能部门: units attached to a street or the county, whistled from that region's subtree.

use crate::api::Page;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::Pii;
use crate::regions::tree::path_ids;
use crate::reports::units::{UnitIn, UnitOut};
use entity::region::{self, RegionKind};
use entity::unit;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Registers a department at `region` (a street or the county).
pub async fn create(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    region: &region::Model,
    actor: i64,
    body: UnitIn,
) -> AppResult<UnitOut> {
    if !matches!(region.kind, RegionKind::Street | RegionKind::County) {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("职能部门须设在街道或县"));
    }
    crate::reports::units::insert(conn, pii, region.id, actor, body, true).await
}

/// Departments staff of `region` may whistle: those attached to it or to a region above it.
pub async fn reachable(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    region: &region::Model,
) -> AppResult<Page<UnitOut>> {
    let rows = unit::Entity::find()
        .filter(unit::Column::Department.eq(true))
        .filter(unit::Column::CommunityId.is_in(path_ids(&region.path)))
        .order_by_asc(unit::Column::Id)
        .all(conn)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(|u| UnitOut::new(u, pii)).collect(),
        next_cursor: None,
    })
}

/// The department `id`, when staff of `region` may whistle it.
pub async fn whistleable(
    conn: &impl ConnectionTrait,
    region: &region::Model,
    id: i64,
) -> AppResult<unit::Model> {
    unit::Entity::find_by_id(id)
        .filter(unit::Column::Department.eq(true))
        .filter(unit::Column::CommunityId.is_in(path_ids(&region.path)))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::DepartmentInvalid))
}
