//! Two-phase transfers: a hold (pending) reserves the amount, counted in `held` and not in
//! `available`; then exactly one post or void resolves it. The resolution row is unique per hold,
//! so a post and a void racing each other cannot both land.

use super::accounts::{Side, apply_totals, can_afford, lock_accounts, lock_owned};
use super::movement::Movement;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::account as acct;
use entity::transfer::{self, Phase};
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait,
    QueryFilter, Set, SqlErr,
};

/// Transfers no post or void refers to: for a hold, still open. An anti-join on the unique
/// `pending_id`, one index probe per candidate (a `NOT IN` list of every resolution ever made
/// grew with the history).
pub fn unresolved() -> SimpleExpr {
    let resolution = Alias::new("resolution");
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(transfer::Entity, resolution.clone())
            .and_where(
                Expr::col((resolution, transfer::Column::PendingId))
                    .equals((transfer::Entity, transfer::Column::Id)),
            )
            .to_owned(),
    )
    .not()
}

/// Open holds whose time ran out before `now`. The phase is written as a literal: a prepared
/// statement's generic plan can then use the partial index `ix_transfer_hold_due` (a bound
/// `phase = $1` matched no partial index, and the sweep read every transfer, 2.5 s at 10 M).
pub fn due(now: DateTime<Utc>) -> Condition {
    let pending = Phase::Pending.to_value();
    Condition::all()
        .add(Expr::col((transfer::Entity, transfer::Column::Phase)).eq(Expr::cust(format!("'{pending}'"))))
        .add(transfer::Column::ExpiresAt.lt(now))
        .add(unresolved())
}

/// Places a hold; refuses with `INSUFFICIENT_BALANCE` (changing nothing) when it cannot be afforded.
pub async fn hold(
    conn: &impl ConnectionTrait,
    m: Movement,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    let locked = lock_owned(conn, &[(m.from, m.asset), (m.to, m.asset)]).await?;
    let (from, to) = (&locked[0], &locked[1]);
    // Read under the lock: current until we commit.
    if !can_afford(from, m.amount) {
        return Err(AppError::new(ErrorCode::InsufficientBalance));
    }
    apply_totals(
        conn,
        from.id,
        to.id,
        &[
            (acct::Column::DebitsPending, Side::Debit, m.amount),
            (acct::Column::CreditsPending, Side::Credit, m.amount),
        ],
    )
    .await?;
    Ok(transfer::ActiveModel {
        debit_account_id: Set(from.id),
        credit_account_id: Set(to.id),
        asset: Set(m.asset),
        amount: Set(m.amount),
        kind: Set(m.kind),
        phase: Set(Phase::Pending),
        reference: Set(m.reference),
        actor_id: Set(m.actor),
        memo: Set(m.memo),
        created_at: Set(m.at),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Posts (`post = true`) or voids a hold, once.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    pending_id: i64,
    post: bool,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> AppResult<transfer::Model> {
    let hold = transfer::Entity::find_by_id(pending_id)
        .filter(transfer::Column::Phase.eq(Phase::Pending))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    // Locks first (in id order, as every path takes them), then the resolution, whose unique
    // `pending_id` decides a race between a post and a void; then both totals in one update.
    lock_accounts(conn, &[hold.debit_account_id, hold.credit_account_id]).await?;
    let resolution = transfer::ActiveModel {
        debit_account_id: Set(hold.debit_account_id),
        credit_account_id: Set(hold.credit_account_id),
        asset: Set(hold.asset),
        amount: Set(hold.amount),
        kind: Set(hold.kind),
        phase: Set(if post { Phase::Post } else { Phase::Void }),
        pending_id: Set(Some(hold.id)),
        reference: Set(hold.reference.clone()),
        actor_id: Set(actor),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::HoldNotPending),
        _ => e.into(),
    })?;
    let amount = hold.amount;
    let mut changes = vec![
        (acct::Column::DebitsPending, Side::Debit, -amount),
        (acct::Column::CreditsPending, Side::Credit, -amount),
    ];
    if post {
        changes.push((acct::Column::DebitsPosted, Side::Debit, amount));
        changes.push((acct::Column::CreditsPosted, Side::Credit, amount));
    }
    apply_totals(conn, hold.debit_account_id, hold.credit_account_id, &changes).await?;
    Ok(resolution)
}
