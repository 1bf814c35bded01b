//! Routes on `/reports/{id}/…` and `/units/{id}/…` (rules in `crate::reports::visibility`).

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::reports::visibility;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::{member_report, unit};
use futures_util::future::LocalBoxFuture;

/// A member's report named by `{id}`, and a caller who staffs the community it was made to.
pub struct ReportAccess {
    pub principal: Principal,
    pub report: member_report::Model,
}

impl FromRequest for ReportAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let report = visibility::reviewable(&state.db, &principal, id).await?;
            Ok(ReportAccess { principal, report })
        })
    }
}

/// The unit named by `{id}`, and a caller who administers it or staffs its community.
pub struct UnitAccess {
    pub principal: Principal,
    pub unit: unit::Model,
}

impl FromRequest for UnitAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let unit = visibility::visible_unit(&state.db, &principal, id).await?;
            Ok(UnitAccess { principal, unit })
        })
    }
}
