//! 爱心超市 (love supermarket): each community's store, its goods, and redemptions of green coins
//! for goods. Coins are held when a redemption is made and posted to the store's account when
//! the clerk hands the goods over against the pickup code; cancel or expiry voids the hold and
//! returns the stock, once.
//!
//! Lock order, the same in every transaction that takes more than one: the redemption row (a new
//! one with its pickup code, or the one being resolved), then goods rows by id, then the buyer's
//! account, then the store's account.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod buying;
pub mod catalogue;
mod codes;
pub mod goods;
pub mod listing;
pub mod pickup;
pub mod redemptions;
pub mod routes;
pub mod settlement;
pub mod view;
pub mod visibility;
