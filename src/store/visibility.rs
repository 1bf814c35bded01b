//! Who may do what at a store, its goods and its redemptions. The rules answer 404 where the
//! caller cannot see the store (its community is not theirs), 403 where they see it but lack
//! the role. The HTTP extractors in `crate::access::store` apply them.

use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::regions::cache::RegionCache;
use entity::role_grant::Role;
use entity::{goods, redemption, region, store};
use sea_orm::{ConnectionTrait, EntityTrait};

/// Who may hand goods over and see a store's redemptions.
pub const COUNTER_ROLES: &[Role] = &[Role::Clerk, Role::Staff];

/// A store and the community it belongs to.
pub struct Located {
    pub store: store::Model,
    pub community: region::Model,
}

/// The store and its community (from the in-process region tree).
pub async fn locate(conn: &impl ConnectionTrait, regions: &RegionCache, store_id: i64) -> AppResult<Located> {
    let store = store::Entity::find_by_id(store_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let community = regions.find(conn, store.community_id).await?;
    Ok(Located { store, community })
}

impl Located {
    /// The caller sees the store: belongs to its community or oversees it.
    pub fn visitor(&self, p: &Principal) -> AppResult<()> {
        p.see_community(&self.community)
    }

    /// The caller runs the store's counter (a clerk of its community, or staff).
    pub fn counter(&self, p: &Principal) -> AppResult<()> {
        p.authorize(&self.community, COUNTER_ROLES)
    }

    /// The caller manages the store (staff of its community).
    pub fn manager(&self, p: &Principal) -> AppResult<()> {
        p.authorize(&self.community, &[Role::Staff])
    }

    /// The caller may redeem here: sees the store and belongs to its community.
    pub fn customer(&self, p: &Principal) -> AppResult<()> {
        self.visitor(p)?;
        if !p.belongs_to(&self.community) {
            return Err(AppError::new(ErrorCode::Forbidden).with_detail("只能在自己所在社区的爱心超市兑换"));
        }
        Ok(())
    }
}

/// Goods with the store it is on.
pub async fn goods_at(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    goods_id: i64,
) -> AppResult<(goods::Model, Located)> {
    let g = goods::Entity::find_by_id(goods_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let at = locate(conn, regions, g.store_id).await?;
    Ok((g, at))
}

/// A redemption with the store it was made at.
pub async fn redemption_at(
    conn: &impl ConnectionTrait,
    regions: &RegionCache,
    id: i64,
) -> AppResult<(redemption::Model, Located)> {
    let r = redemption::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let at = locate(conn, regions, r.store_id).await?;
    Ok((r, at))
}

/// In which capacity the caller looks at a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Buyer,
    Counter,
}

/// The buyer alone: anyone else is told it does not exist.
pub fn buyer(p: &Principal, r: &redemption::Model) -> AppResult<Party> {
    if r.buyer_id == p.id() {
        Ok(Party::Buyer)
    } else {
        Err(AppError::new(ErrorCode::NotFound))
    }
}

/// The buyer, or the counter of the store it was made at.
pub fn party(p: &Principal, r: &redemption::Model, at: &Located) -> AppResult<Party> {
    if r.buyer_id == p.id() {
        return Ok(Party::Buyer);
    }
    at.counter(p)?;
    Ok(Party::Counter)
}
