//! Posting, listing, reading and withdrawing wishes.

use crate::access::{Browse, Principal, RegionAccess, WishAccess};
use crate::api::Page;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::wishes::listing::{self, MyWishesQuery, RegionWishesQuery};
use crate::wishes::posting::{self, WishIn};
use crate::wishes::view::{WishOut, one};
use actix_web::{HttpResponse, get, post, web};

/// 发布心愿
///
/// 居民在自己经确认的居住社区或网格发布微心愿，待社区工作者审核（pending_review）。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "社区或网格 id")),
    request_body = WishIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发布，待审核", body = WishOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "`NOT_A_RESIDENT`：不是经确认居住在这里的居民"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区或网格；`MEDIA_INVALID`：引用的上传图片不存在、不是本人上传、已用于其他对象或已过期"),
    )
)]
#[post("/regions/{id}/wishes")]
pub async fn post(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    body: ApiJson<WishIn>,
) -> AppResult<HttpResponse> {
    let w = posting::post(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(w))
}

/// 区域心愿列表
///
/// 工作者看到区域内全部状态的心愿（可按状态筛选）；本社区的居民、党员看到待认领的心愿。按发布时间倒序。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "区域 id"), RegionWishesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "心愿列表", body = Page<WishOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标、每页条数或状态无效"),
        (status = 403, description = "不是该区域的工作者，也不属于其社区"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/wishes")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    q: ApiQuery<RegionWishesQuery>,
) -> AppResult<web::Json<Page<WishOut>>> {
    Ok(web::Json(
        listing::of_region(&state, &at.principal, &at.region, &q).await?,
    ))
}

/// 我的心愿
///
/// 我发布的和我认领的心愿，按发布时间倒序。
#[utoipa::path(
    tag = "微心愿",
    params(MyWishesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "心愿列表", body = Page<WishOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标、每页条数或 role 无效"),
    )
)]
#[get("/me/wishes")]
pub async fn mine(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<MyWishesQuery>,
) -> AppResult<web::Json<Page<WishOut>>> {
    Ok(web::Json(listing::mine(&state.db, &p, &q).await?))
}

/// 心愿详情
///
/// 发布人、该区域的工作者、认领人可见；待认领的心愿本社区的人都可见。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "心愿", body = WishOut),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
    )
)]
#[get("/wishes/{id}")]
pub async fn get(state: web::Data<AppState>, access: WishAccess) -> AppResult<web::Json<WishOut>> {
    let seen = access.seen;
    Ok(web::Json(one(&state.db, seen.wish, &seen.standing).await?))
}

/// 撤回心愿
///
/// 发布的居民在心愿被认领前撤回。
#[utoipa::path(
    tag = "微心愿",
    params(("id" = String, Path, description = "心愿 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已撤回：withdrawn", body = WishOut),
        (status = 403, description = "不是发布心愿的居民"),
        (status = 404, description = "`WISH_NOT_FOUND`：不存在或与你无关"),
        (status = 409, description = "`WISH_INVALID_TRANSITION`：已被认领或已结束"),
    )
)]
#[post("/wishes/{id}/withdraw")]
pub async fn withdraw(state: web::Data<AppState>, access: WishAccess) -> AppResult<web::Json<WishOut>> {
    Ok(web::Json(posting::withdraw(&state, &access.seen).await?))
}
