//! Who is calling, and over which part of the region tree they may act. The HTTP extractors
//! that produce a [`Principal`] live in [`crate::access`].

use crate::error::{AppError, ErrorCode};
use entity::region;
use entity::role_grant::{self, Role};
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;
use std::sync::Arc;

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

    /// Holds one of `roles` somewhere (or is a system admin): may use tools of that role at all.
    pub fn holds_anywhere(&self, roles: &[Role]) -> bool {
        self.is_system_admin()
            || self
                .grants
                .iter()
                .any(|g| roles.iter().any(|r| satisfies(g.role, *r)))
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

pub fn revoked_key(jti: &str) -> String {
    format!("auth:revoked:{jti}")
}

/// A user with their grants, read from the database (401 when there is no such user).
/// `admin_hashes`: lookup hashes of `BOOTSTRAP_ADMIN_PHONES`.
pub async fn load_user(
    db: &impl ConnectionTrait,
    admin_hashes: &HashSet<String>,
    user_id: i64,
) -> Result<Principal, AppError> {
    let mut user = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthorized).with_detail("用户不存在"))?;
    // Taking a phone off BOOTSTRAP_ADMIN_PHONES takes effect at the next request, not the next login.
    user.is_system_admin = user.phone_hash.as_ref().is_some_and(|h| admin_hashes.contains(h));
    let rows = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(user_id))
        .find_also_related(region::Entity)
        .all(db)
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
        jti: String::new(),
        token_exp: 0,
        auth_time: 0,
        grants,
    })
}

/// A caller's user row and grants as read under the stamps of [`crate::cache`].
pub struct Held {
    pub user: user::Model,
    pub grants: Vec<Grant>,
    pub user_stamp: Option<String>,
    pub regions_stamp: Option<String>,
}

/// The stamps a token was last checked under (its revocation key was then absent).
#[derive(Clone)]
pub struct Checked {
    pub user_stamp: Option<String>,
    pub regions_stamp: Option<String>,
}

/// Copies of recent callers, each for at most [`crate::cache::LIFETIME`], and of recent token
/// checks, each for at most the recheck window (`CALLER_RECHECK_MS`); used by `auth::callers`.
#[derive(Clone)]
pub struct CallerCache {
    pub held: moka::sync::Cache<i64, Arc<Held>>,
    /// By token id; `None` when every request checks the kv.
    checked: Option<moka::sync::Cache<String, Checked>>,
}

impl CallerCache {
    pub fn new(recheck: std::time::Duration) -> CallerCache {
        CallerCache {
            held: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(crate::cache::LIFETIME)
                .build(),
            checked: (!recheck.is_zero()).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(recheck)
                    .build()
            }),
        }
    }

    /// The stamps token `jti` was checked under within the recheck window.
    pub fn checked(&self, jti: &str) -> Option<Checked> {
        self.checked.as_ref()?.get(jti)
    }

    pub fn remember(&self, jti: String, c: Checked) {
        if let Some(checked) = &self.checked {
            checked.insert(jti, c);
        }
    }

    /// This instance revoked `jti`: its next request is checked again.
    pub fn forget_token(&self, jti: &str) {
        if let Some(checked) = &self.checked {
            checked.invalidate(jti);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(roles: &[Role], system_admin: bool) -> Principal {
        let now = chrono::Utc::now();
        Principal {
            user: user::Model {
                id: 1,
                name: "x".into(),
                openid: None,
                unionid: None,
                phone_enc: None,
                phone_hash: None,
                password_hash: None,
                is_system_admin: system_admin,
                created_at: now,
                updated_at: now,
            },
            jti: String::new(),
            token_exp: 0,
            auth_time: 0,
            grants: roles
                .iter()
                .map(|&role| Grant {
                    id: 1,
                    role,
                    region_id: 9,
                    region_path: "/1/9/".into(),
                    unit_id: None,
                })
                .collect(),
        }
    }

    #[test]
    fn staff_tools_need_staff_or_admin_somewhere() {
        assert!(holding(&[Role::Staff], false).holds_anywhere(&[Role::Staff]));
        assert!(holding(&[Role::Admin], false).holds_anywhere(&[Role::Staff]));
        assert!(holding(&[], true).holds_anywhere(&[Role::Staff]));
        assert!(!holding(&[Role::Member, Role::Resident, Role::Clerk], false).holds_anywhere(&[Role::Staff]));
    }
}
