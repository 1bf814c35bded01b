//! 红榜 (leaderboard): a constructed October (China time) with known rankings for each figure,
//! members and units, ties ranked 1, 1, 3; the month is the same after new activity; the public
//! view carries no full names and no ids; bad parameters are 400.

use crate::helpers::{TestApp, ok_json, random_hex, spawn_app};
use crate::orders::{place, step};
use crate::reports::unit;
use crate::world::{self, World};
use chrono::{DateTime, Utc};
use entity::account::{self, Asset, OwnerKind};
use entity::member_report::{self, ReportStatus};
use entity::service_order::{self, OrderStatus};
use entity::service_record::{self, RecordKind};
use entity::transfer::{self, Phase, TransferKind};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, Set};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn num(s: &str) -> i64 {
    s.parse().unwrap()
}

/// The people of the constructed month: (name, user id).
struct People {
    wu_ming: i64,
    wu_wei: i64,
    li: i64,
    zhang: i64,
    /// Reported to unit Y, approved only in November.
    late: i64,
}

const FULL_NAMES: [&str; 5] = ["吴小明", "吴大伟", "李华强", "张三丰", "赵晚到"];

/// A service-record row (the order or activity it was for is not needed by the figures).
async fn record(app: &TestApp, user: i64, community: &str, minutes: i32, kind: RecordKind, when: &str) {
    service_record::ActiveModel {
        user_id: Set(user),
        kind: Set(kind),
        reference: Set(format!("test:{}", random_hex(8))),
        order_id: Set(None),
        activity_id: Set(None),
        corrects_id: Set(None),
        region_id: Set(num(community)),
        community_id: Set(num(community)),
        organiser: Set("和平社区".into()),
        content: Set("助老服务".into()),
        served_at: Set(at(when)),
        minutes: Set(minutes),
        coins: Set(0),
        reason: Set((kind == RecordKind::Correction).then(|| "多记了".into())),
        actor_id: Set(None),
        created_at: Set(at(when)),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// The coin account of an owner, opened if it is not yet.
async fn coin_account(app: &TestApp, kind: OwnerKind, owner: i64) -> i64 {
    let db = &app.state.db;
    if let Some(a) = account::Entity::find()
        .filter(account::Column::OwnerKind.eq(kind))
        .filter(account::Column::OwnerId.eq(owner))
        .filter(account::Column::Asset.eq(Asset::Coin))
        .one(db)
        .await
        .unwrap()
    {
        return a.id;
    }
    account::ActiveModel {
        owner_kind: Set(kind),
        owner_id: Set(owner),
        asset: Set(Asset::Coin),
        debits_posted: Set(0),
        credits_posted: Set(0),
        debits_pending: Set(0),
        credits_pending: Set(0),
        may_go_negative: Set(kind == OwnerKind::Pool),
        created_at: Set(at("2026-09-01T00:00:00Z")),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// A posted coin transfer written at `when`.
async fn coins(app: &TestApp, from: i64, to: i64, amount: i64, kind: TransferKind, when: &str) {
    transfer::ActiveModel {
        debit_account_id: Set(from),
        credit_account_id: Set(to),
        asset: Set(Asset::Coin),
        amount: Set(amount),
        kind: Set(kind),
        phase: Set(Phase::Posted),
        reference: Set(Some(format!("test:{}", random_hex(8)))),
        created_at: Set(at(when)),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// An order like `template`, served by `member`, in `status`, closed at `closed` with `rating`.
async fn order(
    app: &TestApp,
    template: &service_order::Model,
    origin: &str,
    member: i64,
    status: OrderStatus,
    rating: Option<i16>,
    closed: Option<&str>,
) {
    let mut o = template.clone().into_active_model();
    o.id = NotSet;
    o.client_key = Set(None);
    o.region_id = Set(num(origin));
    o.origin_region_id = Set(num(origin));
    o.assignee_id = Set(Some(member));
    o.status = Set(status);
    o.rating = Set(rating);
    o.closed_at = Set(closed.map(at));
    o.insert(&app.state.db).await.unwrap();
}

/// A 双报到 report of `user` to `unit`, reviewed at `reviewed`.
async fn report(app: &TestApp, user: i64, community: &str, unit: &str, status: ReportStatus, reviewed: &str) {
    member_report::ActiveModel {
        user_id: Set(user),
        community_id: Set(num(community)),
        party_branch: Set("第一党支部".into()),
        unit_id: Set(Some(num(unit))),
        work_unit: Set(None),
        skills: Set("[]".into()),
        in_service: Set(true),
        status: Set(status),
        review_note: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(at(reviewed))),
        created_at: Set(at("2026-09-01T00:00:00Z")),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

/// October 2026 under the street (and rows around it that must not count):
///
/// | member | unit | hours (min) | coins | orders closed | ratings |
/// |---|---|---|---|---|---|
/// | 吴小明 | X | 120 | 5 award + 3 grant = 8 | 3 | 5, 5, 4 (4.67) |
/// | 吴大伟 | X | 120 | 8 (gave 50 away: not counted) | 4 | 5, 4, 4, none (4.33) |
/// | 李华强 | Y | 150 − 60 corrected = 90 | 10 − 4 taken back = 6 | 2 | 5, 5 (too few) |
/// | 张三丰 | — | 30 (community B) | 2 | 3 | 5, 4, 5 (4.67) |
/// | 赵晚到 | Y from November | 600 | 50 | 5 | — |
async fn construct(app: &TestApp, w: &World, elsewhere: &str) -> (People, String, String) {
    let id = |s: &crate::helpers::Session| num(&s.user_id);
    let people = People {
        wu_ming: id(&app.login("13800000101", FULL_NAMES[0]).await),
        wu_wei: id(&app.login("13800000102", FULL_NAMES[1]).await),
        li: id(&app.login("13800000103", FULL_NAMES[2]).await),
        zhang: id(&app.login("13800000104", FULL_NAMES[3]).await),
        late: id(&app.login("13800000105", FULL_NAMES[4]).await),
    };
    let p = &people;
    let (a, b) = (w.comm_a.as_str(), w.comm_b.as_str());
    let unit_x = unit(app, w, "幸福供电所").await;
    let unit_y = unit(app, w, "和平物业").await;
    report(
        app,
        p.wu_ming,
        a,
        &unit_x,
        ReportStatus::Approved,
        "2026-09-20T02:00:00Z",
    )
    .await;
    report(
        app,
        p.wu_wei,
        a,
        &unit_x,
        ReportStatus::Approved,
        "2026-10-03T02:00:00Z",
    )
    .await;
    report(
        app,
        p.li,
        a,
        &unit_y,
        ReportStatus::Approved,
        "2026-10-03T02:00:00Z",
    )
    .await;
    report(
        app,
        p.zhang,
        b,
        &unit_y,
        ReportStatus::Rejected,
        "2026-10-03T02:00:00Z",
    )
    .await;
    report(
        app,
        p.late,
        a,
        &unit_y,
        ReportStatus::Approved,
        "2026-11-02T02:00:00Z",
    )
    .await;

    // Hours: rows by when they were written.
    use RecordKind::{Activity, Correction, Order};
    let oct = "2026-10-15T02:00:00Z";
    record(app, p.wu_ming, a, 120, Order, oct).await;
    record(app, p.wu_wei, a, 90, Activity, "2026-09-30T16:00:00Z").await; // 1 October in China
    record(app, p.wu_wei, a, 30, Activity, oct).await;
    record(app, p.li, a, 150, Order, oct).await;
    record(app, p.li, a, -60, Correction, "2026-10-31T15:59:59Z").await;
    record(app, p.zhang, b, 30, Activity, oct).await;
    record(app, p.late, a, 600, Activity, oct).await;
    record(app, p.li, a, 500, Order, "2026-09-30T15:59:58Z").await; // September in China
    record(app, p.li, a, 500, Order, "2026-10-31T16:00:00Z").await; // November in China
    record(app, p.zhang, elsewhere, 999, Order, oct).await; // another street

    // Coins: from the communities' pools, less what went back to them.
    let pool_a = coin_account(app, OwnerKind::Pool, num(a)).await;
    let pool_b = coin_account(app, OwnerKind::Pool, num(b)).await;
    let pool_far = coin_account(app, OwnerKind::Pool, num(elsewhere)).await;
    let mut acct = std::collections::HashMap::new();
    for u in [p.wu_ming, p.wu_wei, p.li, p.zhang, p.late] {
        acct.insert(u, coin_account(app, OwnerKind::User, u).await);
    }
    use TransferKind::{Award, Donation, Grant, Reversal};
    coins(app, pool_a, acct[&p.wu_ming], 5, Award, oct).await;
    coins(app, pool_a, acct[&p.wu_ming], 3, Grant, oct).await;
    coins(app, pool_a, acct[&p.wu_wei], 8, Award, oct).await;
    coins(app, acct[&p.wu_wei], acct[&p.li], 50, Donation, oct).await;
    coins(app, pool_a, acct[&p.li], 10, Award, oct).await;
    coins(app, acct[&p.li], pool_a, 4, Reversal, oct).await;
    coins(app, pool_a, acct[&p.li], 100, Award, "2026-09-10T02:00:00Z").await;
    coins(app, pool_b, acct[&p.zhang], 2, Grant, oct).await;
    coins(app, pool_far, acct[&p.zhang], 100, Award, oct).await;
    coins(app, pool_a, acct[&p.late], 50, Award, oct).await;

    // Orders closed in October by who served them, with their ratings.
    let placed = place(app, &w.resident_a, &w.grid_a, None).await;
    let template = service_order::Entity::find_by_id(num(placed["id"].as_str().unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let closed = OrderStatus::Closed;
    let (ga, gb) = (w.grid_a.as_str(), w.grid_b.as_str());
    for (who, grid, rating) in [
        (p.wu_ming, ga, Some(5)),
        (p.wu_ming, ga, Some(5)),
        (p.wu_ming, ga, Some(4)),
        (p.wu_wei, ga, Some(5)),
        (p.wu_wei, ga, Some(4)),
        (p.wu_wei, ga, Some(4)),
        (p.wu_wei, ga, None),
        (p.li, ga, Some(5)),
        (p.li, ga, Some(5)),
        (p.zhang, gb, Some(5)),
        (p.zhang, gb, Some(4)),
        (p.zhang, gb, Some(5)),
    ] {
        order(app, &template, grid, who, closed, rating, Some(oct)).await;
    }
    for _ in 0..5 {
        order(app, &template, ga, p.late, closed, None, Some(oct)).await;
    }
    // Not counted: closed in November, completed but not closed, closed elsewhere.
    order(
        app,
        &template,
        ga,
        p.li,
        closed,
        Some(1),
        Some("2026-10-31T16:00:00Z"),
    )
    .await;
    order(app, &template, ga, p.li, OrderStatus::Completed, None, None).await;
    order(app, &template, elsewhere, p.li, closed, Some(1), Some(oct)).await;
    (people, unit_x, unit_y)
}

async fn leaderboard(app: &TestApp, region: &str, token: Option<&str>, query: &str) -> Value {
    let res = app
        .call(
            "GET",
            &format!("/api/v1/regions/{region}/leaderboard?{query}"),
            token,
            None,
        )
        .await;
    ok_json(res, 200).await
}

/// (rank, id, name, value) of each entry of a list.
fn entries(board: &Value, list: &str, id: &str) -> Vec<(i64, String, String, f64)> {
    board[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rank"].as_i64().unwrap(),
                e[id].as_str().unwrap_or("-").to_owned(),
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn row(rank: i64, id: impl ToString, name: &str, value: f64) -> (i64, String, String, f64) {
    (rank, id.to_string(), name.to_owned(), value)
}

/// Another street with a community, and its staff member.
async fn elsewhere(app: &TestApp, w: &World) -> (String, crate::helpers::Session) {
    let street = world::region(app, &w.admin.token, Some(&w.county), "street", "远方街道").await;
    let comm = world::region(app, &w.admin.token, Some(&street), "community", "远方社区").await;
    let staff = app.login("13800000109", "远方社工").await;
    world::grant(app, &w.admin.token, &street, &staff.user_id, "staff").await;
    (comm, staff)
}

#[tokio::test]
async fn a_constructed_october_ranks_members_and_units_by_each_figure() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (far, _) = elsewhere(&app, &w).await;
    let (p, x, y) = construct(&app, &w, &far).await;
    let admin = Some(w.admin.token.as_str());
    let get = |by: &'static str| {
        let (app, street) = (&app, w.street.clone());
        async move { leaderboard(app, &street, admin, &format!("month=2026-10&by={by}")).await }
    };

    let hours = get("hours").await;
    assert_eq!(
        (&hours["month"], &hours["by"], &hours["period"], &hours["public"]),
        (&json!("2026-10"), &json!("hours"), &json!("month"), &json!(false))
    );
    assert_eq!(hours["region_id"], w.street.as_str());
    assert_eq!(
        entries(&hours, "members", "member_id"),
        vec![
            row(1, p.late, "赵晚到", 10.0),
            row(2, p.wu_wei, "吴大伟", 2.0),
            row(2, p.wu_ming, "吴小明", 2.0),
            row(4, p.li, "李华强", 1.5),
            row(5, p.zhang, "张三丰", 0.5),
        ],
        "{hours}"
    );
    let minutes: Vec<i64> = hours["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["minutes"].as_i64().unwrap())
        .collect();
    assert_eq!(minutes, vec![600, 120, 120, 90, 30]);
    assert!(hours["members"][0].get("ratings").is_none());
    // Unit X: 吴小明 + 吴大伟; unit Y: 李华强 only (赵晚到 approved in November).
    assert_eq!(
        entries(&hours, "units", "unit_id"),
        vec![row(1, &x, "幸福供电所", 4.0), row(2, &y, "和平物业", 1.5)]
    );
    assert_eq!(
        (&hours["units"][0]["minutes"], &hours["units"][0]["members"]),
        (&json!(240), &json!(2))
    );
    assert_eq!(hours["units"][1]["members"], 1);

    let coins = get("coins").await;
    assert_eq!(
        entries(&coins, "members", "member_id"),
        vec![
            row(1, p.late, "赵晚到", 50.0),
            row(2, p.wu_wei, "吴大伟", 8.0),
            row(2, p.wu_ming, "吴小明", 8.0),
            row(4, p.li, "李华强", 6.0),
            row(5, p.zhang, "张三丰", 2.0),
        ],
        "{coins}"
    );
    assert!(coins["members"][0].get("minutes").is_none());
    assert_eq!(
        entries(&coins, "units", "unit_id"),
        vec![row(1, &x, "幸福供电所", 16.0), row(2, &y, "和平物业", 6.0)]
    );

    let orders = get("orders").await;
    assert_eq!(
        entries(&orders, "members", "member_id"),
        vec![
            row(1, p.late, "赵晚到", 5.0),
            row(2, p.wu_wei, "吴大伟", 4.0),
            row(3, p.wu_ming, "吴小明", 3.0),
            row(3, p.zhang, "张三丰", 3.0),
            row(5, p.li, "李华强", 2.0),
        ],
        "{orders}"
    );
    assert_eq!(
        entries(&orders, "units", "unit_id"),
        vec![row(1, &x, "幸福供电所", 7.0), row(2, &y, "和平物业", 2.0)]
    );

    // Ratings: 4.67, 4.67, then 4.33 ranked third; 李华强 has too few ratings, 赵晚到 none.
    let rating = get("rating").await;
    assert_eq!(
        entries(&rating, "members", "member_id"),
        vec![
            row(1, p.wu_ming, "吴小明", 4.67),
            row(1, p.zhang, "张三丰", 4.67),
            row(3, p.wu_wei, "吴大伟", 4.33),
        ],
        "{rating}"
    );
    let counts: Vec<i64> = rating["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ratings"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![3, 3, 3]);
    // Unit X pools its members' six ratings (27 / 6); unit Y has two and is not ranked.
    assert_eq!(
        entries(&rating, "units", "unit_id"),
        vec![row(1, &x, "幸福供电所", 4.5)]
    );
    assert_eq!(rating["units"][0]["ratings"], 6);

    // The default figure is hours; `limit` cuts the lists.
    let top2 = leaderboard(&app, &w.street, admin, "month=2026-10&limit=2").await;
    assert_eq!(top2["by"], "hours");
    assert_eq!(
        entries(&top2, "members", "member_id"),
        entries(&hours, "members", "member_id")[..2].to_vec()
    );
    // A community sees only its own: community B has 张三丰 alone.
    let b = leaderboard(&app, &w.comm_b, admin, "month=2026-10&by=orders").await;
    assert_eq!(
        entries(&b, "members", "member_id"),
        vec![row(1, p.zhang, "张三丰", 3.0)]
    );
    assert_eq!(b["units"].as_array().unwrap().len(), 0);
    // An empty month.
    let september = leaderboard(&app, &w.street, admin, "month=2026-08").await;
    assert_eq!(september["members"].as_array().unwrap().len(), 0);
    assert_eq!(september["units"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_past_month_is_unchanged_after_new_activity() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (far, _) = elsewhere(&app, &w).await;
    let (p, x, _) = construct(&app, &w, &far).await;
    let admin = Some(w.admin.token.as_str());
    let figures = ["hours", "coins", "orders", "rating"];
    let mut before = vec![];
    for by in figures {
        before.push(leaderboard(&app, &w.street, admin, &format!("month=2026-10&by={by}")).await);
    }

    // New activity, written now: rows for October's people, a member newly reported to unit X,
    // and an order served and closed through the API.
    let now = Utc::now().to_rfc3339();
    let a = w.comm_a.as_str();
    record(&app, p.li, a, 600, RecordKind::Order, &now).await;
    report(
        &app,
        num(&w.member_a.user_id),
        a,
        &x,
        ReportStatus::Approved,
        &now,
    )
    .await;
    let pool = coin_account(&app, OwnerKind::Pool, num(a)).await;
    let li = coin_account(&app, OwnerKind::User, p.li).await;
    coins(&app, pool, li, 100, TransferKind::Grant, &now).await;
    let o = place(&app, &w.resident_a, &w.grid_a, None).await;
    let oid = o["id"].as_str().unwrap();
    let assign = json!({"mode": "assign", "member_id": w.member_a.user_id});
    step(&app, &w.staff_a, oid, "dispatch", assign, "assigned").await;
    step(&app, &w.member_a, oid, "accept", json!({}), "claimed").await;
    step(&app, &w.member_a, oid, "start", json!({}), "in_service").await;
    let done = json!({"minutes": 1});
    step(&app, &w.member_a, oid, "complete", done, "completed").await;
    let rate = json!({"rating": 5});
    step(&app, &w.resident_a, oid, "confirm", rate, "closed").await;

    for (by, was) in figures.iter().zip(&before) {
        let again = leaderboard(&app, &w.street, admin, &format!("month=2026-10&by={by}")).await;
        assert_eq!(&again, was, "{by}");
    }
    // The new month has the new activity: the API-closed order counts for its member and unit.
    let closed_at = service_order::Entity::find_by_id(num(oid))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .closed_at
        .unwrap();
    let this_month = linli::calendar::month_of(closed_at);
    let current = leaderboard(&app, &w.street, admin, &format!("month={this_month}&by=orders")).await;
    assert_eq!(
        entries(&current, "members", "member_id"),
        vec![row(1, &w.member_a.user_id, "和平党员", 1.0)]
    );
    assert_eq!(
        entries(&current, "units", "unit_id"),
        vec![row(1, &x, "幸福供电所", 1.0)]
    );
    // Without `month`, the clock's month.
    app.state.clock.set(Some(at("2026-10-20T04:00:00Z")));
    let default = leaderboard(&app, &w.street, admin, "").await;
    assert_eq!(default, before[0]);
}

/// Every key and every string in `v`.
fn walk<'a>(v: &'a Value, keys: &mut Vec<&'a str>, strings: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                keys.push(k);
                walk(v, keys, strings);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| walk(v, keys, strings)),
        Value::String(s) => strings.push(s),
        _ => {}
    }
}

#[tokio::test]
async fn the_public_view_masks_names_and_carries_no_ids() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let (far, far_staff) = elsewhere(&app, &w).await;
    let (p, x, y) = construct(&app, &w, &far).await;
    let ids: Vec<String> = [p.wu_ming, p.wu_wei, p.li, p.zhang, p.late]
        .iter()
        .map(i64::to_string)
        .chain([x.clone(), y.clone()])
        .collect();

    for by in ["hours", "coins", "orders", "rating"] {
        let q = format!("month=2026-10&by={by}");
        // Nobody logged in, a resident, community A's staff (not over the street), and another
        // street's staff all get the public view.
        for token in [
            None,
            Some(w.resident_a.token.as_str()),
            Some(w.staff_a.token.as_str()),
            Some(far_staff.token.as_str()),
        ] {
            let public = leaderboard(&app, &w.street, token, &q).await;
            assert_eq!(public["public"], true);
            let (mut keys, mut strings) = (vec![], vec![]);
            walk(&public, &mut keys, &mut vec![]);
            walk(&public["members"], &mut vec![], &mut strings);
            walk(&public["units"], &mut vec![], &mut strings);
            let id_keys: Vec<&&str> = keys
                .iter()
                .filter(|k| k.ends_with("_id") && **k != "region_id")
                .collect();
            assert!(id_keys.is_empty(), "{by}: {id_keys:?} in {public}");
            assert_eq!(public["region_id"], w.street.as_str());
            for s in &strings {
                assert!(!FULL_NAMES.contains(s), "{by}: full name {s} in {public}");
                assert!(!ids.iter().any(|id| id == s), "{by}: id {s} in {public}");
            }
            let names: Vec<&str> = public["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap())
                .collect();
            assert!(!names.is_empty());
            assert!(names.iter().all(|n| n.ends_with("**")), "{names:?}");
        }
        let public = leaderboard(&app, &w.street, None, &q).await;
        let staff = leaderboard(&app, &w.street, Some(&w.admin.token), &q).await;
        assert_eq!(staff["public"], false);
        // The same ranking; the staff view has names and ids.
        let strip = |board: &Value, list: &str| -> Vec<(i64, f64)> {
            board[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["rank"].as_i64().unwrap(), e["value"].as_f64().unwrap()))
                .collect()
        };
        assert_eq!(strip(&public, "members"), strip(&staff, "members"));
        assert_eq!(strip(&public, "units"), strip(&staff, "units"));
        for (pub_e, staff_e) in public["members"]
            .as_array()
            .unwrap()
            .iter()
            .zip(staff["members"].as_array().unwrap())
        {
            let full = staff_e["name"].as_str().unwrap();
            assert!(FULL_NAMES.contains(&full));
            assert!(staff_e["member_id"].is_string());
            assert_eq!(
                pub_e["name"].as_str().unwrap(),
                format!("{}**", full.chars().next().unwrap())
            );
        }
        assert!(staff["units"][0]["unit_id"].is_string());
    }
    // The street's staff see it whole.
    let street_staff = app.login("13800000108", "街道干事").await;
    world::grant(&app, &w.admin.token, &w.street, &street_staff.user_id, "staff").await;
    let staff = leaderboard(&app, &w.street, Some(&street_staff.token), "month=2026-10").await;
    assert_eq!(staff["public"], false);
    assert_eq!(staff["members"][0]["name"], "赵晚到");

    // The CSV export: the same rows as the JSON; the public file has masked names and no ids.
    let path = format!("/api/v1/regions/{}/leaderboard?month=2026-10", w.street);
    let res = app
        .client
        .get(app.url(&format!("{path}&format=csv")))
        .send()
        .await
        .unwrap();
    let public = crate::exports::read_csv(res, "leaderboard").await;
    assert!(
        public.column("编号").iter().all(String::is_empty),
        "{:?}",
        public.rows
    );
    let bytes = public.rows.concat().join(",");
    assert!(!FULL_NAMES.iter().any(|n| bytes.contains(n)), "{bytes}");
    let full = crate::exports::csv_of(&app, &path, &street_staff.token, "leaderboard").await;
    let members = staff["members"].as_array().unwrap();
    let units = staff["units"].as_array().unwrap();
    let json_rows: Vec<(String, String)> = members
        .iter()
        .map(|m| {
            (
                m["member_id"].as_str().unwrap().to_owned(),
                m["name"].as_str().unwrap().to_owned(),
            )
        })
        .chain(units.iter().map(|u| {
            (
                u["unit_id"].as_str().unwrap().to_owned(),
                u["name"].as_str().unwrap().to_owned(),
            )
        }))
        .collect();
    let csv_rows: Vec<(String, String)> = full
        .column("编号")
        .into_iter()
        .zip(full.column("姓名/名称"))
        .collect();
    assert_eq!(csv_rows, json_rows);
}

#[tokio::test]
async fn bad_parameters_are_400_and_an_unknown_region_404() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    for (query, code) in [
        ("by=stars", "INVALID_QUERY"),
        ("period=year", "INVALID_QUERY"),
        ("month=2026-13", "VALIDATION_FAILED"),
        ("month=26-10", "VALIDATION_FAILED"),
        ("limit=0", "VALIDATION_FAILED"),
        ("limit=101", "VALIDATION_FAILED"),
        ("limit=many", "INVALID_QUERY"),
    ] {
        let res = app
            .call(
                "GET",
                &format!("/api/v1/regions/{}/leaderboard?{query}", w.street),
                None,
                None,
            )
            .await;
        let body = ok_json(res, 400).await;
        assert_eq!(body["code"], code, "{query}: {body}");
    }
    let ok = leaderboard(&app, &w.street, None, "period=month&limit=100&by=rating").await;
    assert_eq!(ok["by"], "rating");
    let res = app
        .call("GET", "/api/v1/regions/999999/leaderboard", None, None)
        .await;
    assert_eq!(res.status(), 404);
}
