//! 问题清单 through the API: filing onto the month's list, the joint meeting (accept, merge,
//! reject; one bad decision refuses it all; late after the meeting day), the published list,
//! claims (one owner among concurrent units), drops, resolution, the street day (the clock), the
//! month-end deadline arithmetic, who sees what, and every refusal.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app_with};
use crate::world::{self, World, grant};
use chrono::{DateTime, Duration, Utc};
use entity::problem as item;
use futures_util::future::join_all;
use linli::calendar::month_of;
use linli::problems::deadlines::{day_start, filing_month, street_due};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

async fn setup_with(vars: &[(&str, &str)]) -> (TestApp, World) {
    let mut all = vec![("WECHAT_TPL_PROGRESS", "tpl-progress")];
    all.extend_from_slice(vars);
    let app = spawn_app_with(&all, |_| {}).await;
    let w = world::build(&app).await;
    (app, w)
}

async fn setup() -> (TestApp, World) {
    setup_with(&[]).await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn file_res(app: &TestApp, who: &Session, region: &str, body: Value) -> reqwest::Response {
    app.post_as(&format!("/api/v1/regions/{region}/problems"), &who.token, body)
        .await
}

pub async fn file(app: &TestApp, who: &Session, region: &str, title: &str, severity: &str) -> Value {
    let body = json!({
        "title": title,
        "description": "排查发现，群众反映强烈",
        "severity": severity,
        "location": "3 号楼",
        "photos": ["https://img.example.cn/p.jpg"],
    });
    let v = ok_json(file_res(app, who, region, body).await, 201).await;
    assert_eq!(v["state"], "filed");
    v
}

pub async fn meeting_res(app: &TestApp, who: &Session, region: &str, body: Value) -> reqwest::Response {
    app.post_as(&format!("/api/v1/regions/{region}/meetings"), &who.token, body)
        .await
}

pub fn meeting_body(month: &str, decisions: Value) -> Value {
    json!({
        "month": month,
        "held_at": (Utc::now() - Duration::hours(1)).to_rfc3339(),
        "attendees": ["李书记", "王主任", "供电公司代表"],
        "minutes": "审议本月问题清单",
        "decisions": decisions,
    })
}

async fn act(
    app: &TestApp,
    who: &Session,
    problem: &str,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.call(
        "POST",
        &format!("/api/v1/problems/{problem}/{action}"),
        Some(&who.token),
        body,
    )
    .await
}

async fn get(app: &TestApp, who: &Session, problem: &str) -> reqwest::Response {
    app.get_as(&format!("/api/v1/problems/{problem}"), &who.token)
        .await
}

async fn refused(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let body = problem(res).await;
    assert_eq!(body["code"], code, "{body}");
    body
}

fn actions(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// A unit reported to community A and its admin.
async fn unit_with_admin(app: &TestApp, w: &World, n: usize) -> (String, Session) {
    let unit = crate::reports::unit(app, w, &format!("驻区单位{n}")).await;
    let boss = app
        .login(&format!("1386666{n:04}"), &format!("单位书记{n}"))
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

/// Items filed in grid A and published by a meeting; returns their ids and the list's month.
pub async fn published(app: &TestApp, w: &World, n: usize) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    let mut month = String::new();
    for i in 0..n {
        let v = file(app, &w.staff_a, &w.grid_a, &format!("问题{i}"), "small").await;
        month = v["month"].as_str().unwrap().to_owned();
        ids.push(id(&v));
    }
    let decisions: Vec<Value> = ids
        .iter()
        .map(|p| json!({"problem_id": p, "action": "accept"}))
        .collect();
    let body = meeting_body(&month, json!(decisions));
    ok_json(meeting_res(app, &w.staff_a, &w.comm_a, body).await, 201).await;
    (ids, month)
}

async fn state_of(app: &TestApp, id: &str) -> item::Model {
    item::Entity::find_by_id(id.parse::<i64>().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn set_month(app: &TestApp, id: &str, month: &str) {
    item::Entity::update_many()
        .set(item::ActiveModel {
            month: Set(month.into()),
            ..Default::default()
        })
        .filter(item::Column::Id.eq(id.parse::<i64>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
}

async fn tick(app: &TestApp, at: DateTime<Utc>) -> linli::jobs::TickReport {
    linli::jobs::tick(&app.state, at).await.unwrap()
}

#[tokio::test]
async fn a_list_goes_from_filing_through_the_meeting_to_claims_and_resolution() {
    let (app, w) = setup().await;
    let expected_month = filing_month(Utc::now(), &app.state.config.problems);
    let a = file(&app, &w.staff_a, &w.grid_a, "楼道灯不亮", "small").await;
    assert_eq!(a["month"], expected_month.as_str());
    assert_eq!(a["severity_label"], "小事");
    assert_eq!(a["level"], "community");
    assert_eq!(a["filed_by"], w.staff_a.user_id.as_str());
    assert_eq!(a["community_id"], w.comm_a.as_str());
    assert_eq!(a["owner_region_id"], w.comm_a.as_str());
    let b = file(&app, &w.staff_a, &w.comm_a, "2 单元楼道灯坏", "micro").await;
    assert_eq!(b["level"], "grid");
    assert_eq!(b["severity_label"], "微事");
    let c = file(&app, &w.staff_a, &w.grid_a, "修建地下停车场", "major").await;
    assert_eq!(c["level"], "street");
    let (a, b, c) = (id(&a), id(&b), id(&c));

    // Before the meeting residents see nothing of the list; staff see all three.
    let list = format!("/api/v1/regions/{}/problems", w.comm_a);
    let public = ok_json(app.get_as(&list, &w.resident_a.token).await, 200).await;
    assert_eq!(public["items"].as_array().unwrap().len(), 0);
    refused(get(&app, &w.resident_a, &a).await, 404, "PROBLEM_NOT_FOUND").await;
    let staff = ok_json(app.get_as(&list, &w.staff_a.token).await, 200).await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 3);

    // Ten units reported to the community, each with its admin.
    let mut units = Vec::new();
    for n in 0..10 {
        units.push(unit_with_admin(&app, &w, n).await);
    }

    // The joint meeting: accept A, merge B into A, reject C.
    let mut body = meeting_body(
        &expected_month,
        json!([
            {"problem_id": a, "action": "accept"},
            {"problem_id": b, "action": "merge", "into_id": a},
            {"problem_id": c, "action": "reject", "reason": "超出社区职责，另行上报"},
        ]),
    );
    body["units_present"] = json!([units[0].0, units[1].0]);
    let m = ok_json(meeting_res(&app, &w.staff_a, &w.comm_a, body).await, 201).await;
    assert_eq!(m["late"], false, "recorded before the meeting day");
    assert_eq!(m["month"], expected_month.as_str());
    assert_eq!(m["decisions"].as_array().unwrap().len(), 3);
    assert_eq!(m["units_present"][1], units[1].0.as_str());
    let got = ok_json(
        app.get_as(&format!("/api/v1/meetings/{}", id(&m)), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(got["minutes"], "审议本月问题清单");
    let meetings = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/meetings", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(meetings["items"][0]["id"], m["id"]);

    let pa = ok_json(get(&app, &w.staff_a, &a).await, 200).await;
    assert_eq!(pa["state"], "published");
    assert_eq!(pa["late"], false);
    assert_eq!(pa["meeting_id"], m["id"]);
    assert_eq!(actions(&pa), ["filed", "accepted", "published"]);
    let pb = ok_json(get(&app, &w.staff_a, &b).await, 200).await;
    assert_eq!(pb["state"], "merged");
    assert_eq!(pb["merged_into_id"], a.as_str());
    let pc = ok_json(get(&app, &w.staff_a, &c).await, 200).await;
    assert_eq!(pc["state"], "rejected");
    assert_eq!(pc["events"][1]["note"], "超出社区职责，另行上报");

    // The published list: residents read titles, severity, state; no filer, no details.
    let public = ok_json(app.get_as(&list, &w.resident_a.token).await, 200).await;
    let items = public["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.as_str());
    assert_eq!(items[0]["filed_by"], Value::Null);
    assert_eq!(items[0]["filer_name"], Value::Null);
    assert_eq!(items[0]["description"], Value::Null);
    let seen = ok_json(get(&app, &w.member_a, &a).await, 200).await;
    assert_eq!(seen["events"].as_array().unwrap().len(), 0);
    assert_eq!(seen["filed_by"], Value::Null);
    // Unit admins read the details, not who filed it.
    let unit_view = ok_json(get(&app, &units[3].1, &a).await, 200).await;
    assert_eq!(unit_view["description"], "排查发现，群众反映强烈");
    assert_eq!(unit_view["filed_by"], Value::Null);
    assert_eq!(unit_view["events"][0]["actor_id"], Value::Null);
    refused(get(&app, &units[3].1, &c).await, 404, "PROBLEM_NOT_FOUND").await;

    // Ten units claim at once: exactly one owner.
    let claims = join_all(units.iter().map(|(_, boss)| act(&app, boss, &a, "claim", None))).await;
    let mut winners = Vec::new();
    for (n, res) in claims.into_iter().enumerate() {
        match res.status().as_u16() {
            200 => winners.push(n),
            409 => assert_eq!(problem(res).await["code"], "PROBLEM_ALREADY_CLAIMED"),
            s => panic!("unexpected {s}: {}", res.text().await.unwrap()),
        }
    }
    assert_eq!(winners.len(), 1, "one owner");
    let first = winners[0];
    let other = (first + 1) % units.len();
    let owned = ok_json(get(&app, &units[first].1, &a).await, 200).await;
    assert_eq!(owned["state"], "claimed");
    assert_eq!(owned["owner_unit_id"], units[first].0.as_str());
    assert_eq!(owned["owner_unit_name"], format!("驻区单位{first}"));
    let public = ok_json(app.get_as(&list, &w.resident_a.token).await, 200).await;
    assert_eq!(public["items"][0]["owner_unit_name"], format!("驻区单位{first}"));

    // Only the owner drops, and with a reason.
    refused(
        act(&app, &units[other].1, &a, "drop", Some(json!({"reason": "x"}))).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        act(&app, &units[first].1, &a, "drop", Some(json!({}))).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    let dropped = ok_json(
        act(
            &app,
            &units[first].1,
            &a,
            "drop",
            Some(json!({"reason": "需协调供水公司，本单位无法解决"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(dropped["state"], "published");
    assert_eq!(dropped["owner_unit_id"], Value::Null);

    // Another unit claims it and resolves it.
    let claimed = ok_json(act(&app, &units[other].1, &a, "claim", None).await, 200).await;
    assert_eq!(claimed["owner_unit_id"], units[other].0.as_str());
    refused(
        act(&app, &units[first].1, &a, "claim", None).await,
        409,
        "PROBLEM_ALREADY_CLAIMED",
    )
    .await;
    refused(
        act(
            &app,
            &w.resident_a,
            &a,
            "resolve",
            Some(json!({"result": "好了"})),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    let done = ok_json(
        act(
            &app,
            &units[other].1,
            &a,
            "resolve",
            Some(json!({"result": "已更换楼道灯 6 盏", "photos": ["https://img.example.cn/done.jpg"]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["state"], "resolved");
    assert_eq!(done["result_photos"][0], "https://img.example.cn/done.jpg");
    refused(
        act(&app, &w.staff_a, &a, "resolve", Some(json!({"result": "again"}))).await,
        409,
        "PROBLEM_INVALID_STATE",
    )
    .await;

    let log = ok_json(get(&app, &w.staff_a, &a).await, 200).await;
    assert_eq!(
        actions(&log),
        [
            "filed",
            "accepted",
            "published",
            "claimed",
            "dropped",
            "claimed",
            "resolved"
        ]
    );
    assert_eq!(log["events"][4]["note"], "需协调供水公司，本单位无法解决");
    assert_eq!(log["events"][4]["actor_id"], units[first].1.user_id.as_str());
    assert_eq!(log["events"][0]["actor_id"], w.staff_a.user_id.as_str());

    // Filters.
    let resolved = ok_json(
        app.get_as(
            &format!("{list}?state=resolved&month={expected_month}"),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(resolved["items"].as_array().unwrap().len(), 1);
    let paged = ok_json(
        app.get_as(&format!("{list}?limit=2"), &w.staff_a.token).await,
        200,
    )
    .await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    let rest = ok_json(
        app.get_as(
            &format!("{list}?limit=2&cursor={}", paged["next_cursor"].as_str().unwrap()),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[tokio::test]
async fn the_street_day_passes_unresolved_items_to_the_street_once() {
    let (app, w) = setup().await;
    let (ids, month) = published(&app, &w, 3).await;
    let (_, boss) = unit_with_admin(&app, &w, 1).await;
    ok_json(act(&app, &boss, &ids[0], "claim", None).await, 200).await;
    ok_json(
        act(
            &app,
            &w.staff_a,
            &ids[2],
            "resolve",
            Some(json!({"result": "社区已解决"})),
        )
        .await,
        200,
    )
    .await;
    let due = street_due(&month, &app.state.config.problems).unwrap();
    let shown = ok_json(get(&app, &w.staff_a, &ids[1]).await, 200).await;
    let shown_due: DateTime<Utc> = shown["street_due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(shown_due, due);

    // The day before: nothing passes; the claiming admin is reminded, once.
    let before = tick(&app, due - Duration::seconds(1)).await;
    assert_eq!(before.escalated_problems, 0);
    assert_eq!(before.problem_reminders, 1);
    assert_eq!(tick(&app, due - Duration::seconds(1)).await.problem_reminders, 0);
    let reminded = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::RecipientId.eq(boss.user_id.parse::<i64>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reminded.len(), 1);
    assert!(reminded[0].payload.contains("明日移交"));
    assert!(
        reminded[0]
            .payload
            .contains(&format!("pages/problem/detail?id={}", ids[0]))
    );
    assert_eq!(state_of(&app, &ids[0]).await.state, item::ProblemState::Claimed);

    // At the street day's first second: the claimed and the published one pass, once.
    let at = tick(&app, due).await;
    assert_eq!(at.escalated_problems, 2);
    assert_eq!(tick(&app, due + Duration::hours(1)).await.escalated_problems, 0);
    for p in &ids[..2] {
        let v = ok_json(get(&app, &w.staff_a, p).await, 200).await;
        assert_eq!(v["state"], "escalated");
        assert_eq!(v["owner_region_id"], w.street.as_str());
        let last = v["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "escalated");
        assert_eq!(last["actor_id"], Value::Null);
    }
    assert_eq!(state_of(&app, &ids[2]).await.state, item::ProblemState::Resolved);

    // The street's staff own it now: community staff and the former unit may not resolve it.
    let body = Some(json!({"result": "街道协调解决"}));
    refused(
        act(&app, &w.staff_a, &ids[0], "resolve", body.clone()).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        act(&app, &boss, &ids[0], "resolve", body.clone()).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        act(&app, &boss, &ids[0], "drop", Some(json!({"reason": "x"}))).await,
        403,
        "FORBIDDEN",
    )
    .await;
    let street_staff = app.login("13800000099", "街道干部").await;
    grant(&app, &w.admin.token, &w.street, &street_staff.user_id, "staff").await;
    let done = ok_json(act(&app, &street_staff, &ids[0], "resolve", body).await, 200).await;
    assert_eq!(done["state"], "resolved");
}

#[tokio::test]
async fn late_meetings_are_marked_and_past_the_street_day_claims_and_drops_are_refused() {
    let (app, w) = setup().await;
    let (_, boss) = unit_with_admin(&app, &w, 1).await;
    // A list whose meeting day has passed (an old month).
    let x = id(&file(&app, &w.staff_a, &w.grid_a, "路灯", "small").await);
    let y = id(&file(&app, &w.staff_a, &w.grid_a, "井盖", "small").await);
    set_month(&app, &x, "2020-01").await;
    set_month(&app, &y, "2020-01").await;
    let body = meeting_body(
        "2020-01",
        json!([{"problem_id": x, "action": "accept"}, {"problem_id": y, "action": "accept"}]),
    );
    let m = ok_json(meeting_res(&app, &w.staff_a, &w.comm_a, body).await, 201).await;
    assert_eq!(m["late"], true);
    let px = ok_json(get(&app, &w.staff_a, &x).await, 200).await;
    assert_eq!(px["state"], "published");
    assert_eq!(px["late"], true);

    // Its street day has passed: no claim (the clock has not run yet).
    refused(
        act(&app, &boss, &x, "claim", None).await,
        422,
        "PROBLEM_DEADLINE_PASSED",
    )
    .await;

    // A claim on this month's list, then its street day passes: no drop.
    let (ids, _) = published(&app, &w, 1).await;
    ok_json(act(&app, &boss, &ids[0], "claim", None).await, 200).await;
    set_month(&app, &ids[0], "2020-01").await;
    refused(
        act(&app, &boss, &ids[0], "drop", Some(json!({"reason": "来不及"}))).await,
        422,
        "PROBLEM_DEADLINE_PASSED",
    )
    .await;
    // The clock passes all three now.
    assert_eq!(tick(&app, Utc::now()).await.escalated_problems, 3);
}

#[tokio::test]
async fn a_day_past_february_s_end_means_its_last_day() {
    let (app, w) = setup_with(&[
        ("PROBLEM_FILE_DAY", "29"),
        ("PROBLEM_MEETING_DAY", "30"),
        ("PROBLEM_STREET_DAY", "31"),
    ])
    .await;
    let (ids, _) = published(&app, &w, 1).await;
    set_month(&app, &ids[0], "2027-02").await;
    let v = ok_json(get(&app, &w.staff_a, &ids[0]).await, 200).await;
    // The 31st of February 2027 is the 28th: the street day begins 2027-02-28 00:00 UTC+8.
    assert_eq!(v["street_due_at"], "2027-02-27T16:00:00Z");
    let due: DateTime<Utc> = "2027-02-27T16:00:00Z".parse().unwrap();
    assert_eq!(tick(&app, due - Duration::seconds(1)).await.escalated_problems, 0);
    assert_eq!(tick(&app, due).await.escalated_problems, 1);
}

#[tokio::test]
async fn other_communities_and_strangers_are_told_nothing() {
    let (app, w) = setup().await;
    let (ids, month) = published(&app, &w, 1).await;
    let filed = id(&file(&app, &w.staff_a, &w.grid_a, "未审议", "micro").await);
    let meetings = format!("/api/v1/regions/{}/meetings", w.comm_a);
    let m = ok_json(app.get_as(&meetings, &w.staff_a.token).await, 200).await;
    let meeting = id(&m["items"][0]);

    // Staff of community B: 404 on A's items, meetings and lists.
    refused(get(&app, &w.staff_b, &ids[0]).await, 404, "PROBLEM_NOT_FOUND").await;
    refused(
        app.get_as(&format!("/api/v1/meetings/{meeting}"), &w.staff_b.token)
            .await,
        404,
        "MEETING_NOT_FOUND",
    )
    .await;
    let list = format!("/api/v1/regions/{}/problems", w.comm_a);
    refused(app.get_as(&list, &w.staff_b.token).await, 404, "NOT_FOUND").await;
    refused(app.get_as(&meetings, &w.staff_b.token).await, 404, "NOT_FOUND").await;
    refused(
        file_res(
            &app,
            &w.staff_b,
            &w.grid_a,
            json!({"title": "t", "description": "d", "severity": "small"}),
        )
        .await,
        404,
        "NOT_FOUND",
    )
    .await;
    let body = meeting_body(&month, json!([{"problem_id": filed, "action": "accept"}]));
    refused(
        meeting_res(&app, &w.staff_b, &w.comm_a, body.clone()).await,
        404,
        "NOT_FOUND",
    )
    .await;
    // Community B's staff see none of A's list in B's.
    let b_list = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/problems", w.comm_b),
            &w.staff_b.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(b_list["items"].as_array().unwrap().len(), 0);
    // B's residents do not see A's published list; A's residents see no unpublished item.
    refused(get(&app, &w.resident_b, &ids[0]).await, 404, "PROBLEM_NOT_FOUND").await;
    refused(get(&app, &w.resident_a, &filed).await, 404, "PROBLEM_NOT_FOUND").await;
    ok_json(get(&app, &w.resident_a, &ids[0]).await, 200).await;
    // Residents neither file nor hold meetings nor read minutes; they may not claim.
    refused(
        file_res(
            &app,
            &w.resident_a,
            &w.grid_a,
            json!({"title": "t", "description": "d", "severity": "small"}),
        )
        .await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        meeting_res(&app, &w.resident_a, &w.comm_a, body).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(app.get_as(&meetings, &w.resident_a.token).await, 403, "FORBIDDEN").await;
    refused(
        app.get_as(&format!("/api/v1/meetings/{meeting}"), &w.member_a.token)
            .await,
        404,
        "MEETING_NOT_FOUND",
    )
    .await;
    refused(
        act(&app, &w.member_a, &ids[0], "claim", None).await,
        403,
        "FORBIDDEN",
    )
    .await;
    // A county admin above sees everything.
    let county = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/problems", w.county), &w.admin.token)
            .await,
        200,
    )
    .await;
    assert_eq!(county["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_input_is_refused_with_field_errors_and_codes() {
    let (app, w) = setup().await;
    let ok_body = json!({"title": "t", "description": "d", "severity": "small"});
    // Filing.
    for bad in [
        json!({"title": "", "description": "d", "severity": "small"}),
        json!({"title": "t", "description": "d"}),
        json!({"title": "t", "description": "d", "severity": "huge"}),
        json!({"title": "t", "description": "d", "severity": "small", "photos": ["ftp://x"]}),
        json!({"title": "t", "description": "d", "severity": "small", "extra": 1}),
    ] {
        refused(
            file_res(&app, &w.staff_a, &w.grid_a, bad).await,
            400,
            "VALIDATION_FAILED",
        )
        .await;
    }
    refused(
        file_res(&app, &w.admin, &w.street, ok_body.clone()).await,
        422,
        "REGION_KIND_INVALID",
    )
    .await;

    // Meetings.
    let x = id(&file(&app, &w.staff_a, &w.grid_a, "X", "small").await);
    let z = id(&file(&app, &w.staff_a, &w.grid_a, "Z", "small").await);
    let month = state_of(&app, &x).await.month;
    let b_item = id(&file(&app, &w.staff_b, &w.grid_b, "B 的问题", "small").await);
    let post = |decisions: Value| meeting_res(&app, &w.staff_a, &w.comm_a, meeting_body(&month, decisions));
    let body = refused(
        post(json!([{"problem_id": x, "action": "merge"}])).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "decisions[0].into_id");
    let body = refused(
        post(json!([{"problem_id": x, "action": "reject"}])).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "decisions[0].reason");
    refused(post(json!([])).await, 400, "VALIDATION_FAILED").await;
    refused(
        post(json!([{"problem_id": x, "action": "close"}])).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    let mut future = meeting_body(&month, json!([{"problem_id": x, "action": "accept"}]));
    future["held_at"] = json!((Utc::now() + Duration::days(1)).to_rfc3339());
    let body = refused(
        meeting_res(&app, &w.staff_a, &w.comm_a, future).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "held_at");
    let mut bad_month = meeting_body(&month, json!([{"problem_id": x, "action": "accept"}]));
    bad_month["month"] = json!("2026-13");
    refused(
        meeting_res(&app, &w.staff_a, &w.comm_a, bad_month).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    // One bad decision refuses the whole meeting: X stays filed.
    for decisions in [
        json!([{"problem_id": x, "action": "accept"}, {"problem_id": b_item, "action": "accept"}]),
        json!([{"problem_id": x, "action": "accept"}, {"problem_id": x, "action": "reject", "reason": "r"}]),
        json!([{"problem_id": x, "action": "reject", "reason": "r"}, {"problem_id": z, "action": "merge", "into_id": x}]),
        json!([{"problem_id": x, "action": "merge", "into_id": x}]),
        json!([{"problem_id": x, "action": "accept"}, {"problem_id": "999999", "action": "accept"}]),
    ] {
        refused(post(decisions).await, 422, "MEETING_DECISION_INVALID").await;
    }
    let mut wrong_month = meeting_body("2020-01", json!([{"problem_id": x, "action": "accept"}]));
    wrong_month["month"] = json!("2020-01");
    refused(
        meeting_res(&app, &w.staff_a, &w.comm_a, wrong_month).await,
        422,
        "MEETING_DECISION_INVALID",
    )
    .await;
    let b_unit = {
        let res = app
            .post_as(
                &format!("/api/v1/regions/{}/units", w.comm_b),
                &w.staff_b.token,
                json!({"name": "团结单位", "kind": "国有企业", "contact_name": "王主任", "contact_phone": "13811112222"}),
            )
            .await;
        id(&ok_json(res, 201).await)
    };
    let mut foreign = meeting_body(&month, json!([{"problem_id": x, "action": "accept"}]));
    foreign["units_present"] = json!([b_unit]);
    refused(
        meeting_res(&app, &w.staff_a, &w.comm_a, foreign).await,
        422,
        "UNIT_NOT_IN_COMMUNITY",
    )
    .await;
    refused(
        meeting_res(
            &app,
            &w.staff_a,
            &w.grid_a,
            meeting_body(&month, json!([{"problem_id": x, "action": "accept"}])),
        )
        .await,
        422,
        "REGION_KIND_INVALID",
    )
    .await;
    assert_eq!(state_of(&app, &x).await.state, item::ProblemState::Filed);
    assert_eq!(state_of(&app, &z).await.state, item::ProblemState::Filed);
    // A decided item cannot be decided again.
    ok_json(post(json!([{"problem_id": x, "action": "accept"}])).await, 201).await;
    refused(
        post(json!([{"problem_id": x, "action": "accept"}])).await,
        422,
        "MEETING_DECISION_INVALID",
    )
    .await;
    // Merging into an item published by an earlier meeting of the same list is fine.
    ok_json(
        post(json!([{"problem_id": z, "action": "merge", "into_id": x}])).await,
        201,
    )
    .await;

    // Lists.
    let list = format!("/api/v1/regions/{}/problems", w.comm_a);
    for q in ["month=2026-13", "limit=0", "limit=101", "cursor=abc"] {
        refused(
            app.get_as(&format!("{list}?{q}"), &w.staff_a.token).await,
            400,
            "VALIDATION_FAILED",
        )
        .await;
    }
    refused(
        app.get_as(&format!("{list}?state=open"), &w.staff_a.token).await,
        400,
        "INVALID_QUERY",
    )
    .await;

    // Claims: only for the admin's own unit reported here.
    let (u1, boss) = unit_with_admin(&app, &w, 1).await;
    refused(
        act(&app, &boss, &x, "claim", Some(json!({"unit_id": b_unit}))).await,
        422,
        "UNIT_NOT_IN_COMMUNITY",
    )
    .await;
    let claimed = ok_json(
        act(&app, &boss, &x, "claim", Some(json!({"unit_id": u1}))).await,
        200,
    )
    .await;
    assert_eq!(claimed["owner_unit_id"], u1.as_str());
    refused(
        act(&app, &boss, &z, "claim", None).await,
        404,
        "PROBLEM_NOT_FOUND",
    )
    .await;
    refused(
        act(&app, &boss, &x, "resolve", Some(json!({"result": ""}))).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
}

/// The list reminders written to `who`: the phrases (`phrase2`) of their messages.
async fn reminders_to(app: &TestApp, who: &Session) -> Vec<String> {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::RecipientId.eq(who.user_id.parse::<i64>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let p: Value = serde_json::from_str(&r.payload).unwrap();
            p["data"]["phrase2"]["value"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn staff_are_reminded_the_day_before_filing_closes_and_before_the_meeting() {
    let (app, w) = setup().await;
    let rules = app.state.config.problems;
    let grid_staff = app.login("13800000077", "网格员").await;
    grant(&app, &w.admin.token, &w.grid_a, &grid_staff.user_id, "staff").await;

    // The day before the file day: every staff member of every community and its grids, once.
    let month = month_of(Utc::now());
    let file_day = day_start(&month, rules.file_day).unwrap();
    assert_eq!(
        tick(&app, file_day - Duration::days(1) - Duration::seconds(1))
            .await
            .problem_reminders,
        0
    );
    assert_eq!(
        tick(&app, file_day - Duration::days(1)).await.problem_reminders,
        2,
        "two communities"
    );
    assert_eq!(
        tick(&app, file_day - Duration::seconds(1))
            .await
            .problem_reminders,
        0,
        "once"
    );
    assert_eq!(tick(&app, file_day).await.problem_reminders, 0);
    for who in [&w.staff_a, &w.staff_b, &grid_staff] {
        assert_eq!(reminders_to(&app, who).await, ["明日截止"]);
    }

    // The day before the meeting day: the staff of a community whose list waits for it.
    let filed = file(&app, &w.staff_a, &w.grid_a, "待上会", "small").await;
    let list = filed["month"].as_str().unwrap().to_owned();
    let meeting_day = day_start(&list, rules.meeting_day).unwrap();
    assert_eq!(
        tick(&app, meeting_day - Duration::hours(1))
            .await
            .problem_reminders,
        1
    );
    assert_eq!(
        tick(&app, meeting_day - Duration::minutes(1))
            .await
            .problem_reminders,
        0,
        "once"
    );
    let heard = reminders_to(&app, &w.staff_a).await;
    assert_eq!(heard.last().unwrap(), "明日上会");
    assert_eq!(
        reminders_to(&app, &w.staff_b).await.len(),
        1,
        "B has nothing waiting"
    );
    assert_eq!(
        reminders_to(&app, &grid_staff).await.len(),
        1,
        "grid staff hold no meeting"
    );
}

#[tokio::test]
async fn staff_place_an_order_for_a_published_problem() {
    let (app, w) = setup().await;
    let filed = file(&app, &w.staff_a, &w.grid_a, "路灯不亮", "micro").await;
    let fid = id(&filed);
    // Not yet accepted: no order.
    let path = format!("/api/v1/problems/{fid}/orders");
    refused(
        app.post_as(&path, &w.staff_a.token, json!({})).await,
        409,
        "PROBLEM_INVALID_STATE",
    )
    .await;
    let (ids, _) = published(&app, &w, 1).await;
    let pid = &ids[0];
    let path = format!("/api/v1/problems/{pid}/orders");
    // Only the staff owning it; a resident of the community sees the item but may not.
    let res = app.post_as(&path, &w.resident_a.token, json!({})).await;
    assert_eq!(res.status(), 403);
    let res = app.post_as(&path, &w.staff_b.token, json!({})).await;
    assert_eq!(res.status(), 404);
    let res = app.post_as(&path, &w.staff_a.token, json!({"title": ""})).await;
    assert_eq!(res.status(), 400);

    let order = ok_json(
        app.post_as(&path, &w.staff_a.token, json!({"address": "3 号楼前"}))
            .await,
        201,
    )
    .await;
    assert_eq!(order["problem_id"], pid.as_str());
    assert_eq!(order["status"], "submitted");
    assert_eq!(order["severity"], "small");
    assert_eq!(order["title"], "问题0");
    assert_eq!(order["address"], "3 号楼前");
    assert_eq!(order["region_id"], w.grid_a.as_str());
    // The problem keeps its state; its log names the order.
    let item = ok_json(get(&app, &w.staff_a, pid).await, 200).await;
    assert_eq!(item["state"], "published");
    assert_eq!(actions(&item).last().unwrap(), "order_placed");
    // The order goes through the usual life: dispatched by the same staff.
    let oid = order["id"].as_str().unwrap();
    let res = app
        .post_as(
            &format!("/api/v1/orders/{oid}/dispatch"),
            &w.staff_a.token,
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["status"], "assigned");
}
