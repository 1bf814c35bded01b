//! Awards for closed orders: the durable claim written with the close is posted exactly once,
//! pool → member, time and coins, whatever closed the order (resident, clock, or a retry).

use super::accounts::{Owner, account, lock_accounts};
use super::movement::{Movement, post};
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
    // Both assets' accounts at once, in id order (see `lock_accounts`).
    let owed = [(Asset::Time, claim.minutes), (Asset::Coin, claim.coins)];
    let mut ids = Vec::with_capacity(4);
    for (asset, _) in owed.iter().filter(|(_, amount)| *amount > 0) {
        let asset = *asset;
        ids.push(account(conn, Owner::Pool(claim.community_id), asset).await?.id);
        ids.push(account(conn, Owner::User(claim.member_id), asset).await?.id);
    }
    lock_accounts(conn, &ids).await?;
    for (asset, amount) in owed {
        if amount > 0 {
            post(
                conn,
                Movement {
                    from: Owner::Pool(claim.community_id),
                    to: Owner::User(claim.member_id),
                    asset,
                    amount: amount.into(),
                    kind: TransferKind::Award,
                    reference: Some(format!("order:{}", claim.order_id)),
                    actor: None,
                    memo: Some("完成服务订单".into()),
                    at,
                    reversal_of: None,
                },
            )
            .await?;
        }
    }
    Ok(true)
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
