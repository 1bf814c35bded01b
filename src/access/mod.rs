//! The scoping layer: extractors that establish who calls and which object they may act on.
//!
//! A handler that needs a login declares a [`Principal`]; one that acts on a region declares
//! [`RegionAccess<N>`], naming the role it needs; single objects (an order, a store) have
//! extractors of their own here, built the same way. Objects outside everything the caller can
//! see answer 404 (their existence is not disclosed); visible but beyond the caller's role, 403.
//! Domain modules never import this layer: they take the `Principal` and objects it yields.

mod caller;
mod order;
mod region;
mod service_item;

pub use crate::auth::Principal;
pub use order::{ClaimAccess, OrderAccess};
pub use region::{AdminRole, Need, RegionAccess, StaffRole};
pub use service_item::ServiceItemAccess;

use crate::error::AppError;
use crate::state::AppState;
use actix_web::{HttpRequest, web};

/// The application state, which every extractor needs.
fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))
}

/// The numeric `{id}` path segment; anything else names nothing (404).
fn path_id(req: &HttpRequest) -> Result<i64, AppError> {
    req.match_info()
        .get("id")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| AppError::new(crate::error::ErrorCode::NotFound))
}
