//! 认领: a member of the wish's community, or a unit admin for a unit reported there, takes an
//! open wish; among simultaneous claims one wins (the update is conditioned on `open`) and the
//! rest are told `WISH_ALREADY_CLAIMED`. The claimer may give it back with a reason.

use super::moderation::WishReasonIn;
use super::state::{Step, act};
use super::view::WishOut;
use super::visibility::{Seen, require};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use entity::role_grant::Role;
use entity::wish;
use sea_orm::Set;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 认领心愿
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimIn {
    /// 以驻区单位名义认领时填写：你任单位管理员、且在该社区报到的单位
    pub unit_id: Option<Id>,
}

/// May `p` claim a wish of `seen`'s community, for `unit` if named?
fn may_claim(p: &Principal, seen: &Seen, unit: Option<i64>) -> bool {
    let community = &seen.community;
    p.grants.iter().any(|g| match unit {
        Some(u) => g.role == Role::UnitAdmin && g.unit_id == Some(u) && g.region_id == community.id,
        None => g.role == Role::Member && g.region_path.starts_with(&community.path),
    })
}

/// 认领 by a member of the community, or by a unit admin for their unit.
pub async fn claim(state: &AppState, p: &Principal, seen: &Seen, b: ClaimIn) -> AppResult<WishOut> {
    if seen.standing.poster {
        return Err(AppError::new(ErrorCode::OwnWish));
    }
    let unit = b.unit_id.map(|u| u.0);
    let detail = match unit {
        Some(_) => "只能以你任管理员、且在本社区报到的单位名义认领",
        None => "只有本社区的党员可以认领心愿",
    };
    require(may_claim(p, seen, unit), detail)?;
    let set = wish::ActiveModel {
        claimer_id: Set(Some(p.id())),
        claimer_unit_id: Set(unit),
        claimed_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    act(state, p.id(), seen, Step::Claim, set).await
}

/// 取消认领 by the claimer, with the reason the resident reads: the wish opens again.
pub async fn release(state: &AppState, p: &Principal, seen: &Seen, b: WishReasonIn) -> AppResult<WishOut> {
    require(seen.standing.claimer, "只有认领人可以取消认领")?;
    let set = wish::ActiveModel {
        claimer_id: Set(None),
        claimer_unit_id: Set(None),
        claimed_at: Set(None),
        release_reason: Set(Some(b.reason)),
        ..Default::default()
    };
    act(state, p.id(), seen, Step::Release, set).await
}
