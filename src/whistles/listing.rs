//! Whistles on one order, and a department's inbox.

use super::view::{WhistleOut, WhistlesOut};
use crate::api::{Page, PageQuery};
use crate::error::AppResult;
use entity::whistle::{self, WhistleStatus};
use entity::{service_order, unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use validator::Validate;

/// Names the rows need: order titles and unit names.
async fn shaped(conn: &impl ConnectionTrait, rows: Vec<whistle::Model>) -> AppResult<Vec<WhistleOut>> {
    let order_ids: Vec<i64> = rows.iter().map(|w| w.order_id).collect();
    let unit_ids: Vec<i64> = rows.iter().map(|w| w.unit_id).collect();
    let titles: HashMap<i64, String> = service_order::Entity::find()
        .select_only()
        .columns([service_order::Column::Id, service_order::Column::Title])
        .filter(service_order::Column::Id.is_in(order_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Id, unit::Column::Name])
        .filter(unit::Column::Id.is_in(unit_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|w| {
            let title = titles.get(&w.order_id).cloned().unwrap_or_default();
            let name = names.get(&w.unit_id).cloned().unwrap_or_default();
            WhistleOut::new(w, title, name)
        })
        .collect())
}

/// Every whistle on `order_id`, oldest first.
pub async fn on_order(conn: &impl ConnectionTrait, order_id: i64) -> AppResult<WhistlesOut> {
    let rows = whistle::Entity::find()
        .filter(whistle::Column::OrderId.eq(order_id))
        .order_by_asc(whistle::Column::Id)
        .all(conn)
        .await?;
    Ok(WhistlesOut {
        items: shaped(conn, rows).await?,
    })
}

/// 部门待办筛选
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// 只看这个状态：open 待报到 / acknowledged 办理中 / resolved 已办结
    pub status: Option<WhistleStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// Whistles to the department `unit_id`, newest first.
pub async fn inbox(conn: &impl ConnectionTrait, unit_id: i64, q: &InboxQuery) -> AppResult<Page<WhistleOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = whistle::Entity::find()
        .filter(whistle::Column::UnitId.eq(unit_id))
        .order_by_desc(whistle::Column::Id)
        .limit(page.limit() + 1);
    if let Some(status) = q.status {
        query = query.filter(whistle::Column::Status.eq(status));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(whistle::Column::Id.lt(before));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = crate::api::cut(&mut rows, page.limit(), |w| w.id);
    Ok(Page {
        items: shaped(conn, rows).await?,
        next_cursor,
    })
}
