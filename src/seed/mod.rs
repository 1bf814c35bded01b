//! `linli seed-demo`: a demo county, idempotent. Each domain adds its own data in its own file.

mod activities;
mod orders;
mod people;
mod problems;
mod regions;
mod report;
mod store;
mod whistles;
mod wishes;

pub use report::{DEMO_PASSWORD, SeedReport};

use crate::calendar::{month_bounds, month_of};
use crate::config::Config;
use crate::pii::Pii;
use crate::users;
use chrono::{Duration, Utc};
use people::PEOPLE;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;

pub async fn seed_demo(db: &DatabaseConnection, config: &Config) -> anyhow::Result<SeedReport> {
    let pii = &Pii::new(config.pii_key.expose_secret());
    let txn = crate::db::begin_write(db).await?;
    let mut report = SeedReport {
        created: 0,
        lines: Vec::new(),
    };
    let tree = regions::tree(&txn, &mut report).await?;
    people::people(&txn, pii, &tree, &mut report).await?;
    let person = |i: usize| users::ensure_by_phone(&txn, pii, PEOPLE[i].phone, PEOPLE[i].name);
    let (staff, member, resident) = (person(1).await?, person(3).await?, person(5).await?);
    orders::items(&txn, &tree, &mut report).await?;
    let (heping, grid) = tree.place("和平社区")?;
    let cast = orders::Cast {
        config,
        pii,
        resident: &resident,
        grid,
        staff: staff.id,
        member: member.id,
    };
    orders::orders(&txn, &cast, &member.name, &mut report).await?;
    store::demo_store(&txn, &mut report, heping, staff.id, &resident).await?;
    wishes::demo_wish(&txn, &mut report, heping, grid, staff.id, resident.id).await?;
    let crew = activities::Crew {
        config,
        community: heping,
        staff: staff.id,
        member: member.id,
    };
    activities::demo_activities(&txn, &crew, &mut report).await?;
    let cycle = Cycle {
        config,
        pii,
        tree: &tree,
        staff: staff.id,
        resident: resident.id,
    };
    monthly_cycle(&txn, &cycle, &mut report).await?;
    txn.commit().await?;
    report.lines.extend(how_to_log_in());
    Ok(report)
}

/// Who and where the monthly cycle (吹哨报到, 问题清单, 红黑榜) of the demo involves.
struct Cycle<'a> {
    config: &'a Config,
    pii: &'a Pii,
    tree: &'a regions::Tree,
    staff: i64,
    resident: i64,
}

/// The street's department with its staff, 和平社区's problem list of now, and last month's
/// whistles and problem list (so last month's 红黑榜 has red and black entries).
async fn monthly_cycle(
    txn: &impl ConnectionTrait,
    c: &Cycle<'_>,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let person = |i: usize| users::ensure_by_phone(txn, c.pii, PEOPLE[i].phone, PEOPLE[i].name);
    let (admin, unit_admin) = (person(0).await?, person(8).await?);
    let street = &c.tree.street;
    let department = whistles::department(txn, c.pii, street, admin.id, report).await?;
    let (heping, grid) = c.tree.place("和平社区")?;
    let unit = entity::unit::Entity::find()
        .filter(entity::unit::Column::CommunityId.eq(heping.id))
        .filter(entity::unit::Column::Name.eq(people::UNIT_NAME))
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{} missing", people::UNIT_NAME))?;
    let now = Utc::now();
    let (this_start, _) = month_bounds(&month_of(now)).ok_or_else(|| anyhow::anyhow!("no month"))?;
    let last = month_of(this_start - Duration::seconds(1));
    let (start, end) = month_bounds(&last).ok_or_else(|| anyhow::anyhow!("no month"))?;
    let scene = whistles::Scene {
        config: c.config,
        pii: c.pii,
        grid,
        resident: c.resident,
        staff: c.staff,
        department: &department,
    };
    whistles::last_month(txn, &scene, &last, (start, end), report).await?;
    let board = problems::Board {
        rules: &c.config.problems,
        community: heping,
        grid,
        staff: c.staff,
        unit: unit.id,
        unit_admin: unit_admin.id,
    };
    problems::this_month(txn, &board, now, report).await?;
    problems::last_month(txn, &board, &last, start, report).await?;
    report.lines.push(format!(
        "红黑榜 boards: GET /api/v1/regions/{}/boards?month={last} (no login)",
        street.id
    ));
    Ok(())
}

fn how_to_log_in() -> Vec<String> {
    vec![
        String::new(),
        "登录 log in (APP_ENV=dev): curl -X POST localhost:8080/api/v1/auth/dev/login \
-H 'content-type: application/json' -d '{\"phone\":\"13800000101\",\"name\":\"钱社工\"}'"
            .into(),
        format!(
            "密码登录 password: curl -X POST localhost:8080/api/v1/auth/password/login \
-H 'content-type: application/json' -d '{{\"phone\":\"13800000101\",\"password\":\"{DEMO_PASSWORD}\"}}'"
        ),
        "系统管理员 system admin: set BOOTSTRAP_ADMIN_PHONES=13800000100 before serving".into(),
    ]
}
