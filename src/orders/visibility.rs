//! How a caller stands to one order, and whether they see it at all.

use super::scope::member_near;
use super::service;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use entity::member_report::{self, ReportStatus};
use entity::region;
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// How the caller stands to an order.
pub struct Standing {
    pub resident: bool,
    pub assignee: bool,
    /// Staff (or admin) over the region that owns it now.
    pub dispatcher: bool,
    /// Staff over where it was placed (read access after escalation).
    pub origin_staff: bool,
    pub unit_admin: bool,
    pub may_claim: bool,
    /// Speaks for a department whistled on the order (吹哨报到): sees it, and acknowledges and
    /// resolves its whistle.
    pub department: bool,
}

impl Standing {
    pub fn sees(&self) -> bool {
        self.resident
            || self.assignee
            || self.dispatcher
            || self.origin_staff
            || self.unit_admin
            || self.may_claim
            || self.department
    }
}

/// The skills of the member's approved reports (党员报到), read once per request.
pub async fn skills(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Vec<String>> {
    let reports = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(user_id))
        .filter(member_report::Column::Status.eq(ReportStatus::Approved))
        .all(conn)
        .await?;
    Ok(reports
        .iter()
        .flat_map(|r| serde_json::from_str::<Vec<String>>(&r.skills).unwrap_or_default())
        .collect())
}

/// May this member claim this published order (pool limits by region and skill)?
/// `owner`: the region that owns the order; `pool`: its pool region, if it names one;
/// `skills`: the member's approved skills (needed only when the order names one).
pub fn may_claim(
    p: &Principal,
    o: &service_order::Model,
    owner: &region::Model,
    pool: Option<&region::Model>,
    skills: &[String],
) -> bool {
    if o.status != OrderStatus::Published || o.resident_id == p.id() || !member_near(p, &owner.path) {
        return false;
    }
    if let Some(pool) = pool {
        let lives_there = p.lives_in(&pool.path);
        let member_there = p
            .grants
            .iter()
            .any(|g| g.role == Role::Member && g.region_path.starts_with(&pool.path));
        if !lives_there && !member_there {
            return false;
        }
    }
    o.pool_skill.as_ref().is_none_or(|skill| skills.contains(skill))
}

/// [`may_claim`] for one order, reading what it needs (regions from the in-process tree).
async fn may_claim_one(
    state: &AppState,
    p: &Principal,
    o: &service_order::Model,
    owner: &region::Model,
) -> AppResult<bool> {
    if o.status != OrderStatus::Published || o.resident_id == p.id() || !member_near(p, &owner.path) {
        return Ok(false);
    }
    let pool = match o.pool_region_id {
        Some(id) => Some(state.regions.find(&state.db, id).await?),
        None => None,
    };
    let skills = match o.pool_skill {
        Some(_) => skills(&state.db, p.id()).await?,
        None => vec![],
    };
    Ok(may_claim(p, o, owner, pool.as_ref(), &skills))
}

pub async fn standing(state: &AppState, p: &Principal, o: &service_order::Model) -> AppResult<Standing> {
    let owner = state.regions.find(&state.db, o.region_id).await?;
    let origin = state.regions.find(&state.db, o.origin_region_id).await?;
    Ok(Standing {
        resident: o.resident_id == p.id(),
        assignee: o.assignee_id == Some(p.id()),
        dispatcher: p.covers(&owner.path, &[Role::Staff]),
        origin_staff: p.covers(&origin.path, &[Role::Staff]),
        unit_admin: o.unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
        may_claim: may_claim_one(state, p, o, &owner).await?,
        department: whistled_to_caller(&state.db, p, o.id).await?,
    })
}

/// Whether one of the caller's units (as `unit_admin`) was whistled on the order; no query for
/// callers who speak for no unit.
async fn whistled_to_caller(conn: &impl ConnectionTrait, p: &Principal, order_id: i64) -> AppResult<bool> {
    let units: Vec<i64> = p.unit_ids().collect();
    if units.is_empty() {
        return Ok(false);
    }
    let n = entity::whistle::Entity::find()
        .filter(entity::whistle::Column::OrderId.eq(order_id))
        .filter(entity::whistle::Column::UnitId.is_in(units))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// The order, its resident and member (and its timeline when `timeline`), and the caller's
/// standing; 404 when the caller has none.
pub async fn visible(state: &AppState, p: &Principal, id: i64, timeline: bool) -> AppResult<Visible> {
    let read = super::view::find_with_people(&state.db, id, timeline).await?;
    let standing = standing(state, p, &read.order).await?;
    if !standing.sees() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(Visible { read, standing })
}

/// An order the caller sees.
pub struct Visible {
    pub read: super::view::OrderRead,
    pub standing: Standing,
}

/// Whether the caller may claim this order (抢单), answered as a member sees it: too late is
/// told (409) only to members who could have seen it, their own order is refused, and an
/// order outside their pool does not exist (404).
pub async fn claimable(state: &AppState, p: &Principal, order: &service_order::Model) -> AppResult<()> {
    let owner = state.regions.find(&state.db, order.region_id).await?;
    if order.status != OrderStatus::Published {
        if member_near(p, &owner.path) {
            return Err(service::refused(order.status, entity::order_event::Action::Claim));
        }
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if order.resident_id == p.id() {
        return Err(AppError::new(ErrorCode::OwnOrder));
    }
    if !may_claim_one(state, p, order, &owner).await? {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(())
}
