//! Routes on `/orders/{id}/…`: the order as the caller stands to it.

use crate::auth::Principal;
use crate::error::{AppError, ErrorCode};
use crate::orders::visibility::{self, Standing};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::service_order;
use futures_util::future::LocalBoxFuture;

/// An order the caller sees (404 otherwise), with how they stand to it; each action checks
/// the standing it needs and answers 403 in its own words.
pub struct OrderAccess {
    pub principal: Principal,
    pub order: service_order::Model,
    pub standing: Standing,
}

impl FromRequest for OrderAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let state = super::state_of(req);
        let id = order_id(req);
        Box::pin(async move {
            let principal = principal.await?;
            let (state, id) = (state?, id?);
            let (order, standing) = visibility::visible(&state.db, &principal, id).await?;
            Ok(OrderAccess {
                principal,
                order,
                standing,
            })
        })
    }
}

/// A published order the caller may claim (抢单); see [`visibility::claimable`] for the answers
/// otherwise.
pub struct ClaimAccess {
    pub principal: Principal,
    pub order: service_order::Model,
}

impl FromRequest for ClaimAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let state = super::state_of(req);
        let id = order_id(req);
        Box::pin(async move {
            let principal = principal.await?;
            let (state, id) = (state?, id?);
            let order = crate::orders::service::find(&state.db, id).await?;
            visibility::claimable(&state.db, &principal, &order).await?;
            Ok(ClaimAccess { principal, order })
        })
    }
}

/// The `{id}` segment read as [`crate::extract::PathId`] reads it (canonical ids only), as these
/// routes did before they had an extractor.
fn order_id(req: &HttpRequest) -> Result<i64, AppError> {
    req.match_info()
        .get("id")
        .and_then(crate::api::parse_id)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}
