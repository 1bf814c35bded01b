//! Role grants on a region: who may grant what.
//! - `admin`: an admin of a strict ancestor (or a system admin); no one crowns a peer.
//! - `staff`, `clerk`, `unit_admin`: an admin over the region.
//! - `member`, `resident`: staff (or an admin) over the region.

use crate::access::{AdminRole, Principal, RegionAccess};
use crate::api::{Id, Page, PageQuery};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::state::AppState;
use crate::users::UserOut;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use entity::role_grant::{self, Role};
use entity::{unit, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// May `p` grant or revoke `role` on `target`?
async fn authorize_grant(
    state: &AppState,
    p: &Principal,
    target: &region::Model,
    role: Role,
) -> AppResult<()> {
    match role {
        Role::Admin => match target.parent_id {
            _ if p.is_system_admin() => Ok(()),
            Some(parent_id) => {
                // Visible-but-not-allowed must still say 403, so check the target first.
                p.authorize(target, &[Role::Admin])?;
                let parent = super::find(&state.db, parent_id).await?;
                p.authorize(&parent, &[Role::Admin]).map_err(|_| {
                    AppError::new(ErrorCode::Forbidden).with_detail("管理员只能由上级区域的管理员授予")
                })
            }
            None => {
                Err(AppError::new(ErrorCode::Forbidden).with_detail("顶级区域的管理员只能由系统管理员授予"))
            }
        },
        Role::Staff | Role::Clerk | Role::UnitAdmin => p.authorize(target, &[Role::Admin]),
        Role::Member | Role::Resident => p.authorize(target, &[Role::Staff]),
    }
}

/// 角色授权记录
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    pub id: Id,
    pub user: UserOut,
    pub role: Role,
    pub region_id: Id,
    pub region_name: String,
    pub unit_id: Option<Id>,
    pub created_at: DateTime<Utc>,
}

/// 角色授权列表
///
/// 该区域及全部下级上的授权，按时间倒序。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "授权列表", body = Page<GrantOut>),
        (status = 403, description = "需要管理员角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/roles")]
pub async fn list(
    state: web::Data<AppState>,
    access: RegionAccess<AdminRole>,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<GrantOut>>> {
    let mut query = role_grant::Entity::find()
        .find_also_related(region::Entity)
        .filter(region::Column::Path.starts_with(&access.region.path))
        .order_by_desc(role_grant::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(role_grant::Column::Id.lt(before));
    }
    let rows = query.all(&state.db).await?;
    let user_ids: Vec<i64> = rows.iter().map(|(g, _)| g.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(&state.db)
        .await?;
    let page = Page::from_rows(
        rows,
        q.limit(),
        |(g, _)| g.id,
        |(g, r)| {
            let u = users.iter().find(|u| u.id == g.user_id);
            GrantOut {
                id: Id(g.id),
                user: u
                    .map(|u| UserOut::seen_by(u, &state.pii, &access.principal))
                    .unwrap_or_else(|| UserOut::gone(g.user_id)),
                role: g.role,
                region_id: Id(g.region_id),
                region_name: r.map(|r| r.name).unwrap_or_default(),
                unit_id: g.unit_id.map(Id),
                created_at: g.created_at,
            }
        },
    );
    Ok(web::Json(page))
}

/// 授予角色
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleGrantIn {
    pub user_id: Id,
    pub role: Role,
    /// 授予 unit_admin 时必填：其所属的驻区单位（须已在本社区报到）
    pub unit_id: Option<Id>,
}

/// 授予角色
///
/// 在该区域授予角色，对其全部下级有效。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id")),
    request_body = RoleGrantIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已授予", body = GrantOut),
        (status = 403, description = "无权授予该角色"),
        (status = 404, description = "区域不可见，或 `USER_NOT_FOUND`"),
        (status = 409, description = "`ROLE_ALREADY_GRANTED`"),
        (status = 422, description = "`UNIT_REQUIRED`：单位管理员须指定本社区的驻区单位；`UNIT_NOT_APPLICABLE`：其他角色不带 unit_id"),
    )
)]
#[post("/regions/{id}/roles")]
pub async fn grant(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<RoleGrantIn>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let target = super::find(&state.db, id.into_inner()).await?;
    authorize_grant(&state, &p, &target, body.role).await?;
    let grantee = user::Entity::find_by_id(body.user_id.0)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound))?;
    let unit_id = match (body.role, body.unit_id) {
        (Role::UnitAdmin, Some(unit_id)) => {
            let unit = unit::Entity::find_by_id(unit_id.0).one(&state.db).await?;
            match unit {
                Some(u) if target.kind == RegionKind::Community && u.community_id == target.id => Some(u.id),
                _ => return Err(AppError::new(ErrorCode::UnitRequired)),
            }
        }
        (Role::UnitAdmin, None) => return Err(AppError::new(ErrorCode::UnitRequired)),
        (_, Some(_)) => return Err(AppError::new(ErrorCode::UnitNotApplicable)),
        (_, None) => None,
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let g = role_grant::ActiveModel {
        user_id: Set(grantee.id),
        region_id: Set(target.id),
        role: Set(body.role),
        unit_id: Set(unit_id),
        granted_by: Set(Some(p.id())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::RoleAlreadyGranted),
        _ => e.into(),
    })?;
    // Granting `resident` is confirming a residence: a pending declaration here is settled by it.
    if g.role == Role::Resident {
        crate::residences::confirm_by_grant(&txn, grantee.id, &target, p.id()).await?;
    }
    txn.commit().await?;
    tracing::info!(grant_id = g.id, by = p.id(), user_id = grantee.id, region_id = target.id, role = ?g.role, "role granted");
    Ok(HttpResponse::Created().json(GrantOut {
        id: Id(g.id),
        user: UserOut::seen_by(&grantee, &state.pii, &p),
        role: g.role,
        region_id: Id(target.id),
        region_name: target.name,
        unit_id: g.unit_id.map(Id),
        created_at: g.created_at,
    }))
}

/// 撤销角色
///
/// 撤销该区域上的一项授权；能授予的人即可撤销。
#[utoipa::path(
    tag = "角色",
    params(("id" = String, Path, description = "区域 id"), ("grant_id" = String, Path, description = "授权记录 id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已撤销"),
        (status = 403, description = "无权撤销该角色"),
        (status = 404, description = "不存在或不可见"),
    )
)]
#[delete("/regions/{id}/roles/{grant_id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    p: Principal,
    path: web::Path<(Id, Id)>,
) -> AppResult<HttpResponse> {
    let (Id(region_id), Id(grant_id)) = path.into_inner();
    let target = super::find(&state.db, region_id).await?;
    let g = role_grant::Entity::find_by_id(grant_id)
        .filter(role_grant::Column::RegionId.eq(target.id))
        .one(&state.db)
        .await?;
    // Whether the grant exists is not told to those who cannot see the region.
    let Some(g) = g else {
        p.authorize(&target, &[Role::Staff])?;
        return Err(AppError::new(ErrorCode::NotFound));
    };
    authorize_grant(&state, &p, &target, g.role).await?;
    role_grant::Entity::delete_by_id(g.id).exec(&state.db).await?;
    tracing::info!(grant_id = g.id, by = p.id(), "role revoked");
    Ok(HttpResponse::NoContent().finish())
}
