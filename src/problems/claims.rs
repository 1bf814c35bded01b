//! 认领 (揭榜挂帅): a unit admin of a unit reported to the community claims a published item; among
//! simultaneous claims one wins (the update is conditioned on `published`) and the rest are told
//! `PROBLEM_ALREADY_CLAIMED`. The owner may drop it with a reason before the street day; the
//! owner unit's admin, or staff over the owning region, resolve it with a result.

use super::deadlines::street_due;
use super::state::{Step, advance};
use super::view::{ProblemOut, one};
use super::visibility::{Seen, Standing, require, units_here};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::attach::attach;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media::Attachment;
use entity::problem::{self, ProblemState};
use entity::problem_event::ProblemAction;
use sea_orm::Set;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 认领问题
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemClaimIn {
    /// 以哪个单位认领：你任管理员、且在该社区报到的单位；只有一个时可省略
    pub unit_id: Option<Id>,
}

/// 放弃认领
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropIn {
    /// 放弃的原因
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(example = "超出本单位能力，需协调供水公司", min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 解决问题
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemResolveIn {
    /// 解决结果
    #[validate(length(min = 1, max = 1000, message = "结果为 1 到 1000 个字"))]
    #[schema(example = "已更换楼道灯 6 盏", min_length = 1, max_length = 1000)]
    pub result: String,
    /// 结果照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// 422 `PROBLEM_DEADLINE_PASSED` once the item's street day has begun.
fn before_street_day(state: &AppState, it: &problem::Model, now: DateTime<Utc>) -> AppResult<()> {
    match street_due(&it.month, &state.config.problems) {
        Some(due) if now >= due => Err(AppError::new(ErrorCode::ProblemDeadlinePassed)),
        _ => Ok(()),
    }
}

/// Applies `step` in its own write transaction, attaching the uploads among `result_photos`
/// (the caller's) in it; the item as the caller now sees it.
async fn act(
    state: &AppState,
    p: &Principal,
    seen: &Seen,
    step: Step,
    set: problem::ActiveModel,
    result_photos: &[String],
    now: DateTime<Utc>,
) -> AppResult<ProblemOut> {
    let txn = crate::db::begin_write(&state.db).await?;
    let it = advance(&txn, &seen.problem, step, set, now).await?;
    attach(&txn, p.id(), result_photos, Attachment::ProblemResult, it.id).await?;
    txn.commit().await?;
    let standing = Standing {
        owner: it.owner_unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
        ..seen.standing
    };
    one(&state.db, it, &standing, &state.config.problems).await
}

/// The unit `p` claims for: the one named, or their only unit reported to the community.
fn claiming_unit(p: &Principal, seen: &Seen, named: Option<Id>) -> AppResult<i64> {
    let units = units_here(p, seen.community.id);
    require(!units.is_empty(), "只有在本社区报到的单位的管理员可以认领")?;
    match (named.map(|u| u.0), units.as_slice()) {
        (Some(u), _) if units.contains(&u) => Ok(u),
        (Some(_), _) => Err(AppError::new(ErrorCode::UnitNotInCommunity)
            .with_detail("只能以你任管理员、且在本社区报到的单位名义认领")),
        (None, [only]) => Ok(*only),
        (None, _) => {
            Err(AppError::new(ErrorCode::UnitRequired).with_detail("你管理多个单位，请指定 unit_id"))
        }
    }
}

/// 认领 by a unit admin for a unit reported to the item's community.
pub async fn claim(state: &AppState, p: &Principal, seen: &Seen, b: ProblemClaimIn) -> AppResult<ProblemOut> {
    let unit = claiming_unit(p, seen, b.unit_id)?;
    let now = Utc::now();
    before_street_day(state, &seen.problem, now)?;
    if seen.problem.state != ProblemState::Published {
        return Err(super::state::refused(seen.problem.state, ProblemState::Claimed));
    }
    let set = problem::ActiveModel {
        owner_unit_id: Set(Some(unit)),
        claimed_by: Set(Some(p.id())),
        claimed_at: Set(Some(now)),
        ..Default::default()
    };
    let step = Step {
        to: ProblemState::Claimed,
        action: ProblemAction::Claimed,
        actor: Some(p.id()),
        note: None,
    };
    act(state, p, seen, step, set, &[], now).await
}

/// 放弃认领 by the owner unit's admin, with a reason, before the street day: published again.
pub async fn drop_claim(state: &AppState, p: &Principal, seen: &Seen, b: DropIn) -> AppResult<ProblemOut> {
    require(
        seen.standing.owner && seen.problem.state == ProblemState::Claimed,
        "只有认领单位的管理员可以放弃认领",
    )?;
    let now = Utc::now();
    before_street_day(state, &seen.problem, now)?;
    let set = problem::ActiveModel {
        owner_unit_id: Set(None),
        claimed_by: Set(None),
        claimed_at: Set(None),
        ..Default::default()
    };
    let step = Step {
        to: ProblemState::Published,
        action: ProblemAction::Dropped,
        actor: Some(p.id()),
        note: Some(b.reason),
    };
    act(state, p, seen, step, set, &[], now).await
}

/// 解决 by the owner unit's admin (a claimed item) or staff over the owning region.
pub async fn resolve(
    state: &AppState,
    p: &Principal,
    seen: &Seen,
    b: ProblemResolveIn,
) -> AppResult<ProblemOut> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    let it = &seen.problem;
    let by_owner = seen.standing.owner && it.state == ProblemState::Claimed;
    require(
        by_owner || seen.standing.owning_staff,
        "只有认领单位的管理员或负责区域的工作者可以办结",
    )?;
    if !matches!(
        it.state,
        ProblemState::Published | ProblemState::Claimed | ProblemState::Escalated
    ) {
        return Err(AppError::new(ErrorCode::ProblemInvalidState));
    }
    let now = Utc::now();
    let set = problem::ActiveModel {
        result: Set(Some(b.result.clone())),
        result_photos: Set(serde_json::to_string(&b.photos).map_err(AppError::internal)?),
        resolved_by: Set(Some(p.id())),
        resolved_at: Set(Some(now)),
        ..Default::default()
    };
    let step = Step {
        to: ProblemState::Resolved,
        action: ProblemAction::Resolved,
        actor: Some(p.id()),
        note: Some(b.result),
    };
    act(state, p, seen, step, set, &b.photos, now).await
}
