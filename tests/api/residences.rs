//! Residence is one concept: a staff grant of `resident` is a confirmed residence; a declared one
//! waits for staff of that place and until then only lets its owner place orders there.

use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::orders::{act, place};
use crate::world;
use serde_json::{Value, json};

async fn me(app: &TestApp, who: &Session) -> Value {
    ok_json(app.get_as("/api/v1/me", &who.token).await, 200).await
}

fn roles(me: &Value) -> Vec<(String, String)> {
    me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_owned(),
                r["region_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn try_place(app: &TestApp, who: &Session, region: &str) -> reqwest::Response {
    app.post_as(
        "/api/v1/orders",
        &who.token,
        json!({"region_id": region, "title": "换灯泡", "address": "1 单元 101"}),
    )
    .await
}

/// What a community opens to those who belong to it: its catalogue and its stores.
async fn community_views(app: &TestApp, who: &Session, community: &str, grid: &str) -> [u16; 2] {
    let catalogue = app
        .get_as(&format!("/api/v1/regions/{community}/service-items"), &who.token)
        .await;
    let stores = app
        .get_as(&format!("/api/v1/regions/{grid}/stores"), &who.token)
        .await;
    [catalogue.status().as_u16(), stores.status().as_u16()]
}

#[tokio::test]
async fn a_resident_granted_by_staff_can_order_at_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550001", "新居民").await;
    world::grant(&app, &w.staff_a.token, &w.grid_a, &newcomer.user_id, "resident").await;
    let order = place(&app, &newcomer, &w.grid_a, None).await;
    assert_eq!(order["status"], "submitted");
    assert_eq!(
        community_views(&app, &newcomer, &w.comm_a, &w.grid_a).await,
        [200, 200]
    );
}

#[tokio::test]
async fn a_declared_residence_only_places_orders_until_staff_confirm_it() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550002", "新居民").await;
    let declared = world::declare(&app, &newcomer, &w.grid_b).await;
    assert_eq!(declared["status"], "pending");
    assert!(
        roles(&me(&app, &newcomer).await).is_empty(),
        "declaring grants nothing"
    );

    place(&app, &newcomer, &w.grid_b, None).await;
    assert_eq!(
        community_views(&app, &newcomer, &w.comm_b, &w.grid_b).await,
        [404, 404],
        "a pending residence opens neither catalogue nor stores"
    );

    world::confirm(&app, &w.staff_b, declared["id"].as_str().unwrap()).await;
    let after = me(&app, &newcomer).await;
    assert_eq!(after["residence"]["status"], "confirmed");
    assert_eq!(roles(&after), [("resident".to_owned(), w.grid_b.clone())]);
    assert_eq!(
        community_views(&app, &newcomer, &w.comm_b, &w.grid_b).await,
        [200, 200]
    );
}

#[tokio::test]
async fn a_grid_pool_opens_to_a_member_only_once_their_residence_is_confirmed() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550003", "新党员").await;
    world::grant(&app, &w.staff_a.token, &w.comm_a, &newcomer.user_id, "member").await;
    let declared = world::declare(&app, &newcomer, &w.grid_a).await;
    let order = place(&app, &w.resident_a, &w.grid_a, None).await;
    let id = order["id"].as_str().unwrap();
    let res = act(
        &app,
        &w.staff_a,
        id,
        "dispatch",
        json!({"mode": "publish", "pool_region_id": w.grid_a}),
    )
    .await;
    ok_json(res, 200).await;

    let res = act(&app, &newcomer, id, "claim", json!({})).await;
    assert_eq!(res.status(), 404, "pending residence: not in the grid's pool");
    world::confirm(&app, &w.staff_a, declared["id"].as_str().unwrap()).await;
    let claimed = ok_json(act(&app, &newcomer, id, "claim", json!({})).await, 200).await;
    assert_eq!(claimed["status"], "claimed");
}

#[tokio::test]
async fn declaring_never_removes_roles_staff_granted() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550004", "新居民").await;
    world::grant(&app, &w.staff_a.token, &w.grid_a, &newcomer.user_id, "resident").await;
    let res = app
        .call(
            "PUT",
            "/api/v1/me/residence",
            Some(&newcomer.token),
            Some(json!({"region_id": w.comm_b, "address": "x"})),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "REGION_KIND_INVALID");

    let declared = world::declare(&app, &newcomer, &w.grid_b).await;
    assert_eq!(declared["status"], "pending");
    let now = me(&app, &newcomer).await;
    assert_eq!(roles(&now), [("resident".to_owned(), w.grid_a.clone())]);
    place(&app, &newcomer, &w.grid_a, None).await;
    place(&app, &newcomer, &w.grid_b, None).await;

    // Declaring a place already granted is confirmed at once.
    let again = world::declare(&app, &newcomer, &w.grid_a).await;
    assert_eq!(again["status"], "confirmed");
}

