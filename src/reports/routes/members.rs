//! Members' reports: submit, review, list, count.

use crate::access::{Browse, Principal, RegionAccess, ReportAccess, StaffRole};
use crate::api::Page;
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery};
use crate::reports::members::{self, ReportIn, ReportOut, ReportQuery};
use crate::reports::stats::ReportStatsOut;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::member_report::ReportStatus;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 党员报到
///
/// 党员向居住地所在社区报到，由社区工作者审核。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "社区 id")),
    request_body = ReportIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已提交，待审核", body = ReportOut),
        (status = 404, description = "社区不存在"),
        (status = 409, description = "`REPORT_EXISTS`"),
        (status = 422, description = "`REGION_KIND_INVALID`（须为社区）或 `NOT_RESIDENT_HERE`（居住地不在该社区）"),
    )
)]
#[post("/regions/{id}/reports")]
pub async fn submit(
    state: web::Data<AppState>,
    at: RegionAccess<Browse>,
    body: ApiJson<ReportIn>,
) -> AppResult<HttpResponse> {
    let created = members::submit(&state.db, &state.pii, &at.principal, at.region, body.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// 党员报到列表
///
/// 报到到该区域内各社区的记录，按时间倒序。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "区域 id"), ReportQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "报到记录。CSV 列：报到编号、提交时间、党员编号、党员、手机号、社区编号、党支部、单位编号、工作单位、特长、在职党员、状态、审核意见、审核时间",
            content((Page<ReportOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/reports")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<ReportQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let (pii, root) = (state.pii.clone(), access.region);
    want.list(&state, "reports", q.0, async move |db, q| {
        members::in_region(db, &pii, &root, q).await
    })
    .await
}

/// 我的报到
#[utoipa::path(
    tag = "双报到",
    security(("bearer" = [])),
    responses((status = 200, description = "我的报到记录", body = Vec<ReportOut>))
)]
#[get("/me/reports")]
pub async fn mine(state: web::Data<AppState>, p: Principal) -> AppResult<web::Json<Vec<ReportOut>>> {
    Ok(web::Json(members::mine(&state.db, &state.pii, &p).await?))
}

/// 通过报到
///
/// 通过后此人成为该社区的党员。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "报到记录 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已通过", body = ReportOut),
        (status = 403, description = "需要该社区的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REPORT_NOT_PENDING`"),
    )
)]
#[post("/reports/{id}/approve")]
pub async fn approve(state: web::Data<AppState>, access: ReportAccess) -> AppResult<web::Json<ReportOut>> {
    let (report, reviewer) = (&access.report, access.principal.id());
    let to = ReportStatus::Approved;
    Ok(web::Json(
        members::decide(&state, report, reviewer, to, None).await?,
    ))
}

/// 驳回报到
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectIn {
    /// 驳回原因
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 驳回报到
///
/// 须写明原因。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "报到记录 id")),
    request_body = RejectIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已驳回", body = ReportOut),
        (status = 403, description = "需要该社区的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REPORT_NOT_PENDING`"),
    )
)]
#[post("/reports/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    access: ReportAccess,
    body: ApiJson<RejectIn>,
) -> AppResult<web::Json<ReportOut>> {
    let (report, reviewer) = (&access.report, access.principal.id());
    let (to, note) = (ReportStatus::Rejected, Some(body.0.reason));
    Ok(web::Json(
        members::decide(&state, report, reviewer, to, note).await?,
    ))
}

/// 报到统计
///
/// 该区域下按社区、按单位统计报到数。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "统计", body = ReportStatsOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/report-stats")]
pub async fn stats(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<ReportStatsOut>> {
    Ok(web::Json(
        crate::reports::stats::under(&state.read, &access.region).await?,
    ))
}
