//! `linli seed-demo`: a demo county, idempotent. Each feature extends it with its own data.

use crate::auth::password;
use crate::config::Config;
use crate::orders::service::{self, NewOrder, Step};
use crate::pii::Pii;
use crate::regions::{self, NewRegion};
use crate::store::catalogue::{self, StoreIn};
use crate::store::goods::{self as store_goods, GoodsIn};
use crate::users;
use chrono::Utc;
use entity::member_report::{self, ReportStatus};
use entity::region::{self, RegionKind};
use entity::role_grant::Role;
use entity::{goods, service_item, service_order, store, unit, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};
use secrecy::ExposeSecret;

/// Password of every demo account that logs in with one (staff console).
pub const DEMO_PASSWORD: &str = "linli-demo-2026";

pub struct SeedReport {
    pub created: usize,
    pub lines: Vec<String>,
}

struct Community {
    name: &'static str,
    party_org: &'static str,
    grids: &'static [(&'static str, &'static str, &'static [&'static str])],
}

const COMMUNITIES: [Community; 2] = [
    Community {
        name: "和平社区",
        party_org: "中共和平社区委员会",
        grids: &[
            ("第一网格", "和平社区第一网格党支部", &["1号楼", "2号楼"]),
            ("第二网格", "和平社区第二网格党支部", &["3号楼"]),
        ],
    },
    Community {
        name: "团结社区",
        party_org: "中共团结社区委员会",
        grids: &[("第一网格", "团结社区第一网格党支部", &["1号楼"])],
    },
];

/// A demo account: its role is held at `at` (members and residents also live in its first grid).
struct Person {
    phone: &'static str,
    name: &'static str,
    what: &'static str,
    role: Role,
    at: &'static str,
    password: bool,
}

const PEOPLE: [Person; 9] = [
    Person {
        phone: "13800000100",
        name: "赵县管",
        what: "县管理员 admin",
        role: Role::Admin,
        at: "示范县",
        password: true,
    },
    Person {
        phone: "13800000101",
        name: "钱社工",
        what: "和平社区工作者 staff",
        role: Role::Staff,
        at: "和平社区",
        password: true,
    },
    Person {
        phone: "13800000102",
        name: "孙社工",
        what: "团结社区工作者 staff",
        role: Role::Staff,
        at: "团结社区",
        password: true,
    },
    Person {
        phone: "13800000201",
        name: "李党员",
        what: "和平社区在职党员 member",
        role: Role::Member,
        at: "和平社区",
        password: false,
    },
    Person {
        phone: "13800000202",
        name: "周党员",
        what: "团结社区在职党员 member",
        role: Role::Member,
        at: "团结社区",
        password: false,
    },
    Person {
        phone: "13800000301",
        name: "吴居民",
        what: "和平社区居民 resident",
        role: Role::Resident,
        at: "和平社区",
        password: false,
    },
    Person {
        phone: "13800000302",
        name: "郑居民",
        what: "团结社区居民 resident",
        role: Role::Resident,
        at: "团结社区",
        password: false,
    },
    Person {
        phone: "13800000401",
        name: "王店员",
        what: "和平社区爱心超市店员 clerk",
        role: Role::Clerk,
        at: "和平社区",
        password: true,
    },
    Person {
        phone: "13800000501",
        name: "冯书记",
        what: "市供电公司单位管理员 unit_admin",
        role: Role::UnitAdmin,
        at: "和平社区",
        password: true,
    },
];

const UNIT_NAME: &str = "市供电公司";

/// (name, 服务岗位, coins, max minutes)
const ITEMS_HEPING: [(&str, &str, i32, i32); 5] = [
    ("疏通下水道", "便民服务", 10, 60),
    ("代缴水电费", "便民服务", 5, 30),
    ("政策宣讲", "政策宣传", 8, 90),
    ("楼道清洁", "洁净家园", 6, 60),
    ("邻里纠纷调解", "矛盾调解", 15, 120),
];
const ITEMS_TUANJIE: [(&str, &str, i32, i32); 2] =
    [("理发", "便民服务", 8, 45), ("陪同就医", "便民服务", 12, 180)];

/// Demo orders and how far each gets: 0 submitted, 1 published, 2 claimed, 3 completed, 4 closed.
const ORDERS: [(&str, u8); 5] = [
    ("楼道灯坏了", 0),
    ("帮忙代缴水电费", 1),
    ("厨房下水道堵了", 2),
    ("楼道堆物需要清理", 3),
    ("楼上噪音，请帮忙调解", 4),
];

pub async fn seed_demo(db: &DatabaseConnection, config: &Config) -> anyhow::Result<SeedReport> {
    let pii = &Pii::new(config.pii_key.expose_secret());
    let txn = crate::db::begin_write(db).await?;
    let mut report = SeedReport {
        created: 0,
        lines: vec!["== 区域 regions ==".into()],
    };
    let add = |report: &mut SeedReport, (node, new): (region::Model, bool), depth: usize| {
        report.created += usize::from(new);
        let party = node
            .party_org
            .as_deref()
            .map(|p| format!("（{p}）"))
            .unwrap_or_default();
        report.lines.push(format!(
            "{}{} {}{} id={}",
            "  ".repeat(depth),
            kind_zh(node.kind),
            node.name,
            party,
            node.id
        ));
        node
    };

    let county = regions::ensure(
        &txn,
        None,
        NewRegion {
            kind: RegionKind::County,
            name: "示范县",
            party_org: Some("中共示范县委员会"),
        },
    )
    .await?;
    let county = add(&mut report, county, 0);
    let street = regions::ensure(
        &txn,
        Some(&county),
        NewRegion {
            kind: RegionKind::Street,
            name: "幸福街道",
            party_org: Some("中共幸福街道工作委员会"),
        },
    )
    .await?;
    let street = add(&mut report, street, 1);
    // Each community with its first grid: where the demo people live.
    let mut places: Vec<(region::Model, region::Model)> = Vec::new();
    for c in &COMMUNITIES {
        let community = regions::ensure(
            &txn,
            Some(&street),
            NewRegion {
                kind: RegionKind::Community,
                name: c.name,
                party_org: Some(c.party_org),
            },
        )
        .await?;
        let community = add(&mut report, community, 2);
        let mut first_grid = None;
        for (grid, party, buildings) in c.grids {
            let grid = regions::ensure(
                &txn,
                Some(&community),
                NewRegion {
                    kind: RegionKind::Grid,
                    name: grid,
                    party_org: Some(party),
                },
            )
            .await?;
            let grid = add(&mut report, grid, 3);
            for b in *buildings {
                let building = regions::ensure(
                    &txn,
                    Some(&grid),
                    NewRegion {
                        kind: RegionKind::Building,
                        name: b,
                        party_org: None,
                    },
                )
                .await?;
                add(&mut report, building, 4);
            }
            first_grid.get_or_insert(grid);
        }
        if let Some(grid) = first_grid {
            places.push((community, grid));
        }
    }

    let place = |name: &str| places.iter().find(|(c, _)| c.name == name);
    let (heping, _) = place("和平社区").ok_or_else(|| anyhow::anyhow!("和平社区 missing"))?;
    let admin = users::ensure_by_phone(&txn, pii, PEOPLE[0].phone, PEOPLE[0].name).await?;
    let unit = ensure_unit(&txn, pii, heping.id, admin.id).await?;
    report.created += usize::from(unit.1);

    report.lines.push(String::new());
    report
        .lines
        .push(format!("== 演示账号 people (密码 password: {DEMO_PASSWORD}) ==",));
    for p in &PEOPLE {
        let u = users::ensure_by_phone(&txn, pii, p.phone, p.name).await?;
        let region_id = if p.at == "示范县" {
            county.id
        } else {
            place(p.at).map(|(c, _)| c.id).unwrap_or(county.id)
        };
        let unit_id = (p.role == Role::UnitAdmin).then_some(unit.0.id);
        match p.role {
            Role::Member | Role::Resident => {
                let (community, grid) = place(p.at).ok_or_else(|| anyhow::anyhow!("{} missing", p.at))?;
                report.created += usize::from(live_in(&txn, &u, grid, admin.id).await?);
                if p.role == Role::Member {
                    report.created +=
                        usize::from(approved_report(&txn, &u, community, unit.0.id, admin.id).await?);
                    regions::ensure_grant(&txn, u.id, community.id, Role::Member, None, admin.id).await?;
                }
            }
            role => regions::ensure_grant(&txn, u.id, region_id, role, unit_id, admin.id).await?,
        }
        if p.password && u.password_hash.is_none() {
            let mut a: user::ActiveModel = u.into();
            a.password_hash = Set(Some(password::hash(DEMO_PASSWORD.to_owned()).await?));
            a.update(&txn).await?;
            report.created += 1;
        }
        let how = if p.password {
            "dev 登录或密码登录"
        } else {
            "dev 登录"
        };
        report
            .lines
            .push(format!("{:<12} {:<6} {:<34} {how}", p.phone, p.name, p.what));
    }
    let staff = users::ensure_by_phone(&txn, pii, PEOPLE[1].phone, PEOPLE[1].name).await?;
    let member = users::ensure_by_phone(&txn, pii, PEOPLE[3].phone, PEOPLE[3].name).await?;
    let resident = users::ensure_by_phone(&txn, pii, PEOPLE[5].phone, PEOPLE[5].name).await?;
    report.lines.push(String::new());
    report.lines.push("== 服务项目 service items ==".into());
    for (community, items) in [("和平社区", &ITEMS_HEPING[..]), ("团结社区", &ITEMS_TUANJIE[..])] {
        let (c, _) = place(community).ok_or_else(|| anyhow::anyhow!("{community} missing"))?;
        for (name, category, coins, minutes) in items {
            let (item, new) = ensure_item(&txn, c.id, name, category, *coins, *minutes).await?;
            report.created += usize::from(new);
            report.lines.push(format!(
                "{community} {category}/{name}：{coins} 绿币，最多 {minutes} 分钟 id={}",
                item.id
            ));
        }
    }
    let (_, grid) = place("和平社区").ok_or_else(|| anyhow::anyhow!("和平社区 missing"))?;
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 订单 orders（{} 下的单，{} 接单）==",
        resident.name, member.name
    ));
    let cast = Cast {
        config,
        pii,
        resident: &resident,
        grid,
        staff: staff.id,
        member: member.id,
    };
    for (i, (title, stop)) in ORDERS.iter().enumerate() {
        let (order, new) = demo_order(&txn, &cast, i, title, *stop).await?;
        report.created += usize::from(new);
        report.lines.push(format!(
            "id={} {} → {}",
            order.id,
            order.title,
            crate::orders::service::status_name(order.status)
        ));
    }
    demo_store(&txn, &mut report, heping, staff.id, &resident).await?;
    txn.commit().await?;
    report.lines.push(String::new());
    report.lines.push(
        "登录 log in (APP_ENV=dev): curl -X POST localhost:8080/api/v1/auth/dev/login \
-H 'content-type: application/json' -d '{\"phone\":\"13800000101\",\"name\":\"钱社工\"}'"
            .into(),
    );
    report.lines.push(format!(
        "密码登录 password: curl -X POST localhost:8080/api/v1/auth/password/login \
-H 'content-type: application/json' -d '{{\"phone\":\"13800000101\",\"password\":\"{DEMO_PASSWORD}\"}}'"
    ));
    report
        .lines
        .push("系统管理员 system admin: set BOOTSTRAP_ADMIN_PHONES=13800000100 before serving".into());
    Ok(report)
}

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
async fn demo_store(
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

fn anyhow_of(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn ensure_item(
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
struct Cast<'a> {
    config: &'a Config,
    pii: &'a Pii,
    resident: &'a user::Model,
    grid: &'a region::Model,
    staff: i64,
    member: i64,
}

/// One demo order, taken through the real state machine up to `stop`; found by its key when it exists.
async fn demo_order(
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
    };
    let mut o = service::insert(conn, config, pii, resident.id, new, Some(key), began).await?;
    let go =
        |step: Step, o: service_order::Model| async move { service::apply(conn, config, &o, step).await };
    if stop == 0 {
        return Ok((o, true));
    }
    let mut dispatch = Step::dispatch(if stop == 1 { "publish" } else { "assign" }, staff, began);
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

async fn ensure_unit(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    community: i64,
    by: i64,
) -> anyhow::Result<(unit::Model, bool)> {
    let found = unit::Entity::find()
        .filter(unit::Column::CommunityId.eq(community))
        .filter(unit::Column::Name.eq(UNIT_NAME))
        .one(conn)
        .await?;
    if let Some(u) = found {
        return Ok((u, false));
    }
    let created = unit::ActiveModel {
        community_id: Set(community),
        name: Set(UNIT_NAME.into()),
        kind: Set("国有企业".into()),
        contact_name: Set("冯书记".into()),
        contact_phone_enc: Set(pii.encrypt("13800000501")),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((created, true))
}

/// A confirmed residence: the declaration, confirmed by `by`, with its `resident` grant.
async fn live_in(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    grid: &region::Model,
    by: i64,
) -> anyhow::Result<bool> {
    use entity::residence::{self, ResidenceStatus};
    let exists = residence::Entity::find()
        .filter(residence::Column::UserId.eq(u.id))
        .one(conn)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let now = Utc::now();
    residence::ActiveModel {
        user_id: Set(u.id),
        region_id: Set(grid.id),
        address: Set("1 单元 101".into()),
        status: Set(ResidenceStatus::Confirmed),
        reviewed_by: Set(Some(by)),
        reviewed_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    regions::ensure_grant(conn, u.id, grid.id, Role::Resident, None, by).await?;
    Ok(true)
}

async fn approved_report(
    conn: &impl ConnectionTrait,
    u: &user::Model,
    community: &region::Model,
    unit_id: i64,
    reviewer: i64,
) -> anyhow::Result<bool> {
    let exists = member_report::Entity::find()
        .filter(member_report::Column::UserId.eq(u.id))
        .filter(member_report::Column::CommunityId.eq(community.id))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    member_report::ActiveModel {
        user_id: Set(u.id),
        community_id: Set(community.id),
        party_branch: Set("市供电公司第一党支部".into()),
        unit_id: Set(Some(unit_id)),
        work_unit: Set(None),
        skills: Set(r#"["水电维修"]"#.into()),
        in_service: Set(true),
        status: Set(ReportStatus::Approved),
        review_note: Set(None),
        reviewed_by: Set(Some(reviewer)),
        reviewed_at: Set(Some(Utc::now())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

fn kind_zh(kind: RegionKind) -> &'static str {
    match kind {
        RegionKind::County => "县",
        RegionKind::Street => "街道",
        RegionKind::Community => "社区",
        RegionKind::Grid => "网格",
        RegionKind::Building => "楼栋",
    }
}
