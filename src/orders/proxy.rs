//! 代办: staff or grid workers place an order for a resident without a phone of their own (or
//! without the mini-program). The resident owns the order, sees it and rates it later; the
//! timeline's first event names the staff member who placed it (`proxy_submit`).

use crate::api::{Id, valid_phone};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::Pii;
use chrono::Utc;
use entity::region;
use entity::residence::{self, ResidenceStatus};
use entity::role_grant::{self, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 代办：替哪位居民下单。给出 user_id（本辖区已确认居住的居民），或 phone 与 name（找不到该手机号时
/// 按此登记新居民，居住地为下单区域、由你确认）
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnBehalfIn {
    pub user_id: Option<Id>,
    /// 居民手机号
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub phone: Option<String>,
    /// 居民姓名（按手机号登记新居民时必填）
    #[validate(length(min = 1, max = 32, message = "姓名为 1 到 32 个字"))]
    #[schema(min_length = 1, max_length = 32)]
    pub name: Option<String>,
}

/// The resident an order placed by `staff` at `target` is for: one who lives where the caller is
/// staff, found by id or phone, or a person new to linli entered by phone and name, whose
/// residence at `target` the caller thereby confirms.
pub async fn resident_for(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    staff: &Principal,
    target: &region::Model,
    who: &OnBehalfIn,
    address: &str,
) -> AppResult<i64> {
    if !staff.covers(&target.path, &[Role::Staff]) {
        return Err(
            AppError::new(ErrorCode::Forbidden).with_detail("只有该区域的社区工作者或网格员可以代办下单")
        );
    }
    let found = match (&who.user_id, &who.phone) {
        (Some(id), None) => Some(
            entity::user::Entity::find_by_id(id.0)
                .one(conn)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::UserNotFound))?,
        ),
        (None, Some(phone)) => crate::users::people::find_by_phone(conn, pii, phone).await?,
        _ => {
            return Err(AppError::new(ErrorCode::ResidentNotInRegion)
                .with_detail("请给出 user_id，或 phone 与 name 之一组"));
        }
    };
    if let Some(user) = found {
        if lives_under_staff(conn, staff, user.id).await? {
            return Ok(user.id);
        }
        return Err(AppError::new(ErrorCode::ResidentNotInRegion));
    }
    let (Some(phone), Some(name)) = (&who.phone, &who.name) else {
        return Err(
            AppError::new(ErrorCode::ResidentNotInRegion).with_detail("该手机号尚未登记，请同时填写居民姓名")
        );
    };
    let user = crate::users::people::ensure_by_phone(conn, pii, phone, name).await?;
    let now = Utc::now();
    residence::ActiveModel {
        user_id: Set(user.id),
        region_id: Set(target.id),
        address: Set(address.to_owned()),
        status: Set(ResidenceStatus::Confirmed),
        review_note: Set(Some("工作人员代办下单时登记".into())),
        reviewed_by: Set(Some(staff.id())),
        reviewed_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    crate::regions::tree::ensure_grant(conn, user.id, target.id, Role::Resident, None, staff.id()).await?;
    Ok(user.id)
}

/// Whether the user has a confirmed residence (a `resident` grant) where `staff` is staff.
async fn lives_under_staff(conn: &impl ConnectionTrait, staff: &Principal, user_id: i64) -> AppResult<bool> {
    let homes = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(user_id))
        .filter(role_grant::Column::Role.eq(Role::Resident))
        .find_also_related(region::Entity)
        .all(conn)
        .await?;
    Ok(homes
        .iter()
        .filter_map(|(_, r)| r.as_ref())
        .any(|r| staff.covers(&r.path, &[Role::Staff])))
}
