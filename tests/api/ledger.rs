//! The points bank as far as it goes: awards posted once, balances, statement, invariants.

use crate::helpers::{TestApp, ok_json, spawn_app};
use crate::orders::{act, completed, item, place};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use entity::award_claim;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{Value, json};

pub async fn balances(app: &TestApp, token: &str) -> (i64, i64) {
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
    let o = completed(app, w, item, json!({"minutes": minutes})).await;
    ok_json(
        act(app, &w.resident_a, &o, "confirm", json!({"rating": 5})).await,
        200,
    )
    .await;
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
    let first = linli::jobs::tick(&app.state, Utc::now()).await.unwrap();
    let second = linli::jobs::tick(&app.state, Utc::now()).await.unwrap();
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

async fn keyed(app: &TestApp, token: &str, path: &str, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn grant(app: &TestApp, w: &World, to: &str, coins: i64, key: &str) -> reqwest::Response {
    let body = json!({"user_id": to, "asset": "coin", "amount": coins, "reason": "志愿活动补贴"});
    keyed(
        app,
        &w.staff_a.token,
        &format!("/api/v1/regions/{}/grants", w.comm_a),
        key,
        body,
    )
    .await
}

#[tokio::test]
async fn staff_grants_are_capped_audited_and_idempotent() {
    let app = crate::helpers::spawn_app_with(
        &[("GRANT_MAX_COINS", "100"), ("GRANT_DAILY_COINS", "150")],
        |_| {},
    )
    .await;
    let w = world::build(&app).await;
    let first = grant(&app, &w, &w.member_a.user_id, 80, "g-1").await;
    assert_eq!(first.status(), 201);
    let first_body = first.text().await.unwrap();
    let again = grant(&app, &w, &w.member_a.user_id, 80, "g-1").await;
    assert_eq!(
        (
            again.status().as_u16(),
            again.headers()["idempotent-replayed"].to_str().unwrap()
        ),
        (201, "true")
    );
    assert_eq!(again.text().await.unwrap(), first_body, "replayed byte for byte");
    assert_eq!(balances(&app, &w.member_a.token).await.1, 80, "granted once");
    let other_body = grant(&app, &w, &w.member_a.user_id, 81, "g-1").await;
    assert_eq!(
        crate::helpers::problem(other_body).await["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );

    let path = format!("/api/v1/regions/{}/grants", w.comm_a);
    let body = json!({"user_id": w.member_a.user_id, "asset": "coin", "amount": 1, "reason": "x"});
    let res = app.post_as(&path, &w.staff_a.token, body.clone()).await;
    assert_eq!(
        crate::helpers::problem(res).await["code"],
        "IDEMPOTENCY_KEY_REQUIRED"
    );
    let codes = [
        (
            grant(&app, &w, &w.member_a.user_id, 101, "g-2").await,
            422,
            "GRANT_LIMIT_EXCEEDED",
        ),
        (
            grant(&app, &w, &w.member_a.user_id, 80, "g-3").await,
            422,
            "GRANT_LIMIT_EXCEEDED",
        ),
        (
            grant(&app, &w, &w.resident_b.user_id, 5, "g-4").await,
            422,
            "RECIPIENT_INVALID",
        ),
        (
            keyed(&app, &w.staff_b.token, &path, "g-5", body.clone()).await,
            404,
            "NOT_FOUND",
        ),
        (
            keyed(&app, &w.resident_a.token, &path, "g-6", body.clone()).await,
            403,
            "FORBIDDEN",
        ),
    ];
    for (res, status, code) in codes {
        assert_eq!(res.status().as_u16(), status, "{code}");
        assert_eq!(crate::helpers::problem(res).await["code"], code);
    }
    assert_eq!(
        grant(&app, &w, &w.resident_a.user_id, 70, "g-7").await.status(),
        201,
        "150 a day in all"
    );
    let st = ok_json(
        app.get_as("/api/v1/me/transactions?kind=grant", &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(st["items"][0]["memo"], "志愿活动补贴");
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

async fn donate(app: &TestApp, from: &str, to: &str, amount: i64, key: &str) -> reqwest::Response {
    keyed(
        app,
        from,
        "/api/v1/transfers",
        key,
        json!({"to_user_id": to, "asset": "coin", "amount": amount, "memo": "送给邻居"}),
    )
    .await
}

#[tokio::test]
async fn donations_move_what_the_giver_has() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let res = donate(&app, &w.member_a.token, &w.resident_a.user_id, 4, "d-1").await;
    assert_eq!(ok_json(res, 201).await["kind"], "donation");
    assert_eq!(balances(&app, &w.member_a.token).await.1, 6);
    assert_eq!(balances(&app, &w.resident_a.token).await.1, 4);
    let cases = [
        (
            donate(&app, &w.member_a.token, &w.resident_a.user_id, 7, "d-2").await,
            409,
            "INSUFFICIENT_BALANCE",
        ),
        (
            donate(&app, &w.member_a.token, &w.member_a.user_id, 1, "d-3").await,
            422,
            "RECIPIENT_INVALID",
        ),
        (
            donate(&app, &w.member_a.token, "999999", 1, "d-4").await,
            404,
            "USER_NOT_FOUND",
        ),
        (
            donate(&app, &w.member_a.token, &w.resident_a.user_id, 0, "d-5").await,
            400,
            "VALIDATION_FAILED",
        ),
    ];
    for (res, status, code) in cases {
        assert_eq!(res.status().as_u16(), status, "{code}");
        assert_eq!(crate::helpers::problem(res).await["code"], code);
    }
    // A refusal is an answer too: the same key gets the same refusal, even once funds arrive.
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 50, "more").await.status(),
        201
    );
    let again = donate(&app, &w.member_a.token, &w.resident_a.user_id, 7, "d-2").await;
    assert_eq!(
        crate::helpers::problem(again).await["code"],
        "INSUFFICIENT_BALANCE"
    );
}

#[tokio::test]
async fn a_hundred_spends_of_an_account_that_affords_ten() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let keys: Vec<String> = (0..100).map(|i| format!("spend-{i}")).collect();
    let spends = keys
        .iter()
        .map(|k| donate(&app, &w.member_a.token, &w.resident_a.user_id, 1, k));
    let statuses: Vec<u16> = futures_util::future::join_all(spends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409));
    assert_eq!(balances(&app, &w.member_a.token).await.1, 0);
    assert_eq!(balances(&app, &w.resident_a.token).await.1, 10);
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

#[tokio::test]
async fn one_key_fifty_times_at_once_is_one_transfer() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 100, "seed").await.status(),
        201
    );
    let sends = (0..50).map(|_| donate(&app, &w.member_a.token, &w.resident_a.user_id, 3, "same-key"));
    let mut bodies = Vec::new();
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(r.status(), 201);
        bodies.push(r.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|p| p[0] == p[1]), "identical replies");
    assert_eq!(balances(&app, &w.resident_a.token).await.1, 3, "one transfer");
}

