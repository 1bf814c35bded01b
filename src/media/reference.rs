//! References to pictures that others will see: every photo field takes a [`PhotoRef`] (an
//! upload, `media:{id}`, or an `https://` URL).

use crate::error::{AppError, AppResult, FieldError};

/// Longest reference accepted, in characters.
pub const MAX_REFERENCE_LEN: usize = 500;

/// [`reference_problem`]'s rule as the spec states it (ECMA-262), so a client that follows the
/// spec is never refused.
pub const REFERENCE_PATTERN: &str =
    r#"^[Hh][Tt][Tt][Pp][Ss]://[^\s\x00-\x1f\x7f-\x9f"'<>\\`/?#@]+([/?#][^\s\x00-\x1f\x7f-\x9f"'<>\\`]*)?$"#;

/// The spec's pattern of an upload reference.
pub const MEDIA_PATTERN: &str = "^media:[1-9][0-9]{0,17}$";

/// One picture in a request or an answer: an upload (`media:{id}`, from `POST /api/v1/media`) or
/// an `https://` URL.
pub struct PhotoRef;

impl utoipa::PartialSchema for PhotoRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        let pattern = format!("{}|{}", &MEDIA_PATTERN, REFERENCE_PATTERN);
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_REFERENCE_LEN))
            .pattern(Some(pattern))
            .examples(["media:42"])
            .description(Some(
                "图片：上传所得的引用 `media:{id}`（先调用 POST /api/v1/media，须是本人上传、尚未用于其他对象的图片；\
                 读取地址为 /api/v1/media/{id}），或 https:// 开头的地址，1 到 500 个字符",
            ))
            .into()
    }
}
impl utoipa::ToSchema for PhotoRef {}

/// The upload a reference names (`media:{id}`), if it names one.
pub fn media_id(r: &str) -> Option<i64> {
    r.strip_prefix("media:").and_then(crate::api::parse_id)
}

/// [`reference_problem`], also accepting upload references.
pub fn photo_problem(r: &str) -> Option<&'static str> {
    if media_id(r).is_some() {
        return None;
    }
    if r.starts_with("media:") {
        return Some("上传图片的引用为 media: 加编号");
    }
    reference_problem(r).map(|_| "图片须为上传所得的 media: 引用或 https:// 地址")
}

/// Validator for one optional [`PhotoRef`] field.
pub fn valid_photo(r: &str) -> Result<(), validator::ValidationError> {
    match photo_problem(r) {
        None => Ok(()),
        Some(message) => Err(validator::ValidationError::new("reference").with_message(message.into())),
    }
}

/// Every entry of a list of [`PhotoRef`]s is one (400 naming each that is not).
pub fn check_photos(field: &str, photos: &[String]) -> AppResult<()> {
    let errors: Vec<FieldError> = photos
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            photo_problem(p).map(|message| FieldError {
                field: format!("{field}[{i}]"),
                message: message.into(),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// Why an `https://` reference is refused, in words a resident can read (`None`: accepted).
fn reference_problem(r: &str) -> Option<&'static str> {
    const BAD: &str = "图片须为 https:// 地址";
    if r.is_empty() || r.chars().count() > MAX_REFERENCE_LEN {
        return Some("图片地址为 1 到 500 个字符");
    }
    let Some(rest) = r
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &r[8..])
    else {
        return Some(BAD);
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let clean = r
        .chars()
        .all(|c| !c.is_control() && !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    if host.is_empty() || host.contains('@') || !clean {
        return Some(BAD);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_with_a_host_pass() {
        for ok in [
            "https://img.example.cn/a.jpg",
            "HTTPS://img.example.cn/a.jpg?w=200#x",
            "https://127.0.0.1:8443/p.png",
        ] {
            assert_eq!(reference_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "http://img.example.cn/a.jpg",
            "data:image/png;base64,AAAA",
            "cloud://env/a.jpg",
            "//img.example.cn/a.jpg",
            "media/1.jpg",
            "https://",
            "https:///a.jpg",
            "https://user@evil.example/a.jpg",
            "https://img.example.cn/a b.jpg",
            "https://img.example.cn/\"onerror=\"x",
            "https://img.example.cn/\n",
        ] {
            assert!(reference_problem(bad).is_some(), "{bad:?}");
        }
        assert!(reference_problem(&format!("https://a.cn/{}", "x".repeat(MAX_REFERENCE_LEN))).is_some());
        assert!(reference_problem("media:1").is_some());
    }

    #[test]
    fn photo_refs_are_uploads_or_https_urls() {
        assert_eq!(media_id("media:42"), Some(42));
        for ok in [
            "media:1",
            "media:999999999999999999",
            "https://img.example.cn/a.jpg",
        ] {
            assert_eq!(photo_problem(ok), None, "{ok}");
        }
        for bad in [
            "media:",
            "media:0",
            "media:01",
            "media:-1",
            "media:1 ",
            "MEDIA:1",
            "media:1000000000000000000",
            "http://a.cn/x",
        ] {
            assert!(photo_problem(bad).is_some(), "{bad:?}");
        }
    }
}
