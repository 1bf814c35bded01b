//! People: finding or creating them, and how others see them.

use crate::api::Id;
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::{Pii, mask_phone};
use crate::state::AppState;
use chrono::Utc;
use entity::role_grant;
use entity::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// 用户（他人可见的信息，手机号已脱敏）
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Id,
    /// 姓名或昵称
    pub name: String,
    /// 脱敏手机号，如 `138****1234`；未绑定为 null
    pub phone_masked: Option<String>,
    /// 是否为系统管理员（可管理全部区域）；仅返回给本人和系统管理员
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_system_admin: Option<bool>,
}

impl UserOut {
    /// Another person, as anyone but a system admin sees them.
    pub fn new(u: &user::Model, pii: &Pii) -> UserOut {
        UserOut {
            id: Id(u.id),
            name: u.name.clone(),
            phone_masked: phone_of(u, pii).map(|p| mask_phone(&p)),
            is_system_admin: None,
        }
    }

    /// The person as `viewer` sees them: only system admins and the person learn who is one.
    pub fn seen_by(u: &user::Model, pii: &Pii, viewer: &Principal) -> UserOut {
        let shown = viewer.is_system_admin() || viewer.id() == u.id;
        UserOut {
            is_system_admin: shown.then_some(u.is_system_admin),
            ..UserOut::new(u, pii)
        }
    }

    /// The person themselves.
    pub fn own(u: &user::Model, pii: &Pii) -> UserOut {
        UserOut {
            is_system_admin: Some(u.is_system_admin),
            ..UserOut::new(u, pii)
        }
    }
}

impl UserOut {
    /// A user row that disappeared (deleted between two reads).
    pub fn gone(id: i64) -> UserOut {
        UserOut {
            id: Id(id),
            name: String::new(),
            phone_masked: None,
            is_system_admin: None,
        }
    }
}

pub fn phone_of(u: &user::Model, pii: &Pii) -> Option<String> {
    let enc = u.phone_enc.as_deref()?;
    match pii.decrypt(enc) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::error!(user_id = u.id, error = %e, "phone not decryptable");
            None
        }
    }
}

pub async fn find_by_phone(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    phone: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::PhoneHash.eq(pii.lookup_hash(phone)))
        .one(conn)
        .await?)
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Finds the user with this phone or creates one. Two first logins at once make one user.
pub async fn find_or_create_by_phone(state: &AppState, phone: &str, name: &str) -> AppResult<user::Model> {
    ensure_by_phone(&state.db, &state.pii, phone, name).await
}

pub async fn ensure_by_phone(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    phone: &str,
    name: &str,
) -> AppResult<user::Model> {
    if let Some(u) = find_by_phone(conn, pii, phone).await? {
        return Ok(u);
    }
    let now = Utc::now();
    let new = user::ActiveModel {
        name: Set(name.to_owned()),
        phone_enc: Set(Some(pii.encrypt(phone))),
        phone_hash: Set(Some(pii.lookup_hash(phone))),
        is_system_admin: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match new.insert(conn).await {
        Ok(u) => Ok(u),
        Err(e) if is_unique_violation(&e) => find_by_phone(conn, pii, phone)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("user vanished after a unique violation"))),
        Err(e) => Err(e.into()),
    }
}

pub async fn find_or_create_by_openid(
    state: &AppState,
    openid: &str,
    unionid: Option<&str>,
) -> AppResult<user::Model> {
    let find = || {
        user::Entity::find()
            .filter(user::Column::Openid.eq(openid))
            .one(&state.db)
    };
    if let Some(u) = find().await? {
        if u.unionid.is_none() && unionid.is_some() {
            let mut a: user::ActiveModel = u.into();
            a.unionid = Set(unionid.map(str::to_owned));
            a.updated_at = Set(Utc::now());
            let u = a.update(&state.db).await?;
            crate::auth::callers::changed(state, [u.id]).await;
            return Ok(u);
        }
        return Ok(u);
    }
    let now = Utc::now();
    let new = user::ActiveModel {
        name: Set("微信用户".to_owned()),
        openid: Set(Some(openid.to_owned())),
        unionid: Set(unionid.map(str::to_owned)),
        is_system_admin: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match new.insert(&state.db).await {
        Ok(u) => Ok(u),
        Err(e) if is_unique_violation(&e) => find()
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("user vanished after a unique violation"))),
        Err(e) => Err(e.into()),
    }
}

