//! 志愿服务记录证明 through the API: issued from hours earned by an order and an activity, the PDF
//! read back as text, public verification (masked), scoping, refusals, and facts frozen at issue.

use crate::activities::{by_hand, publish, signup};
use crate::helpers::{Session, TestApp, ok_json, problem, spawn_app};
use crate::orders::{completed, step};
use crate::world::{self, World};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

fn today() -> String {
    Utc::now()
        .with_timezone(&linli::calendar::china())
        .date_naive()
        .to_string()
}

/// An order by resident A served by member A (40 minutes), confirmed so the minutes are credited.
async fn order_served(app: &TestApp, w: &World, minutes: i64) {
    let o = completed(app, w, None, json!({"minutes": minutes})).await;
    let confirm = json!({"rating": 5, "comment": "谢谢"});
    step(app, &w.resident_a, &o, "confirm", confirm, "closed").await;
}

/// An activity of community A where member A is checked in 90 minutes ago and out now by staff
/// (60 minutes credited: the activity's cap).
async fn activity_served(app: &TestApp, w: &World) {
    let a = publish(app, &w.staff_a, &w.grid_a, json!({"title": "清洁家园"})).await;
    ok_json(signup(app, &w.member_a, &a).await, 201).await;
    let at = Utc::now() - Duration::minutes(90);
    let user = &w.member_a.user_id;
    ok_json(by_hand(app, &w.staff_a, &a, user, "checkin", Some(at)).await, 200).await;
    let out = ok_json(by_hand(app, &w.staff_a, &a, user, "checkout", None).await, 200).await;
    assert_eq!(out["minutes"], 60);
}

async fn request(app: &TestApp, who: &Session, body: Value) -> reqwest::Response {
    app.post_as("/api/v1/me/certificates", &who.token, body).await
}

async fn issued(app: &TestApp, who: &Session) -> Value {
    let body = json!({"from": "2026-01-01", "to": today()});
    ok_json(request(app, who, body).await, 201).await
}

async fn refused(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let p = problem(res).await;
    assert_eq!(p["code"], code, "{p}");
    p
}

async fn pdf(app: &TestApp, who: &Session, number: &str) -> reqwest::Response {
    app.get_as(&format!("/api/v1/certificates/{number}/pdf"), &who.token)
        .await
}

async fn pdf_text(app: &TestApp, who: &Session, number: &str) -> String {
    let res = pdf(app, who, number).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    pdf_extract::extract_text_from_mem(&bytes).expect("the PDF parses")
}

async fn patch_community(app: &TestApp, w: &World, body: Value) -> reqwest::Response {
    let path = format!("/api/v1/regions/{}", w.comm_a);
    app.call("PATCH", &path, Some(&w.admin.token), Some(body)).await
}

async fn community_details(app: &TestApp, w: &World) {
    let body = json!({"leader_name": "李主任", "contact_phone": "0571-12345678"});
    let r = ok_json(patch_community(app, w, body).await, 200).await;
    assert_eq!(r["leader_name"], "李主任");
}

