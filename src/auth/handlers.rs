use super::attempts::Attempt;
use super::principal::{Principal, revoked_key};
use super::{password, tokens};
use crate::api::valid_phone;
use crate::config::AppEnv;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, decode_body};
use crate::state::AppState;
use crate::users::{self, UserOut};
use actix_web::{HttpRequest, HttpResponse, post, web};
use entity::user;
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

/// 小程序 wx.login 得到的 code
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatCodeIn {
    #[validate(length(min = 1, max = 128, message = "code 不能为空"))]
    #[schema(min_length = 1, max_length = 128)]
    pub code: String,
}

/// 微信登录
///
/// 用 wx.login 的 code 调用 `jscode2session`，按 openid 找到或创建用户。
#[utoipa::path(
    tag = "登录",
    request_body = WechatCodeIn,
    responses(
        (status = 200, description = "登录成功", body = TokensOut),
        (status = 400, description = "`WECHAT_CODE_INVALID`（40029）或 `WECHAT_CODE_USED`（40163）"),
        (status = 429, description = "`WECHAT_RATE_LIMITED`（45011）"),
        (status = 503, description = "`WECHAT_UNAVAILABLE`（-1 系统繁忙等）或 `WECHAT_NOT_CONFIGURED`"),
    )
)]
#[post("/auth/wechat/login")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    body: ApiJson<WechatCodeIn>,
) -> AppResult<web::Json<TokensOut>> {
    let session = state.wechat.code2session(&body.0.code).await?;
    let u = users::find_or_create_by_openid(&state, &session.openid, session.unionid.as_deref()).await?;
    let u = users::sync_system_admin(&state, u).await?;
    Ok(web::Json(issue(&state, &state.db, &u, None, now()).await?))
}

/// 绑定手机号
///
/// 用 `getPhoneNumber` 得到的 code 绑定当前用户的手机号。
#[utoipa::path(
    tag = "登录",
    request_body = WechatCodeIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "绑定成功：返回该账号的新令牌。若手机号属于已有账号（如先由社区录入的工作人员），本微信将并入该账号，请改用新令牌", body = TokensOut),
        (status = 400, description = "`WECHAT_CODE_INVALID`"),
        (status = 409, description = "`CONFLICT`：手机号已绑定其他账号"),
        (status = 503, description = "`WECHAT_UNAVAILABLE` 或 `WECHAT_NOT_CONFIGURED`（未配置微信小程序）"),
    )
)]
#[post("/auth/wechat/phone")]
pub async fn wechat_phone(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<WechatCodeIn>,
) -> AppResult<web::Json<TokensOut>> {
    let phone = state.wechat.phone_number(&body.0.code).await?;
    let u = users::bind_phone(&state, p.user, &phone).await?;
    Ok(web::Json(issue(&state, &state.db, &u, None, p.auth_time).await?))
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

/// 手机号密码登录
///
/// 供社区工作者使用；手机号不存在与密码错误的回答完全相同。
#[utoipa::path(
    tag = "登录",
    request_body = PasswordLoginIn,
    responses(
        (status = 200, description = "登录成功", body = TokensOut),
        (status = 401, description = "`LOGIN_FAILED`：手机号或密码不正确"),
        (status = 429, description = "`RATE_LIMITED`：尝试过多，见 Retry-After"),
    )
)]
#[post("/auth/password/login")]
pub async fn password_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordLoginIn>,
) -> AppResult<web::Json<TokensOut>> {
    let body = body.0;
    let subject = format!("phone:{}", state.pii.lookup_hash(&body.phone));
    let attempt = Attempt::begin(&state, &req, &subject).await?;
    let found = users::find_by_phone(&state.db, &state.pii, &body.phone).await?;
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(body.password, stored).await? {
        attempt.failed(&state).await?;
        return Err(AppError::new(ErrorCode::LoginFailed));
    }
    let u = found.ok_or_else(|| AppError::new(ErrorCode::LoginFailed))?;
    attempt.succeeded(&state).await?;
    let u = users::sync_system_admin(&state, u).await?;
    Ok(web::Json(issue(&state, &state.db, &u, None, now()).await?))
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

/// 开发环境登录
///
/// 仅凭手机号登录；`APP_ENV=production` 时返回 404。
#[utoipa::path(
    tag = "登录",
    request_body = DevLoginIn,
    responses(
        (status = 200, description = "登录成功（仅开发环境）", body = TokensOut),
        (status = 404, description = "生产环境中不存在此接口"),
    )
)]
#[post("/auth/dev/login")]
pub async fn dev_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<web::Json<TokensOut>> {
    // In production the route does not exist, whatever the body says.
    if state.config.app_env == AppEnv::Production {
        return Err(AppError::new(ErrorCode::RouteNotFound).with_detail(format!("POST {}", req.path())));
    }
    let body: DevLoginIn = decode_body(&req, &body)?;
    let u = users::find_or_create_by_phone(&state, &body.phone, &body.name).await?;
    let u = users::sync_system_admin(&state, u).await?;
    Ok(web::Json(issue(&state, &state.db, &u, None, now()).await?))
}

/// 刷新令牌
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshIn {
    #[validate(length(min = 1, max = 256, message = "refresh_token 不能为空"))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

/// 刷新令牌
///
/// 旧的刷新令牌作废，返回一对新令牌。
#[utoipa::path(
    tag = "登录",
    request_body = RefreshIn,
    responses(
        (status = 200, description = "新的令牌对", body = TokensOut),
        (status = 401, description = "`REFRESH_TOKEN_INVALID`，或 `REFRESH_TOKEN_REUSED`（重复使用：该登录的全部令牌已作废）"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshIn>,
) -> AppResult<web::Json<TokensOut>> {
    let txn = crate::db::begin_write(&state.db).await?;
    let row = match tokens::spend_refresh(&txn, &body.0.refresh_token).await? {
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
    let out = issue(&state, &txn, &u, Some(row.family), auth_time).await?;
    txn.commit().await?;
    Ok(web::Json(out))
}

use sea_orm::EntityTrait;

/// 退出登录
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutIn {
    /// 同时作废的刷新令牌（建议传）
    pub refresh_token: Option<String>,
}

/// 退出登录
///
/// 访问令牌在到期前即被拒绝；所传刷新令牌所在的整组登录作废。
#[utoipa::path(
    tag = "登录",
    request_body(content = Option<LogoutIn>, description = "可省略请求体"),
    security(("bearer" = [])),
    responses((status = 204, description = "已退出"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let body: LogoutIn = decode_body(&req, &body)?;
    let remaining = (p.token_exp - chrono::Utc::now().timestamp()).max(1) as u64;
    state
        .kv
        .set(&revoked_key(&p.jti), "1", Some(Duration::from_secs(remaining)))
        .await?;
    if let Some(secret) = body.refresh_token.as_deref()
        && let Some(row) = tokens::find_refresh(&state.db, secret).await?
        && row.user_id == p.id()
    {
        tokens::revoke_family(&state.db, &row.family, chrono::Utc::now()).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}
