//! 爱心超市 (love supermarket): each community's store, its goods, and redemptions of green coins
//! for goods. Coins are held when a redemption is made and posted to the store's account when
//! the clerk hands the goods over against the pickup code; cancel or expiry voids the hold and
//! returns the stock, once.
//!
//! Lock order, the same in every transaction that takes more than one: the redemption row (a new
//! one with its pickup code, or the one being resolved), then goods rows by id, then the buyer's
//! account, then the store's account.

pub mod catalogue;
mod handlers;
mod pickup;
pub mod redemptions;
mod settlement;

use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::role_grant::Role;
use entity::{region, store};
use sea_orm::{ConnectionTrait, EntityTrait};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(catalogue::create_store)
        .service(catalogue::list_stores)
        .service(catalogue::get_store)
        .service(catalogue::update_store)
        .service(catalogue::create_goods)
        .service(catalogue::list_goods)
        .service(catalogue::update_goods)
        .service(catalogue::add_stock)
        .service(catalogue::stock_history)
        .service(handlers::redeem)
        .service(handlers::cancel)
        .service(handlers::my_redemptions)
        .service(handlers::get_redemption)
        .service(handlers::store_redemptions)
        .service(handlers::pick_up)
        .service(settlement::settlement);
}

/// Who may hand goods over and see a store's redemptions.
pub const COUNTER_ROLES: &[Role] = &[Role::Clerk, Role::Staff];

/// A store and the community it belongs to.
pub struct Located {
    pub store: store::Model,
    pub community: region::Model,
}

pub async fn locate(conn: &impl ConnectionTrait, store_id: i64) -> AppResult<Located> {
    let store = store::Entity::find_by_id(store_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let community = crate::regions::find(conn, store.community_id).await?;
    Ok(Located { store, community })
}

impl Located {
    /// The caller runs the store's counter (a clerk of its community, or staff).
    pub fn counter(&self, p: &Principal) -> AppResult<()> {
        p.authorize(&self.community, COUNTER_ROLES)
    }

    /// The caller manages the store (staff of its community).
    pub fn manager(&self, p: &Principal) -> AppResult<()> {
        p.authorize(&self.community, &[Role::Staff])
    }
}
