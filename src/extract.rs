//! Request extractors that answer problem+json on every kind of bad input.

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
        let json = require_json(req);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            json?;
            let bytes = body.await.map_err(payload_error)?;
            decode(&bytes).map(ApiJson)
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

/// Parses and validates a JSON body already read (for handlers that must look before parsing).
pub fn decode<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    let value: T = parse_json(bytes)?;
    value.validate()?;
    Ok(value)
}

/// Parses JSON, naming the offending field when the shape is wrong or a string holds NUL.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
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
    serde_path_to_error::deserialize(tree).map_err(|e| {
        let path = e.path().to_string();
        AppError::validation(vec![data_error(&path, e.inner())])
    })
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

fn data_error(path: &str, err: &serde_json::Error) -> FieldError {
    let msg = err.to_string();
    let join = |name: &str| match path {
        "." | "" => name.to_owned(),
        p => format!("{p}.{name}"),
    };
    let quoted = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(|s| s.to_owned())
    };
    if let Some(name) = quoted("missing field `") {
        FieldError {
            field: join(&name),
            message: "必填".into(),
        }
    } else if let Some(name) = quoted("unknown field `") {
        // The path already ends at the unknown field.
        let field = if path == "." { name } else { path.to_owned() };
        FieldError {
            field,
            message: "不支持的字段".into(),
        }
    } else {
        let field = if path == "." {
            String::new()
        } else {
            path.to_owned()
        };
        FieldError {
            field,
            message: "类型或取值不正确".into(),
        }
    }
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
}
