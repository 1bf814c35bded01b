//! The HTTP surface of 红黑榜.

use super::board::{self, BoardOut, BoardQuery};
use crate::access::Principal;
use crate::error::AppResult;
use crate::extract::{ApiQuery, PathId};
use crate::state::AppState;
use actix_web::{get, web};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(boards);
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
    let month = board::month(&q, now)?;
    Ok(web::Json(
        board::of_region(&state.read, p.as_ref(), &root, month, now).await?,
    ))
}
