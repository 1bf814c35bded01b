//! Activities through the API: publish, sign up (a crowd for few places, the waitlist moving up),
//! check in and out by rotating code or by hand, minutes credited once (even racing the clock),
//! every refusal, and who may reach which activity.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app, spawn_app_with};
use crate::ledger::balances;
use crate::world::{self, World};
use chrono::{DateTime, Duration, Utc};
use entity::{outbox, transfer};
use futures_util::future::join_all;
use linli::activities::codes::{Direction, issue};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

/// An activity body: running now (started 2 h ago, ends in 1 h), signup open 30 min more,
/// 60 minutes and 5 coins at most, open to residents; `patch` overrides fields.
fn body(patch: Value) -> Value {
    let now = Utc::now();
    let mut b = json!({
        "title": "清洁家园",
        "kind": "volunteer",
        "description": "楼道清理",
        "place": "和平社区党群服务中心",
        "starts_at": now - Duration::hours(2),
        "ends_at": now + Duration::hours(1),
        "signup_deadline": now + Duration::minutes(30),
        "capacity": 5,
        "eligibility": "residents",
        "max_minutes": 60,
        "coins": 5,
    });
    for (k, v) in patch.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

async fn try_publish(app: &TestApp, who: &Session, region: &str, patch: Value) -> reqwest::Response {
    app.post_as(
        &format!("/api/v1/regions/{region}/activities"),
        &who.token,
        body(patch),
    )
    .await
}

pub async fn publish(app: &TestApp, who: &Session, region: &str, patch: Value) -> String {
    let res = try_publish(app, who, region, patch).await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

pub async fn signup(app: &TestApp, who: &Session, a: &str) -> reqwest::Response {
    app.call(
        "POST",
        &format!("/api/v1/activities/{a}/signup"),
        Some(&who.token),
        None,
    )
    .await
}

async fn withdraw(app: &TestApp, who: &Session, a: &str) -> reqwest::Response {
    app.call(
        "DELETE",
        &format!("/api/v1/activities/{a}/signup"),
        Some(&who.token),
        None,
    )
    .await
}

async fn amend(app: &TestApp, who: &Session, a: &str, patch: Value) -> reqwest::Response {
    app.call(
        "PATCH",
        &format!("/api/v1/activities/{a}"),
        Some(&who.token),
        Some(patch),
    )
    .await
}

async fn cancel(app: &TestApp, who: &Session, a: &str, reason: &str) -> reqwest::Response {
    app.post_as(
        &format!("/api/v1/activities/{a}/cancel"),
        &who.token,
        json!({"reason": reason}),
    )
    .await
}

async fn code(app: &TestApp, organiser: &Session, a: &str, direction: &str) -> String {
    let res = app
        .get_as(
            &format!("/api/v1/activities/{a}/checkin-code?direction={direction}"),
            &organiser.token,
        )
        .await;
    let body = ok_json(res, 200).await;
    let code = body["code"].as_str().unwrap().to_owned();
    // The QR code shown on the organiser's screen is that very code.
    let drawn = qrcode::QrCode::new(code.as_bytes()).unwrap();
    let svg = drawn
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build();
    assert_eq!(body["qr_svg"].as_str(), Some(svg.as_str()));
    code
}

async fn scan(app: &TestApp, who: &Session, a: &str, action: &str, code: &str) -> reqwest::Response {
    app.post_as(
        &format!("/api/v1/activities/{a}/{action}"),
        &who.token,
        json!({"code": code}),
    )
    .await
}

pub async fn by_hand(
    app: &TestApp,
    staff: &Session,
    a: &str,
    user: &str,
    action: &str,
    at: Option<DateTime<Utc>>,
) -> reqwest::Response {
    let body = match at {
        Some(at) => json!({"at": at}),
        None => json!({}),
    };
    app.post_as(
        &format!("/api/v1/activities/{a}/attendance/{user}/{action}"),
        &staff.token,
        body,
    )
    .await
}

async fn refused(res: reqwest::Response, status: u16, code: &str) {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(problem(res).await["code"], code);
}

async fn roster(app: &TestApp, staff: &Session, a: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let v = ok_json(
            app.get_as(
                &format!("/api/v1/activities/{a}/attendance?limit=100&cursor={cursor}"),
                &staff.token,
            )
            .await,
            200,
        )
        .await;
        out.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => return out,
        }
    }
}

