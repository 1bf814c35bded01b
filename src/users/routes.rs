//! `/me/…` and `/users/lookup`.

use crate::access::Principal;
use crate::client_ip::client_ip;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::users::me::{self as own, LookupIn, MeOut, PasswordIn, ResidenceIn};
use crate::users::people::UserOut;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(set_residence)
        .service(set_password)
        .service(lookup);
}

/// 当前用户
///
/// 资料、各区域的角色、居住地。
#[utoipa::path(
    tag = "我的",
    security(("bearer" = [])),
    responses((status = 200, description = "当前用户", body = MeOut))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, p: Principal) -> AppResult<web::Json<MeOut>> {
    Ok(web::Json(own::me(&state, &p).await?))
}

/// 设置居住地
///
/// 选择网格或楼栋申报居住地。经该处工作人员确认前，只能在该处下单；不会改变工作人员授予的角色。
#[utoipa::path(
    tag = "我的",
    request_body = ResidenceIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已申报（`residence.status` 为 pending，社区确认后为 confirmed）", body = MeOut),
        (status = 404, description = "区域不存在"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为网格或楼栋"),
    )
)]
#[put("/me/residence")]
pub async fn set_residence(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<ResidenceIn>,
) -> AppResult<web::Json<MeOut>> {
    Ok(web::Json(own::set_residence(&state, p, &body.0).await?))
}

/// 设置登录密码
///
/// 用于在工作台密码登录。设置后该用户所有登录的刷新令牌失效，各设备在访问令牌到期后需重新登录。已有密码时须提供当前密码；首次设置须在登录后几分钟内进行。与密码登录同样限次。
#[utoipa::path(
    tag = "我的",
    request_body = PasswordIn,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "已设置；所有登录（含当前）的刷新令牌失效，访问令牌到期后需重新登录"),
        (status = 401, description = "`LOGIN_FAILED`：当前密码不正确"),
        (status = 403, description = "`FRESH_LOGIN_REQUIRED`：首次设置密码须在登录后几分钟内进行（刷新令牌不算重新登录），请重新登录"),
        (status = 429, description = "`RATE_LIMITED`：尝试过多（与密码登录同样按账号、按 IP 计数），见 Retry-After"),
    )
)]
#[put("/me/password")]
pub async fn set_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    body: ApiJson<PasswordIn>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req, state.config.proxy);
    own::set_password(&state, p, &ip, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 按手机号查找用户
///
/// 供工作者和管理员授予角色时使用：只能找到在自己管辖区域内有角色或申报了居住地的人，
/// 其他人与不存在的手机号一样答复 `USER_NOT_FOUND`；按调用者限次。
#[utoipa::path(
    tag = "我的",
    request_body = LookupIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "找到的用户（手机号脱敏）", body = UserOut),
        (status = 403, description = "仅社区工作者和管理员可查"),
        (status = 404, description = "`USER_NOT_FOUND`：无此手机号，或此人不在你管辖的区域"),
        (status = 429, description = "`RATE_LIMITED`"),
    )
)]
#[post("/users/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    p: Principal,
    body: ApiJson<LookupIn>,
) -> AppResult<web::Json<UserOut>> {
    Ok(web::Json(own::lookup(&state, &p, &body.0.phone).await?))
}
