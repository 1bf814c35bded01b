//! `POST /users/lookup` finds only people in the caller's regions and hides who is a system admin.

use crate::helpers::{ADMIN_PHONE, Session, TestApp, ok_json, problem, spawn_app};
use crate::world;
use serde_json::{Value, json};

async fn lookup(app: &TestApp, who: &Session, phone: &str) -> reqwest::Response {
    app.post_as("/api/v1/users/lookup", &who.token, json!({"phone": phone}))
        .await
}

async fn not_found(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 404);
    let mut body = problem(res).await;
    assert_eq!(body["code"], "USER_NOT_FOUND");
    body.as_object_mut().unwrap().remove("instance");
    body
}

#[tokio::test]
async fn staff_find_only_people_of_their_own_regions() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let found = ok_json(lookup(&app, &w.staff_a, "13800000021").await, 200).await;
    assert_eq!(found["id"], w.resident_a.user_id);
    assert!(found.get("is_system_admin").is_none(), "{found}");

    // A resident of community B answers exactly as a phone no one has.
    let elsewhere = not_found(lookup(&app, &w.staff_a, "13800000022").await).await;
    let nobody = not_found(lookup(&app, &w.staff_a, "13800009999").await).await;
    assert_eq!(elsewhere, nobody);
    // The county admin's own phone is no one to community staff.
    not_found(lookup(&app, &w.staff_a, ADMIN_PHONE).await).await;

    // Someone who declared they live in A is findable by A's staff before confirmation.
    let newcomer = app.login("13855551111", "新居民").await;
    not_found(lookup(&app, &w.staff_a, "13855551111").await).await;
    world::declare(&app, &newcomer, &w.grid_a).await;
    let found = ok_json(lookup(&app, &w.staff_a, "13855551111").await, 200).await;
    assert_eq!(found["id"], newcomer.user_id);
    not_found(lookup(&app, &w.staff_b, "13855551111").await).await;
}

#[tokio::test]
async fn system_admins_find_anyone_and_see_the_admin_flag() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let found = ok_json(lookup(&app, &w.admin, "13800000022").await, 200).await;
    assert_eq!(found["is_system_admin"], false);
    let stranger = app.login("13855552222", "无人认领").await;
    let found = ok_json(lookup(&app, &w.admin, "13855552222").await, 200).await;
    assert_eq!(found["id"], stranger.user_id);

    // Grant lists show the flag to system admins only.
    let path = format!("/api/v1/regions/{}/roles", w.comm_a);
    let as_admin = ok_json(app.get_as(&path, &w.admin.token).await, 200).await;
    assert!(as_admin["items"][0]["user"]["is_system_admin"].is_boolean());
    world::grant(&app, &w.admin.token, &w.comm_a, &stranger.user_id, "admin").await;
    let as_community_admin = ok_json(app.get_as(&path, &stranger.token).await, 200).await;
    assert!(
        as_community_admin["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["user"].get("is_system_admin").is_none() || g["user"]["id"] == stranger.user_id),
        "{as_community_admin}"
    );
}
