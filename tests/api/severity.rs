//! 微事不出格、小事不出村、大事不出乡: severity on orders (at placing, or set by staff, written in the
//! timeline), and the dashboard comparing where each severity was solved with where it should be.

use crate::helpers::{ok_json, problem, spawn_app};
use crate::orders::{place, timeline};
use crate::world;
use entity::service_order::{self, OrderStatus};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

#[tokio::test]
async fn severity_is_set_by_the_resident_or_staff_and_counted_where_solved() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let res = app
        .post_as(
            "/api/v1/orders",
            &w.resident_a.token,
            json!({"region_id": w.grid_a, "title": "楼道灯坏了", "address": "1 单元", "severity": "micro"}),
        )
        .await;
    let micro = ok_json(res, 201).await;
    assert_eq!(micro["severity"], "micro");
    let unset = place(&app, &w.resident_a, &w.grid_a, None).await;
    assert_eq!(unset["severity"], Value::Null);
    let uid = unset["id"].as_str().unwrap();

    // Only the staff owning it classify it; others do not see it or may not.
    let path = format!("/api/v1/orders/{uid}/severity");
    let res = app
        .post_as(&path, &w.staff_b.token, json!({"severity": "major"}))
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .post_as(&path, &w.resident_a.token, json!({"severity": "major"}))
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_as(&path, &w.staff_a.token, json!({"severity": "huge"}))
        .await;
    assert_eq!(res.status(), 400);
    let classified = ok_json(
        app.post_as(&path, &w.staff_a.token, json!({"severity": "major"}))
            .await,
        200,
    )
    .await;
    assert_eq!(classified["severity"], "major");
    assert_eq!(timeline(&app, &w.staff_a, uid).await.last().unwrap(), "classify");

    // The micro one went up to the community before it was solved; the major one was solved at
    // the grid (within its level).
    let mid = micro["id"].as_str().unwrap();
    ok_json(
        app.post_as(
            &format!("/api/v1/orders/{mid}/escalate"),
            &w.staff_a.token,
            json!({"reason": "网格解决不了"}),
        )
        .await,
        200,
    )
    .await;
    for id in [mid, uid] {
        let mut o = service_order::Entity::find_by_id(id.parse::<i64>().unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        o.status = Set(OrderStatus::Closed);
        o.closed_at = Set(Some(chrono::Utc::now()));
        o.update(&app.state.db).await.unwrap();
    }
    // A closed order can no longer be classified.
    let res = app
        .post_as(&path, &w.staff_a.token, json!({"severity": "small"}))
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "ORDER_INVALID_TRANSITION");

    let stats = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/stats", w.comm_a), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    let of = |sev: &str| {
        stats["orders"]["by_severity"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["severity"] == sev)
            .unwrap()
            .clone()
    };
    let m = of("micro");
    assert_eq!(m["expected_level"], "grid");
    assert_eq!(
        (
            m["closed"].as_i64(),
            m["solved_within_level"].as_i64(),
            m["solved_above_level"].as_i64()
        ),
        (Some(1), Some(0), Some(1))
    );
    let big = of("major");
    assert_eq!(big["expected_level"], "street");
    assert_eq!(
        (
            big["closed"].as_i64(),
            big["solved_within_level"].as_i64(),
            big["solved_above_level"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(of("small")["placed"], 0);
}
