//! Award posting: award claims no close has posted yet (written before the points bank existed,
//! or left by a close whose posting failed) are posted (`ledger::awards::post_claim`).
//!
//! Picking: unposted claims by id, a hundred at a time, each posted in its own write
//! transaction. Posting first marks the claim posted with a conditional update
//! (`posted_at IS NULL`), so a claim another instance or a close posted meanwhile moves nothing;
//! the unique reference on transfers backs this up.

use crate::config::Config;
use crate::error::AppResult;
use crate::ledger::awards::post_claim;
use chrono::{DateTime, Utc};
use entity::award_claim;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

const BATCH: u64 = 100;

/// Posts every claim still unposted at `now`; returns how many this pass posted.
pub async fn run(db: &DatabaseConnection, cfg: &Config, now: DateTime<Utc>) -> AppResult<usize> {
    let mut posted = 0;
    let mut after = 0;
    loop {
        let claims = award_claim::Entity::find()
            .filter(award_claim::Column::PostedAt.is_null())
            .filter(award_claim::Column::Id.gt(after))
            .order_by_asc(award_claim::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = claims.last() else {
            return Ok(posted);
        };
        after = last.id;
        for claim in claims {
            let txn = crate::db::begin_write(db).await?;
            match post_claim(&txn, cfg, &claim, now).await {
                Ok(true) => {
                    txn.commit().await?;
                    posted += 1;
                }
                Ok(false) => txn.rollback().await?,
                Err(e) => {
                    tracing::warn!(claim_id = claim.id, error = %e, "award posting: skipped, retried next time");
                    txn.rollback().await?;
                }
            }
        }
    }
}
