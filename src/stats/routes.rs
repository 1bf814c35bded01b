//! The HTTP surface of dashboards.

use super::dashboard::{StatsOut, of_region};
use super::range::{Range, RangeQuery};
use crate::access::{RegionAccess, StaffRole};
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::ApiQuery;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(stats);
}

/// 区域统计
///
/// 本区域及下级在日期区间（北京时间，默认本月）内的统计（社区工作者）：订单按状态、类别、服务项目、办结层级计数，响应率、解决率、满意率、办结率，派单、接单、完成用时的中位数与 90 分位，超时计数；人员（活跃居民、双报到党员、报到人次、服务时长）；积分（发放、捐赠、爱心超市兑换与营业额、居民结余）；志愿活动、问题清单、微心愿。各项均按直接下级区域分项，可直接作图表序列。
#[utoipa::path(
    tag = "统计",
    params(("id" = String, Path, description = "区域 id"), RangeQuery, FormatQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "统计结果。CSV 为分项表：每个直接下级区域一行，最后一行为合计；列为区域编号、区域、层级，\
以及下单数、各状态数、响应率、解决率、满意率、办结率（0 到 1）、派单/接单/完成用时的中位数与 90 分位（分钟）、派单超时、开始服务超时、评价超时，\
人员（活跃居民、登记居民、报到党员、服务人次与时长）、积分（发放、捐赠、兑换、居民持有）、志愿活动、问题清单与微心愿各项",
            content((StatsOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：日期格式为 YYYY-MM-DD，from 不晚于 to，跨度至多 366 天；format 须为 json 或 csv"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<RangeQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let range = Range::of(&q, now)?;
    let rules = &state.config.orders;
    let stats = of_region(&state.read, rules, &access.region, range, now).await?;
    want.table(&state, "stats", &stats)
}
