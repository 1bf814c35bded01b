//! The HTTP side of [`crate::idempotency`]: the `Idempotency-Key` header, bound to the parsed
//! request, and the answer sent back (with `Idempotent-Replayed: true` when it is a replay).

use crate::error::{AppError, AppResult, ErrorCode, FieldError, PROBLEM_JSON};
use crate::idempotency::{Answer, HEADER, Key};
use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use std::future::{Ready, ready};

/// The header's value if sent: 1–64 visible ASCII characters, anything else is refused.
pub fn header_key(req: &HttpRequest) -> AppResult<Option<String>> {
    match req.headers().get(HEADER).map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(k)) if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        Some(_) => Err(AppError::validation(vec![FieldError {
            field: HEADER.into(),
            message: "须为 1 到 64 个可见 ASCII 字符".into(),
        }])),
    }
}

/// A required `Idempotency-Key` (400 `IDEMPOTENCY_KEY_REQUIRED` without one). Declare it before
/// the body, so a missing key is reported before anything is looked up.
#[derive(Debug)]
pub struct IdempotencyKey {
    key: String,
    operation: String,
}

impl IdempotencyKey {
    /// The key of `actor` for this request, whose parsed body is `input`.
    pub fn bind(self, actor: i64, input: &impl Serialize) -> AppResult<Key> {
        Key::new(actor, self.key, &self.operation, input)
    }
}

fn operation(req: &HttpRequest) -> String {
    format!("{} {}", req.method(), req.path())
}

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(header_key(req).and_then(|key| {
            let key = key.ok_or_else(|| AppError::new(ErrorCode::IdempotencyKeyRequired))?;
            Ok(IdempotencyKey {
                key,
                operation: operation(req),
            })
        }))
    }
}

/// An optional `Idempotency-Key`: absent is fine, malformed is refused.
#[derive(Debug)]
pub struct OptionalIdempotencyKey(Option<IdempotencyKey>);

impl OptionalIdempotencyKey {
    pub fn bind(self, actor: i64, input: &impl Serialize) -> AppResult<Option<Key>> {
        self.0.map(|k| k.bind(actor, input)).transpose()
    }
}

impl FromRequest for OptionalIdempotencyKey {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(header_key(req).map(|key| {
            OptionalIdempotencyKey(key.map(|key| IdempotencyKey {
                key,
                operation: operation(req),
            }))
        }))
    }
}

/// The answer as sent: JSON for success, problem+json for a recorded refusal.
pub fn respond(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    let mut res = HttpResponse::build(status);
    res.content_type(content_type);
    if answer.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.body(answer.body)
}

impl Responder for Answer {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        respond(self)
    }
}
