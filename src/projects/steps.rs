//! The steps of a project: a unit reported to the community takes it (one owner: the update is
//! conditioned on `open`, so among simultaneous takes one wins and the rest are told
//! `PROJECT_ALREADY_TAKEN`); the owner unit reports progress (append-only) and completes it;
//! staff over the community cancel it before it is done.

use super::events::{self, Entry};
use super::view::{ProjectOut, one};
use super::visibility::{Standing, admin_of, community_for, require, units_here};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::attach::attach;
use crate::state::AppState;
use chrono::Utc;
use entity::media::Attachment;
use entity::project::{self, ProjectState};
use entity::project_event::ProjectAction;
use sea_orm::sea_query::{ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 承接项目
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeIn {
    /// 以哪个单位承接：你任管理员、且在该社区报到的单位；只有一个时可省略
    pub unit_id: Option<Id>,
}

/// 报告进展
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressIn {
    /// 进展说明
    #[validate(length(min = 1, max = 1000, message = "进展为 1 到 1000 个字"))]
    #[schema(example = "已完成 2 个小区的扶手安装", min_length = 1, max_length = 1000)]
    pub note: String,
    /// 完成进度（0 到 100）
    #[validate(range(min = 0, max = 100, message = "进度为 0 到 100"))]
    #[schema(minimum = 0, maximum = 100, example = 60)]
    pub percent: Option<i32>,
    /// 照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// 完成项目
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCompleteIn {
    /// 完成情况
    #[validate(length(min = 1, max = 1000, message = "完成情况为 1 到 1000 个字"))]
    #[schema(
        example = "12 个单元楼道扶手全部安装完毕并验收",
        min_length = 1,
        max_length = 1000
    )]
    pub result: String,
    /// 照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// 取消项目
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCancelIn {
    /// 取消原因
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(example = "街道已统一立项实施", min_length = 1, max_length = 200)]
    pub reason: String,
}

/// A project with how the caller stands to its community.
pub struct SeenProject {
    pub project: project::Model,
    pub standing: Standing,
}

impl SeenProject {
    /// Reads it in full: staff over the community or an admin of the owner unit.
    pub fn full(&self, p: &Principal) -> bool {
        super::view::full(p, &self.standing, &self.project)
    }
}

/// The project `id` as the caller stands to it; 404 `PROJECT_NOT_FOUND` when it does not exist
/// or the caller is not of its community.
pub async fn locate(state: &AppState, p: &Principal, id: i64) -> AppResult<SeenProject> {
    let project = project::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::ProjectNotFound))?;
    let (_, standing) = community_for(
        &state.db,
        &state.regions,
        p,
        project.community_id,
        ErrorCode::ProjectNotFound,
    )
    .await?;
    Ok(SeenProject { project, standing })
}

/// The refusal for a step to `to` on a project now in `now`.
fn refused(now: ProjectState, to: ProjectState) -> AppError {
    if to == ProjectState::Taken && matches!(now, ProjectState::Taken | ProjectState::Done) {
        AppError::new(ErrorCode::ProjectAlreadyTaken)
    } else {
        AppError::new(ErrorCode::ProjectInvalidState)
    }
}

/// Applies `set` to the project where `cond` still holds, logs `entry` and attaches the uploads
/// among its photos (to the project), in one transaction; a project no longer matching is
/// refused by its state now.
async fn apply(
    state: &AppState,
    p: &Principal,
    seen: &SeenProject,
    to: ProjectState,
    cond: SimpleExpr,
    mut set: project::ActiveModel,
    entry: Entry,
) -> AppResult<ProjectOut> {
    let now = Utc::now();
    set.state = Set(to);
    set.updated_at = Set(now);
    let id = seen.project.id;
    let txn = crate::db::begin_write(&state.db).await?;
    let change = project::Entity::update_many()
        .set(set)
        .filter(project::Column::Id.eq(id))
        .filter(cond);
    let updated = crate::db::update_returning(&txn, change, project::Entity::find_by_id(id)).await?;
    let Some(it) = updated else {
        let current = project::Entity::find_by_id(id).one(&txn).await?;
        txn.rollback().await?;
        let current = current.ok_or_else(|| AppError::new(ErrorCode::ProjectNotFound))?;
        return Err(refused(current.state, to));
    };
    attach(&txn, p.id(), &entry.photos, Attachment::ProjectStep, id).await?;
    events::log(&txn, id, entry, now).await?;
    txn.commit().await?;
    let full = seen.standing.staff || admin_of(p, it.owner_unit_id);
    one(&state.db, it, full).await
}

