//! The points bank as far as it goes: awards posted once, balances, statement, invariants.

use crate::helpers::{TestApp, ok_json, spawn_app};
use crate::orders::{act, item, place};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use entity::award_claim;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Value, json};

async fn balances(app: &TestApp, token: &str) -> (i64, i64) {
    let v = ok_json(app.get_as("/api/v1/me/accounts", token).await, 200).await;
    let of = |asset: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|a| a["asset"] == asset)
            .unwrap()["balance"]
            .as_i64()
            .unwrap()
    };
    (of("time"), of("coin"))
}

async fn close(app: &TestApp, w: &World, item: Option<&str>, minutes: i64) -> String {
    let o = place(app, &w.resident_a, &w.grid_a, item).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let steps: [(&crate::helpers::Session, &str, Value); 5] = [
        (
            &w.staff_a,
            "dispatch",
            json!({"mode": "assign", "member_id": w.member_a.user_id}),
        ),
        (&w.member_a, "accept", json!({})),
        (&w.member_a, "start", json!({})),
        (&w.member_a, "complete", json!({"minutes": minutes})),
        (&w.resident_a, "confirm", json!({"rating": 5})),
    ];
    for (who, a, body) in steps {
        ok_json(act(app, who, &o, a, body).await, 200).await;
    }
    o
}

async fn reconcile(app: &TestApp, w: &World) -> Value {
    ok_json(
        app.get_as("/api/v1/ledger/reconciliation", &w.admin.token).await,
        200,
    )
    .await
}

#[tokio::test]
async fn closing_an_order_credits_the_member_from_the_community_pool() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(balances(&app, &w.member_a.token).await, (0, 0));
    let item = item(&app, &w).await;
    let o = close(&app, &w, Some(&item), 90).await;
    assert_eq!(
        balances(&app, &w.member_a.token).await,
        (60, 10),
        "minutes capped at the item's 60, its 10 coins"
    );

    let st = ok_json(
        app.get_as("/api/v1/me/transactions", &w.member_a.token).await,
        200,
    )
    .await;
    let items = st["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for e in items {
        assert_eq!(
            (e["kind"].as_str(), e["phase"].as_str()),
            (Some("award"), Some("posted"))
        );
        assert_eq!(e["reference"], format!("order:{o}"));
        assert_eq!(e["counterparty"]["name"], "和平社区积分池");
        assert!(e["amount"].as_i64().unwrap() > 0);
    }
    let coins = ok_json(
        app.get_as("/api/v1/me/transactions?asset=coin", &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(coins["items"].as_array().unwrap().len(), 1);
    assert_eq!(coins["items"][0]["amount"], 10);

    let r = reconcile(&app, &w).await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(r["assets"].as_array().unwrap().iter().all(|a| a["sum"] == 0));
    assert_eq!(
        app.get_as("/api/v1/ledger/reconciliation", &w.staff_a.token)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_close_by_the_resident_and_by_the_clock_at_once_awards_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let mut orders = Vec::new();
    for _ in 0..4 {
        let o = place(&app, &w.resident_a, &w.grid_a, None).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let steps: [(&crate::helpers::Session, &str, Value); 4] = [
            (
                &w.staff_a,
                "dispatch",
                json!({"mode": "assign", "member_id": w.member_a.user_id}),
            ),
            (&w.member_a, "accept", json!({})),
            (&w.member_a, "start", json!({})),
            (&w.member_a, "complete", json!({"minutes": 30})),
        ];
        for (who, a, body) in steps {
            ok_json(act(&app, who, &o, a, body).await, 200).await;
        }
        orders.push(o);
    }
    let confirms = orders
        .iter()
        .map(|o| act(&app, &w.resident_a, o, "confirm", json!({"rating": 4})));
    let clock = linli::orders::sla::tick(&app.state, Utc::now() + Duration::days(8));
    let (_, ticked) = tokio::join!(futures_util::future::join_all(confirms), clock);
    ticked.unwrap();
    assert_eq!(
        balances(&app, &w.member_a.token).await.0,
        4 * 30,
        "each order's minutes once"
    );
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

#[tokio::test]
async fn an_unposted_claim_is_posted_once_by_the_clock() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let o: i64 = place(&app, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    award_claim::ActiveModel {
        order_id: Set(o),
        member_id: Set(w.member_a.user_id.parse().unwrap()),
        community_id: Set(w.comm_a.parse().unwrap()),
        minutes: Set(15),
        coins: Set(3),
        created_at: Set(Utc::now()),
        posted_at: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let first = linli::orders::sla::tick(&app.state, Utc::now()).await.unwrap();
    let second = linli::orders::sla::tick(&app.state, Utc::now()).await.unwrap();
    assert_eq!((first.awarded, second.awarded), (1, 0));
    assert_eq!(balances(&app, &w.member_a.token).await, (15, 3));
}

#[tokio::test]
async fn transfers_cannot_be_edited_and_tampering_is_found() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    close(&app, &w, None, 20).await;
    let db = &app.state.db;
    assert!(
        db.execute_unprepared("UPDATE transfer SET amount = 1000")
            .await
            .is_err(),
        "update allowed"
    );
    assert!(
        db.execute_unprepared("DELETE FROM transfer").await.is_err(),
        "delete allowed"
    );
    let r = db
        .execute_unprepared(
            "UPDATE account SET credits_posted = credits_posted + 5 WHERE owner_kind = 'user'",
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    let report = reconcile(&app, &w).await;
    assert_eq!(report["ok"], false);
    let kinds: Vec<&str> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"totals_mismatch") && kinds.contains(&"sum_not_zero"),
        "{report}"
    );
    // A restricted account below zero is caught, and the database refuses to write one.
    let res = db
        .execute_unprepared(
            "UPDATE account SET debits_posted = debits_posted + 1000 WHERE owner_kind = 'user'",
        )
        .await;
    assert!(
        res.is_err(),
        "the CHECK constraint keeps user accounts from going negative"
    );
}

#[tokio::test]
async fn ledger_check_command_reports_violations() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    close(&app, &w, None, 20).await;
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
            .args(["ledger", "check"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.database_url)
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ledger ok"));
    app.state
        .db
        .execute_unprepared(
            "UPDATE account SET credits_posted = credits_posted + 7 WHERE owner_kind = 'pool'",
        )
        .await
        .unwrap();
    let bad = run();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("VIOLATION totals_mismatch"));
}