/// A phone listed in `BOOTSTRAP_ADMIN_PHONES` makes its user a system admin at each login;
/// a phone taken off the list loses it at the next.
pub async fn sync_system_admin(state: &AppState, u: user::Model) -> AppResult<user::Model> {
    let listed = phone_of(&u, &state.pii).is_some_and(|p| state.config.bootstrap_admin_phones.contains(&p));
    if listed == u.is_system_admin {
        return Ok(u);
    }
    let mut a: user::ActiveModel = u.into();
    a.is_system_admin = Set(listed);
    a.updated_at = Set(Utc::now());
    let u = a.update(&state.db).await?;
    crate::auth::callers::changed(state, [u.id]).await;
    Ok(u)
}

/// Binds `phone` to `u`; returns the account that now has it. When the phone belongs to an
/// account made without WeChat (staff created by phone, say) and `u` is a blank WeChat-only
/// account, the phone's account takes over the openid and the blank one is removed. A phone
/// bound to any other account is refused.
pub async fn bind_phone(state: &AppState, u: user::Model, phone: &str) -> AppResult<user::Model> {
    if let Some(other) = find_by_phone(&state.db, &state.pii, phone).await?
        && other.id != u.id
    {
        let adoptable = other.openid.is_none() && u.phone_hash.is_none() && u.openid.is_some();
        if adoptable && is_blank(&state.db, u.id).await? {
            return adopt_openid(state, u, other).await;
        }
        return Err(AppError::new(ErrorCode::Conflict).with_detail("该手机号已绑定其他账号"));
    }
    let mut a: user::ActiveModel = u.into();
    a.phone_enc = Set(Some(state.pii.encrypt(phone)));
    a.phone_hash = Set(Some(state.pii.lookup_hash(phone)));
    a.updated_at = Set(Utc::now());
    let u = a.update(&state.db).await.map_err(|e| {
        if is_unique_violation(&e) {
            AppError::new(ErrorCode::Conflict).with_detail("该手机号已绑定其他账号")
        } else {
            e.into()
        }
    })?;
    crate::auth::callers::changed(state, [u.id]).await;
    sync_system_admin(state, u).await
}

/// Nothing hangs off the account yet: no roles, orders, reports or points.
async fn is_blank(conn: &impl ConnectionTrait, id: i64) -> AppResult<bool> {
    use entity::{account, member_report, service_order};
    use sea_orm::{Condition, PaginatorTrait};
    let roles = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(id))
        .count(conn)
        .await?;
    let orders = service_order::Entity::find()
        .filter(
            Condition::any()
                .add(service_order::Column::ResidentId.eq(id))
                .add(service_order::Column::AssigneeId.eq(id)),
        )
        .count(conn)
        .await?;
    let reports = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(id))
        .count(conn)
        .await?;
    let accounts = account::Entity::find()
        .filter(account::Column::OwnerKind.eq(entity::account::OwnerKind::User))
        .filter(account::Column::OwnerId.eq(id))
        .count(conn)
        .await?;
    Ok(roles + orders + reports + accounts == 0)
}

async fn adopt_openid(state: &AppState, blank: user::Model, keeper: user::Model) -> AppResult<user::Model> {
    let txn = crate::db::begin_write(&state.db).await?;
    // The openid is unique: free it before handing it over.
    let mut freed: user::ActiveModel = blank.clone().into();
    freed.openid = Set(None);
    freed.unionid = Set(None);
    freed.update(&txn).await?;
    let unionid = keeper.unionid.clone().or(blank.unionid.clone());
    let mut k: user::ActiveModel = keeper.into();
    k.openid = Set(blank.openid.clone());
    k.unionid = Set(unionid);
    k.updated_at = Set(Utc::now());
    let keeper = k.update(&txn).await?;
    user::Entity::delete_by_id(blank.id).exec(&txn).await?;
    txn.commit().await?;
    crate::auth::callers::changed(state, [blank.id, keeper.id]).await;
    tracing::info!(
        from = blank.id,
        to = keeper.id,
        "WeChat login joined the account that has its phone"
    );
    sync_system_admin(state, keeper).await
}
