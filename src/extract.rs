//! Request extractors that answer problem+json on every kind of bad input.

mod fields;
pub mod idempotency;
pub mod upload;

pub use idempotency::{IdempotencyKey, OptionalIdempotencyKey};
pub use upload::Upload;

use crate::error::{AppError, ErrorCode, FieldError};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::Validate;

/// A JSON body, deserialised and then validated. Document it with `request_body = T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = Bytes::from_request(&req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(payload_error)?;
            decode_body(&req, &bytes).map(ApiJson)
        })
    }
}

/// The request says its body is JSON (`application/json` or `application/*+json`).
pub fn require_json(req: &HttpRequest) -> Result<(), AppError> {
    let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
        m.type_() == actix_web::mime::APPLICATION
            && (m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON))
    });
    if is_json {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail("Content-Type 必须是 application/json"))
    }
}

fn payload_error(e: actix_web::Error) -> AppError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => AppError::new(ErrorCode::PayloadTooLarge),
        _ => AppError::new(ErrorCode::BadRequest).with_detail("请求体读取失败"),
    }
}

/// A request's body, read already: no body at all counts as `{}`, so actions whose fields are
/// all optional need neither a body nor a `Content-Type` (and required fields are named as
/// missing); a body that is there must say it is JSON.
pub fn decode_body<T: DeserializeOwned + Validate>(req: &HttpRequest, bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return checked(Value::Object(Default::default()));
    }
    require_json(req)?;
    decode(bytes)
}

/// Parses and validates a JSON body, listing every bad field: shape errors (missing, unknown,
/// mistyped) and rule errors together.
pub fn decode<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    checked(parse_value(bytes)?)
}

fn checked<T: DeserializeOwned + Validate>(value: Value) -> Result<T, AppError> {
    // `null` says "no body" as the empty body does (the spec allows it where a body is optional).
    let value = if value.is_null() {
        Value::Object(Default::default())
    } else {
        value
    };
    match fields::deserialize_all::<T>(value) {
        Ok(v) => {
            v.validate()?;
            Ok(v)
        }
        Err(bad) => {
            let mut errors = bad.errors;
            // Rules over the fields that came right; a patched field's error is already listed.
            if let Some((v, patched)) = bad.patched
                && let Err(rules) = v.validate()
            {
                let under = |field: &str, p: &str| {
                    p.is_empty()
                        || field == p
                        || field
                            .strip_prefix(p)
                            .is_some_and(|rest| rest.starts_with(['.', '[']))
                };
                errors.extend(
                    AppError::from(rules)
                        .errors
                        .into_iter()
                        .filter(|e| !patched.iter().any(|p| under(&e.field, p))),
                );
            }
            Err(AppError::validation(errors))
        }
    }
}

/// Parses JSON, naming every offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    fields::deserialize_all(parse_value(bytes)?).map_err(|bad| AppError::validation(bad.errors))
}

/// Syntax only: anything that is not one JSON document is `MALFORMED_JSON`.
fn parse_value(bytes: &[u8]) -> Result<Value, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut tree = Value::deserialize(&mut de).map_err(|e| {
        AppError::new(ErrorCode::MalformedJson).with_detail(format!(
            "第 {} 行第 {} 列附近格式错误",
            e.line(),
            e.column()
        ))
    })?;
    de.end()
        .map_err(|_| AppError::new(ErrorCode::MalformedJson).with_detail("JSON 之后还有多余内容"))?;
    integral_floats(&mut tree);
    let mut nul = Vec::new();
    find_nul(&tree, "", &mut nul);
    if !nul.is_empty() {
        return Err(AppError::validation(nul));
    }
    // serde would read a struct from an array of its fields in order; no body is written so.
    if !matches!(tree, Value::Object(_) | Value::Null) || has_nested_array(&tree) {
        return Err(AppError::validation(vec![FieldError {
            field: String::new(),
            message: "请求体须为 JSON 对象".into(),
        }]));
    }
    Ok(tree)
}

