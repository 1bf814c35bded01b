//! 共建清单 through the API: resources offered by units and withdrawn, needs posted and closed,
//! projects posted for a need, taken by one unit among many at once, progress logged, completed
//! or cancelled; who sees what (404 outside the community) and every refusal.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

async fn refused(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let body = problem(res).await;
    assert_eq!(body["code"], code, "{body}");
    body
}

async fn post(app: &TestApp, who: &Session, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call("POST", &format!("/api/v1{path}"), Some(&who.token), body)
        .await
}

async fn get(app: &TestApp, who: &Session, path: &str) -> reqwest::Response {
    app.get_as(&format!("/api/v1{path}"), &who.token).await
}

/// A unit reported to community A and its admin.
pub async fn unit_with_admin(app: &TestApp, w: &World, n: usize) -> (String, Session) {
    let unit = crate::reports::unit(app, w, &format!("共建单位{n}")).await;
    let boss = app
        .login(&format!("1387777{n:04}"), &format!("共建书记{n}"))
        .await;
    let body = json!({"user_id": boss.user_id, "role": "unit_admin", "unit_id": unit});
    ok_json(
        app.post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            body,
        )
        .await,
        201,
    )
    .await;
    (unit, boss)
}

fn resource_body() -> Value {
    json!({
        "kind": "venue",
        "title": "单位多功能厅",
        "description": "可容纳 80 人，带投影，周末可借用",
        "quantity": "120 平方米",
        "available_from": "2026-12-01",
        "available_to": "2027-06-30",
        "contact_name": "王主任",
        "contact_phone": "13811112222",
    })
}

