//! Routes on `/activities/{id}/…`: the activity the caller may see or run (rules in
//! `crate::activities::visibility`).

use crate::activities::visibility::{self, Located};
use crate::auth::principal::Principal;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// The capacity an activity route needs.
pub trait ActivityNeed {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError>;
}

/// 本社区成员或上级区域（可见即可）
pub struct Participant;
impl ActivityNeed for Participant {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError> {
        at.viewer(p)
    }
}

/// 活动所在区域的社区工作者，或组织单位的管理员
pub struct Organiser;
impl ActivityNeed for Organiser {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError> {
        at.organiser(p)
    }
}

/// A caller with `N` on the activity named by the `{id}` path segment.
pub struct ActivityAccess<N: ActivityNeed> {
    pub principal: Principal,
    pub at: Located,
    _need: PhantomData<N>,
}

impl<N: ActivityNeed + 'static> FromRequest for ActivityAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let at = visibility::locate(&state.db, &state.regions, id).await?;
            N::check(&at, &principal)?;
            Ok(ActivityAccess {
                principal,
                at,
                _need: PhantomData,
            })
        })
    }
}
