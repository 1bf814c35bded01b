//! The HTTP surface of 红黑榜.

use super::board::{self, BoardOut, BoardQuery};
use super::leaderboard::{LeaderboardOut, LeaderboardQuery};
use crate::access::Principal;
use crate::error::AppResult;
use crate::export::stream::{FormatQuery, Want};
use crate::extract::{ApiQuery, PathId};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(boards).service(leaderboard);
}

/// 红黑榜（月度）
///
/// 区域（含下级）某月的红榜与黑榜：社区、职能部门、驻区单位与党员志愿者。由当月发生且不再更改的记录计算，
/// 过去月份的榜单任何时候查询都相同。无需登录；未登录或非该区域工作人员时为公开视图（党员姓名打码、不含个人 id）。
#[utoipa::path(
    tag = "统计",
    params(("id" = String, Path, description = "区域 id"), BoardQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "红黑榜", body = BoardOut),
        (status = 400, description = "`VALIDATION_FAILED`：月份格式为 YYYY-MM"),
        (status = 404, description = "区域不存在"),
    )
)]
#[get("/regions/{id}/boards")]
pub async fn boards(
    state: web::Data<AppState>,
    p: Option<Principal>,
    id: PathId,
    q: ApiQuery<BoardQuery>,
) -> AppResult<web::Json<BoardOut>> {
    let root = state.regions.find(&state.db, id.into_inner()).await?;
    let now = state.clock.now();
    let month = board::month(q.month.as_deref(), now)?;
    Ok(web::Json(
        board::of_region(&state.read, p.as_ref(), &root, month, now).await?,
    ))
}

/// 红榜（排行榜）
///
/// 区域（含下级）某月的党员志愿者与驻区单位排行：按服务时长（hours）、获得绿币（coins）、完成订单（orders）
/// 或平均评分（rating，至少 3 条评价）排名；单位为其双报到党员的合计。按当月写入的记录计算，过去月份的排行
/// 任何时候查询都相同。数值相同名次相同（1、1、3）。无需登录；未登录或非该区域工作人员时为公开视图
/// （姓名打码如 吴**，不含任何 id）。
#[utoipa::path(
    tag = "统计",
    params(("id" = String, Path, description = "区域 id"), LeaderboardQuery, FormatQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "红榜。CSV 每行一名：榜单（党员/单位）、名次、编号（公开视图为空）、姓名/名称、数值、分钟、评价数、报到党员数",
            content((LeaderboardOut = "application/json"), (String = "text/csv"))),
        (status = 400, description = "`INVALID_QUERY`：period 或 by 取值不支持，format 须为 json 或 csv；`VALIDATION_FAILED`：月份格式为 YYYY-MM，limit 为 1 到 100"),
        (status = 404, description = "区域不存在"),
    )
)]
#[get("/regions/{id}/leaderboard")]
pub async fn leaderboard(
    state: web::Data<AppState>,
    p: Option<Principal>,
    id: PathId,
    q: ApiQuery<LeaderboardQuery>,
    want: Want,
) -> AppResult<HttpResponse> {
    let root = state.regions.find(&state.db, id.into_inner()).await?;
    let now = state.clock.now();
    let board = super::leaderboard::of_region(&state.read, p.as_ref(), &root, &q, now).await?;
    want.table(&state, "leaderboard", &board)
}
