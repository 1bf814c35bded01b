//! Routes on `/problems/{id}/…` and `/meetings/{id}`: the item as the caller stands to it (rules
//! in `crate::problems::visibility`), and a meeting for staff over its community. Each action
//! checks the standing it needs and answers 403.

use crate::auth::Principal;
use crate::error::AppError;
use crate::problems::meetings::{self, MeetingOut};
use crate::problems::visibility::{self, Seen};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The item named by `{id}`, if the caller sees it (404 `PROBLEM_NOT_FOUND` otherwise).
pub struct ProblemAccess {
    pub principal: Principal,
    pub seen: Seen,
}

impl FromRequest for ProblemAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let seen = visibility::locate(&state.db, &state.regions, &principal, id).await?;
            Ok(ProblemAccess { principal, seen })
        })
    }
}

/// The meeting named by `{id}`, for staff over its community (404 `MEETING_NOT_FOUND` otherwise).
pub struct MeetingAccess {
    pub principal: Principal,
    pub meeting: MeetingOut,
}

impl FromRequest for MeetingAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let meeting = meetings::find(&state, &principal, id).await?;
            Ok(MeetingAccess { principal, meeting })
        })
    }
}
