//! Accounts: one per (owner, asset), opened on first use, locked in id order, read as balances.

use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::account::{self, Asset, OwnerKind};
use entity::transfer;
use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Who holds an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    User(i64),
    /// A community's issuing pool: where awards come from; the only account allowed below zero.
    Pool(i64),
    Store(i64),
}

impl Owner {
    pub fn kind(self) -> OwnerKind {
        match self {
            Owner::User(_) => OwnerKind::User,
            Owner::Pool(_) => OwnerKind::Pool,
            Owner::Store(_) => OwnerKind::Store,
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Owner::User(id) | Owner::Pool(id) | Owner::Store(id) => id,
        }
    }

    /// The holder of a stored account.
    pub fn of(a: &account::Model) -> Owner {
        match a.owner_kind {
            OwnerKind::User => Owner::User(a.owner_id),
            OwnerKind::Pool => Owner::Pool(a.owner_id),
            OwnerKind::Store => Owner::Store(a.owner_id),
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

/// The ids of every account `kind`/`owner_id` holds (one per asset at most).
pub async fn ids_of(conn: &impl ConnectionTrait, kind: OwnerKind, owner_id: i64) -> AppResult<Vec<i64>> {
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::OwnerKind.eq(kind))
        .filter(account::Column::OwnerId.eq(owner_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// A user's balances, one per asset (zero before the first movement).
pub async fn balances(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Vec<AccountOut>> {
    let mine = account::Entity::find()
        .filter(account::Column::OwnerKind.eq(OwnerKind::User))
        .filter(account::Column::OwnerId.eq(user_id))
        .all(conn)
        .await?;
    Ok(Asset::ALL
        .iter()
        .map(|asset| match mine.iter().find(|a| a.asset == *asset) {
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
        .filter(account::Column::Asset.eq(asset))
        .one(conn)
        .await?)
}

/// The account of (owner, asset), opened on first use.
pub async fn account(conn: &impl ConnectionTrait, owner: Owner, asset: Asset) -> AppResult<account::Model> {
    if let Some(a) = find_account(conn, owner, asset).await? {
        return Ok(a);
    }
    open(conn, owner, asset).await?;
    find_account(conn, owner, asset)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account vanished")))
}

/// Opens the account of (owner, asset) unless it exists.
async fn open(conn: &impl ConnectionTrait, owner: Owner, asset: Asset) -> AppResult<()> {
    let new = account::ActiveModel {
        owner_kind: Set(owner.kind()),
        owner_id: Set(owner.id()),
        asset: Set(asset),
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
    Ok(())
}

/// Takes the row locks of the accounts `ids` in ascending id order. Every path that changes
/// account rows takes its locks through here (or [`lock_owned`]) before its first update, so two
/// transactions over the same accounts (a donation each way, an award beside a grant) queue
/// instead of deadlocking. A transaction touching several pairs locks them all in one call.
///
/// The lock is `FOR NO KEY UPDATE`, the one an `UPDATE` of the totals takes anyway: it does not
/// conflict with the `FOR KEY SHARE` a transfer insert takes on the accounts it names (foreign
/// keys), so a transfer row written before or beside the lock never waits on it. (`FOR UPDATE`
/// does conflict: two pickups at one store, each inserting its resolution before locking, could
/// each hold a key-share lock on the store's account the other needed.) SQLite needs nothing: a
/// write transaction there already holds the database's one write lock.
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
        .lock(LockType::NoKeyUpdate)
        .into_tuple::<i64>()
        .all(conn)
        .await?;
    Ok(())
}

/// The accounts `ids`, locked in ascending id order ([`lock_accounts`]) and read under the lock.
pub async fn lock_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<account::Model>> {
    let mut q = account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(account::Column::Id);
    if conn.get_database_backend() == DbBackend::Postgres {
        q = q.lock(LockType::NoKeyUpdate);
    }
    Ok(q.all(conn).await?)
}

/// The accounts of `wanted` (owner, asset) pairs, opened on first use and locked in ascending id
/// order ([`lock_accounts`]), read as they are once locked: in one statement when they all exist.
/// Answers them in the order asked.
pub async fn lock_owned(
    conn: &impl ConnectionTrait,
    wanted: &[(Owner, Asset)],
) -> AppResult<Vec<account::Model>> {
    lock_or_open(conn, wanted, async |_| Ok(())).await
}

/// [`lock_owned`], asking `may_open` before an account is opened (its refusal changes nothing).
pub async fn lock_or_open(
    conn: &impl ConnectionTrait,
    wanted: &[(Owner, Asset)],
    may_open: impl AsyncFn(Owner) -> AppResult<()>,
) -> AppResult<Vec<account::Model>> {
    let mut rows = select_locked(conn, wanted).await?;
    let missing: Vec<(Owner, Asset)> = wanted
        .iter()
        .copied()
        .filter(|w| !rows.iter().any(|a| is(a, *w)))
        .collect();
    if !missing.is_empty() {
        // First use of an account: open it, then lock the whole set again (the rows already
        // locked stay locked). Two transactions opening two new accounts crosswise at the same
        // moment could still meet here; the database then aborts one and `db::write` runs it again.
        for (owner, asset) in missing {
            may_open(owner).await?;
            open(conn, owner, asset).await?;
        }
        rows = select_locked(conn, wanted).await?;
    }
    wanted
        .iter()
        .map(|w| {
            rows.iter()
                .find(|a| is(a, *w))
                .cloned()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("account vanished")))
        })
        .collect()
}

fn is(a: &account::Model, (owner, asset): (Owner, Asset)) -> bool {
    a.owner_kind == owner.kind() && a.owner_id == owner.id() && a.asset == asset
}

async fn select_locked(
    conn: &impl ConnectionTrait,
    wanted: &[(Owner, Asset)],
) -> AppResult<Vec<account::Model>> {
    let mut any = sea_orm::Condition::any();
    for (owner, asset) in wanted {
        any = any.add(
            sea_orm::Condition::all()
                .add(account::Column::OwnerKind.eq(owner.kind()))
                .add(account::Column::OwnerId.eq(owner.id()))
                .add(account::Column::Asset.eq(*asset)),
        );
    }
    let mut q = account::Entity::find()
        .filter(any)
        .order_by_asc(account::Column::Id);
    if conn.get_database_backend() == DbBackend::Postgres {
        q = q.lock(LockType::NoKeyUpdate);
    }
    Ok(q.all(conn).await?)
}

/// Whether `a` (as read under its lock) can be debited `amount`: see [`affordable`].
pub fn can_afford(a: &account::Model, amount: i64) -> bool {
    a.may_go_negative || available(a) >= amount
}

/// Adds `amount` to one debit and one credit column of two locked accounts (posted or pending
/// totals, or moves pending to posted), in one `UPDATE` over both rows.
pub async fn apply_totals(
    conn: &impl ConnectionTrait,
    debit: i64,
    credit: i64,
    changes: &[(account::Column, Side, i64)],
) -> AppResult<()> {
    let mut update = account::Entity::update_many();
    for (column, side, amount) in changes {
        let id = match side {
            Side::Debit => debit,
            Side::Credit => credit,
        };
        let delta = Expr::case(account::Column::Id.eq(id), Expr::val(*amount)).finally(Expr::val(0i64));
        update = update.col_expr(*column, Expr::col(*column).add(delta));
    }
    update
        .filter(account::Column::Id.is_in([debit, credit]))
        .exec(conn)
        .await?;
    Ok(())
}

/// Which account of a movement a total belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    Debit,
    Credit,
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
