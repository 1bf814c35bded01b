//! How a caller stands to one order, and whether they see it at all.

use super::scope::member_near;
use super::service;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::member_report::{self, ReportStatus};
use entity::region;
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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
}

impl Standing {
    pub fn sees(&self) -> bool {
        self.resident
            || self.assignee
            || self.dispatcher
            || self.origin_staff
            || self.unit_admin
            || self.may_claim
    }
}

/// May this member claim this published order (pool limits by region and skill)?
pub async fn may_claim(
    conn: &impl ConnectionTrait,
    p: &Principal,
    o: &service_order::Model,
    owner: &region::Model,
) -> AppResult<bool> {
    if o.status != OrderStatus::Published || o.resident_id == p.id() || !member_near(p, &owner.path) {
        return Ok(false);
    }
    if let Some(pool) = o.pool_region_id {
        let pool = crate::regions::find(conn, pool).await?;
        let lives_there = p.lives_in(&pool.path);
        let member_there = p
            .grants
            .iter()
            .any(|g| g.role == Role::Member && g.region_path.starts_with(&pool.path));
        if !lives_there && !member_there {
            return Ok(false);
        }
    }
    if let Some(skill) = &o.pool_skill {
        let reports = member_report::Entity::find()
            .filter(member_report::Column::UserId.eq(p.id()))
            .filter(member_report::Column::Status.eq(ReportStatus::Approved))
            .all(conn)
            .await?;
        let has = reports.iter().any(|r| {
            serde_json::from_str::<Vec<String>>(&r.skills)
                .unwrap_or_default()
                .contains(skill)
        });
        if !has {
            return Ok(false);
        }
    }
    Ok(true)
}

pub async fn standing(
    conn: &impl ConnectionTrait,
    p: &Principal,
    o: &service_order::Model,
) -> AppResult<Standing> {
    let owner = crate::regions::find(conn, o.region_id).await?;
    let origin = crate::regions::find(conn, o.origin_region_id).await?;
    Ok(Standing {
        resident: o.resident_id == p.id(),
        assignee: o.assignee_id == Some(p.id()),
        dispatcher: p.covers(&owner.path, &[Role::Staff]),
        origin_staff: p.covers(&origin.path, &[Role::Staff]),
        unit_admin: o.unit_id.is_some_and(|u| p.unit_ids().any(|own| own == u)),
        may_claim: may_claim(conn, p, o, &owner).await?,
    })
}

/// The order and the caller's standing, or 404 when the caller has none.
pub async fn visible(
    conn: &impl ConnectionTrait,
    p: &Principal,
    id: i64,
) -> AppResult<(service_order::Model, Standing)> {
    let o = service::find(conn, id).await?;
    let s = standing(conn, p, &o).await?;
    if !s.sees() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok((o, s))
}

/// Whether the caller may claim this order (抢单), answered as a member sees it: too late is
/// told (409) only to members who could have seen it, their own order is refused, and an
/// order outside their pool does not exist (404).
pub async fn claimable(
    conn: &impl ConnectionTrait,
    p: &Principal,
    order: &service_order::Model,
) -> AppResult<()> {
    let owner = crate::regions::find(conn, order.region_id).await?;
    if order.status != OrderStatus::Published {
        if member_near(p, &owner.path) {
            return Err(service::refused(order.status, entity::order_event::Action::Claim));
        }
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if order.resident_id == p.id() {
        return Err(AppError::new(ErrorCode::OwnOrder));
    }
    if !may_claim(conn, p, order, &owner).await? {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(())
}
