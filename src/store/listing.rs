//! Pages of redemptions, newest first: the buyer's own, and a store's for its counter.

use super::redemptions::{self, Full};
use super::view::{self, RedemptionOut, View};
use crate::api::{Page, PageQuery, cut};
use crate::config::Config;
use crate::db::newest_of;
use crate::error::AppResult;
use entity::redemption::{self, RedemptionStatus};
use entity::{store, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use std::collections::HashSet;
use utoipa::IntoParams;
use validator::Validate;

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

crate::api::paged!(RedemptionQuery);

impl RedemptionQuery {
    fn page(&self) -> PageQuery {
        PageQuery {
            cursor: self.cursor.clone(),
            limit: self.limit,
        }
    }
}

/// One page of the redemptions whose `owner` column is `value` (a buyer's, a store's), newest
/// first, with their lines; read through the owner's `(owner, id)` index (`db::newest_of`).
async fn page_of(
    conn: &impl ConnectionTrait,
    owner: redemption::Column,
    value: i64,
    q: &RedemptionQuery,
) -> AppResult<(Vec<Full>, Option<String>)> {
    let page = q.page();
    let before = page.before_id()?;
    let mut query = newest_of(
        redemption::Entity::find(),
        owner,
        value,
        redemption::Column::Id,
        before,
    )
    .limit(page.limit() + 1);
    if let Some(s) = q.status {
        query = query.filter(redemption::Column::Status.eq(s));
    }
    let mut rows = query.all(conn).await?;
    let next = cut(&mut rows, page.limit(), |r| r.id);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lines = redemptions::lines_of(conn, &ids).await?;
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

/// The buyer's redemptions, with their pickup codes while pending.
pub async fn of_buyer(
    conn: &impl ConnectionTrait,
    config: &Config,
    buyer: i64,
    q: &RedemptionQuery,
) -> AppResult<Page<RedemptionOut>> {
    let (fulls, next_cursor) = page_of(conn, redemption::Column::BuyerId, buyer, q).await?;
    let store_ids: HashSet<i64> = fulls.iter().map(|f| f.redemption.store_id).collect();
    let stores = store::Entity::find()
        .filter(store::Column::Id.is_in(store_ids))
        .all(conn)
        .await?;
    let items = fulls
        .into_iter()
        .filter_map(|f| {
            let s = stores.iter().find(|s| s.id == f.redemption.store_id)?;
            Some(view::render(config, f, s, View::Buyer))
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// A store's redemptions for its counter: who redeemed, never the code.
pub async fn at_store(
    conn: &impl ConnectionTrait,
    config: &Config,
    store: &store::Model,
    q: &RedemptionQuery,
) -> AppResult<Page<RedemptionOut>> {
    let (fulls, next_cursor) = page_of(conn, redemption::Column::StoreId, store.id, q).await?;
    let buyer_ids: HashSet<i64> = fulls.iter().map(|f| f.redemption.buyer_id).collect();
    let buyers = user::Entity::find()
        .filter(user::Column::Id.is_in(buyer_ids))
        .all(conn)
        .await?;
    let items = fulls
        .into_iter()
        .map(|f| {
            let buyer = buyers.iter().find(|u| u.id == f.redemption.buyer_id);
            view::render(config, f, store, View::Counter(buyer))
        })
        .collect();
    Ok(Page { items, next_cursor })
}
