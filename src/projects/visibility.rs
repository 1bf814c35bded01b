//! How a caller stands to a community's co-building lists: staff over the community (or above)
//! see everything; admins of units reported to it see its lists and their own things in full;
//! people of the community (residents, members) see the public side. Everyone else is told the
//! object does not exist (404); lists of a region the caller knows of but does not belong to
//! answer 403, like other region lists.

use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait};

/// How the caller stands to one community.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// Staff (or admin) over the community.
    pub staff: bool,
    /// Admin of a unit reported to the community.
    pub unit_here: bool,
    /// Holds any role in the community (resident, member, unit admin…).
    pub neighbour: bool,
}

impl Standing {
    pub fn of(p: &Principal, community: &region::Model) -> Standing {
        Standing {
            staff: p.covers(&community.path, &[Role::Staff]),
            unit_here: !units_here(p, community.id).is_empty(),
            neighbour: p.belongs_to(community),
        }
    }

    pub fn sees(&self) -> bool {
        self.staff || self.unit_here || self.neighbour
    }
}

/// The units `p` administers that are reported to `community_id`.
pub fn units_here(p: &Principal, community_id: i64) -> Vec<i64> {
    p.grants
        .iter()
        .filter(|g| g.role == Role::UnitAdmin && g.region_id == community_id)
        .filter_map(|g| g.unit_id)
        .collect()
}

/// Whether `p` administers `unit_id`.
pub fn admin_of(p: &Principal, unit_id: Option<i64>) -> bool {
    unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u))
}

/// The community of `id`'s region; 404 `not_found` when the caller may not see it.
pub async fn community_for(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    community_id: i64,
    not_found: ErrorCode,
) -> AppResult<(region::Model, Standing)> {
    let community = regions.find(conn, community_id).await?;
    let standing = Standing::of(p, &community);
    if !standing.sees() {
        return Err(AppError::new(not_found));
    }
    Ok((community, standing))
}

/// The community `at` lies in (itself when it is one); 422 above a community.
pub async fn community_of(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    at: &region::Model,
) -> AppResult<region::Model> {
    if matches!(at.kind, RegionKind::County | RegionKind::Street) {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("须为社区或其下的网格、楼栋"));
    }
    regions
        .community_of(conn, at)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::RegionKindInvalid).with_detail("该区域不在任何社区内"))
}

/// Which communities a list over a region covers.
pub enum Scope {
    /// One community (the region is it, or lies in it).
    Community(i64),
    /// Every community under a street or county (staff over it).
    Under(String),
}

impl Scope {
    /// `col` (a community id column) within the scope.
    pub fn filter(&self, col: impl ColumnTrait) -> SimpleExpr {
        match self {
            Scope::Community(id) => col.eq(*id),
            Scope::Under(path) => col.in_subquery(
                Query::select()
                    .column(region::Column::Id)
                    .from(region::Entity)
                    .and_where(region::Column::Path.starts_with(path))
                    .to_owned(),
            ),
        }
    }
}

/// The scope of a list over `root` and how the caller stands to it: a street or county lists
/// every community under it, for staff over it; a community or a region in it lists that
/// community's, for whoever sees the community. A caller who knows the region but may not list
/// it is refused (403), anyone else told nothing (404).
pub async fn list_scope(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    root: &region::Model,
    what: &str,
) -> AppResult<(Scope, Standing)> {
    let seen = match regions.community_of(conn, root).await? {
        Some(c) => Some(Standing::of(p, &c))
            .filter(|s| s.sees())
            .map(|s| (Scope::Community(c.id), s)),
        None => p.covers(&root.path, &[Role::Staff]).then(|| {
            let staff = Standing {
                staff: true,
                ..Default::default()
            };
            (Scope::Under(root.path.clone()), staff)
        }),
    };
    match seen {
        Some(seen) => Ok(seen),
        None if p.sees(&root.path) => {
            Err(AppError::new(ErrorCode::Forbidden).with_detail(format!("只能查看自己所在社区的{what}")))
        }
        None => Err(AppError::new(ErrorCode::NotFound)),
    }
}

/// 403 with `detail` unless `allowed`.
pub fn require(allowed: bool, detail: &str) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden).with_detail(detail))
    }
}
