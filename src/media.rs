//! References to pictures that others will see (order photos, goods pictures). One check for
//! all of them: today only `https://` URLs; server-issued media ids join here with uploads.

/// Longest reference accepted, in characters.
pub const MAX_REFERENCE_LEN: usize = 500;

/// [`reference_problem`]'s rule as the spec states it (ECMA-262), so a client that follows the
/// spec is never refused.
pub const REFERENCE_PATTERN: &str =
    r#"^[Hh][Tt][Tt][Pp][Ss]://[^\s\x00-\x1f\x7f-\x9f"'<>\\`/?#@]+([/?#][^\s\x00-\x1f\x7f-\x9f"'<>\\`]*)?$"#;

/// One picture reference in a request: an `https://` URL, 1 to 500 characters.
pub struct Reference;

impl utoipa::PartialSchema for Reference {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_REFERENCE_LEN))
            .pattern(Some(REFERENCE_PATTERN))
            .description(Some("图片地址：https:// 开头，1 到 500 个字符"))
            .into()
    }
}
impl utoipa::ToSchema for Reference {}

/// Why a reference is refused, in words a resident can read (`None`: accepted).
pub fn reference_problem(r: &str) -> Option<&'static str> {
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

/// Validator for one optional reference field.
pub fn valid_reference(r: &str) -> Result<(), validator::ValidationError> {
    match reference_problem(r) {
        None => Ok(()),
        Some(message) => Err(validator::ValidationError::new("reference").with_message(message.into())),
    }
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
    }
}
