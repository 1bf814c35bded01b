use crate::helpers::{ok_json, spawn_app};
use entity::{member_report, region, role_grant, service_item, service_order, unit, user};
use sea_orm::{EntityTrait, PaginatorTrait};
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
        )
    };
    let after_first = counts().await;
    let (regions, users, grants, units, reports, items, orders) = after_first;
    assert!(
        regions >= 10,
        "a county, a street, two communities, grids and buildings: {regions}"
    );
    assert_eq!((users, units, reports, items, orders), (9, 1, 2, 7, 5));
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
}