/// JSON Schema's `integer` is any number without a fraction, `2.0` too: read those as integers.
fn integral_floats(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9_007_199_254_740_992.0
            {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats),
        Value::Object(map) => map.values_mut().for_each(integral_floats),
        _ => {}
    }
}

/// An array directly inside an array: what a struct written as an array looks like in a list.
fn has_nested_array(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| item.is_array() || has_nested_array(item)),
        Value::Object(map) => map.values().any(has_nested_array),
        _ => false,
    }
}

const NUL_MESSAGE: &str = "不能包含空字符（\\u0000）";

/// PostgreSQL cannot store NUL in text, so no string may hold one, whatever the backend.
fn find_nul(value: &Value, path: &str, out: &mut Vec<FieldError>) {
    let join = |key: &str| match path {
        "" => key.to_owned(),
        p => format!("{p}.{key}"),
    };
    match value {
        Value::String(s) if s.contains('\0') => out.push(FieldError {
            field: path.to_owned(),
            message: NUL_MESSAGE.into(),
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_nul(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if key.contains('\0') {
                    out.push(FieldError {
                        field: join(&key.replace('\0', "\\u0000")),
                        message: NUL_MESSAGE.into(),
                    });
                } else {
                    find_nul(item, &join(key), out);
                }
            }
        }
        _ => {}
    }
}

/// The one `{id}` of a path, as [`crate::api::parse_id`] reads it; anything else names
/// nothing that exists (404).
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl PathId {
    pub fn into_inner(self) -> i64 {
        self.0
    }
}

impl std::ops::Deref for PathId {
    type Target = i64;
    fn deref(&self) -> &i64 {
        &self.0
    }
}

impl FromRequest for PathId {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req.match_info().get("id").and_then(crate::api::parse_id);
        std::future::ready(id.map(PathId).ok_or_else(|| AppError::new(ErrorCode::NotFound)))
    }
}

/// The `{user_id}` of a path (a person the route acts on), read like [`PathId`].
#[derive(Debug, Clone, Copy)]
pub struct PathUserId(pub i64);

impl FromRequest for PathUserId {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req.match_info().get("user_id").and_then(crate::api::parse_id);
        std::future::ready(
            id.map(PathUserId)
                .ok_or_else(|| AppError::new(ErrorCode::NotFound)),
        )
    }
}

