//! Teams of a region: `GET /regions/{id}/teams` lists what `GET /teams/{id}` would show each
//! caller, with the same totals, newest first, in cursor pages.

use crate::activities::publish;
use crate::helpers::{Session, TestApp, ok_json, problem};
use crate::world;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

async fn form(app: &TestApp, staff: &Session, community: &str, name: &str, leader: &str) -> String {
    let res = app
        .post_as(
            &format!("/api/v1/regions/{community}/teams"),
            &staff.token,
            json!({"name": name, "leader_id": leader}),
        )
        .await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

async fn list(app: &TestApp, who: &Session, region: &str, query: &str) -> Value {
    ok_json(
        app.get_as(&format!("/api/v1/regions/{region}/teams?{query}"), &who.token)
            .await,
        200,
    )
    .await
}

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_region_lists_the_teams_its_caller_may_see_with_their_totals() {
    let app = crate::helpers::spawn_app().await;
    let w = world::build(&app).await;
    let old = form(&app, &w.staff_a, &w.comm_a, "和平助老服务队", &w.member_a.user_id).await;
    form(
        &app,
        &w.staff_b,
        &w.comm_b,
        "团结环保服务队",
        &w.resident_b.user_id,
    )
    .await;
    let new = form(
        &app,
        &w.staff_a,
        &w.comm_a,
        "和平文明劝导队",
        &w.resident_a.user_id,
    )
    .await;

    // Minutes credited in the team's activity count in the list as on the team's own page.
    let a = publish(
        &app,
        &w.staff_a,
        &w.grid_a,
        json!({"eligibility": "team", "team_id": old}),
    )
    .await;
    ok_json(
        app.call(
            "POST",
            &format!("/api/v1/activities/{a}/signup"),
            Some(&w.member_a.token),
            None,
        )
        .await,
        201,
    )
    .await;
    let by_hand = |action: &'static str, at: Value| {
        let path = format!(
            "/api/v1/activities/{a}/attendance/{}/{action}",
            w.member_a.user_id
        );
        let token = w.staff_a.token.clone();
        let app = &app;
        async move { ok_json(app.post_as(&path, &token, at).await, 200).await }
    };
    by_hand("checkin", json!({"at": Utc::now() - Duration::minutes(40)})).await;
    by_hand("checkout", json!({})).await;

    let page = list(&app, &w.member_a, &w.comm_a, "").await;
    assert_eq!(
        names(&page),
        ["和平文明劝导队", "和平助老服务队"],
        "newest first: {page}"
    );
    assert_eq!(page["next_cursor"], Value::Null);
    let team = &page["items"][1];
    assert_eq!(team["id"], old.as_str());
    assert_eq!(
        (
            team["members"].as_i64(),
            team["leader_name"].as_str(),
            team["joined"].as_bool()
        ),
        (Some(1), Some("和平党员"), Some(true))
    );
    assert_eq!(team["credited_minutes"], 40);
    let alone = ok_json(
        app.get_as(&format!("/api/v1/teams/{old}"), &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(&alone, team, "one definition of a team's totals");
    assert_eq!(page["items"][0]["credited_minutes"], 0);
    assert_eq!(page["items"][0]["joined"], false);

    // A grid lists its community's teams.
    let grid = list(&app, &w.resident_a, &w.grid_a, "").await;
    assert_eq!(names(&grid), ["和平文明劝导队", "和平助老服务队"]);

    // Above the communities: staff over the street see all, in cursor pages; a resident of B
    // sees only B's, as GET /teams/{id} would answer them.
    let first = list(&app, &w.admin, &w.street, "limit=2").await;
    assert_eq!(names(&first), ["和平文明劝导队", "团结环保服务队"]);
    assert_eq!(first["items"][0]["id"], new.as_str());
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = list(&app, &w.admin, &w.street, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(names(&rest), ["和平助老服务队"]);
    assert_eq!(rest["next_cursor"], Value::Null);
    let b = list(&app, &w.resident_b, &w.street, "").await;
    assert_eq!(names(&b), ["团结环保服务队"]);
    let res = app
        .get_as(&format!("/api/v1/teams/{old}"), &w.resident_b.token)
        .await;
    assert_eq!(res.status().as_u16(), 404);

    // Another community's staff and residents do not see A at all.
    for who in [&w.staff_b, &w.resident_b] {
        let res = app
            .get_as(&format!("/api/v1/regions/{}/teams", w.comm_a), &who.token)
            .await;
        assert_eq!(res.status().as_u16(), 404);
        assert_eq!(problem(res).await["code"], "NOT_FOUND");
    }
    let res = app
        .get_as(
            &format!("/api/v1/regions/{}/teams?cursor=x", w.comm_a),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(problem(res).await["code"], "VALIDATION_FAILED");
}
