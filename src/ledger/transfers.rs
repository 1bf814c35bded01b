//! Point-moving calls: donations, staff grants, reversals. Each needs an `Idempotency-Key`.

use super::{Asset, Movement, Owner, post};
use crate::api::Id;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::extract::{PathId, decode_body};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use entity::region::RegionKind;
use entity::{account, transfer, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// 转账
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferOut {
    pub id: Id,
    pub asset: Asset,
    pub amount: i64,
    /// award / grant / donation / reversal …
    pub kind: String,
    pub reference: Option<String>,
    pub memo: Option<String>,
    /// 冲正的原转账
    pub reversal_of: Option<Id>,
    pub at: DateTime<Utc>,
}

impl From<transfer::Model> for TransferOut {
    fn from(t: transfer::Model) -> Self {
        TransferOut {
            id: Id(t.id),
            asset: Asset::parse(&t.asset).unwrap_or(Asset::Coin),
            amount: t.amount,
            kind: t.kind,
            reference: t.reference,
            memo: t.memo,
            reversal_of: t.reversal_of.map(Id),
            at: t.created_at,
        }
    }
}

fn created(t: transfer::Model) -> AppResult<(StatusCode, serde_json::Value)> {
    Ok((
        StatusCode::CREATED,
        serde_json::to_value(TransferOut::from(t)).map_err(AppError::internal)?,
    ))
}

/// 转赠（如给邻居老人的时间账户）
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DonationIn {
    pub to_user_id: Id,
    pub asset: Asset,
    #[validate(range(min = 1, message = "数量须为正整数"))]
    #[schema(minimum = 1)]
    pub amount: i64,
    #[validate(length(max = 200, message = "留言最多 200 个字"))]
    #[schema(max_length = 200)]
    pub memo: Option<String>,
}

/// 转赠时长或绿币
///
/// 转给其他用户，最多为转出方的可用余额。
#[utoipa::path(
    tag = "积分",
    request_body = DonationIn,
    params(("Idempotency-Key" = String, Header, description = "幂等键（必填）：同一键同一请求只生效一次")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已转赠", body = TransferOut),
        (status = 400, description = "`IDEMPOTENCY_KEY_REQUIRED`"),
        (status = 404, description = "`USER_NOT_FOUND`"),
        (status = 409, description = "`INSUFFICIENT_BALANCE` 或 `IDEMPOTENCY_KEY_IN_FLIGHT`"),
        (status = 422, description = "`RECIPIENT_INVALID`（给自己）、`GRANT_LIMIT_EXCEEDED`（超过单笔上限）或 `IDEMPOTENCY_KEY_REUSED`"),
    )
)]
#[post("/transfers")]
pub async fn donate(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    crate::idempotency::required_key(&req)?;
    let b: DonationIn = decode_body(&req, &body)?;
    if b.to_user_id.0 == p.id() {
        return Err(AppError::new(ErrorCode::RecipientInvalid).with_detail("不能转给自己"));
    }
    if state.config.ledger.donation_max.is_some_and(|max| b.amount > max) {
        return Err(AppError::new(ErrorCode::GrantLimitExceeded).with_detail("超过单笔转赠上限"));
    }
    if user::Entity::find_by_id(b.to_user_id.0)
        .one(&state.db)
        .await?
        .is_none()
    {
        return Err(AppError::new(ErrorCode::UserNotFound));
    }
    crate::idempotency::run(&state, &req, p.id(), &body, async |txn| {
        let movement = Movement {
            from: Owner::User(p.id()),
            to: Owner::User(b.to_user_id.0),
            asset: b.asset,
            amount: b.amount,
            kind: "donation",
            reference: None,
            actor: Some(p.id()),
            memo: b.memo.clone(),
            at: Utc::now(),
            reversal_of: None,
        };
        created(post(txn, movement).await?)
    })
    .await
}

/// 发放积分
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    pub user_id: Id,
    pub asset: Asset,
    #[validate(range(min = 1, message = "数量须为正整数"))]
    #[schema(minimum = 1)]
    pub amount: i64,
    /// 发放原因（审计用）
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

