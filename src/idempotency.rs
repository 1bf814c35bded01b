//! Exactly-once effects for requests the client may retry (point moves, redemptions, orders).
//!
//! The caller's key and a hash of the request are recorded first; the effect and its recorded
//! answer then commit in one transaction. The same key and request replay the first answer byte
//! for byte; the same key with another request answers 422; a duplicate arriving while the first
//! still runs waits briefly for its answer, then answers 409. This module knows no HTTP: the
//! header and the response live in [`crate::extract::idempotency`].

use crate::error::{AppError, AppResult, ErrorCode};
use chrono::Utc;
use entity::idempotency_key::{self as key_row, KeyStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, SqlErr,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The header that carries the key.
pub const HEADER: &str = "Idempotency-Key";
/// An in-flight key older than this belongs to a request that died: another may take it over.
const ABANDONED_AFTER: i64 = 60;
const WAIT_STEP: Duration = Duration::from_millis(20);
const WAIT_STEPS: usize = 150;

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

async fn begin(db: &DatabaseConnection, k: &Key) -> AppResult<Begun> {
    for _ in 0..WAIT_STEPS {
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
        match row.insert(db).await {
            Ok(r) => return Ok(Begun::Fresh(Claim { id: r.id, stamp: now })),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        let found = key_row::Entity::find()
            .filter(key_row::Column::ActorId.eq(k.actor))
            .filter(key_row::Column::Key.eq(&k.key))
            .one(db)
            .await?;
        let Some(found) = found else { continue };
        if found.request_hash != k.request_hash {
            return Err(AppError::new(ErrorCode::IdempotencyKeyReused));
        }
        if found.status == KeyStatus::Done {
            return Ok(Begun::Replay(Answer {
                status: found.response_status.map_or(200, |s| s as u16),
                body: found.response_body.unwrap_or_default(),
                replayed: true,
            }));
        }
        if (now - found.updated_at).num_seconds() > ABANDONED_AFTER {
            let taken = key_row::Entity::update_many()
                .col_expr(key_row::Column::UpdatedAt, Expr::value(now))
                .filter(key_row::Column::Id.eq(found.id))
                .filter(key_row::Column::UpdatedAt.eq(found.updated_at))
                .exec(db)
                .await?
                .rows_affected;
            if taken == 1 {
                return Ok(Begun::Fresh(Claim {
                    id: found.id,
                    stamp: now,
                }));
            }
        }
        tokio::time::sleep(WAIT_STEP).await;
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

/// Runs `effect` once per (caller, key), in a write transaction that also records its answer
/// (`status` with the effect's value as JSON). An expected refusal (4xx) is recorded and replayed
/// too; an unexpected failure, or a refusal that is not replayed (`ErrorCode::replayed`), frees
/// the key. Without a key, the effect simply runs in a write transaction. Either way a
/// transaction the database aborted for concurrency is run again ([`crate::db::write`]).
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
    let claim = match begin(db, key).await? {
        Begun::Fresh(claim) => claim,
        Begun::Replay(answer) => return Ok(answer),
    };
    match crate::db::attempt_write(db, effect).await {
        Ok((txn, value)) => {
            let answer = fresh(&value)?;
            if let Err(e) = record(&txn, &claim, answer.status, &answer.body).await {
                txn.rollback().await?;
                return Err(e);
            }
            txn.commit().await?;
            Ok(answer)
        }
        Err(err) => {
            release(db, &claim, &err).await?;
            Err(err)
        }
    }
}

/// After a failed effect: records a replayable refusal as the key's answer, or frees the key.
async fn release(db: &DatabaseConnection, claim: &Claim, err: &AppError) -> AppResult<()> {
    if err.code.replayed() {
        let text = serde_json::to_string(&err.problem()).map_err(AppError::internal)?;
        match record(db, claim, err.code.status().as_u16(), &text).await {
            // Taken over meanwhile: the request that took it records its own answer.
            Err(e) if e.code == ErrorCode::IdempotencyKeyInFlight => Ok(()),
            other => other,
        }
    } else {
        key_row::Entity::delete_many()
            .filter(key_row::Column::Id.eq(claim.id))
            .filter(key_row::Column::UpdatedAt.eq(claim.stamp))
            .exec(db)
            .await?;
        Ok(())
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
