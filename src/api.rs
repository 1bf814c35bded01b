//! Shapes shared by every endpoint: string ids, cursor pages.

use crate::error::{AppError, ErrorCode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

/// An id on the wire: a decimal string (JavaScript numbers cannot hold every 64-bit id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ToSchema)]
#[schema(value_type = String, example = "42")]
pub struct Id(pub i64);

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
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

/// Cursor pagination: pass back `next_cursor` as `cursor` for the next page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 上一页返回的 next_cursor；首页不传
    pub cursor: Option<String>,
    /// 每页条数，默认 20，最大 100
    pub limit: Option<u64>,
}

impl PageQuery {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
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

/// Validator: an 11-digit mainland mobile number.
pub fn valid_phone(phone: &str) -> Result<(), validator::ValidationError> {
    if crate::config::is_mainland_mobile(phone) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone").with_message("请输入 11 位手机号".into()))
    }
}
