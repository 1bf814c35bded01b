//! Routes on `/resources/{id}/…`, `/needs/{id}/…` and `/projects/{id}/…`: the object as the
//! caller stands to its community (rules in `crate::projects::visibility`); 404 outside it. Each
//! action checks the standing it needs and answers 403.

use crate::auth::Principal;
use crate::error::AppError;
use crate::projects::needs::{self, SeenNeed};
use crate::projects::resources::{self, SeenResource};
use crate::projects::steps::{self, SeenProject};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The resource named by `{id}`, if the caller sees it (404 `RESOURCE_NOT_FOUND` otherwise).
pub struct ResourceAccess {
    pub principal: Principal,
    pub seen: SeenResource,
}

impl FromRequest for ResourceAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let seen = resources::locate(&state, &principal, id).await?;
            Ok(ResourceAccess { principal, seen })
        })
    }
}

/// The need named by `{id}`, if the caller sees it (404 `NEED_NOT_FOUND` otherwise).
pub struct NeedAccess {
    pub principal: Principal,
    pub seen: SeenNeed,
}

impl FromRequest for NeedAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let seen = needs::locate(&state, &principal, id).await?;
            Ok(NeedAccess { principal, seen })
        })
    }
}

/// The project named by `{id}`, if the caller sees it (404 `PROJECT_NOT_FOUND` otherwise).
pub struct ProjectAccess {
    pub principal: Principal,
    pub seen: SeenProject,
}

impl FromRequest for ProjectAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let seen = steps::locate(&state, &principal, id).await?;
            Ok(ProjectAccess { principal, seen })
        })
    }
}
