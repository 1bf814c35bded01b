//! The store's counter: its redemptions and the pickup.

use crate::access::{Counter, StoreAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::store::listing::{self, RedemptionQuery};
use crate::store::pickup::{self, PickupIn};
use crate::store::view::RedemptionOut;
use actix_web::{HttpResponse, get, post, web};

/// 超市兑换单
///
/// 供柜台使用（店员与工作者），按时间倒序：`status=pending` 为待取货，`fulfilled` 为已取货；不显示取货码。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id"), RedemptionQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "本店兑换。CSV 列：兑换编号、兑换时间、状态、超市编号、超市、兑换人编号、兑换人、商品、件数、绿币、过期时间、取货、取消或过期时间",
            content((Page<RedemptionOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要店员或社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/stores/{id}/redemptions")]
pub async fn store_redemptions(
    state: web::Data<AppState>,
    access: StoreAccess<Counter>,
    q: ApiQuery<RedemptionQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let (config, store) = (state.config.clone(), access.at.store);
    want.list(&state, "redemptions", q.0, async move |db, q| {
        listing::at_store(db, &config, &store, q).await
    })
    .await
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
