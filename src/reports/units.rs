//! 单位报到: employer organisations report to a community; their admins and the community's
//! staff see them and the members who work there.

use super::members::{ReportOut, with_users};
use crate::api::{Id, Page, PageQuery, cut, valid_phone};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::{Pii, mask_phone};
use chrono::{DateTime, Utc};
use entity::member_report;
use entity::region::{self, RegionKind};
use entity::unit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    SqlErr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 驻区单位
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub id: Id,
    /// 报到的社区；职能部门为所在的街道或县
    pub community_id: Id,
    pub name: String,
    /// 单位类型，如 机关 / 事业单位 / 国有企业 / 非公企业 / 社会组织
    pub kind: String,
    pub contact_name: String,
    /// 联系电话（脱敏）
    pub contact_phone_masked: String,
    /// 是否为职能部门（公安、消防、城管等，设在街道或县，可被吹哨）
    pub department: bool,
    pub created_at: DateTime<Utc>,
}

impl UnitOut {
    pub fn new(u: unit::Model, pii: &Pii) -> UnitOut {
        let phone = pii
            .decrypt(&u.contact_phone_enc)
            .map(|p| mask_phone(&p))
            .unwrap_or_default();
        UnitOut {
            id: Id(u.id),
            community_id: Id(u.community_id),
            name: u.name,
            kind: u.kind,
            contact_name: u.contact_name,
            contact_phone_masked: phone,
            department: u.department,
            created_at: u.created_at,
        }
    }
}

/// 单位报到
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    #[validate(length(min = 1, max = 100, message = "单位名称为 1 到 100 个字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(min = 1, max = 32, message = "单位类型为 1 到 32 个字"))]
    #[schema(min_length = 1, max_length = 32)]
    pub kind: String,
    #[validate(length(min = 1, max = 64, message = "联系人为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub contact_name: String,
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub contact_phone: String,
}

/// Registers a unit with the community `community` (which must be one), created by `actor`.
pub async fn create(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    community: &region::Model,
    actor: i64,
    body: UnitIn,
) -> AppResult<UnitOut> {
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("单位须向社区报到"));
    }
    insert(conn, pii, community.id, actor, body, false).await
}

/// Writes a unit attached to `region_id` (its community; a department's street or county).
pub async fn insert(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    region_id: i64,
    actor: i64,
    body: UnitIn,
    department: bool,
) -> AppResult<UnitOut> {
    let created = unit::ActiveModel {
        community_id: Set(region_id),
        name: Set(body.name),
        kind: Set(body.kind),
        contact_name: Set(body.contact_name),
        contact_phone_enc: Set(pii.encrypt(&body.contact_phone)),
        created_by: Set(actor),
        created_at: Set(Utc::now()),
        department: Set(department),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(ErrorCode::UnitNameTaken),
        _ => e.into(),
    })?;
    Ok(UnitOut::new(created, pii))
}

/// Units reported to the communities under `region`, newest first.
pub async fn in_region(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    region: &region::Model,
    q: &PageQuery,
) -> AppResult<Page<UnitOut>> {
    let mut query = unit::Entity::find()
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&region.path))
        .order_by_desc(unit::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(unit::Column::Id.lt(before));
    }
    let rows = query.all(conn).await?;
    Ok(Page::from_rows(
        rows,
        q.limit(),
        |u| u.id,
        |u| UnitOut::new(u, pii),
    ))
}

/// Reports of the members who work at the unit, newest first.
pub async fn reports(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    u: &unit::Model,
    q: &PageQuery,
) -> AppResult<Page<ReportOut>> {
    let mut query = member_report::Entity::find()
        .filter(member_report::Column::UnitId.eq(u.id))
        .order_by_desc(member_report::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(member_report::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, q.limit(), |r| r.id);
    let items = with_users(conn, pii, rows).await?;
    Ok(Page { items, next_cursor })
}
