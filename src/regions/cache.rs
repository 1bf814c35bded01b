//! The region tree held in process for read paths (who sees an order, a store, a catalogue), so
//! a request does not read the same few nodes again. Writes and anything decided inside a
//! transaction read the database ([`super::tree::find`], `find_for_update`).
//!
//! The copy follows [`crate::cache::REGIONS`]: every request that authenticates reads the stamp
//! in the same kv round trip as its revocation check and reports it here ([`RegionCache::observe`]);
//! a copy made under another stamp, or older than [`crate::cache::LIFETIME`], is read again whole.

use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::region;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

struct Snapshot {
    stamp: Option<String>,
    read_at: Instant,
    nodes: HashMap<i64, region::Model>,
}

#[derive(Default)]
pub struct RegionCache {
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// The newest stamp a request has seen in the kv.
    observed: RwLock<Option<String>>,
    /// One reader of the whole tree at a time; the others wait for its copy.
    reload: tokio::sync::Mutex<()>,
}

impl RegionCache {
    /// Records the stamp a request just read from the kv.
    pub fn observe(&self, stamp: Option<String>) {
        if *self.observed.read().unwrap_or_else(|p| p.into_inner()) != stamp {
            *self.observed.write().unwrap_or_else(|p| p.into_inner()) = stamp;
        }
    }

    /// Forgets the copy on this instance (after a change made here; other instances see the stamp).
    pub fn forget(&self) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        let observed = self.observed.read().unwrap_or_else(|p| p.into_inner()).clone();
        let snapshot = self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()?;
        (snapshot.stamp == observed && snapshot.read_at.elapsed() < crate::cache::LIFETIME)
            .then_some(snapshot)
    }

    async fn fresh(&self, conn: &impl ConnectionTrait) -> AppResult<Arc<Snapshot>> {
        if let Some(s) = self.current() {
            return Ok(s);
        }
        let _one = self.reload.lock().await;
        if let Some(s) = self.current() {
            return Ok(s);
        }
        let stamp = self.observed.read().unwrap_or_else(|p| p.into_inner()).clone();
        let nodes = region::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let snapshot = Arc::new(Snapshot {
            stamp,
            read_at: Instant::now(),
            nodes,
        });
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The region, or 404 (a node created since the copy was made is looked up in the database).
    pub async fn find(&self, conn: &impl ConnectionTrait, id: i64) -> AppResult<region::Model> {
        if let Some(r) = self.fresh(conn).await?.nodes.get(&id) {
            return Ok(r.clone());
        }
        let found = region::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
        // Created since the copy was made: the next lookup reads the tree again.
        self.forget();
        Ok(found)
    }

    /// The community a region lies in (itself when it is one).
    pub async fn community_of(
        &self,
        conn: &impl ConnectionTrait,
        r: &region::Model,
    ) -> AppResult<Option<region::Model>> {
        let tree = self.fresh(conn).await?;
        Ok(r.path
            .split('/')
            .filter_map(|s| s.parse::<i64>().ok())
            .filter_map(|id| tree.nodes.get(&id))
            .find(|n| n.kind == region::RegionKind::Community)
            .cloned())
    }

    /// The community a region lies in, if the caller may see its shared things (else 404).
    pub async fn community_seen_by(
        &self,
        conn: &impl ConnectionTrait,
        p: &Principal,
        region_id: i64,
    ) -> AppResult<region::Model> {
        let r = self.find(conn, region_id).await?;
        let community = self
            .community_of(conn, &r)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
        p.see_community(&community)?;
        Ok(community)
    }
}
