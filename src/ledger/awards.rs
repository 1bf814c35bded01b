//! Awards: for closed orders, the durable claim written with the close is posted exactly once,
//! pool → member, time and coins, whatever closed the order (resident, clock, or a retry); for
//! activities, the check-out that claims the credit posts it ([`award`]).

use super::accounts::{Owner, lock_owned};
use super::movement::{Movement, post_locked};
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::records::credit::{Entry, Service, append, organiser};
use chrono::{DateTime, Utc};
use entity::account::Asset;
use entity::service_record::{self, RecordKind};
use entity::transfer::TransferKind;
use entity::{award_claim, service_order};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Posts the claim if nobody has: marking it posted is a conditional update, so only one
/// transaction ever moves its points (the unique reference on transfers backs this up).
pub async fn post_claim(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    claim: &award_claim::Model,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let taken = award_claim::Entity::update_many()
        .col_expr(award_claim::Column::PostedAt, Expr::value(at))
        .filter(award_claim::Column::Id.eq(claim.id))
        .filter(award_claim::Column::PostedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    if taken != 1 {
        return Ok(false);
    }
    let order = service_order::Entity::find_by_id(claim.order_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let service = Service {
        kind: RecordKind::Order,
        order_id: Some(order.id),
        activity_id: None,
        region_id: order.region_id,
        organiser: organiser(conn, claim.community_id, None).await?,
        content: order.title,
        served_at: order.completed_at.unwrap_or(claim.created_at),
    };
    let due = Award {
        community_id: claim.community_id,
        member_id: claim.member_id,
        minutes: claim.minutes,
        coins: claim.coins,
        reference: format!("order:{}", claim.order_id),
        memo: "完成服务订单".into(),
        service,
        at,
    };
    award(conn, cfg, due).await?;
    Ok(true)
}

/// What a service earns: minutes and coins from the community's pool to the member.
pub struct Award {
    pub community_id: i64,
    pub member_id: i64,
    pub minutes: i32,
    pub coins: i32,
    /// Unique per award (`order:{id}`, `activity:{id}:{user}`): the unique index on transfers
    /// refuses a second posting.
    pub reference: String,
    pub memo: String,
    /// What the volunteer's service record shows for it.
    pub service: Service,
    pub at: DateTime<Utc>,
}

/// Posts an award, pool → member, time and coins (an amount of 0 moves nothing), and appends it
/// to the member's service record, in the caller's transaction. The caller makes sure it runs
/// once (a claim it marked taken); the unique references back this up.
pub async fn award(conn: &impl ConnectionTrait, cfg: &Config, a: Award) -> AppResult<()> {
    let moved = Moved {
        pool: a.community_id,
        member: a.member_id,
        minutes: a.minutes,
        coins: a.coins,
    };
    let memo = Some(a.memo);
    moved
        .post(conn, true, TransferKind::Award, &a.reference, memo, None, a.at)
        .await?;
    let entry = Entry {
        user_id: a.member_id,
        community_id: a.community_id,
        minutes: a.minutes,
        coins: a.coins,
        reference: a.reference,
        service: &a.service,
        corrects_id: None,
        reason: None,
        actor_id: None,
        at: a.at,
    };
    append(conn, cfg, entry).await?;
    Ok(())
}

/// A correction of a credited service (志愿服务记录更正): part or all of its minutes and coins,
/// with a reason, by staff.
pub struct Correction {
    /// The row corrected.
    pub record_id: i64,
    pub minutes: i32,
    pub coins: i32,
    pub reason: String,
    pub actor: i64,
    pub at: DateTime<Utc>,
}

/// Takes a correction back from the member to the pool that paid (a reversal in the points
/// bank; `INSUFFICIENT_BALANCE` when they no longer hold it) and appends the negative row to the
/// record, in the caller's transaction. Refused beyond what the row still holds after earlier
/// corrections, counted under the member's account locks.
pub async fn take_back(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    c: Correction,
) -> AppResult<service_record::Model> {
    // The corrected row locked first: corrections of one service queue behind each other.
    let o = &crate::records::history::lock(conn, c.record_id).await?;
    if o.kind == RecordKind::Correction {
        return Err(AppError::new(ErrorCode::RecordNotCorrectable));
    }
    if c.minutes == 0 && c.coins == 0 {
        return Err(AppError::new(ErrorCode::CorrectionEmpty));
    }
    let moved = Moved {
        pool: o.community_id,
        member: o.user_id,
        minutes: c.minutes,
        coins: c.coins,
    };
    moved.lock(conn).await?;
    let earlier = crate::records::history::corrections_of(conn, o.id).await?;
    let taken =
        |f: fn(&service_record::Model) -> i32| -> i64 { earlier.iter().map(|r| -i64::from(f(r))).sum() };
    let (minutes_left, coins_left) = (
        i64::from(o.minutes) - taken(|r| r.minutes),
        i64::from(o.coins) - taken(|r| r.coins),
    );
    if i64::from(c.minutes) > minutes_left || i64::from(c.coins) > coins_left {
        return Err(AppError::new(ErrorCode::CorrectionExceedsRecord)
            .with_detail(format!("尚可冲减 {minutes_left} 分钟、{coins_left} 绿币")));
    }
    let reference = format!("correction:{}:{}", o.id, earlier.len() + 1);
    let memo = Some(c.reason.clone());
    moved
        .post(
            conn,
            false,
            TransferKind::Reversal,
            &reference,
            memo,
            Some(c.actor),
            c.at,
        )
        .await?;
    let service = Service {
        kind: o.kind,
        order_id: o.order_id,
        activity_id: o.activity_id,
        region_id: o.region_id,
        organiser: o.organiser.clone(),
        content: o.content.clone(),
        served_at: o.served_at,
    };
    let entry = Entry {
        user_id: o.user_id,
        community_id: o.community_id,
        minutes: -c.minutes,
        coins: -c.coins,
        reference,
        service: &service,
        corrects_id: Some(o.id),
        reason: Some(c.reason),
        actor_id: Some(c.actor),
        at: c.at,
    };
    append(conn, cfg, entry).await
}

/// Minutes and coins moving between a community's pool and a member, for a service.
struct Moved {
    pool: i64,
    member: i64,
    minutes: i32,
    coins: i32,
}

impl Moved {
    fn owed(&self) -> Vec<(Asset, i64)> {
        [(Asset::Time, self.minutes), (Asset::Coin, self.coins)]
            .into_iter()
            .filter(|(_, amount)| *amount > 0)
            .map(|(asset, amount)| (asset, i64::from(amount)))
            .collect()
    }

    /// Both assets' accounts of pool and member, locked at once in id order (see `lock_owned`).
    async fn lock(&self, conn: &impl ConnectionTrait) -> AppResult<Vec<entity::account::Model>> {
        let (pool, member) = (Owner::Pool(self.pool), Owner::User(self.member));
        let wanted: Vec<(Owner, Asset)> = self
            .owed()
            .iter()
            .flat_map(|(asset, _)| [(pool, *asset), (member, *asset)])
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        lock_owned(conn, &wanted).await
    }

    /// Posts each owed asset, pool → member when `to_member`, else back.
    #[allow(clippy::too_many_arguments)]
    async fn post(
        &self,
        conn: &impl ConnectionTrait,
        to_member: bool,
        kind: TransferKind,
        reference: &str,
        memo: Option<String>,
        actor: Option<i64>,
        at: DateTime<Utc>,
    ) -> AppResult<()> {
        let locked = self.lock(conn).await?;
        let (pool, member) = (Owner::Pool(self.pool), Owner::User(self.member));
        for (pair, (asset, amount)) in locked.chunks(2).zip(self.owed()) {
            let (from, to) = if to_member { (pool, member) } else { (member, pool) };
            let (debit, credit) = if to_member {
                (&pair[0], &pair[1])
            } else {
                (&pair[1], &pair[0])
            };
            let movement = Movement {
                from,
                to,
                asset,
                amount,
                kind,
                reference: Some(reference.to_owned()),
                actor,
                memo: memo.clone(),
                at,
                reversal_of: None,
            };
            post_locked(conn, debit, credit, movement).await?;
        }
        Ok(())
    }
}

/// Posts the award owed for `order_id`, if any (in the transaction that closed it).
pub async fn post_for_order(
    conn: &impl ConnectionTrait,
    cfg: &Config,
    order_id: i64,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let claim = award_claim::Entity::find()
        .filter(award_claim::Column::OrderId.eq(order_id))
        .one(conn)
        .await?;
    if let Some(claim) = claim {
        post_claim(conn, cfg, &claim, at).await?;
    }
    Ok(())
}
