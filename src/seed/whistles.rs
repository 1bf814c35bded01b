//! 吹哨报到 in the demo: 幸福街道城管科, a department of the demo street with one staff member,
//! and last month's two whistled orders of 和平社区 — one reported and resolved on time, one
//! reported and resolved late (flagged by the clock, which passed the order up) — both rated by
//! the resident and closed. Written with last month's timestamps through the orders' own
//! functions (timeline, conditional updates), so last month's 红黑榜 has a red and a black
//! department.

use super::report::{DEMO_PASSWORD, SeedReport, anyhow_of};
use crate::auth::password;
use crate::config::Config;
use crate::orders::service::{self, NewOrder, Step};
use crate::orders::state::Action;
use crate::pii::Pii;
use crate::regions::deadlines;
use crate::whistles::overdue::{Missed, flag};
use chrono::{DateTime, Duration, Utc};
use entity::region;
use entity::region_deadline::DeadlineStep;
use entity::role_grant::Role;
use entity::service_order;
use entity::whistle::{self, Urgency, WhistleStatus};
use entity::{unit, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub const DEPARTMENT: &str = "幸福街道城管科";
pub const DEPARTMENT_PHONE: &str = "13800000601";
pub const DEPARTMENT_STAFF: &str = "陈科长";

/// The department and its staff member.
pub struct Department {
    pub unit: unit::Model,
    pub staff: user::Model,
}

/// 幸福街道城管科 at `street`, and 陈科长 (a `unit_admin` grant on the street naming it, with the
/// demo password), each made once.
pub async fn department(
    conn: &impl ConnectionTrait,
    pii: &Pii,
    street: &region::Model,
    admin: i64,
    report: &mut SeedReport,
) -> anyhow::Result<Department> {
    let found = unit::Entity::find()
        .filter(unit::Column::CommunityId.eq(street.id))
        .filter(unit::Column::Name.eq(DEPARTMENT))
        .one(conn)
        .await?;
    let dept = match found {
        Some(u) => u,
        None => {
            report.created += 1;
            unit::ActiveModel {
                community_id: Set(street.id),
                name: Set(DEPARTMENT.into()),
                kind: Set("机关".into()),
                contact_name: Set(DEPARTMENT_STAFF.into()),
                contact_phone_enc: Set(pii.encrypt(DEPARTMENT_PHONE)),
                created_by: Set(admin),
                created_at: Set(Utc::now()),
                department: Set(true),
                ..Default::default()
            }
            .insert(conn)
            .await?
        }
    };
    let mut staff = crate::users::ensure_by_phone(conn, pii, DEPARTMENT_PHONE, DEPARTMENT_STAFF)
        .await
        .map_err(anyhow_of)?;
    crate::regions::ensure_grant(conn, staff.id, street.id, Role::UnitAdmin, Some(dept.id), admin).await?;
    if staff.password_hash.is_none() {
        let mut a: user::ActiveModel = staff.into();
        a.password_hash = Set(Some(password::hash(DEMO_PASSWORD.to_owned()).await?));
        staff = a.update(conn).await?;
        report.created += 1;
    }
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 吹哨报到 department: {} id={} ({}) ==",
        dept.name, dept.id, street.name
    ));
    report.lines.push(format!(
        "{DEPARTMENT_PHONE} {DEPARTMENT_STAFF} 职能部门 unit_admin（{} 的 {}） dev 登录或密码登录",
        street.name, dept.name
    ));
    Ok(Department { unit: dept, staff })
}

/// Who last month's whistled orders involve.
pub struct Scene<'a> {
    pub config: &'a Config,
    pub pii: &'a Pii,
    pub grid: &'a region::Model,
    pub resident: i64,
    pub staff: i64,
    pub department: &'a Department,
}

/// One of last month's whistled orders: its title, the day of the month (from 0) it was placed,
/// whether the department was late, the department's result and the resident's rating.
struct Plan {
    key: &'static str,
    title: &'static str,
    day: i64,
    late: bool,
    result: &'static str,
    rating: i16,
}

const PLANS: [Plan; 2] = [
    Plan {
        key: "a",
        title: "小区门口流动摊贩占道经营",
        day: 2,
        late: false,
        result: "已劝离摊贩，规范了临时摆放点",
        rating: 5,
    },
    Plan {
        key: "b",
        title: "楼下空地有人违章搭建",
        day: 8,
        late: true,
        result: "违建已拆除，场地已清理",
        rating: 4,
    },
];

/// Last month's whistled orders (`month` starting at `start`), each made once.
pub async fn last_month(
    conn: &impl ConnectionTrait,
    scene: &Scene<'_>,
    month: &str,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    report.lines.push(String::new());
    report.lines.push(format!(
        "== 上月吹哨 whistles of {month} (closed; see GET /regions/{{street}}/boards?month={month}) =="
    ));
    for plan in &PLANS {
        let key = format!("demo-whistle-{month}-{}", plan.key);
        let found = service_order::Entity::find()
            .filter(service_order::Column::ResidentId.eq(scene.resident))
            .filter(service_order::Column::ClientKey.eq(key.as_str()))
            .one(conn)
            .await?;
        let order = match found {
            Some(o) => o,
            None => {
                report.created += 1;
                whistled_order(conn, scene, plan, key, (start, end)).await?
            }
        };
        let how = if plan.late {
            "迟报到、迟办结"
        } else {
            "按时报到、按时办结"
        };
        report.lines.push(format!(
            "id={} {}：{}，{} 星 → {}",
            order.id,
            order.title,
            how,
            plan.rating,
            service::status_name(order.status)
        ));
    }
    Ok(())
}

