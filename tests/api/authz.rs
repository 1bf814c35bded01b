//! BOLA / BFLA: every id-bearing route, called by people who must not reach it.
//! Outside the caller's part of the tree: 404. Inside it but beyond their role: 403. No token: 401.

use crate::helpers::{TestApp, ok_json, problem, spawn_app};
use crate::reports::{report, unit};
use crate::world::{self, World};
use serde_json::{Value, json};

struct Ids {
    unit_a: String,
    unit_b: String,
    report_a: String,
    report_b: String,
    grant_a: String,
    grant_b: String,
}

async fn ids(app: &TestApp, w: &World) -> Ids {
    let unit_a = unit(app, w, "A单位").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/units", w.comm_b),
            &w.staff_b.token,
            json!({"name": "B单位", "kind": "机关", "contact_name": "李", "contact_phone": "13811113333"}),
        )
        .await;
    let unit_b = ok_json(res, 201).await["id"].as_str().unwrap().to_owned();
    let report_a = ok_json(report(app, &w.resident_a.token, &w.comm_a, None).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let report_b = ok_json(report(app, &w.resident_b.token, &w.comm_b, None).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grant_id = |v: Value, region: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["region_id"] == region)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let grants_a = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/roles", w.comm_a), &w.admin.token)
            .await,
        200,
    )
    .await;
    let grants_b = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/roles", w.comm_b), &w.admin.token)
            .await,
        200,
    )
    .await;
    Ids {
        unit_a,
        unit_b,
        grant_a: grant_id(grants_a, &w.comm_a),
        grant_b: grant_id(grants_b, &w.comm_b),
        report_a,
        report_b,
    }
}

/// (method, path, body) for every id-bearing route, aimed at community `c`'s objects.
fn routes(
    c: &str,
    unit: &str,
    report: &str,
    grant: &str,
    someone: &str,
) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", format!("/api/v1/regions/{c}/subtree"), None),
        (
            "PATCH",
            format!("/api/v1/regions/{c}"),
            Some(json!({"name": "改名"})),
        ),
        (
            "POST",
            format!("/api/v1/regions/{c}/move"),
            Some(json!({"parent_id": c})),
        ),
        ("GET", format!("/api/v1/regions/{c}/roles"), None),
        (
            "POST",
            format!("/api/v1/regions/{c}/roles"),
            Some(json!({"user_id": someone, "role": "staff"})),
        ),
        ("DELETE", format!("/api/v1/regions/{c}/roles/{grant}"), None),
        (
            "POST",
            format!("/api/v1/regions/{c}/units"),
            Some(json!({"name": "n", "kind": "k", "contact_name": "c", "contact_phone": "13800001111"})),
        ),
        ("GET", format!("/api/v1/regions/{c}/units"), None),
        ("GET", format!("/api/v1/units/{unit}"), None),
        ("GET", format!("/api/v1/units/{unit}/reports"), None),
        ("GET", format!("/api/v1/regions/{c}/reports"), None),
        ("POST", format!("/api/v1/reports/{report}/approve"), None),
        (
            "POST",
            format!("/api/v1/reports/{report}/reject"),
            Some(json!({"reason": "x"})),
        ),
        ("GET", format!("/api/v1/regions/{c}/report-stats"), None),
    ]
}

pub async fn expect_all(
    app: &TestApp,
    who: &str,
    token: Option<&str>,
    table: Vec<(&'static str, String, Option<Value>)>,
    status: u16,
) {
    for (method, path, body) in table {
        let res = app.call(method, &path, token, body).await;
        let got = res.status().as_u16();
        let p = problem(res).await;
        assert_eq!(got, status, "{who}: {method} {path} answered {p}");
    }
}

#[tokio::test]
async fn staff_of_one_community_cannot_reach_another() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let ids = ids(&app, &w).await;
    let table = routes(
        &w.comm_b,
        &ids.unit_b,
        &ids.report_b,
        &ids.grant_b,
        &w.resident_a.user_id,
    );
    expect_all(&app, "staff of A on B", Some(&w.staff_a.token), table, 404).await;
    let table = routes(
        &w.comm_a,
        &ids.unit_a,
        &ids.report_a,
        &ids.grant_a,
        &w.resident_b.user_id,
    );
    expect_all(&app, "staff of B on A", Some(&w.staff_b.token), table, 404).await;
}

