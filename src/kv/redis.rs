//! Redis store, shared by every instance. Keys and channels carry the configured prefix.

use super::types::{Counter, KvError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;

const TIMEOUT: Duration = Duration::from_secs(2);
/// How often a quiet shared subscription looks whether anyone still listens.
const IDLE_CHECK: Duration = Duration::from_secs(5);

// INCR and start the window on the first hit; heal a counter that somehow lost its expiry.
static INCR_WINDOW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local v = redis.call('INCR', KEYS[1])
          local t = redis.call('PTTL', KEYS[1])
          if t < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            t = tonumber(ARGV[1])
          end
          return {v, t}",
    )
});

// Give back one hit, never creating the key nor going below zero.
static DECR_EXISTING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local v = redis.call('GET', KEYS[1])
          if v and tonumber(v) > 0 then
            return redis.call('DECR', KEYS[1])
          end
          return 0",
    )
});

static DEL_IF_EQ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
          end
          return 0",
    )
});

/// Local listeners of each channel this instance subscribes to.
type Fanout = Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>;

#[derive(Clone)]
pub struct RedisKv {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: Arc<str>,
    fanout: Fanout,
}

const CHANNEL_CAPACITY: usize = 256;

fn millis(d: Duration) -> u64 {
    (d.as_millis() as u64).max(1)
}

impl RedisKv {
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisKv, KvError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(RedisKv {
            client,
            conn,
            prefix: prefix.into(),
            fanout: Fanout::default(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn.clone()).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        Ok(self.conn.clone().get(self.key(key)).await?)
    }

    pub async fn mget(&self, keys: &[&str]) -> Result<Vec<Option<String>>, KvError> {
        let mut cmd = redis::cmd("MGET");
        for k in keys {
            cmd.arg(self.key(k));
        }
        Ok(cmd.query_async(&mut self.conn.clone()).await?)
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("PX").arg(millis(ttl));
        }
        let _: () = cmd.query_async(&mut self.conn.clone()).await?;
        Ok(())
    }

    pub async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> Result<bool, KvError> {
        let reply: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(reply.is_some())
    }

    pub async fn del(&self, key: &str) -> Result<bool, KvError> {
        let n: i64 = self.conn.clone().del(self.key(key)).await?;
        Ok(n > 0)
    }

    pub async fn del_if_eq(&self, key: &str, expected: &str) -> Result<bool, KvError> {
        let n: i64 = DEL_IF_EQ
            .key(self.key(key))
            .arg(expected)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(n > 0)
    }

    pub async fn incr(&self, key: &str, window: Duration) -> Result<Counter, KvError> {
        let (value, ttl_ms): (i64, i64) = INCR_WINDOW
            .key(self.key(key))
            .arg(millis(window))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| match e.kind() {
                redis::ErrorKind::Server(_) if e.to_string().contains("not an integer") => {
                    KvError::NotAnInteger(key.to_owned())
                }
                _ => KvError::Redis(e),
            })?;
        Ok(Counter {
            value,
            ttl: Duration::from_millis(ttl_ms.max(0) as u64),
        })
    }

    pub async fn decr(&self, key: &str) -> Result<(), KvError> {
        let _: i64 = DECR_EXISTING
            .key(self.key(key))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    pub async fn expire(&self, key: &str, ttl: Duration) -> Result<(), KvError> {
        let _: i64 = redis::cmd("PEXPIRE")
            .arg(self.key(key))
            .arg(millis(ttl))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, KvError> {
        let ms: i64 = redis::cmd("PTTL")
            .arg(self.key(key))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok((ms >= 0).then(|| Duration::from_millis(ms as u64)))
    }

    pub async fn publish(&self, channel: &str, message: &str) -> Result<(), KvError> {
        let _: i64 = self.conn.clone().publish(self.key(channel), message).await?;
        Ok(())
    }

    fn listeners(&self) -> MutexGuard<'_, HashMap<String, broadcast::Sender<String>>> {
        self.fanout.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Subscribers of one channel on this instance share one Redis connection, fanned out in
    /// process; it is closed once the last of them is gone.
    pub async fn subscribe(&self, channel: &str) -> Result<broadcast::Receiver<String>, KvError> {
        use futures_util::StreamExt;
        if let Some(tx) = self.listeners().get(channel) {
            return Ok(tx.subscribe());
        }
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.key(channel)).await?;
        let (tx, rx) = {
            let mut listeners = self.listeners();
            // Another caller subscribed meanwhile: join theirs and drop ours.
            if let Some(tx) = listeners.get(channel) {
                return Ok(tx.subscribe());
            }
            let (tx, rx) = broadcast::channel(CHANNEL_CAPACITY);
            listeners.insert(channel.to_owned(), tx.clone());
            (tx, rx)
        };
        let (fanout, name) = (self.fanout.clone(), channel.to_owned());
        tokio::spawn(async move {
            let mut stream = pubsub.into_on_message();
            loop {
                let next = tokio::time::timeout(IDLE_CHECK, stream.next()).await;
                let mut listeners = fanout.lock().unwrap_or_else(|p| p.into_inner());
                match next {
                    Ok(Some(msg)) => match msg.get_payload::<String>() {
                        Ok(payload) => {
                            let _ = tx.send(payload);
                        }
                        Err(e) => tracing::warn!(error = %e, "non-text pub/sub message dropped"),
                    },
                    // The connection is gone: listeners see their subscription end.
                    Ok(None) => {
                        listeners.remove(&name);
                        break;
                    }
                    Err(_) => {}
                }
                if tx.receiver_count() == 0 {
                    listeners.remove(&name);
                    break;
                }
            }
        });
        Ok(rx)
    }
}
