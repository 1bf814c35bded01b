//! Who may act on a report or a unit: 404 where the caller cannot see it, 403 where they see it
//! but lack the role. The HTTP extractors in `crate::access::report` apply these rules.

use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use entity::role_grant::Role;
use entity::{member_report, unit};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The report, if the caller is staff of the community it was made to.
pub async fn reviewable(
    conn: &impl ConnectionTrait,
    p: &Principal,
    id: i64,
) -> AppResult<member_report::Model> {
    let report = member_report::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let community = crate::regions::find(conn, report.community_id).await?;
    p.authorize(&community, &[Role::Staff])?;
    Ok(report)
}

/// The unit, if the caller administers it or staffs its community.
pub async fn visible_unit(conn: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<unit::Model> {
    let u = unit::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if p.unit_ids().any(|own| own == u.id) {
        return Ok(u);
    }
    let community = crate::regions::find(conn, u.community_id).await?;
    p.authorize(&community, &[Role::Staff])?;
    Ok(u)
}
