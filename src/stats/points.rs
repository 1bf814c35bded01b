//! Points figures of a dashboard: service time and green coins issued by the communities'
//! pools, given between residents, spent at the love supermarkets, and held now.
//!
//! Rows are counted by when they were written: a past range does not change. Issuing belongs to
//! the community whose pool paid; spending to the store's community; donations and holdings to
//! the resident's home (their first confirmed residence under the region).

use super::range::Range;
use crate::db::{count_i64, sum_i64};
use crate::error::AppResult;
use entity::account::{self, Asset, OwnerKind};
use entity::redemption::{self, RedemptionStatus};
use entity::region;
use entity::residence::{self, ResidenceStatus};
use entity::store;
use entity::transfer::{self, Phase, TransferKind};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    RelationTrait,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// 发放（服务时长以分钟计，绿币以个计）
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Issued {
    /// 服务奖励（订单、活动记入）
    pub awards: i64,
    /// 手工发放
    pub grants: i64,
    /// 冲正退回积分池的
    pub reversed: i64,
    /// 净发放 = 奖励 + 发放 − 冲正
    pub net: i64,
}

/// 爱心超市营业额
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StoreTurnover {
    pub store_id: crate::api::Id,
    pub name: String,
    /// 区间内核销（已取货）的兑换单数
    pub redemptions: i64,
    /// 区间内核销的绿币
    pub coins: i64,
}

/// 积分统计
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PointsStats {
    /// 服务时长发放（分钟）
    pub minutes_issued: Issued,
    /// 绿币发放
    pub coins_issued: Issued,
    /// 居民之间捐赠的服务时长（分钟，按捐出者所在区域）
    pub minutes_donated: i64,
    /// 居民之间捐赠的绿币（按捐出者所在区域）
    pub coins_donated: i64,
    /// 在爱心超市核销的兑换单数
    pub redemptions: i64,
    /// 在爱心超市花掉的绿币（取货核销时入账）
    pub coins_spent: i64,
    /// 居民现持有的服务时长（分钟，截至现在）
    pub minutes_held: i64,
    /// 居民现持有的绿币（截至现在，含冻结）
    pub coins_held: i64,
    /// 其中为未取货兑换单冻结的绿币
    pub coins_on_hold: i64,
    /// 各爱心超市营业额，按绿币多的在前
    pub stores: Vec<StoreTurnover>,
}

/// The points facts of a subtree over a range.
pub struct Points {
    /// (community path, asset, kind, amount) written by the pools in the range
    issued: Vec<(String, Asset, TransferKind, i64)>,
    /// (giver, asset, amount) given in the range by residents of the subtree
    donated: Vec<(i64, Asset, i64)>,
    /// (owner, asset, balance, pending debits) of residents of the subtree, now
    held: Vec<(i64, Asset, i64, i64)>,
    /// (community path, store, name, redemptions, coins) picked up in the range
    spent: Vec<(String, i64, String, i64, i64)>,
}

/// Reads the facts of `root`'s subtree in `range`.
pub async fn load(conn: &impl ConnectionTrait, root: &region::Model, range: &Range) -> AppResult<Points> {
    let under = region::Column::Path.starts_with(&root.path);
    // The pools of the communities under `root` (two per community), read first so that each
    // sum below is a range scan of one pool account's transfers by time.
    let pools: HashMap<i64, (String, Asset)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(region::Column::Path)
        .column(account::Column::Asset)
        .join(JoinType::InnerJoin, pool_region())
        .filter(account::Column::OwnerKind.eq(OwnerKind::Pool))
        .filter(under.clone())
        .into_tuple::<(i64, String, Asset)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, path, asset)| (id, (path, asset)))
        .collect();
    let paid = [TransferKind::Award, TransferKind::Grant];
    let issued = pool_sums(conn, &pools, range, transfer::Column::DebitAccountId, &paid).await?;
    let returned = [TransferKind::Reversal];
    let reversed = pool_sums(conn, &pools, range, transfer::Column::CreditAccountId, &returned).await?;
    // The residents' accounts, by subquery (a street has thousands of residents).
    let residents = || {
        account::Entity::find()
            .filter(account::Column::OwnerKind.eq(OwnerKind::User))
            .filter(
                Expr::col((account::Entity, account::Column::OwnerId)).in_subquery(
                    residence::Entity::find()
                        .select_only()
                        .column(residence::Column::UserId)
                        .join(JoinType::InnerJoin, residence::Relation::Region.def())
                        .filter(region::Column::Path.starts_with(&root.path))
                        .filter(residence::Column::Status.eq(ResidenceStatus::Confirmed))
                        .into_query(),
                ),
            )
    };
    let accounts: Vec<account::Model> = residents().all(conn).await?;
    let held = accounts
        .iter()
        .map(|a| {
            (
                a.owner_id,
                a.asset,
                a.credits_posted - a.debits_posted,
                a.debits_pending,
            )
        })
        .collect();
    let owners: HashMap<i64, (i64, Asset)> = accounts
        .into_iter()
        .map(|a| (a.id, (a.owner_id, a.asset)))
        .collect();
    let donated = transfer::Entity::find()
        .select_only()
        .column(transfer::Column::DebitAccountId)
        .column_as(sum_i64(Expr::col(transfer::Column::Amount)), "amount")
        .filter(
            Expr::col(transfer::Column::DebitAccountId)
                .in_subquery(residents().select_only().column(account::Column::Id).into_query()),
        )
        .filter(transfer::Column::Kind.eq(TransferKind::Donation))
        .filter(transfer::Column::Phase.eq(Phase::Posted))
        .filter(transfer::Column::CreatedAt.gte(range.starts_at))
        .filter(transfer::Column::CreatedAt.lt(range.ends_at))
        .group_by(transfer::Column::DebitAccountId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(acc, amount)| owners.get(&acc).map(|(user, asset)| (*user, *asset, amount)))
        .collect();
    let spent = redemption::Entity::find()
        .select_only()
        .column(region::Column::Path)
        .column(store::Column::Id)
        .column(store::Column::Name)
        .column_as(
            count_i64(Expr::col((redemption::Entity, redemption::Column::Id))),
            "redemptions",
        )
        .column_as(sum_i64(Expr::col(redemption::Column::TotalCoins)), "coins")
        .join(
            JoinType::InnerJoin,
            redemption::Entity::belongs_to(store::Entity)
                .from(redemption::Column::StoreId)
                .to(store::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            store::Entity::belongs_to(region::Entity)
                .from(store::Column::CommunityId)
                .to(region::Column::Id)
                .into(),
        )
        .filter(under)
        .filter(redemption::Column::Status.eq(RedemptionStatus::Fulfilled))
        .filter(redemption::Column::ResolvedAt.gte(range.starts_at))
        .filter(redemption::Column::ResolvedAt.lt(range.ends_at))
        .group_by(region::Column::Path)
        .group_by(store::Column::Id)
        .group_by(store::Column::Name)
        .order_by_asc(store::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Points {
        issued: issued.into_iter().chain(reversed).collect(),
        donated,
        held,
        spent,
    })
}

