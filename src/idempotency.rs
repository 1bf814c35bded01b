//! Exactly-once effects for requests the client may retry (point moves, redemptions, orders).
//!
//! The caller's key with a hash of the request, the effect, and the recorded answer commit in one
//! transaction. The same key and request replay the first answer byte for byte; the same key with
//! another request answers 422; a duplicate arriving while the first still runs waits for it (on
//! the key's unique index) and replays its answer. This module knows no HTTP: the header and the
//! response live in [`crate::extract::idempotency`].

use crate::error::{AppError, AppResult, ErrorCode};
use chrono::Utc;
use entity::idempotency_key::{self as key_row, KeyStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TryInsertResult,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The header that carries the key.
pub const HEADER: &str = "Idempotency-Key";
/// A key row left `in_flight` (by an earlier version that recorded keys in a transaction of their
/// own) and older than this belongs to a request that died: another may take it over.
const ABANDONED_AFTER: i64 = 60;

/// One caller's key for one request: what `run` records and compares.
#[derive(Debug, Clone)]
pub struct Key {
    actor: i64,
    key: String,
    request_hash: String,
}

impl Key {
    /// `operation` names what is asked (method and path, ids included); `input` is the parsed
    /// request, so the same request sent with other whitespace or field order hashes the same.
    pub fn new(actor: i64, key: String, operation: &str, input: &impl Serialize) -> AppResult<Key> {
        let body = serde_json::to_vec(input).map_err(AppError::internal)?;
        let mut hasher = Sha256::new();
        hasher.update(operation);
        hasher.update(b"\n");
        hasher.update(&body);
        let request_hash = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Key {
            actor,
            key,
            request_hash,
        })
    }
}

/// A recorded or fresh answer: its status, its JSON text (a problem for 4xx), and whether it
/// replays an earlier request's.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

/// This attempt's hold on a key: the row and the `updated_at` it wrote. Another request that
/// takes the key over writes a new stamp, and this attempt can then no longer record an answer.
struct Claim {
    id: i64,
    stamp: chrono::DateTime<Utc>,
}

enum Begun {
    Fresh(Claim),
    Replay(Answer),
}

fn replay(found: key_row::Model) -> Answer {
    Answer {
        status: found.response_status.map_or(200, |s| s as u16),
        body: found.response_body.unwrap_or_default(),
        replayed: true,
    }
}

/// Claims the key in the effect's transaction: one insert when the key is new. On PostgreSQL an
/// insert that meets a key another transaction has inserted but not committed waits for it, then
/// sees its row; on SQLite the write transaction already runs alone.
async fn begin(txn: &DatabaseTransaction, k: &Key) -> AppResult<Begun> {
    let now = Utc::now();
    let row = key_row::ActiveModel {
        actor_id: Set(k.actor),
        key: Set(k.key.clone()),
        request_hash: Set(k.request_hash.clone()),
        status: Set(KeyStatus::InFlight),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = key_row::Entity::insert(row)
        .on_conflict_do_nothing_on([key_row::Column::ActorId, key_row::Column::Key])
        .exec(txn)
        .await?;
    if let TryInsertResult::Inserted(r) = inserted {
        return Ok(Begun::Fresh(Claim {
            id: r.last_insert_id,
            stamp: now,
        }));
    }
    let found = key_row::Entity::find()
        .filter(key_row::Column::ActorId.eq(k.actor))
        .filter(key_row::Column::Key.eq(&k.key))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::IdempotencyKeyInFlight))?;
    if found.request_hash != k.request_hash {
        return Err(AppError::new(ErrorCode::IdempotencyKeyReused));
    }
    if found.status == KeyStatus::Done {
        return Ok(Begun::Replay(replay(found)));
    }
    // Committed yet not done: left by a request that died under an earlier version.
    if (now - found.updated_at).num_seconds() > ABANDONED_AFTER {
        let taken = key_row::Entity::update_many()
            .col_expr(key_row::Column::UpdatedAt, Expr::value(now))
            .filter(key_row::Column::Id.eq(found.id))
            .filter(key_row::Column::UpdatedAt.eq(found.updated_at))
            .exec(txn)
            .await?
            .rows_affected;
        if taken == 1 {
            return Ok(Begun::Fresh(Claim {
                id: found.id,
                stamp: now,
            }));
        }
    }
    Err(AppError::new(ErrorCode::IdempotencyKeyInFlight))
}

