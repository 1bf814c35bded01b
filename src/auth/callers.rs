//! Callers held in process: one kv round trip per request (revocation and the two stamps of
//! [`crate::cache`]) instead of reading the user and their grants from the database each time.
//!
//! A token's check (revocation and stamps) is reused for at most `CALLER_RECHECK_MS` (default
//! 500 ms; 0 checks every request): a logout or a change made on another instance is seen within
//! that window, one made on this instance at once (it drops its own copies).

use super::principal::{self, Checked, Held, Principal};
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
    let Checked {
        user_stamp,
        regions_stamp,
    } = match state.callers.checked(&jti) {
        Some(c) => c,
        None => {
            let c = check(state, user_id, &jti).await?;
            state.callers.remember(jti.clone(), c.clone());
            c
        }
    };
    state.regions.observe(regions_stamp.clone());
    let held = match state.callers.held.get(&user_id) {
        Some(h) if h.user_stamp == user_stamp && h.regions_stamp == regions_stamp => h,
        _ => {
            let fresh = principal::load_user(&state.db, &state.admin_hashes, user_id).await?;
            let held = Arc::new(Held {
                user: fresh.user,
                grants: fresh.grants,
                user_stamp,
                regions_stamp,
            });
            state.callers.held.insert(user_id, held.clone());
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

/// Token `jti` of `user_id` against the kv, in one round trip: refused if revoked, else the
/// stamps of the user and of the region tree.
async fn check(state: &AppState, user_id: i64, jti: &str) -> AppResult<Checked> {
    let revoked = principal::revoked_key(jti);
    let user_key = crate::cache::user(user_id);
    let mut got = state
        .kv
        .mget(&[&revoked, &user_key, crate::cache::REGIONS])
        .await?
        .into_iter();
    if got.next().flatten().is_some() {
        return Err(AppError::new(ErrorCode::Unauthorized).with_detail("令牌已注销"));
    }
    Ok(Checked {
        user_stamp: got.next().flatten(),
        regions_stamp: got.next().flatten(),
    })
}

/// Users' rows or grants changed (committed): stamps renewed for every instance, and this
/// instance's copies dropped at once (its token checks may still carry the old stamps).
pub async fn changed(state: &AppState, ids: impl IntoIterator<Item = i64>) {
    for id in ids {
        crate::cache::touch(&state.kv, &crate::cache::user(id)).await;
        state.callers.held.invalidate(&id);
    }
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