#[tokio::test]
async fn a_certificate_states_the_hours_and_reads_back_from_its_pdf() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    community_details(&app, &w).await;
    order_served(&app, &w, 40).await;
    activity_served(&app, &w).await;

    let c = issued(&app, &w.member_a).await;
    let number = c["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("LL20"), "{number}");
    assert_eq!(c["total_minutes"], 100);
    assert_eq!(c["total_hours"], "1.67");
    assert_eq!(c["volunteer"]["name"], "和平党员");
    assert_eq!(c["volunteer"]["phone_masked"], "138****0011");
    assert!(
        c["volunteer"]["volunteer_number"]
            .as_str()
            .unwrap()
            .starts_with("LLV")
    );
    assert_eq!(c["issuer"]["community"], "和平社区");
    assert_eq!(c["issuer"]["person_in_charge"], "李主任");
    assert_eq!(c["issuer"]["contact"], "0571-12345678");
    let items = c["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"order") && kinds.contains(&"activity"),
        "{items:?}"
    );
    let activity = items.iter().find(|i| i["kind"] == "activity").unwrap();
    assert_eq!(
        (activity["minutes"].as_i64(), activity["hours"].as_str()),
        (Some(60), Some("1"))
    );
    assert!(
        activity["content"].as_str().unwrap().contains("清洁家园"),
        "{activity}"
    );
    assert_eq!(c["pdf_url"], format!("/api/v1/certificates/{number}/pdf"));

    // The PDF, read back as text, names the volunteer in Chinese and states the total.
    let text: String = pdf_text(&app, &w.member_a, &number).await;
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for wanted in [
        "志愿服务记录证明",
        "和平党员",
        "1.67小时",
        "100分钟",
        "和平社区",
        "李主任",
        &number,
    ] {
        assert!(squeezed.contains(wanted), "{wanted} missing from: {text}");
    }

    // Listed as mine, and for staff over the issuing community.
    let mine = ok_json(
        app.get_as("/api/v1/me/certificates", &w.member_a.token).await,
        200,
    )
    .await;
    assert_eq!(mine["items"][0]["number"], number.as_str());
    assert!(mine["next_cursor"].is_null());
    let path = format!("/api/v1/regions/{}/certificates", w.comm_a);
    let theirs = ok_json(app.get_as(&path, &w.staff_a.token).await, 200).await;
    assert_eq!(theirs["items"][0]["volunteer_name"], "和平党员");
    let county = format!("/api/v1/regions/{}/certificates", w.county);
    let above = ok_json(app.get_as(&county, &w.admin.token).await, 200).await;
    assert_eq!(above["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn anyone_verifies_a_number_masked_and_only_the_entitled_download() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    order_served(&app, &w, 40).await;
    let c = issued(&app, &w.member_a).await;
    let number = c["number"].as_str().unwrap();

    // Public, without a token: the same facts, masked.
    let v = ok_json(app.get(&format!("/api/v1/certificates/{number}")).await, 200).await;
    assert_eq!(v["number"], number);
    assert_eq!(v["volunteer"]["name"], "和***");
    assert_eq!(v["volunteer"]["phone_masked"], "138****0011");
    assert!(v["volunteer"]["volunteer_number"].is_null());
    assert!(v["pdf_url"].is_null());
    assert_eq!(v["total_minutes"], c["total_minutes"]);
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        c["items"].as_array().unwrap().len()
    );
    assert!(v.get("user_id").is_none() && v["volunteer"].get("user_id").is_none());

    // A number with a wrong check character, an unknown well-formed number, garbage: 404.
    let mut forged = number.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let unknown = linli::certificates::number::generate(2026);
    for n in [forged.as_str(), unknown.as_str(), "LL2026", "1"] {
        let res = app.get(&format!("/api/v1/certificates/{n}")).await;
        refused(res, 404, "CERTIFICATE_NOT_FOUND").await;
    }

    // The PDF: the holder and staff of community A; staff of B, another resident: 404.
    assert_eq!(pdf(&app, &w.member_a, number).await.status().as_u16(), 200);
    assert_eq!(pdf(&app, &w.staff_a, number).await.status().as_u16(), 200);
    for who in [&w.staff_b, &w.resident_a, &w.resident_b] {
        refused(pdf(&app, who, number).await, 404, "CERTIFICATE_NOT_FOUND").await;
    }
    let res = app.get(&format!("/api/v1/certificates/{number}/pdf")).await;
    assert_eq!(res.status().as_u16(), 401);

    // Staff of B cannot list A's certificates, and see none in their own community.
    let a_list = format!("/api/v1/regions/{}/certificates", w.comm_a);
    refused(app.get_as(&a_list, &w.staff_b.token).await, 404, "NOT_FOUND").await;
    let b_list = format!("/api/v1/regions/{}/certificates", w.comm_b);
    let none = ok_json(app.get_as(&b_list, &w.staff_b.token).await, 200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    // Nor can a member list their community's certificates.
    refused(app.get_as(&a_list, &w.member_a.token).await, 403, "FORBIDDEN").await;
}

#[tokio::test]
async fn issued_facts_do_not_change_with_later_credits() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    order_served(&app, &w, 40).await;
    let first = issued(&app, &w.member_a).await;
    let number = first["number"].as_str().unwrap();
    let before = pdf(&app, &w.member_a, number).await.bytes().await.unwrap();

    // Later: another service credited inside the same period, the order's record corrected by
    // 10 minutes, and the community's details change.
    activity_served(&app, &w).await;
    let record = ok_json(
        app.get_as("/api/v1/me/service-record", &w.member_a.token).await,
        200,
    )
    .await;
    let items = record["items"].as_array().unwrap();
    let order = items.iter().find(|i| i["kind"] == "order").unwrap();
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/service-records/{}/corrections",
            order["id"].as_str().unwrap()
        )))
        .bearer_auth(&w.staff_a.token)
        .header("Idempotency-Key", "fix-1")
        .json(&json!({"minutes": 10, "reason": "实际服务 30 分钟"}))
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await;
    community_details(&app, &w).await;

    let again = ok_json(app.get(&format!("/api/v1/certificates/{number}")).await, 200).await;
    assert_eq!(again["total_minutes"], 40);
    assert_eq!(again["items"], first["items"]);
    assert!(again["issuer"]["person_in_charge"].is_null());
    let after = pdf(&app, &w.member_a, number).await.bytes().await.unwrap();
    assert_eq!(before, after, "the PDF is rendered from the frozen facts");

    // A new certificate counts the new service and the correction, under a new number.
    let second = issued(&app, &w.member_a).await;
    assert_eq!(second["total_minutes"], 90);
    let lines = second["items"].as_array().unwrap();
    let fix = lines.iter().find(|l| l["kind"] == "correction").unwrap();
    assert_eq!(
        (fix["minutes"].as_i64(), fix["hours"].as_str()),
        (Some(-10), Some("-0.17"))
    );
    assert_eq!(fix["reason"], "实际服务 30 分钟");
    assert_ne!(second["number"], first["number"]);
    assert_eq!(second["issuer"]["person_in_charge"], "李主任");
}

