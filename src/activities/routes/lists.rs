//! Lists of activities.

use crate::access::{Principal, RegionAccess, StaffRole};
use crate::activities::listing::{self, MineOut};
use crate::activities::view::ActivityOut;
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use actix_web::{get, web};

/// 区域的活动
///
/// 该区域及其下级的全部活动（含已取消），按发布时间倒序（工作者）。
#[utoipa::path(
    tag = "志愿活动",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "活动", body = Page<ActivityOut>),
        (status = 400, description = "`INVALID_QUERY`"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/activities")]
pub async fn in_region(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<ActivityOut>>> {
    Ok(web::Json(
        listing::in_region(&state.db, &access.region, &q).await?,
    ))
}

/// 我报名的活动
///
/// 含报名状态、候补名次、签到签退与计入时长，按报名时间倒序。
#[utoipa::path(
    tag = "志愿活动",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "我的报名", body = Page<MineOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/activities")]
pub async fn mine(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<MineOut>>> {
    Ok(web::Json(listing::mine(&state.db, p.id(), &q).await?))
}

/// 附近的活动
///
/// 我居住的社区（含其网格）尚未结束的活动，按发布时间倒序；未确认居住地时为空。
#[utoipa::path(
    tag = "志愿活动",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "活动", body = Page<ActivityOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/activities/upcoming")]
pub async fn upcoming(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<ActivityOut>>> {
    Ok(web::Json(
        listing::upcoming(&state.read, &state.regions, &p, &q).await?,
    ))
}
