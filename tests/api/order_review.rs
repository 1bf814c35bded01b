//! Minutes bounded by the clock, and 回访: a dissatisfied resident's order waits for staff, who
//! send it back or close it, paying once and never more than was to be credited.

use crate::helpers::{TestApp, ok_json, problem, spawn_app};
use crate::ledger::balances;
use crate::orders::{act, award, completed, completed_after, item, step, timeline};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

async fn detail(app: &TestApp, w: &World, order: &str) -> Value {
    ok_json(
        app.get_as(&format!("/api/v1/orders/{order}"), &w.staff_a.token)
            .await,
        200,
    )
    .await
}

fn last_event(detail: &Value) -> Value {
    detail["timeline"].as_array().unwrap().last().unwrap().clone()
}

/// A completed order (40 minutes reported over two hours of work) its resident rates 2 stars.
async fn disputed(app: &TestApp, w: &World, item: Option<&str>) -> String {
    let o = completed(app, w, item, json!({"minutes": 40})).await;
    let body = json!({"rating": 2, "comment": "没修好"});
    step(app, &w.resident_a, &o, "confirm", body, "under_review").await;
    o
}

async fn review(app: &TestApp, w: &World, order: &str, body: Value) -> reqwest::Response {
    act(app, &w.staff_a, order, "review", body).await
}

#[tokio::test]
async fn a_day_reported_right_after_start_is_credited_the_slack() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let slack = i64::from(app.state.config.orders.minutes_slack);
    let o = completed_after(&app, &w, None, json!({"minutes": 1440}), Duration::zero()).await;
    let d = detail(&app, &w, &o).await;
    let credited = d["credited_minutes"].as_i64().unwrap();
    assert_eq!(d["minutes"], 1440, "what the member reported is kept");
    // Under a minute passed: it rounds up to one, plus the slack.
    assert!((slack..=slack + 1).contains(&credited), "credited {credited}");
    let done = last_event(&d);
    assert_eq!(
        (
            done["action"].as_str(),
            &done["minutes"],
            done["credited_minutes"].as_i64()
        ),
        (Some("complete"), &json!(1440), Some(credited)),
        "the timeline shows both"
    );

    step(&app, &w.resident_a, &o, "confirm", json!({"rating": 5}), "closed").await;
    let (time, _) = balances(&app, &w.member_a.token).await;
    assert_eq!(time, credited);
    assert!(time <= slack + 1, "paid {time} minutes for a day claimed at once");
}