/// Sums of `kinds` of transfers in `range` whose `side` is one of `pools`, by the pool's
/// community path, asset and kind.
async fn pool_sums(
    conn: &impl ConnectionTrait,
    pools: &HashMap<i64, (String, Asset)>,
    range: &Range,
    side: transfer::Column,
    kinds: &[TransferKind],
) -> AppResult<Vec<(String, Asset, TransferKind, i64)>> {
    let sums: Vec<(i64, TransferKind, i64)> = transfer::Entity::find()
        .select_only()
        .column(side)
        .column(transfer::Column::Kind)
        .column_as(sum_i64(Expr::col(transfer::Column::Amount)), "amount")
        .filter(side.is_in(pools.keys().copied()))
        .filter(transfer::Column::Kind.is_in(kinds.iter().copied()))
        .filter(transfer::Column::CreatedAt.gte(range.starts_at))
        .filter(transfer::Column::CreatedAt.lt(range.ends_at))
        .group_by(side)
        .group_by(transfer::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(sums
        .into_iter()
        .filter_map(|(pool, kind, amount)| {
            let (path, asset) = pools.get(&pool)?;
            Some((path.clone(), *asset, kind, amount))
        })
        .collect())
}

/// The pool account's owner: its community.
fn pool_region() -> sea_orm::RelationDef {
    account::Entity::belongs_to(region::Entity)
        .from(account::Column::OwnerId)
        .to(region::Column::Id)
        .into()
}

impl Points {
    /// The figures of the region at `path`; `homes` maps each resident to their region's path.
    pub fn under(&self, path: &str, homes: &HashMap<i64, &str>) -> PointsStats {
        let home_within = |user: &i64| homes.get(user).is_some_and(|p| p.starts_with(path));
        let issued = |asset: Asset| {
            let mut out = Issued::default();
            for (p, a, kind, amount) in &self.issued {
                if *a != asset || !p.starts_with(path) {
                    continue;
                }
                match kind {
                    TransferKind::Award => out.awards += amount,
                    TransferKind::Grant => out.grants += amount,
                    _ => out.reversed += amount,
                }
            }
            out.net = out.awards + out.grants - out.reversed;
            out
        };
        let donated = |asset: Asset| -> i64 {
            self.donated
                .iter()
                .filter(|(user, a, _)| *a == asset && home_within(user))
                .map(|d| d.2)
                .sum()
        };
        let held = |asset: Asset| -> (i64, i64) {
            self.held
                .iter()
                .filter(|(user, a, _, _)| *a == asset && home_within(user))
                .fold((0, 0), |(b, p), h| (b + h.2, p + h.3))
        };
        let mut stores: Vec<StoreTurnover> = self
            .spent
            .iter()
            .filter(|s| s.0.starts_with(path))
            .map(|(_, id, name, redemptions, coins)| StoreTurnover {
                store_id: crate::api::Id(*id),
                name: name.clone(),
                redemptions: *redemptions,
                coins: *coins,
            })
            .collect();
        stores.sort_by(|a, b| b.coins.cmp(&a.coins).then(a.store_id.0.cmp(&b.store_id.0)));
        let (coins_held, coins_on_hold) = held(Asset::Coin);
        PointsStats {
            minutes_issued: issued(Asset::Time),
            coins_issued: issued(Asset::Coin),
            minutes_donated: donated(Asset::Time),
            coins_donated: donated(Asset::Coin),
            redemptions: stores.iter().map(|s| s.redemptions).sum(),
            coins_spent: stores.iter().map(|s| s.coins).sum(),
            minutes_held: held(Asset::Time).0,
            coins_held,
            coins_on_hold,
            stores,
        }
    }
}
