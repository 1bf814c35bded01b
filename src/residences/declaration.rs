//! Declaring where one lives, and what a declaration (pending or confirmed) allows.

use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::Utc;
use entity::region::{self, RegionKind};
use entity::residence::{self, ResidenceStatus};
use entity::role_grant::Role;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
};

/// Declarations whose place lies in `root`'s subtree.
pub fn placed_under(root: &region::Model) -> SimpleExpr {
    residence::Column::RegionId.in_subquery(
        Query::select()
            .column(region::Column::Id)
            .from(region::Entity)
            .and_where(region::Column::Path.starts_with(&root.path))
            .to_owned(),
    )
}

/// Records where the caller says they live. It replaces their pending declaration; staff-granted
/// roles are never touched. A place the caller already holds `resident` over is confirmed at once.
pub async fn declare(
    conn: &impl ConnectionTrait,
    p: &Principal,
    target: &region::Model,
    address: &str,
) -> AppResult<residence::Model> {
    if !matches!(target.kind, RegionKind::Grid | RegionKind::Building) {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("居住地须为网格或楼栋"));
    }
    residence::Entity::delete_many()
        .filter(residence::Column::UserId.eq(p.id()))
        .filter(residence::Column::Status.eq(ResidenceStatus::Pending))
        .exec(conn)
        .await?;
    let now = Utc::now();
    let granted = p.lives_in(&target.path);
    residence::ActiveModel {
        user_id: Set(p.id()),
        region_id: Set(target.id),
        address: Set(address.to_owned()),
        status: Set(if granted {
            ResidenceStatus::Confirmed
        } else {
            ResidenceStatus::Pending
        }),
        review_note: Set(granted.then(|| "社区已授予该处的居民角色".to_owned())),
        reviewed_at: Set(granted.then_some(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::Conflict),
        _ => e.into(),
    })
}

/// The person's latest declaration, whatever its status.
pub async fn latest(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Option<residence::Model>> {
    Ok(residence::Entity::find()
        .filter(residence::Column::UserId.eq(user_id))
        .order_by_desc(residence::Column::Id)
        .one(conn)
        .await?)
}

/// Where the person says they live while staff have not decided. Once confirmed, the residence
/// is the `resident` grant alone, so revoking that grant ends it.
pub async fn declared_home(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Option<region::Model>> {
    match latest(conn, user_id).await? {
        Some(r) if r.status == ResidenceStatus::Pending => {
            Ok(Some(crate::regions::tree::find(conn, r.region_id).await?))
        }
        _ => Ok(None),
    }
}

/// May the caller place an order owned by `target`: they live at or under it, by a staff grant
/// or by their own (even unconfirmed) declaration.
pub async fn may_order_at(
    conn: &impl ConnectionTrait,
    p: &Principal,
    target: &region::Model,
) -> AppResult<bool> {
    if p.lives_in(&target.path) {
        return Ok(true);
    }
    Ok(declared_home(conn, p.id())
        .await?
        .is_some_and(|h| h.path.starts_with(&target.path)))
}

/// Moves a pending declaration to `to`, exactly once; confirming grants `resident` there.
pub async fn review(
    conn: &impl ConnectionTrait,
    r: &residence::Model,
    reviewer: i64,
    to: ResidenceStatus,
    note: Option<String>,
) -> AppResult<()> {
    let changed = residence::Entity::update_many()
        .set(residence::ActiveModel {
            status: Set(to),
            review_note: Set(note),
            reviewed_by: Set(Some(reviewer)),
            reviewed_at: Set(Some(Utc::now())),
            ..Default::default()
        })
        .filter(residence::Column::Id.eq(r.id))
        .filter(residence::Column::Status.eq(ResidenceStatus::Pending))
        .exec(conn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::new(ErrorCode::ResidenceNotPending));
    }
    if to == ResidenceStatus::Confirmed {
        crate::regions::tree::ensure_grant(conn, r.user_id, r.region_id, Role::Resident, None, reviewer)
            .await?;
    }
    Ok(())
}

/// Staff granted `resident` on `root`: the person's pending declaration there is confirmed by it.
pub async fn confirm_by_grant(
    conn: &impl ConnectionTrait,
    user_id: i64,
    root: &region::Model,
    by: i64,
) -> AppResult<()> {
    residence::Entity::update_many()
        .set(residence::ActiveModel {
            status: Set(ResidenceStatus::Confirmed),
            review_note: Set(Some("社区已授予该处的居民角色".into())),
            reviewed_by: Set(Some(by)),
            reviewed_at: Set(Some(Utc::now())),
            ..Default::default()
        })
        .filter(residence::Column::UserId.eq(user_id))
        .filter(residence::Column::Status.eq(ResidenceStatus::Pending))
        .filter(placed_under(root))
        .exec(conn)
        .await?;
    Ok(())
}