#[tokio::test]
async fn a_unit_offers_a_resource_people_of_the_community_see_it_and_the_unit_withdraws_it() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (unit, boss) = unit_with_admin(&app, &w, 1).await;
    let (_, other) = unit_with_admin(&app, &w, 2).await;
    let at = format!("/regions/{}/resources", w.comm_a);

    // Offered on a grid: it goes to the grid's community.
    let r = ok_json(
        post(
            &app,
            &boss,
            &format!("/regions/{}/resources", w.grid_a),
            Some(resource_body()),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(r["state"], "offered");
    assert_eq!(r["community_id"], w.comm_a.as_str());
    assert_eq!(r["unit_id"], unit.as_str());
    assert_eq!(r["unit_name"], "共建单位1");
    assert_eq!(r["kind_label"], "场地");
    assert_eq!(r["available_from"], "2026-12-01");
    assert_eq!(r["available_to"], "2027-06-30");
    assert_eq!(r["contact_phone"], "13811112222");
    let rid = id(&r);

    // Staff offer on a unit's behalf, naming it.
    let mut body = json!({"kind": "volunteers", "title": "青年志愿者", "description": "周末可出 10 人", "quantity": "10 人"});
    refused(
        post(&app, &w.staff_a, &at, Some(body.clone())).await,
        422,
        "UNIT_REQUIRED",
    )
    .await;
    body["unit_id"] = json!(unit);
    let by_staff = ok_json(post(&app, &w.staff_a, &at, Some(body)).await, 201).await;
    assert_eq!(by_staff["unit_id"], unit.as_str());
    assert_eq!(by_staff["contact_phone"], Value::Null);

    // Residents and members of the community see the list, without the contact phone.
    for who in [&w.resident_a, &w.member_a, &other] {
        let list = ok_json(get(&app, who, &at).await, 200).await;
        assert_eq!(items(&list).len(), 2);
        let first = &items(&list)[1];
        assert_eq!(first["id"], rid.as_str());
        assert_eq!(first["title"], "单位多功能厅");
        assert_eq!(first["unit_name"], "共建单位1");
        assert_eq!(first["contact_name"], "王主任");
        assert_eq!(first["contact_phone"], Value::Null);
        assert_eq!(first["offered_by"], Value::Null);
    }
    let staff_list = ok_json(get(&app, &w.staff_a, &format!("{at}?kind=venue")).await, 200).await;
    assert_eq!(items(&staff_list).len(), 1);
    assert_eq!(items(&staff_list)[0]["contact_phone"], "13811112222");
    assert_eq!(items(&staff_list)[0]["offered_by"], boss.user_id.as_str());
    let page = ok_json(get(&app, &w.resident_a, &format!("{at}?limit=1")).await, 200).await;
    assert_eq!(items(&page).len(), 1);
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = ok_json(
        get(&app, &w.resident_a, &format!("{at}?limit=1&cursor={next}")).await,
        200,
    )
    .await;
    assert_eq!(items(&page2)[0]["id"], rid.as_str());
    assert_eq!(page2["next_cursor"], Value::Null);

    // Outside the community: 404 (staff of B, residents of B); a street list is for staff over it.
    refused(get(&app, &w.staff_b, &at).await, 404, "NOT_FOUND").await;
    refused(get(&app, &w.resident_b, &at).await, 404, "NOT_FOUND").await;
    refused(
        post(&app, &w.resident_b, &format!("/resources/{rid}/withdraw"), None).await,
        404,
        "RESOURCE_NOT_FOUND",
    )
    .await;
    refused(
        get(&app, &w.staff_a, &format!("/regions/{}/resources", w.street)).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let street = ok_json(
        get(&app, &w.admin, &format!("/regions/{}/resources", w.street)).await,
        200,
    )
    .await;
    assert_eq!(items(&street).len(), 2);

    // Only the unit (or staff) withdraws, once.
    refused(
        post(&app, &other, &format!("/resources/{rid}/withdraw"), None).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(&app, &w.resident_a, &format!("/resources/{rid}/withdraw"), None).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let gone = ok_json(
        post(&app, &boss, &format!("/resources/{rid}/withdraw"), None).await,
        200,
    )
    .await;
    assert_eq!(gone["state"], "withdrawn");
    assert!(gone["withdrawn_at"].is_string());
    refused(
        post(&app, &boss, &format!("/resources/{rid}/withdraw"), None).await,
        409,
        "RESOURCE_INVALID_STATE",
    )
    .await;
    // Withdrawn offers leave the public list; staff and the unit still see them.
    let public = ok_json(get(&app, &w.resident_a, &at).await, 200).await;
    assert_eq!(items(&public).len(), 1);
    refused(
        post(&app, &other, &format!("/resources/{rid}/withdraw"), None).await,
        404,
        "RESOURCE_NOT_FOUND",
    )
    .await;
    let mine = ok_json(get(&app, &boss, &format!("{at}?state=withdrawn")).await, 200).await;
    assert_eq!(items(&mine).len(), 1);
    let staff_all = ok_json(get(&app, &w.staff_a, &format!("{at}?unit_id={unit}")).await, 200).await;
    assert_eq!(items(&staff_all).len(), 2);
}

#[tokio::test]
async fn offering_a_resource_refuses_bad_input_and_callers_without_a_unit_there() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (_, boss) = unit_with_admin(&app, &w, 1).await;
    let at = format!("/regions/{}/resources", w.comm_a);
    let bad = |patch: Value| {
        let mut b = resource_body();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (patch, field) in [
        (json!({"kind": "land"}), None),
        (json!({"title": ""}), Some("title")),
        (json!({"description": ""}), Some("description")),
        (json!({"contact_phone": "12345"}), Some("contact_phone")),
        (json!({"available_from": "2026-13-01"}), None),
        (json!({"surprise": 1}), None),
    ] {
        let body = refused(
            post(&app, &boss, &at, Some(bad(patch.clone()))).await,
            400,
            "VALIDATION_FAILED",
        )
        .await;
        if let Some(f) = field {
            assert_eq!(body["errors"][0]["field"], f, "{patch}: {body}");
        }
    }
    // Well-formed dates that make no sense: 422 with the field (the spec cannot rule them out).
    for patch in [
        json!({"available_to": "2026-11-01"}),
        json!({"available_to": "3026-11-01"}),
    ] {
        let body = refused(
            post(&app, &boss, &at, Some(bad(patch.clone()))).await,
            422,
            "DATES_INVALID",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "available_to", "{patch}: {body}");
    }
    refused(
        post(&app, &w.resident_a, &at, Some(resource_body())).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(&app, &w.staff_b, &at, Some(resource_body())).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let mut foreign = resource_body();
    foreign["unit_id"] = json!("999999");
    refused(
        post(&app, &boss, &at, Some(foreign)).await,
        422,
        "UNIT_NOT_IN_COMMUNITY",
    )
    .await;
    refused(
        post(
            &app,
            &boss,
            &format!("/regions/{}/resources", w.street),
            Some(resource_body()),
        )
        .await,
        422,
        "REGION_KIND_INVALID",
    )
    .await;
}

async fn need(app: &TestApp, w: &World, title: &str) -> Value {
    let body = json!({"title": title, "description": "社区老年食堂需 100 平方米左右的场地", "kind": "venue"});
    let v = ok_json(
        post(
            app,
            &w.staff_a,
            &format!("/regions/{}/needs", w.comm_a),
            Some(body),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(v["state"], "open");
    v
}

pub async fn project(app: &TestApp, w: &World, need_id: Option<&str>) -> Value {
    let due = (Utc::now() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let body = json!({"title": "老旧小区加装扶手", "description": "为 12 个单元楼道加装扶手", "need_id": need_id, "due_on": due});
    let v = ok_json(
        post(
            app,
            &w.staff_a,
            &format!("/regions/{}/projects", w.comm_a),
            Some(body),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(v["state"], "open");
    v
}

fn actions(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_need_gets_a_project_one_unit_takes_it_reports_progress_and_completes_it() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let needs = format!("/regions/{}/needs", w.comm_a);

    // Needs: staff post them, people of the community read them, others are told nothing.
    let n = need(&app, &w, "老年食堂需要场地").await;
    assert_eq!(n["kind_label"], "场地");
    let nid = id(&n);
    refused(
        post(
            &app,
            &w.resident_a,
            &needs,
            Some(json!({"title": "x", "description": "y"})),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(
            &app,
            &w.staff_a,
            &needs,
            Some(json!({"title": "", "description": "y"})),
        )
        .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    let seen = ok_json(get(&app, &w.member_a, &needs).await, 200).await;
    assert_eq!(items(&seen)[0]["id"], nid.as_str());
    assert_eq!(items(&seen)[0]["posted_by"], Value::Null);
    let staff_seen = ok_json(
        get(&app, &w.staff_a, &format!("{needs}?state=open&kind=venue")).await,
        200,
    )
    .await;
    assert_eq!(items(&staff_seen)[0]["posted_by"], w.staff_a.user_id.as_str());
    refused(get(&app, &w.resident_b, &needs).await, 404, "NOT_FOUND").await;

    // A project for the need; a need of another community or a past day is refused.
    let other_need = ok_json(
        post(
            &app,
            &w.staff_b,
            &format!("/regions/{}/needs", w.comm_b),
            Some(json!({"title": "团结社区的需求", "description": "y"})),
        )
        .await,
        201,
    )
    .await;
    let projects = format!("/regions/{}/projects", w.comm_a);
    refused(
        post(
            &app,
            &w.staff_a,
            &projects,
            Some(json!({"title": "t", "description": "d", "need_id": id(&other_need)})),
        )
        .await,
        422,
        "PROJECT_NEED_INVALID",
    )
    .await;
    let past = (Utc::now() - Duration::days(3)).format("%Y-%m-%d").to_string();
    let body = refused(
        post(
            &app,
            &w.staff_a,
            &projects,
            Some(json!({"title": "t", "description": "d", "due_on": past})),
        )
        .await,
        422,
        "DATES_INVALID",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "due_on");
    refused(
        post(
            &app,
            &w.staff_a,
            &projects,
            Some(json!({"title": "t", "description": "d", "due_on": "tomorrow"})),
        )
        .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    refused(
        post(
            &app,
            &w.member_a,
            &projects,
            Some(json!({"title": "t", "description": "d"})),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    let p = project(&app, &w, Some(&nid)).await;
    assert_eq!(p["need_id"], nid.as_str());
    assert_eq!(p["percent"], 0);
    assert_eq!(p["overdue"], false);
    assert_eq!(actions(&p), ["posted"]);
    let pid = id(&p);
    let path = format!("/projects/{pid}");

    // Ten units take it at once: exactly one owner.
    let mut units = Vec::new();
    for n in 0..10 {
        units.push(unit_with_admin(&app, &w, n).await);
    }
    let take = format!("{path}/take");
    let takes = join_all(units.iter().map(|(_, boss)| post(&app, boss, &take, None))).await;
    let mut winners = Vec::new();
    for (n, res) in takes.into_iter().enumerate() {
        match res.status().as_u16() {
            200 => winners.push(n),
            409 => assert_eq!(problem(res).await["code"], "PROJECT_ALREADY_TAKEN"),
            s => panic!("unexpected {s}: {}", res.text().await.unwrap()),
        }
    }
    assert_eq!(winners.len(), 1, "one owner");
    let (owner_unit, owner) = &units[winners[0]];
    let (_, loser) = &units[(winners[0] + 1) % units.len()];
    refused(
        post(&app, loser, &format!("{path}/take"), None).await,
        409,
        "PROJECT_ALREADY_TAKEN",
    )
    .await;
    refused(
        post(&app, &w.member_a, &format!("{path}/take"), None).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let taken = ok_json(get(&app, owner, &path).await, 200).await;
    assert_eq!(taken["state"], "taken");
    assert_eq!(taken["owner_unit_id"], owner_unit.as_str());
    assert_eq!(taken["taken_by"], owner.user_id.as_str());
    assert_eq!(actions(&taken), ["posted", "taken"]);

    // Progress: only the owner, an append-only log with the latest percent.
    let report =
        json!({"note": "已完成 2 个小区", "percent": 40, "photos": ["https://img.example.cn/a.jpg"]});
    refused(
        post(&app, loser, &format!("{path}/progress"), Some(report.clone())).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(
            &app,
            &w.staff_a,
            &format!("{path}/progress"),
            Some(report.clone()),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    for bad in [
        json!({"note": "", "percent": 40}),
        json!({"note": "x", "percent": 101}),
        json!({"note": "x", "percent": -1}),
        json!({"note": "x", "photos": ["ftp://x"]}),
    ] {
        refused(
            post(&app, owner, &format!("{path}/progress"), Some(bad)).await,
            400,
            "VALIDATION_FAILED",
        )
        .await;
    }
    let p1 = ok_json(
        post(&app, owner, &format!("{path}/progress"), Some(report)).await,
        200,
    )
    .await;
    assert_eq!(p1["percent"], 40);
    let p2 = ok_json(
        post(
            &app,
            owner,
            &format!("{path}/progress"),
            Some(json!({"note": "材料已到位"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(p2["percent"], 40, "a report without a percent keeps it");
    assert_eq!(actions(&p2), ["posted", "taken", "progress", "progress"]);
    assert_eq!(p2["events"][2]["percent"], 40);
    assert_eq!(p2["events"][2]["photos"][0], "https://img.example.cn/a.jpg");
    assert_eq!(p2["events"][3]["note"], "材料已到位");

    // Residents of the community read the project and its log, not who acted.
    let public = ok_json(get(&app, &w.resident_a, &path).await, 200).await;
    assert_eq!(public["owner_unit_name"], taken["owner_unit_name"]);
    assert_eq!(public["taken_by"], Value::Null);
    assert_eq!(public["posted_by"], Value::Null);
    assert_eq!(public["events"][2]["actor_id"], Value::Null);
    assert_eq!(public["events"].as_array().unwrap().len(), 4);
    let staff_view = ok_json(get(&app, &w.staff_a, &path).await, 200).await;
    assert_eq!(staff_view["events"][2]["actor_id"], owner.user_id.as_str());
    refused(get(&app, &w.staff_b, &path).await, 404, "PROJECT_NOT_FOUND").await;
    refused(get(&app, &w.resident_b, &path).await, 404, "PROJECT_NOT_FOUND").await;

    // Completion by the owner; nothing moves it afterwards.
    refused(
        post(
            &app,
            owner,
            &format!("{path}/complete"),
            Some(json!({"result": ""})),
        )
        .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    refused(
        post(
            &app,
            loser,
            &format!("{path}/complete"),
            Some(json!({"result": "好了"})),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    let done = ok_json(
        post(
            &app,
            owner,
            &format!("{path}/complete"),
            Some(json!({"result": "12 个单元扶手全部安装完毕并验收", "photos": ["https://img.example.cn/done.jpg"]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["state"], "done");
    assert_eq!(done["percent"], 100);
    assert_eq!(done["result_photos"][0], "https://img.example.cn/done.jpg");
    assert!(done["done_at"].is_string());
    assert_eq!(
        actions(&done),
        ["posted", "taken", "progress", "progress", "completed"]
    );
    refused(
        post(
            &app,
            &w.staff_a,
            &format!("{path}/cancel"),
            Some(json!({"reason": "改期"})),
        )
        .await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        post(
            &app,
            owner,
            &format!("{path}/progress"),
            Some(json!({"note": "补充"})),
        )
        .await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        post(
            &app,
            owner,
            &format!("{path}/complete"),
            Some(json!({"result": "again"})),
        )
        .await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        post(&app, loser, &format!("{path}/take"), None).await,
        409,
        "PROJECT_ALREADY_TAKEN",
    )
    .await;

    // Lists by state and unit.
    let list = ok_json(
        get(&app, &w.resident_a, &format!("{projects}?state=done")).await,
        200,
    )
    .await;
    assert_eq!(items(&list).len(), 1);
    assert_eq!(items(&list)[0]["events"], Value::Null);
    let by_unit = ok_json(
        get(&app, &w.staff_a, &format!("{projects}?unit_id={owner_unit}")).await,
        200,
    )
    .await;
    assert_eq!(items(&by_unit).len(), 1);
    let none = ok_json(
        get(&app, &w.staff_a, &format!("{projects}?state=open")).await,
        200,
    )
    .await;
    assert_eq!(items(&none).len(), 0);
    refused(
        get(&app, &w.staff_a, &format!("{projects}?state=lost")).await,
        400,
        "INVALID_QUERY",
    )
    .await;
    refused(
        get(&app, &w.staff_a, &format!("{projects}?limit=0")).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    refused(get(&app, &w.staff_b, &projects).await, 404, "NOT_FOUND").await;

    // The need is met: staff close it, once; a closed need takes no new project.
    refused(
        post(&app, owner, &format!("/needs/{nid}/close"), None).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(&app, &w.staff_b, &format!("/needs/{nid}/close"), None).await,
        404,
        "NEED_NOT_FOUND",
    )
    .await;
    let closed = ok_json(
        post(
            &app,
            &w.staff_a,
            &format!("/needs/{nid}/close"),
            Some(json!({"note": "扶手项目已完成"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["close_note"], "扶手项目已完成");
    refused(
        post(&app, &w.staff_a, &format!("/needs/{nid}/close"), None).await,
        409,
        "NEED_INVALID_STATE",
    )
    .await;
    refused(
        post(
            &app,
            &w.staff_a,
            &projects,
            Some(json!({"title": "t", "description": "d", "need_id": nid})),
        )
        .await,
        422,
        "PROJECT_NEED_INVALID",
    )
    .await;
}

#[tokio::test]
async fn staff_cancel_a_project_before_it_is_done_and_a_cancelled_project_is_not_taken() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (unit, boss) = unit_with_admin(&app, &w, 1).await;
    let open = id(&project(&app, &w, None).await);
    let taken = id(&project(&app, &w, None).await);
    ok_json(
        post(&app, &boss, &format!("/projects/{taken}/take"), Some(json!({}))).await,
        200,
    )
    .await;

    refused(
        post(
            &app,
            &boss,
            &format!("/projects/{open}/cancel"),
            Some(json!({"reason": "x"})),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        post(
            &app,
            &w.staff_b,
            &format!("/projects/{open}/cancel"),
            Some(json!({"reason": "x"})),
        )
        .await,
        404,
        "PROJECT_NOT_FOUND",
    )
    .await;
    refused(
        post(
            &app,
            &w.staff_a,
            &format!("/projects/{open}/cancel"),
            Some(json!({})),
        )
        .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    for pid in [&open, &taken] {
        let c = ok_json(
            post(
                &app,
                &w.staff_a,
                &format!("/projects/{pid}/cancel"),
                Some(json!({"reason": "街道已统一立项实施"})),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(c["state"], "cancelled");
        assert_eq!(c["cancel_reason"], "街道已统一立项实施");
        assert_eq!(
            c["events"].as_array().unwrap().last().unwrap()["action"],
            "cancelled"
        );
    }
    refused(
        post(
            &app,
            &w.staff_a,
            &format!("/projects/{open}/cancel"),
            Some(json!({"reason": "x"})),
        )
        .await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        post(&app, &boss, &format!("/projects/{open}/take"), None).await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        post(
            &app,
            &boss,
            &format!("/projects/{taken}/progress"),
            Some(json!({"note": "x"})),
        )
        .await,
        409,
        "PROJECT_INVALID_STATE",
    )
    .await;
    refused(
        get(&app, &boss, "/projects/999999").await,
        404,
        "PROJECT_NOT_FOUND",
    )
    .await;
    refused(get(&app, &boss, "/projects/abc").await, 404, "NOT_FOUND").await;

    // Taking names the unit or leaves it out; a unit not administered here is refused.
    let next = id(&project(&app, &w, None).await);
    refused(
        post(
            &app,
            &boss,
            &format!("/projects/{next}/take"),
            Some(json!({"unit_id": "999999"})),
        )
        .await,
        422,
        "UNIT_NOT_IN_COMMUNITY",
    )
    .await;
    let t = ok_json(
        post(
            &app,
            &boss,
            &format!("/projects/{next}/take"),
            Some(json!({"unit_id": unit})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(t["owner_unit_id"], unit.as_str());
    assert_eq!(t["owner_unit_name"], "共建单位1");

    // A street's list is for staff over the street: every community's projects.
    let street = ok_json(
        get(&app, &w.admin, &format!("/regions/{}/projects", w.street)).await,
        200,
    )
    .await;
    assert_eq!(items(&street).len(), 3);
}