pub async fn assert_reconciled(app: &TestApp, w: &World) {
    let r = ok_json(
        app.get_as("/api/v1/ledger/reconciliation", &w.admin.token).await,
        200,
    )
    .await;
    assert_eq!(r["ok"], true, "{r}");
}

/// Transfers posted for one (activity, person).
async fn credits(app: &TestApp, a: &str, user: &str) -> u64 {
    transfer::Entity::find()
        .filter(transfer::Column::Reference.eq(format!("activity:{a}:{user}")))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_whole_path_credits_minutes_and_coins_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({})).await;

    let s = ok_json(signup(&app, &w.member_a, &a).await, 201).await;
    assert_eq!(s["status"], "confirmed");
    assert!(s["position"].is_null());
    ok_json(signup(&app, &w.resident_a, &a).await, 201).await;
    let detail = ok_json(
        app.get_as(&format!("/api/v1/activities/{a}"), &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(detail["confirmed"], 2);
    assert_eq!(detail["mine"]["status"], "confirmed");

    // Staff check the member in by hand, 90 minutes ago; the member checks out by code.
    let at = Utc::now() - Duration::minutes(90);
    let inn = ok_json(
        by_hand(&app, &w.staff_a, &a, &w.member_a.user_id, "checkin", Some(at)).await,
        200,
    )
    .await;
    assert_eq!(inn["checkin_by"], w.staff_a.user_id.as_str());
    let out_code = code(&app, &w.staff_a, &a, "out").await;
    let out = ok_json(scan(&app, &w.member_a, &a, "checkout", &out_code).await, 200).await;
    assert_eq!(out["minutes"], 60, "capped at max_minutes: {out}");
    assert_eq!(out["coins"], 5);
    assert!(out["checkout_by"].is_null());
    assert_eq!(balances(&app, &w.member_a.token).await, (60, 5));
    // The same code again is a replay; nothing more is credited.
    refused(
        scan(&app, &w.member_a, &a, "checkout", &out_code).await,
        409,
        "CHECKIN_CODE_REPLAYED",
    )
    .await;
    refused(
        by_hand(&app, &w.staff_a, &a, &w.member_a.user_id, "checkout", None).await,
        409,
        "ALREADY_CHECKED_OUT",
    )
    .await;
    assert_eq!(
        credits(&app, &a, &w.member_a.user_id).await,
        2,
        "one time and one coin transfer"
    );

    // The resident checks in by code: a replay, then a double check-in, are refused.
    let in_code = code(&app, &w.staff_a, &a, "in").await;
    let inn = ok_json(scan(&app, &w.resident_a, &a, "checkin", &in_code).await, 200).await;
    assert!(inn["checkin_at"].is_string() && inn["checkin_by"].is_null());
    refused(
        scan(&app, &w.resident_a, &a, "checkin", &in_code).await,
        409,
        "CHECKIN_CODE_REPLAYED",
    )
    .await;
    refused(
        by_hand(&app, &w.staff_a, &a, &w.resident_a.user_id, "checkin", None).await,
        409,
        "ALREADY_CHECKED_IN",
    )
    .await;
    // Checking out right away credits nothing (0 minutes), and no transfer is made.
    let out = ok_json(
        by_hand(&app, &w.staff_a, &a, &w.resident_a.user_id, "checkout", None).await,
        200,
    )
    .await;
    assert_eq!(out["minutes"], 0);
    assert_eq!(out["checkout_by"], w.staff_a.user_id.as_str());
    assert_eq!(credits(&app, &a, &w.resident_a.user_id).await, 0);

    let list = roster(&app, &w.staff_a, &a).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["user_id"], w.member_a.user_id.as_str());
    assert_eq!(list[0]["name"], "和平党员");
    assert_eq!(list[0]["closed_by_clock"], false);
    let mine = ok_json(app.get_as("/api/v1/me/activities", &w.member_a.token).await, 200).await;
    assert_eq!(mine["items"][0]["activity"]["id"], a.as_str());
    assert_eq!(mine["items"][0]["signup"]["minutes"], 60);
    let near = ok_json(
        app.get_as("/api/v1/activities/upcoming", &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(near["items"][0]["id"], a.as_str());
    let far = ok_json(
        app.get_as("/api/v1/activities/upcoming", &w.resident_b.token)
            .await,
        200,
    )
    .await;
    assert_eq!(far["items"].as_array().unwrap().len(), 0);
    let region = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/activities", w.comm_a),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(region["items"][0]["id"], a.as_str());
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn every_refusal_has_its_code() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let now = Utc::now();
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({})).await;
    let other = publish(&app, &w.staff_a, &w.comm_a, json!({"title": "另一个活动"})).await;

    // Signup.
    ok_json(signup(&app, &w.resident_a, &a).await, 201).await;
    refused(signup(&app, &w.resident_a, &a).await, 409, "ALREADY_SIGNED_UP").await;
    let members_only = publish(&app, &w.staff_a, &w.grid_a, json!({"eligibility": "members"})).await;
    refused(
        signup(&app, &w.resident_a, &members_only).await,
        422,
        "NOT_ELIGIBLE",
    )
    .await;
    ok_json(signup(&app, &w.member_a, &members_only).await, 201).await;
    let closed = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"signup_deadline": now - Duration::minutes(1)}),
    )
    .await;
    refused(signup(&app, &w.resident_a, &closed).await, 409, "SIGNUP_CLOSED").await;
    let res = withdraw(&app, &w.resident_a, &closed).await;
    refused(res, 409, "SIGNUP_CLOSED").await;
    let res = withdraw(&app, &w.resident_a, &other).await;
    refused(res, 409, "NOT_SIGNED_UP").await;

    // Codes: expired, another activity's, the other direction's, forged.
    let config = &app.state.config;
    let a_id: i64 = a.parse().unwrap();
    let old = issue(config, a_id, Direction::In, Utc::now() - Duration::seconds(90)).code;
    refused(
        scan(&app, &w.resident_a, &a, "checkin", &old).await,
        422,
        "CHECKIN_CODE_EXPIRED",
    )
    .await;
    let foreign = code(&app, &w.staff_a, &other, "in").await;
    let out_code = code(&app, &w.staff_a, &a, "out").await;
    let in_code = code(&app, &w.staff_a, &a, "in").await;
    let last = if in_code.ends_with('A') { "B" } else { "A" };
    let forged = format!("{}{last}", &in_code[..in_code.len() - 1]);
    for bad in [foreign.as_str(), out_code.as_str(), forged.as_str(), "hello"] {
        let res = scan(&app, &w.resident_a, &a, "checkin", bad).await;
        refused(res, 422, "CHECKIN_CODE_INVALID").await;
    }
    // Not signed up; checkout before check-in; a replay; a double check-in.
    refused(
        scan(&app, &w.member_a, &a, "checkin", &in_code).await,
        409,
        "NOT_SIGNED_UP",
    )
    .await;
    refused(
        scan(&app, &w.resident_a, &a, "checkout", &out_code).await,
        409,
        "NOT_CHECKED_IN",
    )
    .await;
    ok_json(scan(&app, &w.resident_a, &a, "checkin", &in_code).await, 200).await;
    refused(
        scan(&app, &w.resident_a, &a, "checkin", &in_code).await,
        409,
        "CHECKIN_CODE_REPLAYED",
    )
    .await;
    // A fresh code (once the window turned) finds the person checked in already.
    let fresh = issue(config, a_id, Direction::In, Utc::now()).code;
    let expected = if fresh == in_code {
        "CHECKIN_CODE_REPLAYED"
    } else {
        "ALREADY_CHECKED_IN"
    };
    refused(
        scan(&app, &w.resident_a, &a, "checkin", &fresh).await,
        409,
        expected,
    )
    .await;
    // Withdrawing after check-in is refused.
    let res = withdraw(&app, &w.resident_a, &a).await;
    refused(res, 409, "ALREADY_CHECKED_IN").await;

    // Check-in opens an hour before the start.
    let later = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({
            "starts_at": now + Duration::hours(3), "ends_at": now + Duration::hours(5)
        }),
    )
    .await;
    ok_json(signup(&app, &w.resident_a, &later).await, 201).await;
    let c = code(&app, &w.staff_a, &later, "in").await;
    refused(
        scan(&app, &w.resident_a, &later, "checkin", &c).await,
        409,
        "CHECKIN_NOT_OPEN",
    )
    .await;

    // Edits and cancels only before the start; a cancelled activity refuses everything.
    let res = amend(&app, &w.staff_a, &a, json!({"title": "改"})).await;
    refused(res, 409, "ACTIVITY_STARTED").await;
    let res = app
        .post_as(
            &format!("/api/v1/activities/{a}/cancel"),
            &w.staff_a.token,
            json!({"reason": "下雨"}),
        )
        .await;
    refused(res, 409, "ACTIVITY_STARTED").await;
    let res = amend(&app, &w.staff_a, &later, json!({"capacity": 0})).await;
    refused(res, 400, "VALIDATION_FAILED").await;
    let cancelled = ok_json(cancel(&app, &w.staff_a, &later, "下雨").await, 200).await;
    assert_eq!(cancelled["status"], "cancelled");
    refused(signup(&app, &w.member_a, &later).await, 409, "ACTIVITY_CANCELLED").await;
    refused(
        scan(&app, &w.resident_a, &later, "checkin", &c).await,
        409,
        "ACTIVITY_CANCELLED",
    )
    .await;
    let res = app
        .get_as(
            &format!("/api/v1/activities/{later}/checkin-code?direction=in"),
            &w.staff_a.token,
        )
        .await;
    refused(res, 409, "ACTIVITY_CANCELLED").await;
    let res = app
        .post_as(
            &format!("/api/v1/activities/{later}/cancel"),
            &w.staff_a.token,
            json!({"reason": "再取消"}),
        )
        .await;
    refused(res, 409, "ACTIVITY_CANCELLED").await;

    // Publishing: the times must make sense, and only under a community or grid.
    let res = try_publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"ends_at": now - Duration::hours(3)}),
    )
    .await;
    refused(res, 422, "ACTIVITY_TIMES_INVALID").await;
    let res = try_publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"signup_deadline": now + Duration::hours(2)}),
    )
    .await;
    refused(res, 422, "ACTIVITY_TIMES_INVALID").await;
    let res = try_publish(&app, &w.admin, &w.street, json!({})).await;
    refused(res, 422, "ACTIVITY_REGION_INVALID").await;
    let res = try_publish(&app, &w.staff_a, &w.grid_a, json!({"eligibility": "team"})).await;
    refused(res, 422, "TEAM_INVALID").await;
    // Staff cannot record a check-in in the future.
    let res = by_hand(
        &app,
        &w.staff_a,
        &a,
        &w.resident_a.user_id,
        "checkout",
        Some(now + Duration::hours(1)),
    )
    .await;
    refused(res, 422, "ATTENDANCE_TIME_INVALID").await;
    let res = app
        .get_as(
            &format!("/api/v1/activities/{a}/checkin-code?direction=sideways"),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
    // `/activities/upcoming` is not read as an activity id under other methods.
    let res = app
        .call(
            "PATCH",
            "/api/v1/activities/upcoming",
            Some(&w.staff_a.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(res.headers()["allow"], "GET");
    refused(res, 405, "METHOD_NOT_ALLOWED").await;
}

#[tokio::test]
async fn staff_see_only_their_own_activities_and_members_cannot_check_others_in() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({})).await;
    ok_json(signup(&app, &w.resident_a, &a).await, 201).await;

    // Staff of community B, and a resident of B, are told it does not exist.
    for (method, path) in [
        ("GET", format!("/api/v1/activities/{a}")),
        ("PATCH", format!("/api/v1/activities/{a}")),
        ("POST", format!("/api/v1/activities/{a}/cancel")),
        ("GET", format!("/api/v1/activities/{a}/checkin-code?direction=in")),
        ("GET", format!("/api/v1/activities/{a}/attendance")),
        ("POST", format!("/api/v1/activities/{a}/signup")),
        (
            "POST",
            format!(
                "/api/v1/activities/{a}/attendance/{}/checkin",
                w.resident_a.user_id
            ),
        ),
    ] {
        for who in [&w.staff_b, &w.resident_b] {
            let body = match method {
                "GET" => None,
                "POST" if path.ends_with("/cancel") => Some(json!({"reason": "x"})),
                _ => Some(json!({})),
            };
            let res = app.call(method, &path, Some(&who.token), body).await;
            refused(res, 404, "NOT_FOUND").await;
        }
    }
    let res = try_publish(&app, &w.staff_b, &w.comm_a, json!({})).await;
    refused(res, 404, "NOT_FOUND").await;
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/activities", w.comm_a),
            &w.staff_b.token,
        )
        .await;
    refused(res, 404, "NOT_FOUND").await;

    // A member of A sees it but cannot run it: no codes, no roster, nobody checked in by them.
    ok_json(signup(&app, &w.member_a, &a).await, 201).await;
    let res = by_hand(&app, &w.member_a, &a, &w.resident_a.user_id, "checkin", None).await;
    refused(res, 403, "FORBIDDEN").await;
    let res = app
        .get_as(
            &format!("/api/v1/activities/{a}/checkin-code?direction=in"),
            &w.member_a.token,
        )
        .await;
    refused(res, 403, "FORBIDDEN").await;
    let res = app
        .get_as(&format!("/api/v1/activities/{a}/attendance"), &w.member_a.token)
        .await;
    refused(res, 403, "FORBIDDEN").await;
    let res = try_publish(&app, &w.member_a, &w.grid_a, json!({})).await;
    refused(res, 403, "FORBIDDEN").await;

    // A unit admin publishes for their unit and runs that activity (not others).
    let unit = crate::reports::unit(&app, &w, "市供电公司").await;
    let res = try_publish(&app, &w.staff_b, &w.comm_b, json!({"unit_id": unit})).await;
    refused(res, 422, "UNIT_NOT_IN_COMMUNITY").await;
    let boss = app.login("13877771111", "单位书记").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            json!({"user_id": boss.user_id, "role": "unit_admin", "unit_id": unit}),
        )
        .await;
    ok_json(res, 201).await;
    let res = try_publish(&app, &boss, &w.comm_a, json!({})).await;
    refused(res, 403, "FORBIDDEN").await;
    let mine = publish(
        &app,
        &boss,
        &w.comm_a,
        json!({"unit_id": unit, "kind": "party_day"}),
    )
    .await;
    let got = ok_json(
        app.get_as(&format!("/api/v1/activities/{mine}"), &boss.token)
            .await,
        200,
    )
    .await;
    assert_eq!(got["unit_id"], unit.as_str());
    code(&app, &boss, &mine, "in").await;
    code(&app, &w.staff_a, &mine, "in").await;
    let res = app
        .get_as(
            &format!("/api/v1/activities/{a}/checkin-code?direction=in"),
            &boss.token,
        )
        .await;
    refused(res, 403, "FORBIDDEN").await;
}

