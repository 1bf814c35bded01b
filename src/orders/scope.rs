//! Scoped order queries: which orders a region's staff or a member may be shown.

use crate::auth::Principal;
use entity::role_grant::Role;
use entity::{region, service_order};
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

/// Orders a region's staff follow: owned by the region or below, or placed there and escalated
/// since. Needs the query joined to the owning region.
pub fn in_region(root: &region::Model) -> Condition {
    Condition::any()
        .add(region::Column::Path.starts_with(&root.path))
        .add(placed_in(root))
}

/// Orders placed in the region or below, wherever they went since.
pub fn placed_in(root: &region::Model) -> SimpleExpr {
    service_order::Column::OriginRegionId.in_subquery(
        Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Path.starts_with(&root.path))
            .to_owned(),
    )
}

/// Published orders a member could be near: in or below, or above, their member regions.
pub fn near_member(p: &Principal) -> Condition {
    let mut any = Condition::any();
    for g in p.grants.iter().filter(|g| g.role == Role::Member) {
        let above: Vec<i64> = g.region_path.split('/').filter_map(|s| s.parse().ok()).collect();
        any = any
            .add(region::Column::Path.starts_with(&g.region_path))
            .add(service_order::Column::RegionId.is_in(above));
    }
    any
}

/// Two regions are near when either lies under the other.
pub fn near_path(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A member's grant relates to `path` when either lies under the other.
pub fn member_near(p: &Principal, path: &str) -> bool {
    p.grants
        .iter()
        .any(|g| g.role == Role::Member && near_path(path, &g.region_path))
}
