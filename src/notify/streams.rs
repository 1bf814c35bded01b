//! Event streams for dispatch consoles: how many a user may hold, and when one must end.
//! A stream lives only as long as what let it open: the access token (until it expires or is
//! logged out) and the staff role over its region, re-checked on every keep-alive tick.

use crate::auth::Principal;
use crate::auth::principal::revoked_key;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::kv::Kv;
use crate::state::AppState;
use chrono::Utc;
use entity::region;
use entity::role_grant::Role;
use futures_util::Stream;
use std::time::Duration;
use tokio::time::Instant;

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
    let fresh = match crate::auth::callers::reload(state, p.clone()).await {
        Ok(fresh) => fresh,
        Err(e) if e.code == ErrorCode::Unauthorized => return Ok(Some(Ending::Forbidden)),
        Err(e) => return Err(e),
    };
    if !fresh.covers(&region.path, &[Role::Staff]) {
        return Ok(Some(Ending::Forbidden));
    }
    Ok(None)
}

/// A console's stream and what it re-checks.
struct Watch {
    state: AppState,
    principal: Principal,
    region: region::Model,
    sub: crate::kv::Subscription,
    slot: Slot,
    every: Duration,
    next_check: Instant,
    done: bool,
}

impl Watch {
    /// The next chunk: an event, a keep-alive after a passed check, or the stream's last event.
    async fn next(&mut self) -> Option<String> {
        if self.done {
            return None;
        }
        let left = seconds_left(&self.principal, Utc::now());
        let deadline = self.next_check.min(Instant::now() + Duration::from_secs(left));
        // A busy channel must not postpone the checks.
        if Instant::now() < deadline
            && let Ok(msg) = tokio::time::timeout_at(deadline, self.sub.recv()).await
        {
            return msg.map(|m| format!("event: order\ndata: {m}\n\n"));
        }
        self.next_check = Instant::now() + self.every;
        match still_allowed(&self.state, &self.principal, &self.region).await {
            Ok(Some(ending)) => {
                self.done = true;
                tracing::info!(
                    user_id = self.principal.id(),
                    reason = ending.as_str(),
                    "event stream ended"
                );
                Some(format!(
                    "event: end\ndata: {{\"reason\":\"{}\"}}\n\n",
                    ending.as_str()
                ))
            }
            Ok(None) => {
                self.slot.renew().await;
                Some(KEEP_ALIVE.into())
            }
            Err(e) => {
                // Storage hiccup: try again at the next tick rather than drop a working console.
                tracing::warn!(error = %e, "event stream check failed");
                Some(KEEP_ALIVE.into())
            }
        }
    }
}

const KEEP_ALIVE: &str = ": keep-alive\n\n";

/// Opens a staff member's stream of the region's order events, counted against their cap: the
/// server-sent-event chunks, starting with a comment that says it is connected.
pub async fn open(
    state: &AppState,
    principal: Principal,
    region: region::Model,
) -> AppResult<impl Stream<Item = String> + use<>> {
    let cfg = &state.config.notify;
    let every = cfg.stream_check_every;
    let slot = Slot::take(&state.kv, principal.id(), cfg.max_streams_per_user, every).await?;
    let sub = state
        .kv
        .subscribe(&super::notice::region_channel(region.id))
        .await?;
    let watch = Watch {
        state: state.clone(),
        principal,
        region,
        sub,
        slot,
        every,
        next_check: Instant::now() + every,
        done: false,
    };
    let hello = futures_util::stream::once(async { ": connected\n\n".to_owned() });
    let events = futures_util::stream::unfold(watch, |mut w| async move {
        let chunk = w.next().await?;
        Some((chunk, w))
    });
    Ok(futures_util::StreamExt::chain(hello, events))
}
