use crate::helpers::{TestApp, ok_json, problem, spawn_app};
use crate::world::{self, World};
use serde_json::{Value, json};

pub async fn unit(app: &TestApp, w: &World, name: &str) -> String {
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/units", w.comm_a),
            &w.staff_a.token,
            json!({"name": name, "kind": "国有企业", "contact_name": "王主任", "contact_phone": "13811112222"}),
        )
        .await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

pub async fn report(app: &TestApp, token: &str, community: &str, unit_id: Option<&str>) -> reqwest::Response {
    app.post_as(
        &format!("/api/v1/regions/{community}/reports"),
        token,
        json!({"party_branch": "供电公司第一党支部", "unit_id": unit_id, "skills": ["水电维修"], "in_service": true}),
    )
    .await
}

#[tokio::test]
async fn units_report_to_a_community() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let id = unit(&app, &w, "市供电公司").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/units", w.comm_a),
            &w.staff_a.token,
            json!({"name": "市供电公司", "kind": "国有企业", "contact_name": "王", "contact_phone": "13811112222"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "UNIT_NAME_TAKEN");
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/units", w.grid_a),
            &w.staff_a.token,
            json!({"name": "x", "kind": "x", "contact_name": "x", "contact_phone": "13811112222"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "REGION_KIND_INVALID");

    let one = ok_json(
        app.get_as(&format!("/api/v1/units/{id}"), &w.staff_a.token).await,
        200,
    )
    .await;
    assert_eq!(one["contact_phone_masked"], "138****2222");
    let list = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/units", w.street), &w.admin.token)
            .await,
        200,
    )
    .await;
    assert_eq!(list["items"][0]["id"], id);
}

#[tokio::test]
async fn a_member_reports_where_they_live_and_staff_approve_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let unit_id = unit(&app, &w, "市供电公司").await;
    let newcomer = app.login("13844444444", "新党员").await;

    let res = report(&app, &newcomer.token, &w.comm_a, None).await;
    assert_eq!(
        problem(res).await["code"],
        "NOT_RESIDENT_HERE",
        "no residence yet"
    );
    let declared = world::declare(&app, &newcomer, &w.grid_a).await;
    let res = report(&app, &newcomer.token, &w.comm_a, None).await;
    assert_eq!(
        problem(res).await["code"],
        "NOT_RESIDENT_HERE",
        "a residence staff have not confirmed yet"
    );
    world::confirm(&app, &w.staff_a, declared["id"].as_str().unwrap()).await;
    let res = report(&app, &newcomer.token, &w.comm_b, None).await;
    assert_eq!(
        problem(res).await["code"],
        "NOT_RESIDENT_HERE",
        "lives in A, reports to B"
    );
    let res = report(&app, &newcomer.token, &w.grid_a, None).await;
    assert_eq!(problem(res).await["code"], "REGION_KIND_INVALID");

    let created = ok_json(
        report(&app, &newcomer.token, &w.comm_a, Some(&unit_id)).await,
        201,
    )
    .await;
    assert_eq!(created["status"], "pending");
    assert_eq!(created["skills"], json!(["水电维修"]));
    let res = report(&app, &newcomer.token, &w.comm_a, None).await;
    assert_eq!(problem(res).await["code"], "REPORT_EXISTS");

    let id = created["id"].as_str().unwrap();
    let pending = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/reports?status=pending", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(pending["items"][0]["id"], id);

    // Approve and reject at the same moment: exactly one review lands.
    let (approve_path, reject_path) = (
        format!("/api/v1/reports/{id}/approve"),
        format!("/api/v1/reports/{id}/reject"),
    );
    let approve = app.call("POST", &approve_path, Some(&w.staff_a.token), None);
    let reject = app.post_as(&reject_path, &w.staff_a.token, json!({"reason": "材料不全"}));
    let (a, r) = tokio::join!(approve, reject);
    let statuses = [a.status().as_u16(), r.status().as_u16()];
    assert!(statuses.contains(&200) && statuses.contains(&409), "{statuses:?}");
    let again = app
        .call(
            "POST",
            &format!("/api/v1/reports/{id}/approve"),
            Some(&w.staff_a.token),
            None,
        )
        .await;
    assert_eq!(problem(again).await["code"], "REPORT_NOT_PENDING");

    let mine = ok_json(app.get_as("/api/v1/me/reports", &newcomer.token).await, 200).await;
    let me = ok_json(app.get_as("/api/v1/me", &newcomer.token).await, 200).await;
    let is_member = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["role"] == "member" && r["region_id"] == w.comm_a);
    match mine[0]["status"].as_str().unwrap() {
        "approved" => assert!(is_member, "approval makes a member"),
        "rejected" => {
            assert!(!is_member);
            assert_eq!(mine[0]["review_note"], "材料不全");
        }
        other => panic!("unexpected status {other}"),
    }
}

