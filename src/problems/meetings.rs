//! 联席会议: community staff record the joint meeting on a month's list: when, who attended, which
//! units were present, the minutes and a decision on items filed for that list (accept, merge into
//! an accepted item, reject). Recording publishes the accepted items; a meeting recorded after the
//! meeting day is still accepted, marked `late`. All in one transaction: one bad decision refuses
//! the whole meeting (422 `MEETING_DECISION_INVALID`).

use super::deadlines::meeting_due;
use super::events;
use super::visibility::PUBLIC;
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::calendar::month_of;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::problem::{self, ProblemState};
use entity::problem_event::ProblemAction;
use entity::region::{self, RegionKind};
use entity::{problem_meeting, unit};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;
use validator::Validate;

/// 会议对一项问题的决定
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    /// 采纳，随会议发布
    Accept,
    /// 合并到同一清单中已采纳的问题（填 into_id）
    Merge,
    /// 不予采纳（填 reason）
    Reject,
}

/// 一项会议决定
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// 问题 id：须为本社区该月清单中待审议（filed）的问题
    pub problem_id: Id,
    pub action: DecisionAction,
    /// 合并时必填：并入的问题（本次采纳或此前已发布的同一清单中的问题）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub into_id: Option<Id>,
    /// 理由；不予采纳时必填
    #[validate(length(min = 1, max = 200, message = "理由为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// 记录联席会议
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingIn {
    /// 审议的清单月份（YYYY-MM）；不填为会议时间所在月份（北京时间）
    #[validate(custom(function = "crate::calendar::valid_month"))]
    #[schema(example = "2026-12", pattern = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// 会议时间，不能晚于现在
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub held_at: DateTime<Utc>,
    /// 参会人员姓名
    #[validate(length(min = 1, max = 100, message = "参会人员为 1 到 100 人"))]
    #[schema(min_items = 1, max_items = 100, example = json!(["李书记", "王主任"]))]
    pub attendees: Vec<String>,
    /// 到会的驻区单位 id（须为在本社区报到的单位）
    #[validate(length(max = 100, message = "到会单位最多 100 个"))]
    #[serde(default)]
    #[schema(max_items = 100)]
    pub units_present: Vec<Id>,
    /// 会议纪要
    #[validate(length(min = 1, max = 5000, message = "会议纪要为 1 到 5000 个字"))]
    #[schema(min_length = 1, max_length = 5000)]
    pub minutes: String,
    /// 对问题的决定，至少一项
    #[validate(length(min = 1, max = 500, message = "决定为 1 到 500 项"), nested)]
    #[schema(min_items = 1, max_items = 500)]
    pub decisions: Vec<DecisionIn>,
}

/// 联席会议记录
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingOut {
    pub id: Id,
    /// 社区
    pub community_id: Id,
    /// 审议的清单月份
    pub month: String,
    pub held_at: DateTime<Utc>,
    /// 参会人员
    pub attendees: Vec<String>,
    /// 到会单位
    pub units_present: Vec<Id>,
    /// 会议纪要
    pub minutes: String,
    /// 会议决定
    pub decisions: Vec<DecisionIn>,
    /// 在会议日之后才记录（清单逾期发布）
    pub late: bool,
    /// 记录人
    pub recorded_by: Id,
    pub created_at: DateTime<Utc>,
}

fn out(m: problem_meeting::Model) -> MeetingOut {
    MeetingOut {
        id: Id(m.id),
        community_id: Id(m.community_id),
        month: m.month,
        held_at: m.held_at,
        attendees: serde_json::from_str(&m.attendees).unwrap_or_default(),
        units_present: serde_json::from_str::<Vec<i64>>(&m.units_present)
            .unwrap_or_default()
            .into_iter()
            .map(Id)
            .collect(),
        minutes: m.minutes,
        decisions: serde_json::from_str(&m.decisions).unwrap_or_default(),
        late: m.late,
        recorded_by: Id(m.recorded_by),
        created_at: m.created_at,
    }
}

