//! Model-based property test of the ledger: random sequences of awards, grants, donations, holds,
//! posts, voids and reversals run against the real database and an in-memory model; after every
//! step each account's balance and hold match the model, and at the end of every case the whole
//! ledger reconciles. 1000 cases.

use crate::helpers::fresh_database;
use chrono::Utc;
use linli::ledger::{self, Asset, Movement, Owner, TransferKind};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone)]
enum Op {
    Award {
        to: usize,
        time: bool,
        amount: i64,
    },
    Grant {
        to: usize,
        amount: i64,
    },
    Donate {
        from: usize,
        to: usize,
        time: bool,
        amount: i64,
    },
    Hold {
        from: usize,
        amount: i64,
    },
    Post {
        hold: usize,
    },
    Void {
        hold: usize,
    },
    Reverse {
        transfer: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, any::<bool>(), 1..50i64).prop_map(|(to, time, amount)| Op::Award { to, time, amount }),
        (0..3usize, 1..50i64).prop_map(|(to, amount)| Op::Grant { to, amount }),
        (0..3usize, 0..3usize, any::<bool>(), 1..60i64).prop_map(|(from, to, time, amount)| Op::Donate {
            from,
            to,
            time,
            amount
        }),
        (0..3usize, 1..60i64).prop_map(|(from, amount)| Op::Hold { from, amount }),
        (0..6usize).prop_map(|hold| Op::Post { hold }),
        (0..6usize).prop_map(|hold| Op::Void { hold }),
        (0..8usize).prop_map(|transfer| Op::Reverse { transfer }),
    ]
}

/// What the ledger should say.
#[derive(Default)]
struct Model {
    /// (owner, asset) → (balance, held)
    accounts: HashMap<(Owner, Asset), (i64, i64)>,
    /// Posted single-phase transfers: (from, to, asset, amount, id, reversed)
    transfers: Vec<(Owner, Owner, Asset, i64, i64, bool)>,
    /// Holds: (from, to, amount, id, open)
    holds: Vec<(Owner, Owner, i64, i64, bool)>,
}

impl Model {
    fn get(&self, o: Owner, a: Asset) -> (i64, i64) {
        self.accounts.get(&(o, a)).copied().unwrap_or((0, 0))
    }
    fn available(&self, o: Owner, a: Asset) -> i64 {
        let (b, h) = self.get(o, a);
        if matches!(o, Owner::Pool(_)) {
            i64::MAX
        } else {
            b - h
        }
    }
    fn add(&mut self, o: Owner, a: Asset, balance: i64, held: i64) {
        let e = self.accounts.entry((o, a)).or_default();
        e.0 += balance;
        e.1 += held;
    }
}

static NEXT_ID: AtomicI64 = AtomicI64::new(1_000_000);

