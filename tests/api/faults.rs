//! Stores out of reach answer 503 `NOT_READY` with `Retry-After`, never 500 or a hang, and the
//! service comes back by itself when they return (the timed drills: `examples/drills.rs`).

use crate::helpers::{
    ADMIN_PHONE, fresh_database, ok_json, problem, spawn_app_with, test_database_url, test_redis_url,
};
use sea_orm::TransactionTrait;
use serde_json::json;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy that can cut every connection and refuse new ones (accept, then close), and
/// later forward again on the same port: a store going down and coming back.
struct Cable {
    addr: std::net::SocketAddr,
    up: watch::Sender<bool>,
}

impl Cable {
    /// Runs on a thread and runtime of its own, so it still forwards while the test's runtime
    /// is blocked (the storage guard cleans Redis up through it, synchronously, on drop).
    fn to(target: String) -> Cable {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, rx) = watch::channel(true);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let mut rx = rx.clone();
                    if !*rx.borrow_and_update() {
                        continue; // dropped: the peer sees the connection closed
                    }
                    let target = target.clone();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = rx.wait_for(|up| !*up) => {}
                        }
                    });
                }
            });
        });
        Cable { addr, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn mend(&self) {
        self.up.send_replace(true);
    }
}

/// `host:port` of a `scheme://user@host:port/db?query` URL, and the URL with another address.
fn reroute(url: &str, addr: std::net::SocketAddr) -> (String, String) {
    let start = url
        .find('@')
        .map(|i| i + 1)
        .unwrap_or_else(|| url.find("://").unwrap() + 3);
    let end = url[start..].find('/').map(|i| start + i).unwrap_or(url.len());
    let host = url[start..end].to_owned();
    (host, format!("{}{addr}{}", &url[..start], &url[end..]))
}

/// Asks `path` until it answers 200; panics after many tries (a recovery that never comes).
async fn until_ok(app: &crate::helpers::TestApp, path: &str, token: &str) {
    for _ in 0..200 {
        if app.get_as(path, token).await.status() == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never answered 200 again");
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after() {
    let app = spawn_app_with(
        &[("DB_MAX_CONNECTIONS", "1"), ("DB_ACQUIRE_TIMEOUT_MS", "300")],
        |_| {},
    )
    .await;
    let me = app.login("13800001001", "池").await;
    assert_eq!(app.get_as("/api/v1/me", &me.token).await.status(), 200);

    // Hold the only connection: every request needing the database waits, then gives up.
    let held = app.state.db.begin().await.unwrap();
    let res = app.get_as("/api/v1/me", &me.token).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let p = problem(res).await;
    assert_eq!(p["code"], "NOT_READY");
    assert!(p["detail"].as_str().unwrap().contains("数据库"), "{p}");
    let write = app
        .call(
            "PUT",
            "/api/v1/me/password",
            Some(&me.token),
            Some(json!({"new_password": "a-long-enough-password-1"})),
        )
        .await;
    assert_eq!(write.status(), 503, "writes too: {}", write.text().await.unwrap());

    held.rollback().await.unwrap();
    assert_eq!(app.get_as("/api/v1/me", &me.token).await.status(), 200);
}

#[tokio::test]
async fn the_database_gone_answers_503_and_service_returns_with_it() {
    if test_database_url().is_none() {
        eprintln!("skipped: TEST_DATABASE_URL is not set (this check runs in the PostgreSQL + Redis suite)");
        return;
    }
    let (url, _guard) = fresh_database().await;
    let (target, _) = reroute(&url, "127.0.0.1:1".parse().unwrap());
    let cable = Cable::to(target);
    let (_, via_cable) = reroute(&url, cable.addr);
    let app = spawn_app_with(
        &[("DATABASE_URL", &via_cable), ("DB_ACQUIRE_TIMEOUT_MS", "1000")],
        |_| {},
    )
    .await;
    let admin = app.login(ADMIN_PHONE, "管理员").await;
    until_ok(&app, "/api/v1/me", &admin.token).await;

    cable.cut();
    for path in ["/api/v1/me", "/api/v1/regions", "/api/v1/ledger/reconciliation"] {
        let res = app.get_as(path, &admin.token).await;
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(res.headers()["retry-after"], "1", "{path}");
        assert_eq!(problem(res).await["code"], "NOT_READY", "{path}");
    }
    let res = app
        .post_as(
            "/api/v1/regions",
            &admin.token,
            json!({"kind": "county", "name": "断线县"}),
        )
        .await;
    assert_eq!(res.status(), 503, "a write while the database is gone");
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);

    cable.mend();
    until_ok(&app, "/api/v1/me", &admin.token).await;
    let res = app
        .post_as(
            "/api/v1/regions",
            &admin.token,
            json!({"kind": "county", "name": "复线县"}),
        )
        .await;
    ok_json(res, 201).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn redis_gone_answers_503_for_callers_and_public_pages_still_work() {
    let Some(redis_url) = test_redis_url() else {
        eprintln!("skipped: TEST_REDIS_URL is not set (this check runs in the PostgreSQL + Redis suite)");
        return;
    };
    let (target, _) = reroute(&redis_url, "127.0.0.1:1".parse().unwrap());
    let cable = Cable::to(target);
    let (_, via_cable) = reroute(&redis_url, cable.addr);
    // Every request checked against Redis: with a window (CALLER_RECHECK_MS) a caller checked
    // within it passes until it ends.
    let app = spawn_app_with(&[("REDIS_URL", &via_cable), ("CALLER_RECHECK_MS", "0")], |_| {}).await;
    let admin = app.login(ADMIN_PHONE, "管理员").await;
    let county = ok_json(
        app.post_as(
            "/api/v1/regions",
            &admin.token,
            json!({"kind": "county", "name": "缓存县"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    cable.cut();
    // A logged-in caller cannot be checked against revoked tokens: refused, retry later.
    let res = app.get_as("/api/v1/me", &admin.token).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let p = problem(res).await;
    assert_eq!(p["code"], "NOT_READY");
    assert!(p["detail"].as_str().unwrap().contains("缓存"), "{p}");
    // What needs no Redis keeps working: public pages, dev login, liveness.
    let showcase = app.get(&format!("/api/v1/regions/{county}/showcase")).await;
    assert_eq!(showcase.status(), 200);
    let login = app
        .call(
            "POST",
            "/api/v1/auth/dev/login",
            None,
            Some(json!({"phone": "13800001002", "name": "游客"})),
        )
        .await;
    assert_eq!(login.status(), 200, "dev login needs no Redis");
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 503);

    cable.mend();
    until_ok(&app, "/api/v1/me", &admin.token).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}
