use crate::helpers::{ADMIN_PHONE, ok_json, spawn_app};
use entity::{
    activity, activity_signup, goods, member_report, order_event, problem, problem_event, problem_meeting,
    region, restock, role_grant, service_item, service_order, store, team, team_member, transfer, unit, user,
    whistle,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

#[tokio::test]
async fn seed_demo_builds_a_county_once() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let first = linli::seed::seed_demo(db, &app.state.config).await.unwrap();
    let counts = || async {
        (
            region::Entity::find().count(db).await.unwrap(),
            user::Entity::find().count(db).await.unwrap(),
            role_grant::Entity::find().count(db).await.unwrap(),
            unit::Entity::find().count(db).await.unwrap(),
            member_report::Entity::find().count(db).await.unwrap(),
            service_item::Entity::find().count(db).await.unwrap(),
            service_order::Entity::find().count(db).await.unwrap(),
            (
                store::Entity::find().count(db).await.unwrap(),
                goods::Entity::find().count(db).await.unwrap(),
                restock::Entity::find().count(db).await.unwrap(),
                transfer::Entity::find().count(db).await.unwrap(),
            ),
            (
                team::Entity::find().count(db).await.unwrap(),
                team_member::Entity::find().count(db).await.unwrap(),
                activity::Entity::find().count(db).await.unwrap(),
                activity_signup::Entity::find().count(db).await.unwrap(),
            ),
            (
                whistle::Entity::find().count(db).await.unwrap(),
                order_event::Entity::find().count(db).await.unwrap(),
                problem::Entity::find().count(db).await.unwrap(),
                problem_event::Entity::find().count(db).await.unwrap(),
                problem_meeting::Entity::find().count(db).await.unwrap(),
            ),
        )
    };
    let after_first = counts().await;
    let (regions, users, grants, units, reports, items, orders, shop, volunteering, cycle) = after_first;
    let (whistles, _, problems, _, meetings) = cycle;
    assert_eq!(
        (whistles, problems, meetings),
        (2, 6, 2),
        "last month's two whistles; this list's four items and last month's two, a meeting each"
    );
    assert_eq!(
        volunteering,
        (1, 1, 2, 1),
        "a team of one, an upcoming and a past activity, one signup"
    );
    assert!(
        regions >= 10,
        "a county, a street, two communities, grids and buildings: {regions}"
    );
    assert_eq!((users, units, reports, items, orders), (10, 2, 2, 7, 7));
    let (stores, goods, restocks, _) = shop;
    assert_eq!(
        (stores, goods, restocks),
        (1, 4, 4),
        "a stocked store, each opening stock recorded"
    );
    let mut states: Vec<String> = service_order::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| linli::orders::service::status_name(o.status))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            "claimed",
            "closed",
            "closed",
            "closed",
            "completed",
            "published",
            "submitted"
        ],
        "the five demo orders and last month's two whistled ones"
    );
    assert!(grants >= 9, "{grants}");
    assert!(first.created > 0);

    let second = linli::seed::seed_demo(db, &app.state.config).await.unwrap();
    assert_eq!(second.created, 0, "the second run created rows");
    assert_eq!(counts().await, after_first);
    assert_eq!(first.lines, second.lines, "the same report");

    let all = region::Entity::find().all(db).await.unwrap();
    for node in &all {
        match node.parent_id {
            None => assert_eq!(node.path, format!("/{}/", node.id)),
            Some(pid) => {
                let parent = all.iter().find(|p| p.id == pid).unwrap();
                assert_eq!(node.path, format!("{}{}/", parent.path, node.id));
                assert_eq!(linli::regions::child_kind(parent.kind), Some(node.kind));
            }
        }
    }

    // The printed accounts work: the community worker logs in with the demo password.
    let res = app
        .call(
            "POST",
            "/api/v1/auth/password/login",
            None,
            Some(json!({"phone": "13800000101", "password": linli::seed::DEMO_PASSWORD})),
        )
        .await;
    let token = ok_json(res, 200).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = ok_json(app.get_as("/api/v1/me", &token).await, 200).await;
    assert_eq!(me["roles"][0]["role"], "staff");
    assert_eq!(me["roles"][0]["region_name"], "和平社区");
    let community = me["roles"][0]["region_id"].as_str().unwrap();
    let stats = ok_json(
        app.get_as(&format!("/api/v1/regions/{community}/report-stats"), &token)
            .await,
        200,
    )
    .await;
    assert_eq!(stats["communities"][0]["approved"], 1);

    // The README's love-supermarket walk: the demo resident redeems, the demo clerk hands over.
    let resident = app.login("13800000301", "吴居民").await;
    let clerk = app.login("13800000401", "王店员").await;
    let stores = ok_json(
        app.get_as(&format!("/api/v1/regions/{community}/stores"), &resident.token)
            .await,
        200,
    )
    .await;
    let store = stores[0]["id"].as_str().unwrap();
    let shelf = ok_json(
        app.get_as(&format!("/api/v1/stores/{store}/goods"), &resident.token)
            .await,
        200,
    )
    .await;
    assert!(
        shelf
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["stock"].as_i64() > Some(0))
    );
    let towel = shelf
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "毛巾")
        .unwrap()["id"]
        .clone();
    let res = app
        .client
        .post(app.url("/api/v1/redemptions"))
        .bearer_auth(&resident.token)
        .header("Idempotency-Key", "demo")
        .json(&json!({"store_id": store, "items": [{"goods_id": towel, "quantity": 2}]}))
        .send()
        .await
        .unwrap();
    let code = ok_json(res, 201).await["pickup_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_as(
            &format!("/api/v1/stores/{store}/pickups"),
            &clerk.token,
            json!({"code": code}),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["status"], "fulfilled");

    activities_were_seeded(&app).await;
    monthly_cycle_was_seeded(&app, community).await;
}

