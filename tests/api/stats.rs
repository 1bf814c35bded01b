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
