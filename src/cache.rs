//! Stamps that let every instance keep in-process copies of rows that are read on every request
//! and rarely change (a caller's user row and grants, the region tree), and drop a copy as soon
//! as any instance changes what it was made from.
//!
//! A stamp is a random token in the kv (Redis when configured, so shared by all instances),
//! replaced after every committed change. A copy remembers the stamp it was read under (read
//! before the database, so a change racing the read leaves the copy already stale) and is used
//! only while that stamp is current and the copy is younger than its lifetime. The lifetime
//! bounds the damage of a stamp write that failed after its change committed.

use crate::kv::Kv;
use std::time::Duration;

/// The region tree (paths of every node): changed by creating, renaming or moving a region.
pub const REGIONS: &str = "stamp:regions";

/// One user's row and role grants.
pub fn user(id: i64) -> String {
    format!("stamp:user:{id}")
}

/// Longest a copy lives, even with an unchanged stamp.
pub const LIFETIME: Duration = Duration::from_secs(30);

/// Stamps outlive every copy made under them by far; an expired stamp only forces a re-read.
const STAMP_TTL: Duration = Duration::from_secs(24 * 3600);

/// Marks what `key` stamps as changed. Call after the change commits. A kv failure is logged,
/// not returned: the change stands, and copies made before it expire within [`LIFETIME`].
pub async fn touch(kv: &Kv, key: &str) {
    let token = format!("{:016x}", rand::random::<u64>());
    if let Err(e) = kv.set(key, &token, Some(STAMP_TTL)).await {
        tracing::warn!(key, error = %e, "cache stamp not renewed; copies expire within their lifetime");
    }
}

/// [`touch`] for each user.
pub async fn touch_users(kv: &Kv, ids: impl IntoIterator<Item = i64>) {
    for id in ids {
        touch(kv, &user(id)).await;
    }
}
