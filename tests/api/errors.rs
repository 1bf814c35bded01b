//! Every way a request can be wrong answers problem+json with a stable code.

use crate::helpers::{problem, spawn_app, spawn_app_with};
use actix_web::{HttpResponse, get, post, web};
use linli::error::AppError;
use linli::extract::ApiJson;
use serde::Deserialize;
use std::time::Duration;
use validator::Validate;

#[derive(Deserialize, Validate)]
struct EchoIn {
    #[validate(length(min = 1, max = 10, message = "长度应为 1 到 10 个字"))]
    name: String,
    #[validate(range(min = 1, max = 99, message = "数量应在 1 到 99 之间"))]
    quantity: u32,
}

#[post("/fixture/echo")]
async fn echo(body: ApiJson<EchoIn>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "name": body.0.name, "quantity": body.0.quantity }))
}

#[derive(Deserialize)]
struct PageQuery {
    #[allow(dead_code)]
    limit: u32,
}

#[get("/fixture/page")]
async fn page(_q: web::Query<PageQuery>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/fixture/items/{id}")]
async fn item(id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().json(id.into_inner().to_string())
}

#[get("/fixture/boom")]
async fn boom() -> Result<HttpResponse, AppError> {
    let cause = std::io::Error::other("disk on fire at /var/secret");
    Err(AppError::internal(
        anyhow::Error::new(cause).context("writing the order"),
    ))
}

/// Set once a request is inside `slow`, so a test can stop the server at a known moment.
static SLOW_ENTERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[get("/fixture/slow")]
async fn slow() -> HttpResponse {
    SLOW_ENTERED.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(800)).await;
    HttpResponse::Ok().body("finished")
}

fn fixtures(cfg: &mut web::ServiceConfig) {
    cfg.service(echo)
        .service(page)
        .service(item)
        .service(boom)
        .service(slow);
}

#[tokio::test]
async fn valid_json_passes_through() {
    let app = spawn_app_with(&[], fixtures).await;
    let res = app
        .client
        .post(app.url("/fixture/echo"))
        .json(&serde_json::json!({"name": "张三", "quantity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["name"], "张三");
}

#[tokio::test]
async fn bad_bodies_answer_with_their_code() {
    let app = spawn_app_with(&[("BODY_LIMIT_BYTES", "2048")], fixtures).await;
    let big = format!(r#"{{"name":"{}","quantity":1}}"#, "x".repeat(4096));
    // (content type, body, status, code, why)
    let cases: &[(&str, &str, u16, &str, &str)] = &[
        (
            "application/json",
            r#"{"name": "a", "quantity": "#,
            400,
            "MALFORMED_JSON",
            "truncated JSON",
        ),
        (
            "application/json",
            "not json",
            400,
            "MALFORMED_JSON",
            "not JSON at all",
        ),
        (
            "application/json",
            r#"{"name":"a","quantity":1} {}"#,
            400,
            "MALFORMED_JSON",
            "trailing data",
        ),
        // No body is `{}`: what is required is named as missing.
        ("application/json", "", 400, "VALIDATION_FAILED", "empty body"),
        ("", "", 400, "VALIDATION_FAILED", "no body, no content type"),
        (
            "text/plain",
            r#"{"name":"a","quantity":1}"#,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "wrong content type",
        ),
        (
            "",
            r#"{"name":"a","quantity":1}"#,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "no content type",
        ),
        (
            "application/json",
            &big,
            413,
            "PAYLOAD_TOO_LARGE",
            "body over the limit",
        ),
        (
            "application/json",
            r#"{"name":"a"}"#,
            400,
            "VALIDATION_FAILED",
            "missing field",
        ),
        (
            "application/json",
            r#"{"name":"a","quantity":"two"}"#,
            400,
            "VALIDATION_FAILED",
            "wrong type",
        ),
        (
            "application/json",
            r#"{"name":"","quantity":100}"#,
            400,
            "VALIDATION_FAILED",
            "rule violations",
        ),
    ];
    for (ct, body, status, code, why) in cases {
        let mut req = app.client.post(app.url("/fixture/echo")).body(body.to_string());
        if !ct.is_empty() {
            req = req.header("content-type", *ct);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), *status, "{why}");
        let p = problem(res).await;
        assert_eq!(p["code"], *code, "{why}: {p}");
    }
}

#[tokio::test]
async fn validation_errors_list_each_field_in_chinese() {
    let app = spawn_app_with(&[], fixtures).await;
    let res = app
        .client
        .post(app.url("/fixture/echo"))
        .json(&serde_json::json!({"name": "", "quantity": 100}))
        .send()
        .await
        .unwrap();
    let p = problem(res).await;
    assert_eq!(p["code"], "VALIDATION_FAILED");
    assert_eq!(p["title"], "提交的内容有误，请检查后重试");
    let mut errors: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().into(),
                e["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("name".to_owned(), "长度应为 1 到 10 个字".to_owned()),
            ("quantity".to_owned(), "数量应在 1 到 99 之间".to_owned())
        ]
    );

    let res = app
        .client
        .post(app.url("/fixture/echo"))
        .json(&serde_json::json!({"quantity": 1}))
        .send()
        .await
        .unwrap();
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][0]["message"], "必填");
}

#[tokio::test]
async fn unknown_route_wrong_method_bad_query_and_path() {
    let app = spawn_app_with(&[], fixtures).await;

    let res = app.get("/api/v1/no-such-thing").await;
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "ROUTE_NOT_FOUND");

    let res = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET");
    let p = problem(res).await;
    assert_eq!(p["code"], "METHOD_NOT_ALLOWED");
    assert_eq!(p["title"], "接口不支持该请求方法");

    let res = app.get("/fixture/page?limit=lots").await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "INVALID_QUERY");

    let res = app.get("/fixture/items/abc").await;
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "NOT_FOUND");

    let res = app.get("/fixture/items/42").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn server_errors_are_opaque() {
    let app = spawn_app_with(&[], fixtures).await;
    let res = app.get("/fixture/boom").await;
    assert_eq!(res.status(), 500);
    let p = problem(res).await;
    assert_eq!(p["code"], "INTERNAL");
    assert_eq!(p["title"], "服务器开小差了，请稍后再试");
    let text = p.to_string();
    assert!(
        !text.contains("disk") && !text.contains("secret"),
        "cause leaked: {text}"
    );
    assert!(p.get("detail").is_none());
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/healthz", "/nope", "/healthz"] {
        let res = app.get(path).await;
        let id = res
            .headers()
            .get("x-request-id")
            .expect("x-request-id header")
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert!(seen.insert(id), "request ids repeat");
    }
}

#[tokio::test]
async fn graceful_stop_lets_in_flight_requests_finish() {
    let app = spawn_app_with(&[], fixtures).await;
    let in_flight = tokio::spawn(app.client.get(app.url("/fixture/slow")).send());
    // Stop once the request is inside the handler (however slow the machine is today).
    while !SLOW_ENTERED.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.server.stop(true).await;
    let res = in_flight.await.unwrap().expect("in-flight request completed");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "finished");
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no new connections after stop"
    );
}