#[tokio::test]
async fn counts_per_community_and_unit_and_the_unit_admin_view() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let unit_id = unit(&app, &w, "市供电公司").await;
    let other_unit = unit(&app, &w, "区教育局").await;
    let r1 = ok_json(
        report(&app, &w.member_a.token, &w.comm_a, Some(&unit_id)).await,
        201,
    )
    .await;
    ok_json(
        report(&app, &w.resident_a.token, &w.comm_a, Some(&unit_id)).await,
        201,
    )
    .await;
    let path = format!("/api/v1/reports/{}/approve", r1["id"].as_str().unwrap());
    ok_json(app.call("POST", &path, Some(&w.staff_a.token), None).await, 200).await;

    let stats = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/report-stats", w.street),
            &w.admin.token,
        )
        .await,
        200,
    )
    .await;
    let a = stats["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region_id"] == w.comm_a)
        .unwrap()
        .clone();
    assert_eq!(
        (a["approved"].as_i64(), a["pending"].as_i64(), a["units"].as_i64()),
        (Some(1), Some(1), Some(2))
    );
    let b = stats["communities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region_id"] == w.comm_b)
        .unwrap()
        .clone();
    assert_eq!(
        (b["approved"].as_i64(), b["pending"].as_i64()),
        (Some(0), Some(0))
    );
    let units: Vec<(Value, Value)> = stats["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["unit_id"].clone(), u["approved"].clone()))
        .collect();
    assert!(
        units.contains(&(json!(unit_id), json!(1))) && units.contains(&(json!(other_unit), json!(0))),
        "{units:?}"
    );

    // The unit's admin sees its own members' reports, and not another unit's.
    let boss = app.login("13877770000", "单位书记").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            json!({"user_id": boss.user_id, "role": "unit_admin", "unit_id": unit_id}),
        )
        .await;
    ok_json(res, 201).await;
    let seen = ok_json(
        app.get_as(&format!("/api/v1/units/{unit_id}/reports"), &boss.token)
            .await,
        200,
    )
    .await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 2);
    // Same community, so the unit is not hidden; it is simply not theirs.
    assert_eq!(
        app.get_as(&format!("/api/v1/units/{other_unit}/reports"), &boss.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/regions/{}/reports", w.comm_a), &boss.token)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn simultaneous_reports_make_one() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let calls = (0..6).map(|_| report(&app, &w.resident_a.token, &w.comm_a, None));
    let statuses: Vec<u16> = futures_util::future::join_all(calls)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
}

/// 单位汇总: a unit's approved members, their hours and visits this month, and its problems.
#[tokio::test]
async fn the_unit_rollup_counts_members_hours_visits_and_problems() {
    use crate::orders::{place, step};
    use entity::problem::{self, ProblemState, Severity};
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let id = unit(&app, &w, "市供电公司").await;
    let other = unit(&app, &w, "市自来水公司").await;
    let r = ok_json(report(&app, &w.member_a.token, &w.comm_a, Some(&id)).await, 201).await;
    ok_json(
        app.post_as(
            &format!("/api/v1/reports/{}/approve", r["id"].as_str().unwrap()),
            &w.staff_a.token,
            json!({}),
        )
        .await,
        200,
    )
    .await;
    // The member serves two orders this month.
    for _ in 0..2 {
        let o = place(&app, &w.resident_a, &w.grid_a, None).await;
        let oid = o["id"].as_str().unwrap();
        step(
            &app,
            &w.staff_a,
            oid,
            "dispatch",
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
            "assigned",
        )
        .await;
        step(&app, &w.member_a, oid, "accept", json!({}), "claimed").await;
        step(&app, &w.member_a, oid, "start", json!({}), "in_service").await;
        step(
            &app,
            &w.member_a,
            oid,
            "complete",
            json!({"minutes": 1}),
            "completed",
        )
        .await;
        step(
            &app,
            &w.resident_a,
            oid,
            "confirm",
            json!({"rating": 5}),
            "closed",
        )
        .await;
    }
    // The unit claimed a problem this month and resolved it.
    let now = chrono::Utc::now();
    let comm: i64 = w.comm_a.parse().unwrap();
    problem::ActiveModel {
        region_id: Set(comm),
        community_id: Set(comm),
        month: Set(linli::calendar::month_of(now)),
        title: Set("路灯不亮".into()),
        description: Set(String::new()),
        severity: Set(Severity::Small),
        photos: Set("[]".into()),
        state: Set(ProblemState::Resolved),
        filed_by: Set(w.staff_a.user_id.parse().unwrap()),
        owner_region_id: Set(comm),
        owner_unit_id: Set(Some(id.parse().unwrap())),
        claimed_at: Set(Some(now)),
        late: Set(false),
        result_photos: Set("[]".into()),
        resolved_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();

    // The unit takes and completes a co-building project.
    let boss = app.login("13877770099", "供电书记").await;
    ok_json(
        app.post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            json!({"user_id": boss.user_id, "role": "unit_admin", "unit_id": id}),
        )
        .await,
        201,
    )
    .await;
    let project = ok_json(
        app.post_as(
            &format!("/api/v1/regions/{}/projects", w.comm_a),
            &w.staff_a.token,
            json!({"title": "楼道照明改造", "description": "更换 20 盏灯"}),
        )
        .await,
        201,
    )
    .await;
    let ppath = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    ok_json(
        app.post_as(&format!("{ppath}/take"), &boss.token, json!({}))
            .await,
        200,
    )
    .await;
    ok_json(
        app.post_as(
            &format!("{ppath}/complete"),
            &boss.token,
            json!({"result": "已完成"}),
        )
        .await,
        200,
    )
    .await;

    let month = linli::calendar::month_of(now);
    let out = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/unit-rollup?month={month}", w.street),
            &w.admin.token,
        )
        .await,
        200,
    )
    .await;
    let of = |unit: &str| {
        out["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_id"] == unit)
            .unwrap()
            .clone()
    };
    let mine = of(&id);
    assert_eq!(mine["members"], 1);
    assert_eq!(mine["visits"], 2);
    assert!(mine["minutes"].as_i64().unwrap() >= 1, "{mine}");
    assert_eq!(
        (
            mine["problems_claimed"].as_i64(),
            mine["problems_resolved"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(mine["projects_done"], 1);
    let theirs = of(&other);
    assert_eq!(
        (theirs["members"].as_i64(), theirs["visits"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(theirs["projects_done"], 0);
    // The month's board puts the unit on the red list for it.
    let board = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/boards?month={month}", w.street),
            &w.admin.token,
        )
        .await,
        200,
    )
    .await;
    let red = board["red"]["units"].as_array().unwrap();
    assert_eq!(red[0]["unit_id"], id.as_str());
    assert_eq!(
        (red[0]["resolved"].as_i64(), red[0]["projects_done"].as_i64()),
        (Some(1), Some(1))
    );
    // Another month: nothing; staff of another community: 404; a bad month: 400.
    let empty = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/unit-rollup?month=2020-01", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert!(
        empty["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["visits"] == 0 && u["problems_claimed"] == 0)
    );
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/unit-rollup", w.comm_a),
            &w.staff_b.token,
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/unit-rollup?month=2026-1", w.comm_a),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(res.status(), 400);
}
