//! WeChat login and phone binding against a local fake WeChat server.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app, spawn_app_with};
use sea_orm::EntityTrait;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn app_with_wechat(server: &MockServer) -> TestApp {
    let base = server.uri();
    spawn_app_with(
        &[
            ("WECHAT_APPID", "wx-test-app"),
            ("WECHAT_SECRET", "wx-test-secret"),
            ("WECHAT_API_BASE", &base),
        ],
        |_| {},
    )
    .await
}

async fn wechat_login(app: &TestApp, code: &str) -> reqwest::Response {
    app.call(
        "POST",
        "/api/v1/auth/wechat/login",
        None,
        Some(json!({"code": code})),
    )
    .await
}

#[tokio::test]
async fn login_finds_or_creates_the_user_by_openid_and_never_returns_the_session_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", "wx-test-app"))
        .and(query_param("secret", "wx-test-secret"))
        .and(query_param("grant_type", "authorization_code"))
        .and(query_param("js_code", "good-code"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"openid": "o-123", "session_key": "SESSION-KEY-SECRET", "unionid": "u-9"}),
            ),
        )
        .expect(2)
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    let first = wechat_login(&app, "good-code").await;
    let text = first.text().await.unwrap();
    assert!(!text.contains("SESSION-KEY-SECRET"), "session_key leaked: {text}");
    let first = Session::from_tokens(&serde_json::from_str(&text).unwrap());
    let second = Session::from_tokens(&ok_json(wechat_login(&app, "good-code").await, 200).await);
    assert_eq!(first.user_id, second.user_id, "one openid, one user");
    let me = ok_json(app.get_as("/api/v1/me", &first.token).await, 200).await;
    assert!(me["phone"].is_null());
}

#[tokio::test]
async fn wechat_error_codes_become_clear_answers() {
    let server = MockServer::start().await;
    let cases = [
        ("invalid", 40029, 400, "WECHAT_CODE_INVALID"),
        ("used", 40163, 400, "WECHAT_CODE_USED"),
        ("limited", 45011, 429, "WECHAT_RATE_LIMITED"),
        ("busy", -1, 503, "WECHAT_UNAVAILABLE"),
    ];
    for (code, errcode, _, _) in cases {
        Mock::given(path("/sns/jscode2session"))
            .and(query_param("js_code", code))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"errcode": errcode, "errmsg": "x"})),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/sns/jscode2session"))
        .and(query_param("js_code", "http-500"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    for (code, _, status, expected) in cases
        .into_iter()
        .chain([("http-500", 0, 503, "WECHAT_UNAVAILABLE")])
    {
        let res = wechat_login(&app, code).await;
        assert_eq!(res.status().as_u16(), status, "{code}");
        assert_eq!(problem(res).await["code"], expected, "{code}");
    }
}

#[tokio::test]
async fn without_wechat_credentials_login_says_so() {
    let app = spawn_app().await;
    let res = wechat_login(&app, "any").await;
    assert_eq!(res.status(), 503);
    assert_eq!(problem(res).await["code"], "WECHAT_NOT_CONFIGURED");
}

async fn mount_login(server: &MockServer) {
    Mock::given(path("/sns/jscode2session"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"openid": "o-phone", "session_key": "k"})),
        )
        .mount(server)
        .await;
}

fn phone_reply(phone: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "errcode": 0, "errmsg": "ok",
        "phone_info": {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}
    }))
}

async fn bind(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    app.call(
        "POST",
        "/api/v1/auth/wechat/phone",
        Some(token),
        Some(json!({"code": code})),
    )
    .await
}

