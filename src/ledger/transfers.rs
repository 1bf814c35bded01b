//! Point-moving requests: donations, staff grants, reversals, each once per `Idempotency-Key`.
//! Each is checked first (refusals that need no transaction, not recorded against the key), then
//! posted in the idempotent transaction.

use super::accounts::{Owner, lock_ids, lock_or_open, lock_owned, sum_amount};
use super::movement::{Movement, post_locked};
use crate::api::Id;
use crate::auth::principal::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::idempotency::{Answer, Key, once};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::account::{self as acct, Asset};
use entity::region::{self, RegionKind};
use entity::transfer::{self, Phase, TransferKind};
use entity::user;
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
    #[schema(value_type = String)]
    pub kind: TransferKind,
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
            asset: t.asset,
            amount: t.amount,
            kind: t.kind,
            reference: t.reference,
            memo: t.memo,
            reversal_of: t.reversal_of.map(Id),
            at: t.created_at,
        }
    }
}

/// 转赠（如给邻居老人的时间账户）
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
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

/// A donation that passed its checks: `from` gives to another existing user, within the cap.
struct Donation {
    from: i64,
    input: DonationIn,
}

/// User `from` gives to another user, once per `key`: 201 with the transfer.
pub async fn donate(state: &AppState, key: &Key, from: i64, input: DonationIn) -> AppResult<Answer> {
    let donation = donation(state, from, input).await?;
    once(&state.db, Some(key), 201, async |txn| donation.post(txn).await).await
}

/// Checks a donation from user `from`.
async fn donation(state: &AppState, from: i64, input: DonationIn) -> AppResult<Donation> {
    if input.to_user_id.0 == from {
        return Err(AppError::new(ErrorCode::RecipientInvalid).with_detail("不能转给自己"));
    }
    if state
        .config
        .ledger
        .donation_max
        .is_some_and(|max| input.amount > max)
    {
        return Err(AppError::new(ErrorCode::GrantLimitExceeded).with_detail("超过单笔转赠上限"));
    }
    Ok(Donation { from, input })
}

impl Donation {
    /// Moves the points; `INSUFFICIENT_BALANCE` beyond what the giver has available,
    /// `USER_NOT_FOUND` for a recipient who does not exist. A user who holds an account exists
    /// (only users holding none are ever deleted), so the recipient is read only when their
    /// account is opened now.
    async fn post(&self, txn: &impl ConnectionTrait) -> AppResult<TransferOut> {
        let b = &self.input;
        let (from, to) = (Owner::User(self.from), Owner::User(b.to_user_id.0));
        let exists = async |owner: Owner| -> AppResult<()> {
            if owner == to && user::Entity::find_by_id(to.id()).one(txn).await?.is_none() {
                return Err(AppError::new(ErrorCode::UserNotFound));
            }
            Ok(())
        };
        let locked = lock_or_open(txn, &[(from, b.asset), (to, b.asset)], exists).await?;
        let movement = Movement {
            from,
            to,
            asset: b.asset,
            amount: b.amount,
            kind: TransferKind::Donation,
            reference: None,
            actor: Some(self.from),
            memo: b.memo.clone(),
            at: Utc::now(),
            reversal_of: None,
        };
        Ok(post_locked(txn, &locked[0], &locked[1], movement).await?.into())
    }
}

/// 发放积分
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
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

/// A grant that passed its checks; the daily cap is counted when it is posted.
struct Grant {
    staff: i64,
    community: i64,
    per_day: i64,
    input: GrantIn,
}

/// `staff` grants from `community`'s pool, once per `key`: 201 with the transfer.
pub async fn grant(
    state: &AppState,
    key: &Key,
    staff: &Principal,
    community: &region::Model,
    input: GrantIn,
) -> AppResult<Answer> {
    let grant = checked_grant(state, staff, community, input).await?;
    once(&state.db, Some(key), 201, async |txn| grant.post(txn).await).await
}

/// Checks a grant by `staff` from `community`'s pool: not to themselves, from a community, within
/// the per-grant cap, to someone who belongs to the community (a role there, or living there).
async fn checked_grant(
    state: &AppState,
    staff: &Principal,
    community: &region::Model,
    input: GrantIn,
) -> AppResult<Grant> {
    // Nobody mints points for themselves; the audit view shows who granted what to whom.
    if input.user_id.0 == staff.id() {
        return Err(AppError::new(ErrorCode::SelfGrant));
    }
    if community.kind != RegionKind::Community {
        return Err(AppError::new(ErrorCode::RegionKindInvalid).with_detail("积分由社区发放"));
    }
    let rules = &state.config.ledger;
    let (per_grant, per_day) = match input.asset {
        Asset::Coin => (rules.grant_max_coins, rules.grant_daily_coins),
        Asset::Time => (rules.grant_max_minutes, rules.grant_daily_minutes),
    };
    if input.amount > per_grant {
        return Err(AppError::new(ErrorCode::GrantLimitExceeded).with_detail(format!("单笔最多 {per_grant}")));
    }
    let grantee = crate::auth::callers::load_for(state, input.user_id.0).await?;
    if !grantee.belongs_to(community) {
        return Err(AppError::new(ErrorCode::RecipientInvalid).with_detail("不是本社区的居民或党员"));
    }
    Ok(Grant {
        staff: staff.id(),
        community: community.id,
        per_day,
        input,
    })
}

