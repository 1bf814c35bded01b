//! An item as one caller sees it: staff read everything; unit admins read the details but not
//! who filed it; people of the community read the published list (title, severity, state, the
//! owning unit's name).

use super::deadlines::street_due;
use super::visibility::Standing;
use crate::api::Id;
use crate::config::ProblemRules;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::problem::{self, ProblemState, Severity};
use entity::problem_event::{self, ProblemAction};
use entity::{unit, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

/// 问题清单中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemOut {
    pub id: Id,
    /// 所属社区（清单归属）
    pub community_id: Id,
    /// 排查登记所在区域（社区或其下的网格、楼栋）
    pub region_id: Id,
    /// 清单月份（北京时间），如 2026-12
    #[schema(example = "2026-12")]
    pub month: String,
    pub title: String,
    /// 问题描述（居民看到的公开清单中不含）
    pub description: Option<String>,
    /// micro 微事 / small 小事 / major 大事
    pub severity: Severity,
    /// 微事 / 小事 / 大事
    pub severity_label: &'static str,
    /// 应解决的层级：grid 网格（微事不出格）/ community 社区（小事不出村）/ street 街道（大事不出乡）
    pub level: &'static str,
    /// 位置（公开清单中不含）
    pub location: Option<String>,
    /// 照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址（公开清单中不含）
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
    /// filed 已排查（待联席会议）/ accepted 已采纳 / merged 已合并 / rejected 未采纳 /
    /// published 已发布（待认领）/ claimed 已认领 / escalated 已移交街道 / resolved 已解决
    pub state: ProblemState,
    /// 排查登记人（仅工作者可见）
    pub filed_by: Option<Id>,
    pub filer_name: Option<String>,
    /// 当前负责的区域：社区，移交后为街道
    pub owner_region_id: Id,
    /// 认领单位
    pub owner_unit_id: Option<Id>,
    pub owner_unit_name: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// 合并到的问题
    pub merged_into_id: Option<Id>,
    /// 审议它的联席会议（仅工作者可见）
    pub meeting_id: Option<Id>,
    /// 会议日之后才发布
    pub late: bool,
    /// 未解决时移交街道的时刻
    pub street_due_at: Option<DateTime<Utc>>,
    /// 解决结果
    pub result: Option<String>,
    /// 结果照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub result_photos: Vec<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// 事件记录（详情中给出；列表中为 null；居民看到的为空）
    pub events: Option<Vec<ProblemEventOut>>,
}

/// 问题的一条事件记录
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemEventOut {
    /// filed 排查登记 / accepted 采纳 / merged 合并 / rejected 不予采纳 / published 发布 /
    /// claimed 认领 / dropped 放弃认领 / escalated 移交街道 / resolved 解决
    pub action: ProblemAction,
    /// 操作人（系统为 null；仅工作者可见）
    pub actor_id: Option<Id>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

pub fn severity_label(s: Severity) -> (&'static str, &'static str) {
    let level = match crate::severity::expected_level(s) {
        entity::region::RegionKind::Grid => "grid",
        entity::region::RegionKind::Community => "community",
        _ => "street",
    };
    (crate::severity::label(s), level)
}

/// The names a page of items shows: filers and units, read once.
pub struct Names {
    users: Vec<user::Model>,
    units: Vec<unit::Model>,
}

impl Names {
    pub async fn of(conn: &impl ConnectionTrait, items: &[problem::Model]) -> AppResult<Names> {
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(items.iter().map(|p| p.filed_by)))
            .all(conn)
            .await?;
        let units = unit::Entity::find()
            .filter(unit::Column::Id.is_in(items.iter().filter_map(|p| p.owner_unit_id)))
            .all(conn)
            .await?;
        Ok(Names { users, units })
    }

    fn user(&self, id: i64) -> Option<String> {
        self.users.iter().find(|u| u.id == id).map(|u| u.name.clone())
    }

    fn unit(&self, id: i64) -> Option<String> {
        self.units.iter().find(|u| u.id == id).map(|u| u.name.clone())
    }
}

fn photos(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The item for a caller standing as `s`.
pub fn out(p: problem::Model, s: &Standing, names: &Names, rules: &ProblemRules) -> ProblemOut {
    let (severity_label, level) = severity_label(p.severity);
    let street_due_at = street_due(&p.month, rules);
    let details = s.reads_details();
    ProblemOut {
        id: Id(p.id),
        community_id: Id(p.community_id),
        region_id: Id(p.region_id),
        month: p.month,
        title: p.title,
        description: details.then_some(p.description),
        severity: p.severity,
        severity_label,
        level,
        location: p.location.filter(|_| details),
        photos: if details { photos(&p.photos) } else { Vec::new() },
        state: p.state,
        filed_by: s.staff.then_some(Id(p.filed_by)),
        filer_name: if s.staff { names.user(p.filed_by) } else { None },
        owner_region_id: Id(p.owner_region_id),
        owner_unit_id: p.owner_unit_id.map(Id),
        owner_unit_name: p.owner_unit_id.and_then(|u| names.unit(u)),
        claimed_at: p.claimed_at,
        merged_into_id: p.merged_into_id.map(Id),
        meeting_id: p.meeting_id.filter(|_| s.staff).map(Id),
        late: p.late,
        street_due_at,
        result: p.result,
        result_photos: photos(&p.result_photos),
        resolved_at: p.resolved_at,
        created_at: p.created_at,
        events: None,
    }
}

/// One item with its log, for a caller standing as `s`.
pub async fn one(
    conn: &impl ConnectionTrait,
    p: problem::Model,
    s: &Standing,
    rules: &ProblemRules,
) -> AppResult<ProblemOut> {
    let names = Names::of(conn, std::slice::from_ref(&p)).await?;
    let events = if s.reads_details() {
        problem_event::Entity::find()
            .filter(problem_event::Column::ProblemId.eq(p.id))
            .order_by_asc(problem_event::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|e| ProblemEventOut {
                action: e.action,
                actor_id: e.actor_id.filter(|_| s.staff).map(Id),
                note: e.note,
                at: e.at,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut out = out(p, s, &names, rules);
    out.events = Some(events);
    Ok(out)
}
