//! Recording, listing and reading joint meetings.

use crate::access::{MeetingAccess, RegionAccess, StaffRole};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::problems::meetings::{self, MeetingIn, MeetingOut};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};

/// 记录联席会议
///
/// 社区工作者记录当月问题清单的联席会议（时间、参会人员、到会单位、纪要、决定）。决定逐项采纳、合并或不予采纳；记录即发布采纳的问题。会议日（默认 15 日）之后记录的仍然有效，标记为逾期（late）。任一决定有误则整次会议不予记录。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "社区 id")),
    request_body = MeetingIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已记录，清单已发布", body = MeetingOut),
        (status = 400, description = "`VALIDATION_FAILED`：时间、人员、纪要或决定的格式无效"),
        (status = 403, description = "不是该社区的工作者"),
        (status = 404, description = "区域不存在或与你无关"),
        (status = 422, description = "`MEETING_DECISION_INVALID`：决定的问题不是本社区该月待审议的问题，或合并目标无效；`UNIT_NOT_IN_COMMUNITY`：到会单位未在本社区报到；`REGION_KIND_INVALID`：须为社区"),
    )
)]
#[post("/regions/{id}/meetings")]
pub async fn record(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    body: ApiJson<MeetingIn>,
) -> AppResult<HttpResponse> {
    let m = meetings::record(&state, &at.principal, &at.region, body.0).await?;
    Ok(HttpResponse::Created().json(m))
}

/// 联席会议列表
///
/// 区域内各社区的联席会议记录，按记录时间倒序。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "会议列表", body = Page<MeetingOut>),
        (status = 400, description = "`VALIDATION_FAILED`：游标或每页条数无效"),
        (status = 403, description = "不是该区域的工作者"),
        (status = 404, description = "区域不存在或与你无关"),
    )
)]
#[get("/regions/{id}/meetings")]
pub async fn of_region(
    state: web::Data<AppState>,
    at: RegionAccess<StaffRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<MeetingOut>>> {
    Ok(web::Json(meetings::of_region(&state.db, &at.region, &q).await?))
}

/// 联席会议详情
///
/// 该社区（或上级区域）的工作者可见。
#[utoipa::path(
    tag = "问题清单",
    params(("id" = String, Path, description = "会议 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "会议", body = MeetingOut),
        (status = 404, description = "`MEETING_NOT_FOUND`：不存在或与你无关"),
    )
)]
#[get("/meetings/{id}")]
pub async fn get(a: MeetingAccess) -> AppResult<web::Json<MeetingOut>> {
    Ok(web::Json(a.meeting))
}