/// Residents of grid A, made by the admin in bulk.
async fn residents(app: &TestApp, w: &World, n: usize) -> Vec<Session> {
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let logins = join_all(chunk.iter().map(|i| async move {
            let phone = format!("1370000{i:04}");
            app.login(&phone, "居民").await
        }))
        .await;
        join_all(
            logins
                .iter()
                .map(|s| world::grant(app, &w.staff_a.token, &w.grid_a, &s.user_id, "resident")),
        )
        .await;
        out.extend(logins);
    }
    out
}

#[tokio::test]
async fn a_crowd_fills_exactly_the_places_and_waits_in_arrival_order() {
    const CROWD: usize = 500;
    const PLACES: usize = 30;
    let app = spawn_app_with(&[("DB_ACQUIRE_TIMEOUT_MS", "60000")], |_| {}).await;
    let w = world::build(&app).await;
    let people = residents(&app, &w, CROWD).await;
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({"capacity": PLACES})).await;

    let answers = join_all(people.iter().map(|p| signup(&app, p, &a))).await;
    let mut positions = Vec::new();
    for res in answers {
        let v = ok_json(res, 201).await;
        if v["status"] == "waitlisted" {
            positions.push(v["position"].as_i64().unwrap());
        } else {
            assert_eq!(v["status"], "confirmed");
        }
    }
    positions.sort_unstable();
    assert_eq!(positions, (1..=(CROWD - PLACES) as i64).collect::<Vec<_>>());

    let list = roster(&app, &w.staff_a, &a).await;
    assert_eq!(list.len(), CROWD);
    let confirmed = list.iter().filter(|s| s["status"] == "confirmed").count();
    assert_eq!(confirmed, PLACES);
    // In arrival (id) order, the waitlist counts 1, 2, 3 …
    let waiting: Vec<i64> = list
        .iter()
        .filter(|s| s["status"] == "waitlisted")
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    assert_eq!(waiting, (1..=(CROWD - PLACES) as i64).collect::<Vec<_>>());
    let detail = ok_json(
        app.get_as(&format!("/api/v1/activities/{a}"), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(detail["confirmed"], PLACES as i64);
    assert_eq!(detail["waitlisted"], (CROWD - PLACES) as i64);
}

async fn wechat_rows(app: &TestApp, a: &str, user: &str) -> u64 {
    outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("wechat"))
        .filter(outbox::Column::ActivityId.eq(a.parse::<i64>().unwrap()))
        .filter(outbox::Column::RecipientId.eq(user.parse::<i64>().unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_place_given_back_goes_to_the_first_waiting_who_is_told() {
    let app = spawn_app_with(&[("WECHAT_TPL_ACTIVITY", "tpl-activity")], |_| {}).await;
    let w = world::build(&app).await;
    let now = Utc::now();
    let a = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({
            "capacity": 1, "starts_at": now + Duration::hours(2), "ends_at": now + Duration::hours(4),
            "signup_deadline": now + Duration::hours(1),
        }),
    )
    .await;
    let third = residents(&app, &w, 1).await.remove(0);
    assert_eq!(
        ok_json(signup(&app, &w.resident_a, &a).await, 201).await["status"],
        "confirmed"
    );
    let second = ok_json(signup(&app, &w.member_a, &a).await, 201).await;
    assert_eq!(
        (second["status"].as_str(), second["position"].as_i64()),
        (Some("waitlisted"), Some(1))
    );
    assert_eq!(ok_json(signup(&app, &third, &a).await, 201).await["position"], 2);
    // Waitlisted people cannot check in.
    let c = code(&app, &w.staff_a, &a, "in").await;
    refused(
        scan(&app, &w.member_a, &a, "checkin", &c).await,
        409,
        "NOT_SIGNED_UP",
    )
    .await;

    let res = withdraw(&app, &w.resident_a, &a).await;
    assert_eq!(ok_json(res, 200).await["status"], "withdrawn");
    let me = ok_json(
        app.get_as(&format!("/api/v1/activities/{a}"), &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(me["mine"]["status"], "confirmed");
    let them = ok_json(
        app.get_as(&format!("/api/v1/activities/{a}"), &third.token).await,
        200,
    )
    .await;
    assert_eq!(them["mine"]["position"], 1);
    assert_eq!(
        wechat_rows(&app, &a, &w.member_a.user_id).await,
        1,
        "the promoted member is told"
    );
    assert_eq!(wechat_rows(&app, &a, &third.user_id).await, 0);

    // A larger capacity moves the waitlist up too; a smaller one than the confirmed is refused.
    let res = amend(&app, &w.staff_a, &a, json!({"capacity": 2})).await;
    assert_eq!(ok_json(res, 200).await["confirmed"], 2);
    assert_eq!(wechat_rows(&app, &a, &third.user_id).await, 1);
    let res = amend(&app, &w.staff_a, &a, json!({"capacity": 1})).await;
    refused(res, 409, "CAPACITY_BELOW_CONFIRMED").await;

    // Cancelling tells everyone signed up.
    ok_json(cancel(&app, &w.staff_a, &a, "下雨").await, 200).await;
    assert_eq!(wechat_rows(&app, &a, &w.member_a.user_id).await, 2);
    assert_eq!(wechat_rows(&app, &a, &third.user_id).await, 2);
    assert_eq!(
        wechat_rows(&app, &a, &w.resident_a.user_id).await,
        0,
        "withdrew before"
    );
}

#[tokio::test]
async fn check_out_racing_the_clock_credits_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let people = residents(&app, &w, 12).await;
    let a = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"capacity": 20, "max_minutes": 240}),
    )
    .await;
    let detail = ok_json(
        app.get_as(&format!("/api/v1/activities/{a}"), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    let ends_at: DateTime<Utc> = detail["ends_at"].as_str().unwrap().parse().unwrap();
    // 100 minutes ago, and exactly 160 minutes before the end.
    let checked_in = ends_at - Duration::minutes(160);
    for p in &people {
        ok_json(signup(&app, p, &a).await, 201).await;
        ok_json(
            by_hand(&app, &w.staff_a, &a, &p.user_id, "checkin", Some(checked_in)).await,
            200,
        )
        .await;
    }
    // Everyone but the last checks out while the clock, moved past the end, closes them all.
    let out_code = code(&app, &w.staff_a, &a, "out").await;
    let racers = &people[..people.len() - 1];
    let clock = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(2));
    let (answers, tick) = tokio::join!(
        join_all(racers.iter().map(|p| scan(&app, p, &a, "checkout", &out_code))),
        clock
    );
    let tick = tick.unwrap();
    let mut by_code = 0;
    for res in answers {
        match res.status().as_u16() {
            200 => by_code += 1,
            409 => assert_eq!(problem(res).await["code"], "ALREADY_CHECKED_OUT"),
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!(
        by_code + tick.closed_attendances,
        people.len(),
        "each closed exactly once"
    );
    for p in &people {
        assert_eq!(
            credits(&app, &a, &p.user_id).await,
            2,
            "one time and one coin transfer"
        );
        let (minutes, coins) = balances(&app, &p.token).await;
        // By code about 100 minutes; by the clock, at the end, 160.
        assert!((99..=101).contains(&minutes) || minutes == 160, "{minutes}");
        assert_eq!(coins, 5);
    }
    // The one who never checked out was closed by the clock at the end, and listed as such.
    let list = roster(&app, &w.staff_a, &a).await;
    let last = list
        .iter()
        .find(|s| s["user_id"] == people.last().unwrap().user_id.as_str())
        .unwrap();
    assert_eq!(last["closed_by_clock"], true);
    assert_eq!(last["minutes"], 160, "ends_at − check-in: {last}");
    assert_eq!(
        linli::jobs::tick(&app.state, Utc::now() + Duration::hours(3))
            .await
            .unwrap()
            .closed_attendances,
        0
    );
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn teams_form_join_leave_and_limit_activities() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/teams", w.comm_a),
            &w.staff_a.token,
            json!({"name": "和平助老服务队", "leader_id": w.member_a.user_id}),
        )
        .await;
    let team = ok_json(res, 201).await;
    let t = team["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (team["members"].as_i64(), team["leader_name"].as_str()),
        (Some(1), Some("和平党员"))
    );
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/teams", w.comm_a),
            &w.staff_a.token,
            json!({"name": "和平助老服务队", "leader_id": w.member_a.user_id}),
        )
        .await;
    refused(res, 409, "TEAM_NAME_TAKEN").await;
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/teams", w.comm_a),
            &w.staff_b.token,
            json!({"name": "x", "leader_id": w.staff_b.user_id}),
        )
        .await;
    refused(res, 404, "NOT_FOUND").await;
    refused(
        app.get_as(&format!("/api/v1/teams/{t}"), &w.resident_b.token)
            .await,
        404,
        "NOT_FOUND",
    )
    .await;

    let a = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"eligibility": "team", "team_id": t}),
    )
    .await;
    refused(signup(&app, &w.resident_a, &a).await, 422, "NOT_ELIGIBLE").await;
    let joined = ok_json(
        app.call(
            "POST",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.resident_a.token),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        (joined["members"].as_i64(), joined["joined"].as_bool()),
        (Some(2), Some(true))
    );
    refused(
        app.call(
            "POST",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.resident_a.token),
            None,
        )
        .await,
        409,
        "ALREADY_IN_TEAM",
    )
    .await;
    ok_json(signup(&app, &w.resident_a, &a).await, 201).await;
    ok_json(signup(&app, &w.member_a, &a).await, 201).await;

    // Minutes credited in the team's activities count towards its total.
    let at = Utc::now() - Duration::minutes(45);
    ok_json(
        by_hand(&app, &w.staff_a, &a, &w.resident_a.user_id, "checkin", Some(at)).await,
        200,
    )
    .await;
    ok_json(
        by_hand(&app, &w.staff_a, &a, &w.resident_a.user_id, "checkout", None).await,
        200,
    )
    .await;
    let got = ok_json(
        app.get_as(&format!("/api/v1/teams/{t}"), &w.staff_a.token).await,
        200,
    )
    .await;
    assert_eq!(got["credited_minutes"], 45);

    let left = ok_json(
        app.call(
            "DELETE",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.resident_a.token),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(left["members"], 1);
    refused(
        app.call(
            "DELETE",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.resident_a.token),
            None,
        )
        .await,
        409,
        "NOT_IN_TEAM",
    )
    .await;
    refused(
        app.call(
            "DELETE",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.member_a.token),
            None,
        )
        .await,
        409,
        "CONFLICT",
    )
    .await;
    refused(
        app.call(
            "POST",
            &format!("/api/v1/teams/{t}/members"),
            Some(&w.staff_b.token),
            None,
        )
        .await,
        404,
        "NOT_FOUND",
    )
    .await;
}

