//! Opening, listing and running stores.

use crate::access::{CommunityAccess, Manager, RegionAccess, StaffRole, StoreAccess, Visitor};
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::catalogue::{self, StoreIn, StoreOut, StorePatch};
use actix_web::{HttpResponse, get, patch, post, web};

/// 开设爱心超市
///
/// 在社区开设爱心超市（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "社区 id")),
    request_body = StoreIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已创建", body = StoreOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`STORE_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区"),
    )
)]
#[post("/regions/{id}/stores")]
pub async fn create_store(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    body: ApiJson<StoreIn>,
) -> AppResult<HttpResponse> {
    let s = catalogue::open(&state.db, &access.region, body.0).await?;
    Ok(HttpResponse::Created().json(StoreOut::from(s)))
}

/// 爱心超市列表
///
/// 区域所在社区的超市：居民看到营业中的，工作者看到全部。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "社区或其下级区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "爱心超市", body = Vec<StoreOut>),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/regions/{id}/stores")]
pub async fn list_stores(
    state: web::Data<AppState>,
    at: CommunityAccess,
) -> AppResult<web::Json<Vec<StoreOut>>> {
    Ok(web::Json(
        catalogue::list(&state.db, &at.principal, &at.community).await?,
    ))
}

/// 爱心超市详情
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "爱心超市", body = StoreOut),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/stores/{id}")]
pub async fn get_store(access: StoreAccess<Visitor>) -> AppResult<web::Json<StoreOut>> {
    Ok(web::Json(access.at.store.into()))
}

/// 修改爱心超市
///
/// 修改信息或暂停兑换（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = StorePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = StoreOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`STORE_NAME_TAKEN`"),
    )
)]
#[patch("/stores/{id}")]
pub async fn update_store(
    state: web::Data<AppState>,
    access: StoreAccess<Manager>,
    body: ApiJson<StorePatch>,
) -> AppResult<web::Json<StoreOut>> {
    Ok(web::Json(
        catalogue::amend(&state.db, access.at.store, body.0).await?,
    ))
}