#[tokio::test]
async fn refusals_and_retries() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    order_served(&app, &w, 40).await;

    // Bad periods: 422 naming the field (each date alone is valid, so not 400).
    let tomorrow = (Utc::now() + Duration::days(2)).date_naive().to_string();
    for (body, field) in [
        (json!({"from": "2026-05-02", "to": "2026-05-01"}), "from"),
        (json!({"from": "2026-01-01", "to": tomorrow}), "to"),
        (json!({"from": "2016-01-01", "to": "2026-01-01"}), "to"),
        (json!({"from": "1999-01-01", "to": "2000-01-02"}), "from"),
    ] {
        let p = refused(
            request(&app, &w.member_a, body.clone()).await,
            422,
            "CERTIFICATE_PERIOD_INVALID",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    let res = request(
        &app,
        &w.member_a,
        json!({"from": "2026-1-1x", "to": "2026-02-01"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400);

    // Nothing credited in the period; nobody's community to issue it.
    let empty = json!({"from": "2020-01-01", "to": "2020-12-31"});
    refused(request(&app, &w.member_a, empty).await, 422, "NOTHING_TO_CERTIFY").await;
    let period = json!({"from": "2026-01-01", "to": today()});
    refused(
        request(&app, &w.resident_b, period.clone()).await,
        422,
        "NOTHING_TO_CERTIFY",
    )
    .await;
    let stranger = app.login("13800000099", "路人").await;
    refused(
        request(&app, &stranger, period.clone()).await,
        422,
        "NO_ISSUING_COMMUNITY",
    )
    .await;

    // The same Idempotency-Key answers the first certificate again; without one, a new number.
    let with_key = || {
        app.client
            .post(app.url("/api/v1/me/certificates"))
            .bearer_auth(&w.member_a.token)
            .header("Idempotency-Key", "cert-1")
            .json(&period)
    };
    let a = ok_json(with_key().send().await.unwrap(), 201).await;
    let res = with_key().send().await.unwrap();
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let b = ok_json(res, 201).await;
    assert_eq!(a["number"], b["number"]);
    let c = issued(&app, &w.member_a).await;
    assert_ne!(c["number"], a["number"]);
    let mine = ok_json(
        app.get_as("/api/v1/me/certificates?limit=1", &w.member_a.token)
            .await,
        200,
    )
    .await;
    assert_eq!(mine["items"][0]["number"], c["number"]);
    let cursor = mine["next_cursor"].as_str().unwrap();
    let next = format!("/api/v1/me/certificates?limit=5&cursor={cursor}");
    let rest = ok_json(app.get_as(&next, &w.member_a.token).await, 200).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "two issued in all");

    // A contact phone with letters is refused by field.
    let res = patch_community(&app, &w, json!({"contact_phone": "call me"})).await;
    let p = refused(res, 400, "VALIDATION_FAILED").await;
    assert_eq!(p["errors"][0]["field"], "contact_phone");
}
