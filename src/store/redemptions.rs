//! The rules of a redemption, each step one transaction:
//! - `redeem`: reserve stock (conditional updates, never below zero), check per-person monthly
//!   limits, create the redemption with a pickup code, hold the buyer's coins for the total.
//!   Any refusal rolls the whole transaction back.
//! - `settle`: move a pending redemption to fulfilled (post the hold to the store), cancelled or
//!   expired (void the hold, return the stock). The status change is conditional on `pending`,
//!   so of a pickup, a cancel and the clock racing for one redemption exactly one acts.

use super::codes;
use crate::calendar;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ledger::{Asset, Movement, Owner, TransferKind, holds};
use chrono::{DateTime, Utc};
use entity::redemption::{self, RedemptionStatus};
use entity::{goods, redemption_line, store};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};
use std::collections::HashMap;

/// One goods and how many.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub goods_id: i64,
    pub quantity: i32,
}

/// A redemption with its lines.
pub struct Full {
    pub redemption: redemption::Model,
    pub lines: Vec<redemption_line::Model>,
}

/// Attempts at a pickup code not in use at the store before giving up.
const CODE_ATTEMPTS: usize = 10;

/// How many of each of `goods` the buyer has redeemed (pending or fulfilled) in `month`; goods
/// not redeemed are absent.
pub async fn used_in_month(
    conn: &impl ConnectionTrait,
    buyer: i64,
    goods: &[i64],
    month: &str,
) -> AppResult<HashMap<i64, i64>> {
    let used: Vec<(i64, Option<i64>)> = redemption_line::Entity::find()
        .select_only()
        .column(redemption_line::Column::GoodsId)
        .column_as(
            crate::db::sum_i64(Expr::col(redemption_line::Column::Quantity)),
            "used",
        )
        .filter(redemption_line::Column::BuyerId.eq(buyer))
        .filter(redemption_line::Column::GoodsId.is_in(goods.iter().copied()))
        .filter(redemption_line::Column::Month.eq(month))
        .filter(
            redemption_line::Column::RedemptionId.in_subquery(
                Query::select()
                    .column(redemption::Column::Id)
                    .from(redemption::Entity)
                    .and_where(redemption::Column::BuyerId.eq(buyer))
                    .and_where(
                        redemption::Column::Status
                            .is_in([RedemptionStatus::Pending, RedemptionStatus::Fulfilled]),
                    )
                    .to_owned(),
            ),
        )
        .group_by(redemption_line::Column::GoodsId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(used.into_iter().map(|(g, n)| (g, n.unwrap_or(0))).collect())
}

/// Takes `want.quantity` off the shelf at the price the total was made with; answers the goods
/// as it now is (locked on PostgreSQL until the transaction ends).
async fn reserve(
    conn: &impl ConnectionTrait,
    store_id: i64,
    want: Want,
    price: i64,
) -> AppResult<goods::Model> {
    let q = i64::from(want.quantity);
    let take = goods::Entity::update_many()
        .col_expr(goods::Column::Stock, Expr::col(goods::Column::Stock).sub(q))
        .filter(goods::Column::Id.eq(want.goods_id))
        .filter(goods::Column::StoreId.eq(store_id))
        .filter(goods::Column::Active.eq(true))
        .filter(goods::Column::PriceCoins.eq(price))
        .filter(goods::Column::Stock.gte(q));
    // The goods as the update left it: no second read when it is taken.
    if let Some(g) = crate::db::update_returning(conn, take, goods::Entity::find_by_id(want.goods_id)).await?
    {
        return Ok(g);
    }
    let g = goods::Entity::find_by_id(want.goods_id)
        .one(conn)
        .await?
        .filter(|g| g.store_id == store_id && g.active)
        .ok_or_else(|| unavailable(want.goods_id))?;
    if g.price_coins != price {
        Err(AppError::new(ErrorCode::GoodsChanged)
            .with_detail(format!("{} 的兑换价刚刚调整，请刷新后重试", g.name)))
    } else {
        Err(AppError::new(ErrorCode::OutOfStock).with_detail(format!("{} 仅剩 {} 件", g.name, g.stock)))
    }
}

fn unavailable(goods_id: i64) -> AppError {
    AppError::new(ErrorCode::GoodsUnavailable).with_detail(format!("商品 {goods_id} 不在本店或已下架"))
}

/// Inserts the redemption with a pickup code no open redemption of the store uses. Each attempt
/// runs in a savepoint, so a collision does not spoil the transaction.
async fn insert_with_code(
    txn: &DatabaseTransaction,
    mut row: redemption::ActiveModel,
) -> AppResult<redemption::Model> {
    for _ in 0..CODE_ATTEMPTS {
        row.pickup_code = Set(codes::random_code());
        let sp = txn.begin().await?;
        match row.clone().insert(&sp).await {
            Ok(r) => {
                sp.commit().await?;
                return Ok(r);
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                sp.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "no free pickup code after {CODE_ATTEMPTS} attempts"
    )))
}

/// Makes a redemption in the caller's transaction. `wants` must name each goods once.
///
/// The redemption row (and its pickup code) is written before any goods row is locked, so that
/// waiting on a code another transaction is releasing never happens while holding goods.
pub async fn redeem(
    txn: &DatabaseTransaction,
    config: &Config,
    buyer: i64,
    store_id: i64,
    wants: &[Want],
    now: DateTime<Utc>,
) -> AppResult<Full> {
    let store = store::Entity::find_by_id(store_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if !store.active {
        return Err(AppError::new(ErrorCode::StoreUnavailable));
    }
    let month = calendar::month_of(now);
    let mut sorted = wants.to_vec();
    // Goods rows are locked in id order in every transaction, so two redemptions never deadlock.
    sorted.sort_by_key(|w| w.goods_id);
    let listed = goods::Entity::find()
        .filter(goods::Column::Id.is_in(sorted.iter().map(|w| w.goods_id)))
        .filter(goods::Column::StoreId.eq(store.id))
        .filter(goods::Column::Active.eq(true))
        .all(txn)
        .await?;
    let mut priced = Vec::with_capacity(sorted.len());
    let mut total: i64 = 0;
    for want in &sorted {
        let g = listed
            .iter()
            .find(|g| g.id == want.goods_id)
            .ok_or_else(|| unavailable(want.goods_id))?;
        total = g
            .price_coins
            .checked_mul(i64::from(want.quantity))
            .and_then(|c| c.checked_add(total))
            .ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with_detail("合计绿币过大"))?;
        priced.push((*want, g.price_coins));
    }
    let r = insert_with_code(
        txn,
        redemption::ActiveModel {
            store_id: Set(store.id),
            buyer_id: Set(buyer),
            status: Set(RedemptionStatus::Pending),
            total_coins: Set(total),
            hold_id: Set(None),
            month: Set(month.clone()),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::from_std(config.store.pickup_within).unwrap_or_default()),
            resolved_at: Set(None),
            resolved_by: Set(None),
            ..Default::default()
        },
    )
    .await?;
    // The lines first: they need only what was listed, so the goods rows, which every
    // redemption of those goods waits on, are held from their reservation to the commit only.
    let mut lines = Vec::with_capacity(priced.len());
    for (want, price) in &priced {
        let g = listed
            .iter()
            .find(|g| g.id == want.goods_id)
            .ok_or_else(|| unavailable(want.goods_id))?;
        lines.push(
            redemption_line::ActiveModel {
                redemption_id: Set(r.id),
                goods_id: Set(g.id),
                buyer_id: Set(buyer),
                month: Set(month.clone()),
                name: Set(g.name.clone()),
                price_coins: Set(*price),
                quantity: Set(want.quantity),
                ..Default::default()
            }
            .insert(txn)
            .await?,
        );
    }
    for (want, price) in priced {
        let g = reserve(txn, store.id, want, price).await?;
        // Counted after the row lock: the buyer's other redemptions of these goods have committed.
        if let Some(limit) = g.monthly_limit {
            // This redemption's own line is already among them.
            let used = used_in_month(txn, buyer, &[g.id], &month)
                .await?
                .get(&g.id)
                .copied()
                .unwrap_or(0)
                - i64::from(want.quantity);
            if used + i64::from(want.quantity) > i64::from(limit) {
                return Err(AppError::new(ErrorCode::LimitExceeded)
                    .with_detail(format!("{} 每人每月限兑 {limit} 件，本月已兑 {used} 件", g.name)));
            }
        }
    }
    // The hold has no expiry of its own: the redemption's expiry voids it with the stock.
    let hold = holds::hold(
        txn,
        Movement {
            from: Owner::User(buyer),
            to: Owner::Store(store.id),
            asset: Asset::Coin,
            amount: total,
            kind: TransferKind::Redeem,
            reference: Some(format!("redemption:{}", r.id)),
            actor: Some(buyer),
            memo: Some(store.name.clone()),
            at: now,
            reversal_of: None,
        },
        None,
    )
    .await?;
    let mut r: redemption::ActiveModel = r.into();
    r.hold_id = Set(Some(hold.id));
    Ok(Full {
        redemption: r.update(txn).await?,
        lines,
    })
}

