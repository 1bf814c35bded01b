//! 吹哨报到: departments at a street, whistle → 报到 → 办结 → the resident's rating; deadlines set
//! per region; a missed deadline flagged once and the order moved up; scoping and refusals.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::orders::place;
use crate::world::{self, World};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub struct Dept {
    pub id: String,
    pub staff: Session,
}

/// A department at `region` (street or county) with one staff member.
pub async fn department(app: &TestApp, w: &World, region: &str, name: &str, phone: &str) -> Dept {
    let res = app
        .post_as(
            &format!("/api/v1/regions/{region}/departments"),
            &w.admin.token,
            json!({"name": name, "kind": "职能部门", "contact_name": "王科长", "contact_phone": "13700000001"}),
        )
        .await;
    let created = ok_json(res, 201).await;
    assert_eq!(created["department"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let staff = app.login(phone, "部门干事").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{region}/roles"),
            &w.admin.token,
            json!({"user_id": staff.user_id, "role": "unit_admin", "unit_id": id}),
        )
        .await;
    ok_json(res, 201).await;
    Dept { id, staff }
}

pub async fn whistle(app: &TestApp, who: &Session, order: &str, body: Value) -> reqwest::Response {
    app.post_as(&format!("/api/v1/orders/{order}/whistle"), &who.token, body)
        .await
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn timeline_actions(app: &TestApp, who: &Session, order: &str) -> Vec<String> {
    let detail = ok_json(
        app.get_as(&format!("/api/v1/orders/{order}"), &who.token).await,
        200,
    )
    .await;
    detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn whistle_acknowledge_resolve_then_the_resident_rates() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let dept = department(&app, &w, &w.street, "幸福街道城管科", "13700000101").await;

    // Staff of the community see the street's departments as theirs to whistle.
    let listed = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/departments", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [dept.id.as_str()]);

    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = order["id"].as_str().unwrap();
    // Not whistled yet: the department does not see the order.
    let res = app
        .get_as(&format!("/api/v1/orders/{oid}"), &dept.staff.token)
        .await;
    assert_eq!(res.status(), 404);

    let res = whistle(
        &app,
        &w.staff_a,
        oid,
        json!({"unit_id": dept.id, "urgency": "urgent", "reason": "占道经营"}),
    )
    .await;
    let out = ok_json(res, 200).await;
    assert_eq!(out["status"], "open");
    assert_eq!(out["unit_name"], "幸福街道城管科");
    // The default urgent deadlines: 2 h to report, 24 h to resolve.
    assert_eq!(
        at(&out["respond_by"]) - at(&out["created_at"]),
        Duration::hours(2)
    );
    assert_eq!(
        at(&out["resolve_by"]) - at(&out["created_at"]),
        Duration::hours(24)
    );

    // Once per department while it works on it.
    let res = whistle(
        &app,
        &w.staff_a,
        oid,
        json!({"unit_id": dept.id, "reason": "再催"}),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "WHISTLE_ALREADY_OPEN");

    // Now the department sees the order and its inbox holds the whistle.
    let seen = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}"), &dept.staff.token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "submitted");
    let inbox = ok_json(
        app.get_as(
            &format!("/api/v1/units/{}/whistles?status=open", dept.id),
            &dept.staff.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    assert_eq!(inbox["items"][0]["order_id"], oid);

    // Only the department reports: the community's staff see the order but were not whistled.
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/acknowledge"),
            &w.staff_a.token,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(problem(res).await["code"], "NOT_WHISTLED");
    // Staff of another community do not see it at all.
    let res = app
        .get_as(&format!("/api/v1/orders/{oid}/whistles"), &w.staff_b.token)
        .await;
    assert_eq!(res.status(), 404);

    let acked = ok_json(
        app.post_as(
            &format!("/api/v1/orders/{oid}/acknowledge"),
            &dept.staff.token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(acked["items"][0]["status"], "acknowledged");
    assert_eq!(acked["items"][0]["respond_overdue"], false);
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/acknowledge"),
            &dept.staff.token,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "WHISTLE_NOT_OPEN");

    // Its photos become the order's public completion photos: only uploads or https:// URLs.
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/resolve"),
            &dept.staff.token,
            json!({"result": "已处理", "photos": ["javascript:alert(1)"]}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "VALIDATION_FAILED");

    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/resolve"),
            &dept.staff.token,
            json!({"result": "已劝离占道摊位，恢复通行", "photos": ["https://img.example.cn/done.jpg"]}),
        )
        .await;
    let resolved = ok_json(res, 200).await;
    assert_eq!(resolved["items"][0]["status"], "resolved");
    assert_eq!(resolved["items"][0]["result"], "已劝离占道摊位，恢复通行");
    assert_eq!(
        resolved["items"][0]["result_photos"],
        json!(["https://img.example.cn/done.jpg"])
    );

    // Nobody else worked on it: the order waits for the resident's rating, who sees the whistle.
    let mine = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}/whistles"), &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(mine["items"][0]["status"], "resolved");
    let actions = timeline_actions(&app, &w.resident_a, oid).await;
    assert_eq!(
        actions,
        [
            "submit",
            "whistle",
            "acknowledge",
            "department_resolve",
            "department_resolve"
        ]
    );
    let rated = ok_json(
        app.post_as(
            &format!("/api/v1/orders/{oid}/confirm"),
            &w.resident_a.token,
            json!({"rating": 5}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rated["status"], "closed");
}

#[tokio::test]
async fn a_missed_report_is_flagged_once_and_moves_the_order_up() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let dept = department(&app, &w, &w.street, "幸福街道市场监管所", "13700000102").await;

    // The street gives its subtree 1 hour to report on normal whistles; staff may read, not set.
    let set = ok_json(
        app.call(
            "PUT",
            &format!("/api/v1/regions/{}/deadlines", w.street),
            Some(&w.admin.token),
            Some(json!({"items": [{"step": "respond", "urgency": "normal", "hours": 1}]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(set["items"].as_array().unwrap().len(), 14);
    let res = app
        .call(
            "PUT",
            &format!("/api/v1/regions/{}/deadlines", w.comm_a),
            Some(&w.staff_a.token),
            Some(json!({"items": [{"step": "respond", "urgency": "normal", "hours": 5}]})),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(
            "PUT",
            &format!("/api/v1/regions/{}/deadlines", w.street),
            Some(&w.admin.token),
            Some(json!({"items": [{"step": "respond", "urgency": "normal", "hours": 0}]})),
        )
        .await;
    assert_eq!(res.status(), 400);
    let held = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/deadlines", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    let respond = held["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"] == "respond" && d["urgency"] == "normal")
        .unwrap()
        .clone();
    assert_eq!(respond["hours"], 1);
    assert_eq!(respond["set_by_region_id"], w.street.as_str());
    let resolve = held["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"] == "resolve" && d["urgency"] == "normal")
        .unwrap()
        .clone();
    assert_eq!(resolve["hours"], 72);
    assert_eq!(resolve["set_by_region_id"], Value::Null);

    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = order["id"].as_str().unwrap();
    let out = ok_json(
        whistle(
            &app,
            &w.staff_a,
            oid,
            json!({"unit_id": dept.id, "reason": "无证经营"}),
        )
        .await,
        200,
    )
    .await;
    let created = at(&out["created_at"]);
    assert_eq!(at(&out["respond_by"]) - created, Duration::hours(1));

    // Before the deadline nothing happens.
    let early = linli::jobs::tick(&app.state, created + Duration::minutes(59))
        .await
        .unwrap();
    assert_eq!(early.unacknowledged_whistles, 0);
    let late = linli::jobs::tick(&app.state, created + Duration::minutes(61))
        .await
        .unwrap();
    assert_eq!(late.unacknowledged_whistles, 1);
    let again = linli::jobs::tick(&app.state, created + Duration::minutes(62))
        .await
        .unwrap();
    assert_eq!(again.unacknowledged_whistles, 0, "flagged once");

    // The order went one level up, from its grid to the community, and the timeline says why.
    let detail = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}"), &w.admin.token).await,
        200,
    )
    .await;
    assert_eq!(detail["region_id"], w.comm_a.as_str());
    assert_eq!(detail["status"], "submitted");
    let actions: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "whistle", "whistle_overdue", "escalate"]);

    // The department's record carries the miss (the black list counts it).
    let inbox = ok_json(
        app.get_as(&format!("/api/v1/units/{}/whistles", dept.id), &dept.staff.token)
            .await,
        200,
    )
    .await;
    assert_eq!(inbox["items"][0]["respond_overdue"], true);
    assert_eq!(inbox["items"][0]["resolve_overdue"], false);

    // While the department still owes the order, the dispatch clock leaves it alone; the missed
    // resolution is flagged, but the order already left the grid and does not move again.
    let later = linli::jobs::tick(&app.state, created + Duration::hours(73))
        .await
        .unwrap();
    assert_eq!(later.escalated, 0);
    assert_eq!(later.unresolved_whistles, 1);
    let detail = ok_json(
        app.get_as(&format!("/api/v1/orders/{oid}"), &w.admin.token).await,
        200,
    )
    .await;
    assert_eq!(detail["region_id"], w.comm_a.as_str());

    // Reporting late is still possible, and said so.
    let acked = ok_json(
        app.post_as(
            &format!("/api/v1/orders/{oid}/acknowledge"),
            &dept.staff.token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(acked["items"][0]["status"], "acknowledged");
    assert_eq!(acked["items"][0]["respond_overdue"], true);
}

#[tokio::test]
async fn departments_live_at_streets_and_are_whistled_from_below_only() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // Not at a community; not by staff.
    let body =
        json!({"name": "消防站", "kind": "消防", "contact_name": "李队", "contact_phone": "13700000002"});
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/departments", w.comm_a),
            &w.admin.token,
            body.clone(),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "REGION_KIND_INVALID");
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/departments", w.street),
            &w.staff_a.token,
            body,
        )
        .await;
    assert_eq!(res.status(), 403);

    // A department of another street cannot be whistled from here.
    let other = world::region(&app, &w.admin.token, Some(&w.county), "street", "平安街道").await;
    let far = department(&app, &w, &other, "平安街道派出所", "13700000103").await;
    let county = department(&app, &w, &w.county, "县消防救援大队", "13700000104").await;
    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = order["id"].as_str().unwrap();
    let res = whistle(
        &app,
        &w.staff_a,
        oid,
        json!({"unit_id": far.id, "reason": "求助"}),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "DEPARTMENT_INVALID");
    // The county's is reachable; only staff owning the order may whistle.
    let res = whistle(
        &app,
        &w.resident_a,
        oid,
        json!({"unit_id": county.id, "reason": "求助"}),
    )
    .await;
    assert_eq!(res.status(), 403);
    ok_json(
        whistle(
            &app,
            &w.staff_a,
            oid,
            json!({"unit_id": county.id, "reason": "楼道堆物，消防隐患"}),
        )
        .await,
        200,
    )
    .await;
    // The other street's department sees nothing of it.
    let res = app
        .get_as(&format!("/api/v1/orders/{oid}"), &far.staff.token)
        .await;
    assert_eq!(res.status(), 404);
    // Bad input: an unknown urgency, an empty reason.
    let res = whistle(
        &app,
        &w.staff_a,
        oid,
        json!({"unit_id": county.id, "urgency": "now", "reason": "x"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = whistle(&app, &w.staff_a, oid, json!({"unit_id": county.id, "reason": ""})).await;
    assert_eq!(res.status(), 400);
    // A cancelled order cannot be whistled.
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/cancel"),
            &w.resident_a.token,
            json!({}),
        )
        .await;
    ok_json(res, 200).await;
    let res = whistle(
        &app,
        &w.staff_a,
        oid,
        json!({"unit_id": far.id, "reason": "求助"}),
    )
    .await;
    assert_eq!(res.status(), 422, "still not reachable");
    let _ = far;
}

#[tokio::test]
async fn two_clerks_of_one_department_report_at_once_one_wins() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let dept = department(&app, &w, &w.street, "幸福街道派出所", "13700000105").await;
    let second = app.login("13700000106", "部门干事二").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/roles", w.street),
            &w.admin.token,
            json!({"user_id": second.user_id, "role": "unit_admin", "unit_id": dept.id}),
        )
        .await;
    ok_json(res, 201).await;
    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = order["id"].as_str().unwrap();
    ok_json(
        whistle(
            &app,
            &w.staff_a,
            oid,
            json!({"unit_id": dept.id, "reason": "邻里纠纷"}),
        )
        .await,
        200,
    )
    .await;

    let path = format!("/api/v1/orders/{oid}/acknowledge");
    let (a, b) = tokio::join!(
        app.post_as(&path, &dept.staff.token, json!({})),
        app.post_as(&path, &second.token, json!({}))
    );
    let mut codes = [a.status().as_u16(), b.status().as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409]);
    let actions = timeline_actions(&app, &w.resident_a, oid).await;
    assert_eq!(actions.iter().filter(|a| *a == "acknowledge").count(), 1);
}
