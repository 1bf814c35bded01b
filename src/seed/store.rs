//! The demo love supermarket: a store, stocked goods, welcome coins for the demo resident.

use super::report::{SeedReport, anyhow_of};
use crate::store::catalogue::{self, StoreIn};
use crate::store::goods::{self as store_goods, GoodsIn};
use chrono::Utc;
use entity::region;
use entity::{goods, store, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// (name, price in coins, stock, monthly limit per person)
const GOODS: [(&str, i64, i64, Option<i32>); 4] = [
    ("洗衣液 2kg", 30, 20, Some(2)),
    ("大米 5kg", 50, 10, Some(1)),
    ("毛巾", 10, 50, None),
    ("酱油 500ml", 15, 30, Some(3)),
];
/// Coins the demo resident is welcomed with, so they can redeem at once.
const WELCOME_COINS: i64 = 100;

/// 和平社区爱心超市 with stocked goods, and welcome coins for the demo resident.
pub async fn demo_store(
    conn: &impl ConnectionTrait,
    report: &mut SeedReport,
    community: &region::Model,
    staff: i64,
    resident: &user::Model,
) -> anyhow::Result<()> {
    use crate::ledger::{self, Asset, Movement, Owner};
    let now = Utc::now();
    let name = "和平社区爱心超市";
    let found = store::Entity::find()
        .filter(store::Column::CommunityId.eq(community.id))
        .filter(store::Column::Name.eq(name))
        .one(conn)
        .await?;
    let shop = match found {
        Some(s) => s,
        None => {
            report.created += 1;
            let shop = StoreIn {
                name: name.into(),
                address: "和平社区党群服务中心一楼".into(),
                opening_hours: "周一至周六 9:00-17:00".into(),
            };
            catalogue::open(conn, community, shop).await.map_err(anyhow_of)?
        }
    };
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 爱心超市 love supermarket: {} id={} ==",
        shop.name, shop.id
    ));
    for (goods_name, price, stock, limit) in GOODS {
        let found = goods::Entity::find()
            .filter(goods::Column::StoreId.eq(shop.id))
            .filter(goods::Column::Name.eq(goods_name))
            .one(conn)
            .await?;
        let g = match found {
            Some(g) => g,
            None => {
                report.created += 1;
                let new = GoodsIn {
                    name: goods_name.into(),
                    description: String::new(),
                    image_url: None,
                    price_coins: price,
                    stock,
                    monthly_limit: limit,
                };
                store_goods::shelve(conn, shop.id, new, staff)
                    .await
                    .map_err(anyhow_of)?
            }
        };
        let limit = limit.map_or("不限".to_owned(), |l| format!("每人每月 {l} 件"));
        report.lines.push(format!(
            "{goods_name}：{price} 绿币，初始库存 {stock}，{limit} id={}",
            g.id
        ));
    }
    let reference = format!("seed:welcome:{}", resident.id);
    let welcomed = entity::transfer::Entity::find()
        .filter(entity::transfer::Column::Reference.eq(&reference))
        .one(conn)
        .await?
        .is_some();
    if !welcomed {
        report.created += 1;
        ledger::post(
            conn,
            Movement {
                from: Owner::Pool(community.id),
                to: Owner::User(resident.id),
                asset: Asset::Coin,
                amount: WELCOME_COINS,
                kind: "grant",
                reference: Some(reference),
                actor: Some(staff),
                memo: Some("演示：欢迎绿币".into()),
                at: now,
                reversal_of: None,
            },
        )
        .await
        .map_err(anyhow_of)?;
    }
    report
        .lines
        .push(format!("{} 获赠 {WELCOME_COINS} 绿币，可直接兑换", resident.name));
    Ok(())
}
