//! The certificate HTTP surface: request one, list mine and a region's, verify a number
//! publicly, download the PDF.

use crate::access::{CertificateAccess, Principal, RegionAccess, StaffRole};
use crate::api::{Page, PageQuery};
use crate::certificates::facts::{CertificateOut, CertificateSummary};
use crate::certificates::issue::{self, IssueIn};
use crate::certificates::{listing, lookup};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery, OptionalIdempotencyKey};
use crate::idempotency::Answer;
use crate::state::AppState;
use actix_web::http::header::{
    CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpResponse, get, post, web};
use utoipa::ToSchema;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(request)
        .service(mine)
        .service(of_region)
        .service(verify)
        .service(pdf);
}

/// PDF 文件
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

/// 申请志愿服务记录证明
///
/// 为自己在某一期间（北京时间日历日，含首尾）计入的志愿服务（订单与活动）开具一份带编号的证明。证明内容在开具时固定，之后对服务记录的更正不改变已开具的证明。出具单位为本人所属社区：最近一次通过的党员报到社区，否则党员角色所在社区，否则经确认的居住社区。带 `Idempotency-Key` 重试时返回第一次的证明；不带则每次开具新编号。
#[utoipa::path(
    tag = "志愿活动",
    request_body = IssueIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键：重试时带同一个值，只开具一份证明")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已开具（重试时返回第一次的证明，并带 `Idempotent-Replayed: true` 头）", body = CertificateOut),
        (status = 400, description = "`VALIDATION_FAILED`：日期格式不对（YYYY-MM-DD）"),
        (status = 422, description = "`CERTIFICATE_PERIOD_INVALID`：起始日早于 2000-01-01 或晚于截止日、截止日晚于今天或期间超过 5 年（errors 指明字段）；`NOTHING_TO_CERTIFY`：该期间没有计入的服务时长；`NO_ISSUING_COMMUNITY`：没有所属社区"),
        (status = 429, description = "`RATE_LIMITED`：申请过于频繁（每小时 10 次）"),
    )
)]
#[post("/me/certificates")]
pub async fn request(
    state: web::Data<AppState>,
    p: Principal,
    key: OptionalIdempotencyKey,
    body: ApiJson<IssueIn>,
) -> AppResult<Answer> {
    let key = key.bind(p.id(), &body.0)?;
    issue::issue(&state, &p, key.as_ref(), body.0).await
}

/// 我的证明
///
/// 开具给我的志愿服务记录证明，按开具时间倒序。
#[utoipa::path(
    tag = "志愿活动",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "证明列表", body = Page<CertificateSummary>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
    )
)]
#[get("/me/certificates")]
pub async fn mine(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<CertificateSummary>>> {
    Ok(web::Json(listing::mine(&state.db, p.id(), &q).await?))
}

/// 区域开具的证明
///
/// 该区域内各社区开具的志愿服务记录证明（工作者），按开具时间倒序。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "证明列表", body = Page<CertificateSummary>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 403, description = "不是该区域的社区工作者"),
        (status = 404, description = "区域不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/certificates")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<CertificateSummary>>> {
    Ok(web::Json(listing::of_region(&state.db, &at.region, &q).await?))
}

/// 核验证明
///
/// 凭证明编号公开核验（无需登录）：返回与证明相同的内容，姓名打码、不含志愿者编号，服务内容中的数字隐去。
#[utoipa::path(
    tag = "晒单",
    params(("number" = String, Path, description = "证明编号", pattern = "^LL[0-9]{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$", example = "LL2026-7K3M9-QX2PD-4")),
    responses(
        (status = 200, description = "证明（已脱敏）", body = CertificateOut),
        (status = 404, description = "`CERTIFICATE_NOT_FOUND`：编号不存在或校验位不符"),
    )
)]
#[get("/certificates/{number}")]
pub async fn verify(
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> AppResult<web::Json<CertificateOut>> {
    Ok(web::Json(lookup::verify(&state.db, &number).await?))
}

/// 下载证明 PDF
///
/// 证明本人与出具社区的工作者可下载；其他人按编号不存在处理（404）。每次生成的文件相同。
#[utoipa::path(
    tag = "志愿活动",
    params(("number" = String, Path, description = "证明编号", pattern = "^LL[0-9]{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$", example = "LL2026-7K3M9-QX2PD-4")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "证明 PDF（A4）", body = PdfFile, content_type = "application/pdf"),
        (status = 404, description = "`CERTIFICATE_NOT_FOUND`：编号不存在，或不是本人的证明、也不在你的管辖范围"),
    )
)]
#[get("/certificates/{number}/pdf")]
pub async fn pdf(access: CertificateAccess) -> AppResult<HttpResponse> {
    let filename = format!("{}.pdf", access.facts.number);
    let bytes = lookup::pdf(access.facts).await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Inline,
        parameters: vec![DispositionParam::Filename(filename)],
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(disposition)
        .insert_header(CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::NoStore,
        ]))
        .body(bytes))
}