#[tokio::test]
async fn reversal_once_and_never_below_zero() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let gift = ok_json(
        donate(&app, &w.member_a.token, &w.resident_a.user_id, 4, "d").await,
        201,
    )
    .await;
    let path = format!("/api/v1/transfers/{}/reverse", gift["id"].as_str().unwrap());
    let body = json!({"reason": "误操作"});
    let res = keyed(&app, &w.staff_a.token, &path, "r-0", body.clone()).await;
    assert_eq!(res.status(), 403, "system admins only");
    let undone = ok_json(keyed(&app, &w.admin.token, &path, "r-1", body.clone()).await, 201).await;
    assert_eq!(
        (undone["kind"].as_str(), undone["reversal_of"].as_str()),
        (Some("reversal"), gift["id"].as_str())
    );
    assert_eq!(
        (
            balances(&app, &w.member_a.token).await.1,
            balances(&app, &w.resident_a.token).await.1
        ),
        (10, 0)
    );
    let twice = keyed(&app, &w.admin.token, &path, "r-2", body.clone()).await;
    assert_eq!(
        crate::helpers::problem(twice).await["code"],
        "TRANSFER_ALREADY_REVERSED"
    );

    // The member spends the granted coins; taking the grant back would drive them below zero.
    let st = ok_json(
        app.get_as("/api/v1/me/transactions?kind=grant", &w.member_a.token)
            .await,
        200,
    )
    .await;
    let grant_id = st["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        donate(&app, &w.member_a.token, &w.resident_a.user_id, 8, "d-2")
            .await
            .status(),
        201
    );
    let res = keyed(
        &app,
        &w.admin.token,
        &format!("/api/v1/transfers/{grant_id}/reverse"),
        "r-3",
        body,
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(crate::helpers::problem(res).await["code"], "INSUFFICIENT_BALANCE");
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

#[tokio::test]
async fn a_hold_is_posted_or_voided_once_even_at_the_same_moment() {
    use linli::ledger::{self, Asset, Movement, Owner};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let member: i64 = w.member_a.user_id.parse().unwrap();
    let mut spent = 0;
    for round in 0..5 {
        let txn = linli::db::begin_write(&app.state.db).await.unwrap();
        let m = Movement {
            from: Owner::User(member),
            to: Owner::Store(1),
            asset: Asset::Coin,
            amount: 2,
            kind: ledger::TransferKind::Redeem,
            reference: Some(format!("redemption:{round}")),
            actor: None,
            memo: None,
            at: Utc::now(),
            reversal_of: None,
        };
        let hold = ledger::holds::hold(&txn, m, None).await.unwrap();
        txn.commit().await.unwrap();
        let (held, available) = {
            let v = ok_json(app.get_as("/api/v1/me/accounts", &w.member_a.token).await, 200).await;
            let coin = v
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["asset"] == "coin")
                .unwrap()
                .clone();
            (
                coin["held"].as_i64().unwrap(),
                coin["available"].as_i64().unwrap(),
            )
        };
        assert_eq!(
            (held, available),
            (2, 10 - spent - 2),
            "a hold is held, not spent"
        );
        let resolve = |post: bool| {
            let db = app.state.db.clone();
            async move {
                let txn = linli::db::begin_write(&db).await.unwrap();
                let r = ledger::holds::resolve(&txn, hold.id, post, None, Utc::now()).await;
                if r.is_ok() {
                    txn.commit().await.unwrap();
                }
                r.map(|t| t.phase)
            }
        };
        let (posted, voided) = tokio::join!(tokio::spawn(resolve(true)), tokio::spawn(resolve(false)));
        let (posted, voided) = (posted.unwrap(), voided.unwrap());
        assert!(
            posted.is_ok() != voided.is_ok(),
            "exactly one wins: {posted:?} / {voided:?}"
        );
        let loser = posted.as_ref().err().or(voided.as_ref().err()).unwrap();
        assert_eq!(loser.code, linli::error::ErrorCode::HoldNotPending);
        if posted.is_ok() {
            spent += 2;
        }
        if voided.is_ok() {
            // Voided: the coins come back (this round spends nothing).
            let txn = linli::db::begin_write(&app.state.db).await.unwrap();
            let again = ledger::holds::resolve(&txn, hold.id, true, None, Utc::now()).await;
            assert!(again.is_err(), "a voided hold cannot be posted later");
        }
    }
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

#[tokio::test]
async fn me_shows_balances_and_staff_see_their_pool() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let item = item(&app, &w).await;
    close(&app, &w, Some(&item), 45).await;
    let me = ok_json(app.get_as("/api/v1/me", &w.member_a.token).await, 200).await;
    let time = me["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "time")
        .unwrap()
        .clone();
    assert_eq!(time["balance"], 45, "cumulative service minutes on the profile");

    let path = format!("/api/v1/regions/{}/transactions", w.comm_a);
    let pool = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    let amounts: Vec<i64> = pool["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts.len(), 2);
    assert!(
        amounts.iter().all(|a| *a < 0),
        "the pool issued them: {amounts:?}"
    );
    assert_eq!(
        pool["items"][0]["counterparty"]["name"], "和***",
        "people are masked in the pool's statement"
    );
    assert_eq!(app.get_as(&path, &w.staff_b.token).await.status(), 404);
    assert_eq!(app.get_as(&path, &w.resident_a.token).await.status(), 403);
}

#[tokio::test]
async fn expired_holds_are_released_by_the_clock() {
    use linli::ledger::{self, Asset, Movement, Owner};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let txn = linli::db::begin_write(&app.state.db).await.unwrap();
    let m = Movement {
        from: Owner::User(w.member_a.user_id.parse().unwrap()),
        to: Owner::Store(1),
        asset: Asset::Coin,
        amount: 6,
        kind: ledger::TransferKind::Redeem,
        reference: None,
        actor: None,
        memo: None,
        at: Utc::now(),
        reversal_of: None,
    };
    ledger::holds::hold(&txn, m, Some(Utc::now() + Duration::minutes(30)))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let early = linli::jobs::tick(&app.state, Utc::now()).await.unwrap();
    assert_eq!(early.expired_holds, 0);
    let late = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(late.expired_holds, 1);
    let v = ok_json(app.get_as("/api/v1/me/accounts", &w.member_a.token).await, 200).await;
    let coin = v
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["asset"] == "coin")
        .unwrap()
        .clone();
    assert_eq!(
        (
            coin["balance"].as_i64(),
            coin["held"].as_i64(),
            coin["available"].as_i64()
        ),
        (Some(10), Some(0), Some(10))
    );
    assert_eq!(
        linli::jobs::tick(&app.state, Utc::now() + Duration::hours(2))
            .await
            .unwrap()
            .expired_holds,
        0
    );
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

/// A donation's body, and the key row of an earlier attempt with it still `in_flight`, last
/// touched `age` ago.
async fn attempt_in_flight(app: &TestApp, w: &World, key: &str, age: Duration) -> Vec<u8> {
    use sea_orm::ActiveModelTrait;
    use sha2::Digest;
    let body = json!({"to_user_id": w.resident_a.user_id, "asset": "coin", "amount": 1, "memo": "送给邻居"});
    let text = serde_json::to_vec(&body).unwrap();
    let mut h = sha2::Sha256::new();
    h.update(b"POST /api/v1/transfers\n");
    h.update(&text);
    let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let then = Utc::now() - age;
    entity::idempotency_key::ActiveModel {
        actor_id: Set(w.member_a.user_id.parse().unwrap()),
        key: Set(key.into()),
        request_hash: Set(hash),
        status: Set(entity::idempotency_key::KeyStatus::InFlight),
        created_at: Set(then),
        updated_at: Set(then),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    text
}

async fn send_donation(app: &TestApp, w: &World, key: &str, text: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/transfers"))
        .bearer_auth(&w.member_a.token)
        .header("Idempotency-Key", key)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_still_in_flight_answers_409() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // A first request with this key is still running (its row is fresh and not done).
    let text = attempt_in_flight(&app, &w, "busy", Duration::zero()).await;
    let res = send_donation(&app, &w, "busy", text).await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        crate::helpers::problem(res).await["code"],
        "IDEMPOTENCY_KEY_IN_FLIGHT"
    );
}

#[tokio::test]
async fn an_abandoned_key_is_taken_over_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    // The first attempt died two minutes ago without an answer: a retry takes the key over.
    let text = attempt_in_flight(&app, &w, "dead", Duration::minutes(2)).await;
    let first = send_donation(&app, &w, "dead", text.clone()).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let again = send_donation(&app, &w, "dead", text).await;
    assert_eq!(again.text().await.unwrap(), first, "then replayed");
    assert_eq!(balances(&app, &w.resident_a.token).await.1, 1, "one donation");
}

#[tokio::test]
async fn an_attempt_whose_key_was_taken_over_leaves_nothing() {
    use linli::ledger::{Asset, Movement, Owner};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let member: i64 = w.member_a.user_id.parse().unwrap();
    let community: i64 = w.comm_a.parse().unwrap();
    let key =
        linli::idempotency::Key::new(member, "slow".into(), "POST /api/v1/anything", &json!({})).unwrap();
    let res = linli::idempotency::once(&app.state.db, Some(&key), 201, async |txn| {
        linli::ledger::post(
            txn,
            Movement {
                from: Owner::Pool(community),
                to: Owner::User(member),
                asset: Asset::Coin,
                amount: 5,
                kind: linli::ledger::TransferKind::Grant,
                reference: None,
                actor: None,
                memo: None,
                at: Utc::now(),
                reversal_of: None,
            },
        )
        .await?;
        // Meanwhile the key is taken over, as a retry does once the attempt looks abandoned.
        entity::idempotency_key::Entity::update_many()
            .col_expr(
                entity::idempotency_key::Column::UpdatedAt,
                Expr::value(Utc::now() + Duration::seconds(1)),
            )
            .filter(entity::idempotency_key::Column::Key.eq("slow"))
            .exec(txn)
            .await?;
        Ok(json!({}))
    })
    .await;
    let err = res.expect_err("the attempt that lost its key does not answer");
    assert_eq!(err.code, linli::error::ErrorCode::IdempotencyKeyInFlight);
    assert_eq!(
        balances(&app, &w.member_a.token).await.1,
        0,
        "its effect rolled back"
    );
}

#[tokio::test]
async fn a_refusal_for_a_change_at_the_same_moment_is_not_replayed() {
    use linli::error::{AppError, ErrorCode};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let actor: i64 = w.member_a.user_id.parse().unwrap();
    let runs = AtomicUsize::new(0);
    let call = async |key: &str, refusal: ErrorCode| {
        let key =
            linli::idempotency::Key::new(actor, key.into(), "POST /api/v1/anything", &json!({})).unwrap();
        linli::idempotency::once(&app.state.db, Some(&key), 201, async |_| {
            // The first run is refused; a run after that succeeds.
            if runs.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                Err(AppError::new(refusal))
            } else {
                Ok(json!({}))
            }
        })
        .await
        .map(|answer| answer.status)
        .unwrap_or_else(|e| e.code.status().as_u16())
    };
    // Changed meanwhile: the retry with the same key runs again, and goes through.
    assert_eq!(call("changed", ErrorCode::GoodsChanged).await, 409);
    assert_eq!(call("changed", ErrorCode::GoodsChanged).await, 201);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // Out of stock: the refusal is the answer for that key, replayed without running again.
    assert_eq!(call("sold-out", ErrorCode::OutOfStock).await, 409);
    assert_eq!(call("sold-out", ErrorCode::OutOfStock).await, 409);
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

/// Opposite donations at once among a few people: every account pair is locked in one order, so
/// nothing deadlocks (PostgreSQL answered 500 `deadlock detected` before) and the books balance.
#[tokio::test]
async fn four_hundred_donations_both_ways_at_once_never_fail() {
    use futures_util::StreamExt;
    use rand::{Rng, SeedableRng};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let mut people = Vec::new();
    for i in 0..8 {
        let s = app.login(&format!("1390000{i:04}"), "邻居").await;
        world::grant(&app, &w.staff_a.token, &w.comm_a, &s.user_id, "member").await;
        let res = grant(&app, &w, &s.user_id, 20, &format!("seed-{i}")).await;
        assert_eq!(res.status(), 201);
        people.push(s);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(10);
    let plan: Vec<(usize, usize, i64)> = (0..400)
        .map(|_| {
            let from = rng.random_range(0..8);
            let to = (from + rng.random_range(1..8)) % 8;
            (from, to, rng.random_range(1..=3))
        })
        .collect();
    let keys: Vec<String> = (0..plan.len()).map(|i| format!("both-ways-{i}")).collect();
    let sends = plan.iter().zip(&keys).map(|(&(from, to, amount), key)| {
        donate(&app, &people[from].token, &people[to].user_id, amount, key)
    });
    // 32 in flight at a time: a crowd, not a flood past the connection pool.
    let answers: Vec<reqwest::Response> = futures_util::stream::iter(sends)
        .buffer_unordered(32)
        .collect()
        .await;
    let mut statuses: Vec<u16> = Vec::new();
    for r in answers {
        let status = r.status().as_u16();
        if status != 201 {
            assert_eq!(
                crate::helpers::problem(r).await["code"],
                "INSUFFICIENT_BALANCE",
                "only a shortfall may refuse"
            );
        }
        statuses.push(status);
    }
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s == 201).count() > 200,
        "{statuses:?}"
    );
    let mut total = 0;
    for s in &people {
        total += balances(&app, &s.token).await.1;
    }
    assert_eq!(total, 8 * 20, "coins only moved between the eight");
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

/// Staff cannot mint points for themselves; admins above see every grant, who made it and why.
#[tokio::test]
async fn no_self_grants_and_admins_above_audit_every_grant() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let own = grant(&app, &w, &w.staff_a.user_id, 10, "self").await;
    assert_eq!(own.status(), 422);
    assert_eq!(crate::helpers::problem(own).await["code"], "SELF_GRANT");
    assert_eq!(balances(&app, &w.staff_a.token).await.1, 0);

    let first = ok_json(grant(&app, &w, &w.member_a.user_id, 30, "a-1").await, 201).await;
    ok_json(grant(&app, &w, &w.resident_a.user_id, 5, "a-2").await, 201).await;
    let reversal = keyed(
        &app,
        &w.admin.token,
        &format!("/api/v1/transfers/{}/reverse", first["id"].as_str().unwrap()),
        "rev-1",
        json!({"reason": "发错人"}),
    )
    .await;
    let reversal = ok_json(reversal, 201).await;

    let street_admin = app.login("13800000031", "街道管理员").await;
    world::grant(&app, &w.admin.token, &w.street, &street_admin.user_id, "admin").await;
    let audit = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/grants", w.street),
            &street_admin.token,
        )
        .await,
        200,
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{audit}");
    assert_eq!(items[1]["id"], first["id"]);
    assert_eq!(items[1]["granted_by"]["id"], w.staff_a.user_id.as_str());
    assert_eq!(items[1]["granted_by"]["name"], "和平社工");
    assert_eq!(items[1]["recipient"]["name"], "和平党员");
    assert_eq!(items[1]["community"]["name"], "和平社区");
    assert_eq!(
        (items[1]["amount"].as_i64(), items[1]["asset"].as_str()),
        (Some(30), Some("coin"))
    );
    assert_eq!(items[1]["reason"], "志愿活动补贴");
    assert_eq!(items[1]["reversed_by"], reversal["id"]);
    assert_eq!(items[0]["reversed_by"], Value::Null);

    let page = ok_json(
        app.get_as(
            &format!(
                "/api/v1/regions/{}/grants?limit=1&user_id={}",
                w.street, w.resident_a.user_id
            ),
            &street_admin.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["recipient"]["name"], "和平居民");
    assert_eq!(page["next_cursor"], Value::Null);

    // Staff are audited, not auditors; another community's admin sees nothing of this one.
    let staff_view = app
        .get_as(&format!("/api/v1/regions/{}/grants", w.comm_a), &w.staff_a.token)
        .await;
    assert_eq!(staff_view.status(), 403);
    let other_admin = app.login("13800000032", "团结管理员").await;
    world::grant(&app, &w.admin.token, &w.comm_b, &other_admin.user_id, "admin").await;
    let elsewhere = app
        .get_as(
            &format!("/api/v1/regions/{}/grants", w.comm_a),
            &other_admin.token,
        )
        .await;
    assert_eq!(elsewhere.status(), 404);
    let own_tree = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/grants", w.comm_b),
            &other_admin.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(own_tree["items"].as_array().unwrap().len(), 0);
}

