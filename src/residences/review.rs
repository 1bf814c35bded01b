//! Staff's side: declarations in a region, and confirming or rejecting one.

use super::declaration;
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::export::table::{Cells, CsvRow};
use crate::pii::Pii;
use crate::state::AppState;
use crate::users::people::UserOut;
use chrono::{DateTime, Utc};
use entity::region;
use entity::residence::{self, ResidenceStatus};
use entity::role_grant::Role;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 居住地申报（社区工作者审核用）
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidenceReviewOut {
    pub id: Id,
    pub user: UserOut,
    /// 申报的网格或楼栋
    pub region_id: Id,
    pub region_name: String,
    /// 门牌地址（供社区核实）
    pub address: String,
    pub status: ResidenceStatus,
    /// 审核意见
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct ResidenceQuery {
    /// 按状态筛选，如 pending 待确认
    pub status: Option<ResidenceStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

crate::api::paged!(ResidenceQuery);

impl CsvRow for ResidenceReviewOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "申报编号",
            "申报时间",
            "居民编号",
            "居民",
            "手机号",
            "网格或楼栋编号",
            "网格或楼栋",
            "门牌地址",
            "状态",
            "审核意见",
            "审核时间",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        out.id(self.id)
            .time(self.created_at)
            .id(self.user.id)
            .text(&self.user.name)
            .opt(self.user.phone_masked.as_deref())
            .id(self.region_id)
            .text(&self.region_name)
            .text(&self.address)
            .code(&self.status)
            .opt_text(self.review_note.as_deref())
            .opt_time(self.reviewed_at);
    }
}

/// 驳回居住地申报
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceRejectIn {
    /// 驳回原因
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

async fn with_people(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    rows: Vec<(residence::Model, Option<region::Model>)>,
) -> AppResult<Vec<ResidenceReviewOut>> {
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(r, place)| ResidenceReviewOut {
            id: Id(r.id),
            user: users
                .iter()
                .find(|u| u.id == r.user_id)
                .map(|u| UserOut::new(u, pii))
                .unwrap_or_else(|| UserOut::gone(r.user_id)),
            region_id: Id(r.region_id),
            region_name: place.map(|p| p.name).unwrap_or_default(),
            address: r.address,
            status: r.status,
            review_note: r.review_note,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
        })
        .collect())
}

/// Declarations placed in `root`'s subtree, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    root: &region::Model,
    q: &ResidenceQuery,
) -> AppResult<Page<ResidenceReviewOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = residence::Entity::find()
        .find_also_related(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path))
        .order_by_desc(residence::Column::Id)
        .limit(page.limit() + 1);
    if let Some(status) = q.status {
        query = query.filter(residence::Column::Status.eq(status));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(residence::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, page.limit(), |(r, _)| r.id);
    Ok(Page {
        items: with_people(conn, pii, rows).await?,
        next_cursor,
    })
}

/// The declaration, if the caller is staff over its place (404 when they cannot see it).
pub async fn reviewable(conn: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<residence::Model> {
    let r = residence::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let place = crate::regions::tree::find(conn, r.region_id).await?;
    p.authorize(&place, &[Role::Staff])?;
    Ok(r)
}

/// Confirms or rejects a pending declaration the caller may review; answers it as it now is.
pub async fn decide(
    state: &AppState,
    p: &Principal,
    r: &residence::Model,
    to: ResidenceStatus,
    note: Option<String>,
) -> AppResult<ResidenceReviewOut> {
    let txn = crate::db::begin_write(&state.db).await?;
    declaration::review(&txn, r, p.id(), to, note).await?;
    txn.commit().await?;
    crate::auth::callers::changed(state, [r.user_id]).await;
    tracing::info!(residence_id = r.id, by = p.id(), status = ?to, "residence reviewed");
    let row = residence::Entity::find_by_id(r.id)
        .find_also_related(region::Entity)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(with_people(&state.db, &state.pii, vec![row]).await?.remove(0))
}
