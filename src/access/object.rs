//! What every extractor needs: the application state; and what every single-object extractor
//! does first: the caller, then the `{id}` path segment.

use crate::auth::principal::Principal;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

/// The application state, which every extractor needs.
pub(super) fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))
}

/// Loads the caller (401 without a login), reads `{id}` as [`crate::extract::PathId`] does
/// (404 when it names nothing), then runs `find` to load and check the object.
pub(super) fn load<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    find: impl AsyncFnOnce(web::Data<AppState>, Principal, i64) -> Result<T, AppError> + 'static,
) -> LocalBoxFuture<'static, Result<T, AppError>> {
    let principal = Principal::from_request(req, payload);
    let state = state_of(req);
    let id = req
        .match_info()
        .get("id")
        .and_then(crate::api::parse_id)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound));
    Box::pin(async move {
        let principal = principal.await?;
        find(state?, principal, id?).await
    })
}
