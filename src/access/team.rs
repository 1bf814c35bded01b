//! Routes on `/teams/{id}/…`: a team of a community the caller belongs to or oversees (404
//! otherwise).

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::teams::manage::{self, Located};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The team named by `{id}`, seen by the caller.
pub struct TeamAccess {
    pub principal: Principal,
    pub at: Located,
}

impl FromRequest for TeamAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let at = manage::locate(&state.db, &state.regions, id).await?;
            principal.see_community(&at.community)?;
            Ok(TeamAccess { principal, at })
        })
    }
}
