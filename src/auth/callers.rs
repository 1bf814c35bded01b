//! Callers held in process: one kv round trip per request (revocation and the two stamps of
//! [`crate::cache`]) instead of reading the user and their grants from the database each time.
//!
//! Revocation is never cached: a logout, a reused refresh family, a password change or a role
//! revoked on any instance is seen by the next request everywhere.

use super::principal::{self, Held, Principal};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use std::sync::Arc;

/// The caller behind a verified access token `jti` of `user_id`.
pub async fn authenticate(
    state: &AppState,
    user_id: i64,
    jti: String,
    token_exp: i64,
    auth_time: i64,
) -> AppResult<Principal> {
    let revoked = principal::revoked_key(&jti);
    let user_key = crate::cache::user(user_id);
    let mut got = state
        .kv
        .mget(&[&revoked, &user_key, crate::cache::REGIONS])
        .await?
        .into_iter();
    let (revoked, user_stamp, regions_stamp) =
        (got.next().flatten(), got.next().flatten(), got.next().flatten());
    if revoked.is_some() {
        return Err(AppError::new(ErrorCode::Unauthorized).with_detail("令牌已注销"));
    }
    state.regions.observe(regions_stamp.clone());
    let held = match state.callers.0.get(&user_id) {
        Some(h) if h.user_stamp == user_stamp && h.regions_stamp == regions_stamp => h,
        _ => {
            let fresh = principal::load_user(&state.db, &state.admin_hashes, user_id).await?;
            let held = Arc::new(Held {
                user: fresh.user,
                grants: fresh.grants,
                user_stamp,
                regions_stamp,
            });
            state.callers.0.insert(user_id, held.clone());
            held
        }
    };
    Ok(Principal {
        user: held.user.clone(),
        jti,
        token_exp,
        auth_time,
        grants: held.grants.clone(),
    })
}

/// Another user with their grants, to check what they belong to (404 when there is none).
pub async fn load_for(state: &AppState, user_id: i64) -> AppResult<Principal> {
    match principal::load_user(&state.db, &state.admin_hashes, user_id).await {
        Err(e) if e.code == ErrorCode::Unauthorized => Err(AppError::new(ErrorCode::UserNotFound)),
        other => other,
    }
}

/// The same caller, with their user row and grants read again (after they changed).
pub async fn reload(state: &AppState, p: Principal) -> AppResult<Principal> {
    let fresh = principal::load_user(&state.db, &state.admin_hashes, p.user.id).await?;
    Ok(Principal {
        jti: p.jti,
        token_exp: p.token_exp,
        auth_time: p.auth_time,
        ..fresh
    })
}
