use super::service::{self, NewOrder};
use super::{OrderDetailOut, OrderOut, orders_out, timeline, visible};
use crate::access::{Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery, cut, valid_phone};
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::region;
use entity::role_grant::Role;
use entity::service_order::{self, OrderStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// The `Idempotency-Key` header, if sent: 1–64 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(v) = req.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(AppError::validation(vec![FieldError {
            field: IDEMPOTENCY_HEADER.into(),
            message: "须为 1 到 64 个可见 ASCII 字符".into(),
        }])),
    }
}

/// 下单
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderIn {
    /// 下单区域：自己居住的社区、网格或楼栋
    pub region_id: Id,
    /// 服务项目（可选）
    pub service_item_id: Option<Id>,
    #[validate(length(min = 1, max = 60, message = "标题为 1 到 60 个字"))]
    #[schema(example = "厨房下水道堵了", min_length = 1, max_length = 60)]
    pub title: String,
    #[validate(length(max = 1000, message = "描述最多 1000 个字"))]
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: String,
    #[validate(length(min = 1, max = 200, message = "地址为 1 到 200 个字"))]
    #[schema(example = "3 号楼 2 单元 502", min_length = 1, max_length = 200)]
    pub address: String,
    /// 联系电话（加密保存）
    #[validate(custom(function = "valid_phone"))]
    #[schema(pattern = "^1[0-9]{10}$")]
    pub contact_phone: Option<String>,
    /// 希望服务的时间
    pub preferred_time: Option<DateTime<Utc>>,
    /// 照片地址（https://），最多 9 张
    #[validate(length(max = 9, message = "最多 9 张照片"))]
    #[serde(default)]
    #[schema(max_items = 9, value_type = Vec<crate::media::Reference>)]
    pub photos: Vec<String>,
}

/// Every photo reference is one the public may safely be shown (see [`crate::media`]).
pub fn check_photos(field: &str, photos: &[String]) -> AppResult<()> {
    let errors: Vec<FieldError> = photos
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            crate::media::reference_problem(p).map(|message| FieldError {
                field: format!("{field}[{i}]"),
                message: message.into(),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

/// 下单（群众点单）
///
/// 在自己居住的区域下单。请带 `Idempotency-Key`，重试时返回第一次的订单而不会重复下单。
#[utoipa::path(
    tag = "订单",
    request_body = PlaceOrderIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键：重试时带同一个值，只会生成一张订单")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已下单（重试时返回第一次的订单，并带 `Idempotent-Replayed: true` 头）", body = OrderOut),
        (status = 422, description = "`ORDER_REGION_INVALID` 或 `SERVICE_ITEM_UNAVAILABLE`"),
        (status = 429, description = "`RATE_LIMITED`：下单过于频繁"),
    )
)]
#[post("/orders")]
pub async fn place(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    body: ApiJson<PlaceOrderIn>,
) -> AppResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let b = body.0;
    check_photos("photos", &b.photos)?;
    let new = NewOrder {
        region_id: b.region_id.0,
        service_item_id: b.service_item_id.map(|i| i.0),
        title: b.title,
        description: b.description,
        address: b.address,
        contact_phone: b.contact_phone,
        preferred_time: b.preferred_time,
        photos: b.photos,
    };
    let (order, created) = service::place(&state, &p, key, new).await?;
    let out = orders_out(&state.db, &state.pii, p.id(), vec![order])
        .await?
        .remove(0);
    let mut res = HttpResponse::Created();
    if !created {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(res.json(out))
}

/// 订单详情
///
/// 含处理时间线；下单居民、接单党员、上级工作者与单位管理员可见。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "订单 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "订单及时间线", body = OrderDetailOut),
        (status = 404, description = "不存在或与你无关"),
    )
)]
#[get("/orders/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<OrderDetailOut>> {
    let (order, _) = visible(&state.db, &p, id.into_inner()).await?;
    let events = timeline(&state.db, order.id).await?;
    let out = orders_out(&state.db, &state.pii, p.id(), vec![order])
        .await?
        .remove(0);
    Ok(web::Json(OrderDetailOut {
        order: out,
        timeline: events,
    }))
}

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

