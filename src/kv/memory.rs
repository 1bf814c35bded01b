//! In-process store for a single instance without Redis.

use super::types::{Counter, KvError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

const CHANNEL_CAPACITY: usize = 256;
const MIN_SWEEP: usize = 1024;

#[derive(Clone, Default)]
pub struct MemoryKv {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    map: Mutex<Store>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

#[derive(Default)]
struct Store {
    entries: HashMap<String, Entry>,
    /// Size at which expired entries are swept next; keeps memory bounded without a timer.
    sweep_at: usize,
}

struct Entry {
    value: String,
    expires_at: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }
}

impl Store {
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        if self.entries.get(key).is_some_and(|e| !e.live(now)) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }

    fn insert(&mut self, key: &str, entry: Entry, now: Instant) {
        self.entries.insert(key.to_owned(), entry);
        if self.entries.len() >= self.sweep_at.max(MIN_SWEEP) {
            self.entries.retain(|_, e| e.live(now));
            self.sweep_at = self.entries.len() * 2;
        }
    }
}

impl MemoryKv {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a half-written entry: recover the guard.
        self.inner.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.store().live(key, Instant::now()).map(|e| e.value.clone())
    }

    pub fn mget(&self, keys: &[&str]) -> Vec<Option<String>> {
        let now = Instant::now();
        let mut store = self.store();
        keys.iter()
            .map(|k| store.live(k, now).map(|e| e.value.clone()))
            .collect()
    }

    pub fn set(&self, key: &str, value: &str, ttl: Option<Duration>) {
        let now = Instant::now();
        let entry = Entry {
            value: value.to_owned(),
            expires_at: ttl.map(|t| now + t),
        };
        self.store().insert(key, entry, now);
    }

    pub fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut store = self.store();
        if store.live(key, now).is_some() {
            return false;
        }
        let entry = Entry {
            value: value.to_owned(),
            expires_at: Some(now + ttl),
        };
        store.insert(key, entry, now);
        true
    }

    pub fn del(&self, key: &str) -> bool {
        let mut store = self.store();
        let present = store.live(key, Instant::now()).is_some();
        store.entries.remove(key);
        present
    }

    pub fn del_if_eq(&self, key: &str, expected: &str) -> bool {
        let mut store = self.store();
        if store
            .live(key, Instant::now())
            .is_some_and(|e| e.value == expected)
        {
            store.entries.remove(key);
            return true;
        }
        false
    }

    pub fn incr(&self, key: &str, window: Duration) -> Result<Counter, KvError> {
        let now = Instant::now();
        let mut store = self.store();
        if let Some(e) = store.live(key, now) {
            let n: i64 = e
                .value
                .parse()
                .map_err(|_| KvError::NotAnInteger(key.to_owned()))?;
            let value = n + 1;
            e.value = value.to_string();
            let expires_at = *e.expires_at.get_or_insert(now + window);
            return Ok(Counter {
                value,
                ttl: expires_at.saturating_duration_since(now),
            });
        }
        let entry = Entry {
            value: "1".into(),
            expires_at: Some(now + window),
        };
        store.insert(key, entry, now);
        Ok(Counter {
            value: 1,
            ttl: window,
        })
    }

    pub fn decr(&self, key: &str) {
        let now = Instant::now();
        let mut store = self.store();
        if let Some(e) = store.live(key, now)
            && let Ok(n) = e.value.parse::<i64>()
            && n > 0
        {
            e.value = (n - 1).to_string();
        }
    }

    pub fn expire(&self, key: &str, ttl: Duration) {
        let now = Instant::now();
        if let Some(e) = self.store().live(key, now) {
            e.expires_at = Some(now + ttl);
        }
    }

    pub fn ttl(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        self.store()
            .live(key, now)
            .and_then(|e| e.expires_at)
            .map(|t| t.saturating_duration_since(now))
    }

    fn channels(&self) -> MutexGuard<'_, HashMap<String, broadcast::Sender<String>>> {
        self.inner.channels.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn publish(&self, channel: &str, message: &str) {
        let mut channels = self.channels();
        // Nobody listens any more: forget the channel.
        if let Some(tx) = channels.get(channel)
            && tx.send(message.to_owned()).is_err()
        {
            channels.remove(channel);
        }
    }

    pub fn subscribe(&self, channel: &str) -> broadcast::Receiver<String> {
        self.channels()
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_swept_as_the_map_grows() {
        let kv = MemoryKv::default();
        for i in 0..MIN_SWEEP {
            kv.set(&format!("k{i}"), "v", Some(Duration::from_nanos(1)));
        }
        std::thread::sleep(Duration::from_millis(2));
        kv.set("fresh", "v", None);
        assert!(
            kv.store().entries.len() < MIN_SWEEP,
            "expired entries were not swept"
        );
        assert_eq!(kv.get("fresh").as_deref(), Some("v"));
    }
}
