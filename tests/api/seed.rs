use crate::helpers::{ADMIN_PHONE, ok_json, spawn_app};
use entity::{
    activity, activity_signup, goods, member_report, region, restock, role_grant, service_item,
    service_order, store, team, team_member, transfer, unit, user,
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
        )
    };
    let after_first = counts().await;
    let (regions, users, grants, units, reports, items, orders, shop, volunteering) = after_first;
    assert_eq!(
        volunteering,
        (1, 1, 2, 1),
        "a team of one, an upcoming and a past activity, one signup"
    );
    assert!(
        regions >= 10,
        "a county, a street, two communities, grids and buildings: {regions}"
    );
    assert_eq!((users, units, reports, items, orders), (9, 1, 2, 7, 5));
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
        ["claimed", "closed", "completed", "published", "submitted"]
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
