//! Deadlines per region and urgency for each step of an order: set by an admin for a subtree
//! (nearest wins, else the defaults, `SLA_DISPATCH_HOURS` among them), and the clocks that act
//! on them: escalate undispatched or unclaimed orders, return unaccepted assignments, flag a
//! service not completed in time (once).

use crate::helpers::{Session, TestApp, ok_json, spawn_app};
use crate::orders::{place, step, timeline};
use crate::world;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn due_in(order: &Value) -> Duration {
    at(&order["due_at"]) - at(&order["created_at"])
}

async fn order(app: &TestApp, who: &Session, id: &str) -> Value {
    ok_json(app.get_as(&format!("/api/v1/orders/{id}"), &who.token).await, 200).await
}

async fn set(app: &TestApp, admin: &Session, region: &str, items: Value) -> Value {
    let res = app
        .call(
            "PUT",
            &format!("/api/v1/regions/{region}/deadlines"),
            Some(&admin.token),
            Some(json!({ "items": items })),
        )
        .await;
    ok_json(res, 200).await
}

#[tokio::test]
async fn a_community_sets_its_dispatch_deadline_and_urgent_orders_are_due_sooner() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let held = set(
        &app,
        &w.admin,
        &w.comm_a,
        json!([{"step": "dispatch", "urgency": "normal", "hours": 2}]),
    )
    .await;
    assert_eq!(
        held["items"].as_array().unwrap().len(),
        14,
        "7 steps × 2 urgencies"
    );

    let a = place(&app, &w.resident_a, &w.grid_a, None).await;
    assert_eq!(due_in(&a), Duration::hours(2), "the community's own setting");
    let b = place(&app, &w.resident_b, &w.grid_b, None).await;
    assert_eq!(
        due_in(&b),
        Duration::hours(24),
        "SLA_DISPATCH_HOURS, the old global setting"
    );
    let res = app
        .post_as(
            "/api/v1/orders",
            &w.resident_b.token,
            json!({"region_id": w.grid_b, "title": "燃气泄漏味道", "address": "3 单元 101", "urgency": "urgent"}),
        )
        .await;
    let urgent = ok_json(res, 201).await;
    assert_eq!(urgent["urgency"], "urgent");
    assert_eq!(due_in(&urgent), Duration::hours(4), "SLA_DISPATCH_URGENT_HOURS");

    let t0 = at(&a["created_at"]);
    let r = linli::jobs::tick(&app.state, t0 + Duration::minutes(121))
        .await
        .unwrap();
    assert_eq!(r.escalated, 1);
    let a_now = order(&app, &w.admin, a["id"].as_str().unwrap()).await;
    assert_eq!(a_now["region_id"], w.comm_a.as_str());
    // At the community the community's deadline holds again, from the escalation.
    assert_eq!(
        at(&a_now["due_at"]) - (t0 + Duration::minutes(121)),
        Duration::hours(2)
    );
    let urgent_now = order(&app, &w.admin, urgent["id"].as_str().unwrap()).await;
    assert_eq!(urgent_now["region_id"], w.grid_b.as_str(), "not yet due");

    linli::jobs::tick(&app.state, t0 + Duration::minutes(241))
        .await
        .unwrap();
    let urgent_now = order(&app, &w.admin, urgent["id"].as_str().unwrap()).await;
    assert_eq!(urgent_now["region_id"], w.comm_b.as_str());
    let b_now = order(&app, &w.admin, b["id"].as_str().unwrap()).await;
    assert_eq!(b_now["region_id"], w.grid_b.as_str(), "24 h not over");

    // Clearing the setting brings back the default for later orders.
    set(
        &app,
        &w.admin,
        &w.comm_a,
        json!([{"step": "dispatch", "urgency": "normal", "hours": null}]),
    )
    .await;
    let c = place(&app, &w.resident_a, &w.grid_a, None).await;
    assert_eq!(due_in(&c), Duration::hours(24));
}

