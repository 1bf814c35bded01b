//! `linli seed-demo`: a demo county, idempotent. Each domain adds its own data in its own file.

mod activities;
mod orders;
mod people;
mod regions;
mod report;
mod store;
mod wishes;

pub use report::{DEMO_PASSWORD, SeedReport};

use crate::config::Config;
use crate::pii::Pii;
use crate::users;
use people::PEOPLE;
use sea_orm::DatabaseConnection;
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
    txn.commit().await?;
    report.lines.extend(how_to_log_in());
    Ok(report)
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
