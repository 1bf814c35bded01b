//! The ledger's invariants, checked from the rows: per asset all balances sum to zero; each
//! account's totals equal the fold of its transfers; no restricted account is below zero.

use super::accounts::{available, balance, sum_amount};
use super::holds::unresolved;
use crate::api::Id;
use crate::error::AppResult;
use entity::account::Asset;
use entity::transfer::Phase;
use entity::{account, transfer};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// 某资产全部账户余额之和（应为 0）
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetSum {
    pub asset: Asset,
    pub sum: i64,
}

/// 一处不一致
#[derive(Debug, Serialize, ToSchema)]
pub struct Violation {
    /// sum_not_zero / totals_mismatch / negative_balance
    pub kind: &'static str,
    pub account_id: Option<Id>,
    pub asset: Option<Asset>,
    pub detail: String,
}

/// 对账结果
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationOut {
    pub ok: bool,
    pub assets: Vec<AssetSum>,
    pub violations: Vec<Violation>,
}

async fn sums(
    conn: &impl ConnectionTrait,
    by: transfer::Column,
    phases: &[Phase],
    open_holds_only: bool,
) -> AppResult<HashMap<i64, i64>> {
    let mut q = transfer::Entity::find()
        .select_only()
        .column(by)
        .column_as(sum_amount(), "total")
        .filter(transfer::Column::Phase.is_in(phases.iter().copied()))
        .group_by(by);
    if open_holds_only {
        // A hold stops counting once a post or void resolved it.
        q = q.filter(unresolved());
    }
    let rows: Vec<(i64, Option<i64>)> = q.into_tuple().all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, total)| (id, total.unwrap_or(0)))
        .collect())
}

/// Checks the whole ledger on one snapshot ([`crate::db::snapshot`]), so a transfer committed
/// while it reads is either wholly seen or not at all: live traffic never shows as a violation.
pub async fn check(db: &DatabaseConnection) -> AppResult<ReconciliationOut> {
    crate::db::snapshot(db, async |txn| check_in(txn).await).await
}

async fn check_in(conn: &impl ConnectionTrait) -> AppResult<ReconciliationOut> {
    let accounts = account::Entity::find().all(conn).await?;
    let posted = [Phase::Posted, Phase::Post];
    let debits = sums(conn, transfer::Column::DebitAccountId, &posted, false).await?;
    let credits = sums(conn, transfer::Column::CreditAccountId, &posted, false).await?;
    let held_out = sums(conn, transfer::Column::DebitAccountId, &[Phase::Pending], true).await?;
    let held_in = sums(conn, transfer::Column::CreditAccountId, &[Phase::Pending], true).await?;
    let mut violations = Vec::new();
    let mut assets = Vec::new();
    for asset in Asset::ALL {
        let sum: i64 = accounts.iter().filter(|a| a.asset == asset).map(balance).sum();
        if sum != 0 {
            violations.push(Violation {
                kind: "sum_not_zero",
                account_id: None,
                asset: Some(asset),
                detail: format!("balances of {} sum to {sum}", asset.to_value()),
            });
        }
        assets.push(AssetSum { asset, sum });
    }
    for a in &accounts {
        let get = |m: &HashMap<i64, i64>| m.get(&a.id).copied().unwrap_or(0);
        let folded = (get(&debits), get(&credits), get(&held_out), get(&held_in));
        let stored = (
            a.debits_posted,
            a.credits_posted,
            a.debits_pending,
            a.credits_pending,
        );
        if folded != stored {
            violations.push(Violation {
                kind: "totals_mismatch",
                account_id: Some(Id(a.id)),
                asset: Some(a.asset),
                detail: format!(
                    "stored (debits, credits, held out, held in) {stored:?}, transfers give {folded:?}"
                ),
            });
        }
        if !a.may_go_negative && available(a) < 0 {
            violations.push(Violation {
                kind: "negative_balance",
                account_id: Some(Id(a.id)),
                asset: Some(a.asset),
                detail: format!(
                    "{} {} available is {}",
                    a.owner_kind.to_value(),
                    a.owner_id,
                    available(a)
                ),
            });
        }
    }
    Ok(ReconciliationOut {
        ok: violations.is_empty(),
        assets,
        violations,
    })
}
