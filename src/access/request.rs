//! What every extractor reads from the request: the application state and the `{id}` segment.

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

/// The application state, which every extractor needs.
pub fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))
}

/// The numeric `{id}` path segment; anything else names nothing (404).
pub fn path_id(req: &HttpRequest) -> Result<i64, AppError> {
    req.match_info()
        .get("id")
        .and_then(crate::api::parse_id)
        .ok_or_else(|| AppError::new(crate::error::ErrorCode::NotFound))
}

/// An extractor for the object named by `{id}`: the caller first (401 without a login), then
/// the id (404 when it names nothing), then `find` loads the object and checks the caller may
/// act on it (404 / 403).
pub fn on_object<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    find: impl AsyncFnOnce(web::Data<AppState>, Principal, i64) -> Result<T, AppError> + 'static,
) -> LocalBoxFuture<'static, Result<T, AppError>> {
    let principal = Principal::from_request(req, payload);
    let state = state_of(req);
    let id = path_id(req);
    Box::pin(async move {
        let principal = principal.await?;
        find(state?, principal, id?).await
    })
}
