//! Demo accounts with their roles, residences, 双报到 reports and the reporting unit.

use super::regions::Tree;
use super::report::{DEMO_PASSWORD, SeedReport};
use crate::auth::password;
use crate::pii::Pii;
use crate::regions;
use crate::users;
use chrono::Utc;
use entity::member_report::{self, ReportStatus};
use entity::region;
use entity::role_grant::Role;
use entity::{unit, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// A demo account: its role is held at `at` (members and residents also live in its first grid).
pub struct Person {
    pub phone: &'static str,
    pub name: &'static str,
    what: &'static str,
    role: Role,
    at: &'static str,
    password: bool,
}

pub const PEOPLE: [Person; 9] = [
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

pub const UNIT_NAME: &str = "市供电公司";

/// Every demo account, with its role (and residence and report where it has one).
pub async fn people(
    txn: &impl ConnectionTrait,
    pii: &Pii,
    tree: &Tree,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let county = &tree.county;
    let place = |name: &str| tree.place(name).ok();
    let (heping, _) = tree.place("和平社区")?;
    let admin = users::ensure_by_phone(txn, pii, PEOPLE[0].phone, PEOPLE[0].name).await?;
    let unit = ensure_unit(txn, pii, heping.id, admin.id).await?;
    report.created += usize::from(unit.1);

    report.lines.push(String::new());
    report
        .lines
        .push(format!("== 演示账号 people (密码 password: {DEMO_PASSWORD}) ==",));
    for p in &PEOPLE {
        let u = users::ensure_by_phone(txn, pii, p.phone, p.name).await?;
        let region_id = if p.at == "示范县" {
            county.id
        } else {
            place(p.at).map(|(c, _)| c.id).unwrap_or(county.id)
        };
        let unit_id = (p.role == Role::UnitAdmin).then_some(unit.0.id);
        match p.role {
            Role::Member | Role::Resident => {
                let (community, grid) = place(p.at).ok_or_else(|| anyhow::anyhow!("{} missing", p.at))?;
                report.created += usize::from(live_in(txn, &u, grid, admin.id).await?);
                if p.role == Role::Member {
                    report.created +=
                        usize::from(approved_report(txn, &u, community, unit.0.id, admin.id).await?);
                    regions::ensure_grant(txn, u.id, community.id, Role::Member, None, admin.id).await?;
                }
            }
            role => regions::ensure_grant(txn, u.id, region_id, role, unit_id, admin.id).await?,
        }
        if p.password && u.password_hash.is_none() {
            let mut a: user::ActiveModel = u.into();
            a.password_hash = Set(Some(password::hash(DEMO_PASSWORD.to_owned()).await?));
            a.update(txn).await?;
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
    Ok(())
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
