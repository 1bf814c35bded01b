//! Single-phase movements: debit, credit and the immutable transfer row, in one transaction.

use super::accounts::{Owner, account, affordable, lock_accounts};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::account::{self as acct, Asset};
use entity::transfer::{self, Phase, TransferKind};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// One single-phase movement.
pub struct Movement {
    pub from: Owner,
    pub to: Owner,
    pub asset: Asset,
    pub amount: i64,
    pub kind: TransferKind,
    pub reference: Option<String>,
    pub actor: Option<i64>,
    pub memo: Option<String>,
    pub at: DateTime<Utc>,
    /// The transfer this one undoes.
    pub reversal_of: Option<i64>,
}

/// Posts a movement in the caller's transaction: debit (only if the account can afford it),
/// credit, and the transfer row. Answers `INSUFFICIENT_BALANCE` and changes nothing otherwise.
pub async fn post(conn: &impl ConnectionTrait, m: Movement) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    let from = account(conn, m.from, m.asset).await?;
    let to = account(conn, m.to, m.asset).await?;
    lock_accounts(conn, &[from.id, to.id]).await?;
    let debited = acct::Entity::update_many()
        .col_expr(
            acct::Column::DebitsPosted,
            Expr::col(acct::Column::DebitsPosted).add(m.amount),
        )
        .filter(acct::Column::Id.eq(from.id))
        .filter(affordable(m.amount))
        .exec(conn)
        .await?
        .rows_affected;
    if debited != 1 {
        return Err(AppError::new(ErrorCode::InsufficientBalance));
    }
    acct::Entity::update_many()
        .col_expr(
            acct::Column::CreditsPosted,
            Expr::col(acct::Column::CreditsPosted).add(m.amount),
        )
        .filter(acct::Column::Id.eq(to.id))
        .exec(conn)
        .await?;
    let row = transfer::ActiveModel {
        debit_account_id: Set(from.id),
        credit_account_id: Set(to.id),
        asset: Set(m.asset),
        amount: Set(m.amount),
        kind: Set(m.kind),
        phase: Set(Phase::Posted),
        reference: Set(m.reference),
        actor_id: Set(m.actor),
        memo: Set(m.memo),
        created_at: Set(m.at),
        reversal_of: Set(m.reversal_of),
        ..Default::default()
    };
    row.insert(conn).await.map_err(|e| match e.sql_err() {
        // Two reversals of one transfer raced: the unique index lets one through.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) if m.reversal_of.is_some() => {
            AppError::new(ErrorCode::TransferAlreadyReversed)
        }
        _ => e.into(),
    })
}
