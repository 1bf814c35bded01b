//! `Idempotency-Key` for point-moving calls. The key, the caller and a hash of the request are
//! recorded first; the effect and the recorded answer then commit in one transaction. The same
//! key and body replay the first answer byte for byte; another body answers 422; a duplicate
//! arriving while the first still runs waits briefly for its answer, then answers 409.

use crate::error::{AppError, AppResult, ErrorCode, FieldError, PROBLEM_JSON};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use entity::idempotency_key as key_row;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set, SqlErr};
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const HEADER: &str = "Idempotency-Key";
/// An in-flight key older than this belongs to a request that died: another may take it over.
const ABANDONED_AFTER: i64 = 60;
const WAIT_STEP: Duration = Duration::from_millis(20);
const WAIT_STEPS: usize = 150;

/// The `Idempotency-Key` header; handlers check it first, before any lookup can answer 404.
pub fn required_key(req: &HttpRequest) -> AppResult<String> {
    match req.headers().get(HEADER).map(|v| v.to_str()) {
        None => Err(AppError::new(ErrorCode::IdempotencyKeyRequired)),
        Some(Ok(k)) if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_owned())
        }
        Some(_) => Err(AppError::validation(vec![FieldError {
            field: HEADER.into(),
            message: "须为 1 到 64 个可见 ASCII 字符".into(),
        }])),
    }
}

fn answer(status: i32, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let ct = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    HttpResponse::build(status)
        .content_type(ct)
        .insert_header(("Idempotent-Replayed", "true"))
        .body(body)
}

/// This attempt's hold on a key: the row and the `updated_at` it wrote. Another request that
/// takes the key over writes a new stamp, and this attempt can then no longer record an answer.
struct Claim {
    id: i64,
    stamp: chrono::DateTime<Utc>,
}

enum Begun {
    Fresh(Claim),
    Replay(HttpResponse),
}

async fn begin(state: &AppState, actor: i64, key: &str, hash: &str) -> AppResult<Begun> {
    for _ in 0..WAIT_STEPS {
        let now = Utc::now();
        let row = key_row::ActiveModel {
            actor_id: Set(actor),
            key: Set(key.to_owned()),
            request_hash: Set(hash.to_owned()),
            status: Set("in_flight".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        match row.insert(&state.db).await {
            Ok(r) => {
                return Ok(Begun::Fresh(Claim { id: r.id, stamp: now }));
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        let found = key_row::Entity::find()
            .filter(key_row::Column::ActorId.eq(actor))
            .filter(key_row::Column::Key.eq(key))
            .one(&state.db)
            .await?;
        let Some(found) = found else { continue };
        if found.request_hash != hash {
            return Err(AppError::new(ErrorCode::IdempotencyKeyReused));
        }
        if found.status == "done" {
            return Ok(Begun::Replay(answer(
                found.response_status.unwrap_or(200),
                found.response_body.unwrap_or_default(),
            )));
        }
        if (now - found.updated_at).num_seconds() > ABANDONED_AFTER {
            let taken = key_row::Entity::update_many()
                .col_expr(key_row::Column::UpdatedAt, Expr::value(now))
                .filter(key_row::Column::Id.eq(found.id))
                .filter(key_row::Column::UpdatedAt.eq(found.updated_at))
                .exec(&state.db)
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
async fn record(
    conn: &impl sea_orm::ConnectionTrait,
    claim: &Claim,
    status: u16,
    body: &str,
) -> AppResult<()> {
    let recorded = key_row::Entity::update_many()
        .col_expr(key_row::Column::Status, Expr::value("done"))
        .col_expr(key_row::Column::ResponseStatus, Expr::value(status as i32))
        .col_expr(key_row::Column::ResponseBody, Expr::value(body))
        .col_expr(key_row::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(key_row::Column::Id.eq(claim.id))
        .filter(key_row::Column::Status.eq("in_flight"))
        .filter(key_row::Column::UpdatedAt.eq(claim.stamp))
        .exec(conn)
        .await?
        .rows_affected;
    if recorded != 1 {
        return Err(AppError::new(ErrorCode::IdempotencyKeyInFlight));
    }
    Ok(())
}

/// Runs `effect` once per (caller, key): in a write transaction that also records its answer.
/// An expected refusal (4xx) is recorded and replayed too; an unexpected failure, or a refusal
/// that is not replayed (`ErrorCode::replayed`), frees the key.
pub async fn run(
    state: &AppState,
    req: &HttpRequest,
    actor: i64,
    body: &[u8],
    effect: impl AsyncFn(&DatabaseTransaction) -> AppResult<(StatusCode, serde_json::Value)>,
) -> AppResult<HttpResponse> {
    let key = required_key(req)?;
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(body);
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let claim = match begin(state, actor, &key, &hash).await? {
        Begun::Fresh(claim) => claim,
        Begun::Replay(res) => return Ok(res),
    };
    let mut attempt = 0;
    let (txn, outcome) = loop {
        let txn = crate::db::begin_write(&state.db).await?;
        match effect(&txn).await {
            Err(e) if crate::db::is_transient(&e) && attempt + 1 < crate::db::WRITE_ATTEMPTS => {
                txn.rollback().await?;
                tracing::warn!(attempt, error = %e, "transaction aborted by the database, trying again");
                crate::db::backoff(attempt).await;
                attempt += 1;
            }
            outcome => break (txn, outcome),
        }
    };
    match outcome {
        Ok((status, value)) => {
            let text = serde_json::to_string(&value).map_err(AppError::internal)?;
            if let Err(e) = record(&txn, &claim, status.as_u16(), &text).await {
                txn.rollback().await?;
                return Err(e);
            }
            txn.commit().await?;
            Ok(HttpResponse::build(status)
                .content_type("application/json")
                .body(text))
        }
        Err(err) => {
            txn.rollback().await?;
            if err.code.replayed() {
                let text = serde_json::to_string(&err.problem()).map_err(AppError::internal)?;
                match record(&state.db, &claim, err.code.status().as_u16(), &text).await {
                    // Taken over meanwhile: the request that took it records its own answer.
                    Ok(()) => {}
                    Err(e) if e.code == ErrorCode::IdempotencyKeyInFlight => {}
                    Err(e) => return Err(e),
                }
            } else {
                key_row::Entity::delete_many()
                    .filter(key_row::Column::Id.eq(claim.id))
                    .filter(key_row::Column::UpdatedAt.eq(claim.stamp))
                    .exec(&state.db)
                    .await?;
            }
            Err(err)
        }
    }
}
