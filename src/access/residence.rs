//! Routes on `/residences/{id}/…`: a declaration the caller reviews as staff over its place.

use crate::auth::principal::Principal;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::residence;
use futures_util::future::LocalBoxFuture;

/// The declaration named by the `{id}` path segment, with a caller who is staff over its place.
pub struct ResidenceAccess {
    pub principal: Principal,
    pub residence: residence::Model,
}

impl FromRequest for ResidenceAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async move |state, principal, id| {
            let residence = crate::residences::review::reviewable(&state.db, &principal, id).await?;
            Ok(ResidenceAccess { principal, residence })
        })
    }
}
