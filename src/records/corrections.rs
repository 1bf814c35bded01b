//! Correcting the record (志愿服务记录更正): staff over the region that organised a service take
//! back part or all of what it credited, with a reason. Rows are never edited: a correction is a
//! negative row pointing at the one it corrects, and a reversal in the points bank.

use super::history::{Item, ItemOut, find};
use crate::auth::principal::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::idempotency::{Answer, Key, once};
use crate::ledger::awards::{Correction, take_back};
use crate::regions::cache::RegionCache;
use chrono::Utc;
use entity::region;
use entity::role_grant::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 更正一条志愿服务记录（冲减时长和/或绿币）
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIn {
    /// 冲减的分钟数，不超过该记录尚未冲减的部分；默认 0
    #[serde(default)]
    #[validate(range(min = 0, max = 100_000, message = "minutes 为 0 到 100000"))]
    #[schema(minimum = 0, maximum = 100_000)]
    pub minutes: i32,
    /// 冲减的绿币，不超过该记录尚未冲减的部分；默认 0
    #[serde(default)]
    #[validate(range(min = 0, max = 1_000_000, message = "coins 为 0 到 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub coins: i32,
    /// 更正原因（写入服务记录，志愿者本人可见）
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// A row with the region that organised it.
pub struct Located {
    pub record: Item,
    pub region: region::Model,
}

/// The row named by `id` with its region, or 404.
pub async fn locate(conn: &impl ConnectionTrait, regions: &RegionCache, id: i64) -> AppResult<Located> {
    let record = find(conn, id).await?;
    let region = regions.find(conn, record.region_id).await?;
    Ok(Located { record, region })
}

impl Located {
    /// Staff over the organising region correct it; its volunteer sees it (403), others do not
    /// (404).
    pub fn corrector(&self, p: &Principal) -> AppResult<()> {
        if p.covers(&self.region.path, &[Role::Staff]) {
            Ok(())
        } else if self.record.user_id == p.id() {
            Err(AppError::new(ErrorCode::Forbidden).with_detail("需要组织该服务的区域的社区工作者"))
        } else {
            Err(AppError::new(ErrorCode::NotFound))
        }
    }
}

/// `actor` corrects `at.record`, once per `key`: 201 with the correcting row.
pub async fn correct(
    db: &DatabaseConnection,
    cfg: &Config,
    key: &Key,
    at: &Located,
    actor: i64,
    input: CorrectionIn,
) -> AppResult<Answer> {
    once(db, Some(key), 201, async |txn| {
        let correction = Correction {
            record_id: at.record.id,
            minutes: input.minutes,
            coins: input.coins,
            reason: input.reason.clone(),
            actor,
            at: Utc::now(),
        };
        let row = take_back(txn, cfg, correction).await?;
        Ok(ItemOut::new(row, None))
    })
    .await
}
