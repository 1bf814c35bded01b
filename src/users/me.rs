//! The caller's own page: profile, roles, residence, balances; declaring a residence, setting a
//! password, and finding people by phone for staff.

use super::people::{UserOut, find_by_phone, phone_of};
use crate::api::{Id, valid_phone};
use crate::auth::attempts::Attempt;
use crate::auth::password;
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::records::history::standing;
use crate::records::stars::StarsOut;
use crate::residences::declaration;
use crate::state::AppState;
use entity::region::{self, RegionKind};
use entity::residence::ResidenceStatus;
use entity::role_grant::Role;
use entity::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 设置居住地
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceIn {
    /// 网格或楼栋 id
    pub region_id: Id,
    /// 门牌地址，如“3 单元 502”
    #[validate(length(min = 1, max = 200, message = "地址为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub address: String,
}

/// 设置登录密码
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    /// 当前密码（已设置过密码时必填）
    pub current_password: Option<String>,
    #[validate(length(min = 8, max = 128, message = "密码为 8 到 128 位"))]
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// 按手机号查找用户
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupIn {
    /// 完整手机号（放在请求体里，不进访问日志）
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub phone: String,
}

/// 我的角色
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleOut {
    /// 授权记录 id（撤销时使用）
    pub id: Id,
    pub role: Role,
    pub region_id: Id,
    pub region_name: String,
    pub region_kind: RegionKind,
    /// 单位管理员所属的驻区单位
    pub unit_id: Option<Id>,
}

/// 居住地（最近一次申报）
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidenceOut {
    /// 申报 id
    pub id: Id,
    pub region_id: Id,
    pub region_name: String,
    /// 详细地址（本人和该处社区工作者可见）
    pub address: Option<String>,
    /// pending：待社区确认，仅可在此下单；confirmed：已确认，可使用本社区的服务目录、爱心超市等；rejected：已驳回
    pub status: ResidenceStatus,
    /// 审核意见
    pub review_note: Option<String>,
}

/// 当前用户（本人可见完整手机号）
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    #[serde(flatten)]
    pub user: UserOut,
    /// 完整手机号，仅返回给本人
    pub phone: Option<String>,
    pub roles: Vec<RoleOut>,
    pub residence: Option<ResidenceOut>,
    /// 时间银行与绿币余额
    pub balances: Vec<crate::ledger::AccountOut>,
    /// 志愿服务累计时长与星级（明细见 /me/service-record）
    pub stars: StarsOut,
}

pub async fn me(state: &AppState, p: &Principal) -> AppResult<MeOut> {
    let declared = declaration::latest(&state.db, p.id()).await?;
    let region_ids: Vec<i64> = p
        .grants
        .iter()
        .map(|g| g.region_id)
        .chain(declared.as_ref().map(|r| r.region_id))
        .collect();
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids))
        .all(&state.db)
        .await?;
    let region = |id: i64| regions.iter().find(|r| r.id == id);
    let roles = p
        .grants
        .iter()
        .filter_map(|g| {
            region(g.region_id).map(|r| RoleOut {
                id: Id(g.id),
                role: g.role,
                region_id: Id(r.id),
                region_name: r.name.clone(),
                region_kind: r.kind,
                unit_id: g.unit_id.map(Id),
            })
        })
        .collect();
    let residence = declared.map(|d| ResidenceOut {
        id: Id(d.id),
        region_id: Id(d.region_id),
        region_name: region(d.region_id).map(|r| r.name.clone()).unwrap_or_default(),
        address: Some(d.address),
        status: d.status,
        review_note: d.review_note,
    });
    let balances = crate::ledger::balances(&state.db, p.id()).await?;
    let stars = standing(&state.db, &state.config.stars.hours, p.id()).await?;
    Ok(MeOut {
        user: UserOut::own(&p.user, &state.pii),
        phone: phone_of(&p.user, &state.pii),
        roles,
        residence,
        balances,
        stars,
    })
}

/// Records where the caller lives (a grid or building); staff there confirm it. Answers the
/// caller's page as it now is.
pub async fn set_residence(state: &AppState, p: Principal, body: &ResidenceIn) -> AppResult<MeOut> {
    let target = crate::regions::tree::find(&state.db, body.region_id.0).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    declaration::declare(&txn, &p, &target, &body.address).await?;
    txn.commit().await?;
    let p = crate::auth::callers::reload(state, p).await?;
    me(state, &p).await
}

/// Sets the caller's password, counted like a login attempt from `client_ip`. A password already
/// set must be given; a first one needs a recent login. Every refresh token of the user ends.
pub async fn set_password(
    state: &AppState,
    p: Principal,
    client_ip: &str,
    body: PasswordIn,
) -> AppResult<()> {
    let attempt = Attempt::begin(state, client_ip, &format!("user:{}", p.id())).await?;
    match p.user.password_hash.clone() {
        Some(stored) => {
            let current = body.current_password.unwrap_or_default();
            if !password::verify(current, Some(stored)).await? {
                attempt.failed(state).await?;
                return Err(AppError::new(ErrorCode::LoginFailed).with_detail("当前密码不正确"));
            }
        }
        // Without a password to ask for, only a recent login proves it is the owner.
        None if !p.logged_in_within(state.config.fresh_login_within) => {
            return Err(AppError::new(ErrorCode::FreshLoginRequired));
        }
        None => {}
    }
    let hash = password::hash(body.new_password).await?;
    let now = chrono::Utc::now();
    let user_id = p.id();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut a: user::ActiveModel = p.user.into();
    a.password_hash = Set(Some(hash));
    a.updated_at = Set(now);
    a.update(&txn).await?;
    let ended = crate::auth::tokens::revoke_user(&txn, user_id, now).await?;
    txn.commit().await?;
    crate::auth::callers::changed(state, [user_id]).await;
    tracing::info!(user_id, sessions_ended = ended, "password changed");
    Ok(())
}

/// The person with this phone, if the caller may find them: system admins find anyone; admins
/// and staff find people with a role, or a declaration awaiting review, in their subtree.
/// Anyone else is answered exactly like a phone no one has.
/// Only staff and admins (anywhere) may look, and each at most 30 times a minute.
pub async fn lookup(state: &AppState, p: &Principal, phone: &str) -> AppResult<UserOut> {
    if !p.holds_anywhere(&[Role::Staff]) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let minute = std::time::Duration::from_secs(60);
    crate::ratelimit::hit(&state.kv, &format!("lookup:{}", p.id()), 30, minute).await?;
    let not_found = || AppError::new(ErrorCode::UserNotFound);
    let u = find_by_phone(&state.db, &state.pii, phone)
        .await?
        .ok_or_else(not_found)?;
    if !p.is_system_admin() && !within_reach(state, p, u.id).await? {
        return Err(not_found());
    }
    Ok(UserOut::seen_by(&u, &state.pii, p))
}

async fn within_reach(state: &AppState, p: &Principal, user_id: i64) -> AppResult<bool> {
    let scopes: Vec<&str> = p
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::Admin | Role::Staff))
        .map(|g| g.region_path.as_str())
        .collect();
    let theirs = crate::auth::callers::load_for(state, user_id).await?;
    let home = declaration::declared_home(&state.db, user_id).await?;
    let places = theirs
        .grants
        .iter()
        .map(|g| g.region_path.as_str())
        .chain(home.as_ref().map(|h| h.path.as_str()));
    Ok(places
        .into_iter()
        .any(|place| scopes.iter().any(|s| place.starts_with(s))))
}
