use super::reconcile::{self, ReconciliationOut};
use super::{AccountOut, Asset};
use crate::api::{Id, Page, PageQuery, cut};
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use entity::{account, region, store, transfer, user};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// 我的余额
///
/// 每种资产一条（未发生过变动时为 0）。
#[utoipa::path(
    tag = "积分",
    security(("bearer" = [])),
    responses((status = 200, description = "服务时长（分钟）与绿币", body = Vec<AccountOut>))
)]
#[get("/me/accounts")]
pub async fn accounts(state: web::Data<AppState>, p: Principal) -> AppResult<web::Json<Vec<AccountOut>>> {
    Ok(web::Json(super::balances(&state.db, p.id()).await?))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    pub asset: Option<Asset>,
    pub kind: Option<TransferKind>,
    /// 不透明游标：原样传回上一页的 next_cursor；首页不传
    #[param(pattern = "^[0-9]{0,18}$")]
    #[validate(custom(function = "crate::api::valid_cursor"))]
    pub cursor: Option<String>,
    /// 每页条数，默认 20
    #[param(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100, message = "limit 为 1 到 100"))]
    pub limit: Option<u64>,
}

/// 流水类型：award 服务奖励 / grant 发放 / donation 转赠 / redeem 兑换 / reversal 冲正 / expiry 过期
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    Award,
    Grant,
    Donation,
    Redeem,
    Reversal,
    Expiry,
}

impl TransferKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Award => "award",
            TransferKind::Grant => "grant",
            TransferKind::Donation => "donation",
            TransferKind::Redeem => "redeem",
            TransferKind::Reversal => "reversal",
            TransferKind::Expiry => "expiry",
        }
    }
}

/// 对方
#[derive(Debug, Serialize, ToSchema)]
pub struct Counterparty {
    /// user / pool（社区积分池）/ store
    pub kind: String,
    pub id: Id,
    pub name: String,
}

/// 一条流水
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    /// 转账 id
    pub id: Id,
    pub asset: Asset,
    /// 对我而言的变动：收入为正，支出为负
    pub amount: i64,
    pub kind: String,
    /// posted / pending / post / void
    pub phase: String,
    pub counterparty: Counterparty,
    /// 关联对象，如 `order:42`
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub at: DateTime<Utc>,
}

/// 我的流水
///
/// 按时间倒序。
#[utoipa::path(
    tag = "积分",
    params(StatementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "流水", body = Page<EntryOut>),
        (status = 400, description = "`INVALID_QUERY`"),
    )
)]
#[get("/me/transactions")]
pub async fn transactions(
    state: web::Data<AppState>,
    p: Principal,
    q: ApiQuery<StatementQuery>,
) -> AppResult<web::Json<Page<EntryOut>>> {
    let mine: Vec<account::Model> = account::Entity::find()
        .filter(account::Column::OwnerKind.eq("user"))
        .filter(account::Column::OwnerId.eq(p.id()))
        .all(&state.db)
        .await?;
    Ok(web::Json(
        statement(&state, mine.iter().map(|a| a.id).collect(), &q).await?,
    ))
}

/// 社区积分池流水
///
/// 该社区发出的每一笔奖励与发放（限本社区工作者）。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "社区 id"), StatementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "社区积分池流水（发出为负）", body = Page<EntryOut>),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
    )
)]
#[get("/regions/{id}/transactions")]
pub async fn pool_transactions(
    state: web::Data<AppState>,
    access: crate::access::RegionAccess<crate::access::StaffRole>,
    q: ApiQuery<StatementQuery>,
) -> AppResult<web::Json<Page<EntryOut>>> {
    let pools: Vec<account::Model> = account::Entity::find()
        .filter(account::Column::OwnerKind.eq("pool"))
        .filter(account::Column::OwnerId.eq(access.region.id))
        .all(&state.db)
        .await?;
    Ok(web::Json(
        statement(&state, pools.iter().map(|a| a.id).collect(), &q).await?,
    ))
}

/// Transfers touching `ids`, newest first, signed from the point of view of those accounts.
async fn statement(state: &AppState, ids: Vec<i64>, q: &StatementQuery) -> AppResult<Page<EntryOut>> {
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let mut query = transfer::Entity::find()
        .filter(
            Condition::any()
                .add(transfer::Column::DebitAccountId.is_in(ids.clone()))
                .add(transfer::Column::CreditAccountId.is_in(ids.clone())),
        )
        .order_by_desc(transfer::Column::Id)
        .limit(page.limit() + 1);
    if let Some(asset) = q.asset {
        query = query.filter(transfer::Column::Asset.eq(asset.as_str()));
    }
    if let Some(kind) = q.kind {
        query = query.filter(transfer::Column::Kind.eq(kind.as_str()));
    }
    if let Some(before) = page.before_id()? {
        query = query.filter(transfer::Column::Id.lt(before));
    }
    let mut rows = query.all(&state.db).await?;
    let next_cursor = cut(&mut rows, page.limit(), |t| t.id);
    let other_ids: Vec<i64> = rows
        .iter()
        .map(|t| {
            if ids.contains(&t.debit_account_id) {
                t.credit_account_id
            } else {
                t.debit_account_id
            }
        })
        .collect();
    let others = account::Entity::find()
        .filter(account::Column::Id.is_in(other_ids))
        .all(&state.db)
        .await?;
    let user_ids = others
        .iter()
        .filter(|a| a.owner_kind == "user")
        .map(|a| a.owner_id);
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(&state.db)
        .await?;
    let region_ids = others
        .iter()
        .filter(|a| a.owner_kind == "pool")
        .map(|a| a.owner_id);
    let regions = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids))
        .all(&state.db)
        .await?;
    let store_ids = others
        .iter()
        .filter(|a| a.owner_kind == "store")
        .map(|a| a.owner_id);
    let stores = store::Entity::find()
        .filter(store::Column::Id.is_in(store_ids))
        .all(&state.db)
        .await?;
    let items = rows
        .into_iter()
        .map(|t| {
            let outgoing = ids.contains(&t.debit_account_id);
            let other_id = if outgoing {
                t.credit_account_id
            } else {
                t.debit_account_id
            };
            let other = others.iter().find(|a| a.id == other_id);
            let (kind, id) = other.map_or(("user".to_owned(), 0), |a| (a.owner_kind.clone(), a.owner_id));
            let name = match kind.as_str() {
                "user" => users
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| crate::pii::mask_name(&u.name)),
                "pool" => regions
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| format!("{}积分池", r.name)),
                "store" => stores.iter().find(|s| s.id == id).map(|s| s.name.clone()),
                _ => None,
            }
            .unwrap_or_default();
            EntryOut {
                id: Id(t.id),
                asset: Asset::parse(&t.asset).unwrap_or(Asset::Coin),
                amount: if outgoing { -t.amount } else { t.amount },
                kind: t.kind,
                phase: t.phase,
                counterparty: Counterparty {
                    kind,
                    id: Id(id),
                    name,
                },
                reference: t.reference,
                memo: t.memo,
                at: t.created_at,
            }
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// 积分对账
///
/// 检查账本的不变量并列出每一处违例（限系统管理员）。
#[utoipa::path(
    tag = "积分",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "对账结果：ok 为 false 时 violations 列出每一处", body = ReconciliationOut),
        (status = 403, description = "仅系统管理员"),
    )
)]
#[get("/ledger/reconciliation")]
pub async fn reconciliation(
    state: web::Data<AppState>,
    p: Principal,
) -> AppResult<web::Json<ReconciliationOut>> {
    if !p.is_system_admin() {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    Ok(web::Json(reconcile::check(&state.db).await?))
}
