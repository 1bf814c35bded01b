//! Monthly settlement of a store: what it handed out and the coins it received, checked against
//! the ledger.

use crate::api::Id;
use crate::db::{count_i64, sum_i64};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::export::table::{Cells, CsvTable};
use crate::ledger::{self, Asset, Owner};
use chrono::{DateTime, Utc};
use entity::redemption::{self, RedemptionStatus};
use entity::{goods, redemption_line, store, transfer};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

/// 某商品本月交付情况
#[derive(Debug, Serialize, ToSchema)]
pub struct SettledGoods {
    pub goods_id: Id,
    pub name: String,
    /// 交付件数
    pub quantity: i64,
    /// 对应绿币
    pub coins: i64,
}

/// 月度结算
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementOut {
    pub store_id: Id,
    pub store_name: String,
    /// `YYYY-MM`
    pub month: String,
    /// 统计区间起点（含），北京时间当月 1 日 0 点
    pub from: DateTime<Utc>,
    /// 统计区间终点（不含）
    pub to: DateTime<Utc>,
    /// 本月入账绿币（来自积分账本）
    pub coins_received: i64,
    /// 本月已取货的兑换笔数
    pub fulfilled: i64,
    /// 本月已取货兑换的绿币合计（来自兑换记录）
    pub fulfilled_coins: i64,
    /// 本月交付商品件数
    pub items_handed_out: i64,
    pub goods: Vec<SettledGoods>,
    /// 本月取消的兑换笔数
    pub cancelled: i64,
    /// 本月过期的兑换笔数
    pub expired: i64,
    /// 当前待取货笔数
    pub pending_now: i64,
    /// 当前冻结待入账的绿币
    pub held_now: i64,
    /// 本店绿币账户余额（累计）
    pub balance: i64,
    /// 账本入账与兑换记录一致
    pub reconciled: bool,
}

