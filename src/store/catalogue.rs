//! Stores, their goods and stock. Staff of the community manage them; everyone who belongs to
//! the community sees the active ones with their stock.

use super::{Located, locate};
use crate::access::{Principal, RegionAccess, StaffRole};
use crate::api::{Id, Page, PageQuery};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{ApiJson, ApiQuery, PathId};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use entity::region::RegionKind;
use entity::role_grant::Role;
use entity::{goods, restock, store};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    SqlErr,
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

fn taken(code: ErrorCode) -> impl Fn(sea_orm::DbErr) -> AppError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::new(code),
        _ => e.into(),
    }
}

/// 开设爱心超市
///
/// 在社区开设爱心超市（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "社区 id")),
    request_body = StoreIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已创建", body = StoreOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`STORE_NAME_TAKEN`"),
        (status = 422, description = "`REGION_KIND_INVALID`：须为社区"),
    )
)]
#[post("/regions/{id}/stores")]
pub async fn create_store(
    state: web::Data<AppState>,
    access: RegionAccess<StaffRole>,
    body: ApiJson<StoreIn>,
) -> AppResult<HttpResponse> {
    if access.region.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("爱心超市属于社区"));
    }
    let s = open(&state.db, access.region.id, body.0).await?;
    Ok(HttpResponse::Created().json(StoreOut::from(s)))
}

/// Opens a store in a community.
pub async fn open(conn: &impl ConnectionTrait, community_id: i64, b: StoreIn) -> AppResult<store::Model> {
    let now = Utc::now();
    store::ActiveModel {
        community_id: Set(community_id),
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

/// 爱心超市列表
///
/// 区域所在社区的超市：居民看到营业中的，工作者看到全部。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "社区或其下级区域 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "爱心超市", body = Vec<StoreOut>),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/regions/{id}/stores")]
pub async fn list_stores(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<Vec<StoreOut>>> {
    let community = crate::regions::community_seen_by(&state.db, &p, id.into_inner()).await?;
    let mut q = store::Entity::find()
        .filter(store::Column::CommunityId.eq(community.id))
        .order_by_asc(store::Column::Id);
    if !p.covers(&community.path, &[Role::Staff]) {
        q = q.filter(store::Column::Active.eq(true));
    }
    Ok(web::Json(
        q.all(&state.db).await?.into_iter().map(Into::into).collect(),
    ))
}

/// 爱心超市详情
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "爱心超市", body = StoreOut),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/stores/{id}")]
pub async fn get_store(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<StoreOut>> {
    let at = locate(&state.db, id.into_inner()).await?;
    p.see_community(&at.community)?;
    Ok(web::Json(at.store.into()))
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

/// 修改爱心超市
///
/// 修改信息或暂停兑换（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = StorePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = StoreOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`STORE_NAME_TAKEN`"),
    )
)]
#[patch("/stores/{id}")]
pub async fn update_store(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<StorePatch>,
) -> AppResult<web::Json<StoreOut>> {
    let at = locate(&state.db, id.into_inner()).await?;
    at.manager(&p)?;
    let b = body.0;
    let mut a: store::ActiveModel = at.store.into();
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
    let s = a
        .update(&state.db)
        .await
        .map_err(taken(ErrorCode::StoreNameTaken))?;
    Ok(web::Json(s.into()))
}

/// 商品
#[derive(Debug, Serialize, ToSchema)]
pub struct GoodsOut {
    pub id: Id,
    pub store_id: Id,
    pub name: String,
    pub description: String,
    /// 图片地址（https://）
    pub image_url: Option<String>,
    /// 兑换价（绿币）
    pub price_coins: i64,
    /// 现有库存
    pub stock: i64,
    /// 每人每月限兑数量；null 为不限
    pub monthly_limit: Option<i32>,
    /// 本月我还能兑换几件（有限兑时返回；已兑含待取货）
    pub my_remaining_this_month: Option<i64>,
    /// 是否上架
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<goods::Model> for GoodsOut {
    fn from(g: goods::Model) -> Self {
        GoodsOut {
            id: Id(g.id),
            store_id: Id(g.store_id),
            name: g.name,
            description: g.description,
            image_url: g.image_url,
            price_coins: g.price_coins,
            stock: g.stock,
            monthly_limit: g.monthly_limit,
            my_remaining_this_month: None,
            active: g.active,
            updated_at: g.updated_at,
        }
    }
}

/// 上架商品
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsIn {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(example = "洗衣液 2kg", min_length = 1, max_length = 64)]
    pub name: String,
    #[validate(length(max = 1000, message = "说明最多 1000 个字"))]
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: String,
    #[validate(
        length(max = 500, message = "图片地址最多 500 个字符"),
        custom(function = "crate::media::valid_reference")
    )]
    #[schema(value_type = Option<crate::media::Reference>)]
    pub image_url: Option<String>,
    /// 兑换价（绿币）
    #[validate(range(min = 1, max = 1_000_000, message = "兑换价为 1 到 1000000 绿币"))]
    #[schema(example = 30, minimum = 1, maximum = 1_000_000)]
    pub price_coins: i64,
    /// 初始库存（记为一次入库）
    #[validate(range(min = 0, max = 1_000_000, message = "库存为 0 到 1000000"))]
    #[serde(default)]
    #[schema(example = 20, minimum = 0, maximum = 1_000_000)]
    pub stock: i64,
    /// 每人每月限兑数量；不传为不限
    #[validate(range(min = 1, max = 1000, message = "限兑数量为 1 到 1000"))]
    #[schema(minimum = 1, maximum = 1000)]
    pub monthly_limit: Option<i32>,
}