#[tokio::test]
async fn residents_and_members_cannot_use_staff_or_admin_routes() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let ids = ids(&app, &w).await;
    for (who, token) in [
        ("resident of A", &w.resident_a.token),
        ("member of A", &w.member_a.token),
    ] {
        let table = routes(
            &w.comm_a,
            &ids.unit_a,
            &ids.report_a,
            &ids.grant_a,
            &w.resident_b.user_id,
        );
        let table: Vec<_> = table
            .into_iter()
            .filter(|(_, p, _)| !p.starts_with("/api/v1/units/"))
            .collect();
        expect_all(&app, who, Some(token), table, 403).await;
        let res = app
            .post_as("/api/v1/users/lookup", token, json!({"phone": "13800000001"}))
            .await;
        assert_eq!(res.status(), 403, "{who}: user lookup");
    }
    // A unit is visible to its own admins and its community's staff only.
    for path in [
        format!("/api/v1/units/{}", ids.unit_a),
        format!("/api/v1/units/{}/reports", ids.unit_a),
    ] {
        assert_eq!(
            app.get_as(&path, &w.resident_a.token).await.status(),
            403,
            "{path}"
        );
    }
}

#[tokio::test]
async fn staff_cannot_use_admin_routes_in_their_own_community() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let table = vec![
        (
            "PATCH",
            format!("/api/v1/regions/{}", w.comm_a),
            Some(json!({"name": "改名"})),
        ),
        (
            "POST",
            format!("/api/v1/regions/{}/move", w.grid_a),
            Some(json!({"parent_id": w.comm_a})),
        ),
        ("GET", format!("/api/v1/regions/{}/roles", w.comm_a), None),
        (
            "POST",
            format!("/api/v1/regions/{}/roles", w.comm_a),
            Some(json!({"user_id": w.resident_a.user_id, "role": "staff"})),
        ),
        (
            "POST",
            "/api/v1/regions".to_owned(),
            Some(json!({"parent_id": w.comm_a, "kind": "grid", "name": "新网格"})),
        ),
    ];
    expect_all(&app, "staff of A", Some(&w.staff_a.token), table, 403).await;
}

#[tokio::test]
async fn no_token_no_entry() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let ids = ids(&app, &w).await;
    let mut table = routes(
        &w.comm_a,
        &ids.unit_a,
        &ids.report_a,
        &ids.grant_a,
        &w.resident_a.user_id,
    );
    table.extend([
        ("GET", "/api/v1/me".to_owned(), None),
        (
            "PUT",
            "/api/v1/me/residence".to_owned(),
            Some(json!({"region_id": w.grid_a, "address": "x"})),
        ),
        ("GET", "/api/v1/regions".to_owned(), None),
        ("GET", format!("/api/v1/regions/{}", w.comm_a), None),
        ("GET", "/api/v1/me/reports".to_owned(), None),
    ]);
    expect_all(&app, "anonymous", None, table, 401).await;
}

#[tokio::test]
async fn an_admin_of_one_community_cannot_reach_another() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let ids = ids(&app, &w).await;
    let boss_a = app.login("13866660001", "和平书记").await;
    world::grant(&app, &w.admin.token, &w.comm_a, &boss_a.user_id, "admin").await;

    let table = routes(
        &w.comm_b,
        &ids.unit_b,
        &ids.report_b,
        &ids.grant_b,
        &w.resident_a.user_id,
    );
    expect_all(&app, "admin of A on B", Some(&boss_a.token), table, 404).await;
    let res = app
        .post_as(
            "/api/v1/regions",
            &boss_a.token,
            json!({"parent_id": w.comm_b, "kind": "grid", "name": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404, "creating under B");
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/move", w.grid_a),
            &boss_a.token,
            json!({"parent_id": w.comm_b}),
        )
        .await;
    assert_eq!(res.status(), 404, "moving A's grid into B");
    // Their own community stays where their superiors put it.
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/move", w.comm_a),
            &boss_a.token,
            json!({"parent_id": w.street}),
        )
        .await;
    assert_eq!(res.status(), 403, "moving the community they administer");
    // Inside A they govern: a new grid, and staff for it.
    let grid = world::region(&app, &boss_a.token, Some(&w.comm_a), "grid", "和平二网格").await;
    world::grant(&app, &boss_a.token, &grid, &w.resident_a.user_id, "staff").await;
}

