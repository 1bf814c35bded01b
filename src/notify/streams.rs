//! Event streams for dispatch consoles: how many a user may hold, and when one must end.
//! A stream lives only as long as what let it open: the access token (until it expires or is
//! logged out) and the staff role over its region, re-checked on every keep-alive tick.

use crate::auth::Principal;
use crate::auth::principal::revoked_key;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::kv::Kv;
use crate::state::AppState;
use entity::region;
use entity::role_grant::Role;
use std::time::Duration;

/// One open stream counted against its user's cap, in the KV store so every instance sees it.
/// The count is a lease: each live stream renews it, and it lapses if an instance dies with
/// streams open. Dropping the slot gives it back.
pub struct Slot {
    kv: Kv,
    key: String,
    lease: Duration,
}

impl Slot {
    pub async fn take(kv: &Kv, user_id: i64, cap: i64, check_every: Duration) -> AppResult<Slot> {
        let key = format!("events:streams:{user_id}");
        let lease = check_every * 3;
        let counter = kv.incr(&key, lease).await?;
        if counter.value > cap {
            kv.decr(&key).await?;
            return Err(AppError::new(ErrorCode::TooManyStreams)
                .with_detail(format!("每人最多同时打开 {cap} 个实时推送")));
        }
        kv.expire(&key, lease).await?;
        Ok(Slot {
            kv: kv.clone(),
            key,
            lease,
        })
    }

    pub async fn renew(&self) {
        if let Err(e) = self.kv.expire(&self.key, self.lease).await {
            tracing::warn!(error = %e, "event stream lease not renewed");
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (kv, key) = (self.kv.clone(), std::mem::take(&mut self.key));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Err(e) = kv.decr(&key).await {
                    tracing::warn!(error = %e, "event stream slot not given back; it lapses with its lease");
                }
            });
        }
    }
}

/// Why a stream ended, sent to the console as its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The access token ran out: refresh it and reconnect.
    Expired,
    /// The token was logged out.
    LoggedOut,
    /// The caller no longer holds a staff role over the region.
    Forbidden,
}

impl Ending {
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Expired => "token_expired",
            Ending::LoggedOut => "logged_out",
            Ending::Forbidden => "forbidden",
        }
    }
}

/// Seconds until the token expires (zero: expired).
pub fn seconds_left(p: &Principal, now: chrono::DateTime<chrono::Utc>) -> u64 {
    (p.token_exp - now.timestamp()).max(0) as u64
}

/// Whether the stream may go on: the token is live and not logged out, and the caller (read
/// again from the database) still holds a staff role over the region.
pub async fn still_allowed(
    state: &AppState,
    p: &Principal,
    region: &region::Model,
) -> AppResult<Option<Ending>> {
    if seconds_left(p, chrono::Utc::now()) == 0 {
        return Ok(Some(Ending::Expired));
    }
    if state.kv.get(&revoked_key(&p.jti)).await?.is_some() {
        return Ok(Some(Ending::LoggedOut));
    }
    let fresh = match crate::auth::principal::reload(state, p.clone()).await {
        Ok(fresh) => fresh,
        Err(e) if e.code == ErrorCode::Unauthorized => return Ok(Some(Ending::Forbidden)),
        Err(e) => return Err(e),
    };
    if !fresh.covers(&region.path, &[Role::Staff]) {
        return Ok(Some(Ending::Forbidden));
    }
    Ok(None)
}
