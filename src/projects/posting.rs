//! Posting a 共建项目: staff of a community post it, optionally for one of the community's open
//! needs, with the day it should be done by; it is `open` until a unit takes it.

use super::events::{self, Entry};
use super::view::{ProjectOut, day_problems, one, today};
use super::visibility::community_of;
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::state::AppState;
use chrono::{NaiveDate, Utc};
use entity::project::{self, ProjectState};
use entity::project_event::ProjectAction;
use entity::project_need::{self as need, NeedState};
use entity::region;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 发布共建项目
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIn {
    /// 项目名称
    #[validate(length(min = 1, max = 60, message = "名称为 1 到 60 个字"))]
    #[schema(example = "老旧小区加装扶手", min_length = 1, max_length = 60)]
    pub title: String,
    /// 项目内容
    #[validate(length(min = 1, max = 1000, message = "内容为 1 到 1000 个字"))]
    #[schema(
        example = "为 3 个老旧小区 12 个单元楼道加装扶手",
        min_length = 1,
        max_length = 1000
    )]
    pub description: String,
    /// 对应本社区征集中的需求（可不填）
    pub need_id: Option<Id>,
    /// 计划完成日期（YYYY-MM-DD，北京时间），不早于今天
    pub due_on: Option<NaiveDate>,
}

/// The project's need, if named: one of the community's open needs, else 422.
async fn need_of(state: &AppState, community: &region::Model, named: Option<Id>) -> AppResult<Option<i64>> {
    let Some(id) = named else { return Ok(None) };
    match need::Entity::find_by_id(id.0).one(&state.db).await? {
        Some(n) if n.community_id == community.id && n.state == NeedState::Open => Ok(Some(n.id)),
        _ => Err(AppError::new(ErrorCode::ProjectNeedInvalid)),
    }
}

/// Posts a project for the community `at` lies in (the caller is staff over `at`).
pub async fn post(
    state: &AppState,
    p: &Principal,
    at: &region::Model,
    b: ProjectIn,
) -> AppResult<ProjectOut> {
    let now = Utc::now();
    let mut problems = day_problems(&[("due_on", b.due_on)]);
    if problems.is_empty() && b.due_on.is_some_and(|d| d < today(now)) {
        problems.push(FieldError {
            field: "due_on".into(),
            message: "计划完成日期不能早于今天".into(),
        });
    }
    if !problems.is_empty() {
        return Err(super::view::dates_refused(problems));
    }
    let community = community_of(&state.db, &state.regions, at).await?;
    let need_id = need_of(state, &community, b.need_id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let it = project::ActiveModel {
        community_id: Set(community.id),
        need_id: Set(need_id),
        title: Set(b.title),
        description: Set(b.description),
        due_on: Set(b.due_on),
        state: Set(ProjectState::Open),
        posted_by: Set(p.id()),
        percent: Set(0),
        result_photos: Set("[]".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry {
        action: ProjectAction::Posted,
        actor: p.id(),
        unit_id: None,
        note: None,
        percent: None,
        photos: Vec::new(),
    };
    events::log(&txn, it.id, entry, now).await?;
    txn.commit().await?;
    one(&state.db, it, true).await
}