/// Two people give to each other at the very same moments, many times over (A→B and B→A sent
/// together): the pair is always locked in one order, so neither waits for the other in a
/// circle (no deadlock, no 5xx) and both end where they began.
#[tokio::test]
async fn crosswise_donations_at_once_never_deadlock() {
    use futures_util::StreamExt;
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let mut pair = Vec::new();
    for i in 0..2 {
        let s = app.login(&format!("1391111{i:04}"), "邻居").await;
        world::grant(&app, &w.staff_a.token, &w.comm_a, &s.user_id, "member").await;
        let res = grant(&app, &w, &s.user_id, 50, &format!("cross-seed-{i}")).await;
        assert_eq!(res.status(), 201);
        pair.push(s);
    }
    let (a, b) = (&pair[0], &pair[1]);
    let app = &app;
    let rounds = (0..150).map(|i| async move {
        let (k1, k2) = (format!("ab-{i}"), format!("ba-{i}"));
        let (ab, ba) = futures_util::join!(
            donate(app, &a.token, &b.user_id, 1, &k1),
            donate(app, &b.token, &a.user_id, 1, &k2),
        );
        [ab.status().as_u16(), ba.status().as_u16()]
    });
    // 8 rounds (16 donations) in flight at a time: each giver always has more than it can owe.
    let statuses: Vec<u16> = futures_util::stream::iter(rounds)
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(statuses.len(), 300);
    assert_eq!(balances(app, &a.token).await.1, 50);
    assert_eq!(balances(app, &b.token).await.1, 50);
    assert_eq!(reconcile(app, &w).await["ok"], true);
}

