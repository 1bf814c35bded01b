//! Lists of orders: by viewpoint (mine, assigned, a region's, a unit's), the member's pool,
//! and a region's counts by status.

use super::scope::{in_region, near_member};
use super::view::{OrderOut, orders_out};
use super::visibility::may_claim;
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::db::newest_of;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::region;
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 订单列表的视角
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// 我下的单（居民）
    Mine,
    /// 指派给我 / 我接的单（党员）
    Assigned,
    /// 某区域及其下级的全部订单（社区工作者，需 region_id）
    Region,
    /// 派给我单位的订单（单位管理员，需 unit_id）
    Unit,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 视角，默认 mine
    pub scope: Option<Scope>,
    /// scope=region 时必填
    pub region_id: Option<Id>,
    /// scope=unit 时必填
    pub unit_id: Option<Id>,
    pub status: Option<OrderStatus>,
    /// 只看某党员接的单（scope=region）
    pub member_id: Option<Id>,
    /// 下单时间不早于
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub from: Option<DateTime<Utc>>,
    /// 下单时间早于
    #[validate(custom(function = "crate::api::sane_instant"))]
    pub to: Option<DateTime<Utc>>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

crate::api::paged!(ListQuery);

/// One page of the orders `q` asks for, checked against the caller's roles, read from `conn`.
pub async fn list(
    conn: &impl ConnectionTrait,
    state: &AppState,
    p: &Principal,
    q: &ListQuery,
) -> AppResult<Page<OrderOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let before = page.before_id()?;
    let all = service_order::Entity::find().limit(page.limit() + 1);
    let by_id = |query: sea_orm::Select<service_order::Entity>| {
        match before {
            Some(b) => query.filter(service_order::Column::Id.lt(b)),
            None => query,
        }
        .order_by_desc(service_order::Column::Id)
    };
    let missing =
        |what: &str| AppError::new(ErrorCode::ScopeTargetRequired).with_detail(format!("缺少 {what}"));
    let owned = |owner| newest_of(all.clone(), owner, p.id(), service_order::Column::Id, before);
    let mut query = match q.scope.unwrap_or(Scope::Mine) {
        Scope::Mine => owned(service_order::Column::ResidentId),
        Scope::Assigned => owned(service_order::Column::AssigneeId),
        Scope::Region => {
            let id = q.region_id.ok_or_else(|| missing("region_id"))?.0;
            let r = state.regions.find(conn, id).await?;
            p.authorize(&r, &[Role::Staff])?;
            let query = all.inner_join(region::Entity).filter(in_region(&r));
            match q.member_id {
                Some(m) => by_id(query.filter(service_order::Column::AssigneeId.eq(m.0))),
                None => by_id(query),
            }
        }
        Scope::Unit => {
            let unit = q.unit_id.ok_or_else(|| missing("unit_id"))?.0;
            if !p.unit_ids().any(|u| u == unit) {
                return Err(AppError::new(ErrorCode::NotFound));
            }
            by_id(all.filter(service_order::Column::UnitId.eq(unit)))
        }
    };
    if let Some(s) = q.status {
        query = query.filter(service_order::Column::Status.eq(s));
    }
    if let Some(from) = q.from {
        query = query.filter(service_order::Column::CreatedAt.gte(from));
    }
    if let Some(to) = q.to {
        query = query.filter(service_order::Column::CreatedAt.lt(to));
    }
    let mut rows = query.all(conn).await?;
    let next_cursor = cut(&mut rows, page.limit(), |o| o.id);
    Ok(Page {
        items: orders_out(conn, &state.pii, p.id(), rows).await?,
        next_cursor,
    })
}

/// 抢单池: one page of the published orders the member may claim.
pub async fn pool(state: &AppState, p: &Principal, q: &PageQuery) -> AppResult<Page<OrderOut>> {
    if !p.grants.iter().any(|g| g.role == Role::Member) {
        return Ok(Page {
            items: vec![],
            next_cursor: None,
        });
    }
    // The database narrows to orders near the member's regions; the exact pool rules (grid,
    // skill) are checked per order in memory (skills read once, pool regions from the
    // in-process tree), over a bounded number of rows per request.
    const SCAN: u64 = 200;
    let skills = super::visibility::skills(&state.db, p.id()).await?;
    const MAX_BATCHES: usize = 5;
    let limit = q.limit();
    let mut before = q.before_id()?;
    let mut out: Vec<service_order::Model> = Vec::new();
    let mut next_cursor = None;
    'scan: for batch_no in 0..MAX_BATCHES {
        let mut query = service_order::Entity::find()
            .find_also_related(region::Entity)
            .filter(service_order::Column::Status.eq(OrderStatus::Published))
            .filter(service_order::Column::ResidentId.ne(p.id()))
            .filter(near_member(p))
            .order_by_desc(service_order::Column::Id)
            .limit(SCAN);
        if let Some(b) = before {
            query = query.filter(service_order::Column::Id.lt(b));
        }
        let batch = query.all(&state.db).await?;
        let exhausted = (batch.len() as u64) < SCAN;
        for (o, r) in batch {
            if out.len() as u64 == limit {
                next_cursor = before.map(|b| b.to_string());
                break 'scan;
            }
            before = Some(o.id);
            let Some(r) = r else { continue };
            let pool = match o.pool_region_id {
                Some(id) => Some(state.regions.find(&state.db, id).await?),
                None => None,
            };
            if may_claim(p, &o, &r, pool.as_ref(), &skills) {
                out.push(o);
            }
        }
        if exhausted {
            break;
        }
        if batch_no + 1 == MAX_BATCHES {
            // The scan budget is spent before the page filled: the cursor says where to go on.
            next_cursor = before.map(|b| b.to_string());
        }
    }
    Ok(Page {
        items: orders_out(&state.db, &state.pii, p.id(), out).await?,
        next_cursor,
    })
}

/// 各状态订单数
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub count: i64,
}

/// Orders owned by the region or below, counted by status (every status, zeros included).
pub async fn counts(conn: &impl ConnectionTrait, root: &region::Model) -> AppResult<Vec<StatusCount>> {
    let rows: Vec<(OrderStatus, i64)> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::Status)
        .column_as(service_order::Column::Id.count(), "n")
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&root.path))
        .group_by(service_order::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    use sea_orm::Iterable;
    Ok(OrderStatus::iter()
        .map(|s| StatusCount {
            status: s,
            count: rows.iter().find(|(r, _)| *r == s).map_or(0, |(_, n)| *n),
        })
        .collect())
}
