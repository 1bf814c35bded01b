//! What every extractor reads from the request: the application state and the `{id}` segment.

use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::future::Future;

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

/// An extractor for the object named by `{id}`: the caller first (401 before anything else),
/// then `load` finds the object and checks the caller may act on it (404 / 403).
pub fn on_object<T, F, Fut>(
    req: &HttpRequest,
    payload: &mut Payload,
    load: F,
) -> LocalBoxFuture<'static, Result<T, AppError>>
where
    F: FnOnce(web::Data<AppState>, Principal, i64) -> Fut + 'static,
    Fut: Future<Output = Result<T, AppError>> + 'static,
{
    let principal = Principal::from_request(req, payload);
    let state = state_of(req);
    let id = path_id(req);
    Box::pin(async move {
        let principal = principal.await?;
        load(state?, principal, id?).await
    })
}
