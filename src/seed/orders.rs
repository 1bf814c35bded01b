//! Demo service items and orders, taken through the real state machine.

use super::report::SeedReport;
use crate::config::Config;
use crate::orders::service::{self, NewOrder, Step};
use crate::pii::Pii;
use chrono::Utc;
use entity::region;
use entity::service_order::DispatchMode;
use entity::{service_item, service_order, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// (name, 服务岗位, coins, max minutes)
pub const ITEMS_HEPING: [(&str, &str, i32, i32); 5] = [
    ("疏通下水道", "便民服务", 10, 60),
    ("代缴水电费", "便民服务", 5, 30),
    ("政策宣讲", "政策宣传", 8, 90),
    ("楼道清洁", "洁净家园", 6, 60),
    ("邻里纠纷调解", "矛盾调解", 15, 120),
];
pub const ITEMS_TUANJIE: [(&str, &str, i32, i32); 2] =
    [("理发", "便民服务", 8, 45), ("陪同就医", "便民服务", 12, 180)];

/// Demo orders and how far each gets: 0 submitted, 1 published, 2 claimed, 3 completed, 4 closed.
pub const ORDERS: [(&str, u8); 5] = [
    ("楼道灯坏了", 0),
    ("帮忙代缴水电费", 1),
    ("厨房下水道堵了", 2),
    ("楼道堆物需要清理", 3),
    ("楼上噪音，请帮忙调解", 4),
];

pub async fn ensure_item(
    conn: &impl ConnectionTrait,
    community: i64,
    name: &str,
    category: &str,
    coins: i32,
    max_minutes: i32,
) -> anyhow::Result<(service_item::Model, bool)> {
    let found = service_item::Entity::find()
        .filter(service_item::Column::CommunityId.eq(community))
        .filter(service_item::Column::Name.eq(name))
        .one(conn)
        .await?;
    if let Some(item) = found {
        return Ok((item, false));
    }
    let now = Utc::now();
    let item = service_item::ActiveModel {
        community_id: Set(community),
        name: Set(name.into()),
        category: Set(category.into()),
        description: Set(String::new()),
        coins: Set(coins),
        max_minutes: Set(max_minutes),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((item, true))
}

/// Who the demo orders involve.
pub struct Cast<'a> {
    pub config: &'a Config,
    pub pii: &'a Pii,
    pub resident: &'a user::Model,
    pub grid: &'a region::Model,
    pub staff: i64,
    pub member: i64,
}

/// One demo order, taken through the real state machine up to `stop`; found by its key when it exists.
pub async fn demo_order(
    conn: &impl ConnectionTrait,
    cast: &Cast<'_>,
    n: usize,
    title: &str,
    stop: u8,
) -> anyhow::Result<(service_order::Model, bool)> {
    let Cast {
        config,
        pii,
        resident,
        grid,
        staff,
        member,
    } = *cast;
    let key = format!("demo-{}", n + 1);
    let found = service_order::Entity::find()
        .filter(service_order::Column::ResidentId.eq(resident.id))
        .filter(service_order::Column::ClientKey.eq(key.as_str()))
        .one(conn)
        .await?;
    if let Some(o) = found {
        return Ok((o, false));
    }
    let now = Utc::now();
    // The demo member worked the hour before completing, so the minutes reported are credited.
    let began = now - chrono::Duration::minutes(60);
    let new = NewOrder {
        region_id: grid.id,
        service_item_id: None,
        title: title.into(),
        description: "演示订单".into(),
        address: "1 单元 101".into(),
        contact_phone: Some("13800000301".into()),
        preferred_time: None,
        photos: vec![],
        placed_by: None,
        urgency: entity::whistle::Urgency::Normal,
        severity: None,
        problem_id: None,
        note: None,
    };
    let mut o = service::insert(conn, config, pii, resident.id, new, Some(key), began).await?;
    let go =
        |step: Step, o: service_order::Model| async move { service::apply(conn, config, &o, step).await };
    if stop == 0 {
        return Ok((o, true));
    }
    let mut dispatch = Step::dispatch(
        if stop == 1 {
            DispatchMode::Publish
        } else {
            DispatchMode::Assign
        },
        staff,
        began,
    );
    if stop > 1 {
        dispatch.set.assignee_id = Set(Some(member));
    }
    o = go(dispatch, o).await?;
    if stop >= 2 {
        o = go(Step::accept(member, began), o).await?;
    }
    if stop >= 3 {
        o = go(Step::start(member, began), o).await?;
        let done = Some("已处理".into());
        let step = service::completion(conn, &config.orders, &o, member, 50, done, "[]".into(), now).await?;
        o = go(step, o).await?;
    }
    if stop >= 4 {
        o = go(
            Step::confirm(resident.id, 5, None, Some("非常感谢！".into()), now),
            o,
        )
        .await?;
    }
    Ok((o, true))
}

/// The service items of both communities.
pub async fn items(
    txn: &impl ConnectionTrait,
    tree: &super::regions::Tree,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    report.lines.push(String::new());
    report.lines.push("== 服务项目 service items ==".into());
    for (community, items) in [("和平社区", &ITEMS_HEPING[..]), ("团结社区", &ITEMS_TUANJIE[..])] {
        let (c, _) = tree.place(community)?;
        for (name, category, coins, minutes) in items {
            let (item, new) = ensure_item(txn, c.id, name, category, *coins, *minutes).await?;
            report.created += usize::from(new);
            report.lines.push(format!(
                "{community} {category}/{name}：{coins} 绿币，最多 {minutes} 分钟 id={}",
                item.id
            ));
        }
    }
    Ok(())
}

/// The demo resident's orders, each taken as far as [`ORDERS`] says.
pub async fn orders(
    txn: &impl ConnectionTrait,
    cast: &Cast<'_>,
    member_name: &str,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 订单 orders（{} 下的单，{member_name} 接单）==",
        cast.resident.name
    ));
    for (i, (title, stop)) in ORDERS.iter().enumerate() {
        let (order, new) = demo_order(txn, cast, i, title, *stop).await?;
        report.created += usize::from(new);
        report.lines.push(format!(
            "id={} {} → {}",
            order.id,
            order.title,
            service::status_name(order.status)
        ));
    }
    Ok(())
}
