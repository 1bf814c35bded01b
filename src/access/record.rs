//! Routes on `/service-records/{id}/…`: a row of a volunteer's record, corrected by staff over
//! the region that organised the service (rules in `crate::records::corrections`).

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::records::corrections::{self, Located};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The row named by `{id}`, which the caller may correct.
pub struct RecordAccess {
    pub principal: Principal,
    pub at: Located,
}

impl FromRequest for RecordAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let at = corrections::locate(&state.db, &state.regions, id).await?;
            at.corrector(&principal)?;
            Ok(RecordAccess { principal, at })
        })
    }
}
