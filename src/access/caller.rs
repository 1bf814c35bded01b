//! The caller: a verified, unrevoked access token and the user's current grants.

use crate::auth::callers;
use crate::auth::principal::Principal;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn load(state: web::Data<AppState>, token: Option<String>) -> Result<Principal, AppError> {
    let token = token.ok_or_else(|| AppError::new(ErrorCode::Unauthorized).with_detail("缺少访问令牌"))?;
    let (user_id, claims) = state.tokens.verify_access(&token)?;
    callers::authenticate(
        &state,
        user_id,
        claims.jti,
        claims.exp,
        claims.auth_time.unwrap_or(0),
    )
    .await
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = super::request::state_of(req);
        let token = bearer(req);
        Box::pin(async move { load(state?, token).await })
    }
}
