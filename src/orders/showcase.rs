//! 晒单 and 评单 statistics: public, redacted views of finished work.

use super::scope::placed_in;
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pii::{mask_name, redact_digits};
use chrono::{DateTime, Utc};
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use entity::{region, service_item, unit, user};
use sea_orm::sea_query::{Expr, Func, Order};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// 晒单：一条已完成的服务（已脱敏：无电话、无门牌、居民姓名打码）
#[derive(Debug, Serialize, ToSchema)]
pub struct ShowcaseOut {
    pub id: Id,
    pub title: String,
    /// 服务项目名称
    pub service_item: Option<String>,
    /// 服务岗位
    pub category: Option<String>,
    /// 下单所在区域名称（网格或社区）
    pub region_name: String,
    /// 居民（打码），如“张**”
    pub resident: String,
    /// 服务的党员（打码），如“李**”
    pub member: Option<String>,
    /// 计入时间银行的服务分钟数
    pub minutes: Option<i32>,
    /// 评分；自动结单为 null
    pub rating: Option<i16>,
    pub comment: Option<String>,
    /// 完成照片
    pub photos: Vec<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// 晒单: one page of the closed orders placed in region `id` or below, redacted for the public.
pub async fn showcase(conn: &impl ConnectionTrait, id: i64, q: &PageQuery) -> AppResult<Page<ShowcaseOut>> {
    let root = crate::regions::find(conn, id).await?;
    let mut query = service_order::Entity::find()
        .filter(placed_in(&root))
        .filter(service_order::Column::Status.eq(OrderStatus::Closed))
        .order_by_desc(service_order::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(service_order::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, q.limit(), |o| o.id);
    let people: Vec<i64> = rows
        .iter()
        .flat_map(|o| [Some(o.resident_id), o.assignee_id])
        .flatten()
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(people))
        .all(conn)
        .await?;
    let items = service_item::Entity::find()
        .filter(service_item::Column::Id.is_in(rows.iter().filter_map(|o| o.service_item_id)))
        .all(conn)
        .await?;
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(rows.iter().map(|o| o.origin_region_id)))
        .all(conn)
        .await?;
    let name = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let out = rows
        .into_iter()
        .map(|o| {
            let item = o.service_item_id.and_then(|i| items.iter().find(|x| x.id == i));
            ShowcaseOut {
                id: Id(o.id),
                title: redact_digits(&o.title),
                service_item: item.map(|i| i.name.clone()),
                category: item.map(|i| i.category.clone()),
                region_name: regions
                    .iter()
                    .find(|r| r.id == o.origin_region_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                resident: mask_name(&name(o.resident_id)),
                member: o.assignee_id.map(|id| mask_name(&name(id))),
                minutes: o.credited_minutes.or(o.minutes),
                rating: o.rating,
                comment: o.comment.as_deref().map(redact_digits),
                photos: serde_json::from_str(&o.completion_photos).unwrap_or_default(),
                closed_at: o.closed_at,
            }
        })
        .collect();
    Ok(Page {
        items: out,
        next_cursor,
    })
}

/// 评单统计（一名党员或一个单位）
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingStat {
    /// 党员或单位 id
    pub id: Id,
    /// 单位名称；党员姓名（未登录或非本区域工作人员看到的是打码姓名，如“吴**”）
    pub name: String,
    /// 完成的订单数
    pub orders: i64,
    /// 其中有评分的订单数
    pub rated: i64,
    /// 平均评分（保留两位小数）；没有评分为 null
    pub average_rating: Option<f64>,
    /// 计入时间银行的服务总分钟数
    pub minutes: i64,
}

/// 区域评单汇总
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingSummary {
    /// 已结单的订单数
    pub orders: i64,
    /// 其中有评分的订单数
    pub rated: i64,
    /// 平均评分（保留两位小数）；没有评分为 null
    pub average_rating: Option<f64>,
    /// 计入时间银行的服务总分钟数
    pub minutes: i64,
}

/// 评单统计：区域汇总与一页排名
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingStatsOut {
    pub summary: RatingSummary,
    /// 本页的党员或单位，平均评分高者在前，同分时完成订单多者在前
    pub items: Vec<RatingStat>,
    /// 下一页游标（不透明字符串）；为 null 表示没有更多
    pub next_cursor: Option<String>,
}

/// 排名对象
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatedBy {
    /// 党员
    #[default]
    Member,
    /// 驻区单位
    Unit,
}

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
pub struct RatingsQuery {
    /// 按党员（member，默认）或驻区单位（unit）排名
    pub by: Option<RatedBy>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// A ranking row: orders, rated, rating sum, minutes, then the member's or unit's id.
type Row = (i64, i64, Option<i64>, Option<i64>, Option<i64>);

/// Minutes credited; orders closed before credits were kept count what was reported.
fn credited() -> Expr {
    Expr::from(Func::coalesce([
        Expr::col(service_order::Column::CreditedMinutes),
        Expr::col(service_order::Column::Minutes),
    ]))
}

fn average(rated: i64, sum: Option<i64>) -> Option<f64> {
    (rated > 0).then(|| (sum.unwrap_or(0) as f64 * 100.0 / rated as f64).round() / 100.0)
}

/// 评单统计 of region `id`; member names in full only for the region's staff.
pub async fn ratings(
    conn: &impl ConnectionTrait,
    p: Option<&Principal>,
    id: i64,
    q: &RatingsQuery,
) -> AppResult<RatingStatsOut> {
    let root = crate::regions::find(conn, id).await?;
    let full_names = p.is_some_and(|p| p.covers(&root.path, &[Role::Staff]));
    rating_stats(conn, &root, q, full_names).await
}

/// The ratings of closed orders placed under `root`: the summary and one page of the ranking.
/// Member names are shown in full only when `full_names`.
pub async fn rating_stats(
    db: &impl ConnectionTrait,
    root: &region::Model,
    q: &RatingsQuery,
    full_names: bool,
) -> AppResult<RatingStatsOut> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let offset = match page.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<u64>()
            .ok()
            .ok_or_else(|| AppError::new(ErrorCode::InvalidQuery).with_detail("cursor 无效"))?,
    };
    let closed = || {
        service_order::Entity::find()
            .select_only()
            .filter(placed_in(root))
            .filter(service_order::Column::Status.eq(OrderStatus::Closed))
            .column_as(service_order::Column::Id.count(), "orders")
            .column_as(service_order::Column::Rating.count(), "rated")
            .column_as(service_order::Column::Rating.sum(), "rating_sum")
            .column_as(Expr::from(Func::sum(credited())), "minutes")
    };
    let (orders, rated, sum, minutes) = closed()
        .into_tuple::<(i64, i64, Option<i64>, Option<i64>)>()
        .one(db)
        .await?
        .unwrap_or_default();
    let summary = RatingSummary {
        orders,
        rated,
        average_rating: average(rated, sum),
        minutes: minutes.unwrap_or(0),
    };
    let by = match q.by.unwrap_or_default() {
        RatedBy::Member => service_order::Column::AssigneeId,
        RatedBy::Unit => service_order::Column::UnitId,
    };
    let limit = page.limit();
    let mut rows = closed()
        .column_as(by, "by_id")
        .filter(by.is_not_null())
        .group_by(by)
        .order_by(
            Expr::cust("COALESCE(SUM(rating) * 1.0 / NULLIF(COUNT(rating), 0), 0)"),
            Order::Desc,
        )
        .order_by(Expr::cust("COUNT(id)"), Order::Desc)
        .order_by(by, Order::Asc)
        .offset(offset)
        .limit(limit + 1)
        .into_tuple::<Row>()
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let ids = rows.iter().filter_map(|r| r.4);
    let names: Vec<(i64, String)> = match q.by.unwrap_or_default() {
        RatedBy::Member => user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, if full_names { u.name } else { mask_name(&u.name) }))
            .collect(),
        RatedBy::Unit => unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect(),
    };
    let items = rows
        .into_iter()
        .map(|(orders, rated, sum, minutes, id)| RatingStat {
            id: Id(id.unwrap_or_default()),
            name: names
                .iter()
                .find(|(n, _)| Some(*n) == id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
            orders,
            rated,
            average_rating: average(rated, sum),
            minutes: minutes.unwrap_or(0),
        })
        .collect();
    Ok(RatingStatsOut {
        summary,
        items,
        next_cursor: more.then(|| (offset + limit).to_string()),
    })
}
