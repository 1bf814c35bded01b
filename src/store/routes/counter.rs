//! The store's counter: its redemptions and the pickup.

use crate::access::{Counter, StoreAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::store::listing::{self, RedemptionQuery};
use crate::store::pickup::{self, PickupIn};
use crate::store::view::RedemptionOut;
use actix_web::{get, post, web};

/// 超市兑换单
///
/// 供柜台使用（店员与工作者），按时间倒序：`status=pending` 为待取货，`fulfilled` 为已取货；不显示取货码。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id"), RedemptionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "本店兑换", body = Page<RedemptionOut>),
        (status = 403, description = "需要店员或社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/stores/{id}/redemptions")]
pub async fn store_redemptions(
    state: web::Data<AppState>,
    access: StoreAccess<Counter>,
    q: ApiQuery<RedemptionQuery>,
) -> AppResult<web::Json<Page<RedemptionOut>>> {
    Ok(web::Json(
        listing::at_store(&state.db, &state.config, &access.at.store, &q).await?,
    ))
}

/// 取货核销
///
/// 店员交货：取货码（或扫描二维码）与本超市待取的兑换核对，冻结的绿币入账到超市。错误的取货码按超市限次；其他超市的二维码返回 404。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = PickupIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已核销，请按 items 交付商品", body = RedemptionOut),
        (status = 403, description = "需要本社区店员或社区工作者角色"),
        (status = 404, description = "爱心超市不存在或不在你的管辖范围，或二维码属于其他超市"),
        (status = 409, description = "`REDEMPTION_NOT_PENDING`：已取货、已取消或已过期"),
        (status = 422, description = "`PICKUP_CODE_INVALID`"),
        (status = 429, description = "`RATE_LIMITED`：错误次数过多，见 Retry-After"),
    )
)]
#[post("/stores/{id}/pickups")]
pub async fn pick_up(
    state: web::Data<AppState>,
    access: StoreAccess<Counter>,
    body: ApiJson<PickupIn>,
) -> AppResult<web::Json<RedemptionOut>> {
    let clerk = access.principal.id();
    Ok(web::Json(
        pickup::hand_over(&state, &access.at, clerk, &body.0.code).await?,
    ))
}
