//! Request extractors that answer problem+json on every kind of bad input.

use crate::error::{AppError, ErrorCode, FieldError};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
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

/// Parses JSON, naming the offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => AppError::validation(vec![data_error(&path, &inner)]),
            _ => AppError::new(ErrorCode::MalformedJson).with_detail(format!(
                "第 {} 行第 {} 列附近格式错误",
                inner.line(),
                inner.column()
            )),
        }
    })?;
    de.end()
        .map_err(|_| AppError::new(ErrorCode::MalformedJson).with_detail("JSON 之后还有多余内容"))?;
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
