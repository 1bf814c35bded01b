//! Single-phase movements: debit, credit and the immutable transfer row, in one transaction.

use super::accounts::{Owner, Side, apply_totals, can_afford, lock_owned};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::account::{self as acct, Asset};
use entity::transfer::{self, Phase, TransferKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

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
/// Three statements when both accounts exist: lock both (reading them), update both, insert.
pub async fn post(conn: &impl ConnectionTrait, m: Movement) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    let locked = lock_owned(conn, &[(m.from, m.asset), (m.to, m.asset)]).await?;
    post_locked(conn, &locked[0], &locked[1], m).await
}

/// [`post`] between two accounts the caller has locked ([`super::accounts::lock_owned`]) and
/// read under the lock, so their totals are current.
pub async fn post_locked(
    conn: &impl ConnectionTrait,
    from: &acct::Model,
    to: &acct::Model,
    m: Movement,
) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    // The row is locked and read after the lock: its totals cannot change before we commit. The
    // CHECK constraint on the table backs this up.
    if !can_afford(from, m.amount) {
        return Err(AppError::new(ErrorCode::InsufficientBalance));
    }
    apply_totals(
        conn,
        from.id,
        to.id,
        &[
            (acct::Column::DebitsPosted, Side::Debit, m.amount),
            (acct::Column::CreditsPosted, Side::Credit, m.amount),
        ],
    )
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
