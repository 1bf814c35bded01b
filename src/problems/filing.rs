//! 摸底排查: staff of a community or grid file a problem onto the community's list of the month
//! (`deadlines::filing_month`: after the file day, next month's list).

use super::deadlines::filing_month;
use super::events;
use super::view::{ProblemOut, one};
use super::visibility::Standing;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::Utc;
use entity::media::Attachment;
use entity::problem::{self, ProblemState, Severity};
use entity::problem_event::ProblemAction;
use entity::region::{self, RegionKind};
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 排查登记问题
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemIn {
    /// 问题标题
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(example = "3 号楼楼道灯不亮", min_length = 1, max_length = 60)]
    pub title: String,
    /// 问题描述
    #[validate(length(min = 1, max = 1000, message = "描述为 1 到 1000 个字"))]
    #[schema(
        example = "3 号楼 2 单元楼道灯坏了一周，老人夜里上下楼不便",
        min_length = 1,
        max_length = 1000
    )]
    pub description: String,
    /// micro 微事（网格解决）/ small 小事（社区解决）/ major 大事（街道解决）
    pub severity: Severity,
    /// 位置
    #[validate(length(min = 1, max = 200, message = "位置为 1 到 200 个字"))]
    #[schema(example = "3 号楼 2 单元", min_length = 1, max_length = 200)]
    pub location: Option<String>,
    /// 照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
}

/// Files a problem found in `at` (a community or below) onto its community's list.
pub async fn file(
    state: &AppState,
    p: &Principal,
    at: &region::Model,
    b: ProblemIn,
) -> AppResult<ProblemOut> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    if matches!(at.kind, RegionKind::County | RegionKind::Street) {
        return Err(
            AppError::new(ErrorCode::RegionKindInvalid).with_detail("问题须登记在社区或其下的网格、楼栋")
        );
    }
    let community = state
        .regions
        .community_of(&state.db, at)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::RegionKindInvalid).with_detail("该区域不在任何社区内"))?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let it = problem::ActiveModel {
        region_id: Set(at.id),
        community_id: Set(community.id),
        month: Set(filing_month(now, &state.config.problems)),
        title: Set(b.title),
        description: Set(b.description),
        severity: Set(b.severity),
        location: Set(b.location),
        photos: Set(serde_json::to_string(&b.photos).map_err(AppError::internal)?),
        state: Set(ProblemState::Filed),
        filed_by: Set(p.id()),
        owner_region_id: Set(community.id),
        late: Set(false),
        result_photos: Set("[]".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    events::log(&txn, it.id, ProblemAction::Filed, Some(p.id()), None, now).await?;
    crate::media::attach::attach(&txn, p.id(), &b.photos, Attachment::Problem, it.id).await?;
    txn.commit().await?;
    let standing = Standing {
        staff: true,
        ..Default::default()
    };
    one(&state.db, it, &standing, &state.config.problems).await
}
