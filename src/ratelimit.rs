//! Fixed-window rate limits over the key-value store (shared by every instance with Redis).

use crate::error::{AppError, ErrorCode};
use crate::kv::Kv;
use std::time::Duration;

fn limited(ttl: Duration) -> AppError {
    let mut err = AppError::new(ErrorCode::RateLimited);
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    err.retry_after = Some(secs.max(1));
    err
}

/// Counts one hit on `key`; past `limit` in the window, answers 429 with `Retry-After`.
pub async fn hit(kv: &Kv, key: &str, limit: i64, window: Duration) -> Result<(), AppError> {
    let counter = kv.incr(&format!("rl:{key}"), window).await?;
    if counter.value > limit {
        return Err(limited(counter.ttl));
    }
    Ok(())
}

/// Answers 429 when `key` already has `limit` hits in its window, without counting one.
pub async fn check(kv: &Kv, key: &str, limit: i64) -> Result<(), AppError> {
    let key = format!("rl:{key}");
    let used: i64 = kv.get(&key).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if used >= limit {
        return Err(limited(kv.ttl(&key).await?.unwrap_or(Duration::from_secs(1))));
    }
    Ok(())
}

/// Gives back one hit on `key`: it was counted up front and turned out not to count.
pub async fn refund(kv: &Kv, key: &str) -> Result<(), AppError> {
    kv.decr(&format!("rl:{key}")).await?;
    Ok(())
}

/// Forgets the hits on `key` (a successful login clears its failures).
pub async fn reset(kv: &Kv, key: &str) -> Result<(), AppError> {
    kv.del(&format!("rl:{key}")).await?;
    Ok(())
}
