//! The HTTP surface of the volunteer record.

use super::corrections::{self, CorrectionIn};
use super::history::{self, ItemOut, RecordOut};
use crate::access::{Principal, RecordAccess, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery};
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::idempotency::Answer;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(mine).service(in_region).service(correct);
}

/// 我的志愿服务记录
///
/// 每一次计入时间银行的服务（订单与志愿活动），含组织方、内容、时间与认定时长；更正以负数记录并写明原因。附累计时长与星级。
#[utoipa::path(
    tag = "志愿活动",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务记录（最新的在前）", body = RecordOut),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/service-record")]
pub async fn mine(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<RecordOut>> {
    let hours = &state.config.stars.hours;
    Ok(web::Json(history::mine(&state.db, hours, p.id(), &q).await?))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RegionRecordQuery {
    /// 只看某位志愿者
    pub user_id: Option<Id>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

crate::api::paged!(RegionRecordQuery);

/// 辖区志愿服务记录
///
/// 本区域（含下级）组织的服务的记录，含志愿者姓名；可按志愿者筛选（社区工作者）。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "区域 id"), RegionRecordQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "服务记录（最新的在前）。CSV 列：记录编号、服务时间、类别、志愿者编号、志愿者、来源订单编号、来源活动编号、更正的记录编号、组织方、服务内容、时长（分钟）、绿币、更正原因、记入时间",
            content((Page<ItemOut> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`（format 须为 json 或 csv）"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/service-records")]
pub async fn in_region(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<RegionRecordQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let root = access.region;
    want.list(&state, "service-records", q.0, async move |db, q| {
        let page = PageQuery {
            cursor: q.cursor.clone(),
            limit: q.limit,
        };
        history::in_region(db, &root, q.user_id.map(|u| u.0), &page).await
    })
    .await
}

/// 更正志愿服务记录
///
/// 组织该服务的区域的社区工作者冲减一条记录的部分或全部时长、绿币，须写明原因；原记录不改，另记一条负数记录，并从志愿者账户冲回积分池。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "记录 id"), ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    request_body = CorrectionIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已更正：新增的更正记录", body = ItemOut),
        (status = 400, description = "`VALIDATION_FAILED`；`IDEMPOTENCY_KEY_REQUIRED`"),
        (status = 403, description = "需要组织该服务的区域的社区工作者"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`INSUFFICIENT_BALANCE`：志愿者余额已不足冲减；`IDEMPOTENCY_KEY_REUSED`"),
        (status = 422, description = "`CORRECTION_EMPTY`、`CORRECTION_EXCEEDS_RECORD` 或 `RECORD_NOT_CORRECTABLE`（更正记录本身）"),
    )
)]
#[post("/service-records/{id}/corrections")]
pub async fn correct(
    state: web::Data<AppState>,
    access: RecordAccess,
    key: IdempotencyKey,
    input: ApiJson<CorrectionIn>,
) -> AppResult<Answer> {
    let key = key.bind(access.principal.id(), &input.0)?;
    let cfg = &state.config;
    corrections::correct(&state.db, cfg, &key, &access.at, access.principal.id(), input.0).await
}
