//! The points bank: a double-entry ledger of service time (时间银行, minutes) and green coins (绿币).
//! Every movement is an immutable transfer between two accounts, written in the same transaction
//! as the account totals it changes. A restricted account is debited by a conditional update
//! (checked by rows affected), and the database's CHECK constraint backs it up.

mod audit;
pub mod awards;
mod handlers;
pub mod holds;
pub mod reconcile;
mod transfers;

use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::{account, transfer};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::accounts)
        .service(handlers::transactions)
        .service(handlers::reconciliation)
        .service(handlers::pool_transactions)
        .service(audit::grants)
        .service(transfers::donate)
        .service(transfers::grant)
        .service(transfers::reverse);
}

/// 资产：time 服务时长（分钟）/ coin 绿币
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Asset {
    Time,
    Coin,
}

impl Asset {
    pub const ALL: [Asset; 2] = [Asset::Time, Asset::Coin];

    pub fn as_str(self) -> &'static str {
        match self {
            Asset::Time => "time",
            Asset::Coin => "coin",
        }
    }

    pub fn parse(s: &str) -> Option<Asset> {
        Asset::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Who holds an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    User(i64),
    /// A community's issuing pool: where awards come from; the only account allowed below zero.
    Pool(i64),
    Store(i64),
}

impl Owner {
    fn kind(self) -> &'static str {
        match self {
            Owner::User(_) => "user",
            Owner::Pool(_) => "pool",
            Owner::Store(_) => "store",
        }
    }

    fn id(self) -> i64 {
        match self {
            Owner::User(id) | Owner::Pool(id) | Owner::Store(id) => id,
        }
    }
}

/// `SUM(amount)` as a BIGINT (on PostgreSQL the SUM of a BIGINT is NUMERIC).
pub fn sum_amount() -> sea_orm::sea_query::Expr {
    crate::db::sum_i64(Expr::col(transfer::Column::Amount))
}

/// 账户余额
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub asset: Asset,
    /// 余额（分钟或绿币）
    pub balance: i64,
    /// 冻结中（如待取货的兑换）
    pub held: i64,
    /// 可用 = 余额 − 冻结
    pub available: i64,
}

/// A user's balances, one per asset (zero before the first movement).
pub async fn balances(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Vec<AccountOut>> {
    let mine = account::Entity::find()
        .filter(account::Column::OwnerKind.eq("user"))
        .filter(account::Column::OwnerId.eq(user_id))
        .all(conn)
        .await?;
    Ok(Asset::ALL
        .iter()
        .map(|asset| match mine.iter().find(|a| a.asset == asset.as_str()) {
            Some(a) => AccountOut {
                asset: *asset,
                balance: balance(a),
                held: a.debits_pending,
                available: available(a),
            },
            None => AccountOut {
                asset: *asset,
                balance: 0,
                held: 0,
                available: 0,
            },
        })
        .collect())
}

/// Balance = credits − debits (posted); held = pending debits; available = balance − held.
pub fn balance(a: &account::Model) -> i64 {
    a.credits_posted - a.debits_posted
}

pub fn available(a: &account::Model) -> i64 {
    balance(a) - a.debits_pending
}

pub async fn find_account(
    conn: &impl ConnectionTrait,
    owner: Owner,
    asset: Asset,
) -> AppResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::OwnerKind.eq(owner.kind()))
        .filter(account::Column::OwnerId.eq(owner.id()))
        .filter(account::Column::Asset.eq(asset.as_str()))
        .one(conn)
        .await?)
}

/// The account of (owner, asset), opened on first use.
pub async fn account(conn: &impl ConnectionTrait, owner: Owner, asset: Asset) -> AppResult<account::Model> {
    if let Some(a) = find_account(conn, owner, asset).await? {
        return Ok(a);
    }
    let new = account::ActiveModel {
        owner_kind: Set(owner.kind().into()),
        owner_id: Set(owner.id()),
        asset: Set(asset.as_str().into()),
        debits_posted: Set(0),
        credits_posted: Set(0),
        debits_pending: Set(0),
        credits_pending: Set(0),
        may_go_negative: Set(matches!(owner, Owner::Pool(_))),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    account::Entity::insert(new)
        .on_conflict_do_nothing_on([
            account::Column::OwnerKind,
            account::Column::OwnerId,
            account::Column::Asset,
        ])
        .exec(conn)
        .await?;
    find_account(conn, owner, asset)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account vanished")))
}

/// Takes the row locks of the accounts `ids` in ascending id order. Every path that changes
/// account rows takes its locks through here before its first update, so two transactions over the
/// same accounts (a donation each way, an award beside a grant) queue instead of deadlocking.
/// A transaction touching several pairs locks them all in one call. SQLite needs nothing: a write
/// transaction there already holds the database's one write lock.
pub async fn lock_accounts(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // PostgreSQL locks rows as the sorted result is produced: in id order.
    account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(ids))
        .order_by_asc(account::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .all(conn)
        .await?;
    Ok(())
}

/// The debited account can take `amount`: an issuing pool always, any other account only from
/// what is available (posted balance less holds).
pub fn affordable(amount: i64) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(account::Column::MayGoNegative.eq(true))
        .add(
            Expr::col(account::Column::CreditsPosted)
                .sub(Expr::col(account::Column::DebitsPosted))
                .sub(Expr::col(account::Column::DebitsPending))
                .gte(amount),
        )
}

/// One single-phase movement.
pub struct Movement<'a> {
    pub from: Owner,
    pub to: Owner,
    pub asset: Asset,
    pub amount: i64,
    pub kind: &'a str,
    pub reference: Option<String>,
    pub actor: Option<i64>,
    pub memo: Option<String>,
    pub at: DateTime<Utc>,
    /// The transfer this one undoes.
    pub reversal_of: Option<i64>,
}

/// Posts a movement in the caller's transaction: debit (only if the account can afford it),
/// credit, and the transfer row. Answers `INSUFFICIENT_BALANCE` and changes nothing otherwise.
pub async fn post(conn: &impl ConnectionTrait, m: Movement<'_>) -> AppResult<transfer::Model> {
    if m.amount <= 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with_detail("金额须为正整数"));
    }
    let from = account(conn, m.from, m.asset).await?;
    let to = account(conn, m.to, m.asset).await?;
    lock_accounts(conn, &[from.id, to.id]).await?;
    let debited = account::Entity::update_many()
        .col_expr(
            account::Column::DebitsPosted,
            Expr::col(account::Column::DebitsPosted).add(m.amount),
        )
        .filter(account::Column::Id.eq(from.id))
        .filter(affordable(m.amount))
        .exec(conn)
        .await?
        .rows_affected;
    if debited != 1 {
        return Err(AppError::new(ErrorCode::InsufficientBalance));
    }
    account::Entity::update_many()
        .col_expr(
            account::Column::CreditsPosted,
            Expr::col(account::Column::CreditsPosted).add(m.amount),
        )
        .filter(account::Column::Id.eq(to.id))
        .exec(conn)
        .await?;
    let row = transfer::ActiveModel {
        debit_account_id: Set(from.id),
        credit_account_id: Set(to.id),
        asset: Set(m.asset.as_str().into()),
        amount: Set(m.amount),
        kind: Set(m.kind.into()),
        phase: Set("posted".into()),
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