/// Places, whistles, reports, resolves and closes one order along `plan`, at last month's times.
async fn whistled_order(
    conn: &impl ConnectionTrait,
    scene: &Scene<'_>,
    plan: &Plan,
    key: String,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<service_order::Model> {
    let (cfg, dept) = (scene.config, &scene.department.unit);
    let step = |s| deadlines::hours(conn, cfg, scene.grid, s, Urgency::Normal);
    let respond = step(DeadlineStep::Respond).await.map_err(anyhow_of)?;
    let resolve = step(DeadlineStep::Resolve).await.map_err(anyhow_of)?;
    // Everything happens within the month when the deadlines allow (a late resolution takes
    // the deadline plus two days): earlier in the month under long deadline settings.
    let span = Duration::hours(i64::from(resolve.max(respond)) + 50);
    let placed = (start + Duration::days(plan.day) + Duration::hours(1))
        .min(end - span)
        .max(start + Duration::hours(1));
    let new = NewOrder {
        region_id: scene.grid.id,
        service_item_id: None,
        title: plan.title.into(),
        description: "演示：需要职能部门处理".into(),
        address: "1 单元 101".into(),
        contact_phone: Some("13800000301".into()),
        preferred_time: None,
        photos: vec![],
        placed_by: Some(scene.staff),
        urgency: Urgency::Normal,
        severity: None,
        problem_id: None,
        note: None,
    };
    let mut order = service::insert(conn, cfg, scene.pii, scene.resident, new, Some(key), placed)
        .await
        .map_err(anyhow_of)?;
    // 吹哨, an hour after it was placed, with the deadlines that hold at the grid.
    let at = placed + Duration::hours(1);
    let w = whistle::ActiveModel {
        order_id: Set(order.id),
        unit_id: Set(dept.id),
        region_id: Set(order.region_id),
        urgency: Set(Urgency::Normal),
        reason: Set("需要城管执法".into()),
        status: Set(WhistleStatus::Open),
        whistled_by: Set(scene.staff),
        created_at: Set(at),
        respond_by: Set(at + Duration::hours(respond.into())),
        resolve_by: Set(at + Duration::hours(resolve.into())),
        respond_overdue: Set(false),
        resolve_overdue: Set(false),
        result_photos: Set("[]".into()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let note = format!(
        "吹哨：{}（一般，{respond} 小时内报到、{resolve} 小时内办结）：需要城管执法",
        dept.name
    );
    service::remark(conn, &order, Action::Whistle, Some(scene.staff), note, at)
        .await
        .map_err(anyhow_of)?;
    let (acknowledged, resolved) = if plan.late {
        // The clock flags each missed deadline once (and passes the order up the first time).
        let tick = Duration::minutes(1);
        flag(conn, cfg, w.id, Missed::Respond, w.respond_by + tick)
            .await
            .map_err(anyhow_of)?;
        flag(conn, cfg, w.id, Missed::Resolve, w.resolve_by + tick)
            .await
            .map_err(anyhow_of)?;
        (
            w.resolve_by + Duration::hours(2),
            w.resolve_by + Duration::hours(26),
        )
    } else {
        let half = |by: DateTime<Utc>| at + (by - at) / 2;
        (half(w.respond_by), half(w.resolve_by))
    };
    let by = scene.department.staff.id;
    order = service::lock(conn, order.id).await.map_err(anyhow_of)?;
    let w = whistle::Entity::find_by_id(w.id)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("whistle missing"))?;
    let late = |t: DateTime<Utc>, due: DateTime<Utc>| if t > due { "（已超时）" } else { "" };
    let ack_note = format!("{} 报到{}", dept.name, late(acknowledged, w.respond_by));
    let done_note = format!(
        "{} 办结{}：{}",
        dept.name,
        late(resolved, w.resolve_by),
        plan.result
    );
    let mut row: whistle::ActiveModel = w.into();
    row.status = Set(WhistleStatus::Acknowledged);
    row.acknowledged_at = Set(Some(acknowledged));
    row.acknowledged_by = Set(Some(by));
    let w = row.update(conn).await?;
    service::remark(
        conn,
        &order,
        Action::Acknowledge,
        Some(by),
        ack_note,
        acknowledged,
    )
    .await
    .map_err(anyhow_of)?;
    let mut row: whistle::ActiveModel = w.into();
    row.status = Set(WhistleStatus::Resolved);
    row.resolved_at = Set(Some(resolved));
    row.resolved_by = Set(Some(by));
    row.result = Set(Some(plan.result.into()));
    row.update(conn).await?;
    service::remark(
        conn,
        &order,
        Action::DepartmentResolve,
        Some(by),
        done_note,
        resolved,
    )
    .await
    .map_err(anyhow_of)?;
    // Nobody else works on it: done, waiting for the resident's rating; rated the next day.
    let mut step = Step::new(Action::DepartmentResolve, Some(by), resolved)
        .note(Some("职能部门已办结，待居民评价".into()));
    step.set.completed_at = Set(Some(resolved));
    step.set.completion_note = Set(Some(plan.result.into()));
    step.set.completion_photos = Set("[]".into());
    order = service::apply(conn, cfg, &order, step).await.map_err(anyhow_of)?;
    let rated = resolved + Duration::hours(20);
    let confirm = Step::confirm(scene.resident, plan.rating, None, Some("处理得好".into()), rated);
    service::apply(conn, cfg, &order, confirm)
        .await
        .map_err(anyhow_of)
}