/// Query parameters, deserialised and then validated. Document it with `params(T)`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses and validates a query string: a value holding NUL or breaking a rule is
/// `VALIDATION_FAILED` naming the parameter; one of the wrong type is `INVALID_QUERY`.
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, AppError> {
    let nul: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| FieldError {
            field: k.replace('\0', "\\u0000"),
            message: NUL_MESSAGE.into(),
        })
        .collect();
    if !nul.is_empty() {
        return Err(AppError::validation(nul));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let mut err = AppError::new(ErrorCode::InvalidQuery).with_detail(e.inner().to_string());
        if field != "." {
            err.errors.push(FieldError {
                field,
                message: "类型或取值不正确".into(),
            });
        }
        err
    })?;
    value.validate()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct In {
        name: String,
        items: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        quantity: u32,
    }

    fn fields(body: &str) -> Vec<(String, ErrorCode)> {
        let err = parse_json::<In>(body.as_bytes()).unwrap_err();
        let code = err.code;
        err.errors.into_iter().map(|f| (f.field, code)).collect()
    }

    #[test]
    fn data_errors_name_the_field() {
        assert_eq!(
            fields(r#"{"items":[]}"#),
            [("name".into(), ErrorCode::ValidationFailed)]
        );
        assert_eq!(
            fields(r#"{"name":"a","items":[{"quantity":-1}]}"#),
            [("items[0].quantity".into(), ErrorCode::ValidationFailed)]
        );
        assert_eq!(
            fields(r#"{"name":"a","items":[],"x":1}"#),
            [("x".into(), ErrorCode::ValidationFailed)]
        );
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for body in [r#"{"name":"#, "nope", r#"{"name":"a","items":[]} trailing"#] {
            assert_eq!(
                parse_json::<In>(body.as_bytes()).unwrap_err().code,
                ErrorCode::MalformedJson,
                "{body}"
            );
        }
    }

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        #[validate(length(min = 1, max = 5, message = "标题为 1 到 5 个字"))]
        title: String,
        kind: Kind,
        id: crate::api::Id,
        at: Option<chrono::DateTime<chrono::Utc>>,
        #[validate(range(min = 1, max = 5, message = "评分为 1 到 5"))]
        rating: u8,
        #[validate(nested)]
        lines: Vec<Line>,
    }
    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        #[validate(range(min = 1, message = "至少 1 件"))]
        quantity: u32,
        note: Option<String>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Repair,
        Visit,
    }

    /// Every (field, message) of a refused body, sorted.
    fn all(body: &str) -> Vec<(String, String)> {
        let err = decode::<Order>(body.as_bytes()).unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationFailed, "{body}");
        let mut out: Vec<_> = err.errors.into_iter().map(|f| (f.field, f.message)).collect();
        out.sort();
        out
    }

    fn names(body: &str) -> Vec<String> {
        all(body).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn every_missing_field_is_listed() {
        assert_eq!(
            all("{}"),
            ["at", "id", "kind", "lines", "rating", "title"]
                .iter()
                .filter(|f| **f != "at")
                .map(|f| (f.to_string(), "必填".to_owned()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_listed_together() {
        let body = r#"{"title":7,"kind":"party","id":"x","at":"yesterday","rating":"5",
                      "lines":[{"quantity":-1,"colour":"red"},{"note":3}],"extra":true}"#;
        assert_eq!(
            names(body),
            [
                "at",
                "extra",
                "id",
                "kind",
                "lines[0].colour",
                "lines[0].quantity",
                "lines[1].note",
                "lines[1].quantity",
                "rating",
                "title"
            ]
        );
        let msgs = all(body);
        assert!(msgs.contains(&("extra".into(), "不支持的字段".into())));
        assert!(msgs.contains(&("lines[1].quantity".into(), "必填".into())));
        assert!(msgs.contains(&("kind".into(), "类型或取值不正确".into())));
    }

    #[test]
    fn rule_errors_of_well_formed_fields_join_the_shape_errors() {
        // `title` breaks a rule, `rating` a rule, `kind` is missing: all three at once.
        let body = r#"{"title":"far too long","id":"1","rating":9,"lines":[{"quantity":0}]}"#;
        assert_eq!(names(body), ["kind", "lines[0].quantity", "rating", "title"]);
        // A stand-in never adds a rule error of its own (the empty title, the 0 rating).
        assert_eq!(
            names(r#"{"kind":"visit","id":"1","lines":[]}"#),
            ["rating", "title"]
        );
    }

    #[test]
    fn a_good_body_and_odd_roots() {
        let ok =
            r#"{"title":"修水管","kind":"repair","id":"3","at":null,"rating":5,"lines":[{"quantity":2}]}"#;
        assert!(decode::<Order>(ok.as_bytes()).is_ok());
        for root in ["[]", "3", r#""text""#] {
            assert_eq!(names(root), [""], "{root}");
        }
        // `null` stands for no body, like an empty one.
        assert_eq!(names("null").len(), 5);
    }

    #[test]
    fn huge_bodies_stop_at_a_bounded_number_of_errors() {
        let extra: Vec<String> = (0..500).map(|i| format!(r#""x{i}":1"#)).collect();
        let body = format!("{{{}}}", extra.join(","));
        let n = names(&body).len();
        assert!((1..=32).contains(&n), "{n}");
    }
}
