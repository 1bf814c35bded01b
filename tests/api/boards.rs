//! 红黑榜: a constructed October (China time) whose board is known; the public view masks people;
//! the board of a past month is the same after new activity; an empty month; a bad month.

use crate::helpers::{TestApp, ok_json, spawn_app};
use crate::orders::{place, step};
use crate::whistles::{department, whistle};
use crate::world::{self, World};
use chrono::{DateTime, Duration, Utc};
use entity::order_event::{self, Action};
use entity::problem::{self, ProblemState, Severity};
use entity::problem_event::{self, ProblemAction};
use entity::service_order::{self, OrderStatus};
use entity::{service_record, whistle as whistle_row};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn num(v: &Value) -> i64 {
    v.as_str().unwrap().parse().unwrap()
}

/// Moves a closed order (and the records it credited) into October.
async fn close_in_october(app: &TestApp, order: i64, closed: DateTime<Utc>) {
    let db = &app.state.db;
    let mut o = service_order::Entity::find_by_id(order)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    o.closed_at = Set(Some(closed));
    o.update(db).await.unwrap();
    for r in service_record::Entity::find()
        .filter(service_record::Column::OrderId.eq(order))
        .all(db)
        .await
        .unwrap()
    {
        let mut r = r.into_active_model();
        r.created_at = Set(closed);
        r.update(db).await.unwrap();
    }
}

/// Rewrites a whistle's times.
async fn whistle_times(
    app: &TestApp,
    order: i64,
    created: &str,
    acknowledged: Option<&str>,
    resolved: Option<&str>,
) {
    let db = &app.state.db;
    let w = whistle_row::Entity::find()
        .filter(whistle_row::Column::OrderId.eq(order))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let created = at(created);
    let mut w = w.into_active_model();
    w.created_at = Set(created);
    w.respond_by = Set(created + Duration::hours(24));
    w.resolve_by = Set(created + Duration::hours(72));
    w.acknowledged_at = Set(acknowledged.map(at));
    w.resolved_at = Set(resolved.map(at));
    w.update(db).await.unwrap();
}

