//! Routes on `/stores/{id}/…`, `/goods/{id}/…` and `/redemptions/{id}/…`: the store the caller
//! may use in the capacity the route needs (rules in `crate::store::visibility`).

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::store::visibility::{self, Located, Party};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use entity::{goods, redemption};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// The capacity a store route needs.
pub trait StoreNeed {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError>;
}

/// 本社区成员或上级区域（可见即可）
pub struct Visitor;
impl StoreNeed for Visitor {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError> {
        at.visitor(p)
    }
}

/// 店员或社区工作者
pub struct Counter;
impl StoreNeed for Counter {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError> {
        at.counter(p)
    }
}

/// 社区工作者
pub struct Manager;
impl StoreNeed for Manager {
    fn check(at: &Located, p: &Principal) -> Result<(), AppError> {
        at.manager(p)
    }
}

/// A caller with `N` at the store named by the `{id}` path segment.
pub struct StoreAccess<N: StoreNeed> {
    pub principal: Principal,
    pub at: Located,
    _need: PhantomData<N>,
}

impl<N: StoreNeed + 'static> FromRequest for StoreAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let at = visibility::locate(&state.db, &state.regions, id).await?;
            N::check(&at, &principal)?;
            Ok(StoreAccess {
                principal,
                at,
                _need: PhantomData,
            })
        })
    }
}

/// A manager of the store the goods named by `{id}` is on.
pub struct GoodsAccess {
    pub principal: Principal,
    pub goods: goods::Model,
    pub at: Located,
}

impl FromRequest for GoodsAccess {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let (goods, at) = visibility::goods_at(&state.db, &state.regions, id).await?;
            at.manager(&principal)?;
            Ok(GoodsAccess { principal, goods, at })
        })
    }
}

/// Who a redemption route is for.
pub trait RedemptionNeed {
    fn check(p: &Principal, r: &redemption::Model, at: &Located) -> Result<Party, AppError>;
}

/// 兑换人本人
pub struct Buyer;
impl RedemptionNeed for Buyer {
    fn check(p: &Principal, r: &redemption::Model, _: &Located) -> Result<Party, AppError> {
        visibility::buyer(p, r)
    }
}

/// 兑换人本人，或该超市的店员与社区工作者
pub struct BuyerOrCounter;
impl RedemptionNeed for BuyerOrCounter {
    fn check(p: &Principal, r: &redemption::Model, at: &Located) -> Result<Party, AppError> {
        visibility::party(p, r, at)
    }
}

/// The redemption named by `{id}`, seen by a caller with `N`, in the capacity they act in.
pub struct RedemptionAccess<N: RedemptionNeed> {
    pub principal: Principal,
    pub redemption: redemption::Model,
    pub at: Located,
    pub party: Party,
    _need: PhantomData<N>,
}

impl<N: RedemptionNeed + 'static> FromRequest for RedemptionAccess<N> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        super::request::on_object(req, payload, async |state, principal, id| {
            let (redemption, at) = visibility::redemption_at(&state.db, &state.regions, id).await?;
            let party = N::check(&principal, &redemption, &at)?;
            Ok(RedemptionAccess {
                principal,
                redemption,
                at,
                party,
                _need: PhantomData,
            })
        })
    }
}
