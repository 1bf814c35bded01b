use crate::helpers::{ok_json, problem, spawn_app};
use crate::world::{self, grant};
use serde_json::json;

#[tokio::test]
async fn who_may_grant_what() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let newbie = app.login("13855555555", "新人").await;
    let roles = |region: &str| format!("/api/v1/regions/{region}/roles");

    // Staff grant members and residents in their community, nothing more.
    let res = app
        .post_as(
            &roles(&w.grid_a),
            &w.staff_a.token,
            json!({"user_id": newbie.user_id, "role": "resident"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    for role in ["staff", "admin", "clerk"] {
        let res = app
            .post_as(
                &roles(&w.comm_a),
                &w.staff_a.token,
                json!({"user_id": newbie.user_id, "role": role}),
            )
            .await;
        assert_eq!(res.status(), 403, "staff granting {role}");
    }
    // An admin of the community grants staff there, but cannot crown another admin of it.
    let comm_admin = app.login("13866666666", "社区书记").await;
    grant(&app, &w.admin.token, &w.comm_a, &comm_admin.user_id, "admin").await;
    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "staff"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_as(
            &roles(&w.grid_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), 201, "an admin of an ancestor may grant admin below");

    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "staff"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "ROLE_ALREADY_GRANTED");
    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": "999999", "role": "staff"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "USER_NOT_FOUND");
    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "unit_admin"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "UNIT_REQUIRED");
    let res = app
        .post_as(
            &roles(&w.comm_a),
            &comm_admin.token,
            json!({"user_id": newbie.user_id, "role": "king"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "VALIDATION_FAILED");

    let me = ok_json(app.get_as("/api/v1/me", &newbie.token).await, 200).await;
    let mut held: Vec<&str> = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    held.sort();
    assert_eq!(held, ["admin", "resident", "staff"]);
}

#[tokio::test]
async fn listing_and_revoking_grants() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let list = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/roles?limit=2", w.comm_a),
            &w.admin.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let cursor = list["next_cursor"]
        .as_str()
        .expect("more than two grants under community A")
        .to_owned();
    let rest = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/roles?limit=100&cursor={cursor}", w.comm_a),
            &w.admin.token,
        )
        .await,
        200,
    )
    .await;
    assert!(rest["next_cursor"].is_null());
    let all: Vec<serde_json::Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .cloned()
        .collect();
    // staff_a (community), member_a (community), member_a + resident_a residences (grid).
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(
        all.iter()
            .all(|g| g["user"]["phone_masked"].as_str().unwrap().contains("****"))
    );

    let member_grant = all.iter().find(|g| g["role"] == "member").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/regions/{}/roles/{member_grant}", w.comm_a);
    assert_eq!(
        app.call("DELETE", &path, Some(&w.resident_a.token), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&w.staff_a.token), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&w.staff_a.token), None)
            .await
            .status(),
        404
    );
    let me = ok_json(app.get_as("/api/v1/me", &w.member_a.token).await, 200).await;
    assert!(
        me["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["role"] != "member")
    );
}
