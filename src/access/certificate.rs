//! Routes on `/certificates/{number}/…` that need a login: the holder's certificate, or one issued
//! by a community the caller is staff over (anyone else: 404, as for an unknown number).

use crate::auth::principal::Principal;
use crate::certificates::facts::Facts;
use crate::certificates::lookup;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The certificate named by `{number}`, with its frozen facts.
pub struct CertificateAccess {
    pub principal: Principal,
    pub facts: Facts,
}

impl FromRequest for CertificateAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let state = super::request::state_of(req);
        let number = req.match_info().get("number").unwrap_or_default().to_owned();
        Box::pin(async move {
            let principal = principal.await?;
            let facts = lookup::entitled(&state?.db, &principal, &number).await?;
            Ok(CertificateAccess { principal, facts })
        })
    }
}
