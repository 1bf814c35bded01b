//! 群众点单: what a resident sends to place an order.

use super::proxy::OnBehalfIn;
use super::service::{self, NewOrder};
use super::view::orders_out;
use crate::api::{Id, valid_phone};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::idempotency::{self, Answer, Key};
use crate::media::attach::attach;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::media::Attachment;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 下单
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderIn {
    /// 下单区域：自己居住的社区、网格或楼栋
    pub region_id: Id,
    /// 服务项目（可选）
    pub service_item_id: Option<Id>,
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(example = "厨房下水道堵了", min_length = 1, max_length = 60)]
    pub title: String,
    #[validate(length(max = 1000, message = "描述最多 1000 个字"))]
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: String,
    #[validate(length(min = 1, max = 200, message = "地址为 1 到 200 个字"))]
    #[schema(example = "3 号楼 2 单元 502", min_length = 1, max_length = 200)]
    pub address: String,
    /// 联系电话（加密保存）
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub contact_phone: Option<String>,
    /// 希望服务的时间
    pub preferred_time: Option<DateTime<Utc>>,
    /// 照片：上传所得的 `media:{id}` 或 https:// 地址，最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
    /// 紧急程度，默认 normal；urgent 的各环节时限更短
    #[serde(default)]
    pub urgency: Option<entity::whistle::Urgency>,
    /// 轻重：micro 微事（网格解决）/ small 小事（社区解决）/ major 大事（街道解决）；可不填，由工作人员定级
    pub severity: Option<entity::problem::Severity>,
    /// 代办：工作人员替居民下单（居民仍是订单的主人，可查看和评价）
    #[validate(nested)]
    pub on_behalf_of: Option<OnBehalfIn>,
}

/// Places the order once per key: a retry with the same key and request answers the first
/// order again (replayed); without a key every call places one. The order as the resident sees it.
pub async fn place(state: &AppState, p: &Principal, key: Option<&Key>, b: PlaceOrderIn) -> AppResult<Answer> {
    crate::media::reference::check_photos("photos", &b.photos)?;
    let new = NewOrder {
        region_id: b.region_id.0,
        service_item_id: b.service_item_id.map(|i| i.0),
        title: b.title,
        description: b.description,
        address: b.address,
        contact_phone: b.contact_phone,
        preferred_time: b.preferred_time,
        photos: b.photos,
        placed_by: None,
        urgency: b.urgency.unwrap_or(entity::whistle::Urgency::Normal),
        severity: b.severity,
        problem_id: None,
        note: None,
    };
    let on_behalf = b.on_behalf_of;
    idempotency::once(&state.db, key, 201, async |txn| {
        let order = service::place(txn, state, p, new.clone(), on_behalf.as_ref()).await?;
        attach(txn, p.id(), &new.photos, Attachment::Order, order.id).await?;
        Ok(orders_out(txn, &state.pii, p.id(), vec![order]).await?.remove(0))
    })
    .await
}
