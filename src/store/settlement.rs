//! Monthly settlement of a store: what it handed out and the coins it received, checked against
//! the ledger.

use super::locate;
use crate::api::Id;
use crate::auth::Principal;
use crate::db::{count_i64, sum_i64};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiQuery, PathId};
use crate::ledger::{self, Asset, Owner};
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use entity::redemption::{self, RedemptionStatus};
use entity::{goods, redemption_line, transfer};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct SettlementQuery {
    /// 结算月份 `YYYY-MM`（北京时间，1900 到 9999 年），默认本月
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
}

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

/// 超市月度结算
///
/// 账本收到的绿币、超市自身记录的兑换与发出商品，以及两者是否一致（店员与工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id"), SettlementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "月度结算", body = SettlementOut),
        (status = 400, description = "`VALIDATION_FAILED`：月份格式应为 YYYY-MM（1900 到 9999 年）"),
        (status = 403, description = "需要店员或社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/stores/{id}/settlement")]
pub async fn settlement(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    q: ApiQuery<SettlementQuery>,
) -> AppResult<web::Json<SettlementOut>> {
    let at = locate(&state.db, *id).await?;
    at.counter(&p)?;
    let month = q
        .month
        .clone()
        .unwrap_or_else(|| crate::calendar::month_of(Utc::now()));
    let (from, to) = crate::calendar::month_bounds(&month)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidQuery).with_detail("月份格式应为 YYYY-MM"))?;
    let db = &state.db;
    let store_id = at.store.id;

    let account = ledger::find_account(db, Owner::Store(store_id), Asset::Coin).await?;
    let coins_received = match &account {
        Some(a) => transfer::Entity::find()
            .select_only()
            .column_as(ledger::sum_amount(), "total")
            .filter(transfer::Column::CreditAccountId.eq(a.id))
            .filter(transfer::Column::Phase.eq("post"))
            .filter(transfer::Column::CreatedAt.gte(from))
            .filter(transfer::Column::CreatedAt.lt(to))
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten()
            .unwrap_or(0),
        None => 0,
    };

    let in_month = || {
        redemption::Entity::find()
            .filter(redemption::Column::StoreId.eq(store_id))
            .filter(redemption::Column::ResolvedAt.gte(from))
            .filter(redemption::Column::ResolvedAt.lt(to))
    };
    let by_status: Vec<(RedemptionStatus, i64, Option<i64>)> = in_month()
        .select_only()
        .column(redemption::Column::Status)
        .column_as(count_i64(Expr::col(redemption::Column::Id)), "n")
        .column_as(sum_i64(Expr::col(redemption::Column::TotalCoins)), "coins")
        .group_by(redemption::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let of = |s: RedemptionStatus| by_status.iter().find(|r| r.0 == s);
    let fulfilled = of(RedemptionStatus::Fulfilled);

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
        .all(db)
        .await?;
    let names = goods::Entity::find()
        .filter(goods::Column::Id.is_in(handed.iter().map(|h| h.0)))
        .all(db)
        .await?;
    let goods: Vec<SettledGoods> = handed
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
        .collect();

    let pending_now: i64 = redemption::Entity::find()
        .filter(redemption::Column::StoreId.eq(store_id))
        .filter(redemption::Column::Status.eq(RedemptionStatus::Pending))
        .select_only()
        .column_as(count_i64(Expr::col(redemption::Column::Id)), "n")
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);

    let fulfilled_coins = fulfilled.and_then(|f| f.2).unwrap_or(0);
    let goods_coins: i64 = goods.iter().map(|g| g.coins).sum();
    Ok(web::Json(SettlementOut {
        store_id: Id(store_id),
        store_name: at.store.name,
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
        pending_now,
        held_now: account.as_ref().map_or(0, |a| a.credits_pending),
        balance: account.as_ref().map_or(0, ledger::balance),
        reconciled: coins_received == fulfilled_coins && goods_coins == fulfilled_coins,
    }))
}
