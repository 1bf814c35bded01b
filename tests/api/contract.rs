//! Rules applied at the edge, for every request, and stated in the spec: no NUL in any string,
//! four-digit years, page limits and cursors, canonical ids, JSON Schema integers.

use crate::helpers::{problem, spawn_app};
use crate::world;
use serde_json::{Value, json};

/// Status, code and the first field named by a refusal.
async fn refusal(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let p = problem(res).await;
    (
        status,
        p["code"].as_str().unwrap_or_default().to_owned(),
        p["errors"][0]["field"].as_str().unwrap_or_default().to_owned(),
    )
}

fn refused(field: &str) -> (u16, String, String) {
    (400, "VALIDATION_FAILED".into(), field.into())
}

#[tokio::test]
async fn nul_in_free_text_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let order = json!({"region_id": w.grid_a, "title": "厨房\u{0}下水道堵了",
                       "address": "1 单元 101", "contact_phone": "13912345678"});
    let res = app.post_as("/api/v1/orders", &w.resident_a.token, order).await;
    assert_eq!(refusal(res).await, refused("title"));

    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/service-items", w.comm_a),
            &w.staff_a.token,
            json!({"name": "疏通", "category": "便民\u{0}服务", "coins": 1, "max_minutes": 60}),
        )
        .await;
    assert_eq!(refusal(res).await, refused("category"));

    let res = app
        .get_as("/api/v1/orders?cursor=12%00", &w.resident_a.token)
        .await;
    assert_eq!(refusal(res).await, refused("cursor"));
    let mine = app.get_as("/api/v1/orders", &w.resident_a.token).await;
    let mine: Value = mine.json().await.unwrap();
    assert_eq!(mine["items"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn dates_beyond_four_digit_years_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let t = &w.resident_a.token;
    for (query, field) in [
        ("from=%2B200000-01-01T00:00:00Z", "from"),
        ("to=%2B200000-01-01T00:00:00Z", "to"),
        ("from=-0001-01-01T00:00:00Z", "from"),
    ] {
        let res = app.get_as(&format!("/api/v1/orders?{query}"), t).await;
        assert_eq!(refusal(res).await, refused(field), "{query}");
    }
    let res = app
        .get_as(
            "/api/v1/orders?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z",
            t,
        )
        .await;
    assert_eq!(res.status(), 200, "every four-digit year is fine");

    let admin = &w.admin;
    let store = app
        .post_as(
            &format!("/api/v1/regions/{}/stores", w.comm_a),
            &admin.token,
            json!({"name": "和平社区爱心超市"}),
        )
        .await;
    let store: Value = store.json().await.unwrap();
    let id = store["id"].as_str().unwrap();
    for month in ["200000-01", "1899-12", "2026-13"] {
        let res = app
            .get_as(
                &format!("/api/v1/stores/{id}/settlement?month={month}"),
                &admin.token,
            )
            .await;
        assert_eq!(refusal(res).await, refused("month"), "{month}");
    }
}

#[tokio::test]
async fn page_limits_outside_the_stated_range_are_refused() {
    let app = spawn_app().await;
    let me = app.login("13900000001", "居民").await;
    for limit in [
        "0",
        "101",
        "9223372036854775808",
        "18446744073709551616",
        "-1",
        "1.5",
    ] {
        let res = app
            .get_as(&format!("/api/v1/me/transactions?limit={limit}"), &me.token)
            .await;
        let (status, code, field) = refusal(res).await;
        assert_eq!(status, 400, "limit={limit}");
        assert!(
            code == "VALIDATION_FAILED" || code == "INVALID_QUERY",
            "{limit}: {code}"
        );
        assert_eq!(field, "limit", "limit={limit}");
    }
    for limit in ["1", "100"] {
        let res = app
            .get_as(&format!("/api/v1/me/transactions?limit={limit}"), &me.token)
            .await;
        assert_eq!(res.status(), 200, "limit={limit}");
    }
    let res = app.get_as("/api/v1/me/transactions?cursor=abc", &me.token).await;
    assert_eq!(refusal(res).await, refused("cursor"));
}

#[tokio::test]
async fn ids_are_read_as_the_spec_writes_them() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let t = &w.admin.token;
    let canonical = app.get_as(&format!("/api/v1/regions/{}", w.county), t).await;
    assert_eq!(canonical.status(), 200);
    for id in [
        format!("0{}", w.county),
        format!("+{}", w.county),
        "-1".into(),
        "0".into(),
    ] {
        let res = app.get_as(&format!("/api/v1/regions/{id}"), t).await;
        assert_eq!(res.status(), 404, "{id}");
    }
    let res = app
        .get_as(
            &format!("/api/v1/orders?scope=region&region_id=0{}", w.comm_a),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(refusal(res).await.0, 400);
}

#[tokio::test]
async fn bodies_are_read_as_json_schema_reads_them() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // `integer` includes 10.0; a fraction stays refused.
    let path = format!("/api/v1/regions/{}/service-items", w.comm_a);
    let item = |coins: f64| json!({"name": format!("服务{coins}"), "category": "便民服务", "coins": coins, "max_minutes": 60.0});
    let res = app.post_as(&path, &w.staff_a.token, item(10.0)).await;
    assert_eq!(res.status(), 201);
    let res = app.post_as(&path, &w.staff_a.token, item(10.5)).await;
    assert_eq!(refusal(res).await, refused("coins"));
    // serde would take a struct written as an array of its fields; the spec says object.
    let res = app
        .call(
            "PATCH",
            &format!("/api/v1/regions/{}", w.grid_a),
            Some(&w.admin.token),
            Some(json!(["网格"])),
        )
        .await;
    assert_eq!(refusal(res).await.0, 400);
}

#[tokio::test]
async fn a_unit_for_a_role_that_has_none_is_a_business_refusal() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            json!({"user_id": w.resident_a.user_id, "role": "staff", "unit_id": "1"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "UNIT_NOT_APPLICABLE");
}
