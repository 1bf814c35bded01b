//! A wish as one caller sees it: names in full for the poster, staff and the claimer; the
//! resident's name masked for the neighbours who see an open wish.

use super::visibility::Standing;
use crate::api::Id;
use crate::error::AppResult;
use crate::pii::mask_name;
use chrono::{DateTime, Utc};
use entity::wish::{self, WishStatus};
use entity::{unit, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

/// 心愿
#[derive(Debug, Serialize, ToSchema)]
pub struct WishOut {
    pub id: Id,
    /// 发布所在区域（社区或网格）
    pub region_id: Id,
    /// 所在社区
    pub community_id: Id,
    pub title: String,
    pub description: String,
    /// 心愿照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Vec<crate::media::reference::PhotoRef>)]
    pub photos: Vec<String>,
    /// pending_review 待审核 / open 待认领 / rejected 未通过 / withdrawn 已撤回 / claimed 已认领 /
    /// fulfilled 已圆梦（待居民确认）/ confirmed 已确认
    pub status: WishStatus,
    /// 发布居民 id
    pub resident_id: Id,
    /// 发布居民姓名；本人、工作者与认领人看到全名，其他人看到打码姓名
    pub resident_name: String,
    /// 驳回原因
    pub reject_reason: Option<String>,
    /// 认领人 id
    pub claimer_id: Option<Id>,
    /// 认领人姓名
    pub claimer_name: Option<String>,
    /// 以驻区单位名义认领时的单位 id 与名称
    pub claimer_unit_id: Option<Id>,
    pub claimer_unit_name: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// 最近一次取消认领的原因
    pub release_reason: Option<String>,
    /// 圆梦说明
    pub fulfil_note: Option<String>,
    /// 圆梦照片：`media:{id}`（读取地址 /api/v1/media/{id}）或 https:// 地址
    #[schema(value_type = Option<crate::media::reference::PhotoRef>)]
    pub fulfil_photo: Option<String>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// 是否超时由系统自动确认
    pub auto_confirmed: bool,
    pub created_at: DateTime<Utc>,
}

/// The names a page of wishes shows: people and units, read once.
pub struct Names {
    users: Vec<user::Model>,
    units: Vec<unit::Model>,
}

impl Names {
    pub async fn of(conn: &impl ConnectionTrait, wishes: &[wish::Model]) -> AppResult<Names> {
        let people = wishes
            .iter()
            .flat_map(|w| [Some(w.resident_id), w.claimer_id])
            .flatten();
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(people))
            .all(conn)
            .await?;
        let units = unit::Entity::find()
            .filter(unit::Column::Id.is_in(wishes.iter().filter_map(|w| w.claimer_unit_id)))
            .all(conn)
            .await?;
        Ok(Names { users, units })
    }

    pub fn user(&self, id: i64) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    pub fn unit(&self, id: i64) -> Option<String> {
        self.units.iter().find(|u| u.id == id).map(|u| u.name.clone())
    }
}

/// The wish for a caller standing as `s`.
pub fn out(w: wish::Model, s: &Standing, names: &Names) -> WishOut {
    let resident = names.user(w.resident_id);
    let full = s.poster || s.staff || s.claimer;
    WishOut {
        id: Id(w.id),
        region_id: Id(w.region_id),
        community_id: Id(w.community_id),
        title: w.title,
        description: w.description,
        photos: serde_json::from_str(&w.photos).unwrap_or_default(),
        status: w.status,
        resident_id: Id(w.resident_id),
        resident_name: if full { resident } else { mask_name(&resident) },
        reject_reason: w.reject_reason,
        claimer_id: w.claimer_id.map(Id),
        claimer_name: w.claimer_id.map(|c| names.user(c)),
        claimer_unit_id: w.claimer_unit_id.map(Id),
        claimer_unit_name: w.claimer_unit_id.and_then(|u| names.unit(u)),
        claimed_at: w.claimed_at,
        release_reason: w.release_reason,
        fulfil_note: w.fulfil_note,
        fulfil_photo: w.fulfil_photo,
        fulfilled_at: w.fulfilled_at,
        confirmed_at: w.confirmed_at,
        auto_confirmed: w.auto_confirmed,
        created_at: w.created_at,
    }
}

/// One wish for a caller standing as `s`, its names read.
pub async fn one(conn: &impl ConnectionTrait, w: wish::Model, s: &Standing) -> AppResult<WishOut> {
    let names = Names::of(conn, std::slice::from_ref(&w)).await?;
    Ok(out(w, s, &names))
}
