//! Goods on a store's shelf and their stock.

use crate::access::{GoodsAccess, Manager, StoreAccess, Visitor};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::store::goods::{self, GoodsIn, GoodsOut, GoodsPatch, RestockIn, RestockOut};
use actix_web::{HttpResponse, get, patch, post, web};

/// 上架商品
///
/// 开架库存记为一次入库（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = GoodsIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已上架", body = GoodsOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`GOODS_NAME_TAKEN`"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/stores/{id}/goods")]
pub async fn create_goods(
    state: web::Data<AppState>,
    access: StoreAccess<Manager>,
    body: ApiJson<GoodsIn>,
) -> AppResult<HttpResponse> {
    let g = goods::add(&state.db, access.at.store.id, body.0, access.principal.id()).await?;
    Ok(HttpResponse::Created().json(g))
}

/// 商品列表
///
/// 含库存：居民看到在架商品，工作者看到全部。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "商品目录", body = Vec<GoodsOut>),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/stores/{id}/goods")]
pub async fn list_goods(
    state: web::Data<AppState>,
    access: StoreAccess<Visitor>,
) -> AppResult<web::Json<Vec<GoodsOut>>> {
    Ok(web::Json(
        goods::shelf(&state.db, &access.principal, &access.at).await?,
    ))
}

/// 修改商品
///
/// 修改或下架（工作者）；库存只能通过入库记录变更。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id")),
    request_body = GoodsPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = GoodsOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`GOODS_NAME_TAKEN`"),
        (status = 422, description = "`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[patch("/goods/{id}")]
pub async fn update_goods(
    state: web::Data<AppState>,
    access: GoodsAccess,
    body: ApiJson<GoodsPatch>,
) -> AppResult<web::Json<GoodsOut>> {
    Ok(web::Json(
        goods::amend(&state.db, access.goods.id, body.0, access.principal.id()).await?,
    ))
}

/// 入库或报损
///
/// 每次变更都留有记录（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id")),
    request_body = RestockIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已记录", body = RestockOut),
        (status = 400, description = "`VALIDATION_FAILED`（数量为 0）"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`OUT_OF_STOCK`：报损数量超过现有库存"),
    )
)]
#[post("/goods/{id}/restocks")]
pub async fn add_stock(
    state: web::Data<AppState>,
    access: GoodsAccess,
    body: ApiJson<RestockIn>,
) -> AppResult<HttpResponse> {
    let r = goods::restock(&state.db, access.goods.id, access.principal.id(), body.0).await?;
    Ok(HttpResponse::Created().json(r))
}

/// 库存变更记录
///
/// 手工变更库存的每一条记录，按时间倒序（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "入库记录", body = Page<RestockOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/goods/{id}/restocks")]
pub async fn stock_history(
    state: web::Data<AppState>,
    access: GoodsAccess,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<RestockOut>>> {
    Ok(web::Json(goods::history(&state.db, access.goods.id, &q).await?))
}
