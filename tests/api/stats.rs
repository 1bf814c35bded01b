//! Dashboards: each rate computed on a constructed month whose answer is known, China day and
//! month boundaries, an empty range, a range over two months, the breakdown by child region and
//! scoping.

use crate::helpers::{TestApp, ok_json, problem, spawn_app_with};
use crate::orders::place;
use crate::world::{self, World};
use chrono::{DateTime, Duration, Utc};
use entity::order_event::{self, Action};
use entity::service_order::{self, OrderStatus};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// How one constructed order went.
struct Story {
    created: &'static str,
    status: OrderStatus,
    /// Hours from placing to dispatch, claim, completion and close.
    dispatched: Option<i64>,
    claimed: Option<i64>,
    completed: Option<i64>,
    closed: Option<i64>,
    rating: Option<i16>,
    redone: bool,
    /// Solved by the community rather than the grid it was placed in.
    escalated: bool,
}

const fn story(created: &'static str, status: OrderStatus, dispatched: Option<i64>) -> Story {
    Story {
        created,
        status,
        dispatched,
        claimed: None,
        completed: None,
        closed: None,
        rating: None,
        redone: false,
        escalated: false,
    }
}

/// October 2026 in China runs from 2026-09-30T16:00Z to 2026-10-31T16:00Z. Ten orders served
/// in it (7 dispatched within the 24 h clock, one 30 h late, two never), one cancelled, and one
/// on each side of the month's edges.
fn october() -> Vec<Story> {
    use OrderStatus::*;
    let closed = |created, rating, redone, escalated| Story {
        claimed: Some(3),
        completed: Some(5),
        closed: Some(6),
        rating,
        redone,
        escalated,
        ..story(created, Closed, Some(2))
    };
    let claimed = |created| Story {
        claimed: Some(4),
        ..story(created, InService, Some(2))
    };
    vec![
        // The first instant of October in China.
        closed("2026-09-30T16:00:00Z", Some(5), false, false),
        closed("2026-10-02T01:00:00Z", Some(4), true, false),
        closed("2026-10-03T01:00:00Z", Some(2), false, false),
        // Closed by the clock, never rated, 8 days after completion; solved by the community.
        Story {
            closed: Some(5 + 8 * 24),
            ..closed("2026-10-04T01:00:00Z", None, false, true)
        },
        claimed("2026-10-05T01:00:00Z"),
        claimed("2026-10-06T01:00:00Z"),
        claimed("2026-10-07T01:00:00Z"),
        story("2026-10-08T01:00:00Z", Assigned, Some(30)),
        story("2026-10-09T01:00:00Z", Submitted, None),
        // The last second of October in China.
        story("2026-10-31T15:59:59Z", Submitted, None),
        story("2026-10-10T01:00:00Z", Cancelled, None),
        // Outside: the last second of September and the first of November, in China.
        story("2026-09-30T15:59:59Z", Submitted, None),
        story("2026-10-31T16:00:00Z", Submitted, None),
    ]
}

async fn construct(app: &TestApp, w: &World) {
    for s in october() {
        let placed = place(app, &w.resident_a, &w.grid_a, None).await;
        let id: i64 = placed["id"].as_str().unwrap().parse().unwrap();
        let created = at(s.created);
        let after = |h: Option<i64>| h.map(|h| created + Duration::hours(h));
        let mut o = service_order::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        o.status = Set(s.status);
        o.created_at = Set(created);
        o.dispatched_at = Set(after(s.dispatched));
        o.claimed_at = Set(after(s.claimed));
        o.started_at = Set(after(s.claimed));
        o.completed_at = Set(after(s.completed));
        o.closed_at = Set(after(s.closed));
        o.rating = Set(s.rating);
        if s.escalated {
            o.region_id = Set(w.comm_a.parse().unwrap());
        }
        o.update(&app.state.db).await.unwrap();
        if s.redone {
            order_event::ActiveModel {
                order_id: Set(id),
                actor_id: Set(None),
                action: Set(Action::Redo),
                from_status: Set(Some(OrderStatus::UnderReview)),
                to_status: Set(OrderStatus::InService),
                created_at: Set(created + Duration::hours(4)),
                ..Default::default()
            }
            .insert(&app.state.db)
            .await
            .unwrap();
        }
    }
}

