use crate::helpers::{ADMIN_PHONE, Session, ok_json, problem, spawn_app, spawn_app_with};
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test]
async fn dev_login_creates_the_user_once_and_masks_the_phone() {
    let app = spawn_app().await;
    let res = app
        .call(
            "POST",
            "/api/v1/auth/dev/login",
            None,
            Some(json!({"phone": "13812345678", "name": "张三"})),
        )
        .await;
    let body = ok_json(res, 200).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["name"], "张三");
    assert_eq!(body["user"]["phone_masked"], "138****5678");
    assert!(
        !body.to_string().contains("13812345678"),
        "login answer leaks the phone: {body}"
    );
    let again = app.login("13812345678", "别名").await;
    assert_eq!(
        again.user_id,
        body["user"]["id"].as_str().unwrap(),
        "same phone, same user"
    );

    let me = ok_json(app.get_as("/api/v1/me", &again.token).await, 200).await;
    assert_eq!(me["phone"], "13812345678", "the owner sees their own phone");
    assert_eq!(me["name"], "张三", "the name is kept from the first login");
}

#[tokio::test]
async fn dev_login_does_not_exist_in_production() {
    let pii_key = "ab".repeat(32);
    let app = spawn_app_with(&[("APP_ENV", "production"), ("PII_KEY", &pii_key)], |_| {}).await;
    let res = app
        .call(
            "POST",
            "/api/v1/auth/dev/login",
            None,
            Some(json!({"phone": "13812345678", "name": "张三"})),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "ROUTE_NOT_FOUND");
    // Not even a malformed body tells it apart from a route that does not exist.
    let res = app
        .client
        .post(app.url("/api/v1/auth/dev/login"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn login_bodies_reject_unknown_fields() {
    let app = spawn_app().await;
    let res = app
        .call(
            "POST",
            "/api/v1/auth/dev/login",
            None,
            Some(json!({"phone": "13812345678", "name": "张三", "is_system_admin": true})),
        )
        .await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "VALIDATION_FAILED");
    assert_eq!(p["errors"][0]["field"], "is_system_admin");

    let res = app
        .call(
            "POST",
            "/api/v1/auth/dev/login",
            None,
            Some(json!({"phone": "12345", "name": "张三"})),
        )
        .await;
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "phone");
    assert_eq!(p["errors"][0]["message"], "请输入 11 位手机号");
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.call(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": token})),
    )
    .await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login("13812345678", "张三").await;
    let second = Session::from_tokens(&ok_json(refresh(&app, &first.refresh).await, 200).await);
    assert_ne!(second.refresh, first.refresh, "a new refresh token each time");
    assert_eq!(
        ok_json(app.get_as("/api/v1/me", &second.token).await, 200).await["id"],
        first.user_id
    );

    // The spent token comes back: someone copied it. The whole family dies.
    let res = refresh(&app, &first.refresh).await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "REFRESH_TOKEN_REUSED");
    let res = refresh(&app, &second.refresh).await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "REFRESH_TOKEN_INVALID");

    // Another login (another family) is untouched.
    let other = app.login("13812345678", "张三").await;
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);

    let res = refresh(&app, "not-a-token").await;
    assert_eq!(problem(res).await["code"], "REFRESH_TOKEN_INVALID");
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_yield_one_new_pair() {
    let app = spawn_app().await;
    let s = app.login("13812345678", "张三").await;
    let calls = (0..10).map(|_| refresh(&app, &s.refresh));
    let results = futures_util::future::join_all(calls).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "statuses: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| *s == 200 || *s == 401));
    // The losers presented a spent token: the family is revoked, the winner's new token too.
    let mut winner = None;
    for r in results {
        if r.status() == 200 {
            winner = Some(Session::from_tokens(&r.json().await.unwrap()));
        }
    }
    assert_eq!(refresh(&app, &winner.unwrap().refresh).await.status(), 401);
}

#[tokio::test]
async fn logout_denies_the_access_token_and_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let s = app.login("13812345678", "张三").await;
    let other = app.login("13812345678", "张三").await;
    let res = app
        .call(
            "POST",
            "/api/v1/auth/logout",
            Some(&s.token),
            Some(json!({"refresh_token": s.refresh})),
        )
        .await;
    assert_eq!(res.status(), 204);
    let third = app.login("13812345678", "张三").await;
    let res = app
        .call("POST", "/api/v1/auth/logout", Some(&third.token), None)
        .await;
    assert_eq!(res.status(), 204, "the body is optional");
    assert_eq!(app.get_as("/api/v1/me", &third.token).await.status(), 401);
    let res = app.get_as("/api/v1/me", &s.token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "UNAUTHORIZED");
    assert_eq!(refresh(&app, &s.refresh).await.status(), 401);
    // The session on another device stays signed in.
    assert_eq!(app.get_as("/api/v1/me", &other.token).await.status(), 200);
}

