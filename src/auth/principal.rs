//! Who is calling, and over which part of the region tree they may act.
//!
//! A handler that needs a login declares a [`Principal`]; one that acts on a region declares
//! [`RegionAccess<N>`], naming the role it needs. Objects outside everything the caller can see
//! answer 404 (their existence is not disclosed); visible but beyond the caller's role, 403.

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use entity::region;
use entity::role_grant::{self, Role};
use entity::user;
use futures_util::future::LocalBoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::marker::PhantomData;

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
    pub region_id: i64,
    pub region_path: String,
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: user::Model,
    pub jti: String,
    pub token_exp: i64,
    /// When the caller last logged in (Unix time; 0 when unknown). Refreshes keep it.
    pub auth_time: i64,
    pub grants: Vec<Grant>,
}

/// Admin can do whatever staff can; every other role stands alone.
pub fn satisfies(held: Role, needed: Role) -> bool {
    held == needed || (held == Role::Admin && needed == Role::Staff)
}

impl Principal {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// Logged in (not merely refreshed) less than `within` ago.
    pub fn logged_in_within(&self, within: std::time::Duration) -> bool {
        let age = chrono::Utc::now().timestamp() - self.auth_time;
        self.auth_time > 0 && age < within.as_secs() as i64
    }

    pub fn is_system_admin(&self) -> bool {
        self.user.is_system_admin
    }

    /// Holds one of `roles` on `path` or an ancestor of it.
    pub fn covers(&self, path: &str, roles: &[Role]) -> bool {
        self.is_system_admin()
            || self
                .grants
                .iter()
                .any(|g| path.starts_with(&g.region_path) && roles.iter().any(|r| satisfies(g.role, *r)))
    }

    /// Knows the node exists: it lies under, or above, one of the caller's grants.
    pub fn sees(&self, path: &str) -> bool {
        self.is_system_admin()
            || self
                .grants
                .iter()
                .any(|g| path.starts_with(&g.region_path) || g.region_path.starts_with(path))
    }

    pub fn authorize(&self, region: &region::Model, roles: &[Role]) -> Result<(), AppError> {
        if self.covers(&region.path, roles) {
            Ok(())
        } else if self.sees(&region.path) {
            Err(AppError::new(ErrorCode::Forbidden))
        } else {
            Err(AppError::new(ErrorCode::NotFound))
        }
    }

    /// Lives at or under `path`: holds `resident` there, granted by staff directly or by
    /// confirming the caller's declaration. A pending declaration does not count.
    pub fn lives_in(&self, path: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == Role::Resident && g.region_path.starts_with(path))
    }

    /// Belongs to the community: holds a role in it (a confirmed residence is a `resident` role).
    pub fn belongs_to(&self, community: &region::Model) -> bool {
        self.grants
            .iter()
            .any(|g| g.region_path.starts_with(&community.path))
    }

    /// May see a community's shared things (catalogues, stores): belongs to it or oversees it.
    /// Answers 404 otherwise, so the community's existence is not disclosed.
    pub fn see_community(&self, community: &region::Model) -> Result<(), AppError> {
        if self.sees(&community.path) || self.belongs_to(community) {
            Ok(())
        } else {
            Err(AppError::new(ErrorCode::NotFound))
        }
    }

    pub fn unit_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.grants
            .iter()
            .filter(|g| g.role == Role::UnitAdmin)
            .filter_map(|g| g.unit_id)
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

pub fn revoked_key(jti: &str) -> String {
    format!("auth:revoked:{jti}")
}

async fn load(state: web::Data<AppState>, token: Option<String>) -> Result<Principal, AppError> {
    let token = token.ok_or_else(|| AppError::new(ErrorCode::Unauthorized).with_detail("缺少访问令牌"))?;
    let (user_id, claims) = state.tokens.verify_access(&token)?;
    if state.kv.get(&revoked_key(&claims.jti)).await?.is_some() {
        return Err(AppError::new(ErrorCode::Unauthorized).with_detail("令牌已注销"));
    }
    let mut p = load_user(&state, user_id, claims.jti, claims.exp).await?;
    p.auth_time = claims.auth_time.unwrap_or(0);
    Ok(p)
}

/// Another user with their grants, to check what they belong to (404 when there is none).
pub async fn load_for(state: &AppState, user_id: i64) -> Result<Principal, AppError> {
    match load_user(state, user_id, String::new(), 0).await {
        Err(e) if e.code == ErrorCode::Unauthorized => Err(AppError::new(ErrorCode::UserNotFound)),
        other => other,
    }
}

/// The same caller, with their user row and grants read again (after they changed).
pub async fn reload(state: &AppState, p: Principal) -> Result<Principal, AppError> {
    let mut fresh = load_user(state, p.user.id, p.jti, p.token_exp).await?;
    fresh.auth_time = p.auth_time;
    Ok(fresh)
}

async fn load_user(
    state: &AppState,
    user_id: i64,
    jti: String,
    token_exp: i64,
) -> Result<Principal, AppError> {
    let mut user = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthorized).with_detail("用户不存在"))?;
    // Taking a phone off BOOTSTRAP_ADMIN_PHONES takes effect at the next request, not the next login.
    user.is_system_admin = user
        .phone_hash
        .as_ref()
        .is_some_and(|h| state.admin_hashes.contains(h));
    let rows = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(user_id))
        .find_also_related(region::Entity)
        .all(&state.db)
        .await?;
    let grants = rows
        .into_iter()
        .filter_map(|(g, r)| {
            r.map(|r| Grant {
                id: g.id,
                role: g.role,
                region_id: g.region_id,
                region_path: r.path,
                unit_id: g.unit_id,
            })
        })
        .collect();
    Ok(Principal {
        user,
        jti,
        token_exp,
        auth_time: 0,
        grants,
    })
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            load(state, token).await
        })
    }
}

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
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let id = req.match_info().get("id").and_then(|s| s.parse::<i64>().ok());
        Box::pin(async move {
            let principal = principal.await?;
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            let id = id.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
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
