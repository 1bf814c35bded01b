//! Routes on `/regions/{id}/…`: the caller holds a role over that region.

use crate::auth::Principal;
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::region;
use entity::role_grant::Role;
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// The roles a route needs.
pub trait Need {
    const ROLES: &'static [Role];
}

/// 管理员（含上级区域管理员）
pub struct AdminRole;
impl Need for AdminRole {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// 社区工作者或管理员
pub struct StaffRole;
impl Need for StaffRole {
    const ROLES: &'static [Role] = &[Role::Staff];
}

/// A caller holding `N` over the region named by the `{id}` path segment.
pub struct RegionAccess<N: Need> {
    pub principal: Principal,
    pub region: region::Model,
    _need: PhantomData<N>,
}

impl<N: Need + 'static> FromRequest for RegionAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let state = super::state_of(req);
        let id = super::path_id(req);
        Box::pin(async move {
            let principal = principal.await?;
            let (state, id) = (state?, id?);
            let region = crate::regions::find(&state.db, id).await?;
            principal.authorize(&region, N::ROLES)?;
            Ok(RegionAccess {
                principal,
                region,
                _need: PhantomData,
            })
        })
    }
}
