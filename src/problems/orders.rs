//! 问题清单 → 派单: staff owning a problem place a service order for it, so members (or a
//! department, by whistle) do the work through the order lifecycle. The order names the problem
//! (`problem_id`); the problem's log records the order. The problem keeps its own state.

use super::visibility::{Seen, require};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::orders::service::{self, NewOrder};
use crate::orders::view::{OrderOut, one_out};
use crate::state::AppState;
use chrono::Utc;
use entity::problem::ProblemState;
use entity::problem_event::{self, ProblemAction};
use entity::region::RegionKind;
use entity::whistle::Urgency;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// 由问题派生服务订单（各项不填则取自问题）
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemOrderIn {
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(min_length = 1, max_length = 60)]
    pub title: Option<String>,
    #[validate(length(max = 1000, message = "描述最多 1000 个字"))]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// 服务地址；不填取问题的位置
    #[validate(length(min = 1, max = 200, message = "地址为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
    /// 紧急程度，默认 normal
    pub urgency: Option<Urgency>,
}

/// Places an order for the problem; the caller (staff owning it) is the order's owner and rates it.
pub async fn place_order(
    state: &AppState,
    p: &Principal,
    seen: &Seen,
    b: ProblemOrderIn,
) -> AppResult<OrderOut> {
    require(seen.standing.owning_staff, "只有负责该问题的工作人员可以派生订单")?;
    let it = &seen.problem;
    let open = matches!(
        it.state,
        ProblemState::Accepted | ProblemState::Published | ProblemState::Claimed | ProblemState::Escalated
    );
    if !open {
        return Err(AppError::new(ErrorCode::ProblemInvalidState).with_detail("问题须已采纳且尚未解决"));
    }
    // Orders are placed at a community or below; an item filed at the community goes there.
    let region = state.regions.find(&state.db, it.region_id).await?;
    let region_id = match region.kind {
        RegionKind::Community | RegionKind::Grid | RegionKind::Building => region.id,
        _ => it.community_id,
    };
    let title: String = it.title.chars().take(60).collect();
    let new = NewOrder {
        region_id,
        service_item_id: None,
        title: b.title.unwrap_or(title),
        description: b
            .description
            .unwrap_or_else(|| it.description.chars().take(1000).collect()),
        address: b
            .address
            .or_else(|| it.location.clone())
            .unwrap_or_else(|| "见问题清单".into()),
        contact_phone: None,
        preferred_time: None,
        photos: serde_json::from_str(&it.photos).unwrap_or_default(),
        placed_by: None,
        urgency: b.urgency.unwrap_or(Urgency::Normal),
        severity: Some(it.severity),
        problem_id: Some(it.id),
        note: Some(format!("由问题清单事项派生：{}", it.title)),
    };
    let now = Utc::now();
    let order = crate::db::write(&state.db, async |txn| {
        let order = service::insert(txn, &state.config, &state.pii, p.id(), new.clone(), None, now).await?;
        problem_event::ActiveModel {
            problem_id: Set(it.id),
            action: Set(ProblemAction::OrderPlaced),
            actor_id: Set(Some(p.id())),
            note: Set(Some(format!("派生服务订单 {}", order.id))),
            at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok(order)
    })
    .await?;
    one_out(state, p.id(), order).await
}
