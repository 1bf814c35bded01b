//! A redemption as the buyer or the counter sees it.

use super::codes;
use super::redemptions::Full;
use crate::api::Id;
use crate::config::Config;
use crate::error::AppResult;
use crate::export::table::{Cells, CsvRow};
use chrono::{DateTime, Utc};
use entity::redemption::RedemptionStatus;
use entity::{store, user};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Serialize;
use utoipa::ToSchema;

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

impl CsvRow for RedemptionOut {
    fn headers() -> Vec<&'static str> {
        vec![
            "兑换编号",
            "兑换时间",
            "状态",
            "超市编号",
            "超市",
            "兑换人编号",
            "兑换人",
            "商品",
            "件数",
            "绿币",
            "过期时间",
            "取货、取消或过期时间",
        ]
    }

    fn cells(&self, out: &mut Cells) {
        let goods: Vec<String> = self
            .items
            .iter()
            .map(|l| format!("{}×{}", l.name, l.quantity))
            .collect();
        let buyer = self.buyer.as_ref();
        out.id(self.id)
            .time(self.created_at)
            .code(&self.status)
            .id(self.store_id)
            .text(&self.store_name)
            .opt_id(buyer.map(|b| b.id))
            .opt_text(buyer.map(|b| b.name.as_str()))
            .text(&goods.join("；"))
            .value(self.items.iter().map(|l| i64::from(l.quantity)).sum::<i64>())
            .value(self.total_coins)
            .time(self.expires_at)
            .opt_time(self.resolved_at);
    }
}

/// Whose eyes: the buyer sees the pickup code; the counter sees who the buyer is.
pub enum View<'a> {
    Buyer,
    Counter(Option<&'a user::Model>),
}

pub fn render(config: &Config, full: Full, store: &store::Model, view: View) -> RedemptionOut {
    let r = full.redemption;
    let pending_for_buyer = matches!(view, View::Buyer) && r.status == RedemptionStatus::Pending;
    RedemptionOut {
        id: Id(r.id),
        store_id: Id(r.store_id),
        store_name: store.name.clone(),
        status: r.status,
        qr_payload: pending_for_buyer.then(|| codes::qr_payload(config, r.store_id, r.id, &r.pickup_code)),
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

/// The counter's view of one redemption, with its buyer read.
pub async fn for_counter(
    conn: &impl ConnectionTrait,
    config: &Config,
    full: Full,
    store: &store::Model,
) -> AppResult<RedemptionOut> {
    let buyer = user::Entity::find_by_id(full.redemption.buyer_id)
        .one(conn)
        .await?;
    Ok(render(config, full, store, View::Counter(buyer.as_ref())))
}
