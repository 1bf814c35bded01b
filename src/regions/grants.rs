//! Role grants on a region: who may grant what.
//! - `admin`: an admin of a strict ancestor (or a system admin); no one crowns a peer.
//! - `staff`, `clerk`, `unit_admin`: an admin over the region.
//! - `member`, `resident`: staff (or an admin) over the region.

use super::tree;
use crate::api::{Id, Page, PageQuery};
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::Pii;
use crate::state::AppState;
use crate::users::people::UserOut;
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use entity::role_grant::{self, Role};
use entity::{unit, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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

/// 授予角色
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleGrantIn {
    pub user_id: Id,
    pub role: Role,
    /// 授予 unit_admin 时必填：其所属的驻区单位（须已在本社区报到）
    pub unit_id: Option<Id>,
}

/// May `p` grant or revoke `role` on `target`?
pub async fn authorize(
    conn: &impl ConnectionTrait,
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
                let parent = tree::find(conn, parent_id).await?;
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

/// Grants on `root` and everything under it, newest first, people as `viewer` sees them.
pub async fn list(
    db: &DatabaseConnection,
    pii: &Pii,
    viewer: &Principal,
    root: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<GrantOut>> {
    let mut query = role_grant::Entity::find()
        .find_also_related(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path))
        .order_by_desc(role_grant::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(role_grant::Column::Id.lt(before));
    }
    let rows = query.all(db).await?;
    let user_ids: Vec<i64> = rows.iter().map(|(g, _)| g.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?;
    Ok(Page::from_rows(
        rows,
        q.limit(),
        |(g, _)| g.id,
        |(g, r)| {
            let u = users.iter().find(|u| u.id == g.user_id);
            GrantOut {
                id: Id(g.id),
                user: u
                    .map(|u| UserOut::seen_by(u, pii, viewer))
                    .unwrap_or_else(|| UserOut::gone(g.user_id)),
                role: g.role,
                region_id: Id(g.region_id),
                region_name: r.map(|r| r.name).unwrap_or_default(),
                unit_id: g.unit_id.map(Id),
                created_at: g.created_at,
            }
        },
    ))
}

/// The unit a `unit_admin` grant names: one registered in `target` (a community, or for a
/// department its street or county). Other roles name none.
async fn unit_for(
    conn: &impl ConnectionTrait,
    target: &region::Model,
    role: Role,
    unit_id: Option<Id>,
) -> AppResult<Option<i64>> {
    match (role, unit_id) {
        (Role::UnitAdmin, Some(unit_id)) => {
            let unit = unit::Entity::find_by_id(unit_id.0).one(conn).await?;
            match unit {
                // A unit's admins are granted at its community; a department's at its street or county.
                Some(u)
                    if u.community_id == target.id
                        && (u.department || target.kind == RegionKind::Community) =>
                {
                    Ok(Some(u.id))
                }
                _ => Err(AppError::new(ErrorCode::UnitRequired)),
            }
        }
        (Role::UnitAdmin, None) => Err(AppError::new(ErrorCode::UnitRequired)),
        (_, Some(_)) => Err(AppError::new(ErrorCode::UnitNotApplicable)),
        (_, None) => Ok(None),
    }
}

/// Grants a role on `target` when the caller may grant it there.
pub async fn grant(
    state: &AppState,
    p: &Principal,
    target: region::Model,
    body: RoleGrantIn,
) -> AppResult<GrantOut> {
    authorize(&state.db, p, &target, body.role).await?;
    let grantee = user::Entity::find_by_id(body.user_id.0)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound))?;
    let unit_id = unit_for(&state.db, &target, body.role, body.unit_id).await?;
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
        crate::residences::declaration::confirm_by_grant(&txn, grantee.id, &target, p.id()).await?;
    }
    txn.commit().await?;
    crate::auth::callers::changed(state, [grantee.id]).await;
    tracing::info!(grant_id = g.id, by = p.id(), user_id = grantee.id, region_id = target.id, role = ?g.role, "role granted");
    Ok(GrantOut {
        id: Id(g.id),
        user: UserOut::seen_by(&grantee, &state.pii, p),
        role: g.role,
        region_id: Id(target.id),
        region_name: target.name,
        unit_id: g.unit_id.map(Id),
        created_at: g.created_at,
    })
}

/// Revokes grant `grant_id` on `target`; whoever may grant that role there may revoke it.
pub async fn revoke(state: &AppState, p: &Principal, target: &region::Model, grant_id: i64) -> AppResult<()> {
    let db = &state.db;
    let g = role_grant::Entity::find_by_id(grant_id)
        .filter(role_grant::Column::RegionId.eq(target.id))
        .one(db)
        .await?;
    // Whether the grant exists is not told to those who cannot see the region.
    let Some(g) = g else {
        p.authorize(target, &[Role::Staff])?;
        return Err(AppError::new(ErrorCode::NotFound));
    };
    authorize(db, p, target, g.role).await?;
    role_grant::Entity::delete_by_id(g.id).exec(db).await?;
    crate::auth::callers::changed(state, [g.user_id]).await;
    tracing::info!(grant_id = g.id, by = p.id(), "role revoked");
    Ok(())
}
