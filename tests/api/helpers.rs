//! Test harness: each test gets the real server on a random port and its own fresh database, a
//! copy of one migrated template.
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
            let template = TEMPLATE.get_or_init(|| migrated_template(&admin_url)).await;
            let name = format!("linli_t_{}", random_hex(8));
            admin(&admin_url)
                .await
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                .await
                .expect("create the test database");
            let guard = StorageGuard {
                pg: Some((admin_url.clone(), name.clone())),
                redis: None,
                _dir: None,
            };
            (database_url_of(&admin_url, &name), guard)
        }
        None => {
            let template = SQLITE_TEMPLATE.get_or_init(migrated_sqlite_template).await;
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("linli.db");
            std::fs::copy(template, &file).expect("copy the template database");
            let url = format!("sqlite://{}?mode=rwc", file.display());
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

/// The migrated database each PostgreSQL test database is copied from (`CREATE DATABASE …
/// TEMPLATE`): running the migrations once per test run instead of once per test.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// `linli_tpl_{digest of migration/src}`, made once per migration set and kept for later runs.
/// Built under a name of its own and renamed when complete, so a concurrent run or an
/// interrupted one never leaves a half-migrated template behind.
async fn migrated_template(admin_url: &str) -> String {
    let name = format!("linli_tpl_{}", migrations_digest());
    let admin = admin(admin_url).await;
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .expect("look for the template database")
        .is_some();
    if exists {
        return name;
    }
    let building = format!("{name}_{}", random_hex(4));
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
        .await
        .expect("create the template database");
    let db = Database::connect(database_url_of(admin_url, &building))
        .await
        .expect("connect to the template database");
    linli::db::migrate(&db)
        .await
        .expect("migrate the template database");
    db.close().await.expect("close the template database");
    let renamed = admin
        .execute_unprepared(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
        .await;
    if renamed.is_err() {
        // Another run finished the same template first.
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"))
            .await;
    }
    name
}

/// The same for SQLite: a migrated file in Cargo's scratch directory, copied for each test.
static SQLITE_TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();

async fn migrated_sqlite_template() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("linli_tpl_{}.db", migrations_digest()));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!("linli_tpl_{}.db", random_hex(6)));
    let url = format!("sqlite://{}?mode=rwc", building.display());
    let mut options = sea_orm::ConnectOptions::new(url);
    options.max_connections(1);
    let db = Database::connect(options)
        .await
        .expect("create the template database");
    linli::db::migrate(&db)
        .await
        .expect("migrate the template database");
    // One self-contained file: no write-ahead log beside it.
    db.execute_unprepared("PRAGMA journal_mode = DELETE")
        .await
        .expect("leave WAL mode");
    db.close().await.expect("close the template database");
    std::fs::rename(&building, &path).expect("keep the template database");
    path
}

/// A digest of the migrations' sources: a changed migration makes a new template.
fn migrations_digest() -> String {
    use sha2::{Digest, Sha256};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migration/src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migration/src")
        .map(|e| e.expect("migration file").path())
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for f in files {
        hash.update(f.file_name().unwrap().as_encoded_bytes());
        hash.update(std::fs::read(&f).expect("read a migration"));
    }
    hash.finalize()[..6].iter().map(|b| format!("{b:02x}")).collect()
}

async fn admin(admin_url: &str) -> sea_orm::DatabaseConnection {
    Database::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"))
}

/// `admin_url` with its database replaced by `name`.
fn database_url_of(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL names a database");
    format!("{server}/{name}{query}")
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

/// The plan the server's database gives `stmt` as the server runs it: on PostgreSQL the generic
/// plan of a prepared statement (adopted after five runs, blind to the values), sequential scans
/// discouraged so the tiny tables of a test do not hide the choice of index; on SQLite `EXPLAIN
/// QUERY PLAN` with the values bound.
pub async fn generic_plan(db: &sea_orm::DatabaseConnection, stmt: sea_orm::Statement) -> String {
    use sea_orm::{DbBackend, Statement, TransactionTrait};
    let backend = db.get_database_backend();
    let txn = db.begin().await.unwrap();
    let (explain, column) = if backend == DbBackend::Sqlite {
        let sql = format!("EXPLAIN QUERY PLAN {}", stmt.sql);
        (
            Statement::from_sql_and_values(
                backend,
                sql,
                stmt.values.clone().unwrap_or(sea_orm::Values(vec![])),
            ),
            "detail",
        )
    } else {
        for set in [
            "SET LOCAL plan_cache_mode = force_generic_plan",
            "SET LOCAL enable_seqscan = off",
        ] {
            txn.execute_unprepared(set).await.unwrap();
        }
        txn.execute_unprepared(&format!("PREPARE probe AS {}", stmt.sql))
            .await
            .unwrap();
        let args: Vec<String> = stmt
            .values
            .iter()
            .flat_map(|v| v.0.iter())
            .map(|v| format!("'{}'", v.to_string().trim_matches('\'')))
            .collect();
        let sql = format!("EXPLAIN EXECUTE probe({})", args.join(", "));
        (Statement::from_string(backend, sql), "QUERY PLAN")
    };
    let rows = txn.query_all_raw(explain).await.unwrap();
    if backend != DbBackend::Sqlite {
        txn.execute_unprepared("DEALLOCATE probe").await.unwrap();
    }
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}