/// 订单列表
///
/// 按某一视角列出，按时间倒序，游标分页。
#[utoipa::path(
    tag = "订单",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "订单列表", body = Page<OrderOut>),
        (status = 422, description = "`SCOPE_TARGET_REQUIRED`：scope=region 缺少 region_id，或 scope=unit 缺少 unit_id"),
        (status = 403, description = "不是该区域的社区工作者或该单位的管理员"),
        (status = 404, description = "区域或单位不可见"),
    )
)]
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<ListQuery>,
) -> AppResult<web::Json<Page<OrderOut>>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = service_order::Entity::find()
        .order_by_desc(service_order::Column::Id)
        .limit(page.limit() + 1);
    let missing =
        |what: &str| AppError::new(ErrorCode::ScopeTargetRequired).with_detail(format!("缺少 {what}"));
    match q.scope.unwrap_or(Scope::Mine) {
        Scope::Mine => query = query.filter(service_order::Column::ResidentId.eq(p.id())),
        Scope::Assigned => query = query.filter(service_order::Column::AssigneeId.eq(p.id())),
        Scope::Region => {
            let r =
                crate::regions::find(&state.db, q.region_id.ok_or_else(|| missing("region_id"))?.0).await?;
            p.authorize(&r, &[Role::Staff])?;
            query = query.inner_join(region::Entity).filter(super::in_region(&r));
            if let Some(m) = q.member_id {
                query = query.filter(service_order::Column::AssigneeId.eq(m.0));
            }
        }
        Scope::Unit => {
            let unit = q.unit_id.ok_or_else(|| missing("unit_id"))?.0;
            if !p.unit_ids().any(|u| u == unit) {
                return Err(AppError::new(ErrorCode::NotFound));
            }
            query = query.filter(service_order::Column::UnitId.eq(unit));
        }
    }
    if let Some(s) = q.status {
        query = query.filter(service_order::Column::Status.eq(s));
    }
    if let Some(from) = q.from {
        query = query.filter(service_order::Column::CreatedAt.gte(from));
    }
    if let Some(to) = q.to {
        query = query.filter(service_order::Column::CreatedAt.lt(to));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(service_order::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, page.limit(), |o| o.id);
    Ok(web::Json(Page {
        items: orders_out(&state.db, &state.pii, p.id(), rows).await?,
        next_cursor,
    }))
}

/// 抢单池
///
/// 当前党员可抢的已发布订单，按时间倒序。
#[utoipa::path(
    tag = "订单",
    params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "可抢的订单", body = Page<OrderOut>))
)]
#[get("/orders/pool")]
pub async fn pool(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<OrderOut>>> {
    if !p.grants.iter().any(|g| g.role == Role::Member) {
        return Ok(web::Json(Page {
            items: vec![],
            next_cursor: None,
        }));
    }
    // The database narrows to orders near the member's regions; the exact pool rules (grid,
    // skill) are checked per order, over a bounded number of rows per request.
    const SCAN: u64 = 200;
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
            .filter(super::near_member(&p))
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
            if let Some(r) = r
                && super::may_claim(&state.db, &p, &o, &r).await?
            {
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
    Ok(web::Json(Page {
        items: orders_out(&state.db, &state.pii, p.id(), out).await?,
        next_cursor,
    }))
}

/// 各状态订单数
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: OrderStatus,
    pub count: i64,
}

/// 各状态订单数
///
/// 区域及下级的订单按状态计数（调度台）。
#[utoipa::path(
    tag = "订单",
    params(("id" = String, Path, description = "区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "各状态数量", body = Vec<StatusCount>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/order-counts")]
pub async fn counts(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
) -> AppResult<web::Json<Vec<StatusCount>>> {
    let rows: Vec<(OrderStatus, i64)> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::Status)
        .column_as(service_order::Column::Id.count(), "n")
        .inner_join(region::Entity)
        .filter(region::Column::Path.starts_with(&access.region.path))
        .group_by(service_order::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    use sea_orm::Iterable;
    Ok(web::Json(
        OrderStatus::iter()
            .map(|s| StatusCount {
                status: s,
                count: rows.iter().find(|(r, _)| *r == s).map_or(0, |(_, n)| *n),
            })
            .collect(),
    ))
}