async fn password_login(app: &crate::helpers::TestApp, phone: &str, password: &str) -> reqwest::Response {
    app.call(
        "POST",
        "/api/v1/auth/password/login",
        None,
        Some(json!({"phone": phone, "password": password})),
    )
    .await
}

#[tokio::test]
async fn password_login_with_uniform_failures() {
    let app = spawn_app().await;
    let s = app.login("13812345678", "社工").await;
    let set = app
        .call(
            "PUT",
            "/api/v1/me/password",
            Some(&s.token),
            Some(json!({"new_password": "correct horse"})),
        )
        .await;
    assert_eq!(set.status(), 204);

    let ok = ok_json(password_login(&app, "13812345678", "correct horse").await, 200).await;
    assert_eq!(ok["user"]["id"], s.user_id);

    let wrong = password_login(&app, "13812345678", "wrong password").await;
    assert_eq!(wrong.status(), 401);
    let wrong = problem(wrong).await;
    let unknown = problem(password_login(&app, "13899999999", "correct horse").await).await;
    let no_password = {
        app.login("13877777777", "居民").await;
        problem(password_login(&app, "13877777777", "anything").await).await
    };
    assert_eq!(wrong["code"], "LOGIN_FAILED");
    assert_eq!(
        wrong, unknown,
        "unknown phone and wrong password must look the same"
    );
    assert_eq!(wrong, no_password);

    // Changing it needs the current one.
    let res = app
        .call(
            "PUT",
            "/api/v1/me/password",
            Some(&s.token),
            Some(json!({"new_password": "another one"})),
        )
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .call(
            "PUT",
            "/api/v1/me/password",
            Some(&s.token),
            Some(json!({"current_password": "correct horse", "new_password": "another one"})),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        password_login(&app, "13812345678", "another one").await.status(),
        200
    );
    // A changed password ends the sessions opened before it, on every device.
    for old in [&s.refresh, ok["refresh_token"].as_str().unwrap()] {
        let res = refresh(&app, old).await;
        assert_eq!(problem(res).await["code"], "REFRESH_TOKEN_INVALID");
    }
}

#[tokio::test]
async fn password_login_is_rate_limited_per_phone_and_per_ip() {
    let app = spawn_app_with(
        &[("LOGIN_ATTEMPTS_PER_PHONE", "3"), ("LOGIN_ATTEMPTS_PER_IP", "4")],
        |_| {},
    )
    .await;
    let s = app.login("13800000077", "社工").await;
    let set = app
        .call(
            "PUT",
            "/api/v1/me/password",
            Some(&s.token),
            Some(json!({"new_password": "correct horse"})),
        )
        .await;
    assert_eq!(set.status(), 204);
    // Successful logins never count against the address (an office behind one NAT).
    for _ in 0..6 {
        assert_eq!(
            password_login(&app, "13800000077", "correct horse")
                .await
                .status(),
            200
        );
    }
    for _ in 0..3 {
        assert_eq!(password_login(&app, "13812345678", "guess").await.status(), 401);
    }
    let res = password_login(&app, "13812345678", "guess").await;
    assert_eq!(res.status(), 429, "the 4th attempt on one phone");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "retry-after {retry}");
    assert_eq!(problem(res).await["code"], "RATE_LIMITED");

    // The address has 3 failures; a 4th (another phone) fills it, then it is refused outright.
    assert_eq!(password_login(&app, "13811111111", "guess").await.status(), 401);
    assert_eq!(password_login(&app, "13822222222", "guess").await.status(), 429);
    assert_eq!(
        password_login(&app, "13800000077", "correct horse")
            .await
            .status(),
        429
    );
}

async fn put_password(
    app: &crate::helpers::TestApp,
    token: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.call("PUT", "/api/v1/me/password", Some(token), Some(body))
        .await
}

