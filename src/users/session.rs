//! Sessions: a login finds or creates the person and issues a token pair; a refresh spends a
//! refresh token for a new pair; a logout revokes the access token and its login family.
//! They live above `users` because a login is where a person is found or created.

use super::people::{self, UserOut};
use crate::api::valid_phone;
use crate::auth::attempts::Attempt;
use crate::auth::principal::{Principal, revoked_key};
use crate::auth::{password, tokens};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::user;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;
use validator::Validate;

/// 登录结果
#[derive(Debug, Serialize, ToSchema)]
pub struct TokensOut {
    /// 访问令牌，放在 `Authorization: Bearer …` 头中
    pub access_token: String,
    /// 刷新令牌：只能使用一次，刷新后换新的；重复使用会导致该登录全部失效
    pub refresh_token: String,
    /// 固定为 `Bearer`
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// 访问令牌有效秒数
    pub expires_in: u64,
    pub user: UserOut,
}

/// 小程序 wx.login 得到的 code
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatCodeIn {
    #[validate(length(min = 1, max = 128, message = "code 不能为空"))]
    #[schema(min_length = 1, max_length = 128)]
    pub code: String,
}

/// 手机号 + 密码登录（社区工作者）
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordLoginIn {
    #[validate(custom(function = "valid_phone"))]
    #[schema(example = "13800000001", pattern = "^1[0-9]{10}$")]
    pub phone: String,
    #[validate(length(min = 1, max = 128, message = "请输入密码"))]
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// 开发环境登录
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DevLoginIn {
    #[validate(custom(function = "valid_phone"))]
    #[schema(example = "13800000001", pattern = "^1[0-9]{10}$")]
    pub phone: String,
    /// 首次登录时的姓名
    #[validate(length(min = 1, max = 32, message = "姓名为 1 到 32 个字"))]
    #[schema(example = "张三", min_length = 1, max_length = 32)]
    pub name: String,
}

/// 刷新令牌
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshIn {
    #[validate(length(min = 1, max = 256, message = "refresh_token 不能为空"))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

/// 退出登录
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutIn {
    /// 同时作废的刷新令牌（建议传）
    pub refresh_token: Option<String>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Tokens for `u`; `auth_time` is when they last proved who they are (a login, not a refresh).
async fn issue(
    state: &AppState,
    conn: &impl sea_orm::ConnectionTrait,
    u: &user::Model,
    family: Option<String>,
    auth_time: i64,
) -> AppResult<TokensOut> {
    let (access_token, _) = state.tokens.issue_access(u.id, auth_time);
    let refresh_token = tokens::issue_refresh(conn, &state.tokens, u.id, family).await?;
    Ok(TokensOut {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl.as_secs(),
        user: UserOut::own(u, &state.pii),
    })
}

/// Logs in by a `wx.login` code: the openid's user, created at the first login.
pub async fn wechat_login(state: &AppState, code: &str) -> AppResult<TokensOut> {
    let session = state.wechat.code2session(code).await?;
    let u = people::find_or_create_by_openid(state, &session.openid, session.unionid.as_deref()).await?;
    let u = people::sync_system_admin(state, u).await?;
    issue(state, &state.db, &u, None, now()).await
}

/// Binds the phone WeChat vouches for to the caller; the pair issued is for the account that has it.
pub async fn wechat_phone(state: &AppState, p: Principal, code: &str) -> AppResult<TokensOut> {
    let phone = state.wechat.phone_number(code).await?;
    let u = people::bind_phone(state, p.user, &phone).await?;
    issue(state, &state.db, &u, None, p.auth_time).await
}

/// Logs in by phone and password, counted as an attempt from `client_ip`. An unknown phone and
/// a wrong password get the same answer.
pub async fn password_login(
    state: &AppState,
    client_ip: &str,
    body: PasswordLoginIn,
) -> AppResult<TokensOut> {
    let subject = format!("phone:{}", state.pii.lookup_hash(&body.phone));
    let attempt = Attempt::begin(state, client_ip, &subject).await?;
    let found = people::find_by_phone(&state.db, &state.pii, &body.phone).await?;
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(body.password, stored).await? {
        attempt.failed(state).await?;
        return Err(AppError::new(ErrorCode::LoginFailed));
    }
    let u = found.ok_or_else(|| AppError::new(ErrorCode::LoginFailed))?;
    attempt.succeeded(state).await?;
    let u = people::sync_system_admin(state, u).await?;
    issue(state, &state.db, &u, None, now()).await
}

/// Logs in by phone alone (development only: the route checks the environment).
pub async fn dev_login(state: &AppState, body: DevLoginIn) -> AppResult<TokensOut> {
    let u = people::find_or_create_by_phone(state, &body.phone, &body.name).await?;
    let u = people::sync_system_admin(state, u).await?;
    issue(state, &state.db, &u, None, now()).await
}

/// Spends a refresh token for a new pair; a reused one ends its whole login family.
pub async fn refresh(state: &AppState, secret: &str) -> AppResult<TokensOut> {
    let txn = crate::db::begin_write(&state.db).await?;
    let row = match tokens::spend_refresh(&txn, secret).await? {
        tokens::Spent::Fresh(row) => row,
        tokens::Spent::Reused => {
            txn.commit().await?;
            return Err(AppError::new(ErrorCode::RefreshTokenReused));
        }
        tokens::Spent::Invalid => return Err(AppError::new(ErrorCode::RefreshTokenInvalid)),
    };
    let u = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::RefreshTokenInvalid))?;
    // The new pair keeps the time of the login that started the family.
    let auth_time = tokens::family_started(&txn, &row.family).await?;
    let out = issue(state, &txn, &u, Some(row.family), auth_time).await?;
    txn.commit().await?;
    Ok(out)
}

/// Refuses the caller's access token until it expires, and ends the login family of
/// `refresh_token` when it is the caller's.
pub async fn logout(state: &AppState, p: &Principal, refresh_token: Option<&str>) -> AppResult<()> {
    let remaining = (p.token_exp - chrono::Utc::now().timestamp()).max(1) as u64;
    state
        .kv
        .set(&revoked_key(&p.jti), "1", Some(Duration::from_secs(remaining)))
        .await?;
    state.callers.forget_token(&p.jti);
    if let Some(secret) = refresh_token
        && let Some(row) = tokens::find_refresh(&state.db, secret).await?
        && row.user_id == p.id()
    {
        tokens::revoke_family(&state.db, &row.family, chrono::Utc::now()).await?;
    }
    Ok(())
}