#[tokio::test]
async fn a_staff_grant_confirms_the_pending_declaration_there() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550005", "新居民").await;
    world::declare(&app, &newcomer, &w.grid_a).await;
    world::grant(&app, &w.staff_a.token, &w.grid_a, &newcomer.user_id, "resident").await;
    assert_eq!(me(&app, &newcomer).await["residence"]["status"], "confirmed");
}

#[tokio::test]
async fn staff_review_pending_residences_in_their_own_regions_once() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let in_a = app.login("13855550006", "甲").await;
    let in_b = app.login("13855550007", "乙").await;
    let a = world::declare(&app, &in_a, &w.grid_a).await;
    world::declare(&app, &in_b, &w.grid_b).await;
    let a_id = a["id"].as_str().unwrap();

    let path = format!("/api/v1/regions/{}/residences?status=pending", w.comm_a);
    let pending = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    let ids: Vec<&str> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a_id], "only declarations under community A, only pending");
    assert_eq!(pending["items"][0]["user"]["id"], in_a.user_id);
    assert_eq!(pending["items"][0]["address"], "1 单元 101");
    assert_eq!(app.get_as(&path, &w.resident_a.token).await.status(), 403);

    let confirm = format!("/api/v1/residences/{a_id}/confirm");
    let res = app.post_as(&confirm, &w.staff_b.token, json!({})).await;
    assert_eq!(res.status(), 404, "staff of another community do not see it");
    let res = app
        .post_as(
            &format!("/api/v1/residences/{a_id}/reject"),
            &w.staff_a.token,
            json!({"reason": "查无此人"}),
        )
        .await;
    let rejected = ok_json(res, 200).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["review_note"], "查无此人");
    let res = app.post_as(&confirm, &w.staff_a.token, json!({})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "RESIDENCE_NOT_PENDING");

    let res = try_place(&app, &in_a, &w.grid_a).await;
    assert_eq!(res.status(), 422, "a rejected residence places no orders");
    assert_eq!(problem(res).await["code"], "ORDER_REGION_INVALID");
}

#[tokio::test]
async fn revoking_the_resident_role_ends_a_confirmed_residence() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550008", "搬走的居民").await;
    world::live_in(&app, &newcomer, &w.grid_a, &w.staff_a).await;
    place(&app, &newcomer, &w.grid_a, None).await;
    let grant = me(&app, &newcomer).await["roles"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/regions/{}/roles/{grant}", w.grid_a);
    let res = app.call("DELETE", &path, Some(&w.staff_a.token), None).await;
    assert_eq!(res.status(), 204);
    let res = try_place(&app, &newcomer, &w.grid_a).await;
    assert_eq!(res.status(), 422);
    assert_eq!(problem(res).await["code"], "ORDER_REGION_INVALID");
}

/// Residences declared before this change move into declarations: pending, unless staff had
/// granted `resident` there; the roles people once granted themselves by declaring are gone.
#[tokio::test]
async fn the_migration_turns_old_residences_into_declarations() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newcomer = app.login("13855550009", "老居民").await;
    let db = &app.state.db;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mine = names
        .iter()
        .position(|n| n == "m20261129_000701_create_residence")
        .unwrap();
    Migrator::down(db, Some((names.len() - mine) as u32))
        .await
        .unwrap();

    // The old shape: a self-declared residence came with a self-granted resident role.
    let (user, grid): (i64, i64) = (newcomer.user_id.parse().unwrap(), w.grid_a.parse().unwrap());
    db.execute_unprepared(&format!(
        "UPDATE app_user SET residence_region_id = {grid}, residence_address = '2 单元 202' WHERE id = {user}"
    ))
    .await
    .unwrap();
    entity::role_grant::ActiveModel {
        user_id: Set(user),
        region_id: Set(grid),
        role: Set(entity::role_grant::Role::Resident),
        granted_by: Set(Some(user)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    Migrator::up(db, None).await.unwrap();

    let old = me(&app, &newcomer).await;
    assert_eq!(old["residence"]["status"], "pending", "{old}");
    assert_eq!(old["residence"]["address"], "2 单元 202");
    assert!(roles(&old).is_empty(), "the self-granted role is gone: {old}");
    let confirmed = me(&app, &w.resident_b).await;
    assert_eq!(confirmed["residence"]["status"], "confirmed", "{confirmed}");
    assert_eq!(roles(&confirmed), [("resident".to_owned(), w.grid_b.clone())]);
}
