//! Login, refresh and logout over HTTP; the flows live in [`crate::users::session`].

use crate::access::Principal;
use crate::client_ip::client_ip;
use crate::config::AppEnv;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, decode_body};
use crate::state::AppState;
use crate::users::session::{
    self, DevLoginIn, LogoutIn, PasswordLoginIn, RefreshIn, TokensOut, WechatCodeIn,
};
use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(wechat_login)
        .service(wechat_phone)
        .service(password_login)
        .service(dev_login)
        .service(refresh)
        .service(logout);
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
    Ok(web::Json(session::wechat_login(&state, &body.0.code).await?))
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
    Ok(web::Json(session::wechat_phone(&state, p, &body.0.code).await?))
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
    let ip = client_ip(&req, state.config.proxy);
    Ok(web::Json(session::password_login(&state, &ip, body.0).await?))
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
    Ok(web::Json(session::dev_login(&state, body).await?))
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
    Ok(web::Json(session::refresh(&state, &body.0.refresh_token).await?))
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
    session::logout(&state, &p, body.refresh_token.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}
