//! The outbox relay and the dispatch console's event stream.

use crate::helpers::{Session, TestApp, ok_json, spawn_app, spawn_app_with, spawn_peer, test_redis_url};
use crate::orders::{act, place};
use crate::world::{self, World};
use chrono::Utc;
use entity::{outbox, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TPL: &str = "tpl-assigned";

/// Answers like WeChat after a pause, telling the test each time a message arrives.
struct Slow(tokio::sync::mpsc::UnboundedSender<()>, serde_json::Value);

impl Respond for Slow {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let _ = self.0.send(());
        ResponseTemplate::new(200)
            .set_body_json(self.1.clone())
            .set_delay(Duration::from_millis(300))
    }
}

async fn wechat_app(server: &MockServer) -> TestApp {
    Mock::given(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT", "expires_in": 7200})),
        )
        .mount(server)
        .await;
    let base = server.uri();
    spawn_app_with(
        &[
            ("WECHAT_APPID", "wx-app"),
            ("WECHAT_SECRET", "wx-secret"),
            ("WECHAT_API_BASE", &base),
            ("WECHAT_TPL_ASSIGNED", TPL),
            ("NOTIFY_RELAY", "false"),
        ],
        |_| {},
    )
    .await
}

async fn give_openid(app: &TestApp, who: &Session, openid: &str) {
    let id: i64 = who.user_id.parse().unwrap();
    let mut u: user::ActiveModel = user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    u.openid = Set(Some(openid.into()));
    u.update(&app.state.db).await.unwrap();
}

async fn subscribe(app: &TestApp, who: &Session, count: i32) {
    let res = app
        .post_as(
            "/api/v1/me/subscriptions",
            &who.token,
            json!({"template_id": TPL, "count": count}),
        )
        .await;
    assert_eq!(res.status(), 204);
}

async fn assign_orders(app: &TestApp, w: &World, n: usize) {
    for _ in 0..n {
        let o = place(app, &w.resident_a, &w.grid_a, None).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = act(
            app,
            &w.staff_a,
            &o,
            "dispatch",
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
        )
        .await;
        ok_json(res, 200).await;
    }
}

async fn wechat_rows(app: &TestApp, status: &str) -> u64 {
    outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("wechat"))
        .filter(outbox::Column::Status.eq(status))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_relay_killed_mid_batch_and_restarted_sends_each_message_once() {
    let server = MockServer::start().await;
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/subscribe/send"))
        .and(body_partial_json(
            json!({"touser": "o-member", "template_id": TPL}),
        ))
        .respond_with(Slow(seen_tx, json!({"errcode": 0, "errmsg": "ok"})))
        .expect(5)
        .mount(&server)
        .await;
    let app = wechat_app(&server).await;
    let w = world::build(&app).await;
    give_openid(&app, &w.member_a, "o-member").await;
    subscribe(&app, &w.member_a, 10).await;
    assign_orders(&app, &w, 5).await;
    assert_eq!(wechat_rows(&app, "pending").await, 5);

    let state = app.state.clone();
    let relay = tokio::spawn(async move { linli::notify::relay::drain(&state, Utc::now()).await });
    for _ in 0..3 {
        seen.recv().await.expect("a message reaches WeChat");
    }
    // The third message is at WeChat, its answer not yet back: the relay dies here.
    relay.abort();
    let _ = relay.await;
    let resumed = linli::notify::relay::drain(&app.state, Utc::now()).await.unwrap();
    assert!(resumed >= 2, "the restarted relay picks up the rest ({resumed})");
    assert_eq!(wechat_rows(&app, "sent").await, 4);
    assert_eq!(
        wechat_rows(&app, "sending").await,
        1,
        "the one cut off is never sent again"
    );
    assert_eq!(wechat_rows(&app, "pending").await, 0);
    // `expect(5)`: WeChat received each of the five messages exactly once (checked on drop).
}

#[tokio::test]
async fn no_credit_no_message_and_43101_is_recorded_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/cgi-bin/message/subscribe/send"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 43101, "errmsg": "user refuse to accept the msg"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let app = wechat_app(&server).await;
    let w = world::build(&app).await;
    give_openid(&app, &w.member_a, "o-member").await;
    assign_orders(&app, &w, 1).await;
    linli::notify::relay::drain(&app.state, Utc::now()).await.unwrap();
    assert_eq!(
        wechat_rows(&app, "skipped").await,
        1,
        "no subscription credit: not sent"
    );

    subscribe(&app, &w.member_a, 2).await;
    assign_orders(&app, &w, 1).await;
    linli::notify::relay::drain(&app.state, Utc::now()).await.unwrap();
    let refused = outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("wechat"))
        .filter(outbox::Column::LastError.contains("43101"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("43101 recorded");
    assert_eq!((refused.status.as_str(), refused.attempts), ("skipped", 1));
    // The stale credit is gone: the next message is not even tried (`expect(1)` above).
    assign_orders(&app, &w, 1).await;
    linli::notify::relay::drain(&app.state, Utc::now()).await.unwrap();
    assert_eq!(wechat_rows(&app, "skipped").await, 3);
}

/// Reads server-sent events until one mentions `needle`.
async fn wait_for(res: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("no event with {needle}; got {seen:?} then {other:?}"),
        }
    }
    seen
}