#[tokio::test]
async fn changing_the_password_is_rate_limited_like_login() {
    let app = spawn_app_with(
        &[("LOGIN_ATTEMPTS_PER_PHONE", "3"), ("LOGIN_ATTEMPTS_PER_IP", "4")],
        |_| {},
    )
    .await;
    let a = app.login("13800000061", "甲").await;
    let first = json!({"new_password": "correct horse"});
    let wrong = json!({"current_password": "guess", "new_password": "another one"});
    assert_eq!(put_password(&app, &a.token, first).await.status(), 204);
    for _ in 0..2 {
        let res = put_password(&app, &a.token, wrong.clone()).await;
        assert_eq!(problem(res).await["code"], "LOGIN_FAILED");
    }
    // Every attempt counts per account, wrong or right: the 4th of 3 is refused before argon2.
    let right = json!({"current_password": "correct horse", "new_password": "another one"});
    let res = put_password(&app, &a.token, right).await;
    assert_eq!(res.status(), 429, "the 4th attempt on one account");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "retry-after {retry}");
    assert_eq!(problem(res).await["code"], "RATE_LIMITED");

    // Per address, wrong current passwords add to the failures of password login.
    let b = app.login("13800000062", "乙").await;
    let res = put_password(&app, &b.token, json!({"new_password": "correct horse"})).await;
    assert_eq!(res.status(), 204);
    assert_eq!(put_password(&app, &b.token, wrong.clone()).await.status(), 401);
    assert_eq!(password_login(&app, "13800000063", "guess").await.status(), 401);
    assert_eq!(put_password(&app, &b.token, wrong).await.status(), 429);
    assert_eq!(
        password_login(&app, "13800000062", "correct horse")
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn a_first_password_needs_a_fresh_login() {
    // A window of 0 makes every token stale without waiting.
    let app = spawn_app_with(&[("FRESH_LOGIN_MINS", "0")], |_| {}).await;
    let s = app.login("13800000064", "丙").await;
    let res = put_password(&app, &s.token, json!({"new_password": "correct horse"})).await;
    assert_eq!(res.status(), 403);
    let p = problem(res).await;
    assert_eq!(p["code"], "FRESH_LOGIN_REQUIRED");
    assert!(p["title"].as_str().unwrap().contains("重新登录"), "{p}");
    assert_eq!(
        password_login(&app, "13800000064", "correct horse")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn a_refreshed_token_keeps_the_age_of_its_login() {
    use entity::refresh_token;
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let s = app.login("13800000065", "丁").await;
    // The login happened ten minutes ago; the refresh happens now.
    let ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::CreatedAt, Expr::value(ago))
        .filter(refresh_token::Column::UserId.eq(s.user_id.parse::<i64>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let refreshed = Session::from_tokens(&ok_json(refresh(&app, &s.refresh).await, 200).await);
    let res = put_password(&app, &refreshed.token, json!({"new_password": "correct horse"})).await;
    assert_eq!(problem(res).await["code"], "FRESH_LOGIN_REQUIRED");
    // A new login is fresh.
    let again = app.login("13800000065", "丁").await;
    let res = put_password(&app, &again.token, json!({"new_password": "correct horse"})).await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn a_forged_forwarded_for_does_not_dodge_the_address_limit() {
    let app = spawn_app_with(
        &[
            ("TRUST_PROXY", "true"),
            ("LOGIN_ATTEMPTS_PER_IP", "2"),
            ("LOGIN_ATTEMPTS_PER_PHONE", "100"),
        ],
        |_| {},
    )
    .await;
    let attempt = |forwarded: String| {
        app.client
            .post(app.url("/api/v1/auth/password/login"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"phone": "13800000066", "password": "guess"}))
            .send()
    };
    // The proxy appends the address it saw (203.0.113.9); the client makes up the rest.
    for i in 0..2 {
        let res = attempt(format!("10.9.{i}.1, 203.0.113.9")).await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = attempt("10.9.99.1, 203.0.113.9".into()).await.unwrap();
    assert_eq!(
        res.status(),
        429,
        "a new left-most entry is still the same client"
    );
    // Another client behind the same proxy has its own budget.
    let res = attempt("10.9.0.1, 198.51.100.4".into()).await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn bootstrap_phones_make_system_admins_who_alone_create_top_regions() {
    let app = spawn_app().await;
    let admin = app.login(ADMIN_PHONE, "管理员").await;
    let me = ok_json(app.get_as("/api/v1/me", &admin.token).await, 200).await;
    assert_eq!(me["is_system_admin"], true);
    let res = app
        .post_as(
            "/api/v1/regions",
            &admin.token,
            json!({"parent_id": null, "kind": "county", "name": "示范县"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let res = app
        .post_as(
            "/api/v1/regions",
            &admin.token,
            json!({"parent_id": null, "kind": "street", "name": "孤街道"}),
        )
        .await;
    assert_eq!(
        problem(res).await["code"],
        "REGION_KIND_INVALID",
        "the tree's root is a county"
    );

    let someone = app.login("13812345678", "张三").await;
    // A stale flag in the database grants nothing: the configuration decides, on every request.
    let id: i64 = someone.user_id.parse().unwrap();
    let mut row: entity::user::ActiveModel = entity::user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.is_system_admin = sea_orm::Set(true);
    sea_orm::ActiveModelTrait::update(row, &app.state.db)
        .await
        .unwrap();
    let me = ok_json(app.get_as("/api/v1/me", &someone.token).await, 200).await;
    assert_eq!(me["is_system_admin"], false);
    let res = app
        .post_as(
            "/api/v1/regions",
            &someone.token,
            json!({"parent_id": null, "kind": "county", "name": "别县"}),
        )
        .await;
    assert_eq!(res.status(), 403);
}
