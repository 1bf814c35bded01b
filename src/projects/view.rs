//! A project as one caller sees it: staff over the community and the owner unit read it in full
//! (who posted, took and reported); everyone else of the community reads the project, its state,
//! the owner unit's name and its progress log without who acted.

use super::visibility::Standing;
use crate::api::Id;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::project::{self, ProjectState};
use entity::project_event::{self, ProjectAction};
use entity::unit;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// 共建项目清单中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: Id,
    /// 所属社区
    pub community_id: Id,
    /// 对应的需求
    pub need_id: Option<Id>,
    pub title: String,
    pub description: String,
    /// 计划完成日期（北京时间）
    pub due_on: Option<NaiveDate>,
    /// 已过计划完成日期仍未完成
    pub overdue: bool,
    /// open 待承接 / taken 已承接 / done 已完成 / cancelled 已取消
    pub state: ProjectState,
    /// 发布人（仅工作者和承接单位可见）
    pub posted_by: Option<Id>,
    /// 承接单位
    pub owner_unit_id: Option<Id>,
    pub owner_unit_name: Option<String>,
    /// 承接操作人（仅工作者和承接单位可见）
    pub taken_by: Option<Id>,
    pub taken_at: Option<DateTime<Utc>>,
    /// 最近报告的进度（0 到 100）
    pub percent: i32,
    /// 完成情况
    pub result: Option<String>,
    /// 完成照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub result_photos: Vec<String>,
    pub done_at: Option<DateTime<Utc>>,
    /// 取消原因
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// 进展记录（详情中给出，按时间正序；列表中为 null）
    pub events: Option<Vec<ProjectEventOut>>,
}

/// 项目的一条进展记录
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectEventOut {
    /// posted 发布 / taken 承接 / progress 进展 / completed 完成 / cancelled 取消
    pub action: ProjectAction,
    /// 操作人（仅工作者和承接单位可见）
    pub actor_id: Option<Id>,
    /// 以哪个单位的名义
    pub unit_id: Option<Id>,
    /// 说明：进展、完成情况或取消原因
    pub note: Option<String>,
    /// 报告的进度
    pub percent: Option<i32>,
    /// 照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
    pub at: DateTime<Utc>,
}

/// Unit names, read once for a page.
pub struct UnitNames(HashMap<i64, String>);

impl UnitNames {
    pub async fn of(conn: &impl ConnectionTrait, ids: impl IntoIterator<Item = i64>) -> AppResult<UnitNames> {
        let ids: Vec<i64> = ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(UnitNames(HashMap::new()));
        }
        let units = unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .all(conn)
            .await?;
        Ok(UnitNames(units.into_iter().map(|u| (u.id, u.name)).collect()))
    }

    pub fn get(&self, id: i64) -> Option<String> {
        self.0.get(&id).cloned()
    }
}

/// Field errors for days outside 2000..=2100 (what every backend stores and people mean).
pub fn day_problems(days: &[(&str, Option<NaiveDate>)]) -> Vec<FieldError> {
    days.iter()
        .filter(|(_, d)| d.is_some_and(|d| !(2000..=2100).contains(&d.year())))
        .map(|(field, _)| FieldError {
            field: (*field).into(),
            message: "日期须在 2000 年到 2100 年之间".into(),
        })
        .collect()
}

/// The refusal for well-formed dates that make no sense together or with today: 422 with the
/// fields, not 400, because the spec cannot rule them out.
pub fn dates_refused(problems: Vec<FieldError>) -> AppError {
    let mut refused = AppError::new(ErrorCode::DatesInvalid);
    refused.errors = problems;
    refused
}

/// Today in China.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&crate::calendar::china()).date_naive()
}

fn photos(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Whether `p` reads project `it` in full: staff over its community or an admin of its owner.
pub fn full(p: &crate::auth::Principal, s: &Standing, it: &project::Model) -> bool {
    s.staff || super::visibility::admin_of(p, it.owner_unit_id)
}

/// The project for a caller reading it in full or not.
pub fn out(it: project::Model, full: bool, names: &UnitNames, now: DateTime<Utc>) -> ProjectOut {
    let open = matches!(it.state, ProjectState::Open | ProjectState::Taken);
    ProjectOut {
        id: Id(it.id),
        community_id: Id(it.community_id),
        need_id: it.need_id.map(Id),
        title: it.title,
        description: it.description,
        due_on: it.due_on,
        overdue: open && it.due_on.is_some_and(|d| d < today(now)),
        state: it.state,
        posted_by: full.then_some(Id(it.posted_by)),
        owner_unit_id: it.owner_unit_id.map(Id),
        owner_unit_name: it.owner_unit_id.and_then(|u| names.get(u)),
        taken_by: it.taken_by.filter(|_| full).map(Id),
        taken_at: it.taken_at,
        percent: it.percent,
        result: it.result,
        result_photos: photos(&it.result_photos),
        done_at: it.done_at,
        cancel_reason: it.cancel_reason,
        cancelled_at: it.cancelled_at,
        created_at: it.created_at,
        events: None,
    }
}

/// One project with its log.
pub async fn one(conn: &impl ConnectionTrait, it: project::Model, full: bool) -> AppResult<ProjectOut> {
    let names = UnitNames::of(conn, it.owner_unit_id).await?;
    let events = project_event::Entity::find()
        .filter(project_event::Column::ProjectId.eq(it.id))
        .order_by_asc(project_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| ProjectEventOut {
            action: e.action,
            actor_id: full.then_some(Id(e.actor_id)),
            unit_id: e.unit_id.map(Id),
            note: e.note,
            percent: e.percent,
            photos: photos(&e.photos),
            at: e.at,
        })
        .collect();
    let mut out = out(it, full, &names, Utc::now());
    out.events = Some(events);
    Ok(out)
}
