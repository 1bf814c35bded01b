use super::{ReportOut, review, with_users};
use crate::access::{Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use entity::member_report::{self, ReportStatus};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::unit;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 党员报到
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// 所在党支部
    #[validate(length(min = 1, max = 100, message = "党支部为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub party_branch: String,
    /// 工作单位（已报到的驻区单位 id），可选
    pub unit_id: Option<Id>,
    /// 工作单位名称（单位未在系统中时填写）
    #[validate(length(min = 1, max = 100, message = "工作单位为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub work_unit: Option<String>,
    /// 特长，如 ["水电维修","法律咨询"]，最多 10 项
    #[validate(length(max = 10, message = "特长最多 10 项"))]
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<Skill>)]
    pub skills: Vec<String>,
    /// 是否在职党员
    pub in_service: bool,
}

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
    p: Principal,
    id: PathId,
    body: ApiJson<ReportIn>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    if let Some((i, _)) = body
        .skills
        .iter()
        .enumerate()
        .find(|(_, s)| s.is_empty() || s.chars().count() > 20)
    {
        return Err(AppError::validation(vec![FieldError {
            field: format!("skills[{i}]"),
            message: "每项特长为 1 到 20 个字".into(),
        }]));
    }
    let community = crate::regions::find(&state.db, id.into_inner()).await?;
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("须向社区报到"));
    }
    if !p.lives_in(&community.path) {
        return Err(AppError::new(ErrorCode::NotResidentHere));
    }
    if let Some(unit_id) = body.unit_id
        && unit::Entity::find_by_id(unit_id.0)
            .one(&state.db)
            .await?
            .is_none()
    {
        return Err(AppError::validation(vec![FieldError {
            field: "unit_id".into(),
            message: "单位不存在".into(),
        }]));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let open = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(p.id()))
        .filter(member_report::Column::CommunityId.eq(community.id))
        .filter(member_report::Column::Status.is_in([ReportStatus::Pending, ReportStatus::Approved]))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::new(ErrorCode::ReportExists));
    }
    let created = member_report::ActiveModel {
        user_id: Set(p.id()),
        community_id: Set(community.id),
        party_branch: Set(body.party_branch),
        unit_id: Set(body.unit_id.map(|u| u.0)),
        work_unit: Set(body.work_unit),
        skills: Set(serde_json::to_string(&body.skills).map_err(AppError::internal)?),
        in_service: Set(body.in_service),
        status: Set(ReportStatus::Pending),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::ReportExists),
        _ => e.into(),
    })?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(ReportOut::new(created, Some(&p.user), &state.pii)))
}

/// One skill of a member's report, 1 to 20 characters (checked in `report`).
pub struct Skill;

impl utoipa::PartialSchema for Skill {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(20))
            .into()
    }
}
impl ToSchema for Skill {}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// 按状态筛选
    pub status: Option<ReportStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// 党员报到列表
///
/// 报到到该区域内各社区的记录，按时间倒序。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "区域 id"), ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "报到记录", body = Page<ReportOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/reports")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: ApiQuery<ReportQuery>,
) -> AppResult<web::Json<Page<ReportOut>>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = member_report::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&access.region.path))
        .order_by_desc(member_report::Column::Id)
        .limit(page.limit() + 1);
    if let Some(status) = q.status {
        query = query.filter(member_report::Column::Status.eq(status));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(member_report::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, page.limit(), |r| r.id);
    Ok(web::Json(Page {
        items: with_users(&state.db, &state.pii, rows).await?,
        next_cursor,
    }))
}

/// 我的报到
#[utoipa::path(
    tag = "双报到",
    security(("bearer" = [])),
    responses((status = 200, description = "我的报到记录", body = Vec<ReportOut>))
)]
#[get("/me/reports")]
pub async fn mine(state: web::Data<AppState>, p: Principal) -> AppResult<web::Json<Vec<ReportOut>>> {
    let rows = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(p.id()))
        .order_by_desc(member_report::Column::Id)
        .all(&state.db)
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| ReportOut::new(r, Some(&p.user), &state.pii))
            .collect(),
    ))
}

