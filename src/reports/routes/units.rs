//! Units reported to a community.

use crate::access::{RegionAccess, StaffRole, UnitAccess};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery};
use crate::reports::members::ReportOut;
use crate::reports::rollup::{self, RollupOut, RollupQuery};
use crate::reports::units::{self, UnitIn, UnitOut};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 单位报到
///
/// 登记一个驻区单位向本社区报到。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "社区 id")),
    request_body = UnitIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已登记", body = UnitOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`UNIT_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区"),
    )
)]
#[post("/regions/{id}/units")]
pub async fn create(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    body: ApiJson<UnitIn>,
) -> AppResult<HttpResponse> {
    let (region, actor) = (&access.region, access.principal.id());
    let created = units::create(&state.db, &state.pii, region, actor, body.0).await?;
    Ok(HttpResponse::Created().json(created))
}

/// 驻区单位列表
///
/// 报到到该区域内各社区的单位，按时间倒序。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "驻区单位", body = Page<UnitOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/units")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<UnitOut>>> {
    Ok(web::Json(
        units::in_region(&state.db, &state.pii, &access.region, &q).await?,
    ))
}

/// 驻区单位详情
///
/// 单位管理员与所在社区工作者可见。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "单位 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "驻区单位", body = UnitOut),
        (status = 404, description = "不存在或不可见"),
    )
)]
#[get("/units/{id}")]
pub async fn get(state: web::Data<AppState>, access: UnitAccess) -> AppResult<web::Json<UnitOut>> {
    Ok(web::Json(UnitOut::new(access.unit, &state.pii)))
}

/// 单位党员报到记录
///
/// 在该单位工作的党员的报到；单位管理员与所在社区工作者可见。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "单位 id"), PageQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "本单位党员的报到记录。CSV 列同 /regions/{id}/reports",
            content((Page<ReportOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 404, description = "不存在或不可见"),
    )
)]
#[get("/units/{id}/reports")]
pub async fn reports(
    state: web::Data<AppState>,
    access: UnitAccess,
    q: ApiQuery<PageQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let (pii, unit) = (state.pii.clone(), access.unit);
    want.list(&state, "unit-reports", q.0, async move |db, q| {
        units::reports(db, &pii, &unit, q).await
    })
    .await
}

/// 驻区单位月度汇总
///
/// 该区域内各驻区单位某月的情况：双报到党员人数、服务时长与报到服务人次（每位党员每次计入的订单或活动算一次）、
/// 问题清单的认领与解决。按记录写入的时间计，过去月份的结果不变。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "区域 id"), RollupQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "单位汇总。CSV 每个单位一行，最后一行为合计；列为月份、单位编号、单位、社区编号、双报到党员、服务时长（分钟）、报到服务人次、认领问题、解决问题、完成共建项目",
            content((RollupOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`VALIDATION_FAILED`：月份格式为 YYYY-MM；`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/unit-rollup")]
pub async fn unit_rollup(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<RollupQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let out = rollup::of_region(&state.read, &access.region, &q, now).await?;
    want.table(&state, "unit-rollup", &out)
}
