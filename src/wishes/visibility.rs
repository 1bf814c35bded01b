//! How a caller stands to one wish, and whether they see it at all: the poster, staff over the
//! place it was posted, the claimer, and people of its community while it is open (or, for a
//! claim, once it has been taken). Everyone else is told it does not exist.

use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use entity::region;
use entity::role_grant::Role;
use entity::wish::{self, WishStatus};
use sea_orm::{ConnectionTrait, EntityTrait};

/// How the caller stands to a wish.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub poster: bool,
    /// Staff (or admin) over the region it was posted in.
    pub staff: bool,
    pub claimer: bool,
    /// Belongs to its community (a resident, member, unit admin … there).
    pub neighbour: bool,
}

/// A wish with where it was posted and how the caller stands to it.
pub struct Seen {
    pub wish: wish::Model,
    pub region: region::Model,
    pub community: region::Model,
    pub standing: Standing,
}

impl Standing {
    pub fn of(p: &Principal, w: &wish::Model, region: &region::Model, community: &region::Model) -> Standing {
        Standing {
            poster: w.resident_id == p.id(),
            staff: p.covers(&region.path, &[Role::Staff]),
            claimer: w.claimer_id == Some(p.id()),
            neighbour: p.belongs_to(community),
        }
    }

    /// Sees the wish at all (`GET /wishes/{id}` and the steps).
    pub fn sees(&self, status: WishStatus) -> bool {
        self.poster || self.staff || self.claimer || (self.neighbour && status == WishStatus::Open)
    }

    /// May try to claim it: sees it, or is of its community and it was taken (told so, 409).
    pub fn may_try_claim(&self, status: WishStatus) -> bool {
        self.sees(status)
            || (self.neighbour
                && matches!(
                    status,
                    WishStatus::Claimed | WishStatus::Fulfilled | WishStatus::Confirmed
                ))
    }
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::WishNotFound)
}

/// The wish `id` as the caller stands to it; 404 `WISH_NOT_FOUND` when it does not exist or
/// `shown(standing, status)` says the caller may not see it.
pub async fn locate(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    p: &Principal,
    id: i64,
    shown: impl Fn(&Standing, WishStatus) -> bool,
) -> AppResult<Seen> {
    let wish = wish::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    let region = regions.find(conn, wish.region_id).await?;
    let community = regions.find(conn, wish.community_id).await?;
    let standing = Standing::of(p, &wish, &region, &community);
    if !shown(&standing, wish.status) {
        return Err(not_found());
    }
    Ok(Seen {
        wish,
        region,
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