/// The same donation sent eight times at once with one key: the key, the movement and the answer
/// commit together, so a duplicate waits for the first and replays its answer; one coin moves.
#[tokio::test]
async fn one_key_sent_many_times_at_once_moves_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    assert_eq!(
        grant(&app, &w, &w.member_a.user_id, 10, "seed").await.status(),
        201
    );
    let sends = (0..8).map(|_| donate(&app, &w.member_a.token, &w.resident_a.user_id, 3, "crowd"));
    let answers = futures_util::future::join_all(sends).await;
    let mut bodies = Vec::new();
    for res in answers {
        assert_eq!(res.status(), 201);
        bodies.push(res.text().await.unwrap());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert_eq!(balances(&app, &w.resident_a.token).await.1, 3);
    assert_eq!(balances(&app, &w.member_a.token).await.1, 7);
    assert_eq!(reconcile(&app, &w).await["ok"], true);
}

/// Reconciliation read during live traffic sees every transfer whole or not at all: a donation
/// committing between its reads (accounts, then the sums of transfers) never shows as a
/// violation.
#[tokio::test]
async fn reconciliation_during_donations_finds_nothing_wrong() {
    use futures_util::StreamExt;
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let mut people = Vec::new();
    for i in 0..4 {
        let s = app.login(&format!("1391000{i:04}"), "邻居").await;
        world::grant(&app, &w.staff_a.token, &w.comm_a, &s.user_id, "member").await;
        assert_eq!(
            grant(&app, &w, &s.user_id, 500, &format!("live-seed-{i}"))
                .await
                .status(),
            201
        );
        people.push(s);
    }
    let keys: Vec<String> = (0..300).map(|i| format!("live-{i}")).collect();
    let sends = keys.iter().enumerate().map(|(i, key)| {
        let (from, to) = (&people[i % 4], &people[(i + 1) % 4]);
        donate(&app, &from.token, &to.user_id, 1, key)
    });
    let traffic = futures_util::stream::iter(sends)
        .buffer_unordered(8)
        .map(|r| r.status().as_u16())
        .collect::<Vec<u16>>();
    let checks = async {
        let mut reports = Vec::new();
        for _ in 0..40 {
            reports.push(reconcile(&app, &w).await);
        }
        reports
    };
    let (statuses, reports) = tokio::join!(traffic, checks);
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    for report in &reports {
        assert_eq!(report["ok"], true, "{report}");
    }
}

/// The clock's hold sweep reads holds only, through the partial index `ix_transfer_hold_due`,
/// even in the generic plan PostgreSQL adopts for a prepared statement; a `phase` bound as a
/// parameter cannot use a partial index, and the sweep then read every transfer of the ledger.
#[tokio::test]
async fn the_hold_sweep_reads_the_hold_index_only() {
    use sea_orm::{EntityTrait, QueryFilter, QuerySelect, QueryTrait};
    let app = spawn_app().await;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sweep = entity::transfer::Entity::find()
        .select_only()
        .column(entity::transfer::Column::Id)
        .filter(linli::ledger::holds::due(Utc::now()))
        .build(backend);
    let plan = crate::helpers::generic_plan(db, sweep).await;
    assert!(plan.contains("ix_transfer_hold_due"), "{plan}");
}
