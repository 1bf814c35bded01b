use crate::helpers::{ok_json, problem, spawn_app};
use crate::world::{self, region};
use serde_json::json;

#[tokio::test]
async fn kinds_nest_in_order_and_siblings_have_unique_names() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = &w.admin.token;
    let cases = [
        (
            Some(w.county.as_str()),
            "community",
            "跳级社区",
            422,
            "REGION_KIND_INVALID",
        ),
        (
            Some(w.street.as_str()),
            "building",
            "楼",
            422,
            "REGION_KIND_INVALID",
        ),
        (
            Some(w.street.as_str()),
            "community",
            "和平社区",
            409,
            "REGION_NAME_TAKEN",
        ),
        (None, "county", "示范县", 409, "REGION_NAME_TAKEN"),
    ];
    for (parent, kind, name, status, code) in cases {
        let res = app
            .post_as(
                "/api/v1/regions",
                a,
                json!({"parent_id": parent, "kind": kind, "name": name}),
            )
            .await;
        assert_eq!(res.status().as_u16(), status, "{kind} {name}");
        assert_eq!(problem(res).await["code"], code, "{kind} {name}");
    }
    let res = app
        .post_as(
            "/api/v1/regions",
            a,
            json!({"parent_id": w.street, "kind": "village", "name": "x"}),
        )
        .await;
    assert_eq!(problem(res).await["code"], "VALIDATION_FAILED");
    let res = app
        .post_as(
            "/api/v1/regions",
            a,
            json!({"parent_id": "999999", "kind": "grid", "name": "x"}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn anyone_signed_in_browses_the_tree_staff_read_subtrees() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let roots = ok_json(app.get_as("/api/v1/regions", &w.resident_b.token).await, 200).await;
    assert_eq!(roots[0]["name"], "示范县");
    let kids = ok_json(
        app.get_as(
            &format!("/api/v1/regions/{}/children", w.street),
            &w.resident_b.token,
        )
        .await,
        200,
    )
    .await;
    let names: Vec<&str> = kids
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["和平社区", "团结社区"]);
    let one = ok_json(
        app.get_as(&format!("/api/v1/regions/{}", w.grid_a), &w.resident_b.token)
            .await,
        200,
    )
    .await;
    assert_eq!(one["kind"], "grid");
    assert_eq!(one["parent_id"], w.comm_a);

    let sub = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/subtree", w.comm_a), &w.staff_a.token)
            .await,
        200,
    )
    .await;
    let ids: Vec<&str> = sub
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [w.comm_a.as_str(), w.grid_a.as_str()]);
    let sub = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/subtree", w.county), &w.admin.token)
            .await,
        200,
    )
    .await;
    assert_eq!(sub.as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn rename_and_party_org() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let path = format!("/api/v1/regions/{}", w.comm_a);
    let res = app
        .call(
            "PATCH",
            &path,
            Some(&w.admin.token),
            Some(json!({"name": "和平新社区", "party_org": "中共和平社区委员会"})),
        )
        .await;
    let r = ok_json(res, 200).await;
    assert_eq!(
        (r["name"].as_str(), r["party_org"].as_str()),
        (Some("和平新社区"), Some("中共和平社区委员会"))
    );
    let res = app
        .call(
            "PATCH",
            &path,
            Some(&w.admin.token),
            Some(json!({"name": "团结社区"})),
        )
        .await;
    assert_eq!(problem(res).await["code"], "REGION_NAME_TAKEN");
    let res = app
        .call(
            "PATCH",
            &path,
            Some(&w.admin.token),
            Some(json!({"party_org": ""})),
        )
        .await;
    assert!(ok_json(res, 200).await["party_org"].is_null());
    let res = app
        .call(
            "PATCH",
            &path,
            Some(&w.admin.token),
            Some(json!({"kind": "street"})),
        )
        .await;
    assert_eq!(
        problem(res).await["code"],
        "VALIDATION_FAILED",
        "the kind cannot be changed by mass assignment"
    );
}

#[tokio::test]
async fn moving_a_grid_carries_its_subtree_and_changes_who_governs_it() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let a = &w.admin.token;
    let building = region(&app, a, Some(&w.grid_a), "building", "1号楼").await;
    assert_eq!(
        app.get_as(&format!("/api/v1/regions/{building}/subtree"), &w.staff_b.token)
            .await
            .status(),
        404
    );

    let res = app
        .post_as(
            &format!("/api/v1/regions/{}/move", w.grid_a),
            a,
            json!({"parent_id": w.comm_b}),
        )
        .await;
    assert_eq!(ok_json(res, 200).await["parent_id"], w.comm_b);
    // Staff of B now govern the grid and the building under it; staff of A no longer see it.
    let sub = ok_json(
        app.get_as(&format!("/api/v1/regions/{}/subtree", w.comm_b), &w.staff_b.token)
            .await,
        200,
    )
    .await;
    let ids: Vec<&str> = sub
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&w.grid_a.as_str()) && ids.contains(&building.as_str()),
        "{ids:?}"
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/regions/{building}/subtree"), &w.staff_b.token)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/regions/{building}/subtree"), &w.staff_a.token)
            .await
            .status(),
        404
    );

    let cases = [
        (w.grid_a.as_str(), building.as_str(), "REGION_MOVE_INVALID"),
        (w.comm_a.as_str(), w.comm_a.as_str(), "REGION_MOVE_INVALID"),
        (w.grid_a.as_str(), w.street.as_str(), "REGION_KIND_INVALID"),
    ];
    for (node, parent, code) in cases {
        let res = app
            .post_as(
                &format!("/api/v1/regions/{node}/move"),
                a,
                json!({"parent_id": parent}),
            )
            .await;
        assert_eq!(res.status(), 422, "{code}");
        assert_eq!(problem(res).await["code"], code);
    }
}