async fn run_case(db: &DatabaseConnection, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let base = NEXT_ID.fetch_add(10, Ordering::SeqCst);
    let users = [Owner::User(base), Owner::User(base + 1), Owner::User(base + 2)];
    let pool = Owner::Pool(base);
    let store = Owner::Store(base);
    let mut model = Model::default();
    let asset_of = |time: bool| if time { Asset::Time } else { Asset::Coin };
    let movement = |from, to, asset, amount, kind, reversal_of| Movement {
        from,
        to,
        asset,
        amount,
        kind,
        reference: None,
        actor: None,
        memo: None,
        at: Utc::now(),
        reversal_of,
    };
    for op in ops {
        let txn = linli::db::begin_write(db).await.unwrap();
        let outcome: Result<(), linli::error::AppError> = match op.clone() {
            Op::Award { to, time, amount } => {
                let r = ledger::post(
                    &txn,
                    movement(pool, users[to], asset_of(time), amount, TransferKind::Award, None),
                )
                .await;
                if let Ok(t) = &r {
                    model.add(pool, asset_of(time), -amount, 0);
                    model.add(users[to], asset_of(time), amount, 0);
                    model
                        .transfers
                        .push((pool, users[to], asset_of(time), amount, t.id, false));
                }
                prop_assert!(r.is_ok(), "an award from the pool always goes through: {r:?}");
                r.map(|_| ())
            }
            Op::Grant { to, amount } => {
                let r = ledger::post(
                    &txn,
                    movement(pool, users[to], Asset::Coin, amount, TransferKind::Grant, None),
                )
                .await;
                if let Ok(t) = &r {
                    model.add(pool, Asset::Coin, -amount, 0);
                    model.add(users[to], Asset::Coin, amount, 0);
                    model
                        .transfers
                        .push((pool, users[to], Asset::Coin, amount, t.id, false));
                }
                r.map(|_| ())
            }
            Op::Donate {
                from,
                to,
                time,
                amount,
            } => {
                let (from, to, asset) = (users[from], users[to], asset_of(time));
                let affordable = model.available(from, asset) >= amount;
                let r = ledger::post(
                    &txn,
                    movement(from, to, asset, amount, TransferKind::Donation, None),
                )
                .await;
                prop_assert_eq!(
                    r.is_ok(),
                    affordable,
                    "donation of {} with {} available",
                    amount,
                    model.available(from, asset)
                );
                if let Ok(t) = &r {
                    model.add(from, asset, -amount, 0);
                    model.add(to, asset, amount, 0);
                    model.transfers.push((from, to, asset, amount, t.id, false));
                }
                r.map(|_| ())
            }
            Op::Hold { from, amount } => {
                let from = users[from];
                let affordable = model.available(from, Asset::Coin) >= amount;
                let r = ledger::holds::hold(
                    &txn,
                    movement(from, store, Asset::Coin, amount, TransferKind::Redeem, None),
                    None,
                )
                .await;
                prop_assert_eq!(r.is_ok(), affordable);
                if let Ok(t) = &r {
                    model.add(from, Asset::Coin, 0, amount);
                    model.holds.push((from, store, amount, t.id, true));
                }
                r.map(|_| ())
            }
            Op::Post { hold } | Op::Void { hold } => {
                let post = matches!(op, Op::Post { .. });
                match model.holds.get(hold).copied() {
                    None => Ok(()),
                    Some((from, to, amount, id, open)) => {
                        let r = ledger::holds::resolve(&txn, id, post, None, Utc::now()).await;
                        prop_assert_eq!(r.is_ok(), open, "resolving hold {} (open: {})", id, open);
                        if r.is_ok() {
                            model.holds[hold].4 = false;
                            model.add(from, Asset::Coin, if post { -amount } else { 0 }, -amount);
                            if post {
                                model.add(to, Asset::Coin, amount, 0);
                            }
                        }
                        r.map(|_| ())
                    }
                }
            }
            Op::Reverse { transfer } => match model.transfers.get(transfer).copied() {
                None => Ok(()),
                Some((from, to, asset, amount, id, reversed)) => {
                    let possible = !reversed && model.available(to, asset) >= amount;
                    let r = ledger::post(
                        &txn,
                        movement(to, from, asset, amount, TransferKind::Reversal, Some(id)),
                    )
                    .await;
                    prop_assert_eq!(r.is_ok(), possible, "reversal of {} (reversed: {})", id, reversed);
                    if r.is_ok() {
                        model.transfers[transfer].5 = true;
                        model.add(to, asset, -amount, 0);
                        model.add(from, asset, amount, 0);
                    }
                    r.map(|_| ())
                }
            },
        };
        match outcome {
            Ok(()) => txn.commit().await.unwrap(),
            Err(_) => txn.rollback().await.unwrap(),
        }
        // After every step, every account of the case says what the model says.
        for owner in users.iter().copied().chain([pool, store]) {
            for asset in Asset::ALL {
                let a = ledger::account(db, owner, asset).await.unwrap();
                let want = model.get(owner, asset);
                prop_assert_eq!(
                    (ledger::balance(&a), a.debits_pending),
                    want,
                    "{:?} {:?} after {:?}",
                    owner,
                    asset,
                    op
                );
                if !a.may_go_negative {
                    prop_assert!(ledger::available(&a) >= 0);
                }
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_keep_the_books() {
    let (url, _guard) = fresh_database().await;
    let vars: HashMap<&str, String> =
        HashMap::from([("DATABASE_URL", url), ("DB_MAX_CONNECTIONS", "4".into())]);
    let config = linli::config::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let db = linli::db::connect(&config).await.unwrap();
    linli::db::migrate(&db).await.unwrap();
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(PtConfig {
            cases: 1000,
            failure_persistence: None,
            ..PtConfig::default()
        });
        runner.run(&prop::collection::vec(op(), 1..12), |ops| {
            handle.block_on(run_case(&db, ops))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let report = ledger::reconcile::check(&db).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}
