//! Staff over the place a wish was posted approve it (it opens for claims) or reject it with a
//! reason; the resident is told either way.

use super::state::{Step, act};
use super::view::WishOut;
use super::visibility::{Seen, require};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::state::AppState;
use chrono::Utc;
use entity::wish;
use sea_orm::Set;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 原因
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WishReasonIn {
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

fn reviewed(p: &Principal) -> wish::ActiveModel {
    wish::ActiveModel {
        reviewed_by: Set(Some(p.id())),
        reviewed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
}

/// 审核通过 by staff over the place it was posted.
pub async fn approve(state: &AppState, p: &Principal, seen: &Seen) -> AppResult<WishOut> {
    require(seen.standing.staff, "只有该区域的社区工作者可以审核心愿")?;
    act(state, p.id(), seen, Step::Approve, reviewed(p)).await
}

/// 驳回 by staff over the place it was posted, with the reason the resident reads.
pub async fn reject(state: &AppState, p: &Principal, seen: &Seen, b: WishReasonIn) -> AppResult<WishOut> {
    require(seen.standing.staff, "只有该区域的社区工作者可以审核心愿")?;
    let mut set = reviewed(p);
    set.reject_reason = Set(Some(b.reason));
    act(state, p.id(), seen, Step::Reject, set).await
}