/// A problem of community A's October list, held by `unit`, and what became of it.
async fn problem(app: &TestApp, w: &World, unit: i64, resolved: Option<&str>, passed_up: Option<&str>) {
    let db = &app.state.db;
    let comm: i64 = w.comm_a.parse().unwrap();
    let now = at("2026-10-05T02:00:00Z");
    let p = problem::ActiveModel {
        region_id: Set(comm),
        community_id: Set(comm),
        month: Set("2026-10".into()),
        title: Set("楼道堆物".into()),
        description: Set("消防通道被占".into()),
        severity: Set(Severity::Small),
        photos: Set("[]".into()),
        state: Set(if resolved.is_some() {
            ProblemState::Resolved
        } else {
            ProblemState::Escalated
        }),
        filed_by: Set(num(&json!(w.staff_a.user_id))),
        owner_region_id: Set(comm),
        owner_unit_id: Set(Some(unit)),
        late: Set(false),
        result_photos: Set("[]".into()),
        resolved_at: Set(resolved.map(at)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    if let Some(t) = passed_up {
        problem_event::ActiveModel {
            problem_id: Set(p.id),
            action: Set(ProblemAction::Escalated),
            at: Set(at(t)),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
}

/// October under the street: member A served one order rated 5 (closed Oct 10); a resident's
/// order closed with 1 star (Oct 12); the department resolved one whistle on time and never
/// reported on another (deadline Oct 21), whose order the clock escalated; unit U resolved one
/// problem and let another pass to the street.
async fn construct(app: &TestApp, w: &World) -> (String, String) {
    let dept = department(app, w, &w.street, "幸福街道城管科", "13700000201").await;
    let unit = ok_json(
        app.post_as(
            &format!("/api/v1/regions/{}/units", w.comm_a),
            &w.staff_a.token,
            json!({"name": "幸福供电所", "kind": "国有企业", "contact_name": "赵所长", "contact_phone": "13700000202"}),
        )
        .await,
        201,
    )
    .await;

    let served = place(app, &w.resident_a, &w.grid_a, None).await;
    let sid = served["id"].as_str().unwrap();
    step(
        app,
        &w.staff_a,
        sid,
        "dispatch",
        json!({"mode": "assign", "member_id": w.member_a.user_id}),
        "assigned",
    )
    .await;
    step(app, &w.member_a, sid, "accept", json!({}), "claimed").await;
    step(app, &w.member_a, sid, "start", json!({}), "in_service").await;
    step(
        app,
        &w.member_a,
        sid,
        "complete",
        json!({"minutes": 1}),
        "completed",
    )
    .await;
    step(app, &w.resident_a, sid, "confirm", json!({"rating": 5}), "closed").await;
    close_in_october(app, num(&served["id"]), at("2026-10-10T02:00:00Z")).await;

    let poor = place(app, &w.resident_a, &w.grid_a, None).await;
    let mut o = service_order::Entity::find_by_id(num(&poor["id"]))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    o.status = Set(OrderStatus::Closed);
    o.rating = Set(Some(1));
    o.closed_at = Set(Some(at("2026-10-12T02:00:00Z")));
    o.update(&app.state.db).await.unwrap();

    for (reason, created, ack, done) in [
        (
            "占道经营",
            "2026-10-05T02:00:00Z",
            Some("2026-10-05T03:00:00Z"),
            Some("2026-10-06T02:00:00Z"),
        ),
        ("违章搭建", "2026-10-20T02:00:00Z", None, None),
    ] {
        let o = place(app, &w.resident_a, &w.grid_a, None).await;
        let oid = o["id"].as_str().unwrap();
        ok_json(
            whistle(
                app,
                &w.staff_a,
                oid,
                json!({"unit_id": dept.id, "reason": reason}),
            )
            .await,
            200,
        )
        .await;
        whistle_times(app, num(&o["id"]), created, ack, done).await;
        if ack.is_none() {
            order_event::ActiveModel {
                order_id: Set(num(&o["id"])),
                actor_id: Set(None),
                action: Set(Action::Escalate),
                from_status: Set(Some(OrderStatus::Submitted)),
                to_status: Set(OrderStatus::Submitted),
                created_at: Set(at("2026-10-21T03:00:00Z")),
                ..Default::default()
            }
            .insert(&app.state.db)
            .await
            .unwrap();
        }
    }
    let u = num(&unit["id"]);
    problem(app, w, u, Some("2026-10-20T02:00:00Z"), None).await;
    problem(app, w, u, None, Some("2026-10-24T16:00:00Z")).await;
    (dept.id, unit["id"].as_str().unwrap().to_owned())
}

async fn board(app: &TestApp, w: &World, token: Option<&str>, month: &str) -> Value {
    let res = app
        .call(
            "GET",
            &format!("/api/v1/regions/{}/boards?month={month}", w.street),
            token,
            None,
        )
        .await;
    ok_json(res, 200).await
}

#[tokio::test]
async fn a_constructed_october_gives_the_known_board_and_stays_the_same() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (dept, unit) = construct(&app, &w).await;

    let staff_view = board(&app, &w, Some(&w.admin.token), "2026-10").await;
    assert_eq!(staff_view["public"], false);
    let red = &staff_view["red"];
    assert_eq!(red["members"].as_array().unwrap().len(), 1, "{staff_view}");
    assert_eq!(red["members"][0]["name"], "和平党员");
    assert_eq!(red["members"][0]["user_id"], w.member_a.user_id.as_str());
    assert_eq!(red["members"][0]["services"], 1);
    let community = &red["communities"][0];
    assert_eq!(community["region_id"], w.comm_a.as_str());
    assert_eq!(
        (community["closed"].as_i64(), community["rated"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        (
            community["satisfied"].as_i64(),
            community["poor_ratings"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(community["problems_resolved"], 1);
    assert_eq!(red["departments"][0]["unit_id"], dept.as_str());
    assert_eq!(
        (
            red["departments"][0]["resolved"].as_i64(),
            red["departments"][0]["resolved_on_time"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(red["units"][0]["unit_id"], unit.as_str());
    assert_eq!(red["units"][0]["resolved"], 1);

    let black = &staff_view["black"];
    let dept_black = &black["departments"][0];
    assert_eq!(
        (
            dept_black["late_reports"].as_i64(),
            dept_black["late_resolutions"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let comm_black = &black["communities"][0];
    assert_eq!(
        (
            comm_black["poor_ratings"].as_i64(),
            comm_black["overdue"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(comm_black["problems_passed_up"], 1);
    assert_eq!(black["units"][0]["passed_up_unresolved"], 1);
    assert_eq!(black["members"].as_array().unwrap().len(), 0);

    // The public view: the same lists, people masked and without ids.
    let public = board(&app, &w, None, "2026-10").await;
    assert_eq!(public["public"], true);
    assert_eq!(public["red"]["members"][0]["name"], "和***");
    assert_eq!(public["red"]["members"][0]["user_id"], Value::Null);
    assert_eq!(public["black"], staff_view["black"]);
    let resident_view = board(&app, &w, Some(&w.resident_a.token), "2026-10").await;
    assert_eq!(resident_view["public"], true);

    // New activity now: the member's record corrected, the department reports late, another
    // order closed. October does not change.
    let record = ok_json(
        app.get_as("/api/v1/me/service-record", &w.member_a.token).await,
        200,
    )
    .await;
    let row = record["items"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/service-records/{row}/corrections")))
        .bearer_auth(&w.staff_a.token)
        .header("Idempotency-Key", "board-correction-1")
        .json(&json!({"minutes": 1, "coins": 0, "reason": "多记了"}))
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await;
    let late = whistle_row::Entity::find()
        .filter(whistle_row::Column::AcknowledgedAt.is_null())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let dept_staff = app.login("13700000201", "部门干事").await;
    ok_json(
        app.post_as(
            &format!("/api/v1/orders/{}/acknowledge", late.order_id),
            &dept_staff.token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let again = board(&app, &w, Some(&w.admin.token), "2026-10").await;
    assert_eq!(again, staff_view);

    // A month with nothing; a malformed month.
    let empty = board(&app, &w, Some(&w.admin.token), "2026-09").await;
    for list in ["communities", "departments", "units", "members"] {
        assert_eq!(empty["red"][list].as_array().unwrap().len(), 0, "{list}");
        assert_eq!(empty["black"][list].as_array().unwrap().len(), 0, "{list}");
    }
    let res = app
        .call(
            "GET",
            &format!("/api/v1/regions/{}/boards?month=2026-13", w.street),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app.call("GET", "/api/v1/regions/999999/boards", None, None).await;
    assert_eq!(res.status(), 404);
}