#[tokio::test]
async fn unaccepted_assignments_return_and_unclaimed_pool_orders_go_up() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    set(
        &app,
        &w.admin,
        &w.street,
        json!([{"step": "accept", "urgency": "normal", "hours": 3},
               {"step": "claim", "urgency": "normal", "hours": 5}]),
    )
    .await;
    let assigned = place(&app, &w.resident_a, &w.grid_a, None).await;
    let aid = assigned["id"].as_str().unwrap();
    let out = step(
        &app,
        &w.staff_a,
        aid,
        "dispatch",
        json!({"mode": "assign", "member_id": w.member_a.user_id}),
        "assigned",
    )
    .await;
    let t_assign = at(&out["updated_at"]);
    assert_eq!(
        at(&out["due_at"]) - t_assign,
        Duration::hours(3),
        "the street's setting reaches its grids"
    );

    let published = place(&app, &w.resident_a, &w.grid_a, None).await;
    let pid = published["id"].as_str().unwrap();
    let out = step(
        &app,
        &w.staff_a,
        pid,
        "dispatch",
        json!({"mode": "publish"}),
        "published",
    )
    .await;
    let t_publish = at(&out["updated_at"]);
    assert_eq!(at(&out["due_at"]) - t_publish, Duration::hours(5));

    let r = linli::jobs::tick(&app.state, t_assign + Duration::minutes(181))
        .await
        .unwrap();
    assert_eq!((r.returned, r.unclaimed), (1, 0));
    let back = order(&app, &w.staff_a, aid).await;
    assert_eq!(back["status"], "submitted");
    assert_eq!(back["assignee"], Value::Null);
    assert_eq!(
        timeline(&app, &w.staff_a, aid).await.last().unwrap(),
        "return_to_dispatcher"
    );

    let r = linli::jobs::tick(&app.state, t_publish + Duration::minutes(301))
        .await
        .unwrap();
    assert_eq!(r.unclaimed, 1);
    let up = order(&app, &w.staff_a, pid).await;
    assert_eq!(up["status"], "submitted");
    assert_eq!(up["region_id"], w.comm_a.as_str());
    assert_eq!(timeline(&app, &w.staff_a, pid).await.last().unwrap(), "escalate");
}

#[tokio::test]
async fn a_service_not_completed_in_time_is_flagged_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o = place(&app, &w.resident_a, &w.grid_a, None).await;
    let id = o["id"].as_str().unwrap();
    step(
        &app,
        &w.staff_a,
        id,
        "dispatch",
        json!({"mode": "assign", "member_id": w.member_a.user_id}),
        "assigned",
    )
    .await;
    step(&app, &w.member_a, id, "accept", json!({}), "claimed").await;
    let started = step(&app, &w.member_a, id, "start", json!({}), "in_service").await;
    let t = at(&started["updated_at"]);
    assert_eq!(
        at(&started["due_at"]) - t,
        Duration::hours(48),
        "SLA_COMPLETE_HOURS"
    );

    let early = linli::jobs::tick(&app.state, t + Duration::hours(47))
        .await
        .unwrap();
    assert_eq!(early.overdue_services, 0);
    let late = linli::jobs::tick(&app.state, t + Duration::hours(49))
        .await
        .unwrap();
    assert_eq!(late.overdue_services, 1);
    let again = linli::jobs::tick(&app.state, t + Duration::hours(100))
        .await
        .unwrap();
    assert_eq!(again.overdue_services, 0, "told once");
    let now = order(&app, &w.member_a, id).await;
    assert_eq!(now["status"], "in_service");
    assert_eq!(now["due_at"], Value::Null);
    assert_eq!(
        timeline(&app, &w.member_a, id).await.last().unwrap(),
        "service_overdue"
    );
    // The member can still complete it.
    step(
        &app,
        &w.member_a,
        id,
        "complete",
        json!({"minutes": 30}),
        "completed",
    )
    .await;
}
