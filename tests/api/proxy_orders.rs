//! 代办: staff place an order for a resident of theirs (found by id or phone, or entered new by
//! phone and name); the resident owns it, sees it and rates it; the timeline names who placed it.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::world;
use serde_json::{Value, json};

async fn place_for(app: &TestApp, staff: &Session, region: &str, who: Value) -> reqwest::Response {
    app.post_as(
        "/api/v1/orders",
        &staff.token,
        json!({"region_id": region, "title": "代买药品", "description": "腿脚不便", "address": "2 单元 302",
               "on_behalf_of": who}),
    )
    .await
}

async fn step(app: &TestApp, who: &Session, id: &str, action: &str, body: Value) -> Value {
    ok_json(
        app.post_as(&format!("/api/v1/orders/{id}/{action}"), &who.token, body)
            .await,
        200,
    )
    .await
}

#[tokio::test]
async fn staff_place_for_a_resident_who_then_rates_it() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let placed = ok_json(
        place_for(
            &app,
            &w.staff_a,
            &w.grid_a,
            json!({"user_id": w.resident_a.user_id}),
        )
        .await,
        201,
    )
    .await;
    let id = placed["id"].as_str().unwrap().to_owned();
    assert_eq!(placed["resident"]["id"], w.resident_a.user_id.as_str());

    // The resident sees it as theirs; the first event is 代办 by the staff member.
    let detail = ok_json(
        app.get_as(&format!("/api/v1/orders/{id}"), &w.resident_a.token)
            .await,
        200,
    )
    .await;
    let first = &detail["timeline"][0];
    assert_eq!(first["action"], "proxy_submit");
    assert_eq!(first["actor_id"], w.staff_a.user_id.as_str());
    let mine = ok_json(
        app.get_as("/api/v1/orders?scope=mine", &w.resident_a.token).await,
        200,
    )
    .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.as_str())
    );

    // The usual life; the resident confirms and rates at the end.
    step(
        &app,
        &w.staff_a,
        &id,
        "dispatch",
        json!({"mode": "assign", "member_id": w.member_a.user_id}),
    )
    .await;
    step(&app, &w.member_a, &id, "accept", json!({})).await;
    step(&app, &w.member_a, &id, "start", json!({})).await;
    step(&app, &w.member_a, &id, "complete", json!({"minutes": 30})).await;
    let res = app
        .post_as(
            &format!("/api/v1/orders/{id}/confirm"),
            &w.staff_a.token,
            json!({"rating": 5}),
        )
        .await;
    assert_eq!(res.status(), 403, "only the resident rates");
    let closed = step(&app, &w.resident_a, &id, "confirm", json!({"rating": 5})).await;
    assert_eq!(closed["status"], "closed");
}

#[tokio::test]
async fn a_person_new_to_linli_is_entered_by_phone_and_finds_the_order_later() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // A phone alone does not make a person.
    let res = place_for(&app, &w.staff_a, &w.grid_a, json!({"phone": "13600000001"})).await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "RESIDENT_NOT_IN_REGION");

    let placed = ok_json(
        place_for(
            &app,
            &w.staff_a,
            &w.grid_a,
            json!({"phone": "13600000001", "name": "孤寡老人张奶奶"}),
        )
        .await,
        201,
    )
    .await;
    let id = placed["id"].as_str().unwrap();
    // Entered once: a second order by the same phone is for the same person.
    let again = ok_json(
        place_for(&app, &w.staff_a, &w.grid_a, json!({"phone": "13600000001"})).await,
        201,
    )
    .await;
    assert_eq!(again["resident"]["id"], placed["resident"]["id"]);

    // When she (or her family) logs in with that phone, the orders are hers, and she lives there.
    let grandma = app.login("13600000001", "张奶奶").await;
    assert_eq!(grandma.user_id, placed["resident"]["id"].as_str().unwrap());
    let seen = ok_json(
        app.get_as(&format!("/api/v1/orders/{id}"), &grandma.token).await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "submitted");
    let me = ok_json(app.get_as("/api/v1/me", &grandma.token).await, 200).await;
    let roles = me["roles"].as_array().unwrap();
    assert!(
        roles
            .iter()
            .any(|r| r["role"] == "resident" && r["region_id"] == w.grid_a.as_str()),
        "{me}"
    );
}

#[tokio::test]
async fn only_staff_over_the_place_and_only_for_their_own_residents() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // A resident cannot place for a neighbour.
    let res = place_for(
        &app,
        &w.resident_a,
        &w.grid_a,
        json!({"user_id": w.member_a.user_id}),
    )
    .await;
    assert_eq!(res.status(), 403);
    // Staff of B cannot place in A.
    let res = place_for(
        &app,
        &w.staff_b,
        &w.grid_a,
        json!({"user_id": w.resident_a.user_id}),
    )
    .await;
    assert_eq!(res.status(), 403);
    // Staff of A cannot place for someone living in B, found by id or by phone.
    let res = place_for(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"user_id": w.resident_b.user_id}),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "RESIDENT_NOT_IN_REGION");
    let res = place_for(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"phone": "13800000022", "name": "冒名"}),
    )
    .await;
    assert_eq!(res.status(), 422);
    // Bad input: both an id and a phone, a malformed phone, an unknown user.
    let res = place_for(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"user_id": w.resident_a.user_id, "phone": "13600000002"}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = place_for(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"phone": "12345", "name": "x"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = place_for(&app, &w.staff_a, &w.grid_a, json!({"user_id": "999999"})).await;
    assert_eq!(res.status(), 404);
}