async fn granted_since(
    conn: &impl ConnectionTrait,
    pool: &acct::Model,
    since: DateTime<Utc>,
) -> AppResult<i64> {
    let total: Option<Option<i64>> = transfer::Entity::find()
        .select_only()
        .column_as(sum_amount(), "total")
        .filter(transfer::Column::DebitAccountId.eq(pool.id))
        .filter(transfer::Column::Kind.eq(TransferKind::Grant))
        .filter(transfer::Column::CreatedAt.gte(since))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

impl Grant {
    /// Moves the points from the pool, within the community's daily cap.
    async fn post(&self, txn: &impl ConnectionTrait) -> AppResult<TransferOut> {
        let b = &self.input;
        let now = Utc::now();
        // Lock the pool (with the recipient, in id order): grants of one community then count
        // against the daily cap one by one.
        let locked = lock_owned(
            txn,
            &[
                (Owner::Pool(self.community), b.asset),
                (Owner::User(b.user_id.0), b.asset),
            ],
        )
        .await?;
        let (pool, to) = (&locked[0], &locked[1]);
        let since = crate::calendar::start_of_day(now);
        if granted_since(txn, pool, since).await? + b.amount > self.per_day {
            return Err(AppError::new(ErrorCode::GrantLimitExceeded)
                .with_detail(format!("本社区今日最多发放 {}", self.per_day)));
        }
        let movement = Movement {
            from: Owner::Pool(self.community),
            to: Owner::User(b.user_id.0),
            asset: b.asset,
            amount: b.amount,
            kind: TransferKind::Grant,
            reference: None,
            actor: Some(self.staff),
            memo: Some(b.reason.clone()),
            at: now,
            reversal_of: None,
        };
        let t = post_locked(txn, pool, to, movement).await?;
        tracing::info!(
            transfer_id = t.id,
            by = self.staff,
            community = self.community,
            "points granted"
        );
        Ok(t.into())
    }
}

/// 冲正原因
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseIn {
    #[validate(length(min = 1, max = 200, message = "原因为 1 到 200 个字"))]
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// A reversal that passed its checks.
struct Reversal {
    original: transfer::Model,
    actor: i64,
    reason: String,
}

/// `actor` reverses `original`, once per `key`: 201 with the reversing transfer.
pub async fn reverse(
    state: &AppState,
    key: &Key,
    original: transfer::Model,
    actor: i64,
    input: ReverseIn,
) -> AppResult<Answer> {
    let reversal = reversal(&state.db, original, actor, input).await?;
    once(&state.db, Some(key), 201, async |txn| reversal.post(txn).await).await
}

/// Checks that `original` may be reversed by `actor`: a posted single-phase transfer, not reversed
/// yet (a racing reversal is still stopped by the unique index when posting).
async fn reversal(
    conn: &impl ConnectionTrait,
    original: transfer::Model,
    actor: i64,
    input: ReverseIn,
) -> AppResult<Reversal> {
    if original.phase != Phase::Posted {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("只能冲正已入账的转账"));
    }
    let reversed = transfer::Entity::find()
        .filter(transfer::Column::ReversalOf.eq(original.id))
        .one(conn)
        .await?;
    if reversed.is_some() {
        return Err(AppError::new(ErrorCode::TransferAlreadyReversed));
    }
    Ok(Reversal {
        original,
        actor,
        reason: input.reason,
    })
}

impl Reversal {
    /// The opposite movement, referring to the original; `INSUFFICIENT_BALANCE` when the
    /// receiver no longer has it.
    async fn post(&self, txn: &impl ConnectionTrait) -> AppResult<TransferOut> {
        let original = &self.original;
        let locked = lock_ids(txn, &[original.credit_account_id, original.debit_account_id]).await?;
        let find = |id: i64| {
            locked
                .iter()
                .find(|a| a.id == id)
                .ok_or_else(|| AppError::new(ErrorCode::NotFound))
        };
        let (from, to) = (
            find(original.credit_account_id)?,
            find(original.debit_account_id)?,
        );
        let movement = Movement {
            from: Owner::of(from),
            to: Owner::of(to),
            asset: original.asset,
            amount: original.amount,
            kind: TransferKind::Reversal,
            reference: original.reference.clone(),
            actor: Some(self.actor),
            memo: Some(self.reason.clone()),
            at: Utc::now(),
            reversal_of: Some(original.id),
        };
        Ok(post_locked(txn, from, to, movement).await?.into())
    }
}

/// A transfer by id.
pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<transfer::Model> {
    transfer::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}