/// Records a change of stock by hand; the caller has already changed the goods row.
async fn record_restock(
    conn: &impl ConnectionTrait,
    g: &goods::Model,
    quantity: i64,
    actor: i64,
    note: String,
) -> AppResult<restock::Model> {
    Ok(restock::ActiveModel {
        goods_id: Set(g.id),
        quantity: Set(quantity),
        stock_after: Set(g.stock),
        actor_id: Set(actor),
        note: Set(note),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// 上架商品
///
/// 开架库存记为一次入库（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = GoodsIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已上架", body = GoodsOut),
        (status = 400, description = "`VALIDATION_FAILED`"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`GOODS_NAME_TAKEN`"),
    )
)]
#[post("/stores/{id}/goods")]
pub async fn create_goods(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<GoodsIn>,
) -> AppResult<HttpResponse> {
    let at = locate(&state.db, id.into_inner()).await?;
    at.manager(&p)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let g = shelve(&txn, at.store.id, body.0, p.id()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(GoodsOut::from(g)))
}

/// Puts goods on a store's shelf; the opening stock is recorded as a restock by `actor`.
pub async fn shelve(
    conn: &impl ConnectionTrait,
    store_id: i64,
    b: GoodsIn,
    actor: i64,
) -> AppResult<goods::Model> {
    let now = Utc::now();
    let g = goods::ActiveModel {
        store_id: Set(store_id),
        name: Set(b.name),
        description: Set(b.description),
        image_url: Set(b.image_url),
        price_coins: Set(b.price_coins),
        stock: Set(b.stock),
        monthly_limit: Set(b.monthly_limit),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(taken(ErrorCode::GoodsNameTaken))?;
    if g.stock > 0 {
        record_restock(conn, &g, g.stock, actor, "初始库存".into()).await?;
    }
    Ok(g)
}

/// 商品列表
///
/// 含库存：居民看到在架商品，工作者看到全部。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "商品目录", body = Vec<GoodsOut>),
        (status = 404, description = "不存在或不在你的社区"),
    )
)]
#[get("/stores/{id}/goods")]
pub async fn list_goods(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<Vec<GoodsOut>>> {
    let at = locate(&state.db, id.into_inner()).await?;
    p.see_community(&at.community)?;
    let mut q = goods::Entity::find()
        .filter(goods::Column::StoreId.eq(at.store.id))
        .order_by_asc(goods::Column::Id);
    if at.manager(&p).is_err() {
        q = q.filter(goods::Column::Active.eq(true));
    }
    let shelf = q.all(&state.db).await?;
    let limited: Vec<i64> = shelf
        .iter()
        .filter(|g| g.monthly_limit.is_some())
        .map(|g| g.id)
        .collect();
    let month = crate::calendar::month_of(Utc::now());
    let used = super::redemptions::used_in_month(&state.db, p.id(), &limited, &month).await?;
    Ok(web::Json(
        shelf
            .into_iter()
            .map(|g| {
                let left = g
                    .monthly_limit
                    .map(|l| Ord::max(i64::from(l) - used.get(&g.id).copied().unwrap_or(0), 0));
                GoodsOut {
                    my_remaining_this_month: left,
                    ..g.into()
                }
            })
            .collect(),
    ))
}

/// The goods and its store, for a staff-only call.
async fn managed_goods(state: &AppState, p: &Principal, id: i64) -> AppResult<(goods::Model, Located)> {
    let g = goods::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let at = locate(&state.db, g.store_id).await?;
    at.manager(p)?;
    Ok((g, at))
}

/// 修改商品（库存请用入库记录调整）
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsPatch {
    #[validate(length(min = 1, max = 64, message = "名称为 1 到 64 个字"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[validate(length(max = 1000, message = "说明最多 1000 个字"))]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[validate(
        length(max = 500, message = "图片地址最多 500 个字符"),
        custom(function = "crate::media::valid_reference")
    )]
    #[schema(value_type = Option<crate::media::Reference>)]
    pub image_url: Option<String>,
    /// 新兑换价（已下的兑换按原价）
    #[validate(range(min = 1, max = 1_000_000, message = "兑换价为 1 到 1000000 绿币"))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub price_coins: Option<i64>,
    /// 每人每月限兑数量；传 0 取消限制
    #[validate(range(min = 0, max = 1000, message = "限兑数量为 0 到 1000"))]
    #[schema(minimum = 0, maximum = 1000)]
    pub monthly_limit: Option<i32>,
    /// 下架后不能再兑换（已下的兑换不受影响）
    pub active: Option<bool>,
}