async fn reviewable(state: &AppState, p: &Principal, id: i64) -> AppResult<member_report::Model> {
    let report = member_report::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let community = crate::regions::find(&state.db, report.community_id).await?;
    p.authorize(&community, &[Role::Staff])?;
    Ok(report)
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
pub async fn approve(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<ReportOut>> {
    decide(&state, &p, id.into_inner(), ReportStatus::Approved, None).await
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
    p: Principal,
    id: PathId,
    body: ApiJson<RejectIn>,
) -> AppResult<web::Json<ReportOut>> {
    decide(
        &state,
        &p,
        id.into_inner(),
        ReportStatus::Rejected,
        Some(body.0.reason),
    )
    .await
}

async fn decide(
    state: &AppState,
    p: &Principal,
    id: i64,
    to: ReportStatus,
    note: Option<String>,
) -> AppResult<web::Json<ReportOut>> {
    let report = reviewable(state, p, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    review(&txn, &report, p.id(), to, note).await?;
    txn.commit().await?;
    let row = member_report::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(web::Json(
        with_users(&state.db, &state.pii, vec![row]).await?.remove(0),
    ))
}

/// 社区报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityCount {
    pub region_id: Id,
    pub name: String,
    /// 待审核人数
    pub pending: i64,
    /// 已报到（通过）人数
    pub approved: i64,
    pub rejected: i64,
    /// 报到的驻区单位数
    pub units: i64,
}

/// 单位报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitCount {
    pub unit_id: Id,
    pub name: String,
    /// 该单位已报到（通过）的党员人数
    pub approved: i64,
}

/// 双报到统计
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStatsOut {
    pub communities: Vec<CommunityCount>,
    pub units: Vec<UnitCount>,
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
    let communities: Vec<region::Model> = crate::regions::subtree(&state.db, &access.region)
        .await?
        .into_iter()
        .filter(|r| r.kind == RegionKind::Community)
        .collect();
    let ids: Vec<i64> = communities.iter().map(|c| c.id).collect();
    let by_status: Vec<(i64, ReportStatus, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::CommunityId)
        .column(member_report::Column::Status)
        .column_as(member_report::Column::Id.count(), "n")
        .filter(member_report::Column::CommunityId.is_in(ids.clone()))
        .group_by(member_report::Column::CommunityId)
        .group_by(member_report::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let units = unit::Entity::find()
        .filter(unit::Column::CommunityId.is_in(ids))
        .all(&state.db)
        .await?;
    let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let by_unit: Vec<(i64, i64)> = member_report::Entity::find()
        .select_only()
        .column(member_report::Column::UnitId)
        .column_as(member_report::Column::Id.count(), "n")
        .filter(member_report::Column::UnitId.is_in(unit_ids))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .group_by(member_report::Column::UnitId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let count = |cid: i64, st: ReportStatus| {
        by_status
            .iter()
            .filter(|(c, s, _)| *c == cid && *s == st)
            .map(|(_, _, n)| *n)
            .sum::<i64>()
    };
    Ok(web::Json(ReportStatsOut {
        communities: communities
            .iter()
            .map(|c| CommunityCount {
                region_id: Id(c.id),
                name: c.name.clone(),
                pending: count(c.id, ReportStatus::Pending),
                approved: count(c.id, ReportStatus::Approved),
                rejected: count(c.id, ReportStatus::Rejected),
                units: units.iter().filter(|u| u.community_id == c.id).count() as i64,
            })
            .collect(),
        units: units
            .iter()
            .map(|u| UnitCount {
                unit_id: Id(u.id),
                name: u.name.clone(),
                approved: by_unit.iter().find(|(id, _)| *id == u.id).map_or(0, |(_, n)| *n),
            })
            .collect(),
    }))
}
