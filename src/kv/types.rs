//! The store's error and counter types, shared by the dispatcher and both backends.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("value at `{0}` is not an integer")]
    NotAnInteger(String),
}

/// A fixed-window counter after an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub value: i64,
    /// Time until the window (the key) expires.
    pub ttl: Duration,
}
