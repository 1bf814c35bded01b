//! Routes on `/transfers/{id}/…`: only system administrators act on single transfers (403 for
//! anyone else, whether or not it exists); an id naming no transfer answers 404.

use super::admin::SystemAdmin;
use crate::auth::principal::Principal;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::transfer;
use futures_util::future::LocalBoxFuture;

/// A system administrator and the transfer named by the `{id}` path segment.
pub struct TransferAccess {
    pub principal: Principal,
    pub transfer: transfer::Model,
}

impl FromRequest for TransferAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = SystemAdmin::from_request(req, payload);
        let state = super::request::state_of(req);
        let id = super::request::path_id(req);
        Box::pin(async move {
            let SystemAdmin { principal } = admin.await?;
            let (state, id) = (state?, id?);
            let transfer = crate::ledger::transfers::find(&state.db, id).await?;
            Ok(TransferAccess { principal, transfer })
        })
    }
}
