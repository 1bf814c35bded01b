//! Routes on `/service-items/{id}`: the caller holds a role over the item's community.

use super::region::Need;
use crate::auth::Principal;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::{region, service_item};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// A service item whose community the caller holds `N` over.
pub struct ServiceItemAccess<N: Need> {
    pub principal: Principal,
    pub item: service_item::Model,
    pub community: region::Model,
    _need: PhantomData<N>,
}

impl<N: Need + 'static> FromRequest for ServiceItemAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async move |state, principal, id| {
            let item = crate::orders::items::find(&state.db, id).await?;
            let community = state.regions.find(&state.db, item.community_id).await?;
            principal.authorize(&community, N::ROLES)?;
            Ok(ServiceItemAccess {
                principal,
                item,
                community,
                _need: PhantomData,
            })
        })
    }
}
