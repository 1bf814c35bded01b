//! Two-phase transfers: a hold (pending) reserves the amount, counted in `held` and not in
//! `available`; then exactly one post or void resolves it. The resolution row is unique per hold,
//! so a post and a void racing each other cannot both land.

use super::accounts::{account, affordable, lock_accounts};
use super::movement::Movement;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::account as acct;
use entity::transfer::{self, Phase};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr};

/// Transfers no post or void refers to: for a hold, still open.
pub fn unresolved() -> SimpleExpr {
    transfer::Column::Id.not_in_subquery(
        Query::select()
            .column(transfer::Column::PendingId)
            .from(transfer::Entity)
            .and_where(transfer::Column::PendingId.is_not_null())
            .to_owned(),
    )
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
    let from = account(conn, m.from, m.asset).await?;
    let to = account(conn, m.to, m.asset).await?;
    lock_accounts(conn, &[from.id, to.id]).await?;
    let held = acct::Entity::update_many()
        .col_expr(
            acct::Column::DebitsPending,
            Expr::col(acct::Column::DebitsPending).add(m.amount),
        )
        .filter(acct::Column::Id.eq(from.id))
        .filter(affordable(m.amount))
        .exec(conn)
        .await?
        .rows_affected;
    if held != 1 {
        return Err(AppError::new(ErrorCode::InsufficientBalance));
    }
    acct::Entity::update_many()
        .col_expr(
            acct::Column::CreditsPending,
            Expr::col(acct::Column::CreditsPending).add(m.amount),
        )
        .filter(acct::Column::Id.eq(to.id))
        .exec(conn)
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
    // The resolution first: its unique `pending_id` decides the race.
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
    lock_accounts(conn, &[hold.debit_account_id, hold.credit_account_id]).await?;
    let amount = hold.amount;
    let mut debit = acct::Entity::update_many()
        .col_expr(
            acct::Column::DebitsPending,
            Expr::col(acct::Column::DebitsPending).sub(amount),
        )
        .filter(acct::Column::Id.eq(hold.debit_account_id));
    let mut credit = acct::Entity::update_many()
        .col_expr(
            acct::Column::CreditsPending,
            Expr::col(acct::Column::CreditsPending).sub(amount),
        )
        .filter(acct::Column::Id.eq(hold.credit_account_id));
    if post {
        debit = debit.col_expr(
            acct::Column::DebitsPosted,
            Expr::col(acct::Column::DebitsPosted).add(amount),
        );
        credit = credit.col_expr(
            acct::Column::CreditsPosted,
            Expr::col(acct::Column::CreditsPosted).add(amount),
        );
    }
    debit.exec(conn).await?;
    credit.exec(conn).await?;
    Ok(resolution)
}
