//! The teams of a region's communities, as a caller may see them.

use super::manage::{TeamOut, totals_of};
use crate::api::{Page, PageQuery, cut};
use crate::auth::principal::Principal;
use crate::error::AppResult;
use crate::regions::cache::RegionCache;
use entity::region::{self, RegionKind};
use entity::team;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Teams of the communities under `root` (for a region inside a community, of that community)
/// that `p` may see one by one (`GET /teams/{id}`), newest first. 404 when `p` may not see
/// `root` (or its community) at all.
pub async fn in_region(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    root: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<TeamOut>> {
    let root = regions
        .community_of(conn, root)
        .await?
        .unwrap_or_else(|| root.clone());
    p.see_community(&root)?;
    let communities: Vec<i64> = crate::regions::tree::subtree(conn, &root)
        .await?
        .into_iter()
        .filter(|r| r.kind == RegionKind::Community && p.see_community(r).is_ok())
        .map(|r| r.id)
        .collect();
    let limit = q.limit();
    let mut query = team::Entity::find()
        .filter(team::Column::CommunityId.is_in(communities))
        .order_by_desc(team::Column::Id)
        .limit(limit + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(team::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, limit, |t| t.id);
    Ok(Page {
        items: totals_of(conn, rows, p.id()).await?,
        next_cursor,
    })
}