/// The unit `p` takes for: the one named, or their only unit reported to the community.
fn taking_unit(p: &Principal, community_id: i64, named: Option<Id>) -> AppResult<i64> {
    let units = units_here(p, community_id);
    require(!units.is_empty(), "只有在本社区报到的单位的管理员可以承接项目")?;
    match (named.map(|u| u.0), units.as_slice()) {
        (Some(u), _) if units.contains(&u) => Ok(u),
        (Some(_), _) => Err(AppError::new(ErrorCode::UnitNotInCommunity)
            .with_detail("只能以你任管理员、且在本社区报到的单位名义承接")),
        (None, [only]) => Ok(*only),
        (None, _) => {
            Err(AppError::new(ErrorCode::UnitRequired).with_detail("你管理多个单位，请指定 unit_id"))
        }
    }
}

/// 承接 by a unit admin for a unit reported to the project's community: `open` → `taken`.
pub async fn take(state: &AppState, p: &Principal, seen: &SeenProject, b: TakeIn) -> AppResult<ProjectOut> {
    let unit = taking_unit(p, seen.project.community_id, b.unit_id)?;
    if seen.project.state != ProjectState::Open {
        return Err(refused(seen.project.state, ProjectState::Taken));
    }
    let set = project::ActiveModel {
        owner_unit_id: Set(Some(unit)),
        taken_by: Set(Some(p.id())),
        taken_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let entry = Entry {
        action: ProjectAction::Taken,
        actor: p.id(),
        unit_id: Some(unit),
        note: None,
        percent: None,
        photos: Vec::new(),
    };
    let cond = project::Column::State.eq(ProjectState::Open);
    apply(state, p, seen, ProjectState::Taken, cond, set, entry).await
}

/// 403 unless `p` administers the owner unit; 409 unless the project is `taken`.
fn owner_on_taken(p: &Principal, seen: &SeenProject) -> AppResult<i64> {
    let owner = seen.project.owner_unit_id.filter(|u| admin_of(p, Some(*u)));
    let unit = owner.ok_or_else(|| {
        AppError::new(ErrorCode::Forbidden).with_detail("只有承接单位的管理员可以报告进展或完成项目")
    })?;
    if seen.project.state != ProjectState::Taken {
        return Err(AppError::new(ErrorCode::ProjectInvalidState));
    }
    Ok(unit)
}

/// The condition that the project is still taken by `unit`.
fn still_taken_by(unit: i64) -> SimpleExpr {
    project::Column::State
        .eq(ProjectState::Taken)
        .and(project::Column::OwnerUnitId.eq(unit))
}

/// 报告进展 by the owner unit's admin: an entry in the log, the project's percent when given.
pub async fn progress(
    state: &AppState,
    p: &Principal,
    seen: &SeenProject,
    b: ProgressIn,
) -> AppResult<ProjectOut> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    let unit = owner_on_taken(p, seen)?;
    let set = project::ActiveModel {
        percent: b.percent.map_or(sea_orm::ActiveValue::NotSet, Set),
        ..Default::default()
    };
    let entry = Entry {
        action: ProjectAction::Progress,
        actor: p.id(),
        unit_id: Some(unit),
        note: Some(b.note),
        percent: b.percent,
        photos: b.photos,
    };
    apply(
        state,
        p,
        seen,
        ProjectState::Taken,
        still_taken_by(unit),
        set,
        entry,
    )
    .await
}

/// 完成 by the owner unit's admin: `taken` → `done`, with the result and photos, at 100 %.
pub async fn complete(
    state: &AppState,
    p: &Principal,
    seen: &SeenProject,
    b: ProjectCompleteIn,
) -> AppResult<ProjectOut> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    let unit = owner_on_taken(p, seen)?;
    let set = project::ActiveModel {
        percent: Set(100),
        result: Set(Some(b.result.clone())),
        result_photos: Set(serde_json::to_string(&b.photos).map_err(AppError::internal)?),
        done_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let entry = Entry {
        action: ProjectAction::Completed,
        actor: p.id(),
        unit_id: Some(unit),
        note: Some(b.result),
        percent: Some(100),
        photos: b.photos,
    };
    apply(
        state,
        p,
        seen,
        ProjectState::Done,
        still_taken_by(unit),
        set,
        entry,
    )
    .await
}

/// 取消 by staff over the community, with a reason, while it is open or taken.
pub async fn cancel(
    state: &AppState,
    p: &Principal,
    seen: &SeenProject,
    b: ProjectCancelIn,
) -> AppResult<ProjectOut> {
    require(seen.standing.staff, "只有社区工作者可以取消项目")?;
    if !matches!(seen.project.state, ProjectState::Open | ProjectState::Taken) {
        return Err(AppError::new(ErrorCode::ProjectInvalidState));
    }
    let set = project::ActiveModel {
        cancel_reason: Set(Some(b.reason.clone())),
        cancelled_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let entry = Entry {
        action: ProjectAction::Cancelled,
        actor: p.id(),
        unit_id: None,
        note: Some(b.reason),
        percent: None,
        photos: Vec::new(),
    };
    let cond = project::Column::State.is_in([ProjectState::Open, ProjectState::Taken]);
    apply(state, p, seen, ProjectState::Cancelled, cond, set, entry).await
}
