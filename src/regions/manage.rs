//! Who may create, rename and move nodes: admins over the place (system admins for roots).

use super::tree::{self, NewRegion};
use crate::api::Id;
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
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
    /// 负责人姓名（印在本社区开具的志愿服务记录证明上）；传空字符串清除
    #[validate(length(max = 32, message = "负责人姓名最多 32 个字"))]
    #[schema(max_length = 32, example = "李主任")]
    pub leader_name: Option<String>,
    /// 联系电话（手机或座机，如 0571-12345678；印在证明上）；传空字符串清除
    #[validate(custom(function = "valid_contact"))]
    #[schema(pattern = "^[0-9+() -]{0,32}$", example = "0571-12345678")]
    pub contact_phone: Option<String>,
}

/// Validator: an office phone as people write it (digits, `+`, `-`, spaces, brackets), or empty.
fn valid_contact(phone: &str) -> Result<(), validator::ValidationError> {
    let ok = phone.len() <= 32 && phone.bytes().all(|b| b.is_ascii_digit() || b"+()- ".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("contact_phone")
            .with_message("联系电话只能包含数字、+、-、空格和括号，最多 32 个字符".into()))
    }
}

/// 移动区域
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRegionIn {
    /// 新的上级区域，须为本区域层级的上一级
    pub parent_id: Id,
}

/// Creates a node under a parent the caller administers; only system admins create roots (counties).
pub async fn create(
    db: &DatabaseConnection,
    p: &Principal,
    body: CreateRegionIn,
) -> AppResult<region::Model> {
    // Read the parent inside the write transaction (locked on PostgreSQL), so a move running at
    // the same moment cannot leave the new node with a stale path.
    let txn = crate::db::begin_write(db).await?;
    let parent = match body.parent_id {
        Some(id) => {
            let parent = tree::find_for_update(&txn, id.0).await?;
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
    let created = tree::create(&txn, parent.as_ref(), new).await?;
    txn.commit().await?;
    Ok(created)
}

/// Renames the node (siblings' names stay unique) or sets its party organisation, person in
/// charge or contact phone.
pub async fn update(state: &AppState, node: region::Model, body: UpdateRegionIn) -> AppResult<region::Model> {
    let db = &state.db;
    if let Some(name) = &body.name
        && name != &node.name
        && tree::sibling_named(db, node.parent_id, name).await?.is_some()
    {
        return Err(AppError::new(ErrorCode::RegionNameTaken));
    }
    let mut a: region::ActiveModel = node.into();
    if let Some(name) = body.name {
        a.name = Set(name);
    }
    let cleared = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    if let Some(org) = body.party_org {
        a.party_org = Set((!org.is_empty()).then_some(org));
    }
    if let Some(name) = body.leader_name {
        a.leader_name = Set(cleared(name));
    }
    if let Some(phone) = body.contact_phone {
        a.contact_phone = Set(cleared(phone));
    }
    a.updated_at = Set(chrono::Utc::now());
    let updated = a.update(db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::RegionNameTaken),
        _ => AppError::from(e),
    })?;
    tree_changed(state).await;
    Ok(updated)
}

/// Moves node `node_id` under `parent_id`; the caller administers the old parent and the new one.
pub async fn relocate(
    state: &AppState,
    p: &Principal,
    node_id: i64,
    parent_id: i64,
) -> AppResult<region::Model> {
    let txn = crate::db::begin_write(&state.db).await?;
    let node = tree::find_for_update(&txn, node_id).await?;
    // Moving a node out from under its parent is the parent's admins' call too.
    if let Some(old_parent) = node.parent_id {
        let old_parent = tree::find(&txn, old_parent).await?;
        p.authorize(&old_parent, &[Role::Admin])?;
    }
    let new_parent = tree::find_for_update(&txn, parent_id).await?;
    p.authorize(&new_parent, &[Role::Admin])?;
    let moved = tree::move_under(&txn, &node, &new_parent).await?;
    txn.commit().await?;
    tree_changed(state).await;
    Ok(moved)
}

/// Names or paths changed: copies of the tree, and callers' grants (which carry paths), go stale
/// on every instance.
async fn tree_changed(state: &AppState) {
    state.regions.forget();
    state.callers.held.invalidate_all();
    crate::cache::touch(&state.kv, crate::cache::REGIONS).await;
}
