//! The buyer's redemptions: redeem, cancel, read.

use crate::access::{Buyer, BuyerOrCounter, Principal, RedemptionAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::idempotency::Answer;
use crate::state::AppState;
use crate::store::buying::{self, RedeemIn};
use crate::store::listing::{self, RedemptionQuery};
use crate::store::view::RedemptionOut;
use actix_web::{get, post, web};

/// 绿币兑换
///
/// 预留库存并冻结绿币直到取货。请带 `Idempotency-Key`：重试时返回第一次的兑换而不会重复兑换。
#[utoipa::path(
    tag = "爱心超市",
    request_body = RedeemIn,
    params(("Idempotency-Key" = String, Header, description = "幂等键（必填）：同一键同一请求只兑换一次")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已兑换，凭取货码到店取货", body = RedemptionOut),
        (status = 400, description = "`IDEMPOTENCY_KEY_REQUIRED` 或 `VALIDATION_FAILED`（如同一商品出现两次）"),
        (status = 403, description = "不是该社区的居民或志愿者"),
        (status = 404, description = "爱心超市不存在或不在你的社区"),
        (status = 409, description = "`OUT_OF_STOCK`、`INSUFFICIENT_BALANCE`、`GOODS_CHANGED`（兑换价刚调整，可用同一幂等键重试）或 `IDEMPOTENCY_KEY_IN_FLIGHT`"),
        (status = 422, description = "`GOODS_REPEATED`（同一商品出现两次）、`LIMIT_EXCEEDED`、`GOODS_UNAVAILABLE`、`STORE_UNAVAILABLE` 或 `IDEMPOTENCY_KEY_REUSED`"),
    )
)]
#[post("/redemptions")]
pub async fn redeem(
    state: web::Data<AppState>,
    p: Principal,
    key: IdempotencyKey,
    body: ApiJson<RedeemIn>,
) -> AppResult<Answer> {
    let key = key.bind(p.id(), &body.0)?;
    buying::redeem(&state, &p, &key, &body.0).await
}

/// 取消兑换
///
/// 兑换人在取货前取消：绿币解冻，商品回到货架。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "兑换 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消", body = RedemptionOut),
        (status = 404, description = "不存在或不是你的兑换"),
        (status = 409, description = "`REDEMPTION_NOT_PENDING`：已取货、已取消或已过期"),
    )
)]
#[post("/redemptions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    access: RedemptionAccess<Buyer>,
) -> AppResult<web::Json<RedemptionOut>> {
    let (r, store) = (&access.redemption, &access.at.store);
    Ok(web::Json(
        buying::cancel(&state.db, &state.config, access.principal.id(), r, store).await?,
    ))
}

/// 我的兑换
///
/// 按时间倒序；待取货的附取货码。
#[utoipa::path(
    tag = "爱心超市",
    params(RedemptionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "我的兑换", body = Page<RedemptionOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/redemptions")]
pub async fn my_redemptions(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<RedemptionQuery>,
) -> AppResult<web::Json<Page<RedemptionOut>>> {
    Ok(web::Json(
        listing::of_buyer(&state.db, &state.config, p.id(), &q).await?,
    ))
}

/// 兑换详情
///
/// 兑换人可见取货码，超市柜台不可见。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "兑换 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "兑换详情", body = RedemptionOut),
        (status = 404, description = "不存在或无权查看"),
    )
)]
#[get("/redemptions/{id}")]
pub async fn get_redemption(
    state: web::Data<AppState>,
    access: RedemptionAccess<BuyerOrCounter>,
) -> AppResult<web::Json<RedemptionOut>> {
    let (r, store, party) = (access.redemption, &access.at.store, access.party);
    Ok(web::Json(
        buying::detail(&state.db, &state.config, r, store, party).await?,
    ))
}
