//! `/regions/{id}/residences` and `/residences/{id}/…`: staff review declarations.

use crate::access::{RegionAccess, ResidenceAccess, StaffRole};
use crate::api::Page;
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery};
use crate::residences::review::{self, ResidenceQuery, ResidenceRejectIn, ResidenceReviewOut};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::residence::ResidenceStatus;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(confirm).service(reject);
}

/// 居住地申报列表
///
/// 本区域及下级的居住地申报，最新的在前；工作人员据此确认待确认（pending）的申报。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "区域 id"), ResidenceQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "居住地申报。CSV 列：申报编号、申报时间、居民编号、居民、手机号、网格或楼栋编号、网格或楼栋、门牌地址、状态、审核意见、审核时间",
            content((Page<ResidenceReviewOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/residences")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<ResidenceQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let (pii, root) = (state.pii.clone(), access.region);
    want.list(&state, "residences", q.0, async move |db, q| {
        review::list(db, &pii, &root, q).await
    })
    .await
}

/// 确认居住地
///
/// 确认一条待确认的申报：此人成为该处居民（与授予 `resident` 角色相同），
/// 从而可以使用本社区的服务目录、爱心超市和党员报到。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "居住地申报 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已确认", body = ResidenceReviewOut),
        (status = 403, description = "需要该处的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`RESIDENCE_NOT_PENDING`"),
    )
)]
#[post("/residences/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    access: ResidenceAccess,
) -> AppResult<web::Json<ResidenceReviewOut>> {
    let (p, r) = (&access.principal, &access.residence);
    Ok(web::Json(
        review::decide(&state, p, r, ResidenceStatus::Confirmed, None).await?,
    ))
}

/// 驳回居住地申报
///
/// 驳回一条待确认的申报并说明原因；此人不能再在该处下单。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "居住地申报 id")),
    request_body = ResidenceRejectIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已驳回", body = ResidenceReviewOut),
        (status = 403, description = "需要该处的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`RESIDENCE_NOT_PENDING`"),
    )
)]
#[post("/residences/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    access: ResidenceAccess,
    body: ApiJson<ResidenceRejectIn>,
) -> AppResult<web::Json<ResidenceReviewOut>> {
    let (p, r) = (&access.principal, &access.residence);
    let note = Some(body.0.reason);
    Ok(web::Json(
        review::decide(&state, p, r, ResidenceStatus::Rejected, note).await?,
    ))
}
