//! What a wish's step owes: a WeChat message (through the outbox) to the resident when it is
//! approved, rejected, claimed, released or fulfilled, and to the claimer when it is confirmed.

use super::machine::Step;
use crate::config::NotifyConfig;
use crate::notify::{WishChange, enqueue_wish};
use chrono::{DateTime, Utc};
use entity::wish;
use sea_orm::{ConnectionTrait, DbErr};

/// Who hears of `step` (which moved `before` to `after`), and the state they read.
fn recipient(before: &wish::Model, after: &wish::Model, step: Step) -> Option<(i64, &'static str)> {
    match step {
        Step::Approve => Some((after.resident_id, "已通过审核")),
        Step::Reject => Some((after.resident_id, "未通过审核")),
        Step::Claim => Some((after.resident_id, "已被认领")),
        Step::Release => Some((after.resident_id, "认领已取消")),
        Step::Fulfil => Some((after.resident_id, "已圆梦待确认")),
        Step::Confirm => before.claimer_id.map(|c| (c, "居民已确认")),
        Step::Withdraw => None,
    }
}

/// Writes the notices `step` owes, in the caller's transaction.
pub async fn owed(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    before: &wish::Model,
    after: &wish::Model,
    step: Step,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some((to, label)) = recipient(before, after, step) else {
        return Ok(());
    };
    let change = WishChange {
        wish_id: after.id,
        region_id: after.region_id,
        recipient: to,
        title: &after.title,
        status_label: label,
        at,
    };
    enqueue_wish(conn, cfg, change).await
}