pub async fn lines_of(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<redemption_line::Model>> {
    Ok(redemption_line::Entity::find()
        .filter(redemption_line::Column::RedemptionId.is_in(ids.iter().copied()))
        .order_by_asc(redemption_line::Column::GoodsId)
        .all(conn)
        .await?)
}

/// Resolves a pending redemption, once: `Fulfilled` posts the held coins to the store;
/// `Cancelled` and `Expired` void them and put the goods back on the shelf.
pub async fn settle(
    conn: &impl ConnectionTrait,
    r: &redemption::Model,
    outcome: RedemptionStatus,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Full> {
    // Past its time it is the clock's to expire, even if the clock has not come round yet.
    if outcome == RedemptionStatus::Fulfilled && r.expires_at <= now {
        return Err(AppError::new(ErrorCode::RedemptionNotPending).with_detail("兑换已过期，绿币将自动退回"));
    }
    let change = redemption::Entity::update_many()
        .set(redemption::ActiveModel {
            status: Set(outcome),
            resolved_at: Set(Some(now)),
            resolved_by: Set(actor),
            ..Default::default()
        })
        .filter(redemption::Column::Id.eq(r.id))
        .filter(redemption::Column::Status.eq(RedemptionStatus::Pending));
    let redemption = crate::db::update_returning(conn, change, redemption::Entity::find_by_id(r.id))
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::RedemptionNotPending))?;
    let lines = lines_of(conn, &[r.id]).await?;
    let fulfilled = outcome == RedemptionStatus::Fulfilled;
    if !fulfilled {
        // In goods id order, as `redeem` takes them.
        for l in &lines {
            goods::Entity::update_many()
                .col_expr(
                    goods::Column::Stock,
                    Expr::col(goods::Column::Stock).add(i64::from(l.quantity)),
                )
                .filter(goods::Column::Id.eq(l.goods_id))
                .exec(conn)
                .await?;
        }
    }
    let hold = r
        .hold_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("redemption {} has no hold", r.id)))?;
    holds::resolve(conn, hold, fulfilled, actor, now).await?;
    Ok(Full { redemption, lines })
}

/// Expires redemption `id`, not picked up by `now`: coins released, stock returned.
/// `REDEMPTION_NOT_PENDING` when it was picked up, cancelled or expired meanwhile.
pub async fn expire_one(txn: &DatabaseTransaction, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let r = redemption::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::RedemptionNotPending))?;
    settle(txn, &r, RedemptionStatus::Expired, None, now)
        .await
        .map(|_| ())
}
