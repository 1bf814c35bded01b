//! 服务项目: each community's catalogue of services residents may order.

use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::service_item;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 服务项目
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItemOut {
    pub id: Id,
    pub community_id: Id,
    pub name: String,
    /// 服务岗位，如 便民服务 / 政策宣传 / 洁净家园 / 矛盾调解
    pub category: String,
    pub description: String,
    /// 完成后奖励的绿币
    pub coins: i32,
    /// 最多计入的服务分钟数
    pub max_minutes: i32,
    /// 是否可下单
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<service_item::Model> for ServiceItemOut {
    fn from(i: service_item::Model) -> Self {
        ServiceItemOut {
            id: Id(i.id),
            community_id: Id(i.community_id),
            name: i.name,
            category: i.category,
            description: i.description,
            coins: i.coins,
            max_minutes: i.max_minutes,
            active: i.active,
            updated_at: i.updated_at,
        }
    }
}

/// 新建服务项目
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemIn {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(example = "疏通下水道", min_length = 1, max_length = 64)]
    pub name: String,
    #[validate(length(min = 1, max = 32, message = "岗位为 1 到 32 个字"))]
    #[schema(example = "便民服务", min_length = 1, max_length = 32)]
    pub category: String,
    #[validate(length(max = 1000, message = "说明最多 1000 个字"))]
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: String,
    #[validate(range(min = 0, max = 10000, message = "绿币为 0 到 10000"))]
    #[schema(example = 10, minimum = 0, maximum = 10000)]
    pub coins: i32,
    #[validate(range(min = 1, max = 1440, message = "分钟数为 1 到 1440"))]
    #[schema(example = 60, minimum = 1, maximum = 1440)]
    pub max_minutes: i32,
}

fn name_taken(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::ServiceItemNameTaken),
        _ => e.into(),
    }
}

/// Adds an item to a community's catalogue.
pub async fn create(
    conn: &impl ConnectionTrait,
    community: &region::Model,
    b: ServiceItemIn,
) -> AppResult<ServiceItemOut> {
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("服务项目属于社区"));
    }
    let now = Utc::now();
    let item = service_item::ActiveModel {
        community_id: Set(community.id),
        name: Set(b.name),
        category: Set(b.category),
        description: Set(b.description),
        coins: Set(b.coins),
        max_minutes: Set(b.max_minutes),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(name_taken)?;
    Ok(item.into())
}

/// The catalogue of the community the region `id` lies in: staff see every item, others the
/// active ones.
pub async fn catalogue(
    conn: &impl ConnectionTrait,
    p: &Principal,
    community: &region::Model,
) -> AppResult<Vec<ServiceItemOut>> {
    let staff = p.covers(&community.path, &[Role::Staff]);
    let mut q = service_item::Entity::find()
        .filter(service_item::Column::CommunityId.eq(community.id))
        .order_by_asc(service_item::Column::Category)
        .order_by_asc(service_item::Column::Id);
    if !staff {
        q = q.filter(service_item::Column::Active.eq(true));
    }
    Ok(q.all(conn).await?.into_iter().map(Into::into).collect())
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<service_item::Model> {
    service_item::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// 修改服务项目
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemPatch {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 32, message = "岗位为 1 到 32 个字"))]
    #[schema(min_length = 1, max_length = 32)]
    pub category: Option<String>,
    #[validate(length(max = 1000, message = "说明最多 1000 个字"))]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[validate(range(min = 0, max = 10000, message = "绿币为 0 到 10000"))]
    #[schema(minimum = 0, maximum = 10000)]
    pub coins: Option<i32>,
    #[validate(range(min = 1, max = 1440, message = "分钟数为 1 到 1440"))]
    #[schema(minimum = 1, maximum = 1440)]
    pub max_minutes: Option<i32>,
    /// 停用后不能再下单（已下的单不受影响）
    pub active: Option<bool>,
}

/// Changes the fields the patch names.
pub async fn update(
    conn: &impl ConnectionTrait,
    item: service_item::Model,
    b: ServiceItemPatch,
) -> AppResult<ServiceItemOut> {
    let mut a: service_item::ActiveModel = item.into();
    if let Some(v) = b.name {
        a.name = Set(v);
    }
    if let Some(v) = b.category {
        a.category = Set(v);
    }
    if let Some(v) = b.description {
        a.description = Set(v);
    }
    if let Some(v) = b.coins {
        a.coins = Set(v);
    }
    if let Some(v) = b.max_minutes {
        a.max_minutes = Set(v);
    }
    if let Some(v) = b.active {
        a.active = Set(v);
    }
    a.updated_at = Set(Utc::now());
    Ok(a.update(conn).await.map_err(name_taken)?.into())
}
