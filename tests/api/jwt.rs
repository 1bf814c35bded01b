//! Every malformed or misused access token is refused with 401.

use crate::helpers::{TEST_JWT_SECRET, problem, spawn_app};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

fn claims(user_id: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "linli", "aud": "linli-api", "sub": user_id, "exp": now + 600, "iat": now, "nbf": now,
           "jti": "test-jti", "typ": "access"})
}

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn with(user_id: &str, key: &str, value: Value) -> Value {
    let mut c = claims(user_id);
    c[key] = value;
    c
}

fn without(user_id: &str, key: &str) -> Value {
    let mut c = claims(user_id);
    c.as_object_mut().unwrap().remove(key);
    c
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.login("13812345678", "张三").await;
    let id = user.user_id.as_str();
    let now = chrono::Utc::now().timestamp();
    let good = sign(Algorithm::HS256, &claims(id), TEST_JWT_SECRET);
    assert_eq!(
        app.get_as("/api/v1/me", &good).await.status(),
        200,
        "control: a well-formed token works"
    );

    let unsigned = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims(id).to_string())
    );
    let tampered = {
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        parts[1] = B64.encode(with(id, "exp", json!(now + 86_400 * 365)).to_string());
        parts.join(".")
    };
    let cases: Vec<(&str, String)> = vec![
        ("alg none", unsigned),
        (
            "HS512 instead of HS256",
            sign(Algorithm::HS512, &claims(id), TEST_JWT_SECRET),
        ),
        (
            "another secret",
            sign(
                Algorithm::HS256,
                &claims(id),
                "another-secret-of-at-least-32-chars!!",
            ),
        ),
        ("tampered payload", tampered),
        (
            "wrong aud",
            sign(
                Algorithm::HS256,
                &with(id, "aud", json!("someone-else")),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "wrong iss",
            sign(Algorithm::HS256, &with(id, "iss", json!("evil")), TEST_JWT_SECRET),
        ),
        (
            "refresh typ",
            sign(
                Algorithm::HS256,
                &with(id, "typ", json!("refresh")),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "expired and signed with another secret",
            sign(
                Algorithm::HS256,
                &with(id, "exp", json!(now - 3600)),
                "another-secret-of-at-least-32-chars!!",
            ),
        ),
        (
            "not yet valid (nbf)",
            sign(
                Algorithm::HS256,
                &with(id, "nbf", json!(now + 3600)),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "issued in the future",
            sign(
                Algorithm::HS256,
                &with(id, "iat", json!(now + 3600)),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "no exp",
            sign(Algorithm::HS256, &without(id, "exp"), TEST_JWT_SECRET),
        ),
        (
            "no sub",
            sign(Algorithm::HS256, &without(id, "sub"), TEST_JWT_SECRET),
        ),
        (
            "no jti",
            sign(Algorithm::HS256, &without(id, "jti"), TEST_JWT_SECRET),
        ),
        (
            "no iat",
            sign(Algorithm::HS256, &without(id, "iat"), TEST_JWT_SECRET),
        ),
        (
            "no typ",
            sign(Algorithm::HS256, &without(id, "typ"), TEST_JWT_SECRET),
        ),
        (
            "no aud",
            sign(Algorithm::HS256, &without(id, "aud"), TEST_JWT_SECRET),
        ),
        (
            "sub not a user id",
            sign(
                Algorithm::HS256,
                &with(id, "sub", json!("admin")),
                TEST_JWT_SECRET,
            ),
        ),
        (
            "sub of nobody",
            sign(
                Algorithm::HS256,
                &with(id, "sub", json!("999999")),
                TEST_JWT_SECRET,
            ),
        ),
        ("garbage", "not.a.jwt".to_owned()),
        ("empty", String::new()),
    ];
    for (why, token) in cases {
        let res = app.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(res.status(), 401, "{why}");
        assert_eq!(problem(res).await["code"], "UNAUTHORIZED", "{why}");
    }

    for header in ["Basic abc", "Bearer", "Token abc"] {
        let res = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
    }
    let res = app.get("/api/v1/me").await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["title"], "请先登录");
}

#[tokio::test]
async fn an_expired_token_has_its_own_code_so_the_client_refreshes() {
    let app = spawn_app().await;
    let user = app.login("13812345678", "张三").await;
    let now = chrono::Utc::now().timestamp();
    let mut expired = with(&user.user_id, "exp", json!(now - 3600));
    expired["iat"] = json!(now - 4000);
    expired["nbf"] = json!(now - 4000);
    let token = sign(Algorithm::HS256, &expired, TEST_JWT_SECRET);
    let res = app.get_as("/api/v1/me", &token).await;
    assert_eq!(res.status(), 401);
    let p = problem(res).await;
    assert_eq!(p["code"], "TOKEN_EXPIRED");
    assert_eq!(p["title"], "登录已过期，请刷新");
    // Refreshing is the way out.
    let res = app
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": user.refresh})),
        )
        .await;
    assert_eq!(res.status(), 200);
}
