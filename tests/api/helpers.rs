//! Test harness: each test gets the real server on a random port and its own fresh database.
//! SQLite by default; PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set;
//! `TEST_READ_REPLICA=1` points `DATABASE_READ_URL` at each test's own database;
//! `TEST_MEDIA_S3_ENDPOINT` stores pictures in an S3-compatible bucket (`TEST_MEDIA_S3_BUCKET`,
//! default `linli-test`, created beforehand), under a prefix of each test's own.

use linli::config::Config;
use linli::startup::{Application, ExtraRoutes};
use linli::state::AppState;
use rand::RngCore;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-characters";
/// Listed in `BOOTSTRAP_ADMIN_PHONES` for every test server.
pub const ADMIN_PHONE: &str = "13900000000";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub database_url: String,
    pub redis_prefix: String,
    pub server: actix_web::dev::ServerHandle,
    _guard: StorageGuard,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// Any call, with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post_as(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// Dev login; the first login with a phone creates the user.
    pub async fn login(&self, phone: &str, name: &str) -> Session {
        let res = self
            .call(
                "POST",
                "/api/v1/auth/dev/login",
                None,
                Some(json!({"phone": phone, "name": name})),
            )
            .await;
        let body = ok_json(res, 200).await;
        Session::from_tokens(&body)
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh: String,
    pub user_id: String,
}

impl Session {
    pub fn from_tokens(body: &Value) -> Session {
        Session {
            token: body["access_token"].as_str().expect("access_token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
            user_id: body["user"]["id"].as_str().expect("user.id").to_owned(),
        }
    }
}

/// Asserts the status and reads the JSON body, showing the body when the status is wrong.
pub async fn ok_json(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty())
}

pub fn test_redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok().filter(|s| !s.is_empty())
}

pub fn test_media_s3_endpoint() -> Option<String> {
    std::env::var("TEST_MEDIA_S3_ENDPOINT")
        .ok()
        .filter(|s| !s.is_empty())
}

pub fn test_media_s3_bucket() -> String {
    std::env::var("TEST_MEDIA_S3_BUCKET")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "linli-test".into())
}

/// Drops what a test created: its PostgreSQL database, its Redis keys, its SQLite directory.
pub struct StorageGuard {
    pg: Option<(String, String)>,
    redis: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for StorageGuard {
    fn drop(&mut self) {
        let pg = self.pg.take();
        let redis = self.redis.take();
        // Clean up on a thread of its own: Drop cannot await on the test's runtime.
        let _ = std::thread::spawn(move || {
            if let Some((admin_url, name)) = pg {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .await;
                    }
                });
            }
            if let Some((url, prefix)) = redis {
                delete_redis_prefix(&url, &prefix);
            }
        })
        .join();
    }
}

pub fn delete_redis_prefix(url: &str, prefix: &str) {
    let Ok(client) = redis::Client::open(url) else {
        return;
    };
    let Ok(mut conn) = client.get_connection() else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: redis::RedisResult<i64> = redis::cmd("DEL").arg(keys).query(&mut conn);
    }
}

/// A fresh, empty database for one test, and what removes it afterwards.
pub async fn fresh_database() -> (String, StorageGuard) {
    match test_database_url() {
        Some(admin_url) => {
            let name = format!("linli_t_{}", random_hex(8));
            let admin = Database::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create the test database");
            let (base, query) = match admin_url.split_once('?') {
                Some((b, q)) => (b, format!("?{q}")),
                None => (admin_url.as_str(), String::new()),
            };
            let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL names a database");
            let url = format!("{server}/{name}{query}");
            let guard = StorageGuard {
                pg: Some((admin_url.clone(), name)),
                redis: None,
                _dir: None,
            };
            (url, guard)
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("linli.db").display());
            (
                url,
                StorageGuard {
                    pg: None,
                    redis: None,
                    _dir: Some(dir),
                },
            )
        }
    }
}

/// The variables a test server starts with; `overrides` wins.
pub fn test_vars(
    database_url: &str,
    redis_prefix: &str,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = [
        ("APP_ENV", "dev"),
        ("BIND", "127.0.0.1:0"),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("DB_MAX_CONNECTIONS", "5"),
        ("HTTP_WORKERS", "2"),
        ("SHUTDOWN_TIMEOUT_SECS", "5"),
        ("DATABASE_URL", database_url),
        ("BOOTSTRAP_ADMIN_PHONES", ADMIN_PHONE),
        ("REDIS_PREFIX", redis_prefix),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    if let Some(url) = test_redis_url() {
        vars.insert("REDIS_URL".into(), url);
    }
    if let Some(endpoint) = test_media_s3_endpoint() {
        // One prefix per test (its peers share it): `linli-test-{hex}`.
        let prefix = redis_prefix.trim_end_matches(':').replace(':', "-");
        for (k, v) in [
            ("MEDIA_S3_BUCKET", test_media_s3_bucket()),
            ("MEDIA_S3_ENDPOINT", endpoint),
            ("MEDIA_S3_ACCESS_KEY_ID", "linli-test".into()),
            ("MEDIA_S3_SECRET_ACCESS_KEY", "linli-test-secret".into()),
            ("MEDIA_S3_PREFIX", prefix),
        ] {
            vars.insert(k.into(), v);
        }
    }
    // CI runs one suite with the read replica pointed at the primary itself.
    if std::env::var("TEST_READ_REPLICA").is_ok_and(|v| !v.is_empty()) {
        vars.insert("DATABASE_READ_URL".into(), database_url.to_owned());
    }
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    vars
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[], |_| {}).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)], extra: ExtraRoutes) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        linli::telemetry::init(linli::config::LogFormat::Text);
    }
    let (database_url, mut guard) = fresh_database().await;
    let prefix = format!("linli-test:{}:", random_hex(6));
    let vars = test_vars(&database_url, &prefix, overrides);
    if let Some(url) = vars.get("REDIS_URL") {
        guard.redis = Some((url.clone(), prefix.clone()));
    }
    start(vars, extra, database_url, prefix, guard).await
}

/// A second instance on the same database and Redis (scale-out), which cleans up nothing.
pub async fn spawn_peer(first: &TestApp, overrides: &[(&str, &str)]) -> TestApp {
    let vars = test_vars(&first.database_url, &first.redis_prefix, overrides);
    let guard = StorageGuard {
        pg: None,
        redis: None,
        _dir: None,
    };
    start(
        vars,
        |_| {},
        first.database_url.clone(),
        first.redis_prefix.clone(),
        guard,
    )
    .await
}

async fn start(
    vars: HashMap<String, String>,
    extra: ExtraRoutes,
    database_url: String,
    redis_prefix: String,
    guard: StorageGuard,
) -> TestApp {
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test configuration");
    let app = Application::build_with(config, extra)
        .await
        .unwrap_or_else(|e| panic!("the test server failed to start: {e:#}"));
    let port = app.port();
    let state = app.state().clone();
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state,
        database_url,
        redis_prefix,
        server,
        _guard: guard,
    }
}

/// Reads a problem+json answer, checking the media type and the required members.
pub async fn problem(res: reqwest::Response) -> serde_json::Value {
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = res.status().as_u16();
    assert_eq!(
        ct, "application/problem+json",
        "status {status}: not a problem document"
    );
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status, "{body}");
    for member in ["type", "title", "code"] {
        assert!(body[member].is_string(), "missing `{member}` in {body}");
    }
    body
}
