use crate::helpers::{
    problem, random_hex, spawn_app, spawn_app_with, test_database_url, test_media_s3_endpoint, test_redis_url,
};
use std::time::Duration;
use tokio::net::TcpListener;

#[tokio::test]
async fn healthz_answers() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_backends_under_test() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    // In CI the PostgreSQL run must really run on PostgreSQL and Redis, never silently on SQLite.
    let db = if test_database_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let kv = if test_redis_url().is_some() {
        "redis"
    } else {
        "memory"
    };
    let media = if test_media_s3_endpoint().is_some() {
        "s3"
    } else {
        "local"
    };
    assert_eq!(body["database"], db);
    assert_eq!(body["kv"], kv);
    assert_eq!(body["media"], media);
}

/// A server whose pictures go to `bucket` at `endpoint`.
async fn bucket_app(endpoint: &str, bucket: &str) -> crate::helpers::TestApp {
    spawn_app_with(
        &[
            ("MEDIA_S3_BUCKET", bucket),
            ("MEDIA_S3_ENDPOINT", endpoint),
            ("MEDIA_S3_ACCESS_KEY_ID", "linli-test"),
            ("MEDIA_S3_SECRET_ACCESS_KEY", "linli-test-secret"),
        ],
        |_| {},
    )
    .await
}

async fn assert_media_not_ready(app: &crate::helpers::TestApp) {
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let p = problem(res).await;
    assert_eq!(p["code"], "NOT_READY");
    assert_eq!(p["errors"][0]["field"], "media", "{p}");
    assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
}

#[tokio::test]
async fn readyz_fails_when_the_bucket_is_unreachable() {
    // A port nothing listens on any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = bucket_app(&format!("http://127.0.0.1:{port}"), "linli-photos").await;
    assert_media_not_ready(&app).await;
}

#[tokio::test]
async fn readyz_fails_when_the_bucket_does_not_exist() {
    let Some(endpoint) = test_media_s3_endpoint() else {
        eprintln!("skipped: TEST_MEDIA_S3_ENDPOINT is not set (this check runs in CI's S3 step)");
        return;
    };
    let app = bucket_app(&endpoint, &format!("linli-missing-{}", random_hex(4))).await;
    assert_media_not_ready(&app).await;
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_unreachable() {
    let app = spawn_app().await;
    app.state.db.close_by_ref().await.unwrap();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let p = problem(res).await;
    assert_eq!(p["code"], "NOT_READY");
    assert_eq!(p["errors"][0]["field"], "database");
    // Liveness is about the process, not its dependencies.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// Forwards one port to Redis until told to stop, then refuses everything.
async fn redis_proxy(target: String) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        loop {
            let mut stop = stop_rx.clone();
            tokio::select! {
                _ = stop.changed() => break,
                Ok((mut inbound, _)) = listener.accept() => {
                    let target = target.clone();
                    let mut stop = stop_rx.clone();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = stop.changed() => {}
                        }
                    });
                }
            }
        }
    });
    (format!("redis://{addr}"), stop_tx)
}

#[tokio::test]
async fn readyz_fails_when_redis_is_unreachable() {
    let Some(redis_url) = test_redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is not set (this check runs in the PostgreSQL + Redis suite)");
        return;
    };
    let hostport = redis_url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let (proxied, stop) = redis_proxy(hostport).await;
    let app = spawn_app_with(&[("REDIS_URL", &proxied)], |_| {}).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    stop.send(true).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let p = problem(res).await;
    assert_eq!(p["code"], "NOT_READY");
    assert_eq!(p["errors"][0]["field"], "kv");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    app.get("/definitely/not/here").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    let count = |needle: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no line starting {needle} in:\n{text}"))
    };
    // The recorder is process-wide and tests run side by side: at least our own requests.
    assert!(count(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#) >= 3.0);
    assert!(count(r#"http_requests_total{method="GET",route="unmatched",status="404"}"#) >= 1.0);
    assert!(
        count(
            r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"}"#
        ) >= 3.0
    );
    assert!(count("db_pool_max_connections") >= 1.0);
    assert!(text.contains(r#"db_pool_connections{state="idle"}"#));
    assert!(
        !text.contains("/definitely/not/here"),
        "raw paths must not become labels"
    );
}

/// Every value of `label` on the request-metric lines of an exposition text.
fn label_values(text: &str, label: &str) -> std::collections::BTreeSet<String> {
    let needle = format!("{label}=\"");
    text.lines()
        .filter(|l| l.starts_with("http_request"))
        .filter_map(|l| l.split_once(needle.as_str()))
        .filter_map(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value.to_owned())
        .collect()
}

#[tokio::test]
async fn metrics_labels_stay_bounded_under_odd_methods_and_paths() {
    let app = spawn_app().await;
    let tag = random_hex(6);
    for i in 1..=50 {
        let method = reqwest::Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
        let path = match i % 3 {
            0 => format!("/x{tag}/{i}"),
            1 => format!("/api/v1/x{tag}/{i}"),
            _ => format!("/api/v1/orders/{i}/x{tag}"),
        };
        let res = app.client.request(method, app.url(&path)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
        app.get(&path).await;
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    let known = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
    ];
    for method in label_values(&text, "method") {
        assert!(known.contains(&method.as_str()), "method label {method:?}");
    }
    // Route labels are route patterns (or `unmatched`), never a path a client made up.
    for route in label_values(&text, "route") {
        assert!(!route.contains(&tag), "route label {route:?}");
        assert!(
            route == "unmatched" || route.starts_with('/'),
            "route label {route:?}"
        );
    }
    assert!(
        text.contains(r#"http_requests_total{method="other",route="unmatched""#),
        "{text}"
    );
}

#[tokio::test]
async fn docs_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.get("/docs").await;
    assert!(res.status().is_redirection());
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Assets come from the binary, not a CDN: the page works offline.
    let res = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().len() > 100_000);
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api-docs/openapi.json"), "{init}");
}