/// Coins posted to the store's account in `[from, to)`.
async fn received(
    conn: &impl ConnectionTrait,
    account: Option<&entity::account::Model>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<i64> {
    let Some(a) = account else { return Ok(0) };
    Ok(transfer::Entity::find()
        .select_only()
        .column_as(ledger::sum_amount(), "total")
        .filter(transfer::Column::CreditAccountId.eq(a.id))
        .filter(transfer::Column::Phase.eq(entity::transfer::Phase::Post))
        .filter(transfer::Column::CreatedAt.gte(from))
        .filter(transfer::Column::CreatedAt.lt(to))
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// How many redemptions of the store were resolved in `[from, to)`, and their coins, by outcome.
async fn resolved(
    conn: &impl ConnectionTrait,
    store_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(RedemptionStatus, i64, Option<i64>)>> {
    Ok(redemption::Entity::find()
        .filter(redemption::Column::StoreId.eq(store_id))
        .filter(redemption::Column::ResolvedAt.gte(from))
        .filter(redemption::Column::ResolvedAt.lt(to))
        .select_only()
        .column(redemption::Column::Status)
        .column_as(count_i64(Expr::col(redemption::Column::Id)), "n")
        .column_as(sum_i64(Expr::col(redemption::Column::TotalCoins)), "coins")
        .group_by(redemption::Column::Status)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The goods handed over in `[from, to)`, with the coins they were redeemed for.
async fn handed_out(
    conn: &impl ConnectionTrait,
    store_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<SettledGoods>> {
    let handed: Vec<(i64, Option<i64>, Option<i64>)> = redemption_line::Entity::find()
        .select_only()
        .column(redemption_line::Column::GoodsId)
        .column_as(sum_i64(Expr::col(redemption_line::Column::Quantity)), "quantity")
        .column_as(
            sum_i64(
                Expr::col(redemption_line::Column::Quantity)
                    .mul(Expr::col(redemption_line::Column::PriceCoins)),
            ),
            "coins",
        )
        .filter(
            redemption_line::Column::RedemptionId.in_subquery(
                Query::select()
                    .column(redemption::Column::Id)
                    .from(redemption::Entity)
                    .and_where(redemption::Column::StoreId.eq(store_id))
                    .and_where(redemption::Column::Status.eq(RedemptionStatus::Fulfilled))
                    .and_where(redemption::Column::ResolvedAt.gte(from))
                    .and_where(redemption::Column::ResolvedAt.lt(to))
                    .to_owned(),
            ),
        )
        .group_by(redemption_line::Column::GoodsId)
        .into_tuple()
        .all(conn)
        .await?;
    let names = goods::Entity::find()
        .filter(goods::Column::Id.is_in(handed.iter().map(|h| h.0)))
        .all(conn)
        .await?;
    Ok(handed
        .into_iter()
        .map(|(goods_id, quantity, coins)| SettledGoods {
            goods_id: Id(goods_id),
            name: names
                .iter()
                .find(|g| g.id == goods_id)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            quantity: quantity.unwrap_or(0),
            coins: coins.unwrap_or(0),
        })
        .collect())
}

/// How many of the store's redemptions await pickup now.
async fn pending_now(conn: &impl ConnectionTrait, store_id: i64) -> AppResult<i64> {
    Ok(redemption::Entity::find()
        .filter(redemption::Column::StoreId.eq(store_id))
        .filter(redemption::Column::Status.eq(RedemptionStatus::Pending))
        .select_only()
        .column_as(count_i64(Expr::col(redemption::Column::Id)), "n")
        .into_tuple::<i64>()
        .one(conn)
        .await?
        .unwrap_or(0))
}

/// The CSV table: one row per goods handed out in the month, then a 合计 row (the other
/// figures are in the JSON answer).
impl CsvTable for SettlementOut {
    fn headers(&self) -> Vec<&'static str> {
        vec!["月份", "超市编号", "超市", "商品编号", "商品", "交付件数", "绿币"]
    }

    fn rows(&self) -> Vec<Cells> {
        let row = |goods: Option<Id>, name: &str, quantity: i64, coins: i64| {
            let mut out = Cells::default();
            out.value(&self.month)
                .id(self.store_id)
                .text(&self.store_name)
                .opt_id(goods)
                .text(name)
                .value(quantity)
                .value(coins);
            out
        };
        let total = row(
            None,
            "合计",
            self.items_handed_out,
            self.goods.iter().map(|g| g.coins).sum(),
        );
        self.goods
            .iter()
            .map(|g| row(Some(g.goods_id), &g.name, g.quantity, g.coins))
            .chain([total])
            .collect()
    }
}

/// The store's settlement for `month` (`YYYY-MM`, UTC+8; this month when none).
pub async fn month(
    conn: &impl ConnectionTrait,
    store: store::Model,
    month: Option<String>,
) -> AppResult<SettlementOut> {
    let month = month.unwrap_or_else(|| crate::calendar::month_of(Utc::now()));
    let (from, to) = crate::calendar::month_bounds(&month)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidQuery).with_detail("月份格式应为 YYYY-MM"))?;
    let account = ledger::find_account(conn, Owner::Store(store.id), Asset::Coin).await?;
    let coins_received = received(conn, account.as_ref(), from, to).await?;
    let by_status = resolved(conn, store.id, from, to).await?;
    let of = |s: RedemptionStatus| by_status.iter().find(|r| r.0 == s);
    let fulfilled = of(RedemptionStatus::Fulfilled);
    let goods = handed_out(conn, store.id, from, to).await?;
    let fulfilled_coins = fulfilled.and_then(|f| f.2).unwrap_or(0);
    let goods_coins: i64 = goods.iter().map(|g| g.coins).sum();
    Ok(SettlementOut {
        store_id: Id(store.id),
        store_name: store.name,
        month,
        from,
        to,
        coins_received,
        fulfilled: fulfilled.map_or(0, |f| f.1),
        fulfilled_coins,
        items_handed_out: goods.iter().map(|g| g.quantity).sum(),
        goods,
        cancelled: of(RedemptionStatus::Cancelled).map_or(0, |c| c.1),
        expired: of(RedemptionStatus::Expired).map_or(0, |c| c.1),
        pending_now: pending_now(conn, store.id).await?,
        held_now: account.as_ref().map_or(0, |a| a.credits_pending),
        balance: account.as_ref().map_or(0, ledger::balance),
        reconciled: coins_received == fulfilled_coins && goods_coins == fulfilled_coins,
    })
}
