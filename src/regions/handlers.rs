use super::{NewRegion, RegionOut};
use crate::access::{AdminRole, Principal, RegionAccess, StaffRole};
use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, PathId};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 新建区域
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegionIn {
    /// 上级区域；null 表示顶级（仅系统管理员）
    pub parent_id: Option<Id>,
    /// 层级，须紧接上级：县→街道→社区→网格→楼栋
    pub kind: RegionKind,
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// 党组织名称
    #[validate(length(min = 1, max = 128, message = "党组织名称为 1 到 128 个字"))]
    #[schema(min_length = 1, max_length = 128)]
    pub party_org: Option<String>,
}

/// 新建区域
///
/// 建在自己管理的区域之下（顶级区域仅系统管理员可建）。
#[utoipa::path(
    tag = "区域",
    request_body = CreateRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已创建", body = RegionOut),
        (status = 403, description = "不是上级区域的管理员"),
        (status = 404, description = "上级区域不存在或不可见"),
        (status = 409, description = "`REGION_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`"),
    )
)]
#[post("/regions")]
pub async fn create(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<CreateRegionIn>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    // Read the parent inside the write transaction (locked on PostgreSQL), so a move running at
    // the same moment cannot leave the new node with a stale path.
    let txn = crate::db::begin_write(&state.db).await?;
    let parent = match body.parent_id {
        Some(id) => {
            let parent = super::find_for_update(&txn, id.0).await?;
            p.authorize(&parent, &[Role::Admin])?;
            Some(parent)
        }
        None if !p.is_system_admin() => {
            return Err(AppError::new(ErrorCode::Forbidden).with_detail("只有系统管理员可以创建顶级区域"));
        }
        None if body.kind != RegionKind::County => {
            return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("顶级区域须为县"));
        }
        None => None,
    };
    let new = NewRegion {
        kind: body.kind,
        name: &body.name,
        party_org: body.party_org.as_deref(),
    };
    let created = super::create(&txn, parent.as_ref(), new).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(RegionOut::from(created)))
}

/// 顶级区域
///
/// 登录用户都可浏览区域树（用于选择居住地）。
#[utoipa::path(tag = "区域", security(("bearer" = [])), responses((status = 200, description = "顶级区域", body = Vec<RegionOut>)))]
#[get("/regions")]
pub async fn roots(state: web::Data<AppState>, _p: Principal) -> AppResult<web::Json<Vec<RegionOut>>> {
    Ok(web::Json(
        super::children(&state.db, None)
            .await?
            .into_iter()
            .map(RegionOut::from)
            .collect(),
    ))
}

/// 区域详情
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "区域", body = RegionOut),
        (status = 404, description = "不存在"),
    )
)]
#[get("/regions/{id}")]
pub async fn get(state: web::Data<AppState>, _p: Principal, id: PathId) -> AppResult<web::Json<RegionOut>> {
    Ok(web::Json(super::find(&state.db, id.into_inner()).await?.into()))
}

/// 下级区域
///
/// 直接下级。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "下级区域", body = Vec<RegionOut>),
        (status = 404, description = "不存在"),
    )
)]
#[get("/regions/{id}/children")]
pub async fn children(
    state: web::Data<AppState>,
    _p: Principal,
    id: PathId,
) -> AppResult<web::Json<Vec<RegionOut>>> {
    let node = super::find(&state.db, id.into_inner()).await?;
    Ok(web::Json(
        super::children(&state.db, Some(node.id))
            .await?
            .into_iter()
            .map(RegionOut::from)
            .collect(),
    ))
}

/// 整棵下级区域树
///
/// 调用者任职区域下的全部区域，上级在前。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "该区域及全部下级", body = Vec<RegionOut>),
        (status = 403, description = "需要社区工作者或管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/subtree")]
pub async fn subtree(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<Vec<RegionOut>>> {
    Ok(web::Json(
        super::subtree(&state.db, &access.region)
            .await?
            .into_iter()
            .map(RegionOut::from)
            .collect(),
    ))
}

/// 修改区域
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRegionIn {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    /// 党组织名称；传空字符串清除
    #[validate(length(max = 128, message = "党组织名称最多 128 个字"))]
    #[schema(max_length = 128)]
    pub party_org: Option<String>,
}

/// 修改区域
///
/// 改名或设置党组织。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    request_body = UpdateRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = RegionOut),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REGION_NAME_TAKEN`"),
    )
)]
#[patch("/regions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<UpdateRegionIn>,
) -> AppResult<web::Json<RegionOut>> {
    let body = body.0;
    let node = access.region;
    if let Some(name) = &body.name
        && name != &node.name
        && super::sibling_named(&state.db, node.parent_id, name)
            .await?
            .is_some()
    {
        return Err(AppError::new(ErrorCode::RegionNameTaken));
    }
    let mut a: region::ActiveModel = node.into();
    if let Some(name) = body.name {
        a.name = Set(name);
    }
    if let Some(org) = body.party_org {
        a.party_org = Set((!org.is_empty()).then_some(org));
    }
    a.updated_at = Set(chrono::Utc::now());
    let updated = a.update(&state.db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::RegionNameTaken),
        _ => e.into(),
    })?;
    Ok(web::Json(updated.into()))
}

/// 移动区域
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRegionIn {
    /// 新的上级区域，须为本区域层级的上一级
    pub parent_id: Id,
}

/// 移动区域
///
/// 连同下级移到层级相符的另一上级之下；调用者须同时管理原区域和新上级。
#[utoipa::path(
    tag = "区域",
    params(("id" = String, Path, description = "区域 id")),
    request_body = MoveRegionIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已移动", body = RegionOut),
        (status = 403, description = "需要两边的管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`REGION_NAME_TAKEN`：新上级下已有同名区域"),
        (status = 422, description = "`REGION_KIND_INVALID` 或 `REGION_MOVE_INVALID`（移到自身之下）"),
    )
)]
#[post("/regions/{id}/move")]
pub async fn move_region(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    body: ApiJson<MoveRegionIn>,
) -> AppResult<web::Json<RegionOut>> {
    let txn = crate::db::begin_write(&state.db).await?;
    let node = super::find_for_update(&txn, access.region.id).await?;
    // Moving a node out from under its parent is the parent's admins' call too.
    if let Some(parent_id) = node.parent_id {
        let parent = super::find(&txn, parent_id).await?;
        access.principal.authorize(&parent, &[Role::Admin])?;
    }
    let new_parent = super::find_for_update(&txn, body.0.parent_id.0).await?;
    access.principal.authorize(&new_parent, &[Role::Admin])?;
    let moved = super::move_under(&txn, &node, &new_parent).await?;
    txn.commit().await?;
    Ok(web::Json(moved.into()))
}
