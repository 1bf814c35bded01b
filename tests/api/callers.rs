//! Callers and the region tree are held in process; a change made through any instance holds on
//! every instance at the next request. With Redis the changes go through one instance and are
//! checked on a second one on the same database; without Redis, on the one instance. The second
//! instance checks every request (`CALLER_RECHECK_MS=0`); the window itself is tested last.

use crate::helpers::{TestApp, ok_json, problem, spawn_app, spawn_peer, test_redis_url};
use crate::orders::place;
use crate::world::{self, grant, region};
use serde_json::json;

/// The instance that makes the changes, and one that must see them at its next request: it
/// checks every request against Redis (`CALLER_RECHECK_MS=0`; the window is tested below).
async fn pair() -> (TestApp, Option<TestApp>) {
    let first = spawn_app().await;
    let second = match test_redis_url() {
        Some(_) => Some(spawn_peer(&first, &[("CALLER_RECHECK_MS", "0")]).await),
        None => None,
    };
    (first, second)
}

#[tokio::test]
async fn a_role_granted_or_revoked_holds_at_the_next_request_everywhere() {
    let (first, second) = pair().await;
    let other = second.as_ref().unwrap_or(&first);
    let w = world::build(&first).await;
    let newcomer = first.login("13800000031", "新社工").await;
    let counts = format!("/api/v1/regions/{}/order-counts", w.comm_a);
    // Read once on the other instance while the newcomer holds nothing there.
    assert_eq!(other.get_as(&counts, &newcomer.token).await.status(), 404);

    let g = grant(&first, &w.admin.token, &w.comm_a, &newcomer.user_id, "staff").await;
    ok_json(other.get_as(&counts, &newcomer.token).await, 200).await;

    let res = first
        .call(
            "DELETE",
            &format!("/api/v1/regions/{}/roles/{}", w.comm_a, g["id"].as_str().unwrap()),
            Some(&w.admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(other.get_as(&counts, &newcomer.token).await.status(), 404);
}

#[tokio::test]
async fn a_logout_holds_at_the_next_request_everywhere() {
    let (first, second) = pair().await;
    let other = second.as_ref().unwrap_or(&first);
    let s = first.login("13800000041", "张三").await;
    // Held on the other instance before the logout.
    ok_json(other.get_as("/api/v1/me", &s.token).await, 200).await;
    let res = first
        .call(
            "POST",
            "/api/v1/auth/logout",
            Some(&s.token),
            Some(json!({"refresh_token": s.refresh})),
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = other.get_as("/api/v1/me", &s.token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "UNAUTHORIZED");
}

#[tokio::test]
async fn a_moved_community_is_overseen_by_its_new_street_at_the_next_request_everywhere() {
    let (first, second) = pair().await;
    let other = second.as_ref().unwrap_or(&first);
    let w = world::build(&first).await;
    let new_street = region(&first, &w.admin.token, Some(&w.county), "street", "新街道").await;
    let street_staff = first.login("13800000051", "新街道社工").await;
    grant(
        &first,
        &w.admin.token,
        &new_street,
        &street_staff.user_id,
        "staff",
    )
    .await;
    let order = place(&first, &w.resident_a, &w.grid_a, None).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail = format!("/api/v1/orders/{order}");
    let counts = format!("/api/v1/regions/{}/order-counts", w.comm_a);
    // Before the move the other instance holds the tree with community A under the old street.
    assert_eq!(other.get_as(&detail, &street_staff.token).await.status(), 404);
    assert_eq!(other.get_as(&counts, &street_staff.token).await.status(), 404);

    let res = first
        .post_as(
            &format!("/api/v1/regions/{}/move", w.comm_a),
            &w.admin.token,
            json!({"parent_id": new_street}),
        )
        .await;
    ok_json(res, 200).await;

    let seen = ok_json(other.get_as(&detail, &street_staff.token).await, 200).await;
    assert_eq!(seen["id"], order.as_str());
    ok_json(other.get_as(&counts, &street_staff.token).await, 200).await;
    // The community's own staff keep it; the resident still sees their order.
    ok_json(other.get_as(&detail, &w.staff_a.token).await, 200).await;
    ok_json(other.get_as(&detail, &w.resident_a.token).await, 200).await;
}

#[tokio::test]
async fn a_renamed_region_reads_with_its_new_name_everywhere() {
    let (first, second) = pair().await;
    let other = second.as_ref().unwrap_or(&first);
    let w = world::build(&first).await;
    let path = format!("/api/v1/regions/{}", w.comm_a);
    let before = ok_json(other.get_as(&path, &w.staff_a.token).await, 200).await;
    assert_eq!(before["name"], "和平社区");
    let res = first
        .call(
            "PATCH",
            &path,
            Some(&w.admin.token),
            Some(json!({"name": "和美社区"})),
        )
        .await;
    ok_json(res, 200).await;
    let after = ok_json(other.get_as(&path, &w.staff_a.token).await, 200).await;
    assert_eq!(after["name"], "和美社区");
}

#[tokio::test]
async fn another_instance_sees_a_logout_once_its_recheck_window_has_passed() {
    if test_redis_url().is_none() {
        eprintln!("skipped: needs TEST_REDIS_URL (two instances sharing one Redis)");
        return;
    }
    let first = spawn_app().await;
    let other = spawn_peer(&first, &[("CALLER_RECHECK_MS", "300")]).await;
    let s = first.login("13800000042", "李四").await;
    ok_json(other.get_as("/api/v1/me", &s.token).await, 200).await;
    let res = first
        .call("POST", "/api/v1/auth/logout", Some(&s.token), Some(json!({})))
        .await;
    assert_eq!(res.status(), 204);
    // The instance that logged out refuses at once; the other once its window has passed.
    assert_eq!(first.get_as("/api/v1/me", &s.token).await.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let res = other.get_as("/api/v1/me", &s.token).await;
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "UNAUTHORIZED");
}
