//! Fixed-window rate limits over the key-value store (shared by every instance with Redis).

use crate::error::{AppError, ErrorCode};
use crate::kv::Kv;
use std::time::Duration;

/// Counts one hit on `key`; past `limit` in the window, answers 429 with `Retry-After`.
pub async fn hit(kv: &Kv, key: &str, limit: i64, window: Duration) -> Result<(), AppError> {
    let counter = kv.incr(&format!("rl:{key}"), window).await?;
    if counter.value > limit {
        let mut err = AppError::new(ErrorCode::RateLimited);
        let secs = counter.ttl.as_secs() + u64::from(counter.ttl.subsec_nanos() > 0);
        err.retry_after = Some(secs.max(1));
        return Err(err);
    }
    Ok(())
}

/// Forgets the hits on `key` (a successful login clears its failures).
pub async fn reset(kv: &Kv, key: &str) -> Result<(), AppError> {
    kv.del(&format!("rl:{key}")).await?;
    Ok(())
}
