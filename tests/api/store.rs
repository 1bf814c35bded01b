//! The love supermarket through the API: redeem, pick up, cancel, expire, settle; every refusal;
//! races on stock, balances, limits and resolution; who may reach which store route.

use crate::authz::expect_all;
use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app_with};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

pub struct Shop {
    pub store: String,
    /// 30 coins, stock 10, at most 2 per person a month.
    pub soap: String,
    /// 10 coins, stock 50, no limit.
    pub towel: String,
    pub clerk: Session,
    /// Community B's store, its goods (5 coins, stock 10) and clerk.
    pub store_b: String,
    pub goods_b: String,
    pub clerk_b: Session,
}

async fn goods(app: &TestApp, token: &str, store: &str, body: Value) -> String {
    let res = app
        .post_as(&format!("/api/v1/stores/{store}/goods"), token, body)
        .await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

async fn open_store(app: &TestApp, token: &str, community: &str, name: &str) -> String {
    let res = app
        .post_as(
            &format!("/api/v1/regions/{community}/stores"),
            token,
            json!({"name": name, "address": "党群服务中心", "opening_hours": "9:00-17:00"}),
        )
        .await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

pub async fn shop(app: &TestApp, w: &World) -> Shop {
    let store = open_store(app, &w.staff_a.token, &w.comm_a, "和平爱心超市").await;
    let soap = goods(
        app,
        &w.staff_a.token,
        &store,
        json!({"name": "洗衣液", "price_coins": 30, "stock": 10, "monthly_limit": 2}),
    )
    .await;
    let towel = goods(
        app,
        &w.staff_a.token,
        &store,
        json!({"name": "毛巾", "price_coins": 10, "stock": 50}),
    )
    .await;
    let clerk = app.login("13800000041", "和平店员").await;
    world::grant(app, &w.admin.token, &w.comm_a, &clerk.user_id, "clerk").await;
    let store_b = open_store(app, &w.staff_b.token, &w.comm_b, "团结爱心超市").await;
    let goods_b = goods(
        app,
        &w.staff_b.token,
        &store_b,
        json!({"name": "香皂", "price_coins": 5, "stock": 10}),
    )
    .await;
    let clerk_b = app.login("13800000042", "团结店员").await;
    world::grant(app, &w.admin.token, &w.comm_b, &clerk_b.user_id, "clerk").await;
    Shop {
        store,
        soap,
        towel,
        clerk,
        store_b,
        goods_b,
        clerk_b,
    }
}

/// A fresh server with both stores open and resident A holding `coins`.
async fn opened(coins_for_resident_a: i64) -> (TestApp, World, Shop) {
    opened_with(&[], coins_for_resident_a).await
}

/// The same, on a server with these settings.
async fn opened_with(settings: &[(&str, &str)], coins_for_resident_a: i64) -> (TestApp, World, Shop) {
    let app = spawn_app_with(settings, |_| {}).await;
    let w = world::build(&app).await;
    let s = shop(&app, &w).await;
    if coins_for_resident_a > 0 {
        coins(
            &app,
            &w.staff_a,
            &w.comm_a,
            &w.resident_a.user_id,
            coins_for_resident_a,
        )
        .await;
    }
    (app, w, s)
}

/// Staff of `community` give `who` coins.
pub async fn coins(app: &TestApp, staff: &Session, community: &str, who: &str, amount: i64) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/regions/{community}/grants")))
        .bearer_auth(&staff.token)
        .header(
            "Idempotency-Key",
            format!("coins-{who}-{}", crate::helpers::random_hex(6)),
        )
        .json(&json!({"user_id": who, "asset": "coin", "amount": amount, "reason": "志愿服务"}))
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await;
}

pub async fn redeem(app: &TestApp, token: &str, key: &str, store: &str, items: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/redemptions"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"store_id": store, "items": items}))
        .send()
        .await
        .unwrap()
}

fn one(goods: &str, quantity: i64) -> Value {
    json!([{"goods_id": goods, "quantity": quantity}])
}

async fn stock_of(app: &TestApp, token: &str, store: &str, goods: &str) -> i64 {
    let list = ok_json(
        app.get_as(&format!("/api/v1/stores/{store}/goods"), token).await,
        200,
    )
    .await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == goods)
        .unwrap()["stock"]
        .as_i64()
        .unwrap()
}

/// (balance, held, available) of the caller's coins.
async fn wallet(app: &TestApp, token: &str) -> (i64, i64, i64) {
    let v = ok_json(app.get_as("/api/v1/me/accounts", token).await, 200).await;
    let c = v
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["asset"] == "coin")
        .unwrap()
        .clone();
    let n = |k: &str| c[k].as_i64().unwrap();
    (n("balance"), n("held"), n("available"))
}

async fn assert_reconciled(app: &TestApp, w: &World) {
    let r = ok_json(
        app.get_as("/api/v1/ledger/reconciliation", &w.admin.token).await,
        200,
    )
    .await;
    assert_eq!(r["ok"], true, "{r}");
}

async fn pick_up(app: &TestApp, clerk: &Session, store: &str, code: &str) -> reqwest::Response {
    app.post_as(
        &format!("/api/v1/stores/{store}/pickups"),
        &clerk.token,
        json!({"code": code}),
    )
    .await
}

async fn code_of(res: reqwest::Response) -> (String, String, Value) {
    let v = ok_json(res, 201).await;
    (
        v["id"].as_str().unwrap().to_owned(),
        v["pickup_code"].as_str().unwrap().to_owned(),
        v,
    )
}

