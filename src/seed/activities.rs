//! The demo 志愿服务队 and activities of 和平社区: the demo member leads a team; an activity a
//! few days ahead is open for signup; a past one of the team had him checked in and out by the
//! demo staff and credited through the ledger. All made with the activities domain's functions
//! (its rules and its ledger posting), so the books balance.

use super::report::{SeedReport, anyhow_of};
use crate::activities::attendance::{By, record_in, record_out};
use crate::activities::publish::{ActivityIn, insert};
use crate::activities::signup::enrol;
use crate::api::Id;
use crate::auth::principal::load_user;
use crate::config::Config;
use crate::teams::manage::create;
use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::activity::{self, ActivityKind, Eligibility};
use entity::{region, team};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;

pub const TEAM: &str = "和平社区助老服务队";
pub const UPCOMING: &str = "周末清洁家园";
pub const PAST: &str = "重阳敬老义诊";

/// Who the demo activities involve.
pub struct Crew<'a> {
    pub config: &'a Config,
    pub community: &'a region::Model,
    pub staff: i64,
    pub member: i64,
}

fn body(title: &str, starts_at: DateTime<Utc>, eligibility: Eligibility, team: Option<i64>) -> ActivityIn {
    ActivityIn {
        title: title.into(),
        kind: ActivityKind::Volunteer,
        description: "演示活动".into(),
        place: "和平社区党群服务中心".into(),
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        capacity: 30,
        signup_deadline: starts_at,
        eligibility,
        team_id: team.map(Id),
        max_minutes: 120,
        coins: 0,
        unit_id: None,
    }
}

async fn find(
    conn: &impl ConnectionTrait,
    community: i64,
    title: &str,
) -> anyhow::Result<Option<activity::Model>> {
    Ok(activity::Entity::find()
        .filter(activity::Column::CommunityId.eq(community))
        .filter(activity::Column::Title.eq(title))
        .one(conn)
        .await?)
}

async fn demo_team(
    conn: &impl ConnectionTrait,
    crew: &Crew<'_>,
    report: &mut SeedReport,
) -> anyhow::Result<team::Model> {
    let found = team::Entity::find()
        .filter(team::Column::CommunityId.eq(crew.community.id))
        .filter(team::Column::Name.eq(TEAM))
        .one(conn)
        .await?;
    if let Some(t) = found {
        return Ok(t);
    }
    report.created += 1;
    create(conn, crew.community.id, None, TEAM, crew.member, crew.staff)
        .await
        .map_err(anyhow_of)
}

/// The upcoming activity, open to the community's members until it starts.
async fn upcoming(
    conn: &impl ConnectionTrait,
    crew: &Crew<'_>,
    report: &mut SeedReport,
) -> anyhow::Result<activity::Model> {
    if let Some(a) = find(conn, crew.community.id, UPCOMING).await? {
        return Ok(a);
    }
    report.created += 1;
    let now = Utc::now();
    let starts = now.duration_trunc(Duration::hours(1))? + Duration::days(3);
    let c = crew.community;
    insert(
        conn,
        c,
        c,
        crew.staff,
        body(UPCOMING, starts, Eligibility::Members, None),
        now,
    )
    .await
    .map_err(anyhow_of)
}

/// The team's activity a week ago: published, the member signed up, checked in at the start and
/// out at the end by the staff (by hand), credited min(2 h, 120 min) through the ledger.
async fn past(
    conn: &impl ConnectionTrait,
    crew: &Crew<'_>,
    team: &team::Model,
    report: &mut SeedReport,
) -> anyhow::Result<activity::Model> {
    if let Some(a) = find(conn, crew.community.id, PAST).await? {
        return Ok(a);
    }
    report.created += 1;
    let starts = Utc::now().duration_trunc(Duration::hours(1))? - Duration::days(7);
    let c = crew.community;
    let published = starts - Duration::days(3);
    let b = body(PAST, starts, Eligibility::Team, Some(team.id));
    let a = insert(conn, c, c, crew.staff, b, published)
        .await
        .map_err(anyhow_of)?;
    let member = load_user(conn, &HashSet::new(), crew.member)
        .await
        .map_err(anyhow_of)?;
    enrol(conn, &member, a.id, c, published + Duration::days(1))
        .await
        .map_err(anyhow_of)?;
    let by = By::Staff(crew.staff);
    record_in(conn, &a, crew.member, by, a.starts_at)
        .await
        .map_err(anyhow_of)?;
    record_out(conn, crew.config, &a, crew.member, by, a.ends_at)
        .await
        .map_err(anyhow_of)?;
    Ok(a)
}

/// The team, the upcoming activity and the past one, each made once.
pub async fn demo_activities(
    conn: &impl ConnectionTrait,
    crew: &Crew<'_>,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let t = demo_team(conn, crew, report).await?;
    let soon = upcoming(conn, crew, report).await?;
    let done = past(conn, crew, &t, report).await?;
    report.lines.push(String::new());
    report.lines.push("== 志愿活动 activities ==".into());
    report.lines.push(format!(
        "志愿服务队 team: {} id={} (队长 leader: member)",
        t.name, t.id
    ));
    report.lines.push(format!(
        "报名中 open for signup: {} id={} (members of {})",
        soon.title, soon.id, crew.community.name
    ));
    report.lines.push(format!(
        "已结束 past: {} id={} (the member checked in and out, {} minutes credited)",
        done.title, done.id, done.max_minutes
    ));
    Ok(())
}
