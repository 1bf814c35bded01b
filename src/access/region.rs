//! Routes on `/regions/{id}/…`: the caller holds a role over that region.

use crate::auth::principal::Principal;
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

    /// 404 when the caller cannot see the region, 403 when they see it but lack the role.
    fn check(p: &Principal, region: &region::Model) -> Result<(), AppError> {
        p.authorize(region, Self::ROLES)
    }
}

/// 任何登录用户（区域树可浏览；需要的角色由领域规则按请求判断，如授予角色）
pub struct Browse;
impl Need for Browse {
    const ROLES: &'static [Role] = &[];
    fn check(_: &Principal, _: &region::Model) -> Result<(), AppError> {
        Ok(())
    }
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
        super::request::on_object(req, payload, async move |state, principal, id| {
            let region = state.regions.find(&state.db, id).await?;
            N::check(&principal, &region)?;
            Ok(RegionAccess {
                principal,
                region,
                _need: PhantomData,
            })
        })
    }
}

/// The community of the `{id}` region, for a caller who belongs to it or oversees it (404
/// otherwise): its shared things (service items, stores) are shown to them.
pub struct CommunityAccess {
    pub principal: Principal,
    pub community: region::Model,
}

impl FromRequest for CommunityAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async move |state, principal, id| {
            let community = state.regions.community_seen_by(&state.db, &principal, id).await?;
            Ok(CommunityAccess { principal, community })
        })
    }
}
