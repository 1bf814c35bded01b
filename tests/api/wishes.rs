//! 微心愿 through the API: post, moderate, claim (one winner), release, fulfil, confirm (by the
//! resident or the clock), the showcase; every refusal; who sees which wish.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app_with};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use entity::outbox;
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const PHOTO: &str = "https://img.example.cn/bag.jpg";

async fn setup() -> (TestApp, World) {
    let app = spawn_app_with(&[("WECHAT_TPL_PROGRESS", "tpl-progress")], |_| {}).await;
    let w = world::build(&app).await;
    (app, w)
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn post(app: &TestApp, who: &Session, region: &str, body: Value) -> reqwest::Response {
    app.post_as(&format!("/api/v1/regions/{region}/wishes"), &who.token, body)
        .await
}

async fn posted(app: &TestApp, who: &Session, region: &str) -> String {
    let body = json!({"title": "想要一个新书包", "description": "孩子的旧书包坏了", "photos": [PHOTO]});
    let w = ok_json(post(app, who, region, body).await, 201).await;
    assert_eq!(w["status"], "pending_review");
    id(&w)
}

async fn act(
    app: &TestApp,
    who: &Session,
    wish: &str,
    action: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.call(
        "POST",
        &format!("/api/v1/wishes/{wish}/{action}"),
        Some(&who.token),
        body,
    )
    .await
}

async fn ok(
    app: &TestApp,
    who: &Session,
    wish: &str,
    action: &str,
    body: Option<Value>,
    status: &str,
) -> Value {
    let v = ok_json(act(app, who, wish, action, body).await, 200).await;
    assert_eq!(v["status"], status, "{action}: {v}");
    v
}

/// `who` is refused `action` on `wish` with `status` and `code`.
async fn no(
    app: &TestApp,
    who: &Session,
    wish: &str,
    action: &str,
    body: Option<Value>,
    status: u16,
    code: &str,
) {
    refused(act(app, who, wish, action, body).await, status, code).await;
}

async fn refused(res: reqwest::Response, status: u16, code: &str) {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(problem(res).await["code"], code);
}

/// An approved wish of resident A in grid A.
pub async fn open_wish(app: &TestApp, w: &World) -> String {
    let wish = posted(app, &w.resident_a, &w.grid_a).await;
    ok(app, &w.staff_a, &wish, "approve", None, "open").await;
    wish
}

async fn get(app: &TestApp, who: &Session, wish: &str) -> reqwest::Response {
    app.get_as(&format!("/api/v1/wishes/{wish}"), &who.token).await
}

/// The WeChat notices written for `wish`: (recipient, phrase shown), oldest first.
async fn notices(app: &TestApp, wish: &str) -> Vec<(String, String)> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::WishId.eq(wish.parse::<i64>().unwrap()))
        .order_by_asc(outbox::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            let p: Value = serde_json::from_str(&r.payload).unwrap();
            assert_eq!(p["page"], format!("pages/wish/detail?id={wish}"));
            (
                r.recipient_id.unwrap().to_string(),
                p["data"]["phrase2"]["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_wish_goes_from_post_to_confirmed_and_into_the_showcase() {
    let (app, w) = setup().await;
    let wish = posted(&app, &w.resident_a, &w.grid_a).await;
    // Pending review: the poster and staff see it, neighbours do not.
    ok_json(get(&app, &w.resident_a, &wish).await, 200).await;
    refused(get(&app, &w.member_a, &wish).await, 404, "WISH_NOT_FOUND").await;
    let list = format!("/api/v1/regions/{}/wishes", w.comm_a);
    let staff_list = ok_json(app.get_as(&list, &w.staff_a.token).await, 200).await;
    assert_eq!(staff_list["items"][0]["id"], wish);
    let open = ok_json(app.get_as(&list, &w.member_a.token).await, 200).await;
    assert_eq!(open["items"].as_array().unwrap().len(), 0);

    ok(&app, &w.staff_a, &wish, "approve", None, "open").await;
    let open = ok_json(app.get_as(&list, &w.member_a.token).await, 200).await;
    assert_eq!(open["items"][0]["id"], wish);
    assert_eq!(
        open["items"][0]["resident_name"], "和***",
        "masked for neighbours"
    );
    assert_eq!(open["items"][0]["photos"][0], PHOTO);

    let claimed = ok(&app, &w.member_a, &wish, "claim", None, "claimed").await;
    assert_eq!(claimed["claimer_id"], w.member_a.user_id);
    assert_eq!(
        claimed["resident_name"], "和平居民",
        "the claimer reads the name in full"
    );
    let fulfilled = ok(
        &app,
        &w.member_a,
        &wish,
        "fulfil",
        Some(json!({"note": "书包已送到，电话13912345678", "photo": PHOTO})),
        "fulfilled",
    )
    .await;
    assert!(fulfilled["fulfilled_at"].is_string());

    let show = ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase/wishes", w.county))
            .await,
        200,
    )
    .await;
    let item = &show["items"][0];
    assert_eq!(item["id"], wish);
    assert_eq!(item["kind"], "wish");
    assert_eq!(item["resident"], "和***");
    assert_eq!(item["member"], "和***");
    assert!(!item["note"].as_str().unwrap().contains("13912345678"), "{item}");
    assert_eq!(item["photos"], json!([PHOTO]));
    assert_eq!(item["region_name"], "和平一网格");
    // The order showcase keeps its shape.
    ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase", w.county)).await,
        200,
    )
    .await;

    let done = ok(&app, &w.resident_a, &wish, "confirm", None, "confirmed").await;
    assert_eq!(done["auto_confirmed"], false);
    let mine = ok_json(app.get_as("/api/v1/me/wishes", &w.member_a.token).await, 200).await;
    assert_eq!(mine["items"][0]["id"], wish);
    let posted_by_me = ok_json(
        app.get_as("/api/v1/me/wishes?role=posted", &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(posted_by_me["items"][0]["id"], wish);
    let claimed_by_me = ok_json(
        app.get_as("/api/v1/me/wishes?role=claimed", &w.resident_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(claimed_by_me["items"].as_array().unwrap().len(), 0);
    // Still shown in the showcase once confirmed; the claimer still sees it.
    let show = ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase/wishes", w.comm_a))
            .await,
        200,
    )
    .await;
    assert_eq!(show["items"][0]["id"], wish);
    ok_json(get(&app, &w.member_a, &wish).await, 200).await;

    let (r, m) = (&w.resident_a.user_id, &w.member_a.user_id);
    let told = |who: &String, what: &str| (who.clone(), what.to_owned());
    assert_eq!(
        notices(&app, &wish).await,
        vec![
            told(r, "已通过审核"),
            told(r, "已被认领"),
            told(r, "已圆梦待确认"),
            told(m, "居民已确认"),
        ]
    );
}

#[tokio::test]
async fn rejection_withdrawal_and_release_are_told() {
    let (app, w) = setup().await;
    let wish = posted(&app, &w.resident_a, &w.grid_a).await;
    no(
        &app,
        &w.staff_a,
        &wish,
        "reject",
        Some(json!({})),
        400,
        "VALIDATION_FAILED",
    )
    .await;
    let rejected = ok(
        &app,
        &w.staff_a,
        &wish,
        "reject",
        Some(json!({"reason": "请写清楚需要什么"})),
        "rejected",
    )
    .await;
    assert_eq!(rejected["reject_reason"], "请写清楚需要什么");
    no(
        &app,
        &w.staff_a,
        &wish,
        "approve",
        None,
        409,
        "WISH_INVALID_TRANSITION",
    )
    .await;
    assert_eq!(
        notices(&app, &wish).await,
        vec![(w.resident_a.user_id.clone(), "未通过审核".into())]
    );

    // Withdrawn while open; a pending one can be withdrawn too.
    let open = open_wish(&app, &w).await;
    no(&app, &w.member_a, &open, "withdraw", None, 403, "FORBIDDEN").await;
    ok(&app, &w.resident_a, &open, "withdraw", None, "withdrawn").await;
    refused(get(&app, &w.member_a, &open).await, 404, "WISH_NOT_FOUND").await;
    let pending = posted(&app, &w.resident_a, &w.grid_a).await;
    ok(&app, &w.resident_a, &pending, "withdraw", None, "withdrawn").await;

    // Released: open again, the resident told why; the former claimer no longer acts on it.
    let wish = open_wish(&app, &w).await;
    ok(&app, &w.member_a, &wish, "claim", None, "claimed").await;
    let claimed = vec![
        (&w.resident_a, "withdraw", None, 409, "WISH_INVALID_TRANSITION"),
        (
            &w.resident_a,
            "release",
            Some(json!({"reason": "x"})),
            403,
            "FORBIDDEN",
        ),
        (&w.member_a, "release", Some(json!({})), 400, "VALIDATION_FAILED"),
    ];
    all_refused(&app, &wish, claimed).await;
    let back = ok(
        &app,
        &w.member_a,
        &wish,
        "release",
        Some(json!({"reason": "这周出差"})),
        "open",
    )
    .await;
    assert_eq!(back["release_reason"], "这周出差");
    assert!(back["claimer_id"].is_null());
    let fulfil = json!({"note": "n", "photo": PHOTO});
    no(&app, &w.member_a, &wish, "fulfil", Some(fulfil), 403, "FORBIDDEN").await;
    let phrases: Vec<String> = notices(&app, &wish).await.into_iter().map(|n| n.1).collect();
    assert_eq!(phrases, ["已通过审核", "已被认领", "认领已取消"]);
}

/// (who, action, body, status, code): each refused in turn.
type Refusal<'a> = (&'a Session, &'a str, Option<Value>, u16, &'a str);

async fn all_refused(app: &TestApp, wish: &str, cases: Vec<Refusal<'_>>) {
    for (who, action, body, status, code) in cases {
        no(app, who, wish, action, body, status, code).await;
    }
}

#[tokio::test]
async fn every_refusal_has_its_code() {
    let (app, w) = setup().await;
    let good = json!({"title": "t", "description": "d"});
    // Posting: only residents confirmed there, in a community or grid, with a valid body.
    let posts = [
        (&w.staff_a, &w.comm_a, good.clone(), 403, "NOT_A_RESIDENT"),
        (&w.resident_b, &w.grid_a, good.clone(), 404, "NOT_FOUND"),
        (&w.resident_a, &w.street, good.clone(), 422, "REGION_KIND_INVALID"),
        (
            &w.resident_a,
            &w.grid_a,
            json!({"title": "", "description": "d"}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &w.resident_a,
            &w.grid_a,
            json!({"title": "t", "description": ""}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &w.resident_a,
            &w.grid_a,
            json!({"title": "t", "description": "d", "photos": ["http://x.cn/a.jpg"]}),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &w.resident_a,
            &w.grid_a,
            json!({"title": "t", "description": "d", "extra": 1}),
            400,
            "VALIDATION_FAILED",
        ),
    ];
    for (who, region, body, status, code) in posts {
        refused(post(&app, who, region, body).await, status, code).await;
    }
    // The resident may post in their community as well as their grid.
    posted(&app, &w.resident_a, &w.comm_a).await;

    let wish = posted(&app, &w.resident_a, &w.grid_a).await;
    // Staff who are also members see a pending wish, but it is not open for claims.
    world::grant(&app, &w.admin.token, &w.comm_a, &w.staff_a.user_id, "member").await;
    let pending = vec![
        (&w.member_a, "approve", None, 404, "WISH_NOT_FOUND"),
        (&w.resident_a, "approve", None, 403, "FORBIDDEN"),
        (&w.member_a, "claim", None, 404, "WISH_NOT_FOUND"),
        (&w.staff_a, "claim", None, 409, "WISH_NOT_OPEN"),
    ];
    all_refused(&app, &wish, pending).await;
    ok(&app, &w.staff_a, &wish, "approve", None, "open").await;

    let neighbour = app.login("13800000031", "和平邻居").await;
    world::live_in(&app, &neighbour, &w.grid_a, &w.staff_a).await;
    ok_json(get(&app, &neighbour, &wish).await, 200).await;
    let fulfil = || Some(json!({"note": "n", "photo": PHOTO}));
    let open = vec![
        (&w.resident_a, "claim", None, 422, "OWN_WISH"),
        (&neighbour, "claim", None, 403, "FORBIDDEN"),
        (
            &w.member_a,
            "claim",
            Some(json!({"unit_id": "999"})),
            403,
            "FORBIDDEN",
        ),
        (&w.member_a, "fulfil", fulfil(), 403, "FORBIDDEN"),
        (&w.resident_a, "confirm", None, 409, "WISH_INVALID_TRANSITION"),
    ];
    all_refused(&app, &wish, open).await;

    ok(&app, &w.member_a, &wish, "claim", None, "claimed").await;
    // A neighbour no longer sees a claimed wish, but a late claimer hears it was taken.
    refused(get(&app, &neighbour, &wish).await, 404, "WISH_NOT_FOUND").await;
    let claimed = vec![
        (&w.member_a, "claim", None, 409, "WISH_ALREADY_CLAIMED"),
        (&w.staff_a, "claim", None, 409, "WISH_ALREADY_CLAIMED"),
        // Not a member: refused for the role before the status.
        (&neighbour, "claim", None, 403, "FORBIDDEN"),
        (&w.resident_a, "confirm", None, 409, "WISH_INVALID_TRANSITION"),
        (
            &w.member_a,
            "fulfil",
            Some(json!({"note": "", "photo": PHOTO})),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &w.member_a,
            "fulfil",
            Some(json!({"note": "n", "photo": "ftp://x"})),
            400,
            "VALIDATION_FAILED",
        ),
        (
            &w.member_a,
            "fulfil",
            Some(json!({"note": "n"})),
            400,
            "VALIDATION_FAILED",
        ),
    ];
    all_refused(&app, &wish, claimed).await;
    ok(&app, &w.member_a, &wish, "fulfil", fulfil(), "fulfilled").await;
    let fulfilled = vec![
        (&w.member_a, "fulfil", fulfil(), 409, "WISH_INVALID_TRANSITION"),
        (
            &w.member_a,
            "release",
            Some(json!({"reason": "r"})),
            409,
            "WISH_INVALID_TRANSITION",
        ),
        (&w.member_a, "confirm", None, 403, "FORBIDDEN"),
    ];
    all_refused(&app, &wish, fulfilled).await;
    ok(&app, &w.resident_a, &wish, "confirm", None, "confirmed").await;
    no(
        &app,
        &w.resident_a,
        &wish,
        "confirm",
        None,
        409,
        "WISH_INVALID_TRANSITION",
    )
    .await;
    refused(get(&app, &w.member_a, "99999").await, 404, "WISH_NOT_FOUND").await;
}

#[tokio::test]
async fn staff_of_another_community_and_strangers_are_told_nothing() {
    let (app, w) = setup().await;
    let pending = posted(&app, &w.resident_a, &w.grid_a).await;
    let wish = open_wish(&app, &w).await;
    for (who, id) in [
        (&w.staff_b, &pending),
        (&w.staff_b, &wish),
        (&w.resident_b, &wish),
    ] {
        refused(get(&app, who, id).await, 404, "WISH_NOT_FOUND").await;
        for action in ["approve", "claim", "withdraw", "confirm"] {
            no(&app, who, id, action, None, 404, "WISH_NOT_FOUND").await;
        }
        no(
            &app,
            who,
            id,
            "reject",
            Some(json!({"reason": "r"})),
            404,
            "WISH_NOT_FOUND",
        )
        .await;
    }
    let list_a = format!("/api/v1/regions/{}/wishes", w.comm_a);
    refused(app.get_as(&list_a, &w.staff_b.token).await, 404, "NOT_FOUND").await;
    refused(app.get_as(&list_a, &w.resident_b.token).await, 404, "NOT_FOUND").await;
    // Above the communities a member sees the region but has no community there.
    let street = format!("/api/v1/regions/{}/wishes", w.street);
    refused(app.get_as(&street, &w.member_a.token).await, 403, "FORBIDDEN").await;
    // Community B's list shows none of A's wishes to its staff.
    let list_b = format!("/api/v1/regions/{}/wishes", w.comm_b);
    let b = ok_json(app.get_as(&list_b, &w.staff_b.token).await, 200).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 0);
    // The county's admin oversees both; staff filter by status and page by cursor.
    let county = format!("/api/v1/regions/{}/wishes", w.county);
    let all = ok_json(app.get_as(&county, &w.admin.token).await, 200).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let open = ok_json(
        app.get_as(&format!("{list_a}?status=open"), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    assert_eq!(open["items"][0]["id"], wish);
    let first = ok_json(
        app.get_as(&format!("{list_a}?limit=1"), &w.staff_a.token).await,
        200,
    )
    .await;
    assert_eq!(first["items"][0]["id"], wish, "newest first");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = ok_json(
        app.get_as(&format!("{list_a}?limit=1&cursor={cursor}"), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(second["items"][0]["id"], pending);
    assert!(second["next_cursor"].is_null());
    refused(
        app.get_as(&format!("{list_a}?cursor=abc"), &w.staff_a.token)
            .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    // The public showcase has nothing unfulfilled.
    let show = ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase/wishes", w.county))
            .await,
        200,
    )
    .await;
    assert_eq!(show["items"].as_array().unwrap().len(), 0);
}

async fn members(app: &TestApp, w: &World, n: usize) -> Vec<Session> {
    let mut out = Vec::new();
    for start in (0..n).step_by(20) {
        let make = (start..n.min(start + 20)).map(|i| async move {
            let s = app.login(&format!("1360000{i:04}"), &format!("党员{i}")).await;
            world::grant(app, &w.staff_a.token, &w.comm_a, &s.user_id, "member").await;
            s
        });
        out.extend(join_all(make).await);
    }
    out
}

#[tokio::test]
async fn fifty_members_claim_one_wish_and_one_wins() {
    let (app, w) = setup().await;
    let crowd = members(&app, &w, 50).await;
    let wish = open_wish(&app, &w).await;
    let results = join_all(crowd.iter().map(|m| act(&app, m, &wish, "claim", None))).await;
    let mut winners = Vec::new();
    for (m, r) in crowd.iter().zip(results) {
        match r.status().as_u16() {
            200 => winners.push(m.user_id.clone()),
            409 => assert_eq!(problem(r).await["code"], "WISH_ALREADY_CLAIMED"),
            other => panic!("unexpected {other}: {}", r.text().await.unwrap()),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one winner");
    let detail = ok_json(get(&app, &w.staff_a, &wish).await, 200).await;
    assert_eq!(detail["claimer_id"], winners[0]);
    assert_eq!(detail["status"], "claimed");
    let claimed: Vec<_> = notices(&app, &wish)
        .await
        .into_iter()
        .filter(|n| n.1 == "已被认领")
        .collect();
    assert_eq!(claimed.len(), 1, "the resident is told once");
}

#[tokio::test]
async fn a_unit_claims_through_its_admin() {
    let (app, w) = setup().await;
    let unit = crate::reports::unit(&app, &w, "市供电公司").await;
    let boss = app.login("13877771111", "单位书记").await;
    let grant = json!({"user_id": boss.user_id, "role": "unit_admin", "unit_id": unit});
    ok_json(
        app.post_as(
            &format!("/api/v1/regions/{}/roles", w.comm_a),
            &w.admin.token,
            grant,
        )
        .await,
        201,
    )
    .await;
    let wish = open_wish(&app, &w).await;
    // Without naming the unit a unit admin is not a member.
    no(&app, &boss, &wish, "claim", None, 403, "FORBIDDEN").await;
    let claimed = ok(
        &app,
        &boss,
        &wish,
        "claim",
        Some(json!({"unit_id": unit})),
        "claimed",
    )
    .await;
    assert_eq!(claimed["claimer_unit_id"], unit);
    assert_eq!(claimed["claimer_unit_name"], "市供电公司");
    ok(
        &app,
        &boss,
        &wish,
        "fulfil",
        Some(json!({"note": "送到了", "photo": PHOTO})),
        "fulfilled",
    )
    .await;
    let show = ok_json(
        app.get(&format!("/api/v1/regions/{}/showcase/wishes", w.comm_a))
            .await,
        200,
    )
    .await;
    assert_eq!(show["items"][0]["unit"], "市供电公司");
}

#[tokio::test]
async fn the_clock_confirms_what_the_resident_did_not() {
    let app = spawn_app_with(
        &[
            ("WECHAT_TPL_PROGRESS", "tpl-progress"),
            ("WISH_CONFIRM_DAYS", "3"),
        ],
        |_| {},
    )
    .await;
    let w = world::build(&app).await;
    let wish = open_wish(&app, &w).await;
    ok(&app, &w.member_a, &wish, "claim", None, "claimed").await;
    ok(
        &app,
        &w.member_a,
        &wish,
        "fulfil",
        Some(json!({"note": "n", "photo": PHOTO})),
        "fulfilled",
    )
    .await;
    // A claimed wish waits for its claimer, whatever the clock says.
    let other = open_wish(&app, &w).await;
    ok(&app, &w.member_a, &other, "claim", None, "claimed").await;

    let early = linli::jobs::tick(&app.state, Utc::now() + Duration::days(2))
        .await
        .unwrap();
    assert_eq!(early.confirmed_wishes, 0);
    let late = linli::jobs::tick(&app.state, Utc::now() + Duration::days(4))
        .await
        .unwrap();
    assert_eq!(late.confirmed_wishes, 1);
    let again = linli::jobs::tick(&app.state, Utc::now() + Duration::days(5))
        .await
        .unwrap();
    assert_eq!(again.confirmed_wishes, 0, "confirmed once");

    let done = ok_json(get(&app, &w.resident_a, &wish).await, 200).await;
    assert_eq!(done["status"], "confirmed");
    assert_eq!(done["auto_confirmed"], true);
    no(
        &app,
        &w.resident_a,
        &wish,
        "confirm",
        None,
        409,
        "WISH_INVALID_TRANSITION",
    )
    .await;
    let last = notices(&app, &wish).await.pop().unwrap();
    assert_eq!(last, (w.member_a.user_id.clone(), "居民已确认".into()));
    let still = ok_json(get(&app, &w.resident_a, &other).await, 200).await;
    assert_eq!(still["status"], "claimed");
}