#[tokio::test]
async fn a_low_rating_or_unhappy_resident_puts_the_order_under_review_and_pays_nothing() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let low = disputed(&app, &w, None).await;
    let unhappy = completed(&app, &w, None, json!({"minutes": 30})).await;
    let body = json!({"rating": 5, "satisfied": false});
    step(&app, &w.resident_a, &unhappy, "confirm", body, "under_review").await;
    let happy = completed(&app, &w, None, json!({"minutes": 30})).await;
    let body = json!({"rating": 3, "satisfied": true});
    step(&app, &w.resident_a, &happy, "confirm", body, "closed").await;

    assert_eq!(
        balances(&app, &w.member_a.token).await.0,
        30,
        "only the happy order paid"
    );
    for o in [&low, &unhappy] {
        assert!(award(&app, o).await.is_empty(), "order {o} owes nothing yet");
    }
    let d = detail(&app, &w, &low).await;
    assert_eq!(
        (d["status"].as_str(), d["rating"].as_i64()),
        (Some("under_review"), Some(2))
    );
    let e = last_event(&d);
    assert_eq!(e["action"], "dispute");
    assert!(e["note"].as_str().unwrap().contains("没修好"), "{e}");

    let list = ok_json(
        app.get_as(
            &format!(
                "/api/v1/orders?scope=region&region_id={}&status=under_review",
                w.comm_a
            ),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    let mut listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    listed.sort();
    let mut expected = vec![low.as_str(), unhappy.as_str()];
    expected.sort();
    assert_eq!(listed, expected, "staff find the orders under review");
}

#[tokio::test]
async fn redo_sends_it_back_to_the_same_member_and_pays_only_the_redone_work() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o = disputed(&app, &w, None).await;
    let back = ok_json(
        review(
            &app,
            &w,
            &o,
            json!({"decision": "redo", "reason": "回访：没修好，原党员重办"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(back["status"], "claimed");
    assert_eq!(back["assignee"]["id"], w.member_a.user_id);
    assert!(back["minutes"].is_null() && back["credited_minutes"].is_null() && back["rating"].is_null());
    assert!(award(&app, &o).await.is_empty());

    step(&app, &w.member_a, &o, "start", json!({}), "in_service").await;
    crate::orders::started_ago(&app, &o, Duration::minutes(30)).await;
    step(
        &app,
        &w.member_a,
        &o,
        "complete",
        json!({"minutes": 25}),
        "completed",
    )
    .await;
    step(&app, &w.resident_a, &o, "confirm", json!({"rating": 5}), "closed").await;
    assert_eq!(
        balances(&app, &w.member_a.token).await.0,
        25,
        "the first completion is not paid"
    );
    let actions = timeline(&app, &w.staff_a, &o).await;
    assert_eq!(
        actions[4..],
        ["complete", "dispute", "redo", "start", "complete", "confirm"]
    );
    let redo = &detail(&app, &w, &o).await["timeline"][6];
    assert_eq!(
        (redo["note"].as_str(), redo["actor_id"].as_str()),
        (Some("回访：没修好，原党员重办"), Some(w.staff_a.user_id.as_str()))
    );
}

#[tokio::test]
async fn redispatch_returns_it_to_the_dispatcher() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o = disputed(&app, &w, None).await;
    let body = json!({"decision": "redo", "redispatch": true, "reason": "换人服务"});
    let back = ok_json(review(&app, &w, &o, body).await, 200).await;
    assert_eq!(back["status"], "submitted");
    assert!(back["assignee"].is_null() && back["minutes"].is_null());
    let again = json!({"mode": "publish"});
    step(&app, &w.staff_a, &o, "dispatch", again, "published").await;
    assert_eq!(balances(&app, &w.member_a.token).await.0, 0);
    assert!(award(&app, &o).await.is_empty());
}

#[tokio::test]
async fn close_pays_the_lowered_minutes_exactly_once_and_never_more() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let item = item(&app, &w).await;
    let o = disputed(&app, &w, Some(&item)).await;

    let p = problem(
        review(
            &app,
            &w,
            &o,
            json!({"decision": "close", "minutes": 41, "reason": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (p["status"].as_i64(), p["code"].as_str()),
        (Some(422), Some("REVIEW_MINUTES_RAISED"))
    );
    for bad in [
        json!({"decision": "close", "minutes": 10}),
        json!({"decision": "close", "minutes": 10, "reason": ""}),
        json!({"decision": "close", "redispatch": true, "reason": "x"}),
        json!({"decision": "redo", "minutes": 10, "reason": "x"}),
        json!({"decision": "close", "minutes": -1, "reason": "x"}),
    ] {
        let p = problem(review(&app, &w, &o, bad.clone()).await).await;
        assert_eq!(p["code"], "VALIDATION_FAILED", "{bad}");
    }

    // Two staff close at once: one wins, the other hears the order moved on.
    let reason = "电话回访：已疏通但未清理现场";
    let body = json!({"decision": "close", "minutes": 25, "reason": reason});
    let (a, b) = tokio::join!(
        review(&app, &w, &o, body.clone()),
        review(&app, &w, &o, body.clone())
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let retry = problem(review(&app, &w, &o, body).await).await;
    assert_eq!(retry["code"], "ORDER_INVALID_TRANSITION");

    assert_eq!(
        balances(&app, &w.member_a.token).await,
        (25, 10),
        "lowered minutes, the item's coins, once"
    );
    let d = detail(&app, &w, &o).await;
    assert_eq!(
        (d["status"].as_str(), d["credited_minutes"].as_i64()),
        (Some("closed"), Some(25))
    );
    let e = last_event(&d);
    assert_eq!(
        (
            e["action"].as_str(),
            e["note"].as_str(),
            &e["minutes"],
            &e["credited_minutes"]
        ),
        (Some("review_close"), Some(reason), &json!(40), &json!(25))
    );
    let books = ok_json(
        app.get_as("/api/v1/ledger/reconciliation", &w.admin.token).await,
        200,
    )
    .await;
    assert_eq!(books["ok"], true);

    // Without minutes the close pays what was to be credited.
    let kept = disputed(&app, &w, None).await;
    let body = json!({"decision": "close", "reason": "回访：居民误评"});
    let closed = ok_json(review(&app, &w, &kept, body).await, 200).await;
    assert_eq!(
        (closed["status"].as_str(), closed["credited_minutes"].as_i64()),
        (Some("closed"), Some(40))
    );
    assert_eq!(balances(&app, &w.member_a.token).await.0, 25 + 40);
}

#[tokio::test]
async fn only_staff_over_the_order_review_it_and_only_under_review() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o = disputed(&app, &w, None).await;
    let body = json!({"decision": "close", "reason": "x"});
    for (who, status) in [
        (&w.resident_a, 403),
        (&w.member_a, 403),
        (&w.staff_b, 404),
        (&w.resident_b, 404),
    ] {
        let res = act(&app, who, &o, "review", body.clone()).await;
        assert_eq!(res.status(), status, "{}", who.user_id);
    }
    assert_eq!(detail(&app, &w, &o).await["status"], "under_review");

    let done = completed(&app, &w, None, json!({"minutes": 30})).await;
    let p = problem(review(&app, &w, &done, body).await).await;
    assert_eq!(
        p["code"], "ORDER_INVALID_TRANSITION",
        "a completed order is not under review"
    );
    let p = problem(act(&app, &w.resident_a, &o, "confirm", json!({"rating": 5})).await).await;
    assert_eq!(
        p["code"], "ORDER_INVALID_TRANSITION",
        "the resident cannot close it by rating again"
    );
}

#[tokio::test]
async fn the_clock_neither_closes_nor_pays_an_order_under_review() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o = disputed(&app, &w, None).await;
    let quiet = completed(&app, &w, None, json!({"minutes": 30})).await;
    let r = linli::jobs::tick(&app.state, Utc::now() + Duration::days(30))
        .await
        .unwrap();
    assert_eq!(r.closed, 1, "only the completed order is closed");
    assert_eq!(detail(&app, &w, &quiet).await["status"], "closed");
    assert_eq!(detail(&app, &w, &o).await["status"], "under_review");
    assert!(award(&app, &o).await.is_empty());
    assert_eq!(balances(&app, &w.member_a.token).await.0, 30);
}
