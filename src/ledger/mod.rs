//! The points bank: a double-entry ledger of service time (时间银行, minutes) and green coins (绿币).
//! Every movement is an immutable transfer between two accounts, written in the same transaction
//! as the account totals it changes. A restricted account is debited only after it is read under
//! its row lock and found able to pay, and the database's CHECK constraint backs it up.

mod accounts;
pub mod audit;
pub mod awards;
pub mod holds;
mod movement;
pub mod reconcile;
pub mod routes;
pub mod statement;
pub mod transfers;

pub use accounts::{
    AccountOut, Owner, account, affordable, available, balance, balances, find_account, lock_accounts,
    sum_amount,
};
pub use entity::account::{Asset, OwnerKind};
pub use entity::transfer::{Phase, TransferKind};
pub use movement::{Movement, post};
