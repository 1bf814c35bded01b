//! The volunteer record: every credited service, orders and activities, in one list with the
//! stars it reaches; corrections as negative rows with a reason, by staff over the organiser.

use crate::activities::{assert_reconciled, by_hand, publish, signup};
use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app, spawn_app_with};
use crate::ledger::balances;
use crate::orders::{completed, step};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use entity::outbox;
use futures_util::future::join_all;
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Member A serves an order (90 minutes, closed by the resident) and then an activity (60
/// minutes, 5 coins, checked in and out by staff). Answers the activity's id.
async fn serve_both(app: &TestApp, w: &World) -> String {
    let o = completed(app, w, None, json!({"minutes": 90, "note": "修好了"})).await;
    step(app, &w.resident_a, &o, "confirm", json!({"rating": 5}), "closed").await;
    let a = publish(app, &w.staff_a, &w.grid_a, json!({"title": "敬老院探访"})).await;
    ok_json(signup(app, &w.member_a, &a).await, 201).await;
    let member = &w.member_a.user_id;
    let at = Some(Utc::now() - Duration::minutes(90));
    ok_json(by_hand(app, &w.staff_a, &a, member, "checkin", at).await, 200).await;
    ok_json(by_hand(app, &w.staff_a, &a, member, "checkout", None).await, 200).await;
    a
}

async fn record(app: &TestApp, who: &Session) -> Value {
    ok_json(app.get_as("/api/v1/me/service-record", &who.token).await, 200).await
}

async fn correct(app: &TestApp, who: &Session, id: &str, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/service-records/{id}/corrections")))
        .bearer_auth(&who.token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn refused(res: reqwest::Response, status: u16, code: &str) {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(problem(res).await["code"], code);
}

/// The star messages written for `user`, by their status label.
async fn star_labels(app: &TestApp, user: &str) -> Vec<String> {
    outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("wechat"))
        .filter(outbox::Column::RecipientId.eq(user.parse::<i64>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| {
            let p: Value = serde_json::from_str(&r.payload).unwrap();
            (p["data"]["thing1"]["value"] == "志愿服务星级")
                .then(|| p["data"]["phrase2"]["value"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn orders_and_activities_make_one_record_with_stars_and_a_message_per_star() {
    let app = spawn_app_with(
        &[("STAR_HOURS", "1,2,3"), ("WECHAT_TPL_PROGRESS", "tpl-progress")],
        |_| {},
    )
    .await;
    let w = world::build(&app).await;
    let empty = record(&app, &w.member_a).await;
    assert_eq!(empty["total_minutes"], 0);
    assert_eq!(empty["stars"]["level"], 0);
    assert_eq!(empty["stars"]["next_level_hours"], 1);
    assert_eq!(empty["items"], json!([]));

    let a = serve_both(&app, &w).await;
    let r = record(&app, &w.member_a).await;
    assert_eq!(r["total_minutes"], 150, "{r}");
    assert_eq!(r["stars"]["level"], 2);
    assert_eq!(r["stars"]["next_level_hours"], 3);
    assert_eq!(r["stars"]["minutes_to_next"], 30);
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Newest first: the activity, then the order.
    assert_eq!(items[0]["kind"], "activity");
    assert_eq!(items[0]["activity_id"], a.as_str());
    assert_eq!(items[0]["content"], "敬老院探访");
    assert_eq!(items[0]["minutes"], 60);
    assert_eq!(items[0]["coins"], 5);
    assert_eq!(items[0]["organiser"], "和平一网格");
    assert_eq!(items[1]["kind"], "order");
    assert_eq!(items[1]["minutes"], 90);
    assert_eq!(items[1]["organiser"], "和平社区");
    assert!(items[0].get("volunteer_name").is_none());

    let me = ok_json(app.get_as("/api/v1/me", &w.member_a.token).await, 200).await;
    assert_eq!(me["stars"]["level"], 2);
    assert_eq!(me["stars"]["total_minutes"], 150);
    // 90 minutes crossed 1 h; 60 more crossed 2 h: one message each, none for the resident.
    assert_eq!(
        star_labels(&app, &w.member_a.user_id).await,
        ["升至一星", "升至二星"]
    );
    assert!(star_labels(&app, &w.resident_a.user_id).await.is_empty());

    // Paging: one at a time, newest first.
    let first = ok_json(
        app.get_as("/api/v1/me/service-record?limit=1", &w.member_a.token)
            .await,
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = ok_json(
        app.get_as(
            &format!("/api/v1/me/service-record?limit=1&cursor={cursor}"),
            &w.member_a.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(second["items"][0]["kind"], "order");
    assert!(second["next_cursor"].is_null());
    // Someone who served nothing has an empty record.
    assert_eq!(record(&app, &w.resident_b).await["items"], json!([]));
}

#[tokio::test]
async fn staff_see_their_subtree_and_correct_with_a_reason_once_per_key() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    serve_both(&app, &w).await;
    let member = w.member_a.user_id.as_str();

    let path = format!("/api/v1/regions/{}/service-records?user_id={member}", w.comm_a);
    let seen = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{seen}");
    assert!(
        items
            .iter()
            .all(|i| i["user_id"] == member && i["volunteer_name"].is_string())
    );
    let activity_row = items[0]["id"].as_str().unwrap().to_owned();
    // Community B's staff do not see A; a member of A is not staff.
    refused(app.get_as(&path, &w.staff_b.token).await, 404, "NOT_FOUND").await;
    refused(app.get_as(&path, &w.member_a.token).await, 403, "FORBIDDEN").await;
    let in_b = format!("/api/v1/regions/{}/service-records", w.comm_b);
    let none = ok_json(app.get_as(&in_b, &w.staff_b.token).await, 200).await;
    assert_eq!(none["items"], json!([]));

    let why = json!({"minutes": 30, "coins": 2, "reason": "签退时间登记有误"});
    let res = correct(&app, &w.staff_a, &activity_row, "fix-1", why.clone()).await;
    let fix = ok_json(res, 201).await;
    assert_eq!(fix["kind"], "correction");
    assert_eq!(fix["minutes"], -30);
    assert_eq!(fix["coins"], -2);
    assert_eq!(fix["corrects_id"], activity_row.as_str());
    assert_eq!(fix["reason"], "签退时间登记有误");
    // The same key again answers the same correction and takes nothing more.
    let again = correct(&app, &w.staff_a, &activity_row, "fix-1", why).await;
    assert_eq!(again.headers()["Idempotent-Replayed"], "true");
    assert_eq!(ok_json(again, 201).await["id"], fix["id"]);
    assert_eq!(balances(&app, &w.member_a.token).await, (120, 3));

    let r = record(&app, &w.member_a).await;
    assert_eq!(r["total_minutes"], 120);
    assert_eq!(r["items"][0]["kind"], "correction");
    assert_eq!(r["items"][0]["reason"], "签退时间登记有误");
    assert_eq!(r["items"][1]["minutes"], 60, "the original row is unchanged");

    // What is left of the row is 30 minutes and 3 coins.
    let over = json!({"minutes": 31, "reason": "x"});
    refused(
        correct(&app, &w.staff_a, &activity_row, "fix-2", over).await,
        422,
        "CORRECTION_EXCEEDS_RECORD",
    )
    .await;
    let empty = json!({"minutes": 0, "coins": 0, "reason": "x"});
    refused(
        correct(&app, &w.staff_a, &activity_row, "fix-3", empty).await,
        422,
        "CORRECTION_EMPTY",
    )
    .await;
    let fix_id = fix["id"].as_str().unwrap();
    let of_fix = json!({"minutes": 1, "reason": "x"});
    refused(
        correct(&app, &w.staff_a, fix_id, "fix-4", of_fix).await,
        422,
        "RECORD_NOT_CORRECTABLE",
    )
    .await;
    let small = json!({"minutes": 1, "reason": "x"});
    refused(
        correct(&app, &w.member_a, &activity_row, "fix-5", small.clone()).await,
        403,
        "FORBIDDEN",
    )
    .await;
    refused(
        correct(&app, &w.staff_b, &activity_row, "fix-6", small.clone()).await,
        404,
        "NOT_FOUND",
    )
    .await;
    refused(
        correct(&app, &w.staff_a, "999999", "fix-7", small.clone()).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let no_key = app
        .post_as(
            &format!("/api/v1/service-records/{activity_row}/corrections"),
            &w.staff_a.token,
            small,
        )
        .await;
    refused(no_key, 400, "IDEMPOTENCY_KEY_REQUIRED").await;
    let no_reason = json!({"minutes": 1, "reason": ""});
    refused(
        correct(&app, &w.staff_a, &activity_row, "fix-8", no_reason).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_reconciled(&app, &w).await;
}

#[tokio::test]
async fn racing_corrections_never_take_more_than_the_row_holds() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    serve_both(&app, &w).await;
    let r = record(&app, &w.member_a).await;
    let row = r["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(r["items"][0]["minutes"], 60);

    // Ten staff requests of 10 minutes each at once, on a 60-minute row.
    let keys: Vec<String> = (0..10).map(|i| format!("race-{i}")).collect();
    let tries = keys.iter().map(|key| {
        let body = json!({"minutes": 10, "reason": format!("更正 {key}")});
        correct(&app, &w.staff_a, &row, key, body)
    });
    let mut statuses: Vec<(u16, String)> = Vec::new();
    for res in join_all(tries).await {
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        statuses.push((status, body["code"].as_str().unwrap_or("").to_owned()));
    }
    let won = statuses.iter().filter(|(s, _)| *s == 201).count();
    let over = statuses
        .iter()
        .filter(|(s, c)| *s == 422 && c == "CORRECTION_EXCEEDS_RECORD")
        .count();
    assert_eq!((won, over), (6, 4), "{statuses:?}");
    let after = record(&app, &w.member_a).await;
    assert_eq!(after["total_minutes"], 90, "{after}");
    assert_eq!(balances(&app, &w.member_a.token).await.0, 90);
    assert_reconciled(&app, &w).await;
}

/// The record is filled from the credits posted before it existed: rolling its migration back
/// and forward rebuilds the same rows.
#[tokio::test]
async fn the_migration_fills_the_record_from_earlier_credits() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    serve_both(&app, &w).await;
    let before = record(&app, &w.member_a).await;

    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == "m20261202_000001_create_service_record")
        .expect("the record's migration");
    let later = u32::try_from(names.len() - at).unwrap();
    migration::Migrator::down(&app.state.db, Some(later))
        .await
        .unwrap();
    migration::Migrator::up(&app.state.db, None).await.unwrap();

    let after = record(&app, &w.member_a).await;
    assert_eq!(after["total_minutes"], before["total_minutes"]);
    let shape = |r: &Value| -> Vec<(Value, Value, Value, Value)> {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["kind"].clone(),
                    i["content"].clone(),
                    i["minutes"].clone(),
                    i["organiser"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&after), shape(&before));
}
