//! How a caller stands to one item of a problem list, and whether they see it at all: staff over
//! where it was filed or over the region that owns it see everything; a unit admin of a unit
//! reported to its community sees the published list and its own claims; people of the community
//! see the published list. Everyone else is told it does not exist.

use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use entity::problem::{self, ProblemState};
use entity::region;
use entity::role_grant::Role;
use sea_orm::{ConnectionTrait, EntityTrait};

/// The states everyone of the community may see: the published list and what became of it.
pub const PUBLIC: [ProblemState; 4] = [
    ProblemState::Published,
    ProblemState::Claimed,
    ProblemState::Escalated,
    ProblemState::Resolved,
];

/// How the caller stands to an item.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// Staff (or admin) over where it was filed, or over the region that owns it.
    pub staff: bool,
    /// Staff over the region that owns it (the community, or the street once passed up).
    pub owning_staff: bool,
    /// A unit admin for the unit that claimed it.
    pub owner: bool,
    /// A unit admin for a unit reported to its community.
    pub unit_here: bool,
    /// Belongs to its community (a resident, member, unit admin … there).
    pub neighbour: bool,
}

impl Standing {
    pub fn sees(&self, state: ProblemState) -> bool {
        self.staff || self.owner || ((self.unit_here || self.neighbour) && PUBLIC.contains(&state))
    }

    /// Reads the item in full (description, photos, log), but for the filer's identity.
    pub fn reads_details(&self) -> bool {
        self.staff || self.owner || self.unit_here
    }
}

/// The units `p` administers that are reported to `community`.
pub fn units_here(p: &Principal, community_id: i64) -> Vec<i64> {
    p.grants
        .iter()
        .filter(|g| g.role == Role::UnitAdmin && g.region_id == community_id)
        .filter_map(|g| g.unit_id)
        .collect()
}

/// An item with where it was filed, the region owning it and how the caller stands to it.
pub struct Seen {
    pub problem: problem::Model,
    pub community: region::Model,
    pub standing: Standing,
}

pub fn standing(
    p: &Principal,
    it: &problem::Model,
    filed_at: &region::Model,
    owner: &region::Model,
    community: &region::Model,
) -> Standing {
    let owning_staff = p.covers(&owner.path, &[Role::Staff]);
    Standing {
        staff: owning_staff || p.covers(&filed_at.path, &[Role::Staff]),
        owning_staff,
        owner: it.owner_unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
        unit_here: !units_here(p, community.id).is_empty(),
        neighbour: p.belongs_to(community),
    }
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::ProblemNotFound)
}

/// The item `id` as the caller stands to it; 404 `PROBLEM_NOT_FOUND` when it does not exist or
/// the caller may not see it.
pub async fn locate(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    id: i64,
) -> AppResult<Seen> {
    let problem = problem::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    let filed_at = regions.find(conn, problem.region_id).await?;
    let owner = regions.find(conn, problem.owner_region_id).await?;
    let community = regions.find(conn, problem.community_id).await?;
    let standing = standing(p, &problem, &filed_at, &owner, &community);
    if !standing.sees(problem.state) {
        return Err(not_found());
    }
    Ok(Seen {
        problem,
        community,
        standing,
    })
}

/// 403 with `detail` unless `allowed`.
pub fn require(allowed: bool, detail: &str) -> AppResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden).with_detail(detail))
    }
}
