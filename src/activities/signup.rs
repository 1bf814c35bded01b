//! Signing up and withdrawing. Each runs in one transaction holding the activity's row lock
//! (`publish::lock`), so places are counted and taken one request at a time: under any crowd
//! exactly `capacity` signups are confirmed and the rest wait in arrival order (row id). A
//! confirmed place given back before the deadline goes to the first on the waitlist, who is told.

use super::row::{live, lock};
use super::view::{AttendanceOut, position};
use crate::auth::principal::Principal;
use crate::config::NotifyConfig;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{ActivityChange, enqueue_activity};
use chrono::{DateTime, Utc};
use entity::activity::{self, Eligibility};
use entity::activity_signup::{self as signup, SignupStatus};
use entity::region;
use entity::role_grant::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

/// May `p` join `a` (of `community`)? Members: a member role in the community; residents: a
/// confirmed residence there; team: a member of the team.
pub async fn eligible(
    conn: &impl ConnectionTrait,
    p: &Principal,
    a: &activity::Model,
    community: &region::Model,
) -> AppResult<()> {
    let ok = match a.eligibility {
        Eligibility::Members => p.grants.iter().any(|g| {
            g.role == Role::Member
                && (g.region_path.starts_with(&community.path) || community.path.starts_with(&g.region_path))
        }),
        Eligibility::Residents => p.lives_in(&community.path),
        Eligibility::Team => match a.team_id {
            Some(team) => crate::teams::is_member(conn, team, p.id()).await?,
            None => false,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::NotEligible))
    }
}

/// The caller's signup, if any.
pub async fn mine(
    conn: &impl ConnectionTrait,
    activity_id: i64,
    user_id: i64,
) -> AppResult<Option<signup::Model>> {
    Ok(signup::Entity::find()
        .filter(signup::Column::ActivityId.eq(activity_id))
        .filter(signup::Column::UserId.eq(user_id))
        .one(conn)
        .await?)
}

async fn confirmed(conn: &impl ConnectionTrait, activity_id: i64) -> AppResult<u64> {
    Ok(signup::Entity::find()
        .filter(signup::Column::ActivityId.eq(activity_id))
        .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
        .count(conn)
        .await?)
}

/// Signs the caller up: confirmed while places last, waitlisted after.
pub async fn sign_up(
    db: &DatabaseConnection,
    p: &Principal,
    activity_id: i64,
    community: &region::Model,
) -> AppResult<AttendanceOut> {
    crate::db::write(db, async |txn| {
        let s = enrol(txn, p, activity_id, community, Utc::now()).await?;
        let pos = position(txn, &s).await?;
        Ok(AttendanceOut::new(s, pos, None))
    })
    .await
}

/// Signs `p` up at `now`, in the caller's transaction (which then holds the activity's lock).
pub async fn enrol(
    conn: &impl ConnectionTrait,
    p: &Principal,
    activity_id: i64,
    community: &region::Model,
    now: DateTime<Utc>,
) -> AppResult<signup::Model> {
    let a = lock(conn, activity_id).await?;
    live(&a)?;
    if now > a.signup_deadline || now >= a.ends_at {
        return Err(AppError::new(ErrorCode::SignupClosed));
    }
    eligible(conn, p, &a, community).await?;
    if mine(conn, a.id, p.id()).await?.is_some() {
        return Err(AppError::new(ErrorCode::AlreadySignedUp));
    }
    let place = confirmed(conn, a.id).await? < a.capacity as u64;
    signup::ActiveModel {
        activity_id: Set(a.id),
        user_id: Set(p.id()),
        status: Set(if place {
            SignupStatus::Confirmed
        } else {
            SignupStatus::Waitlisted
        }),
        created_at: Set(now),
        confirmed_at: Set(place.then_some(now)),
        closed_by_clock: Set(false),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::AlreadySignedUp),
        _ => e.into(),
    })
}

