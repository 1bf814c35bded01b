//! Phones never rest in plain text, and strangers only ever see them masked.

use crate::helpers::{TestApp, ok_json, spawn_app, test_database_url};
use crate::reports::unit;
use crate::world;
use sea_orm::ConnectionTrait;

/// The whole database as an operator would back it up.
async fn dump(app: &TestApp) -> String {
    if test_database_url().is_some() {
        let out = std::process::Command::new("pg_dump")
            .arg("--data-only")
            .arg(&app.database_url)
            .output()
            .expect("pg_dump runs (the PostgreSQL client is installed)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        return String::from_utf8(out.stdout).unwrap();
    }
    app.state
        .db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let file = app
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut bytes = std::fs::read(&file).unwrap();
    if let Ok(wal) = std::fs::read(format!("{file}-wal")) {
        bytes.extend(wal);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn a_database_dump_holds_no_plaintext_phone() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    unit(&app, &w, "市供电公司").await;
    let dump = dump(&app).await;
    assert!(
        dump.contains("和平社区") && dump.contains("和平居民"),
        "the dump is real: it holds names"
    );
    for phone in [
        "13900000000",
        "13800000001",
        "13800000011",
        "13800000021",
        "13811112222",
    ] {
        assert!(!dump.contains(phone), "plaintext phone {phone} in the database");
        assert!(
            !dump.contains(&phone[3..]),
            "a phone's digits {} in the database",
            &phone[3..]
        );
    }
}

#[tokio::test]
async fn others_see_masked_phones_the_owner_sees_their_own() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let grants = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/roles", w.comm_a), &w.admin.token)
            .await,
        200,
    )
    .await;
    let text = grants.to_string();
    assert!(
        text.contains("138****0001") && !text.contains("13800000001"),
        "{text}"
    );
    let found = ok_json(
        app.post_as(
            "/api/v1/users/lookup",
            &w.staff_a.token,
            serde_json::json!({"phone": "13800000021"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(found["phone_masked"], "138****0021");
    assert!(found.get("phone").is_none());
    let me = ok_json(app.get_as("/api/v1/me", &w.resident_a.token).await, 200).await;
    assert_eq!(me["phone"], "13800000021");
}