#[tokio::test]
async fn redeem_pick_up_and_settle() {
    let (app, w, s) = opened(200).await;
    let buyer = &w.resident_a;

    let items = json!([{"goods_id": s.soap, "quantity": 2}, {"goods_id": s.towel, "quantity": 3}]);
    let (id, code, v) = code_of(redeem(&app, &buyer.token, "r1", &s.store, items).await).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["total_coins"], 2 * 30 + 3 * 10);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert!(v["qr_payload"].as_str().unwrap().starts_with("LINLI1:"));
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        wallet(&app, &buyer.token).await,
        (200, 90, 110),
        "held, not spent"
    );
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.soap).await, 8);
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.towel).await, 47);

    // The buyer sees the code; the counter sees who, not the code.
    let mine = ok_json(app.get_as("/api/v1/me/redemptions", &buyer.token).await, 200).await;
    assert_eq!(mine["items"][0]["pickup_code"], code.as_str());
    let counter = ok_json(
        app.get_as(
            &format!("/api/v1/stores/{}/redemptions?status=pending", s.store),
            &s.clerk.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(counter["items"][0]["id"], id.as_str());
    assert!(counter["items"][0]["pickup_code"].is_null());
    assert!(counter["items"][0]["qr_payload"].is_null());
    assert_eq!(counter["items"][0]["buyer"]["name"], "和***");

    let done = ok_json(pick_up(&app, &s.clerk, &s.store, &code).await, 200).await;
    assert_eq!(done["status"], "fulfilled");
    assert_eq!(done["items"][0]["name"], "洗衣液");
    assert_eq!(wallet(&app, &buyer.token).await, (110, 0, 110), "spent");
    // A double tap is answered as such, not as a wrong code.
    let again = pick_up(&app, &s.clerk, &s.store, &code).await;
    assert_eq!(again.status(), 409);
    assert_eq!(problem(again).await["code"], "REDEMPTION_NOT_PENDING");
    let mine = ok_json(
        app.get_as(&format!("/api/v1/redemptions/{id}"), &buyer.token)
            .await,
        200,
    )
    .await;
    assert_eq!(mine["status"], "fulfilled");
    assert!(mine["pickup_code"].is_null(), "a used code is not shown again");

    // The scanned QR payload works as well as the digits.
    let (_, _, v) = code_of(redeem(&app, &buyer.token, "r2", &s.store, one(&s.towel, 1)).await).await;
    let qr = v["qr_payload"].as_str().unwrap();
    let done = ok_json(pick_up(&app, &s.clerk, &s.store, qr).await, 200).await;
    assert_eq!(done["status"], "fulfilled");

    // The statement names the store; the month settles against the ledger.
    let statement = ok_json(
        app.get_as("/api/v1/me/transactions?kind=redeem", &buyer.token)
            .await,
        200,
    )
    .await;
    assert_eq!(statement["items"][0]["counterparty"]["name"], "和平爱心超市");
    let month = ok_json(
        app.get_as(
            &format!("/api/v1/stores/{}/settlement", s.store),
            &w.staff_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(month["coins_received"], 100);
    assert_eq!(month["fulfilled_coins"], 100);
    assert_eq!(month["fulfilled"], 2);
    assert_eq!(month["items_handed_out"], 6);
    assert_eq!(month["balance"], 100);
    assert_eq!(month["held_now"], 0);
    assert_eq!(month["reconciled"], true);
    let towels = month["goods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["goods_id"] == s.towel.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (towels["quantity"].as_i64(), towels["coins"].as_i64()),
        (Some(4), Some(40))
    );
    let last_year = ok_json(
        app.get_as(
            &format!("/api/v1/stores/{}/settlement?month=2025-11", s.store),
            &s.clerk.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            last_year["coins_received"].as_i64(),
            last_year["fulfilled"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let bad = app
        .get_as(
            &format!("/api/v1/stores/{}/settlement?month=2026-13", s.store),
            &s.clerk.token,
        )
        .await;
    let bad = problem(bad).await;
    assert_eq!(bad["code"], "VALIDATION_FAILED");
    assert_eq!(bad["errors"][0]["field"], "month");
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn a_retry_with_the_same_key_redeems_once() {
    let (app, w, s) = opened(100).await;
    let buyer = &w.resident_a;
    let first = redeem(&app, &buyer.token, "same", &s.store, one(&s.towel, 2)).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let again = redeem(&app, &buyer.token, "same", &s.store, one(&s.towel, 2)).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.text().await.unwrap(),
        first,
        "the first answer, byte for byte"
    );
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.towel).await, 48);
    assert_eq!(wallet(&app, &buyer.token).await, (100, 20, 80));
    let mine = ok_json(app.get_as("/api/v1/me/redemptions", &buyer.token).await, 200).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    let other = redeem(&app, &buyer.token, "same", &s.store, one(&s.towel, 3)).await;
    assert_eq!(other.status(), 422);
    assert_eq!(problem(other).await["code"], "IDEMPOTENCY_KEY_REUSED");
    let res = app
        .post_as(
            "/api/v1/redemptions",
            &buyer.token,
            json!({"store_id": s.store, "items": one(&s.towel, 1)}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "IDEMPOTENCY_KEY_REQUIRED");
}

#[tokio::test]
async fn every_refusal_has_its_code_and_leaves_nothing_behind() {
    let (app, w, s) = opened(100).await;
    let buyer = &w.resident_a;
    let refused = async |key: &str, store: &str, items: Value, status: u16, code: &str| {
        let res = redeem(&app, &buyer.token, key, store, items).await;
        assert_eq!(res.status(), status, "{key}");
        let p = problem(res).await;
        assert_eq!(p["code"], code, "{key}: {p}");
        assert!(
            p["title"].as_str().unwrap().chars().any(|c| c > '\u{2e80}'),
            "Chinese title: {p}"
        );
        p
    };
    // The towel line is reserved first, then the soap line fails: the towel comes back too.
    let both =
        |soap: i64| json!([{"goods_id": s.towel, "quantity": 1}, {"goods_id": s.soap, "quantity": soap}]);
    let p = refused("stock", &s.store, both(11), 409, "OUT_OF_STOCK").await;
    assert!(p["detail"].as_str().unwrap().contains("仅剩 10"), "{p}");
    refused("limit", &s.store, both(3), 422, "LIMIT_EXCEEDED").await;
    refused(
        "balance",
        &s.store,
        one(&s.towel, 11),
        409,
        "INSUFFICIENT_BALANCE",
    )
    .await;
    refused(
        "elsewhere",
        &s.store,
        one(&s.goods_b, 1),
        422,
        "GOODS_UNAVAILABLE",
    )
    .await;
    refused(
        "dup",
        &s.store,
        json!([{"goods_id": s.towel, "quantity": 1}, {"goods_id": s.towel, "quantity": 1}]),
        422,
        "GOODS_REPEATED",
    )
    .await;
    let p = refused("zero", &s.store, one(&s.towel, 0), 400, "VALIDATION_FAILED").await;
    assert_eq!(p["errors"][0]["field"], "items[0].quantity");
    refused("empty", &s.store, json!([]), 400, "VALIDATION_FAILED").await;
    refused("nostore", "999999", one(&s.towel, 1), 404, "NOT_FOUND").await;
    // The key is checked before anything is looked up.
    let res = app
        .client
        .post(app.url("/api/v1/redemptions"))
        .bearer_auth(&buyer.token)
        .json(&json!({"store_id": "999999", "items": one(&s.towel, 1)}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await["code"], "IDEMPOTENCY_KEY_REQUIRED");
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.towel).await, 50);
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.soap).await, 10);
    assert_eq!(wallet(&app, &buyer.token).await, (100, 0, 100));
    let mine = ok_json(app.get_as("/api/v1/me/redemptions", &buyer.token).await, 200).await;
    assert!(mine["items"].as_array().unwrap().is_empty(), "{mine}");

    // Taken off the shelf, or the store paused.
    let res = app
        .call(
            "PATCH",
            &format!("/api/v1/goods/{}", s.soap),
            Some(&w.staff_a.token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["active"], false);
    refused("inactive", &s.store, one(&s.soap, 1), 422, "GOODS_UNAVAILABLE").await;
    let shelf = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/goods", s.store), &buyer.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        shelf.as_array().unwrap().len(),
        1,
        "shoppers see what is on the shelf"
    );
    let all = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/goods", s.store), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 2, "staff see everything");
    let res = app
        .call(
            "PATCH",
            &format!("/api/v1/stores/{}", s.store),
            Some(&w.staff_a.token),
            Some(json!({"active": false})),
        )
        .await;
    ok_json(res, 200).await;
    refused("paused", &s.store, one(&s.towel, 1), 422, "STORE_UNAVAILABLE").await;

    // A wrong code at the counter.
    let res = pick_up(&app, &s.clerk, &s.store, "000000").await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "PICKUP_CODE_INVALID");
    let res = pick_up(&app, &s.clerk, &s.store, "LINLI1:1:1:123456:forged").await;
    assert_eq!(problem(res).await["code"], "PICKUP_CODE_INVALID");
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn the_monthly_limit_counts_what_was_not_cancelled() {
    let (app, w, s) = opened(300).await;
    let buyer = &w.resident_a;
    let (a, _, _) = code_of(redeem(&app, &buyer.token, "a", &s.store, one(&s.soap, 1)).await).await;
    let (_, code_b, _) = code_of(redeem(&app, &buyer.token, "b", &s.store, one(&s.soap, 1)).await).await;
    let third = redeem(&app, &buyer.token, "c", &s.store, one(&s.soap, 1)).await;
    assert_eq!(problem(third).await["code"], "LIMIT_EXCEEDED");
    // The shelf tells each shopper what is left of their allowance.
    let left = async |who: &Session| {
        let shelf = ok_json(
            app.get_as(&format!("/api/v1/stores/{}/goods", s.store), &who.token)
                .await,
            200,
        )
        .await;
        let of = |g: &str| {
            shelf.as_array().unwrap().iter().find(|x| x["id"] == g).unwrap()["my_remaining_this_month"]
                .clone()
        };
        (of(&s.soap), of(&s.towel))
    };
    assert_eq!(left(buyer).await, (json!(0), Value::Null), "no limit on towels");
    assert_eq!(left(&w.member_a).await.0, json!(2));
    // Picked up still counts; cancelled does not.
    ok_json(pick_up(&app, &s.clerk, &s.store, &code_b).await, 200).await;
    let res = app
        .post_as(
            &format!("/api/v1/redemptions/{a}/cancel"),
            &buyer.token,
            json!({}),
        )
        .await;
    ok_json(res, 200).await;
    assert_eq!(left(buyer).await.0, json!(1));
    code_of(redeem(&app, &buyer.token, "d", &s.store, one(&s.soap, 1)).await).await;
    let fourth = redeem(&app, &buyer.token, "e", &s.store, one(&s.soap, 1)).await;
    assert_eq!(problem(fourth).await["code"], "LIMIT_EXCEEDED");
    // Another person has their own allowance.
    coins(&app, &w.staff_a, &w.comm_a, &w.member_a.user_id, 100).await;
    code_of(redeem(&app, &w.member_a.token, "f", &s.store, one(&s.soap, 2)).await).await;
}

#[tokio::test]
async fn cancel_returns_coins_and_stock_once() {
    let (app, w, s) = opened(100).await;
    let buyer = &w.resident_a;
    let (id, code, _) = code_of(redeem(&app, &buyer.token, "k", &s.store, one(&s.soap, 2)).await).await;
    assert_eq!(wallet(&app, &buyer.token).await, (100, 60, 40));
    let cancel = format!("/api/v1/redemptions/{id}/cancel");
    // Nobody else can cancel it.
    for other in [&w.resident_b, &w.member_a, &s.clerk] {
        let res = app.post_as(&cancel, &other.token, json!({})).await;
        assert_eq!(res.status(), 404);
    }
    let v = ok_json(app.post_as(&cancel, &buyer.token, json!({})).await, 200).await;
    assert_eq!(v["status"], "cancelled");
    assert!(v["pickup_code"].is_null());
    assert_eq!(wallet(&app, &buyer.token).await, (100, 0, 100));
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.soap).await, 10);
    let again = app.post_as(&cancel, &buyer.token, json!({})).await;
    assert_eq!(again.status(), 409);
    assert_eq!(problem(again).await["code"], "REDEMPTION_NOT_PENDING");
    assert_eq!(
        stock_of(&app, &buyer.token, &s.store, &s.soap).await,
        10,
        "returned once"
    );
    let res = pick_up(&app, &s.clerk, &s.store, &code).await;
    assert_ne!(res.status(), 200, "a cancelled code cannot be picked up");
    let statement = ok_json(app.get_as("/api/v1/me/transactions", &buyer.token).await, 200).await;
    let phases: Vec<&str> = statement["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "redeem")
        .map(|e| e["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["void", "pending"]);
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn the_clock_expires_what_was_not_picked_up() {
    let (app, w, s) = opened_with(&[("REDEMPTION_PICKUP_HOURS", "48")], 100).await;
    let buyer = &w.resident_a;
    let (id, _, v) = code_of(redeem(&app, &buyer.token, "x", &s.store, one(&s.soap, 1)).await).await;
    let expires: chrono::DateTime<Utc> = v["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        (expires - Utc::now() - Duration::hours(48)).num_minutes().abs() < 5,
        "{expires}"
    );
    let (_, keep, _) = code_of(redeem(&app, &buyer.token, "y", &s.store, one(&s.towel, 1)).await).await;
    ok_json(pick_up(&app, &s.clerk, &s.store, &keep).await, 200).await;

    let early = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(47))
        .await
        .unwrap();
    assert_eq!(early.expired_redemptions, 0);
    let late = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(49))
        .await
        .unwrap();
    assert_eq!(late.expired_redemptions, 1, "the fulfilled one is left alone");
    let again = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(50))
        .await
        .unwrap();
    assert_eq!(again.expired_redemptions, 0, "once");
    let v = ok_json(
        app.get_as(&format!("/api/v1/redemptions/{id}"), &buyer.token)
            .await,
        200,
    )
    .await;
    assert_eq!(v["status"], "expired");
    assert_eq!(
        wallet(&app, &buyer.token).await,
        (90, 0, 90),
        "the towel was paid, the soap released"
    );
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.soap).await, 10);
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.towel).await, 49);
    let month = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/settlement", s.store), &s.clerk.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        (month["fulfilled"].as_i64(), month["coins_received"].as_i64()),
        (Some(1), Some(10))
    );
    assert_eq!(month["reconciled"], true);
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn one_redemption_that_cannot_expire_does_not_hold_up_the_rest() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (app, w, s) = opened_with(&[("REDEMPTION_PICKUP_HOURS", "1")], 100).await;
    let buyer = &w.resident_a;
    let (stuck, _, _) = code_of(redeem(&app, &buyer.token, "stuck", &s.store, one(&s.towel, 1)).await).await;
    let (fine, _, _) = code_of(redeem(&app, &buyer.token, "fine", &s.store, one(&s.towel, 1)).await).await;
    // The first, broken by hand, fails every time it is expired.
    entity::redemption::Entity::update_many()
        .col_expr(
            entity::redemption::Column::HoldId,
            Expr::value(Option::<i64>::None),
        )
        .filter(entity::redemption::Column::Id.eq(stuck.parse::<i64>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let r = linli::jobs::tick(&app.state, Utc::now() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(r.expired_redemptions, 1);
    let status = async |id: &str| {
        ok_json(
            app.get_as(&format!("/api/v1/redemptions/{id}"), &buyer.token)
                .await,
            200,
        )
        .await["status"]
            .clone()
    };
    assert_eq!(status(&fine).await, "expired");
    assert_eq!(
        status(&stuck).await,
        "pending",
        "left for the next tick, rolled back whole"
    );
}

#[tokio::test]
async fn wrong_codes_are_rate_limited_per_store() {
    let (app, w, s) = opened_with(&[("PICKUP_WRONG_CODES_PER_WINDOW", "3")], 100).await;
    let buyer = &w.resident_a;
    let mut made = Vec::new();
    for k in 0..5 {
        made.push(
            code_of(redeem(&app, &buyer.token, &format!("g{k}"), &s.store, one(&s.towel, 1)).await).await,
        );
    }
    // Right codes do not use up the allowance.
    for (_, code, _) in &made[..4] {
        ok_json(pick_up(&app, &s.clerk, &s.store, code).await, 200).await;
    }
    // Guesses fired at once cannot outrun it: three are looked up, the rest wait.
    let codes: Vec<String> = made.iter().map(|m| m.1.clone()).collect();
    let guesses: Vec<String> = (0..20)
        .map(|i| format!("{:06}", 900_000 + i))
        .filter(|g| !codes.contains(g))
        .collect();
    let answers = join_all(guesses.iter().map(|g| pick_up(&app, &s.clerk, &s.store, g))).await;
    let got = statuses(&answers);
    assert_eq!(got.iter().filter(|s| **s == 422).count(), 3, "{got:?}");
    assert_eq!(
        got.iter().filter(|s| **s == 429).count(),
        guesses.len() - 3,
        "{got:?}"
    );
    let (_, code, v) = &made[4];
    let res = pick_up(&app, &s.clerk, &s.store, code).await;
    assert_eq!(res.status(), 429, "typed codes wait once the store is locked");
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(problem(res).await["code"], "RATE_LIMITED");
    // A scanned QR payload cannot be guessed, so the counter keeps serving with it.
    let qr = v["qr_payload"].as_str().unwrap();
    ok_json(pick_up(&app, &s.clerk, &s.store, qr).await, 200).await;
    // Another store's counter is not affected.
    coins(&app, &w.staff_b, &w.comm_b, &w.resident_b.user_id, 100).await;
    let (_, code_b, _) =
        code_of(redeem(&app, &w.resident_b.token, "h", &s.store_b, one(&s.goods_b, 1)).await).await;
    ok_json(pick_up(&app, &s.clerk_b, &s.store_b, &code_b).await, 200).await;
}

#[tokio::test]
async fn past_its_time_a_redemption_is_not_handed_out() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (app, w, s) = opened(100).await;
    let buyer = &w.resident_a;
    let (id, code, _) = code_of(redeem(&app, &buyer.token, "late", &s.store, one(&s.soap, 1)).await).await;
    // Its time ran out a minute ago; the clock has not come round yet.
    entity::redemption::Entity::update_many()
        .col_expr(
            entity::redemption::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(entity::redemption::Column::Id.eq(id.parse::<i64>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let res = pick_up(&app, &s.clerk, &s.store, &code).await;
    assert_eq!(res.status(), 409);
    let p = problem(res).await;
    assert_eq!(p["code"], "REDEMPTION_NOT_PENDING");
    assert!(p["detail"].as_str().unwrap().contains("过期"), "{p}");
    let r = linli::jobs::tick(&app.state, Utc::now()).await.unwrap();
    assert_eq!(r.expired_redemptions, 1);
    assert_eq!(wallet(&app, &buyer.token).await, (100, 0, 100));
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn store_routes_are_closed_to_other_communities_and_roles() {
    let (app, w, s) = opened(100).await;
    coins(&app, &w.staff_b, &w.comm_b, &w.resident_b.user_id, 100).await;
    let (id_a, code_a, v_a) =
        code_of(redeem(&app, &w.resident_a.token, "a", &s.store, one(&s.towel, 1)).await).await;
    let (id_b, code_b, v_b) =
        code_of(redeem(&app, &w.resident_b.token, "b", &s.store_b, one(&s.goods_b, 1)).await).await;
    let routes = |store: &str, goods: &str, redemption: &str| {
        vec![
            (
                "PATCH",
                format!("/api/v1/stores/{store}"),
                Some(json!({"name": "改名"})),
            ),
            (
                "POST",
                format!("/api/v1/stores/{store}/goods"),
                Some(json!({"name": "新品", "price_coins": 1})),
            ),
            (
                "PATCH",
                format!("/api/v1/goods/{goods}"),
                Some(json!({"price_coins": 1})),
            ),
            (
                "POST",
                format!("/api/v1/goods/{goods}/restocks"),
                Some(json!({"quantity": 5})),
            ),
            ("GET", format!("/api/v1/goods/{goods}/restocks"), None),
            ("GET", format!("/api/v1/stores/{store}/redemptions"), None),
            ("GET", format!("/api/v1/stores/{store}/settlement"), None),
            (
                "POST",
                format!("/api/v1/stores/{store}/pickups"),
                Some(json!({"code": "123456"})),
            ),
            ("GET", format!("/api/v1/redemptions/{redemption}"), None),
        ]
    };
    // Community A's people reach nothing of community B's store; B's staff nothing of A's.
    let b_table = routes(&s.store_b, &s.goods_b, &id_b);
    for (who, token) in [
        ("clerk A", &s.clerk.token),
        ("staff A", &w.staff_a.token),
        ("resident A", &w.resident_a.token),
    ] {
        expect_all(&app, who, Some(token), b_table.clone(), 404).await;
    }
    expect_all(
        &app,
        "staff B",
        Some(&w.staff_b.token),
        routes(&s.store, &s.towel, &id_a),
        404,
    )
    .await;
    for path in [
        format!("/api/v1/stores/{}", s.store_b),
        format!("/api/v1/stores/{}/goods", s.store_b),
    ] {
        assert_eq!(
            app.get_as(&path, &w.resident_a.token).await.status(),
            404,
            "{path}"
        );
    }
    let res = redeem(&app, &w.resident_a.token, "c", &s.store_b, one(&s.goods_b, 1)).await;
    assert_eq!(res.status(), 404, "cannot shop in another community");

    // Inside community A: residents and members are not the counter; clerks do not manage.
    let a_table = routes(&s.store, &s.towel, &id_a);
    let (manage, counter) = a_table.split_at(5);
    for (who, token) in [
        ("member A", &w.member_a.token),
        ("resident B in A", &w.resident_a.token),
    ] {
        let counter: Vec<_> = counter
            .iter()
            .filter(|r| !r.1.contains("/redemptions/"))
            .cloned()
            .collect();
        expect_all(&app, who, Some(token), counter, 403).await;
        expect_all(&app, who, Some(token), manage.to_vec(), 403).await;
    }
    expect_all(&app, "clerk A", Some(&s.clerk.token), manage.to_vec(), 403).await;
    expect_all(&app, "anonymous", None, a_table.clone(), 401).await;

    // The clerk of A cannot fulfil B's codes, by digits or by QR, at either counter.
    let res = pick_up(&app, &s.clerk, &s.store_b, &code_b).await;
    assert_eq!(res.status(), 404);
    let res = pick_up(&app, &s.clerk, &s.store, v_b["qr_payload"].as_str().unwrap()).await;
    assert_eq!(res.status(), 404, "a QR code of another store");
    if code_a != code_b {
        let res = pick_up(&app, &s.clerk, &s.store, &code_b).await;
        assert_eq!(problem(res).await["code"], "PICKUP_CODE_INVALID");
    }
    let still = ok_json(
        app.get_as(&format!("/api/v1/redemptions/{id_b}"), &w.resident_b.token)
            .await,
        200,
    )
    .await;
    assert_eq!(still["status"], "pending");
    // The right clerk, with the right code, is served.
    ok_json(
        pick_up(&app, &s.clerk, &s.store, v_a["qr_payload"].as_str().unwrap()).await,
        200,
    )
    .await;
    ok_json(pick_up(&app, &s.clerk_b, &s.store_b, &code_b).await, 200).await;
}

#[tokio::test]
async fn restocks_are_recorded_not_overwritten() {
    let (app, w, s) = opened(0).await;
    let path = format!("/api/v1/goods/{}/restocks", s.soap);
    let r = ok_json(
        app.post_as(
            &path,
            &w.staff_a.token,
            json!({"quantity": 15, "note": "爱心企业捐赠"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(r["stock_after"], 25);
    let r = ok_json(
        app.post_as(&path, &w.staff_a.token, json!({"quantity": -5, "note": "破损"}))
            .await,
        201,
    )
    .await;
    assert_eq!(r["stock_after"], 20);
    let res = app
        .post_as(&path, &w.staff_a.token, json!({"quantity": -21}))
        .await;
    assert_eq!(problem(res).await["code"], "OUT_OF_STOCK");
    let res = app.post_as(&path, &w.staff_a.token, json!({"quantity": 0})).await;
    assert_eq!(problem(res).await["code"], "VALIDATION_FAILED");
    let history = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    let moves: Vec<(i64, i64)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["quantity"].as_i64().unwrap(),
                r["stock_after"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [(-5, 20), (15, 25), (10, 10)],
        "newest first, opening stock included"
    );
    assert_eq!(stock_of(&app, &w.staff_a.token, &s.store, &s.soap).await, 20);
    // Stock is not a field of the goods edit.
    let res = app
        .call(
            "PATCH",
            &format!("/api/v1/goods/{}", s.soap),
            Some(&w.staff_a.token),
            Some(json!({"stock": 99})),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_as(
            &format!("/api/v1/stores/{}/goods", s.store),
            &w.staff_a.token,
            json!({"name": "毛巾", "price_coins": 3}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "GOODS_NAME_TAKEN");
    for bad in [
        "http://x/y.png",
        "javascript:alert(1)",
        "data:image/png;base64,AA",
        "cloud://e/y.png",
    ] {
        let res = app
            .post_as(
                &format!("/api/v1/stores/{}/goods", s.store),
                &w.staff_a.token,
                json!({"name": "图", "price_coins": 3, "image_url": bad}),
            )
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["errors"][0]["field"], "image_url", "{bad}");
        let res = app
            .call(
                "PATCH",
                &format!("/api/v1/goods/{}", s.soap),
                Some(&w.staff_a.token),
                Some(json!({"image_url": bad})),
            )
            .await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["errors"][0]["field"], "image_url", "{bad}");
    }
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/stores", w.comm_a),
            &w.staff_a.token,
            json!({"name": "和平爱心超市"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "STORE_NAME_TAKEN");
    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/stores", w.grid_a),
            &w.staff_a.token,
            json!({"name": "网格超市"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "REGION_KIND_INVALID");
    let listed = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/stores", w.grid_a),
            &w.resident_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed[0]["name"], "和平爱心超市");
}

/// Residents of community A with `amount` coins each.
async fn crowd(app: &TestApp, w: &World, n: usize, amount: i64) -> Vec<Session> {
    let mut people = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let batch = chunk.iter().map(|i| async move {
            let who = app.login(&format!("1370000{i:04}"), "抢购居民").await;
            world::live_in(app, &who, &w.grid_a, &w.staff_a).await;
            coins(app, &w.staff_a, &w.comm_a, &who.user_id, amount).await;
            who
        });
        people.extend(join_all(batch).await);
    }
    people
}

fn statuses(rs: &[reqwest::Response]) -> Vec<u16> {
    rs.iter().map(|r| r.status().as_u16()).collect()
}

/// Sends every (token, key) redemption of `items` at once; answers how many were made, checking
/// that each refusal is `refusal`.
async fn at_once(app: &TestApp, calls: &[(&str, String)], store: &str, items: Value, refusal: &str) -> usize {
    let sent = calls
        .iter()
        .map(|(token, key)| redeem(app, token, key, store, items.clone()));
    let answers = join_all(sent).await;
    let got = statuses(&answers);
    for r in answers.into_iter().filter(|r| r.status() != 201) {
        assert_eq!(problem(r).await["code"], refusal, "{got:?}");
    }
    got.iter().filter(|s| **s == 201).count()
}

/// One buyer's `n` calls, each with its own key.
fn keyed<'a>(token: &'a str, prefix: &str, n: usize) -> Vec<(&'a str, String)> {
    (0..n).map(|i| (token, format!("{prefix}-{i}"))).collect()
}

#[tokio::test]
async fn two_hundred_buyers_for_ten_in_stock() {
    // What is counted here is stock, not overload: on a loaded machine 200 requests queue for 5
    // pooled connections longer than the default 3 s (503 is tested in faults.rs).
    let (app, w, s) = opened_with(&[("DB_ACQUIRE_TIMEOUT_MS", "30000")], 0).await;
    let people = crowd(&app, &w, 200, 50).await;
    let calls: Vec<(&str, String)> = people.iter().map(|p| (p.token.as_str(), "rush".into())).collect();
    let made = at_once(&app, &calls, &s.store, one(&s.soap, 1), "OUT_OF_STOCK").await;
    assert_eq!(made, 10);
    assert_eq!(stock_of(&app, &w.staff_a.token, &s.store, &s.soap).await, 0);
    let pending = ok_json(
        app.get_as(
            &format!("/api/v1/stores/{}/redemptions?status=pending&limit=100", s.store),
            &s.clerk.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 10);
    let month = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/settlement", s.store), &s.clerk.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        (month["pending_now"].as_i64(), month["held_now"].as_i64()),
        (Some(10), Some(300))
    );
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn a_buyer_who_affords_three_firing_twenty() {
    let (app, w, s) = opened(30).await;
    let buyer = &w.resident_a;
    let calls = keyed(&buyer.token, "fire", 20);
    let made = at_once(&app, &calls, &s.store, one(&s.towel, 1), "INSUFFICIENT_BALANCE").await;
    assert_eq!(made, 3);
    assert_eq!(wallet(&app, &buyer.token).await, (30, 30, 0));
    assert_eq!(
        stock_of(&app, &buyer.token, &s.store, &s.towel).await,
        47,
        "the refused ones took nothing"
    );
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn a_buyer_racing_the_monthly_limit_gets_the_limit() {
    let (app, w, s) = opened(1000).await;
    let buyer = &w.resident_a;
    let calls = keyed(&buyer.token, "lim", 10);
    let made = at_once(&app, &calls, &s.store, one(&s.soap, 1), "LIMIT_EXCEEDED").await;
    assert_eq!(made, 2);
    assert_eq!(stock_of(&app, &buyer.token, &s.store, &s.soap).await, 8);
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn pickup_and_cancel_at_once_one_wins() {
    let (app, w, s) = opened(200).await;
    let buyer = &w.resident_a;
    let mut fulfilled = 0;
    for round in 0..8 {
        let (id, code, _) = code_of(
            redeem(
                &app,
                &buyer.token,
                &format!("race-{round}"),
                &s.store,
                one(&s.towel, 2),
            )
            .await,
        )
        .await;
        let cancel_path = format!("/api/v1/redemptions/{id}/cancel");
        let (picked, cancelled) = tokio::join!(
            pick_up(&app, &s.clerk, &s.store, &code),
            app.post_as(&cancel_path, &buyer.token, json!({})),
        );
        let pair = (picked.status().as_u16(), cancelled.status().as_u16());
        assert!(
            pair == (200, 409) || pair == (409, 200),
            "round {round}: {pair:?}"
        );
        fulfilled += usize::from(pair.0 == 200);
        let v = ok_json(
            app.get_as(&format!("/api/v1/redemptions/{id}"), &buyer.token)
                .await,
            200,
        )
        .await;
        assert_eq!(v["status"], if pair.0 == 200 { "fulfilled" } else { "cancelled" });
    }
    let spent = 20 * fulfilled as i64;
    assert_eq!(wallet(&app, &buyer.token).await, (200 - spent, 0, 200 - spent));
    assert_eq!(
        stock_of(&app, &buyer.token, &s.store, &s.towel).await,
        50 - 2 * fulfilled as i64,
        "stock returned only for the cancelled ones"
    );
    let month = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/settlement", s.store), &s.clerk.token)
            .await,
        200,
    )
    .await;
    assert_eq!(month["coins_received"].as_i64(), Some(spent));
    assert_eq!(month["reconciled"], true);
    assert_reconciled(&app, &w).await;
}

/// A price change landing while a redemption is on its way answers `GOODS_CHANGED` (not kept for
/// the key: the retry buys at the new price). On PostgreSQL the change holds the goods row while
/// the redemption, priced at the old figure, waits on it; SQLite lets one writer in at a time, so
/// there the redemption starts after the change and simply pays the new price.
#[tokio::test]
async fn a_price_change_during_a_redemption_answers_goods_changed() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let (app, w, s) = opened(100).await;
    let db = &app.state.db;
    let change = db.begin().await.unwrap();
    change
        .execute_unprepared(&format!(
            "UPDATE goods SET price_coins = 35 WHERE id = {}",
            s.soap
        ))
        .await
        .unwrap();
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let commit_when_waited_on = async {
        if postgres {
            // The redemption has read the old price and now waits on the row.
            loop {
                let waiting = db
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT count(*) AS n FROM pg_stat_activity \
                         WHERE wait_event_type = 'Lock' AND datname = current_database()",
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                if waiting.try_get::<i64>("", "n").unwrap() > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        change.commit().await.unwrap();
    };
    let (res, ()) = tokio::join!(
        redeem(&app, &w.resident_a.token, "price", &s.store, one(&s.soap, 1)),
        commit_when_waited_on
    );
    if postgres {
        let p = problem(res).await;
        assert_eq!(
            (p["status"].as_u64(), p["code"].as_str()),
            (Some(409), Some("GOODS_CHANGED"))
        );
        assert_eq!(stock_of(&app, &w.resident_a.token, &s.store, &s.soap).await, 10);
        assert_eq!(
            wallet(&app, &w.resident_a.token).await,
            (100, 0, 100),
            "nothing held"
        );
        let again = redeem(&app, &w.resident_a.token, "price", &s.store, one(&s.soap, 1)).await;
        assert_eq!(
            ok_json(again, 201).await["total_coins"],
            35,
            "the retry runs afresh"
        );
    } else {
        assert_eq!(ok_json(res, 201).await["total_coins"], 35);
    }
    assert_reconciled(&app, &w).await;
}

/// Many pickups at one counter at once, beside new redemptions at the same store: every one of
/// them credits or holds on the store's one account. The account rows are locked in one order
/// and never after a transfer row naming them was written, so none waits in a circle and the
/// books balance.
#[tokio::test]
async fn pickups_and_redemptions_at_one_store_at_once() {
    let (app, w, s) = opened(0).await;
    let people = crowd(&app, &w, 12, 40).await;
    let mut payloads = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let (_, _, v) =
            code_of(redeem(&app, &p.token, &format!("first-{i}"), &s.store, one(&s.towel, 1)).await).await;
        payloads.push(v["qr_payload"].as_str().unwrap().to_owned());
    }
    let pickups = payloads
        .iter()
        .map(|code| pick_up(&app, &s.clerk, &s.store, code));
    let keys: Vec<String> = (0..people.len()).map(|i| format!("second-{i}")).collect();
    let more = people
        .iter()
        .zip(&keys)
        .map(|(p, key)| redeem(&app, &p.token, key, &s.store, one(&s.towel, 2)));
    let (picked, redeemed) = tokio::join!(join_all(pickups), join_all(more));
    assert!(
        statuses(&picked).iter().all(|s| *s == 200),
        "{:?}",
        statuses(&picked)
    );
    assert!(
        statuses(&redeemed).iter().all(|s| *s == 201),
        "{:?}",
        statuses(&redeemed)
    );
    for p in &people {
        assert_eq!(wallet(&app, &p.token).await, (30, 20, 10));
    }
    assert_eq!(
        stock_of(&app, &w.staff_a.token, &s.store, &s.towel).await,
        50 - 36
    );
    let month = ok_json(
        app.get_as(&format!("/api/v1/stores/{}/settlement", s.store), &s.clerk.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        (month["coins_received"].as_i64(), month["held_now"].as_i64()),
        (Some(120), Some(240))
    );
    assert_eq!(month["reconciled"], true);
    assert_reconciled(&app, &w).await;
}

/// Every id of a paged list, newest first, following `next_cursor` from `first` (a path with
/// `limit`), with the page sizes seen.
async fn all_pages(app: &TestApp, token: &str, first: &str) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes, mut path) = (vec![], vec![], first.to_owned());
    loop {
        let page = ok_json(app.get_as(&path, token).await, 200).await;
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        ids.extend(items.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{first}&cursor={c}"),
            None => return (ids, sizes),
        }
    }
}

#[tokio::test]
async fn redemption_lists_page_newest_first_for_the_buyer_and_the_counter() {
    let (app, w, s) = opened(200).await;
    let buyer = &w.resident_a;
    let mut made = vec![];
    for n in 0..5 {
        let key = format!("page-{n}");
        made.push(code_of(redeem(&app, &buyer.token, &key, &s.store, one(&s.towel, 1)).await).await);
    }
    // Another buyer at the other store: in neither list below.
    coins(&app, &w.staff_b, &w.comm_b, &w.resident_b.user_id, 50).await;
    let other = code_of(redeem(&app, &w.resident_b.token, "b", &s.store_b, one(&s.goods_b, 1)).await).await;
    // The second one is handed out: no longer pending.
    ok_json(pick_up(&app, &s.clerk, &s.store, &made[1].1).await, 200).await;
    let newest_first: Vec<String> = made.iter().rev().map(|m| m.0.clone()).collect();

    let (mine, sizes) = all_pages(&app, &buyer.token, "/api/v1/me/redemptions?limit=2").await;
    assert_eq!(mine, newest_first);
    assert_eq!(sizes, [2, 2, 1]);
    let counter = format!("/api/v1/stores/{}/redemptions?limit=2", s.store);
    let (at_store, sizes) = all_pages(&app, &s.clerk.token, &counter).await;
    assert_eq!(at_store, newest_first);
    assert_eq!(sizes, [2, 2, 1]);
    assert!(!at_store.contains(&other.0));

    let pending = format!("/api/v1/stores/{}/redemptions?status=pending&limit=2", s.store);
    let (open, _) = all_pages(&app, &s.clerk.token, &pending).await;
    let expected: Vec<String> = newest_first
        .iter()
        .filter(|id| **id != made[1].0)
        .cloned()
        .collect();
    assert_eq!(open, expected);
    let (theirs, _) = all_pages(&app, &w.resident_b.token, "/api/v1/me/redemptions?limit=2").await;
    assert_eq!(theirs, [other.0]);
}
