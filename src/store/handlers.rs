//! Redemption endpoints: redeem, cancel, lists, and the clerk's pickup. Thin: the rules live in
//! `redemptions`.

use super::pickup::{self, Presented};
use super::redemptions::{self, Full, Want};
use super::{Located, locate};
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode, FieldError};
use crate::extract::{ApiJson, ApiQuery, PathId, decode_body};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use entity::redemption::{self, RedemptionStatus};
use entity::{store, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 兑换的一项商品
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOut {
    pub goods_id: Id,
    /// 兑换时的商品名
    pub name: String,
    /// 兑换时的单价（绿币）
    pub price_coins: i64,
    pub quantity: i32,
}

/// 兑换人（店员查看时）
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerOut {
    pub id: Id,
    /// 脱敏姓名
    pub name: String,
}

/// 一次兑换
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionOut {
    pub id: Id,
    pub store_id: Id,
    pub store_name: String,
    pub status: RedemptionStatus,
    /// 6 位取货码，仅兑换人本人在待取货时可见
    pub pickup_code: Option<String>,
    /// 取货二维码内容（服务器签名），仅兑换人本人在待取货时可见；店员扫码后原样提交到取货接口
    pub qr_payload: Option<String>,
    /// 合计绿币（待取货时已冻结）
    pub total_coins: i64,
    pub items: Vec<LineOut>,
    /// 兑换人，仅店员视角返回
    pub buyer: Option<BuyerOut>,
    pub created_at: DateTime<Utc>,
    /// 过期时间：届时未取货自动取消并退回绿币
    pub expires_at: DateTime<Utc>,
    /// 取货、取消或过期的时间
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Whose eyes: the buyer sees the pickup code; the counter sees who the buyer is.
enum View<'a> {
    Buyer,
    Counter(Option<&'a user::Model>),
}

fn render(state: &AppState, full: Full, store: &store::Model, view: View) -> RedemptionOut {
    let r = full.redemption;
    let pending_for_buyer = matches!(view, View::Buyer) && r.status == RedemptionStatus::Pending;
    RedemptionOut {
        id: Id(r.id),
        store_id: Id(r.store_id),
        store_name: store.name.clone(),
        status: r.status,
        qr_payload: pending_for_buyer
            .then(|| pickup::qr_payload(&state.config, r.store_id, r.id, &r.pickup_code)),
        pickup_code: pending_for_buyer.then_some(r.pickup_code),
        total_coins: r.total_coins,
        items: full
            .lines
            .into_iter()
            .map(|l| LineOut {
                goods_id: Id(l.goods_id),
                name: l.name,
                price_coins: l.price_coins,
                quantity: l.quantity,
            })
            .collect(),
        buyer: match view {
            View::Buyer => None,
            View::Counter(u) => Some(BuyerOut {
                id: Id(r.buyer_id),
                name: u.map(|u| crate::pii::mask_name(&u.name)).unwrap_or_default(),
            }),
        },
        created_at: r.created_at,
        expires_at: r.expires_at,
        resolved_at: r.resolved_at,
    }
}

/// 兑换的一项
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WantIn {
    pub goods_id: Id,
    #[validate(range(min = 1, max = 99, message = "数量为 1 到 99"))]
    #[schema(example = 1, minimum = 1, maximum = 99)]
    pub quantity: i32,
}

/// 兑换
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemIn {
    pub store_id: Id,
    /// 要兑换的商品，每种商品一项
    #[validate(length(min = 1, max = 20, message = "请选择 1 到 20 种商品"), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub items: Vec<WantIn>,
}

/// 绿币兑换
///
/// 预留库存并冻结绿币直到取货。请带 `Idempotency-Key`：重试时返回第一次的兑换而不会重复兑换。
#[utoipa::path(
    tag = "爱心超市",
    request_body = RedeemIn,
    params(("Idempotency-Key" = String, Header, description = "幂等键（必填）：同一键同一请求只兑换一次")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已兑换，凭取货码到店取货", body = RedemptionOut),
        (status = 400, description = "`IDEMPOTENCY_KEY_REQUIRED` 或 `VALIDATION_FAILED`（如同一商品出现两次）"),
        (status = 403, description = "不是该社区的居民或志愿者"),
        (status = 404, description = "爱心超市不存在或不在你的社区"),
        (status = 409, description = "`OUT_OF_STOCK`、`INSUFFICIENT_BALANCE`、`GOODS_CHANGED`（兑换价刚调整，可用同一幂等键重试）或 `IDEMPOTENCY_KEY_IN_FLIGHT`"),
        (status = 422, description = "`GOODS_REPEATED`（同一商品出现两次）、`LIMIT_EXCEEDED`、`GOODS_UNAVAILABLE`、`STORE_UNAVAILABLE` 或 `IDEMPOTENCY_KEY_REUSED`"),
    )
)]
#[post("/redemptions")]
pub async fn redeem(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    crate::idempotency::required_key(&req)?;
    let b: RedeemIn = decode_body(&req, &body)?;
    let mut seen = HashSet::new();
    for (i, w) in b.items.iter().enumerate() {
        if !seen.insert(w.goods_id) {
            let mut err = AppError::new(ErrorCode::GoodsRepeated);
            err.errors.push(FieldError {
                field: format!("items[{i}].goods_id"),
                message: "同一商品请合并为一项".into(),
            });
            return Err(err);
        }
    }
    let at = locate(&state.db, b.store_id.0).await?;
    p.see_community(&at.community)?;
    if !p.belongs_to(&at.community) {
        return Err(AppError::new(ErrorCode::Forbidden).with_detail("只能在自己所在社区的爱心超市兑换"));
    }
    let wants: Vec<Want> = b
        .items
        .iter()
        .map(|w| Want {
            goods_id: w.goods_id.0,
            quantity: w.quantity,
        })
        .collect();
    crate::idempotency::run(&state, &req, p.id(), &body, async |txn| {
        let full = redemptions::redeem(txn, &state.config, p.id(), at.store.id, &wants, Utc::now()).await?;
        tracing::info!(
            redemption_id = full.redemption.id,
            store_id = at.store.id,
            coins = full.redemption.total_coins,
            "redeemed"
        );
        let out = render(&state, full, &at.store, View::Buyer);
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(out).map_err(AppError::internal)?,
        ))
    })
    .await
}

