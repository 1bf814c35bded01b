//! Goods on a store's shelf and their stock. Stock changes by hand are recorded as restocks;
//! redemptions move it by conditional updates (see `redemptions`).

use super::catalogue::taken;
use super::visibility::Located;
use crate::api::{Id, Page, PageQuery};
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::media::attach::attach;
use chrono::{DateTime, Utc};
use entity::media::Attachment;
use entity::{goods, restock};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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
        custom(function = "crate::media::reference::valid_photo")
    )]
    #[schema(value_type = Option<crate::media::reference::PhotoRef>)]
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
        custom(function = "crate::media::reference::valid_photo")
    )]
    #[schema(value_type = Option<crate::media::reference::PhotoRef>)]
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

/// 入库或报损
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestockIn {
    /// 正数为入库，负数为报损（不能超过现有库存）
    #[validate(
        range(min = -1_000_000, max = 1_000_000, message = "数量为 -1000000 到 1000000"),
        custom(function = "nonzero")
    )]
    #[schema(example = 50, minimum = -1_000_000, maximum = 1_000_000)]
    pub quantity: i64,
    /// 备注，如 “爱心企业捐赠”
    #[validate(length(max = 200, message = "备注最多 200 个字"))]
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// A change of zero is no change: refused before anything is looked up.
fn nonzero(quantity: i64) -> Result<(), validator::ValidationError> {
    if quantity == 0 {
        Err(validator::ValidationError::new("nonzero").with_message("数量不能为 0".into()))
    } else {
        Ok(())
    }
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
    attach(conn, actor, &g.image_url, Attachment::Goods, g.id).await?;
    if g.stock > 0 {
        record_restock(conn, &g, g.stock, actor, "初始库存".into()).await?;
    }
    Ok(g)
}

/// `shelve` in a transaction of its own.
pub async fn add(db: &DatabaseConnection, store_id: i64, b: GoodsIn, actor: i64) -> AppResult<GoodsOut> {
    let txn = crate::db::begin_write(db).await?;
    let g = shelve(&txn, store_id, b, actor).await?;
    txn.commit().await?;
    Ok(g.into())
}

/// The store's goods as the caller sees them: residents the active ones with what is left of
/// their monthly limit, managers all.
pub async fn shelf(conn: &impl ConnectionTrait, p: &Principal, at: &Located) -> AppResult<Vec<GoodsOut>> {
    let mut q = goods::Entity::find()
        .filter(goods::Column::StoreId.eq(at.store.id))
        .order_by_asc(goods::Column::Id);
    if at.manager(p).is_err() {
        q = q.filter(goods::Column::Active.eq(true));
    }
    let shelf = q.all(conn).await?;
    let limited: Vec<i64> = shelf
        .iter()
        .filter(|g| g.monthly_limit.is_some())
        .map(|g| g.id)
        .collect();
    let month = crate::calendar::month_of(Utc::now());
    let used = super::redemptions::used_in_month(conn, p.id(), &limited, &month).await?;
    Ok(shelf
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
        .collect())
}

/// Changes what the patch names, column by column (stock may be moving under concurrent
/// redemptions), in one transaction with attaching a new picture uploaded by `actor`.
pub async fn amend(db: &DatabaseConnection, id: i64, b: GoodsPatch, actor: i64) -> AppResult<GoodsOut> {
    let txn = crate::db::begin_write(db).await?;
    attach(&txn, actor, &b.image_url, Attachment::Goods, id).await?;
    let mut u = goods::Entity::update_many()
        .col_expr(goods::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(goods::Column::Id.eq(id));
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
    u.exec(&txn).await.map_err(taken(ErrorCode::GoodsNameTaken))?;
    let g = goods::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    txn.commit().await?;
    Ok(g.into())
}

/// Adds (or, negative, writes off) stock by hand, never below zero, and records it.
pub async fn restock(db: &DatabaseConnection, id: i64, actor: i64, b: RestockIn) -> AppResult<RestockOut> {
    let txn = crate::db::begin_write(db).await?;
    let changed = goods::Entity::update_many()
        .col_expr(
            goods::Column::Stock,
            Expr::col(goods::Column::Stock).add(b.quantity),
        )
        .filter(goods::Column::Id.eq(id))
        .filter(Expr::col(goods::Column::Stock).add(b.quantity).gte(0))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Err(AppError::new(ErrorCode::OutOfStock).with_detail("报损数量超过现有库存"));
    }
    let g = goods::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let r = record_restock(&txn, &g, b.quantity, actor, b.note).await?;
    txn.commit().await?;
    tracing::info!(
        goods_id = g.id,
        quantity = b.quantity,
        by = actor,
        "stock changed by hand"
    );
    Ok(r.into())
}

/// Every change of the goods' stock by hand, newest first.
pub async fn history(conn: &impl ConnectionTrait, id: i64, q: &PageQuery) -> AppResult<Page<RestockOut>> {
    let mut query = restock::Entity::find()
        .filter(restock::Column::GoodsId.eq(id))
        .order_by_desc(restock::Column::Id)
        .limit(q.limit() + 1);
    if let Some(before) = q.before_id()? {
        query = query.filter(restock::Column::Id.lt(before));
    }
    let rows = query.all(conn).await?;
    Ok(Page::from_rows(rows, q.limit(), |r| r.id, Into::into))
}