async fn stats(app: &TestApp, w: &World, region: &str, query: &str) -> Value {
    let path = format!("/api/v1/regions/{region}/stats{query}");
    ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await
}

fn count(list: &Value, key: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map_or(0, |c| c["count"].as_i64().unwrap())
}

#[tokio::test]
async fn a_constructed_month_gives_the_known_rates() {
    let app = spawn_app_with(&[("ORDER_SUBMITS_PER_HOUR", "100")], |_| {}).await;
    let w = world::build(&app).await;
    construct(&app, &w).await;

    let s = stats(&app, &w, &w.comm_a, "?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(s["range"]["starts_at"], "2026-09-30T16:00:00Z", "{}", s["range"]);
    assert_eq!(s["range"]["ends_at"], "2026-10-31T16:00:00Z");
    let o = &s["orders"];
    assert_eq!(o["placed"], 11, "{o}");
    assert_eq!(count(&o["by_status"], "closed"), 4);
    assert_eq!(count(&o["by_status"], "submitted"), 2);
    assert_eq!(count(&o["by_status"], "cancelled"), 1);
    assert_eq!(count(&o["by_status"], "under_review"), 0);
    assert_eq!(count(&o["by_category"], "其他"), 11);
    // 响应率 7 of 10 (the cancelled order is not counted), 办结率 4 of 10.
    assert_eq!(o["response_rate"]["numerator"], 7);
    assert_eq!(o["response_rate"]["denominator"], 10);
    assert_eq!(o["response_rate"]["rate"], 0.7);
    assert_eq!(o["completion_rate"]["rate"], 0.4);
    // 解决率: 3 of the 4 closed without a redo; 满意率: 2 of 3 rated gave 4–5.
    assert_eq!(o["resolution_rate"]["rate"], 0.75);
    assert_eq!(o["satisfaction_rate"]["numerator"], 2);
    assert_eq!(o["satisfaction_rate"]["denominator"], 3);
    assert_eq!(o["satisfaction_rate"]["rate"], 0.6667);
    // Dispatch took 2 h seven times and 30 h once.
    assert_eq!(o["to_dispatch"]["count"], 8);
    assert_eq!(o["to_dispatch"]["median_minutes"], 120.0);
    assert_eq!(o["to_dispatch"]["p90_minutes"], 1800.0);
    assert_eq!(o["to_complete"]["median_minutes"], 300.0);
    // One dispatched late and two never dispatched; one closed by the clock after 8 days.
    assert_eq!(o["overdue"]["dispatch"], 3);
    assert_eq!(o["overdue"]["confirm"], 1);
    assert_eq!(o["overdue"]["start"], 0);
    assert_eq!(count(&o["solved_at"], "grid"), 3);
    assert_eq!(count(&o["solved_at"], "community"), 1);

    // The community's one grid holds them all.
    let children = s["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["region_id"], w.grid_a.as_str());
    assert_eq!(children[0]["orders"]["placed"], 11);
    // Over the street (the county's admin), both communities, B with nothing.
    let path = format!("/api/v1/regions/{}/stats?from=2026-10-01&to=2026-10-31", w.street);
    let street = ok_json(app.get_as(&path, &w.admin.token).await, 200).await;
    let by_child: Vec<(String, i64)> = street["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["orders"]["placed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_child,
        [("和平社区".to_owned(), 11), ("团结社区".to_owned(), 0)]
    );
}

#[tokio::test]
async fn day_edges_empty_ranges_two_months_and_scoping() {
    let app = spawn_app_with(&[("ORDER_SUBMITS_PER_HOUR", "100")], |_| {}).await;
    let w = world::build(&app).await;
    construct(&app, &w).await;

    // One China day: the first of October holds only the order placed at its first instant.
    let day = stats(&app, &w, &w.comm_a, "?from=2026-10-01&to=2026-10-01").await;
    assert_eq!(day["orders"]["placed"], 1);
    let last = stats(&app, &w, &w.comm_a, "?from=2026-10-31&to=2026-10-31").await;
    assert_eq!(last["orders"]["placed"], 1);

    let empty = stats(&app, &w, &w.comm_a, "?from=2026-08-01&to=2026-08-31").await;
    let o = &empty["orders"];
    assert_eq!(o["placed"], 0);
    assert!(o["response_rate"]["rate"].is_null());
    assert!(o["to_dispatch"]["median_minutes"].is_null());
    assert_eq!(
        o["by_status"].as_array().unwrap().len(),
        10,
        "every status, zeros included"
    );
    assert_eq!(o["solved_at"], serde_json::json!([]));

    // September and October: the September order joins; November's stays out.
    let two = stats(&app, &w, &w.comm_a, "?from=2026-09-01&to=2026-10-31").await;
    assert_eq!(two["orders"]["placed"], 12);
    let nov = stats(&app, &w, &w.comm_a, "?from=2026-11-01&to=2026-11-01").await;
    assert_eq!(nov["orders"]["placed"], 1);

    // Without dates: this month in China.
    let now = stats(&app, &w, &w.comm_a, "").await;
    let today = Utc::now()
        .with_timezone(&linli::calendar::china())
        .format("%Y-%m-01")
        .to_string();
    assert_eq!(now["range"]["from"], today.as_str());

    for bad in [
        "?from=2026-10-31&to=2026-10-01",
        "?from=2026-13-01",
        "?from=2025-01-01&to=2026-06-01",
    ] {
        let res = app
            .get_as(
                &format!("/api/v1/regions/{}/stats{bad}", w.comm_a),
                &w.staff_a.token,
            )
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["code"], "INVALID_QUERY", "{bad}");
    }
    let path = format!("/api/v1/regions/{}/stats", w.comm_a);
    let res = app.get_as(&path, &w.staff_b.token).await;
    assert_eq!(res.status(), 404);
    let res = app.get_as(&path, &w.member_a.token).await;
    assert_eq!(res.status(), 403);
}

/// With `DATABASE_READ_URL` set, dashboards read the replica and everything else the primary.
/// The "replica" here is another migrated database that never receives the primary's rows, so
/// which one a route read is visible in its answer.
#[tokio::test]
async fn dashboards_read_the_replica_and_writes_read_the_primary() {
    let replica = crate::helpers::spawn_app().await;
    let app = spawn_app_with(&[("DATABASE_READ_URL", replica.database_url.as_str())], |_| {}).await;
    let w = world::build(&app).await;
    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let id = order["id"].as_str().unwrap();

    // The write, and reads that decide writes, went to the primary.
    let path = format!("/api/v1/orders/{id}");
    let seen = ok_json(app.get_as(&path, &w.resident_a.token).await, 200).await;
    assert_eq!(seen["status"], "submitted");

    // The dashboard and the order counts read the replica, which has no such order.
    let s = stats(&app, &w, &w.comm_a, "").await;
    assert_eq!(s["orders"]["placed"], 0);
    assert_eq!(s["children"], serde_json::json!([]));
    let counts = format!("/api/v1/regions/{}/order-counts", w.comm_a);
    let c = ok_json(app.get_as(&counts, &w.staff_a.token).await, 200).await;
    let total = |c: &Value| -> i64 {
        c.as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(total(&c), 0, "counts read the replica: {c}");

    // A server on the same primary without a replica sees the order.
    let primary_only = crate::helpers::spawn_peer(&app, &[]).await;
    let c = ok_json(primary_only.get_as(&counts, &w.staff_a.token).await, 200).await;
    assert_eq!(total(&c), 1);
    let s = stats(&primary_only, &w, &w.comm_a, "").await;
    assert_eq!(s["orders"]["placed"], 1);
}

/// People, points, activities, problems and wishes of a range, on both communities of a street:
/// each figure built by the API the way the mini-program and the console make them.
#[tokio::test]
async fn people_points_and_civic_figures_follow_what_happened() {
    use serde_json::json;
    let app = spawn_app_with(&[("ORDER_SUBMITS_PER_HOUR", "100")], |_| {}).await;
    let w = world::build(&app).await;
    let s = crate::store::shop(&app, &w).await;
    // Yesterday to tomorrow in China: what happens now is inside, whatever the hour.
    let today = Utc::now().with_timezone(&linli::calendar::china()).date_naive();
    let range = format!(
        "?from={}&to={}",
        today - Duration::days(1),
        today + Duration::days(1)
    );

    // Orders: resident A twice in grid A (one served and closed by member A), B once.
    place(&app, &w.resident_a, &w.grid_a, None).await;
    place(&app, &w.resident_b, &w.grid_b, None).await;
    let served = crate::orders::completed(&app, &w, None, json!({"minutes": 60})).await;
    let closed = crate::orders::act(&app, &w.resident_a, &served, "confirm", json!({"rating": 5})).await;
    ok_json(closed, 200).await;
    // 双报到: member A reports to community A and is approved.
    let report = ok_json(
        crate::reports::report(&app, &w.member_a.token, &w.comm_a, None).await,
        201,
    )
    .await;
    let approve = format!("/api/v1/reports/{}/approve", report["id"].as_str().unwrap());
    ok_json(
        app.call("POST", &approve, Some(&w.staff_a.token), None).await,
        200,
    )
    .await;

    // Points: grants by each community's pool, a donation A → B, one pick-up and one hold.
    crate::store::coins(&app, &w.staff_a, &w.comm_a, &w.resident_a.user_id, 100).await;
    crate::store::coins(&app, &w.staff_b, &w.comm_b, &w.resident_b.user_id, 40).await;
    let gift = app
        .client
        .post(app.url("/api/v1/transfers"))
        .bearer_auth(&w.resident_a.token)
        .header("Idempotency-Key", "gift-1")
        .json(&json!({"to_user_id": w.resident_b.user_id, "asset": "coin", "amount": 20, "memo": "送给邻居"}))
        .send()
        .await
        .unwrap();
    ok_json(gift, 201).await;
    // Community B's grant is reversed by a system admin: back to B's pool.
    let theirs = ok_json(
        app.get_as("/api/v1/me/transactions?kind=grant", &w.resident_b.token)
            .await,
        200,
    )
    .await;
    let reverse = format!(
        "/api/v1/transfers/{}/reverse",
        theirs["items"][0]["id"].as_str().unwrap()
    );
    let undo = app
        .client
        .post(app.url(&reverse))
        .bearer_auth(&w.admin.token)
        .header("Idempotency-Key", "undo-1")
        .json(&json!({"reason": "误发"}))
        .send()
        .await
        .unwrap();
    ok_json(undo, 201).await;
    let towel = json!([{"goods_id": s.towel, "quantity": 1}]);
    let bought = ok_json(
        crate::store::redeem(&app, &w.resident_a.token, "r-1", &s.store, towel.clone()).await,
        201,
    )
    .await;
    let pickup = format!("/api/v1/stores/{}/pickups", s.store);
    let code = json!({"code": bought["pickup_code"]});
    ok_json(app.post_as(&pickup, &s.clerk.token, code).await, 200).await;
    ok_json(
        crate::store::redeem(&app, &w.resident_a.token, "r-2", &s.store, towel).await,
        201,
    )
    .await;

    // Civic: an activity now in community A with member A signed up, an item filed, a wish.
    let activity = crate::activities::publish(&app, &w.staff_a, &w.comm_a, json!({})).await;
    ok_json(crate::activities::signup(&app, &w.member_a, &activity).await, 201).await;
    let item = json!({"title": "路灯不亮", "description": "晚上很黑", "severity": "small", "photos": []});
    let filed = app
        .post_as(
            &format!("/api/v1/regions/{}/problems", w.comm_a),
            &w.staff_a.token,
            item,
        )
        .await;
    ok_json(filed, 201).await;

    let street = |q: String| {
        let path = format!("/api/v1/regions/{}/stats{q}", w.street);
        let app = &app;
        let token = w.admin.token.clone();
        async move { ok_json(app.get_as(&path, &token).await, 200).await }
    };
    let total = street(range.clone()).await;
    let (a, b) = (&total["children"][0], &total["children"][1]);
    assert_eq!(
        (a["name"].as_str(), b["name"].as_str()),
        (Some("和平社区"), Some("团结社区"))
    );

    // The member's record gives the minutes the order credited.
    let record = ok_json(
        app.get_as("/api/v1/me/service-record", &w.member_a.token).await,
        200,
    )
    .await;
    let minutes: i64 = record["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["minutes"].as_i64().unwrap())
        .sum();
    assert!(minutes > 0, "{record}");

    let p = &a["people"];
    assert_eq!(
        [
            &p["residents_active"],
            &p["residents_registered"],
            &p["members_reported"],
            &p["members_reported_in_range"]
        ],
        [&json!(1), &json!(2), &json!(1), &json!(1)],
        "{p}"
    );
    assert_eq!(
        [&p["members_active"], &p["visits"], &p["minutes_served"]],
        [&json!(1), &json!(1), &json!(minutes)]
    );
    assert_eq!(b["people"]["residents_active"], 1);
    assert_eq!(b["people"]["members_reported"], 0);
    assert_eq!(total["people"]["residents_active"], 2);
    assert_eq!(total["people"]["residents_registered"], 3);

    let (pa, pb, pt) = (&a["points"], &b["points"], &total["points"]);
    assert_eq!(pa["coins_issued"]["grants"], 100);
    assert_eq!(
        pb["coins_issued"],
        json!({"awards": 0, "grants": 40, "reversed": 40, "net": 0})
    );
    assert_eq!(pt["coins_issued"]["grants"], 140);
    assert_eq!(
        pa["minutes_issued"]["awards"], minutes,
        "the order's award, by community A's pool"
    );
    assert_eq!(
        (pa["coins_donated"].as_i64(), pb["coins_donated"].as_i64()),
        (Some(20), Some(0))
    );
    assert_eq!(
        (pa["redemptions"].as_i64(), pa["coins_spent"].as_i64()),
        (Some(1), Some(10))
    );
    assert_eq!(pa["stores"][0]["name"], "和平爱心超市");
    assert_eq!(pb["stores"], json!([]));
    // Resident A: 100 − 20 − 10 spent, 10 on hold for the second towel; B: 40 − 40 + 20.
    let coin_award = pa["coins_issued"]["awards"].as_i64().unwrap();
    assert_eq!(pa["coins_held"].as_i64(), Some(70 + coin_award), "{pa}");
    assert_eq!(pa["coins_on_hold"], 10);
    assert_eq!(pb["coins_held"], 20);

    assert_eq!(
        (
            a["activities"]["held"].as_i64(),
            a["activities"]["signups"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(b["activities"]["held"], 0);
    assert_eq!(
        (
            a["problems"]["filed"].as_i64(),
            total["problems"]["filed"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(total["wishes"]["posted"], 0);

    // A range before any of it: every figure zero.
    let before = format!(
        "?from={}&to={}",
        today - Duration::days(40),
        today - Duration::days(10)
    );
    let empty = street(before).await;
    assert_eq!(empty["people"]["residents_active"], 0);
    assert_eq!(
        empty["people"]["residents_registered"], 3,
        "registration is as of now"
    );
    assert_eq!(empty["points"]["coins_issued"]["net"], 0);
    assert_eq!(
        empty["points"]["coins_held"], total["points"]["coins_held"],
        "holdings are as of now"
    );
    assert_eq!(empty["activities"]["held"], 0);
}

/// Without `from`/`to` the range is the China month of the server's clock: set to the last
/// instant of October in China it is October, one second later November.
#[tokio::test]
async fn the_default_range_is_the_month_of_the_clock() {
    let app = spawn_app_with(&[("ORDER_SUBMITS_PER_HOUR", "100")], |_| {}).await;
    let w = world::build(&app).await;
    construct(&app, &w).await;

    app.state.clock.set(Some(at("2026-10-31T15:59:59Z")));
    let october = stats(&app, &w, &w.comm_a, "").await;
    assert_eq!(
        (october["range"]["from"].as_str(), october["range"]["to"].as_str()),
        (Some("2026-10-01"), Some("2026-10-31"))
    );
    assert_eq!(october["orders"]["placed"], 11);

    app.state.clock.set(Some(at("2026-10-31T16:00:00Z")));
    let november = stats(&app, &w, &w.comm_a, "").await;
    assert_eq!(november["range"]["from"], "2026-11-01");
    assert_eq!(
        november["orders"]["placed"], 1,
        "the order placed at November's first instant"
    );
    app.state.clock.set(None);
}
