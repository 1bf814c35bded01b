//! Shapes shared by every endpoint: string ids, cursor pages.

use crate::error::{AppError, ErrorCode};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// An id on the wire: a decimal string (JavaScript numbers cannot hold every 64-bit id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub i64);

/// The spec's pattern for an id; [`parse_id`] accepts exactly these strings.
pub const ID_PATTERN: &str = "^[1-9][0-9]{0,17}$";

/// A positive decimal without sign or leading zeros, at most 18 digits (every id fits).
pub fn parse_id(s: &str) -> Option<i64> {
    let canonical =
        (1..=18).contains(&s.len()) && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| s.parse().ok()).flatten()
}

/// The schema of an id, in bodies, answers and path or query parameters alike.
pub fn id_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(ID_PATTERN))
        .examples(["42"])
        .build()
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        id_schema().into()
    }
}
impl ToSchema for Id {}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_id(&s)
            .map(Id)
            .ok_or_else(|| serde::de::Error::custom("not an id"))
    }
}

impl From<i64> for Id {
    fn from(v: i64) -> Id {
        Id(v)
    }
}

pub const MAX_LIMIT: u64 = 100;
const DEFAULT_LIMIT: u64 = 20;
/// Rows an export reads a page at a time. Clients ask for at most [`MAX_LIMIT`] (validated);
/// only an export sets a page this long, through [`Paged`].
pub const EXPORT_PAGE: u64 = 500;

/// A list query whose page an export sets: it walks the list by feeding each `next_cursor` back.
pub trait Paged {
    /// The query's `cursor` and `limit`.
    fn page_mut(&mut self) -> (&mut Option<String>, &mut Option<u64>);
}

/// `impl Paged` for query structs with `cursor` and `limit` fields.
macro_rules! paged {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::api::Paged for $t {
            fn page_mut(&mut self) -> (&mut Option<String>, &mut Option<u64>) {
                (&mut self.cursor, &mut self.limit)
            }
        }
    )+};
}
pub(crate) use paged;

paged!(PageQuery);

/// Cursor pagination: pass back `next_cursor` as `cursor` for the next page.
/// Query structs that page repeat `cursor` and `limit` with these attributes.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

impl PageQuery {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, EXPORT_PAGE)
    }

    /// Newest first: the page holds ids strictly below the cursor.
    pub fn before_id(&self) -> Result<Option<i64>, AppError> {
        match self.cursor.as_deref() {
            None | Some("") => Ok(None),
            Some(c) => c
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::new(ErrorCode::InvalidQuery).with_detail("cursor 无效")),
        }
    }
}

/// 分页列表
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// 下一页游标；为 null 表示没有更多
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// `rows` were fetched with `limit + 1`, newest first; `id` reads a row's id.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: u64,
        id: impl Fn(&R) -> i64,
        map: impl FnMut(R) -> T,
    ) -> Page<T> {
        let next_cursor = cut(&mut rows, limit, id);
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

/// Trims a `limit + 1` fetch to `limit` rows; the next cursor when there was more.
pub fn cut<R>(rows: &mut Vec<R>, limit: u64, id: impl Fn(&R) -> i64) -> Option<String> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if more {
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    }
}

/// Validator: a cursor as this server hands them out (the spec's pattern `^[0-9]{0,18}$`).
pub fn valid_cursor(cursor: &str) -> Result<(), validator::ValidationError> {
    if cursor.len() <= 18 && cursor.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("cursor")
            .with_message("cursor 无效，请原样传回 next_cursor".into()))
    }
}

/// Validator: an instant RFC 3339 can write (a four-digit year), which every backend stores.
pub fn sane_instant(at: &DateTime<Utc>) -> Result<(), validator::ValidationError> {
    if (0..=9999).contains(&at.year()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("instant")
            .with_message("时间的年份须为四位数（0000 到 9999）".into()))
    }
}

/// Validator: an 11-digit mainland mobile number.
pub fn valid_phone(phone: &str) -> Result<(), validator::ValidationError> {
    if crate::config::is_mainland_mobile(phone) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone").with_message("请输入 11 位手机号".into()))
    }
}
