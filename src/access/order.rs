//! Routes on `/orders/{id}/…`: the order as the caller stands to it.

use crate::auth::Principal;
use crate::error::AppError;
use crate::orders::view::OrderRead;
use crate::orders::visibility::{self, Standing};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::{service_order, user};
use futures_util::future::LocalBoxFuture;

/// An order the caller sees (404 otherwise), with how they stand to it; each action checks
/// the standing it needs and answers 403 in its own words.
pub struct OrderAccess {
    pub principal: Principal,
    pub order: service_order::Model,
    /// The order's resident and member, read with it.
    pub people: Vec<user::Model>,
    pub standing: Standing,
}

impl FromRequest for OrderAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async move |state, principal, id| {
            let seen = visibility::visible(&state, &principal, id, false).await?;
            Ok(OrderAccess {
                principal,
                order: seen.read.order,
                people: seen.read.people,
                standing: seen.standing,
            })
        })
    }
}

/// An order the caller sees, read with its people and timeline in one statement (订单详情).
pub struct OrderReadAccess {
    pub principal: Principal,
    pub read: OrderRead,
}

impl FromRequest for OrderReadAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async move |state, principal, id| {
            let seen = visibility::visible(&state, &principal, id, true).await?;
            Ok(OrderReadAccess {
                principal,
                read: seen.read,
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
        super::request::on_object(req, payload, async move |state, principal, id| {
            let order = crate::orders::service::find(&state.db, id).await?;
            visibility::claimable(&state, &principal, &order).await?;
            Ok(ClaimAccess { principal, order })
        })
    }
}
