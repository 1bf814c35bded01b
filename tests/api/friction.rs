//! What a new client meets first: bodiless actions, and every bad field named at once.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::orders::{item, place};
use crate::world;
use serde_json::json;

/// A POST as a bare client sends it: no body, no `Content-Type`.
async fn bare(app: &TestApp, who: &Session, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap()
}

fn fields(p: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn bodiless_actions_need_no_body_and_no_content_type() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let item = item(&app, &w).await;
    let order = place(&app, &w.resident_a, &w.grid_a, Some(&item)).await;
    let id = order["id"].as_str().unwrap();
    let res = app
        .post_as(
            &format!("/api/v1/orders/{id}/dispatch"),
            &w.staff_a.token,
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
        )
        .await;
    ok_json(res, 200).await;
    for (action, status) in [("accept", "claimed"), ("start", "in_service")] {
        let res = bare(&app, &w.member_a, &format!("/api/v1/orders/{id}/{action}")).await;
        assert_eq!(ok_json(res, 200).await["status"], status, "{action}");
    }

    let other = place(&app, &w.resident_a, &w.grid_a, Some(&item)).await;
    let other = other["id"].as_str().unwrap();
    // A body that is there must be JSON.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/orders/{other}/cancel")))
        .bearer_auth(&w.resident_a.token)
        .header("content-type", "text/plain")
        .body(r#"{"reason":"不需要了"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(problem(res).await["code"], "UNSUPPORTED_MEDIA_TYPE");
    // An action that needs a reason says so, rather than 415.
    let res = bare(&app, &w.staff_a, &format!("/api/v1/orders/{other}/escalate")).await;
    assert_eq!(res.status(), 400);
    assert_eq!(fields(&problem(res).await), ["reason"]);
    let res = bare(&app, &w.resident_a, &format!("/api/v1/orders/{other}/cancel")).await;
    assert_eq!(ok_json(res, 200).await["status"], "cancelled");
    // Logging out needs no body either.
    let res = bare(&app, &w.member_a, "/api/v1/auth/logout").await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn validation_names_every_bad_field_at_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let res = app
        .post_as(
            "/api/v1/orders",
            &w.resident_a.token,
            json!({"region_id": 5, "title": "", "contact_phone": "123", "preferred_time": "明天",
                   "colour": "red"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "VALIDATION_FAILED");
    // Shape errors (wrong type, unknown, missing) and rule errors together.
    assert_eq!(
        fields(&p),
        [
            "address",
            "colour",
            "contact_phone",
            "preferred_time",
            "region_id",
            "title"
        ]
    );
}
