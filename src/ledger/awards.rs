//! Awards: for closed orders, the durable claim written with the close is posted exactly once,
//! pool → member, time and coins, whatever closed the order (resident, clock, or a retry); for
//! activities, the check-out that claims the credit posts it ([`award`]).

use super::accounts::{Owner, lock_owned};
use super::movement::{Movement, post_locked};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::account::Asset;
use entity::award_claim;
use entity::transfer::TransferKind;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Posts the claim if nobody has: marking it posted is a conditional update, so only one
/// transaction ever moves its points (the unique reference on transfers backs this up).
pub async fn post_claim(
    conn: &impl ConnectionTrait,
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
    award(
        conn,
        Award {
            community_id: claim.community_id,
            member_id: claim.member_id,
            minutes: claim.minutes,
            coins: claim.coins,
            reference: format!("order:{}", claim.order_id),
            memo: "完成服务订单".into(),
            at,
        },
    )
    .await?;
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
    pub at: DateTime<Utc>,
}

/// Posts an award, pool → member, time and coins (an amount of 0 moves nothing), in the
/// caller's transaction. The caller makes sure it runs once (a claim it marked taken).
pub async fn award(conn: &impl ConnectionTrait, a: Award) -> AppResult<()> {
    // Both assets' accounts locked at once, in id order (see `lock_accounts`).
    let owed: Vec<(Asset, i64)> = [(Asset::Time, a.minutes), (Asset::Coin, a.coins)]
        .into_iter()
        .filter(|(_, amount)| *amount > 0)
        .map(|(asset, amount)| (asset, i64::from(amount)))
        .collect();
    let (pool, member) = (Owner::Pool(a.community_id), Owner::User(a.member_id));
    let wanted: Vec<(Owner, Asset)> = owed
        .iter()
        .flat_map(|(asset, _)| [(pool, *asset), (member, *asset)])
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let locked = lock_owned(conn, &wanted).await?;
    for (pair, (asset, amount)) in locked.chunks(2).zip(owed) {
        post_locked(
            conn,
            &pair[0],
            &pair[1],
            Movement {
                from: pool,
                to: member,
                asset,
                amount,
                kind: TransferKind::Award,
                reference: Some(a.reference.clone()),
                actor: None,
                memo: Some(a.memo.clone()),
                at: a.at,
                reversal_of: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Posts the award owed for `order_id`, if any (in the transaction that closed it).
pub async fn post_for_order(conn: &impl ConnectionTrait, order_id: i64, at: DateTime<Utc>) -> AppResult<()> {
    let claim = award_claim::Entity::find()
        .filter(award_claim::Column::OrderId.eq(order_id))
        .one(conn)
        .await?;
    if let Some(claim) = claim {
        post_claim(conn, &claim, at).await?;
    }
    Ok(())
}