/// 修改商品
///
/// 修改或下架（工作者）；库存只能通过入库记录变更。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id")),
    request_body = GoodsPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已更新", body = GoodsOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`GOODS_NAME_TAKEN`"),
    )
)]
#[patch("/goods/{id}")]
pub async fn update_goods(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<GoodsPatch>,
) -> AppResult<web::Json<GoodsOut>> {
    let (_, _) = managed_goods(&state, &p, *id).await?;
    let b = body.0;
    // Column updates only: stock may be moving under concurrent redemptions.
    let mut u = goods::Entity::update_many()
        .col_expr(goods::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(goods::Column::Id.eq(*id));
    if let Some(v) = b.name {
        u = u.col_expr(goods::Column::Name, Expr::value(v));
    }
    if let Some(v) = b.description {
        u = u.col_expr(goods::Column::Description, Expr::value(v));
    }
    if let Some(v) = b.image_url {
        u = u.col_expr(goods::Column::ImageUrl, Expr::value(v));
    }
    if let Some(v) = b.price_coins {
        u = u.col_expr(goods::Column::PriceCoins, Expr::value(v));
    }
    if let Some(v) = b.monthly_limit {
        u = u.col_expr(goods::Column::MonthlyLimit, Expr::value((v > 0).then_some(v)));
    }
    if let Some(v) = b.active {
        u = u.col_expr(goods::Column::Active, Expr::value(v));
    }
    u.exec(&state.db)
        .await
        .map_err(taken(ErrorCode::GoodsNameTaken))?;
    let g = goods::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(web::Json(g.into()))
}

/// 入库或报损
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestockIn {
    /// 正数为入库，负数为报损（不能超过现有库存）
    #[validate(range(min = -1_000_000, max = 1_000_000, message = "数量为 -1000000 到 1000000"))]
    #[schema(example = 50, minimum = -1_000_000, maximum = 1_000_000)]
    pub quantity: i64,
    /// 备注，如 “爱心企业捐赠”
    #[validate(length(max = 200, message = "备注最多 200 个字"))]
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// 一条入库记录
#[derive(Debug, Serialize, ToSchema)]
pub struct RestockOut {
    pub id: Id,
    pub goods_id: Id,
    /// 正数为入库，负数为报损
    pub quantity: i64,
    /// 调整后的库存
    pub stock_after: i64,
    /// 操作人 id
    pub actor_id: Id,
    pub note: String,
    pub at: DateTime<Utc>,
}

impl From<restock::Model> for RestockOut {
    fn from(r: restock::Model) -> Self {
        RestockOut {
            id: Id(r.id),
            goods_id: Id(r.goods_id),
            quantity: r.quantity,
            stock_after: r.stock_after,
            actor_id: Id(r.actor_id),
            note: r.note,
            at: r.created_at,
        }
    }
}

/// 入库或报损
///
/// 每次变更都留有记录（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id")),
    request_body = RestockIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已记录", body = RestockOut),
        (status = 400, description = "`VALIDATION_FAILED`（数量为 0）"),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 409, description = "`OUT_OF_STOCK`：报损数量超过现有库存"),
    )
)]
#[post("/goods/{id}/restocks")]
pub async fn add_stock(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<RestockIn>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    if b.quantity == 0 {
        return Err(AppError::validation(vec![crate::error::FieldError {
            field: "quantity".into(),
            message: "数量不能为 0".into(),
        }]));
    }
    managed_goods(&state, &p, *id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let changed = goods::Entity::update_many()
        .col_expr(
            goods::Column::Stock,
            Expr::col(goods::Column::Stock).add(b.quantity),
        )
        .filter(goods::Column::Id.eq(*id))
        .filter(Expr::col(goods::Column::Stock).add(b.quantity).gte(0))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::new(ErrorCode::OutOfStock).with_detail("报损数量超过现有库存"));
    }
    let g = goods::Entity::find_by_id(*id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let r = record_restock(&txn, &g, b.quantity, p.id(), b.note).await?;
    txn.commit().await?;
    tracing::info!(
        goods_id = g.id,
        quantity = b.quantity,
        by = p.id(),
        "stock changed by hand"
    );
    Ok(HttpResponse::Created().json(RestockOut::from(r)))
}

/// 库存变更记录
///
/// 手工变更库存的每一条记录，按时间倒序（工作者）。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "商品 id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "入库记录", body = Page<RestockOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/goods/{id}/restocks")]
pub async fn stock_history(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    q: ApiQuery<PageQuery>,
) -> AppResult<web::Json<Page<RestockOut>>> {
    managed_goods(&state, &p, *id).await?;
    let mut query = restock::Entity::find()
        .filter(restock::Column::GoodsId.eq(*id))
        .order_by_desc(restock::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(restock::Column::Id.lt(before));
    }
    let rows = query.all(&state.db).await?;
    Ok(web::Json(Page::from_rows(rows, q.limit(), |r| r.id, Into::into)))
}
