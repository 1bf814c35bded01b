//! Placing, reading and listing orders.

use crate::access::{OrderReadAccess, Principal, RegionAccess, StaffRole};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery, OptionalIdempotencyKey};
use crate::idempotency::Answer;
use crate::orders::listing::{self, ListQuery, StatusCount};
use crate::orders::placement::{self, PlaceOrderIn};
use crate::orders::view::{self, OrderDetailOut, OrderOut};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 下单（群众点单）
///
/// 在自己居住的区域下单。请带 `Idempotency-Key`，重试时返回第一次的订单而不会重复下单。
#[utoipa::path(
    tag = "订单",
    request_body = PlaceOrderIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键：重试时带同一个值，只会生成一张订单")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已下单（重试时返回第一次的订单，并带 `Idempotent-Replayed: true` 头）", body = OrderOut),
        (status = 422, description = "`ORDER_REGION_INVALID` 或 `SERVICE_ITEM_UNAVAILABLE`；`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
        (status = 429, description = "`RATE_LIMITED`：下单过于频繁"),
    )
)]
#[post("/orders")]
pub async fn place(
    state: web::Data<AppState>,
    p: Principal,
    key: OptionalIdempotencyKey,
    body: ApiJson<PlaceOrderIn>,
) -> AppResult<Answer> {
    let key = key.bind(p.id(), &body.0)?;
    placement::place(&state, &p, key.as_ref(), body.0).await
}

/// 订单详情
///
/// 含处理时间线；下单居民、接单党员、上级工作者与单位管理员可见。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "订单及时间线", body = OrderDetailOut),
        (status = 404, description = "不存在或与你无关"),
    )
)]
#[get("/orders/{id}")]
pub async fn get(state: web::Data<AppState>, access: OrderReadAccess) -> web::Json<OrderDetailOut> {
    web::Json(view::detail(&state.pii, access.principal.id(), access.read))
}

/// 订单列表
///
/// 按某一视角列出，按时间倒序，游标分页；`format=csv` 导出全部（手机号与 JSON 一样脱敏）。
#[utoipa::path(
    tag = "订单",
    params(ListQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "订单列表。CSV 列：订单编号、下单时间、状态、标题、服务内容、服务地址、下单居民编号、下单居民、居民手机号、联系电话、当前区域编号、下单区域编号、服务项目编号、接单党员编号、接单党员、派给单位编号、派单方式、紧急程度、轻重、申报分钟、计入分钟、评分、评价、派单时间、接单时间、开始服务时间、完成服务时间、办结时间",
            content((Page<OrderOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 422, description = "`SCOPE_TARGET_REQUIRED`：scope=region 缺少 region_id，或 scope=unit 缺少 unit_id"),
        (status = 403, description = "不是该区域的社区工作者或该单位的管理员"),
        (status = 404, description = "区域或单位不可见"),
    )
)]
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<ListQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let at = state.clone();
    want.list(&state, "orders", q.0, async move |db, q| {
        listing::list(db, &at, &p, q).await
    })
    .await
}

/// 抢单池
///
/// 当前党员可抢的已发布订单，按时间倒序。
#[utoipa::path(
    tag = "订单",
    params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "可抢的订单", body = Page<OrderOut>))
)]
#[get("/orders/pool")]
pub async fn pool(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<OrderOut>>> {
    Ok(web::Json(listing::pool(&state, &p, &q).await?))
}

/// 各状态订单数
///
/// 区域及下级的订单按状态计数（调度台）。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "各状态数量", body = Vec<StatusCount>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/order-counts")]
pub async fn counts(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<Vec<StatusCount>>> {
    Ok(web::Json(listing::counts(&state.read, &access.region).await?))
}
