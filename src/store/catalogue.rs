//! Stores: staff of a community open and run them; everyone who belongs to the community sees
//! the active ones.

use crate::api::Id;
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::store;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 爱心超市
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreOut {
    pub id: Id,
    /// 所属社区 id
    pub community_id: Id,
    pub name: String,
    /// 地址
    pub address: String,
    /// 营业时间，如 “周一至周五 9:00-17:00”
    pub opening_hours: String,
    /// 是否开放兑换
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<store::Model> for StoreOut {
    fn from(s: store::Model) -> Self {
        StoreOut {
            id: Id(s.id),
            community_id: Id(s.community_id),
            name: s.name,
            address: s.address,
            opening_hours: s.opening_hours,
            active: s.active,
            updated_at: s.updated_at,
        }
    }
}

/// 新建爱心超市
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreIn {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(example = "和平社区爱心超市", min_length = 1, max_length = 64)]
    pub name: String,
    #[validate(length(max = 200, message = "地址最多 200 个字"))]
    #[serde(default)]
    #[schema(example = "和平社区党群服务中心一楼", max_length = 200)]
    pub address: String,
    #[validate(length(max = 100, message = "营业时间最多 100 个字"))]
    #[serde(default)]
    #[schema(example = "周一至周六 9:00-17:00", max_length = 100)]
    pub opening_hours: String,
}

/// 修改爱心超市
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorePatch {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[validate(length(max = 200, message = "地址最多 200 个字"))]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    #[validate(length(max = 100, message = "营业时间最多 100 个字"))]
    #[schema(max_length = 100)]
    pub opening_hours: Option<String>,
    /// 暂停后不能新兑换；已有的兑换仍可取货或取消
    pub active: Option<bool>,
}

/// A unique name taken: `code`; any other failure as it is.
pub(super) fn taken(code: ErrorCode) -> impl Fn(sea_orm::DbErr) -> AppError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(code),
        _ => e.into(),
    }
}

/// Opens a store in a community (and nowhere else).
pub async fn open(
    conn: &impl ConnectionTrait,
    community: &region::Model,
    b: StoreIn,
) -> AppResult<store::Model> {
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("爱心超市属于社区"));
    }
    let now = Utc::now();
    store::ActiveModel {
        community_id: Set(community.id),
        name: Set(b.name),
        address: Set(b.address),
        opening_hours: Set(b.opening_hours),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(taken(ErrorCode::StoreNameTaken))
}

/// The stores of the community `region_id` lies in: residents see the open ones, staff all.
pub async fn list(
    conn: &impl ConnectionTrait,
    p: &Principal,
    community: &region::Model,
) -> AppResult<Vec<StoreOut>> {
    let mut q = store::Entity::find()
        .filter(store::Column::CommunityId.eq(community.id))
        .order_by_asc(store::Column::Id);
    if !p.covers(&community.path, &[Role::Staff]) {
        q = q.filter(store::Column::Active.eq(true));
    }
    Ok(q.all(conn).await?.into_iter().map(Into::into).collect())
}

/// Changes what the patch names.
pub async fn amend(conn: &impl ConnectionTrait, s: store::Model, b: StorePatch) -> AppResult<StoreOut> {
    let mut a: store::ActiveModel = s.into();
    if let Some(v) = b.name {
        a.name = Set(v);
    }
    if let Some(v) = b.address {
        a.address = Set(v);
    }
    if let Some(v) = b.opening_hours {
        a.opening_hours = Set(v);
    }
    if let Some(v) = b.active {
        a.active = Set(v);
    }
    a.updated_at = Set(Utc::now());
    let s = a.update(conn).await.map_err(taken(ErrorCode::StoreNameTaken))?;
    Ok(s.into())
}
