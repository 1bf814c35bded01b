//! Routes for system administrators only (a role at the root of the region tree).

use crate::auth::principal::Principal;
use crate::error::{AppError, ErrorCode};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A caller who is a system administrator; anyone else logged in is refused with 403.
pub struct SystemAdmin {
    pub principal: Principal,
}

impl FromRequest for SystemAdmin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let principal = principal.await?;
            if !principal.is_system_admin() {
                return Err(AppError::new(ErrorCode::Forbidden));
            }
            Ok(SystemAdmin { principal })
        })
    }
}