fn status_zh(s: RedemptionStatus) -> &'static str {
    match s {
        RedemptionStatus::Pending => "待取货",
        RedemptionStatus::Fulfilled => "已取货",
        RedemptionStatus::Cancelled => "已取消",
        RedemptionStatus::Expired => "已过期",
    }
}

async fn full(state: &AppState, r: redemption::Model) -> AppResult<Full> {
    let lines = redemptions::lines_of(&state.db, &[r.id]).await?;
    Ok(Full { redemption: r, lines })
}

async fn find(state: &AppState, id: i64) -> AppResult<redemption::Model> {
    redemption::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// 取消兑换
///
/// 兑换人在取货前取消：绿币解冻，商品回到货架。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "兑换 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已取消", body = RedemptionOut),
        (status = 404, description = "不存在或不是你的兑换"),
        (status = 409, description = "`REDEMPTION_NOT_PENDING`：已取货、已取消或已过期"),
    )
)]
#[post("/redemptions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<RedemptionOut>> {
    let r = find(&state, *id).await?;
    if r.buyer_id != p.id() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let at = locate(&state.db, r.store_id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let done = redemptions::settle(&txn, &r, RedemptionStatus::Cancelled, Some(p.id()), Utc::now()).await?;
    txn.commit().await?;
    Ok(web::Json(render(&state, done, &at.store, View::Buyer)))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct RedemptionQuery {
    /// 按状态筛选
    pub status: Option<RedemptionStatus>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

impl RedemptionQuery {
    fn page(&self) -> PageQuery {
        PageQuery {
            cursor: self.cursor.clone(),
            limit: self.limit,
        }
    }
}

/// One page of redemptions, newest first, with their lines.
async fn page_of(
    state: &AppState,
    filter: sea_orm::Condition,
    q: &RedemptionQuery,
) -> AppResult<(Vec<Full>, Option<String>)> {
    let page = q.page();
    let mut query = redemption::Entity::find()
        .filter(filter)
        .order_by_desc(redemption::Column::Id)
        .limit(page.limit() + 1);
    if let Some(s) = q.status {
        query = query.filter(redemption::Column::Status.eq(s));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(redemption::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next = cut(&mut rows, page.limit(), |r| r.id);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lines = redemptions::lines_of(&state.db, &ids).await?;
    let fulls = rows
        .into_iter()
        .map(|r| {
            let (mine, rest) = lines.drain(..).partition(|l| l.redemption_id == r.id);
            lines = rest;
            Full {
                redemption: r,
                lines: mine,
            }
        })
        .collect();
    Ok((fulls, next))
}

/// 我的兑换
///
/// 按时间倒序；待取货的附取货码。
#[utoipa::path(
    tag = "爱心超市",
    params(RedemptionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "我的兑换", body = Page<RedemptionOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/redemptions")]
pub async fn my_redemptions(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<RedemptionQuery>,
) -> AppResult<web::Json<Page<RedemptionOut>>> {
    let (fulls, next_cursor) = page_of(
        &state,
        sea_orm::Condition::all().add(redemption::Column::BuyerId.eq(p.id())),
        &q,
    )
    .await?;
    let store_ids: HashSet<i64> = fulls.iter().map(|f| f.redemption.store_id).collect();
    let stores = store::Entity::find()
        .filter(store::Column::Id.is_in(store_ids))
        .all(&state.db)
        .await?;
    let items = fulls
        .into_iter()
        .filter_map(|f| {
            let s = stores.iter().find(|s| s.id == f.redemption.store_id)?;
            Some(render(&state, f, s, View::Buyer))
        })
        .collect();
    Ok(web::Json(Page { items, next_cursor }))
}

/// 超市兑换单
///
/// 供柜台使用（店员与工作者），按时间倒序：`status=pending` 为待取货，`fulfilled` 为已取货；不显示取货码。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id"), RedemptionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "本店兑换", body = Page<RedemptionOut>),
        (status = 403, description = "需要店员或社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/stores/{id}/redemptions")]
pub async fn store_redemptions(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    q: ApiQuery<RedemptionQuery>,
) -> AppResult<web::Json<Page<RedemptionOut>>> {
    let at = locate(&state.db, *id).await?;
    at.counter(&p)?;
    let (fulls, next_cursor) = page_of(
        &state,
        sea_orm::Condition::all().add(redemption::Column::StoreId.eq(at.store.id)),
        &q,
    )
    .await?;
    let buyer_ids: HashSet<i64> = fulls.iter().map(|f| f.redemption.buyer_id).collect();
    let buyers = user::Entity::find()
        .filter(user::Column::Id.is_in(buyer_ids))
        .all(&state.db)
        .await?;
    let items = fulls
        .into_iter()
        .map(|f| {
            let buyer = buyers.iter().find(|u| u.id == f.redemption.buyer_id);
            render(&state, f, &at.store, View::Counter(buyer))
        })
        .collect();
    Ok(web::Json(Page { items, next_cursor }))
}

async fn counter_view(state: &AppState, full: Full, at: &Located) -> AppResult<RedemptionOut> {
    let buyer = user::Entity::find_by_id(full.redemption.buyer_id)
        .one(&state.db)
        .await?;
    Ok(render(state, full, &at.store, View::Counter(buyer.as_ref())))
}

/// 兑换详情
///
/// 兑换人可见取货码，超市柜台不可见。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "兑换 id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "兑换详情", body = RedemptionOut),
        (status = 404, description = "不存在或无权查看"),
    )
)]
#[get("/redemptions/{id}")]
pub async fn get_redemption(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
) -> AppResult<web::Json<RedemptionOut>> {
    let r = find(&state, *id).await?;
    let at = locate(&state.db, r.store_id).await?;
    let full = full(&state, r).await?;
    if full.redemption.buyer_id == p.id() {
        return Ok(web::Json(render(&state, full, &at.store, View::Buyer)));
    }
    at.counter(&p)?;
    Ok(web::Json(counter_view(&state, full, &at).await?))
}

/// 核销取货
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupIn {
    /// 兑换人出示的 6 位取货码，或扫描取货二维码得到的内容
    #[validate(length(min = 1, max = 200, message = "请输入取货码"))]
    #[schema(example = "042917", min_length = 1, max_length = 200)]
    pub code: String,
}

/// How long after a pickup the same code still answers "already picked up" rather than "wrong".
const RECENT_PICKUP_MINS: i64 = 30;

/// 取货核销
///
/// 店员交货：取货码（或扫描二维码）与本超市待取的兑换核对，冻结的绿币入账到超市。错误的取货码按超市限次；其他超市的二维码返回 404。
#[utoipa::path(
    tag = "爱心超市",
    params(("id" = String, Path, description = "爱心超市 id")),
    request_body = PickupIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "已核销，请按 items 交付商品", body = RedemptionOut),
        (status = 403, description = "需要本社区店员或社区工作者角色"),
        (status = 404, description = "爱心超市不存在或不在你的管辖范围，或二维码属于其他超市"),
        (status = 409, description = "`REDEMPTION_NOT_PENDING`：已取货、已取消或已过期"),
        (status = 422, description = "`PICKUP_CODE_INVALID`"),
        (status = 429, description = "`RATE_LIMITED`：错误次数过多，见 Retry-After"),
    )
)]
#[post("/stores/{id}/pickups")]
pub async fn pick_up(
    state: web::Data<AppState>,
    p: Principal,
    id: PathId,
    body: ApiJson<PickupIn>,
) -> AppResult<web::Json<RedemptionOut>> {
    let at = locate(&state.db, *id).await?;
    at.counter(&p)?;
    let rules = &state.config.store;
    let guard = format!("pickup:{}", at.store.id);
    // Typed codes take a slot of the store's allowance before they are looked up, so parallel
    // guesses cannot outrun it; a code that names a real redemption gives its slot back.
    let count_guess = async || {
        crate::ratelimit::hit(
            &state.kv,
            &guard,
            rules.wrong_codes_per_window,
            rules.wrong_code_window,
        )
        .await
    };
    let found = match pickup::parse(&state.config, &body.0.code) {
        None => {
            count_guess().await?;
            return Err(AppError::new(ErrorCode::PickupCodeInvalid));
        }
        // A genuine QR payload cannot be guessed: no allowance needed.
        Some(Presented::Signed {
            store_id,
            redemption_id,
        }) => {
            if store_id != at.store.id {
                return Err(AppError::new(ErrorCode::NotFound).with_detail("该二维码不属于本超市"));
            }
            find(&state, redemption_id).await?
        }
        Some(Presented::Code(code)) => {
            count_guess().await?;
            let by_code = redemption::Entity::find()
                .filter(redemption::Column::StoreId.eq(at.store.id))
                .filter(redemption::Column::PickupCode.eq(&code));
            let open = by_code
                .clone()
                .filter(redemption::Column::Status.eq(RedemptionStatus::Pending))
                .one(&state.db)
                .await?;
            let found = match open {
                Some(r) => r,
                // A double tap after a pickup is not a guess: say what happened.
                None => by_code
                    .filter(
                        redemption::Column::ResolvedAt
                            .gt(Utc::now() - chrono::Duration::minutes(RECENT_PICKUP_MINS)),
                    )
                    .order_by_desc(redemption::Column::ResolvedAt)
                    .one(&state.db)
                    .await?
                    .ok_or_else(|| AppError::new(ErrorCode::PickupCodeInvalid))?,
            };
            // Losing a refund only costs the store one slot of its allowance: not worth failing a pickup.
            if let Err(e) = crate::ratelimit::refund(&state.kv, &guard).await {
                tracing::warn!(store_id = at.store.id, error = %e, "pickup allowance not refunded");
            }
            found
        }
    };
    if found.status != RedemptionStatus::Pending {
        return Err(AppError::new(ErrorCode::RedemptionNotPending)
            .with_detail(format!("该兑换{}", status_zh(found.status))));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let done = redemptions::settle(
        &txn,
        &found,
        RedemptionStatus::Fulfilled,
        Some(p.id()),
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        redemption_id = found.id,
        store_id = at.store.id,
        by = p.id(),
        "picked up"
    );
    Ok(web::Json(counter_view(&state, done, &at).await?))
}