/// The shape errors no validator attribute states: each attendee named, merge with a target,
/// reject with a reason, no target elsewhere, held not in the future.
fn check_shape(b: &MeetingIn, now: DateTime<Utc>) -> AppResult<()> {
    let mut errors = Vec::new();
    let mut bad = |field: String, message: &str| {
        errors.push(FieldError {
            field,
            message: message.into(),
        })
    };
    if b.held_at > now + Duration::minutes(5) {
        bad("held_at".into(), "会议时间不能晚于现在");
    }
    for (i, a) in b.attendees.iter().enumerate() {
        if a.trim().is_empty() || a.chars().count() > 30 {
            bad(format!("attendees[{i}]"), "姓名为 1 到 30 个字");
        }
    }
    for (i, d) in b.decisions.iter().enumerate() {
        match (d.action, d.into_id.is_some()) {
            (DecisionAction::Merge, false) => bad(format!("decisions[{i}].into_id"), "合并须指定 into_id"),
            (DecisionAction::Accept | DecisionAction::Reject, true) => {
                bad(format!("decisions[{i}].into_id"), "只有合并才指定 into_id")
            }
            _ => {}
        }
        if d.action == DecisionAction::Reject && d.reason.is_none() {
            bad(format!("decisions[{i}].reason"), "不予采纳须说明理由");
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn invalid(i: usize, detail: &str) -> AppError {
    AppError::new(ErrorCode::MeetingDecisionInvalid).with_detail(format!("decisions[{i}]：{detail}"))
}

/// Checks every decision against the list as read in the transaction: each names a filed item of
/// the list, once; each merge names an item accepted here or published before.
async fn check_decisions(
    conn: &impl ConnectionTrait,
    community: &region::Model,
    month: &str,
    decisions: &[DecisionIn],
) -> AppResult<()> {
    let named = decisions
        .iter()
        .flat_map(|d| [Some(d.problem_id.0), d.into_id.map(|i| i.0)])
        .flatten();
    let items = problem::Entity::find()
        .filter(problem::Column::Id.is_in(named))
        .filter(problem::Column::CommunityId.eq(community.id))
        .filter(problem::Column::Month.eq(month))
        .all(conn)
        .await?;
    let state_of = |id: i64| items.iter().find(|p| p.id == id).map(|p| p.state);
    let accepted: HashSet<i64> = decisions
        .iter()
        .filter(|d| d.action == DecisionAction::Accept)
        .map(|d| d.problem_id.0)
        .collect();
    let mut decided = HashSet::new();
    for (i, d) in decisions.iter().enumerate() {
        if !decided.insert(d.problem_id.0) {
            return Err(invalid(i, "同一问题只能有一项决定"));
        }
        if state_of(d.problem_id.0) != Some(ProblemState::Filed) {
            return Err(invalid(i, "不是本社区该月清单中待审议的问题"));
        }
        if let Some(into) = d.into_id {
            let published_before = state_of(into.0).is_some_and(|s| PUBLIC.contains(&s));
            if !accepted.contains(&into.0) && !published_before {
                return Err(invalid(i, "只能并入同一清单中已采纳的问题"));
            }
        }
    }
    Ok(())
}

/// Every unit present is reported to `community`.
async fn check_units(conn: &impl ConnectionTrait, community: &region::Model, units: &[Id]) -> AppResult<()> {
    let wanted: HashSet<i64> = units.iter().map(|u| u.0).collect();
    let found = unit::Entity::find()
        .filter(unit::Column::Id.is_in(wanted.iter().copied()))
        .filter(unit::Column::CommunityId.eq(community.id))
        .count(conn)
        .await?;
    if found as usize == wanted.len() {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::UnitNotInCommunity).with_detail("到会单位须为在本社区报到的单位"))
    }
}

/// Moves item `id` from `filed` to `to` for `meeting`, logging `action`; a lost race refuses.
#[allow(clippy::too_many_arguments)]
async fn decide(
    conn: &impl ConnectionTrait,
    id: i64,
    to: ProblemState,
    set: problem::ActiveModel,
    action: ProblemAction,
    actor: i64,
    note: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let mut set = set;
    set.state = Set(to);
    set.updated_at = Set(at);
    let changed = problem::Entity::update_many()
        .set(set)
        .filter(problem::Column::Id.eq(id))
        .filter(problem::Column::State.eq(ProblemState::Filed))
        .exec(conn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(
            AppError::new(ErrorCode::MeetingDecisionInvalid).with_detail("清单已被另一次会议审议，请刷新")
        );
    }
    events::log(conn, id, action, Some(actor), note, at).await?;
    Ok(())
}

/// Records the joint meeting of `community` and publishes what it accepted.
pub async fn record(
    state: &AppState,
    p: &Principal,
    community: &region::Model,
    b: MeetingIn,
) -> AppResult<MeetingOut> {
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("联席会议须记录在社区"));
    }
    let now = Utc::now();
    check_shape(&b, now)?;
    let month = b.month.clone().unwrap_or_else(|| month_of(b.held_at));
    let late = meeting_due(&month, &state.config.problems).is_some_and(|due| now >= due);
    let txn = crate::db::begin_write(&state.db).await?;
    check_units(&txn, community, &b.units_present).await?;
    check_decisions(&txn, community, &month, &b.decisions).await?;
    let units: Vec<i64> = b.units_present.iter().map(|u| u.0).collect();
    let meeting = problem_meeting::ActiveModel {
        community_id: Set(community.id),
        month: Set(month),
        held_at: Set(b.held_at),
        attendees: Set(serde_json::to_string(&b.attendees).map_err(AppError::internal)?),
        units_present: Set(serde_json::to_string(&units).map_err(AppError::internal)?),
        minutes: Set(b.minutes),
        decisions: Set(serde_json::to_string(&b.decisions).map_err(AppError::internal)?),
        late: Set(late),
        recorded_by: Set(p.id()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let base = problem::ActiveModel {
        meeting_id: Set(Some(meeting.id)),
        late: Set(late),
        ..Default::default()
    };
    let mut published = Vec::new();
    for d in &b.decisions {
        let id = d.problem_id.0;
        let (to, action, set) = match d.action {
            DecisionAction::Accept => (ProblemState::Accepted, ProblemAction::Accepted, base.clone()),
            DecisionAction::Reject => (ProblemState::Rejected, ProblemAction::Rejected, base.clone()),
            DecisionAction::Merge => {
                let mut set = base.clone();
                set.merged_into_id = Set(d.into_id.map(|i| i.0));
                (ProblemState::Merged, ProblemAction::Merged, set)
            }
        };
        let note = match (d.action, d.into_id) {
            (DecisionAction::Merge, Some(into)) => Some(format!("并入问题 {}", into.0)),
            _ => d.reason.clone(),
        };
        decide(&txn, id, to, set, action, p.id(), note, now).await?;
        if d.action == DecisionAction::Accept {
            published.push(id);
        }
    }
    // Recording the meeting publishes what it accepted.
    problem::Entity::update_many()
        .set(problem::ActiveModel {
            state: Set(ProblemState::Published),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(problem::Column::Id.is_in(published.iter().copied()))
        .filter(problem::Column::State.eq(ProblemState::Accepted))
        .exec(&txn)
        .await?;
    let note = late.then(|| "会议日之后发布".to_owned());
    for id in published {
        events::log(
            &txn,
            id,
            ProblemAction::Published,
            Some(p.id()),
            note.clone(),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(out(meeting))
}

/// The meetings of the communities in `root` or below, newest first.
pub async fn of_region(
    conn: &impl ConnectionTrait,
    root: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<MeetingOut>> {
    let mut query = problem_meeting::Entity::find()
        .filter(
            problem_meeting::Column::CommunityId.in_subquery(
                Query::select()
                    .column(region::Column::Id)
                    .from(region::Entity)
                    .and_where(region::Column::Path.starts_with(&root.path))
                    .to_owned(),
            ),
        )
        .order_by_desc(problem_meeting::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(problem_meeting::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, q.limit(), |m| m.id);
    Ok(Page {
        items: rows.into_iter().map(out).collect(),
        next_cursor,
    })
}

/// The meeting `id`, for staff over its community; 404 `MEETING_NOT_FOUND` for everyone else.
pub async fn find(state: &AppState, p: &Principal, id: i64) -> AppResult<MeetingOut> {
    let not_found = || AppError::new(ErrorCode::MeetingNotFound);
    let m = problem_meeting::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    let community = state.regions.find(&state.db, m.community_id).await?;
    if !p.covers(&community.path, &[entity::role_grant::Role::Staff]) {
        return Err(not_found());
    }
    Ok(out(m))
}
