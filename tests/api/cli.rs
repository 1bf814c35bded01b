//! The `linli` binary as an operator runs it.

use crate::helpers::{TEST_JWT_SECRET, fresh_database};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn linli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linli"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[test]
fn bad_configuration_stops_the_start_with_a_clear_message() {
    let out = linli()
        .env("APP_ENV", "production")
        .env("BIND", "nowhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("JWT_SECRET: required when APP_ENV=production"),
        "{err}"
    );
    assert!(err.contains("BIND: `nowhere`"), "{err}");
}

#[test]
fn production_secrets_without_app_env_refuse_to_start() {
    // `migrate` rather than `serve`: were the start allowed, the test ends instead of serving.
    let dir = tempfile::tempdir().unwrap();
    let out = linli()
        .arg("migrate")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display()),
        )
        .env("JWT_SECRET", TEST_JWT_SECRET)
        .env("PII_KEY", "ab".repeat(32))
        .env("BOOTSTRAP_ADMIN_PHONES", "13800000001")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "looks like a production deployment (JWT_SECRET, PII_KEY, BOOTSTRAP_ADMIN_PHONES)",
        "set APP_ENV=production, or APP_ENV=dev for a development machine",
    ] {
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn seed_demo_refuses_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let out = linli()
        .arg("seed-demo")
        .env("APP_ENV", "production")
        .env("JWT_SECRET", TEST_JWT_SECRET)
        .env("PII_KEY", "ab".repeat(32))
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("seed-demo refuses to run with APP_ENV=production"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    // Nothing was written, not even the schema.
    assert!(!dir.path().join("p.db").exists());
}

#[test]
fn openapi_subcommand_prints_the_document() {
    let out = linli().arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), linli::openapi::to_json());
}

#[tokio::test]
async fn migrate_then_seed_demo_twice_duplicates_nothing() {
    let (url, _guard) = fresh_database().await;
    let run = |args: &[&str]| {
        let out = linli().args(args).env("DATABASE_URL", &url).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["migrate"]).contains("migrations applied"));
    let first = run(&["seed-demo"]);
    assert!(
        first.contains("示范县") && first.contains("和平社区") && first.contains("团结社区"),
        "{first}"
    );
    assert!(!first.contains("(0 new rows)"), "{first}");
    let second = run(&["seed-demo"]);
    assert!(second.contains("(0 new rows)"), "{second}");
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let (url, _guard) = fresh_database().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = linli()
        .arg("serve")
        .env("APP_ENV", "dev")
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &url)
        .env("JWT_SECRET", TEST_JWT_SECRET)
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    linli::init_tls();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            assert_eq!(res.status(), 200);
            break;
        }
        assert!(Instant::now() < deadline, "the server never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        (status, err)
    })
    .await
    .unwrap();
    assert!(out.0.success(), "exit {:?}: {}", out.0, out.1);
    assert!(out.1.contains("linli stopped"), "{}", out.1);
    // JSON logs in production shape: every line parses.
    for line in out.1.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    }
}