/// Records the answer, if the key is still this attempt's; answers 409 when another request took
/// it over meanwhile (the caller then rolls its effect back).
async fn record(conn: &impl ConnectionTrait, claim: &Claim, status: u16, body: &str) -> AppResult<()> {
    let recorded = key_row::Entity::update_many()
        .col_expr(key_row::Column::Status, Expr::value(KeyStatus::Done))
        .col_expr(key_row::Column::ResponseStatus, Expr::value(status as i32))
        .col_expr(key_row::Column::ResponseBody, Expr::value(body))
        .col_expr(key_row::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(key_row::Column::Id.eq(claim.id))
        .filter(key_row::Column::Status.eq(KeyStatus::InFlight))
        .filter(key_row::Column::UpdatedAt.eq(claim.stamp))
        .exec(conn)
        .await?
        .rows_affected;
    if recorded != 1 {
        return Err(AppError::new(ErrorCode::IdempotencyKeyInFlight));
    }
    Ok(())
}

/// Why one attempt failed: in the effect (a refusal may become the key's answer) or around it.
struct Failed {
    err: AppError,
    in_effect: bool,
}

/// Runs `effect` once per (caller, key), in a write transaction that also claims the key and
/// records its answer (`status` with the effect's value as JSON). An expected refusal (4xx) is
/// recorded and replayed too; an unexpected failure, or a refusal that is not replayed
/// (`ErrorCode::replayed`), leaves the key free. Without a key, the effect simply runs in a write
/// transaction. Either way a transaction the database aborted for concurrency is run again.
///
/// Crash safety: the key row is inserted, the effect done and the answer recorded in ONE
/// transaction (fresh key: BEGIN, insert key, effect, update key, COMMIT). A process that dies
/// before COMMIT leaves nothing (the database rolls the key back with the effect), so the key is
/// never held by a dead request and a retry runs afresh; after COMMIT the effect and its answer
/// exist together, so a retry replays and never doubles a point. A refusal rolls the effect back
/// and is then recorded by an insert of its own; should another attempt with the key have
/// committed in between, that attempt's answer is the key's and is the one answered.
///
/// The HTTP side: `crate::extract::IdempotencyKey` reads the header and binds it to the parsed
/// request; an [`Answer`] is a `Responder`.
pub async fn once<T: Serialize>(
    db: &DatabaseConnection,
    key: Option<&Key>,
    status: u16,
    effect: impl AsyncFn(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<Answer> {
    let fresh = |value: &T| -> AppResult<Answer> {
        Ok(Answer {
            status,
            body: serde_json::to_string(value).map_err(AppError::internal)?,
            replayed: false,
        })
    };
    let Some(key) = key else {
        return fresh(&crate::db::write(db, effect).await?);
    };
    let mut attempt = 0;
    loop {
        let txn = crate::db::begin_write(db).await?;
        let outcome: Result<Answer, Failed> = async {
            let around = |err: AppError| Failed {
                err,
                in_effect: false,
            };
            let claim = match begin(&txn, key).await.map_err(around)? {
                Begun::Fresh(claim) => claim,
                Begun::Replay(answer) => return Ok(answer),
            };
            let value = effect(&txn)
                .await
                .map_err(|err| Failed { err, in_effect: true })?;
            let answer = fresh(&value).map_err(around)?;
            record(&txn, &claim, answer.status, &answer.body)
                .await
                .map_err(around)?;
            Ok(answer)
        }
        .await;
        let failed = match outcome {
            Ok(answer) => {
                // A replay wrote nothing: ending it either way costs the same round trip.
                txn.commit().await?;
                return Ok(answer);
            }
            Err(failed) => failed,
        };
        txn.rollback().await?;
        if crate::db::is_transient(&failed.err) && attempt + 1 < crate::db::WRITE_ATTEMPTS {
            tracing::warn!(attempt, error = %failed.err, "transaction aborted by the database, trying again");
            crate::db::backoff(attempt).await;
            attempt += 1;
            continue;
        }
        if failed.in_effect && failed.err.code.replayed() {
            return refused(db, key, failed.err).await;
        }
        return Err(failed.err);
    }
}

/// After the effect refused (and was rolled back): records the refusal as the key's answer, unless
/// another attempt with the key committed its own meanwhile, which is then the answer.
async fn refused(db: &DatabaseConnection, k: &Key, err: AppError) -> AppResult<Answer> {
    let text = serde_json::to_string(&err.problem()).map_err(AppError::internal)?;
    let now = Utc::now();
    let row = key_row::ActiveModel {
        actor_id: Set(k.actor),
        key: Set(k.key.clone()),
        request_hash: Set(k.request_hash.clone()),
        status: Set(KeyStatus::Done),
        response_status: Set(Some(i32::from(err.code.status().as_u16()))),
        response_body: Set(Some(text)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = key_row::Entity::insert(row)
        .on_conflict_do_nothing_on([key_row::Column::ActorId, key_row::Column::Key])
        .exec(db)
        .await?;
    if matches!(inserted, TryInsertResult::Inserted(_)) {
        return Err(err);
    }
    let found = key_row::Entity::find()
        .filter(key_row::Column::ActorId.eq(k.actor))
        .filter(key_row::Column::Key.eq(&k.key))
        .one(db)
        .await?;
    match found {
        Some(found) if found.status == KeyStatus::Done && found.request_hash == k.request_hash => {
            Ok(replay(found))
        }
        // A row left in flight by an earlier version, or another request: this refusal stands.
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct In {
        to: i64,
        amount: i64,
    }

    #[test]
    fn the_same_request_hashes_alike_and_another_differs() {
        let a = Key::new(1, "k".into(), "POST /api/v1/transfers", &In { to: 2, amount: 5 }).unwrap();
        let b = Key::new(1, "k".into(), "POST /api/v1/transfers", &In { to: 2, amount: 5 }).unwrap();
        let other_amount =
            Key::new(1, "k".into(), "POST /api/v1/transfers", &In { to: 2, amount: 6 }).unwrap();
        let other_path = Key::new(1, "k".into(), "POST /api/v1/orders", &In { to: 2, amount: 5 }).unwrap();
        assert_eq!(a.request_hash, b.request_hash);
        assert_ne!(a.request_hash, other_amount.request_hash);
        assert_ne!(a.request_hash, other_path.request_hash);
        assert_eq!(a.request_hash.len(), 64);
    }
}