/// Staff checking in by hand someone who did not sign up lets them join on the spot, within the
/// activity's rules and places; the roster marks them.
#[tokio::test]
async fn people_who_come_without_signing_up_join_at_check_in_within_rules_and_places() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({"capacity": 2})).await;
    ok_json(signup(&app, &w.resident_a, &a).await, 201).await;

    // Someone living in community B may not join; nobody is not somebody.
    let res = by_hand(&app, &w.staff_a, &a, &w.resident_b.user_id, "checkin", None).await;
    refused(res, 422, "NOT_ELIGIBLE").await;
    let res = by_hand(&app, &w.staff_a, &a, "999999", "checkin", None).await;
    refused(res, 404, "USER_NOT_FOUND").await;

    // The member lives in grid A: joins on the spot, checked in by the staff member.
    let at = Some(Utc::now() - Duration::minutes(40));
    let member = &w.member_a.user_id;
    let joined = ok_json(by_hand(&app, &w.staff_a, &a, member, "checkin", at).await, 200).await;
    assert_eq!(joined["status"], "confirmed");
    assert_eq!(joined["walk_in"], true);
    assert_eq!(joined["checkin_by"], w.staff_a.user_id.as_str());
    // Both places are taken now: a third resident of grid A cannot join, waiting or not.
    let third = residents(&app, &w, 1).await.remove(0);
    let res = by_hand(&app, &w.staff_a, &a, &third.user_id, "checkin", None).await;
    refused(res, 409, "ACTIVITY_FULL").await;
    assert_eq!(
        ok_json(signup(&app, &third, &a).await, 201).await["status"],
        "waitlisted"
    );
    let res = by_hand(&app, &w.staff_a, &a, &third.user_id, "checkin", None).await;
    refused(res, 409, "ACTIVITY_FULL").await;

    let out = ok_json(by_hand(&app, &w.staff_a, &a, member, "checkout", None).await, 200).await;
    assert_eq!(out["minutes"], 40);
    let walk_ins: Vec<(String, bool)> = roster(&app, &w.staff_a, &a)
        .await
        .iter()
        .map(|r| {
            (
                r["user_id"].as_str().unwrap().to_owned(),
                r["walk_in"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(walk_ins.contains(&(member.clone(), true)), "{walk_ins:?}");
    assert!(
        walk_ins.contains(&(w.resident_a.user_id.clone(), false)),
        "{walk_ins:?}"
    );
    // A member of the public cannot be added by another member.
    let res = by_hand(&app, &w.member_a, &a, &third.user_id, "checkin", None).await;
    assert_eq!(res.status(), 403);
    assert_reconciled(&app, &w).await;
}

/// Five people added at once for the last place: one joins, four are told it is full.
#[tokio::test]
async fn walk_ins_racing_for_the_last_place_leave_one_in() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = publish(&app, &w.staff_a, &w.grid_a, json!({"capacity": 1})).await;
    let people = residents(&app, &w, 5).await;
    let tries = people
        .iter()
        .map(|p| by_hand(&app, &w.staff_a, &a, &p.user_id, "checkin", None));
    let statuses: Vec<u16> = join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 4, "{statuses:?}");
    let confirmed = roster(&app, &w.staff_a, &a)
        .await
        .iter()
        .filter(|r| r["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 1);
}
