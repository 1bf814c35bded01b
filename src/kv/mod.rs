//! Key-value and coordination store: Redis when `REDIS_URL` is set, in-process otherwise.
//! It never holds the only copy of money or orders; the database does.

mod memory;
mod redis;
mod types;

pub use self::memory::MemoryKv;
pub use self::redis::RedisKv;
pub use self::types::{Counter, KvError};

use std::time::Duration;
use tokio::sync::broadcast;

#[derive(Clone)]
pub enum Kv {
    Memory(MemoryKv),
    Redis(RedisKv),
}

impl Kv {
    pub async fn connect(redis_url: Option<&str>, prefix: &str) -> Result<Kv, KvError> {
        Ok(match redis_url {
            Some(url) => Kv::Redis(RedisKv::connect(url, prefix).await?),
            None => Kv::Memory(MemoryKv::default()),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Kv::Memory(_) => "memory",
            Kv::Redis(_) => "redis",
        }
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        match self {
            Kv::Memory(_) => Ok(()),
            Kv::Redis(r) => r.ping().await,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.get(key)),
            Kv::Redis(r) => r.get(key).await,
        }
    }

    /// Several keys in one round trip, in the order asked.
    pub async fn mget(&self, keys: &[&str]) -> Result<Vec<Option<String>>, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.mget(keys)),
            Kv::Redis(r) => r.mget(keys).await,
        }
    }

    /// Sets `key`, replacing any value; `ttl: None` keeps it until deleted.
    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        match self {
            Kv::Memory(m) => {
                m.set(key, value, ttl);
                Ok(())
            }
            Kv::Redis(r) => r.set(key, value, ttl).await,
        }
    }

    /// Sets `key` only if absent (locks, single-flight). True when this call set it.
    pub async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.set_nx(key, value, ttl)),
            Kv::Redis(r) => r.set_nx(key, value, ttl).await,
        }
    }

    pub async fn del(&self, key: &str) -> Result<bool, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.del(key)),
            Kv::Redis(r) => r.del(key).await,
        }
    }

    /// Deletes `key` only while it still holds `expected` (release a lock we own).
    pub async fn del_if_eq(&self, key: &str, expected: &str) -> Result<bool, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.del_if_eq(key, expected)),
            Kv::Redis(r) => r.del_if_eq(key, expected).await,
        }
    }

    /// Atomically increments a counter; the first increment starts a window of `window`.
    pub async fn incr(&self, key: &str, window: Duration) -> Result<Counter, KvError> {
        match self {
            Kv::Memory(m) => m.incr(key, window),
            Kv::Redis(r) => r.incr(key, window).await,
        }
    }

    /// Takes back one increment of an existing counter (never below zero, never creating it).
    pub async fn decr(&self, key: &str) -> Result<(), KvError> {
        match self {
            Kv::Memory(m) => {
                m.decr(key);
                Ok(())
            }
            Kv::Redis(r) => r.decr(key).await,
        }
    }

    /// Gives an existing key `ttl` to live from now (a lease renewed); absent keys stay absent.
    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<(), KvError> {
        match self {
            Kv::Memory(m) => {
                m.expire(key, ttl);
                Ok(())
            }
            Kv::Redis(r) => r.expire(key, ttl).await,
        }
    }

    /// Remaining time to live; `None` when the key is absent or never expires.
    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, KvError> {
        match self {
            Kv::Memory(m) => Ok(m.ttl(key)),
            Kv::Redis(r) => r.ttl(key).await,
        }
    }

    /// Publishes to every current subscriber of `channel`, on every instance.
    pub async fn publish(&self, channel: &str, message: &str) -> Result<(), KvError> {
        match self {
            Kv::Memory(m) => {
                m.publish(channel, message);
                Ok(())
            }
            Kv::Redis(r) => r.publish(channel, message).await,
        }
    }

    /// Subscribes to `channel`; messages published after this returns are received.
    pub async fn subscribe(&self, channel: &str) -> Result<Subscription, KvError> {
        match self {
            Kv::Memory(m) => Ok(Subscription(m.subscribe(channel))),
            Kv::Redis(r) => Ok(Subscription(r.subscribe(channel).await?)),
        }
    }
}

/// A live subscription; dropping it unsubscribes.
pub struct Subscription(broadcast::Receiver<String>);

impl Subscription {
    /// The next message, or `None` once the subscription is closed.
    /// A subscriber too slow to keep up skips what it missed rather than stalling publishers.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            match self.0.recv().await {
                Ok(m) => return Some(m),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "slow subscriber skipped messages");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
