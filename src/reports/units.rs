use crate::access::{Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery, valid_phone};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::pii::{Pii, mask_phone};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::member_report;
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::unit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 驻区单位
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub id: Id,
    /// 报到的社区
    pub community_id: Id,
    pub name: String,
    /// 单位类型，如 机关 / 事业单位 / 国有企业 / 非公企业 / 社会组织
    pub kind: String,
    pub contact_name: String,
    /// 联系电话（脱敏）
    pub contact_phone_masked: String,
    pub created_at: DateTime<Utc>,
}

impl UnitOut {
    fn new(u: unit::Model, pii: &Pii) -> UnitOut {
        let phone = pii
            .decrypt(&u.contact_phone_enc)
            .map(|p| mask_phone(&p))
            .unwrap_or_default();
        UnitOut {
            id: Id(u.id),
            community_id: Id(u.community_id),
            name: u.name,
            kind: u.kind,
            contact_name: u.contact_name,
            contact_phone_masked: phone,
            created_at: u.created_at,
        }
    }
}

/// 单位报到
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    #[validate(length(min = 1, max = 100, message = "单位名称为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(min = 1, max = 32, message = "单位类型为 1 到 32 个字"))]
    #[schema(min_length = 1, max_length = 32)]
    pub kind: String,
    #[validate(length(min = 1, max = 64, message = "联系人为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub contact_name: String,
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub contact_phone: String,
}

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
    if access.region.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("单位须向社区报到"));
    }
    let body = body.0;
    let created = unit::ActiveModel {
        community_id: Set(access.region.id),
        name: Set(body.name),
        kind: Set(body.kind),
        contact_name: Set(body.contact_name),
        contact_phone_enc: Set(state.pii.encrypt(&body.contact_phone)),
        created_by: Set(access.principal.id()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::UnitNameTaken),
        _ => e.into(),
    })?;
    Ok(HttpResponse::Created().json(UnitOut::new(created, &state.pii)))
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
    let mut query = unit::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&access.region.path))
        .order_by_desc(unit::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(unit::Column::Id.lt(before));
    }
    let rows = query.all(&state.db).await?;
    Ok(web::Json(Page::from_rows(
        rows,
        q.limit(),
        |u| u.id,
        |u| UnitOut::new(u, &state.pii),
    )))
}

/// The unit, if the caller administers it or staffs its community (else 404).
async fn visible_unit(state: &AppState, p: &Principal, id: i64) -> AppResult<unit::Model> {
    let u = unit::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if p.unit_ids().any(|own| own == u.id) {
        return Ok(u);
    }
    let community = crate::regions::find(&state.db, u.community_id).await?;
    p.authorize(&community, &[Role::Staff])?;
    Ok(u)
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
pub async fn get(state: web::Data<AppState>, p: Principal, id: PathId) -> AppResult<web::Json<UnitOut>> {
    let u = visible_unit(&state, &p, id.into_inner()).await?;
    Ok(web::Json(UnitOut::new(u, &state.pii)))
}

/// 单位党员报到记录
///
/// 在该单位工作的党员的报到；单位管理员与所在社区工作者可见。
#[utoipa::path(
    tag = "双报到",
    params(("id" = String, Path, description = "单位 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "本单位党员的报到记录", body = Page<super::ReportOut>),
        (status = 404, description = "不存在或不可见"),
    )
)]
#[get("/units/{id}/reports")]
pub async fn reports(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<super::ReportOut>>> {
    let u = visible_unit(&state, &p, id.into_inner()).await?;
    let mut query = member_report::Entity::find()
        .filter(member_report::Column::UnitId.eq(u.id))
        .order_by_desc(member_report::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(member_report::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = crate::api::cut(&mut rows, q.limit(), |r| r.id);
    let items = super::with_users(&state.db, &state.pii, rows).await?;
    Ok(web::Json(Page { items, next_cursor }))
}