/// Lets `person`, who came without a confirmed signup, join `activity_id` as staff check them in
/// (现场加入), in the caller's transaction (which then holds the activity's lock): eligible as for
/// a signup, while a place is free (`ACTIVITY_FULL`), until the activity ends. A person on the
/// waitlist takes the free place; one without a signup gets a confirmed one marked `walk_in`.
pub async fn walk_in(
    conn: &impl ConnectionTrait,
    person: &Principal,
    activity_id: i64,
    community: &region::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let a = lock(conn, activity_id).await?;
    live(&a)?;
    if now >= a.ends_at {
        return Err(AppError::new(ErrorCode::ActivityEnded));
    }
    let held = mine(conn, a.id, person.id()).await?;
    if held.as_ref().is_some_and(|s| s.status == SignupStatus::Confirmed) {
        return Ok(());
    }
    eligible(conn, person, &a, community).await?;
    if confirmed(conn, a.id).await? >= a.capacity as u64 {
        return Err(AppError::new(ErrorCode::ActivityFull));
    }
    match held {
        Some(waiting) => {
            signup::Entity::update_many()
                .col_expr(signup::Column::Status, Expr::value(SignupStatus::Confirmed))
                .col_expr(signup::Column::ConfirmedAt, Expr::value(now))
                .filter(signup::Column::Id.eq(waiting.id))
                .exec(conn)
                .await?;
        }
        None => {
            signup::ActiveModel {
                activity_id: Set(a.id),
                user_id: Set(person.id()),
                status: Set(SignupStatus::Confirmed),
                created_at: Set(now),
                confirmed_at: Set(Some(now)),
                closed_by_clock: Set(false),
                walk_in: Set(true),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// 已取消报名
#[derive(Debug, Serialize, ToSchema)]
pub struct Withdrawn {
    /// 固定为 withdrawn
    #[schema(example = "withdrawn")]
    pub status: &'static str,
}

/// Gives the caller's signup back before the deadline; a freed place goes to the waitlist.
pub async fn withdraw(
    db: &DatabaseConnection,
    cfg: &NotifyConfig,
    p: &Principal,
    activity_id: i64,
) -> AppResult<Withdrawn> {
    crate::db::write(db, async |txn| {
        let a = lock(txn, activity_id).await?;
        live(&a)?;
        let now = Utc::now();
        if now > a.signup_deadline {
            return Err(AppError::new(ErrorCode::SignupClosed));
        }
        let s = mine(txn, a.id, p.id())
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotSignedUp).with_detail("你没有报名该活动"))?;
        if s.checkin_at.is_some() {
            return Err(AppError::new(ErrorCode::AlreadyCheckedIn).with_detail("已签到，不能取消报名"));
        }
        signup::Entity::delete_by_id(s.id).exec(txn).await?;
        fill(txn, cfg, &a, now).await?;
        Ok(Withdrawn { status: "withdrawn" })
    })
    .await
}

/// Moves the waitlist up, first come first served, while places are free; tells each one.
/// The caller holds the activity's lock.
pub async fn fill(
    conn: &impl ConnectionTrait,
    cfg: &NotifyConfig,
    a: &activity::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let free = (a.capacity as u64).saturating_sub(confirmed(conn, a.id).await?);
    if free == 0 {
        return Ok(());
    }
    let next: Vec<signup::Model> = sea_orm::QuerySelect::limit(
        signup::Entity::find()
            .filter(signup::Column::ActivityId.eq(a.id))
            .filter(signup::Column::Status.eq(SignupStatus::Waitlisted))
            .order_by_asc(signup::Column::Id),
        free,
    )
    .all(conn)
    .await?;
    if next.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = next.iter().map(|s| s.id).collect();
    signup::Entity::update_many()
        .col_expr(signup::Column::Status, Expr::value(SignupStatus::Confirmed))
        .col_expr(signup::Column::ConfirmedAt, Expr::value(now))
        .filter(signup::Column::Id.is_in(ids))
        .exec(conn)
        .await?;
    let change = ActivityChange {
        activity: a,
        recipients: next.iter().map(|s| s.user_id).collect(),
        status_label: "候补转正",
        action: "promoted",
        at: now,
    };
    enqueue_activity(conn, cfg, change).await?;
    Ok(())
}
