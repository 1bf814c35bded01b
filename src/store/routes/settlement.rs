//! The store's monthly settlement.

use crate::access::{Counter, StoreAccess};
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::store::settlement::SettlementOut;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct SettlementQuery {
    /// 结算月份 `YYYY-MM`（北京时间，1900 到 9999 年），默认本月
    #[param(pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$")]
    #[validate(custom(function = "crate::calendar::valid_month"))]
    pub month: Option<String>,
}

/// 超市月度结算
///
/// 账本收到的绿币、超市自身记录的兑换与发出商品，以及两者是否一致（店员与工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id"), SettlementQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "月度结算。CSV 为本月交付商品表：每种商品一行，最后一行为合计；列为月份、超市编号、超市、商品编号、商品、交付件数、绿币",
            content((SettlementOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`VALIDATION_FAILED`：月份格式应为 YYYY-MM（1900 到 9999 年）；`INVALID_QUERY`：format 须为 json 或 csv"),
        (status = 403, description = "需要店员或社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/stores/{id}/settlement")]
pub async fn settlement(
    state: web::Data<AppState>,
    access: StoreAccess<Counter>,
    q: ApiQuery<SettlementQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let month = q.0.month;
    let out = crate::store::settlement::month(want.conn(&state), access.at.store, month).await?;
    want.table(&state, "settlement", &out)
}