async fn console(app: &TestApp, who: &Session, region: &str) -> reqwest::Response {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/regions/{region}/events")))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    res
}

#[tokio::test]
async fn consoles_hear_of_orders_in_their_region_and_above() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let mut community = console(&app, &w.staff_a, &w.comm_a).await;
    let mut street = console(&app, &w.admin, &w.street).await;
    wait_for(&mut community, ": connected").await;
    wait_for(&mut street, ": connected").await;
    let order = place(&app, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let needle = format!("\"order_id\":\"{order}\"");
    let got = wait_for(&mut community, &needle).await;
    assert!(
        got.contains("event: order") && got.contains("\"action\":\"submit\""),
        "{got}"
    );
    wait_for(&mut street, &needle).await;
    assert_eq!(
        app.get_as(&format!("/api/v1/regions/{}/events", w.comm_b), &w.staff_a.token)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get_as(
            &format!("/api/v1/regions/{}/events", w.comm_a),
            &w.resident_a.token
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn consoles_on_two_instances_hear_the_same_event() {
    if test_redis_url().is_none() {
        eprintln!("skipped: two instances share events through Redis (runs in the PostgreSQL + Redis suite)");
        return;
    }
    let first = spawn_app().await;
    let second = spawn_peer(&first, &[("NOTIFY_RELAY", "false")]).await;
    let w = world::build(&first).await;
    let mut on_first = console(&first, &w.staff_a, &w.comm_a).await;
    let mut on_second = console(&second, &w.staff_a, &w.comm_a).await;
    wait_for(&mut on_first, ": connected").await;
    wait_for(&mut on_second, ": connected").await;
    // Placed through the second instance; the first instance's relay delivers it to both.
    let order = place(&second, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let needle = format!("\"order_id\":\"{order}\"");
    wait_for(&mut on_first, &needle).await;
    wait_for(&mut on_second, &needle).await;
}

async fn recipients(app: &TestApp, order: &str) -> Vec<(i64, String)> {
    let mut rows: Vec<(i64, String)> = outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("wechat"))
        .filter(outbox::Column::OrderId.eq(order.parse::<i64>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.recipient_id.unwrap(), r.template_id.unwrap()))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn whoever_must_act_or_loses_the_order_is_told() {
    let app = spawn_app_with(
        &[
            ("WECHAT_TPL_ASSIGNED", "tpl-a"),
            ("WECHAT_TPL_PROGRESS", "tpl-p"),
            ("NOTIFY_RELAY", "false"),
        ],
        |_| {},
    )
    .await;
    let w = world::build(&app).await;
    let id = |s: &Session| s.user_id.parse::<i64>().unwrap();
    let o = place(&app, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok_json(
        act(
            &app,
            &w.staff_a,
            &o,
            "dispatch",
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
        )
        .await,
        200,
    )
    .await;
    ok_json(act(&app, &w.member_a, &o, "accept", json!({})).await, 200).await;
    ok_json(act(&app, &w.resident_a, &o, "cancel", json!({})).await, 200).await;
    let mut want = vec![
        (id(&w.member_a), "tpl-a".to_owned()),
        (id(&w.resident_a), "tpl-p".to_owned()),
        (id(&w.member_a), "tpl-p".to_owned()),
    ];
    want.sort();
    assert_eq!(
        recipients(&app, &o).await,
        want,
        "assigned → member; accepted → resident; cancelled → member"
    );

    // A unit's order: its admins hear of it, then the member they name.
    let unit = crate::reports::unit(&app, &w, "市供电公司").await;
    let r = ok_json(
        crate::reports::report(&app, &w.member_a.token, &w.comm_a, Some(&unit)).await,
        201,
    )
    .await;
    let path = format!("/api/v1/reports/{}/approve", r["id"].as_str().unwrap());
    ok_json(app.call("POST", &path, Some(&w.staff_a.token), None).await, 200).await;
    let boss = app.login("13877772222", "单位书记").await;
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
    let o = place(&app, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok_json(
        act(
            &app,
            &w.staff_a,
            &o,
            "dispatch",
            json!({"mode": "unit", "unit_id": unit}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(recipients(&app, &o).await, [(id(&boss), "tpl-a".to_owned())]);
    ok_json(
        act(
            &app,
            &boss,
            &o,
            "accept",
            json!({"member_id": w.member_a.user_id}),
        )
        .await,
        200,
    )
    .await;
    let mut want = vec![
        (id(&boss), "tpl-a".to_owned()),
        (id(&w.member_a), "tpl-a".to_owned()),
        (id(&w.resident_a), "tpl-p".to_owned()),
    ];
    want.sort();
    assert_eq!(recipients(&app, &o).await, want);
}

/// Reads a stream until the server ends it; everything it sent.
async fn read_to_end(res: &mut reqwest::Response) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Ok(None)) => return seen,
            other => panic!("the stream did not end; got {seen:?} then {other:?}"),
        }
    }
}

async fn events_status(app: &TestApp, who: &Session, region: &str) -> u16 {
    app.get_as(&format!("/api/v1/regions/{region}/events"), &who.token)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_console_stream_ends_when_the_role_is_revoked_or_the_token_logged_out() {
    let app = spawn_app_with(&[("EVENTS_CHECK_SECS", "1")], |_| {}).await;
    let w = world::build(&app).await;
    let mut revoked = console(&app, &w.staff_a, &w.comm_a).await;
    let mut logged_out = console(&app, &w.staff_b, &w.comm_b).await;
    wait_for(&mut revoked, ": connected").await;
    wait_for(&mut logged_out, ": connected").await;

    let grants = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/roles", w.comm_a), &w.admin.token)
            .await,
        200,
    )
    .await;
    let grant = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "staff" && g["user"]["id"] == w.staff_a.user_id)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/regions/{}/roles/{grant}", w.comm_a);
    let res = app.call("DELETE", &path, Some(&w.admin.token), None).await;
    assert_eq!(res.status(), 204);
    let res = app
        .post_as("/api/v1/auth/logout", &w.staff_b.token, json!({}))
        .await;
    assert_eq!(res.status(), 204);

    let end = read_to_end(&mut revoked).await;
    assert!(
        end.contains("event: end\ndata: {\"reason\":\"forbidden\"}"),
        "{end}"
    );
    let end = read_to_end(&mut logged_out).await;
    assert!(
        end.contains("event: end\ndata: {\"reason\":\"logged_out\"}"),
        "{end}"
    );
}

#[tokio::test]
async fn a_console_stream_ends_when_its_access_token_expires() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    // Checks are far apart: expiry alone must end the stream.
    let app = spawn_app_with(&[("EVENTS_CHECK_SECS", "120")], |_| {}).await;
    let w = world::build(&app).await;
    let now = Utc::now().timestamp();
    let claims = json!({"iss": "linli", "aud": "linli-api", "sub": w.staff_a.user_id, "exp": now + 2,
                        "iat": now, "nbf": now, "jti": "short-lived", "typ": "access"});
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(crate::helpers::TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let short = Session {
        token,
        ..w.staff_a.clone()
    };
    let mut stream = console(&app, &short, &w.comm_a).await;
    let end = read_to_end(&mut stream).await;
    assert!(
        end.starts_with(": connected") && end.contains("{\"reason\":\"token_expired\"}"),
        "{end}"
    );
}

#[tokio::test]
async fn streams_per_user_are_capped_and_given_back() {
    let app = spawn_app_with(
        &[("EVENTS_MAX_STREAMS_PER_USER", "2"), ("EVENTS_CHECK_SECS", "1")],
        |_| {},
    )
    .await;
    let w = world::build(&app).await;
    let mut one = console(&app, &w.staff_a, &w.comm_a).await;
    let mut two = console(&app, &w.staff_a, &w.grid_a).await;
    wait_for(&mut one, ": connected").await;
    wait_for(&mut two, ": connected").await;
    let res = app
        .get_as(&format!("/api/v1/regions/{}/events", w.comm_a), &w.staff_a.token)
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(crate::helpers::problem(res).await["code"], "TOO_MANY_STREAMS");
    let mut other = console(&app, &w.staff_b, &w.comm_b).await;
    wait_for(&mut other, ": connected").await;

    // A closed stream gives its place back once the server notices (at its next keep-alive).
    drop(one);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while events_status(&app, &w.staff_a, &w.comm_a).await == 429 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream's place never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_stream_cap_holds_across_instances() {
    if test_redis_url().is_none() {
        eprintln!("skipped: instances share the cap through Redis (runs in the PostgreSQL + Redis suite)");
        return;
    }
    let cap = [("EVENTS_MAX_STREAMS_PER_USER", "1"), ("NOTIFY_RELAY", "false")];
    let first = spawn_app_with(&cap[..1], |_| {}).await;
    let second = spawn_peer(&first, &cap).await;
    let w = world::build(&first).await;
    let mut open = console(&first, &w.staff_a, &w.comm_a).await;
    wait_for(&mut open, ": connected").await;
    assert_eq!(events_status(&second, &w.staff_a, &w.comm_a).await, 429);
}
