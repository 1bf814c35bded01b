//! The buyer's side of a redemption: what they ask for, placing it, cancelling it, reading it.

use super::redemptions::{self, Full, Want};
use super::view::{self, RedemptionOut, View};
use super::visibility::{Party, locate};
use crate::api::Id;
use crate::auth::principal::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::idempotency::{self, Answer, Key};
use crate::state::AppState;
use chrono::Utc;
use entity::redemption::{self, RedemptionStatus};
use entity::store;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;
use validator::Validate;

/// 兑换的一项
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WantIn {
    pub goods_id: Id,
    #[validate(range(min = 1, max = 99, message = "数量为 1 到 99"))]
    #[schema(example = 1, minimum = 1, maximum = 99)]
    pub quantity: i32,
}

/// 兑换
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemIn {
    pub store_id: Id,
    /// 要兑换的商品，每种商品一项
    #[validate(length(min = 1, max = 20, message = "请选择 1 到 20 种商品"), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub items: Vec<WantIn>,
}

/// What the buyer asks for, each goods once (else `GOODS_REPEATED`, naming the repeat).
fn wants(b: &RedeemIn) -> AppResult<Vec<Want>> {
    let mut seen = HashSet::new();
    for (i, w) in b.items.iter().enumerate() {
        if !seen.insert(w.goods_id) {
            let mut err = AppError::new(ErrorCode::GoodsRepeated);
            err.errors.push(FieldError {
                field: format!("items[{i}].goods_id"),
                message: "同一商品请合并为一项".into(),
            });
            return Err(err);
        }
    }
    Ok(b.items
        .iter()
        .map(|w| Want {
            goods_id: w.goods_id.0,
            quantity: w.quantity,
        })
        .collect())
}

/// Places a redemption once per idempotency key, in one transaction: stock reserved, coins held
/// until pickup. Refusals that need no transaction (a goods asked for twice, a store the caller
/// may not use) come first and are not tied to the key.
pub async fn redeem(state: &AppState, p: &Principal, key: &Key, b: &RedeemIn) -> AppResult<Answer> {
    let (db, config) = (&state.db, &*state.config);
    let wants = wants(b)?;
    let at = locate(db, &state.regions, b.store_id.0).await?;
    at.customer(p)?;
    let store = &at.store;
    idempotency::once(db, Some(key), 201, async |txn| {
        let full = redemptions::redeem(txn, config, p.id(), store.id, &wants, Utc::now()).await?;
        tracing::info!(
            redemption_id = full.redemption.id,
            store_id = store.id,
            coins = full.redemption.total_coins,
            "redeemed"
        );
        Ok(view::render(config, full, store, View::Buyer))
    })
    .await
}

/// The buyer cancels before pickup: coins unfrozen, goods back on the shelf.
pub async fn cancel(
    db: &DatabaseConnection,
    config: &Config,
    buyer: i64,
    r: &redemption::Model,
    store: &store::Model,
) -> AppResult<RedemptionOut> {
    let done = crate::db::write(db, async |txn| {
        redemptions::settle(txn, r, RedemptionStatus::Cancelled, Some(buyer), Utc::now()).await
    })
    .await?;
    Ok(view::render(config, done, store, View::Buyer))
}

/// One redemption as `party` sees it.
pub async fn detail(
    conn: &impl ConnectionTrait,
    config: &Config,
    r: redemption::Model,
    store: &store::Model,
    party: Party,
) -> AppResult<RedemptionOut> {
    let lines = redemptions::lines_of(conn, &[r.id]).await?;
    let full = Full { redemption: r, lines };
    match party {
        Party::Buyer => Ok(view::render(config, full, store, View::Buyer)),
        Party::Counter => view::for_counter(conn, config, full, store).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(goods_id: i64, quantity: i32) -> WantIn {
        WantIn {
            goods_id: Id(goods_id),
            quantity,
        }
    }

    #[test]
    fn each_goods_is_asked_for_once() {
        let ok = RedeemIn {
            store_id: Id(1),
            items: vec![want(3, 1), want(2, 2)],
        };
        let asked = wants(&ok).unwrap();
        assert_eq!(
            asked.iter().map(|w| (w.goods_id, w.quantity)).collect::<Vec<_>>(),
            [(3, 1), (2, 2)]
        );
        let twice = RedeemIn {
            store_id: Id(1),
            items: vec![want(3, 1), want(2, 1), want(3, 2)],
        };
        let err = wants(&twice).unwrap_err();
        assert_eq!(err.code, ErrorCode::GoodsRepeated);
        assert_eq!(err.errors[0].field, "items[2].goods_id");
    }
}
