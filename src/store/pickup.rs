//! The clerk hands goods over against the code the buyer presents (six digits or the signed QR
//! payload). Typed codes count against the store's allowance of wrong guesses.

use super::codes::{self, Presented};
use super::redemptions;
use super::view::{self, RedemptionOut};
use super::visibility::Located;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use entity::redemption::{self, RedemptionStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 核销取货
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupIn {
    /// 兑换人出示的 6 位取货码，或扫描取货二维码得到的内容
    #[validate(length(min = 1, max = 200, message = "请输入取货码"))]
    #[schema(example = "042917", min_length = 1, max_length = 200)]
    pub code: String,
}

/// How long after a pickup the same code still answers "already picked up" rather than "wrong".
const RECENT_PICKUP_MINS: i64 = 30;

fn status_zh(s: RedemptionStatus) -> &'static str {
    match s {
        RedemptionStatus::Pending => "待取货",
        RedemptionStatus::Fulfilled => "已取货",
        RedemptionStatus::Cancelled => "已取消",
        RedemptionStatus::Expired => "已过期",
    }
}

/// The store's open redemption with this code, or one picked up with it a moment ago (a double
/// tap after a pickup is not a guess: the caller then says what happened).
async fn by_code(state: &AppState, store_id: i64, code: &str) -> AppResult<redemption::Model> {
    let by_code = redemption::Entity::find()
        .filter(redemption::Column::StoreId.eq(store_id))
        .filter(redemption::Column::PickupCode.eq(code));
    let open = by_code
        .clone()
        .filter(redemption::Column::Status.eq(RedemptionStatus::Pending))
        .one(&state.db)
        .await?;
    match open {
        Some(r) => Ok(r),
        None => by_code
            .filter(
                redemption::Column::ResolvedAt.gt(Utc::now() - chrono::Duration::minutes(RECENT_PICKUP_MINS)),
            )
            .order_by_desc(redemption::Column::ResolvedAt)
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::PickupCodeInvalid)),
    }
}

/// The redemption the presented code names at this store.
async fn presented(state: &AppState, store_id: i64, input: &str) -> AppResult<redemption::Model> {
    let rules = &state.config.store;
    let guard = format!("pickup:{store_id}");
    // Typed codes take a slot of the store's allowance before they are looked up, so parallel
    // guesses cannot outrun it; a code that names a real redemption gives its slot back.
    let count_guess = async || {
        crate::ratelimit::hit(
            &state.kv,
            &guard,
            rules.wrong_codes_per_window,
            rules.wrong_code_window,
        )
        .await
    };
    match codes::parse(&state.config, input) {
        None => {
            count_guess().await?;
            Err(AppError::new(ErrorCode::PickupCodeInvalid))
        }
        // A genuine QR payload cannot be guessed: no allowance needed.
        Some(Presented::Signed {
            store_id: named,
            redemption_id,
        }) => {
            if named != store_id {
                return Err(AppError::new(ErrorCode::NotFound).with_detail("该二维码不属于本超市"));
            }
            redemption::Entity::find_by_id(redemption_id)
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::NotFound))
        }
        Some(Presented::Code(code)) => {
            count_guess().await?;
            let found = by_code(state, store_id, &code).await?;
            // Losing a refund only costs the store one slot of its allowance: not worth failing a pickup.
            if let Err(e) = crate::ratelimit::refund(&state.kv, &guard).await {
                tracing::warn!(store_id, error = %e, "pickup allowance not refunded");
            }
            Ok(found)
        }
    }
}

/// Hands over the redemption `code` names: the held coins are posted to the store. Answers the
/// counter's view of it.
pub async fn hand_over(state: &AppState, at: &Located, clerk: i64, code: &str) -> AppResult<RedemptionOut> {
    let found = presented(state, at.store.id, code).await?;
    if found.status != RedemptionStatus::Pending {
        return Err(AppError::new(ErrorCode::RedemptionNotPending)
            .with_detail(format!("该兑换{}", status_zh(found.status))));
    }
    let done = crate::db::write(&state.db, async |txn| {
        redemptions::settle(txn, &found, RedemptionStatus::Fulfilled, Some(clerk), Utc::now()).await
    })
    .await?;
    tracing::info!(
        redemption_id = found.id,
        store_id = at.store.id,
        by = clerk,
        "picked up"
    );
    view::for_counter(&state.db, &state.config, done, &at.store).await
}
