//! A small county built through the API: two communities, their staff, members and residents.

use crate::helpers::{ADMIN_PHONE, Session, TestApp, ok_json};
use serde_json::{Value, json};

pub struct World {
    pub admin: Session,
    pub county: String,
    pub street: String,
    pub comm_a: String,
    pub comm_b: String,
    pub grid_a: String,
    pub grid_b: String,
    pub staff_a: Session,
    pub staff_b: Session,
    /// Lives in grid A and is a member of community A.
    pub member_a: Session,
    /// Lives in grid A.
    pub resident_a: Session,
    /// Lives in grid B.
    pub resident_b: Session,
}

pub async fn region(app: &TestApp, token: &str, parent: Option<&str>, kind: &str, name: &str) -> String {
    let res = app
        .post_as(
            "/api/v1/regions",
            token,
            json!({"parent_id": parent, "kind": kind, "name": name}),
        )
        .await;
    ok_json(res, 201).await["id"].as_str().unwrap().to_owned()
}

pub async fn grant(app: &TestApp, token: &str, region: &str, user_id: &str, role: &str) -> Value {
    let res = app
        .post_as(
            &format!("/api/v1/regions/{region}/roles"),
            token,
            json!({"user_id": user_id, "role": role}),
        )
        .await;
    ok_json(res, 201).await
}

/// Declares where `who` lives; answers the declaration (pending until staff confirm it).
pub async fn declare(app: &TestApp, who: &Session, region: &str) -> Value {
    let res = app
        .call(
            "PUT",
            "/api/v1/me/residence",
            Some(&who.token),
            Some(json!({"region_id": region, "address": "1 单元 101"})),
        )
        .await;
    ok_json(res, 200).await["residence"].clone()
}

/// `staff` confirms a pending declaration.
pub async fn confirm(app: &TestApp, staff: &Session, residence_id: &str) -> Value {
    let res = app
        .post_as(
            &format!("/api/v1/residences/{residence_id}/confirm"),
            &staff.token,
            json!({}),
        )
        .await;
    ok_json(res, 200).await
}

/// `who` declares where they live and `staff` there confirm it.
pub async fn live_in(app: &TestApp, who: &Session, region: &str, staff: &Session) {
    let declared = declare(app, who, region).await;
    if declared["status"] == "pending" {
        confirm(app, staff, declared["id"].as_str().unwrap()).await;
    }
}

pub async fn build(app: &TestApp) -> World {
    let admin = app.login(ADMIN_PHONE, "县管理员").await;
    let a = &admin.token;
    let county = region(app, a, None, "county", "示范县").await;
    let street = region(app, a, Some(&county), "street", "幸福街道").await;
    let comm_a = region(app, a, Some(&street), "community", "和平社区").await;
    let comm_b = region(app, a, Some(&street), "community", "团结社区").await;
    let grid_a = region(app, a, Some(&comm_a), "grid", "和平一网格").await;
    let grid_b = region(app, a, Some(&comm_b), "grid", "团结一网格").await;

    let staff_a = app.login("13800000001", "和平社工").await;
    let staff_b = app.login("13800000002", "团结社工").await;
    grant(app, a, &comm_a, &staff_a.user_id, "staff").await;
    grant(app, a, &comm_b, &staff_b.user_id, "staff").await;

    let member_a = app.login("13800000011", "和平党员").await;
    let resident_a = app.login("13800000021", "和平居民").await;
    let resident_b = app.login("13800000022", "团结居民").await;
    live_in(app, &member_a, &grid_a, &staff_a).await;
    live_in(app, &resident_a, &grid_a, &staff_a).await;
    live_in(app, &resident_b, &grid_b, &staff_b).await;
    grant(app, &staff_a.token, &comm_a, &member_a.user_id, "member").await;

    World {
        admin,
        county,
        street,
        comm_a,
        comm_b,
        grid_a,
        grid_b,
        staff_a,
        staff_b,
        member_a,
        resident_a,
        resident_b,
    }
}
