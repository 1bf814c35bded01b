//! Routes on `/wishes/{id}/…`: the wish as the caller stands to it (rules in
//! `crate::wishes::visibility`). Each action checks the standing it needs and answers 403.

use crate::auth::Principal;
use crate::error::AppError;
use crate::wishes::visibility::{self, Seen, Standing};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::wish::WishStatus;
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// Which wishes a route shows the caller; the rest answer 404 `WISH_NOT_FOUND`.
pub trait WishNeed {
    fn shown(s: &Standing, status: WishStatus) -> bool;
}

/// 发布人、工作者、认领人；待认领时本社区的人
pub struct Seeing;
impl WishNeed for Seeing {
    fn shown(s: &Standing, status: WishStatus) -> bool {
        s.sees(status)
    }
}

/// 认领：另含本社区的人看已被认领的心愿（答 409 `WISH_ALREADY_CLAIMED` 而非 404）
pub struct Claiming;
impl WishNeed for Claiming {
    fn shown(s: &Standing, status: WishStatus) -> bool {
        s.may_try_claim(status)
    }
}

/// The wish named by `{id}`, shown to the caller as `N` says, with how they stand to it.
pub struct WishAccess<N: WishNeed = Seeing> {
    pub principal: Principal,
    pub seen: Seen,
    _need: PhantomData<N>,
}

impl<N: WishNeed + 'static> FromRequest for WishAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let seen = visibility::locate(&state.db, &state.regions, &principal, id, N::shown).await?;
            Ok(WishAccess {
                principal,
                seen,
                _need: PhantomData,
            })
        })
    }
}
