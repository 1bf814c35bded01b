use super::{MeOut, UserOut};
use crate::api::{Id, valid_phone};
use crate::auth::Principal;
use crate::auth::attempts::Attempt;
use crate::auth::password;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::ApiJson;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use entity::role_grant::Role;
use entity::user;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

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
    Ok(web::Json(super::me(&state, &p).await?))
}

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
    super::set_residence(&state, &p, body.0.region_id.0, &body.0.address).await?;
    let p = reload(&state, p).await?;
    Ok(web::Json(super::me(&state, &p).await?))
}

async fn reload(state: &AppState, p: Principal) -> AppResult<Principal> {
    crate::auth::principal::reload(state, p).await
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
    let body = body.0;
    let attempt = Attempt::begin(&state, &req, &format!("user:{}", p.id())).await?;
    match p.user.password_hash.clone() {
        Some(stored) => {
            let current = body.current_password.unwrap_or_default();
            if !password::verify(current, Some(stored)).await? {
                attempt.failed(&state).await?;
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
    tracing::info!(user_id, sessions_ended = ended, "password changed");
    Ok(HttpResponse::NoContent().finish())
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
    let staff = p.is_system_admin()
        || p.grants
            .iter()
            .any(|g| matches!(g.role, Role::Admin | Role::Staff));
    if !staff {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let minute = std::time::Duration::from_secs(60);
    crate::ratelimit::hit(&state.kv, &format!("lookup:{}", p.id()), 30, minute).await?;
    Ok(web::Json(super::lookup(&state, &p, &body.0.phone).await?))
}