#[tokio::test]
async fn phone_binding_fetches_the_token_once_for_a_crowd() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .and(body_partial_json(
            json!({"grant_type": "client_credential", "appid": "wx-test-app", "force_refresh": false}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "AT-1", "expires_in": 7200}))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", "AT-1"))
        .respond_with(phone_reply("13812345678"))
        .expect(20)
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    let s = Session::from_tokens(&ok_json(wechat_login(&app, "c").await, 200).await);

    let calls = (0..20).map(|i| {
        let (app, token) = (&app, s.token.clone());
        async move {
            bind(app, &token, &format!("phone-code-{i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    let me = ok_json(app.get_as("/api/v1/me", &s.token).await, 200).await;
    assert_eq!(me["phone"], "13812345678");
    assert_eq!(me["phone_masked"], "138****5678");
    let ttl = app
        .state
        .kv
        .ttl("wechat:access_token")
        .await
        .unwrap()
        .expect("cached with a ttl");
    assert!(
        ttl <= Duration::from_secs(7200 - 300) && ttl > Duration::from_secs(6800),
        "{ttl:?}"
    );
    // `expect(1)` on the token endpoint is checked when the fake server drops.
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_by_force() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/cgi-bin/stable_token"))
        .and(body_partial_json(json!({"force_refresh": true})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT-NEW", "expires_in": 7200})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", "AT-OLD"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 40001, "errmsg": "invalid credential"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", "AT-NEW"))
        .respond_with(phone_reply("13812345678"))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    app.state
        .kv
        .set("wechat:access_token", "AT-OLD", Some(Duration::from_secs(600)))
        .await
        .unwrap();
    let s = Session::from_tokens(&ok_json(wechat_login(&app, "c").await, 200).await);
    let user = ok_json(bind(&app, &s.token, "code").await, 200).await;
    assert_eq!(user["user"]["phone_masked"], "138****5678");
    assert_eq!(
        app.state.kv.get("wechat:access_token").await.unwrap().as_deref(),
        Some("AT-NEW")
    );
}

#[tokio::test]
async fn phone_errors_and_a_phone_bound_elsewhere() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT", "expires_in": 7200})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/wxa/business/getuserphonenumber"))
        .and(body_partial_json(json!({"code": "bad"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"errcode": 40029, "errmsg": "invalid code"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/wxa/business/getuserphonenumber"))
        .and(body_partial_json(json!({"code": "taken"})))
        .respond_with(phone_reply("13800000099"))
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    // The phone belongs to another WeChat user already: no merging two WeChat identities.
    let other = app.login("13800000099", "已有账号").await;
    let id: i64 = other.user_id.parse().unwrap();
    let mut row: entity::user::ActiveModel = entity::user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.openid = sea_orm::Set(Some("o-someone-else".into()));
    sea_orm::ActiveModelTrait::update(row, &app.state.db)
        .await
        .unwrap();
    let s = Session::from_tokens(&ok_json(wechat_login(&app, "c").await, 200).await);
    assert_eq!(
        problem(bind(&app, &s.token, "bad").await).await["code"],
        "WECHAT_CODE_INVALID"
    );
    let res = bind(&app, &s.token, "taken").await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "CONFLICT");
    assert_eq!(bind(&app, "no-token", "bad").await.status(), 401);
}

#[tokio::test]
async fn staff_entered_by_phone_who_log_in_by_wechat_keep_their_account() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "AT", "expires_in": 7200})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/wxa/business/getuserphonenumber"))
        .respond_with(phone_reply("13800000001"))
        .mount(&server)
        .await;
    let app = app_with_wechat(&server).await;
    let w = crate::world::build(&app).await;
    // The community worker was entered by phone (dev login here); now opens the mini-program.
    let staff_phone_account = w.staff_a.user_id.clone();
    let fresh = Session::from_tokens(&ok_json(wechat_login(&app, "c").await, 200).await);
    assert_ne!(
        fresh.user_id, staff_phone_account,
        "WeChat alone does not know the phone yet"
    );
    let joined = ok_json(bind(&app, &fresh.token, "p").await, 200).await;
    let joined = Session::from_tokens(&joined);
    assert_eq!(
        joined.user_id, staff_phone_account,
        "the phone's account takes the WeChat login"
    );
    let me = ok_json(app.get_as("/api/v1/me", &joined.token).await, 200).await;
    assert_eq!(me["roles"][0]["role"], "staff");
    assert_eq!(
        app.get_as("/api/v1/me", &fresh.token).await.status(),
        401,
        "the blank account is gone"
    );
    // From now on WeChat login lands in the staff account directly.
    let again = Session::from_tokens(&ok_json(wechat_login(&app, "c").await, 200).await);
    assert_eq!(again.user_id, staff_phone_account);
}