/// The street's department and its staff, the problem list being compiled, and last month's
/// board with red and black entries (public, no login).
async fn monthly_cycle_was_seeded(app: &crate::helpers::TestApp, community: &str) {
    let db = &app.state.db;
    // The department's staff logs in with the demo password and finds last month's whistles.
    let res = app
        .call(
            "POST",
            "/api/v1/auth/password/login",
            None,
            Some(json!({"phone": "13800000601", "password": linli::seed::DEMO_PASSWORD})),
        )
        .await;
    let login = ok_json(res, 200).await;
    let token = login["access_token"].as_str().unwrap();
    let me = ok_json(app.get_as("/api/v1/me", token).await, 200).await;
    assert_eq!(me["roles"][0]["role"], "unit_admin", "{me}");
    assert_eq!(me["roles"][0]["region_name"], "幸福街道", "{me}");
    let dept = unit::Entity::find()
        .filter(unit::Column::Name.eq("幸福街道城管科"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(dept.department);
    let street = dept.community_id;
    let inbox = ok_json(
        app.get_as(
            &format!("/api/v1/units/{}/whistles?status=resolved", dept.id),
            token,
        )
        .await,
        200,
    )
    .await;
    let done = inbox["items"].as_array().unwrap();
    assert_eq!(done.len(), 2, "{inbox}");
    let late: Vec<bool> = done
        .iter()
        .map(|w| w["respond_overdue"].as_bool().unwrap() && w["resolve_overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(
        late.iter().filter(|l| **l).count(),
        1,
        "one late whistle: {inbox}"
    );
    // Both orders were rated and closed last month; the late one was passed up by the clock.
    let now = chrono::Utc::now();
    let (this_start, _) = linli::calendar::month_bounds(&linli::calendar::month_of(now)).unwrap();
    let last = linli::calendar::month_of(this_start - chrono::Duration::seconds(1));
    let (last_start, last_end) = linli::calendar::month_bounds(&last).unwrap();
    for w in done {
        let order: i64 = w["order_id"].as_str().unwrap().parse().unwrap();
        let o = service_order::Entity::find_by_id(order)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let closed = o.closed_at.unwrap();
        assert!(
            closed >= last_start && closed < last_end,
            "closed last month: {o:?}"
        );
        assert!(o.rating.is_some_and(|r| r >= 4));
    }

    // The list being compiled: the meeting decided it, one item claimed by the unit.
    let staff = app.login("13800000101", "钱社工").await;
    let month = linli::problems::deadlines::filing_month(now, &app.state.config.problems);
    let list = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{community}/problems?month={month}"),
            &staff.token,
        )
        .await,
        200,
    )
    .await;
    let mut states: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    states.sort();
    assert_eq!(states, ["claimed", "merged", "published", "rejected"], "{list}");
    let claimed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["state"] == "claimed")
        .unwrap();
    assert_eq!(claimed["owner_unit_name"], "市供电公司", "{claimed}");

    // Last month's board of the street, as anyone sees it: red and black lists not empty.
    let board = ok_json(
        app.call(
            "GET",
            &format!("/api/v1/regions/{street}/boards?month={last}"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(board["public"], true);
    let red = &board["red"];
    let black = &board["black"];
    assert_eq!(red["departments"][0]["name"], "幸福街道城管科", "{board}");
    assert_eq!(red["departments"][0]["resolved"], 2, "{board}");
    assert_eq!(red["departments"][0]["resolved_on_time"], 1, "{board}");
    assert_eq!(black["departments"][0]["late_reports"], 1, "{board}");
    assert_eq!(black["departments"][0]["late_resolutions"], 1, "{board}");
    assert_eq!(red["communities"][0]["name"], "和平社区", "{board}");
    assert_eq!(red["communities"][0]["closed"], 2, "{board}");
    assert_eq!(red["communities"][0]["problems_resolved"], 1, "{board}");
    assert_eq!(
        black["communities"][0]["overdue"], 1,
        "the clock passed the late order up: {board}"
    );
    assert_eq!(black["communities"][0]["problems_passed_up"], 1, "{board}");
    assert_eq!(red["units"][0]["name"], "市供电公司", "{board}");
    assert_eq!(black["units"][0]["passed_up_unresolved"], 1, "{board}");
}

/// The demo team, the upcoming activity open for signup, and the past one whose hours reached
/// the demo member through the ledger, which reconciles.
async fn activities_were_seeded(app: &crate::helpers::TestApp) {
    let member = app.login("13800000201", "李党员").await;
    let admin = app.login(ADMIN_PHONE, "县管理员").await;
    let mine = ok_json(app.get_as("/api/v1/me/activities", &member.token).await, 200).await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{mine}");
    let past = &items[0];
    assert_eq!(past["activity"]["eligibility"], "team");
    let ended = chrono::DateTime::parse_from_rfc3339(past["activity"]["ends_at"].as_str().unwrap()).unwrap();
    assert!(ended < chrono::Utc::now(), "the past activity is over: {past}");
    assert_eq!(past["signup"]["minutes"], 120, "{past}");
    let a = past["activity"]["id"].as_str().unwrap();
    let credit = transfer::Entity::find()
        .filter(transfer::Column::Reference.eq(format!("activity:{a}:{}", member.user_id)))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(credit, 1, "the past activity's minutes posted once");

    let community = past["activity"]["community_id"].as_str().unwrap();
    let teams = ok_json(
        app.get_as(&format!("/api/v1/regions/{community}/teams"), &member.token)
            .await,
        200,
    )
    .await;
    assert_eq!(teams["items"][0]["name"], "和平社区助老服务队");
    assert_eq!(teams["items"][0]["leader_id"], member.user_id.as_str());
    assert_eq!(teams["items"][0]["credited_minutes"], 120);

    let listed = ok_json(
        app.get_as(&format!("/api/v1/regions/{community}/activities"), &admin.token)
            .await,
        200,
    )
    .await;
    let others: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .filter(|id| *id != a)
        .collect();
    assert_eq!(others.len(), 1, "{listed}");
    let res = app
        .call(
            "POST",
            &format!("/api/v1/activities/{}/signup", others[0]),
            Some(&member.token),
            None,
        )
        .await;
    assert_eq!(ok_json(res, 201).await["status"], "confirmed", "signup is open");

    let r = ok_json(
        app.get_as("/api/v1/ledger/reconciliation", &admin.token).await,
        200,
    )
    .await;
    assert_eq!(r["ok"], true, "{r}");
}
