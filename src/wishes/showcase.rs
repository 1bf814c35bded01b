//! 心愿晒单: fulfilled wishes shown to the public, redacted as the order showcase is (names
//! masked, digits in free text hidden, only the fulfilment photo).

use super::listing::posted_under;
use super::view::Names;
use crate::api::{Id, Page, PageQuery, cut};
use crate::error::AppResult;
use crate::pii::{mask_name, redact_digits};
use chrono::{DateTime, Utc};
use entity::region;
use entity::wish::{self, WishStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

/// 晒单：一个已圆梦的心愿（已脱敏）
#[derive(Debug, Serialize, ToSchema)]
pub struct WishShowcaseOut {
    pub id: Id,
    /// 固定为 wish，便于与订单晒单合并展示
    #[schema(example = "wish")]
    pub kind: &'static str,
    pub title: String,
    /// 发布所在区域名称（网格或社区）
    pub region_name: String,
    /// 居民（打码），如“张**”
    pub resident: String,
    /// 圆梦的党员（打码），如“李**”
    pub member: Option<String>,
    /// 以单位名义认领时的驻区单位名称
    pub unit: Option<String>,
    /// 圆梦说明
    pub note: Option<String>,
    /// 圆梦照片：`media:{id}`（任何人可读 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

/// One page of the wishes fulfilled in region `id` or below, newest first, redacted.
pub async fn showcase(
    conn: &impl ConnectionTrait,
    id: i64,
    q: &PageQuery,
) -> AppResult<Page<WishShowcaseOut>> {
    let root = crate::regions::find(conn, id).await?;
    let mut query = wish::Entity::find()
        .filter(posted_under(&root))
        .filter(wish::Column::Status.is_in([WishStatus::Fulfilled, WishStatus::Confirmed]))
        .order_by_desc(wish::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(wish::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, q.limit(), |w| w.id);
    let names = Names::of(conn, &rows).await?;
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(rows.iter().map(|w| w.region_id)))
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|w| WishShowcaseOut {
            id: Id(w.id),
            kind: "wish",
            title: redact_digits(&w.title),
            region_name: regions
                .iter()
                .find(|r| r.id == w.region_id)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            resident: mask_name(&names.user(w.resident_id)),
            member: w.claimer_id.map(|c| mask_name(&names.user(c))),
            unit: w.claimer_unit_id.and_then(|u| names.unit(u)),
            note: w.fulfil_note.as_deref().map(redact_digits),
            photos: w.fulfil_photo.into_iter().collect(),
            fulfilled_at: w.fulfilled_at,
        })
        .collect();
    Ok(Page { items, next_cursor })
}
