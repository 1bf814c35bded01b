use crate::access::{Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::ApiJson;
use crate::pii::Pii;
use crate::state::AppState;
use crate::users::UserOut;
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use entity::region;
use entity::residence::{self, ResidenceStatus};
use entity::role_grant::Role;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 居住地申报（社区工作者审核用）
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidenceReviewOut {
    pub id: Id,
    pub user: UserOut,
    /// 申报的网格或楼栋
    pub region_id: Id,
    pub region_name: String,
    /// 门牌地址（供社区核实）
    pub address: String,
    pub status: ResidenceStatus,
    /// 审核意见
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

async fn with_people(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    rows: Vec<(residence::Model, Option<region::Model>)>,
) -> AppResult<Vec<ResidenceReviewOut>> {
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(r, place)| ResidenceReviewOut {
            id: Id(r.id),
            user: users
                .iter()
                .find(|u| u.id == r.user_id)
                .map(|u| UserOut::new(u, pii))
                .unwrap_or_else(|| UserOut::gone(r.user_id)),
            region_id: Id(r.region_id),
            region_name: place.map(|p| p.name).unwrap_or_default(),
            address: r.address,
            status: r.status,
            review_note: r.review_note,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct ResidenceQuery {
    /// 按状态筛选，如 pending 待确认
    pub status: Option<ResidenceStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// 居住地申报列表
///
/// 本区域及下级的居住地申报，最新的在前；工作人员据此确认待确认（pending）的申报。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "区域 id"), ResidenceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "居住地申报", body = Page<ResidenceReviewOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/residences")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    q: crate::extract::ApiQuery<ResidenceQuery>,
) -> AppResult<web::Json<Page<ResidenceReviewOut>>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = residence::Entity::find()
        .find_also_related(region::Entity)
        .filter(region::Column::Path.starts_with(&access.region.path))
        .order_by_desc(residence::Column::Id)
        .limit(page.limit() + 1);
    if let Some(status) = q.status {
        query = query.filter(residence::Column::Status.eq(status));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(residence::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, page.limit(), |(r, _)| r.id);
    Ok(web::Json(Page {
        items: with_people(&state.db, &state.pii, rows).await?,
        next_cursor,
    }))
}

/// The declaration, if the caller is staff over its place (404 when they cannot see it).
async fn reviewable(state: &AppState, p: &Principal, id: i64) -> AppResult<residence::Model> {
    let r = residence::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let place = crate::regions::find(&state.db, r.region_id).await?;
    p.authorize(&place, &[Role::Staff])?;
    Ok(r)
}

async fn decide(
    state: &AppState,
    p: &Principal,
    id: i64,
    to: ResidenceStatus,
    note: Option<String>,
) -> AppResult<web::Json<ResidenceReviewOut>> {
    let r = reviewable(state, p, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    super::review(&txn, &r, p.id(), to, note).await?;
    txn.commit().await?;
    tracing::info!(residence_id = id, by = p.id(), status = ?to, "residence reviewed");
    let row = residence::Entity::find_by_id(id)
        .find_also_related(region::Entity)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(web::Json(
        with_people(&state.db, &state.pii, vec![row]).await?.remove(0),
    ))
}

/// 确认居住地
///
/// 确认一条待确认的申报：此人成为该处居民（与授予 `resident` 角色相同），
/// 从而可以使用本社区的服务目录、爱心超市和党员报到。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "居住地申报 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已确认", body = ResidenceReviewOut),
        (status = 403, description = "需要该处的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`RESIDENCE_NOT_PENDING`"),
    )
)]
#[post("/residences/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    p: Principal,
    id: crate::extract::PathId,
) -> AppResult<web::Json<ResidenceReviewOut>> {
    decide(&state, &p, id.into_inner(), ResidenceStatus::Confirmed, None).await
}

/// 驳回居住地申报
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceRejectIn {
    /// 驳回原因
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 驳回居住地申报
///
/// 驳回一条待确认的申报并说明原因；此人不能再在该处下单。
#[utoipa::path(
    tag = "居住地",
    params(("id" = String, Path, description = "居住地申报 id")),
    request_body = ResidenceRejectIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已驳回", body = ResidenceReviewOut),
        (status = 403, description = "需要该处的社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`RESIDENCE_NOT_PENDING`"),
    )
)]
#[post("/residences/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    p: Principal,
    id: crate::extract::PathId,
    body: ApiJson<ResidenceRejectIn>,
) -> AppResult<web::Json<ResidenceReviewOut>> {
    decide(
        &state,
        &p,
        id.into_inner(),
        ResidenceStatus::Rejected,
        Some(body.0.reason),
    )
    .await
}