async fn granted_today(
    conn: &impl ConnectionTrait,
    pool: &account::Model,
    since: DateTime<Utc>,
) -> AppResult<i64> {
    let total: Option<Option<i64>> = transfer::Entity::find()
        .select_only()
        .column_as(super::sum_amount(), "total")
        .filter(transfer::Column::DebitAccountId.eq(pool.id))
        .filter(transfer::Column::Kind.eq("grant"))
        .filter(transfer::Column::CreatedAt.gte(since))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

/// 手动发放时长或绿币
///
/// 社区工作者从本社区积分池手动发放，须写明原因，受上限约束。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "社区 id"), ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    request_body = GrantIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "已发放", body = TransferOut),
        (status = 403, description = "需要社区工作者角色"),
        (status = 404, description = "不存在或不在你的管辖范围"),
        (status = 422, description = "`GRANT_LIMIT_EXCEEDED`、`RECIPIENT_INVALID`（不是本社区的人）、`SELF_GRANT`（发给自己）或 `REGION_KIND_INVALID`"),
    )
)]
#[post("/regions/{id}/grants")]
pub async fn grant(
    state: web::Data<AppState>,
    req: HttpRequest,
    access: crate::access::RegionAccess<crate::access::StaffRole>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    crate::idempotency::required_key(&req)?;
    let b: GrantIn = decode_body(&req, &body)?;
    let community = access.region;
    // Nobody mints points for themselves; the audit view shows who granted what to whom.
    if b.user_id.0 == access.principal.id() {
        return Err(AppError::new(ErrorCode::SelfGrant));
    }
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("积分由社区发放"));
    }
    let rules = &state.config.ledger;
    let (per_grant, per_day) = match b.asset {
        Asset::Coin => (rules.grant_max_coins, rules.grant_daily_coins),
        Asset::Time => (rules.grant_max_minutes, rules.grant_daily_minutes),
    };
    if b.amount > per_grant {
        return Err(AppError::new(ErrorCode::GrantLimitExceeded).with_detail(format!("单笔最多 {per_grant}")));
    }
    // The recipient must belong to the community: a role there, or living there.
    let grantee = crate::auth::principal::load_for(&state, b.user_id.0).await?;
    let belongs = grantee.belongs_to(&community);
    if !belongs {
        return Err(AppError::new(ErrorCode::RecipientInvalid).with_detail("不是本社区的居民或党员"));
    }
    let staff = access.principal.id();
    crate::idempotency::run(&state, &req, staff, &body, async |txn| {
        let now = Utc::now();
        // Lock the pool (with the recipient, in id order): grants of one community then count
        // against the daily cap one by one.
        let pool = super::account(txn, Owner::Pool(community.id), b.asset).await?;
        let to = super::account(txn, Owner::User(b.user_id.0), b.asset).await?;
        super::lock_accounts(txn, &[pool.id, to.id]).await?;
        if granted_today(txn, &pool, crate::calendar::start_of_day(now)).await? + b.amount > per_day {
            return Err(AppError::new(ErrorCode::GrantLimitExceeded)
                .with_detail(format!("本社区今日最多发放 {per_day}")));
        }
        let movement = Movement {
            from: Owner::Pool(community.id),
            to: Owner::User(b.user_id.0),
            asset: b.asset,
            amount: b.amount,
            kind: "grant",
            reference: None,
            actor: Some(staff),
            memo: Some(b.reason.clone()),
            at: now,
            reversal_of: None,
        };
        let t = post(txn, movement).await?;
        tracing::info!(
            transfer_id = t.id,
            by = staff,
            community = community.id,
            "points granted"
        );
        created(t)
    })
    .await
}

/// 冲正原因
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseIn {
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// 冲正转账
///
/// 以一笔引用原转账的反向转账冲正，每笔只能冲正一次（限系统管理员）。
#[utoipa::path(
    tag = "积分",
    params(("id" = String, Path, description = "转账 id"), ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    request_body = ReverseIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "冲正转账", body = TransferOut),
        (status = 403, description = "仅系统管理员"),
        (status = 404, description = "转账不存在"),
        (status = 409, description = "`TRANSFER_ALREADY_REVERSED`，或 `INSUFFICIENT_BALANCE`（冲正会使对方余额为负）"),
    )
)]
#[post("/transfers/{id}/reverse")]
pub async fn reverse(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: Principal,
    id: PathId,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    if !p.is_system_admin() {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    crate::idempotency::required_key(&req)?;
    let b: ReverseIn = decode_body(&req, &body)?;
    let original = transfer::Entity::find_by_id(id.into_inner())
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if original.phase != "posted" {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("只能冲正已入账的转账"));
    }
    let reversed = transfer::Entity::find()
        .filter(transfer::Column::ReversalOf.eq(original.id))
        .one(&state.db)
        .await?;
    if reversed.is_some() {
        return Err(AppError::new(ErrorCode::TransferAlreadyReversed));
    }
    crate::idempotency::run(&state, &req, p.id(), &body, async |txn| {
        let owner_of = async |account_id: i64| -> AppResult<Owner> {
            let a = account::Entity::find_by_id(account_id)
                .one(txn)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
            Ok(match a.owner_kind.as_str() {
                "pool" => Owner::Pool(a.owner_id),
                "store" => Owner::Store(a.owner_id),
                _ => Owner::User(a.owner_id),
            })
        };
        let movement = Movement {
            from: owner_of(original.credit_account_id).await?,
            to: owner_of(original.debit_account_id).await?,
            asset: Asset::parse(&original.asset).unwrap_or(Asset::Coin),
            amount: original.amount,
            kind: "reversal",
            reference: original.reference.clone(),
            actor: Some(p.id()),
            memo: Some(b.reason.clone()),
            at: Utc::now(),
            reversal_of: Some(original.id),
        };
        created(post(txn, movement).await?)
    })
    .await
}
