//! Two-phase transfers: a hold (pending) reserves the amount, counted in `held` and not in
//! `available`; then exactly one post or void resolves it. The resolution row is unique per hold,
//! so a post and a void racing each other cannot both land.

use super::{Movement, account};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::{account as acct, transfer};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr};

/// Places a hold; refuses with `INSUFFICIENT_BALANCE` (changing nothing) when it cannot be afforded.
pub async fn hold(
    conn: &impl ConnectionTrait,
    m: Movement<'_>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    let from = account(conn, m.from, m.asset).await?;
    let to = account(conn, m.to, m.asset).await?;
    super::lock_accounts(conn, &[from.id, to.id]).await?;
    let held = acct::Entity::update_many()
        .col_expr(
            acct::Column::DebitsPending,
            Expr::col(acct::Column::DebitsPending).add(m.amount),
        )
        .filter(acct::Column::Id.eq(from.id))
        .filter(super::affordable(m.amount))
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
        asset: Set(m.asset.as_str().into()),
        amount: Set(m.amount),
        kind: Set(m.kind.into()),
        phase: Set("pending".into()),
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
        .filter(transfer::Column::Phase.eq("pending"))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    // The resolution first: its unique `pending_id` decides the race.
    let resolution = transfer::ActiveModel {
        debit_account_id: Set(hold.debit_account_id),
        credit_account_id: Set(hold.credit_account_id),
        asset: Set(hold.asset.clone()),
        amount: Set(hold.amount),
        kind: Set(hold.kind.clone()),
        phase: Set(if post { "post" } else { "void" }.into()),
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
    super::lock_accounts(conn, &[hold.debit_account_id, hold.credit_account_id]).await?;
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

/// Voids holds whose time ran out at `now` (each once); returns how many.
pub async fn expire(db: &sea_orm::DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    use sea_orm::sea_query::Query;
    use sea_orm::{QueryOrder, QuerySelect};
    let due = |after: i64| -> futures_util::future::BoxFuture<'_, AppResult<Vec<i64>>> {
        Box::pin(async move {
            Ok(transfer::Entity::find()
                .select_only()
                .column(transfer::Column::Id)
                .filter(transfer::Column::Phase.eq("pending"))
                .filter(transfer::Column::ExpiresAt.lt(now))
                .filter(transfer::Column::Id.gt(after))
                .filter(
                    transfer::Column::Id.not_in_subquery(
                        Query::select()
                            .column(transfer::Column::PendingId)
                            .from(transfer::Entity)
                            .and_where(transfer::Column::PendingId.is_not_null())
                            .to_owned(),
                    ),
                )
                .order_by_asc(transfer::Column::Id)
                .limit(100)
                .into_tuple()
                .all(db)
                .await?)
        })
    };
    // Resolved meanwhile by a pickup or another instance: `HoldNotPending`.
    crate::db::sweep(
        db,
        "hold expiry",
        ErrorCode::HoldNotPending,
        due,
        move |txn, id| Box::pin(async move { resolve(txn, id, false, None, now).await.map(|_| ()) }),
    )
    .await
}
