//! 晒单 and 评单 statistics: public, redacted views of finished work.

use crate::api::{Id, Page, PageQuery, cut};
use crate::error::{AppResult, Problem};
use crate::extract::{ApiQuery, PathId};
use crate::pii::{mask_name, redact_digits};
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use entity::service_order::{self, OrderStatus};
use entity::{region, service_item, unit, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

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
    /// 服务的党员
    pub member: Option<String>,
    /// 服务分钟数
    pub minutes: Option<i32>,
    /// 评分；自动结单为 null
    pub rating: Option<i16>,
    pub comment: Option<String>,
    /// 完成照片
    pub photos: Vec<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The public feed of finished work in a region, newest first.
#[utoipa::path(
    tag = "晒单",
    params(("id" = String, Path, description = "区域 id"), PageQuery),
    responses(
        (status = 200, description = "晒单列表（无需登录）", body = Page<ShowcaseOut>),
        (status = 404, description = "区域不存在", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{id}/showcase")]
pub async fn showcase(
    state: web::Data<AppState>,
    id: PathId,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<ShowcaseOut>>> {
    let root = crate::regions::find(&state.db, id.into_inner()).await?;
    let mut query = service_order::Entity::find()
        .filter(super::placed_in(&root))
        .filter(service_order::Column::Status.eq(OrderStatus::Closed))
        .order_by_desc(service_order::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(service_order::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, q.limit(), |o| o.id);
    let people: Vec<i64> = rows
        .iter()
        .flat_map(|o| [Some(o.resident_id), o.assignee_id])
        .flatten()
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(people))
        .all(&state.db)
        .await?;
    let items = service_item::Entity::find()
        .filter(service_item::Column::Id.is_in(rows.iter().filter_map(|o| o.service_item_id)))
        .all(&state.db)
        .await?;
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(rows.iter().map(|o| o.origin_region_id)))
        .all(&state.db)
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
                member: o.assignee_id.map(name),
                minutes: o.minutes,
                rating: o.rating,
                comment: o.comment.as_deref().map(redact_digits),
                photos: serde_json::from_str(&o.completion_photos).unwrap_or_default(),
                closed_at: o.closed_at,
            }
        })
        .collect();
    Ok(web::Json(Page {
        items: out,
        next_cursor,
    }))
}

/// 评单统计（一名党员或一个单位）
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingStat {
    /// 党员或单位 id
    pub id: Id,
    pub name: String,
    /// 完成的订单数
    pub orders: i64,
    /// 其中有评分的订单数
    pub rated: i64,
    /// 平均评分（保留两位小数）；没有评分为 null
    pub average_rating: Option<f64>,
    /// 服务总分钟数
    pub minutes: i64,
}

/// 评单统计
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingStatsOut {
    pub members: Vec<RatingStat>,
    pub units: Vec<RatingStat>,
}

type Row = (Option<i64>, i64, i64, Option<i64>, Option<i64>);

/// Ratings of finished work in a region, per member and per unit, best first.
#[utoipa::path(
    tag = "晒单",
    params(("id" = String, Path, description = "区域 id")),
    responses(
        (status = 200, description = "评单统计（无需登录）", body = RatingStatsOut),
        (status = 404, description = "区域不存在", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{id}/ratings")]
pub async fn ratings(state: web::Data<AppState>, id: PathId) -> AppResult<web::Json<RatingStatsOut>> {
    let root = crate::regions::find(&state.db, id.into_inner()).await?;
    let grouped = |by: service_order::Column| {
        service_order::Entity::find()
            .select_only()
            .column(by)
            .column_as(service_order::Column::Id.count(), "orders")
            .column_as(service_order::Column::Rating.count(), "rated")
            .column_as(service_order::Column::Rating.sum(), "rating_sum")
            .column_as(service_order::Column::Minutes.sum(), "minutes")
            .filter(super::placed_in(&root))
            .filter(service_order::Column::Status.eq(OrderStatus::Closed))
            .filter(by.is_not_null())
            .group_by(by)
            .into_tuple::<Row>()
    };
    let members = grouped(service_order::Column::AssigneeId).all(&state.db).await?;
    let units = grouped(service_order::Column::UnitId).all(&state.db).await?;
    let member_names = user::Entity::find()
        .filter(user::Column::Id.is_in(members.iter().filter_map(|r| r.0)))
        .all(&state.db)
        .await?;
    let unit_names = unit::Entity::find()
        .filter(unit::Column::Id.is_in(units.iter().filter_map(|r| r.0)))
        .all(&state.db)
        .await?;
    let stat = |(id, orders, rated, sum, minutes): Row, name: String| RatingStat {
        id: Id(id.unwrap_or_default()),
        name,
        orders,
        rated,
        average_rating: (rated > 0).then(|| (sum.unwrap_or(0) as f64 * 100.0 / rated as f64).round() / 100.0),
        minutes: minutes.unwrap_or(0),
    };
    let mut members: Vec<RatingStat> = members
        .into_iter()
        .map(|r| {
            let name = member_names
                .iter()
                .find(|u| Some(u.id) == r.0)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            stat(r, name)
        })
        .collect();
    let mut units: Vec<RatingStat> = units
        .into_iter()
        .map(|r| {
            let name = unit_names
                .iter()
                .find(|u| Some(u.id) == r.0)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            stat(r, name)
        })
        .collect();
    let best = |a: &RatingStat, b: &RatingStat| {
        b.average_rating
            .unwrap_or(0.0)
            .total_cmp(&a.average_rating.unwrap_or(0.0))
            .then(b.orders.cmp(&a.orders))
    };
    members.sort_by(best);
    units.sort_by(best);
    Ok(web::Json(RatingStatsOut { members, units }))
}