/// Every order route, aimed at community `c`'s order and service item.
fn order_routes(c: &str, order: &str, item: &str) -> Vec<(&'static str, String, Option<Value>)> {
    let act = |a: &str, body: Value| ("POST", format!("/api/v1/orders/{order}/{a}"), Some(body));
    vec![
        ("GET", format!("/api/v1/orders/{order}"), None),
        act("dispatch", json!({"mode": "publish"})),
        act("accept", json!({})),
        act("decline", json!({"reason": "x"})),
        act("claim", json!({})),
        act("start", json!({})),
        act("complete", json!({"minutes": 10})),
        act("confirm", json!({"rating": 5})),
        act("cancel", json!({})),
        act("reject", json!({"reason": "x"})),
        act("escalate", json!({"reason": "x"})),
        ("GET", format!("/api/v1/orders?scope=region&region_id={c}"), None),
        ("GET", format!("/api/v1/regions/{c}/order-counts"), None),
        (
            "POST",
            format!("/api/v1/regions/{c}/service-items"),
            Some(json!({"name": "n", "category": "c", "coins": 1, "max_minutes": 10})),
        ),
        (
            "PATCH",
            format!("/api/v1/service-items/{item}"),
            Some(json!({"active": false})),
        ),
    ]
}

#[tokio::test]
async fn order_routes_are_scoped_like_the_rest() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let item_a = crate::orders::item(&app, &w).await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/service-items", w.comm_b),
            &w.staff_b.token,
            json!({"name": "理发", "category": "便民服务", "coins": 5, "max_minutes": 30}),
        )
        .await;
    let item_b = ok_json(res, 201).await["id"].as_str().unwrap().to_owned();
    let order_a = crate::orders::place(&app, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let order_b = crate::orders::place(&app, &w.resident_b, &w.grid_b, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let table = order_routes(&w.comm_b, &order_b, &item_b);
    expect_all(
        &app,
        "staff of A on B's order",
        Some(&w.staff_a.token),
        table,
        404,
    )
    .await;
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/service-items", w.comm_b),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(res.status(), 404, "B's catalogue");
    for who in [&w.resident_a, &w.member_a] {
        let res = app.get_as(&format!("/api/v1/orders/{order_b}"), &who.token).await;
        assert_eq!(res.status(), 404, "someone from A on B's order");
    }

    // The resident who placed A's order sees it, but staff actions on it are not theirs.
    let staff_only: Vec<_> = order_routes(&w.comm_a, &order_a, &item_a)
        .into_iter()
        .filter(|(_, p, _)| {
            [
                "dispatch",
                "reject",
                "escalate",
                "order-counts",
                "service-items",
                "scope=region",
            ]
            .iter()
            .any(|s| p.contains(s))
        })
        .collect();
    expect_all(&app, "resident of A", Some(&w.resident_a.token), staff_only, 403).await;
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/service-items", w.comm_a),
            &w.resident_a.token,
        )
        .await;
    assert_eq!(
        ok_json(res, 200).await.as_array().unwrap().len(),
        1,
        "residents read their catalogue"
    );

    let mut anonymous = order_routes(&w.comm_a, &order_a, &item_a);
    anonymous.extend([(
        "POST",
        "/api/v1/orders".to_owned(),
        Some(json!({"region_id": w.grid_a, "title": "t", "address": "a"})),
    )]);
    anonymous.push(("GET", "/api/v1/orders/pool".to_owned(), None));
    expect_all(&app, "anonymous", None, anonymous, 401).await;
}
