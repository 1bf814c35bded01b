//! The staff console in a real browser: headless Chromium driven through chromedriver
//! (WebDriver). Ignored by default, since it needs Debian's `chromium` and `chromium-driver`;
//! CI installs them and runs `cargo test --test api console:: -- --ignored`. `CHROMEDRIVER` and
//! `CHROMIUM` override the programs' paths. A screenshot is saved to `target/console.png`.

use crate::helpers::{TestApp, ok_json, spawn_app};
use crate::media::{media_app, picture, upload};
use crate::problems::{file, meeting_body, meeting_res};
use fantoccini::{Client, ClientBuilder, Locator};
use image::ImageFormat;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program} (apt-get install chromium-driver): {e}"));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver: &Driver) -> Client {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps = json!({"goog:chromeOptions": {
        "binary": binary,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"],
    }});
    let Value::Object(caps) = caps else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// The first element `css` matches, waiting for it as a person would (at most 20 s).
async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
}

/// The console in a browser, signed in with the password as the demo's community worker (和平社区),
/// its live queue connected.
async fn signed_in(app: &TestApp) -> (Driver, Client) {
    let driver = driver().await;
    let c = browser(&driver).await;
    c.goto(&app.url("/console/")).await.unwrap();
    wait(&c, "#login-phone").await.send_keys(STAFF).await.unwrap();
    wait(&c, "#login-password")
        .await
        .send_keys(linli::seed::DEMO_PASSWORD)
        .await
        .unwrap();
    wait(&c, "#login-submit").await.click().await.unwrap();
    wait(&c, "#live.on").await;
    (driver, c)
}

const STAFF: &str = "13800000101";
const RESIDENT: &str = "13800000301";

async fn tab(c: &Client, name: &str) {
    wait(c, &format!("nav button[data-tab='{name}']"))
        .await
        .click()
        .await
        .unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    wait(c, css).await.text().await.unwrap()
}

/// The server's title for a refused call.
async fn title_of(res: reqwest::Response) -> String {
    assert!(res.status().is_client_error(), "{}", res.status());
    res.json::<Value>().await.unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver (CI installs them)"]
async fn staff_see_a_new_order_live_dispatch_it_and_read_refusals() {
    let app = spawn_app().await;
    linli::seed::seed_demo(&app.state.db, &app.state.config)
        .await
        .unwrap();
    let (_driver, c) = signed_in(&app).await;

    // A resident places an order; it appears in the queue without a reload.
    let resident = app.login(RESIDENT, "演示").await.token;
    let me = ok_json(app.get_as("/api/v1/me", &resident).await, 200).await;
    let grid = me["residence"]["region_id"].as_str().unwrap().to_owned();
    let order = ok_json(
        app.post_as(
            "/api/v1/orders",
            &resident,
            json!({"region_id": grid, "title": "楼道灯坏了", "address": "2 单元 301"}),
        )
        .await,
        201,
    )
    .await;
    let id = order["id"].as_str().unwrap();
    wait(&c, &format!("tr[data-order-id='{id}']"))
        .await
        .click()
        .await
        .unwrap();

    // Dispatch it to the pool from the detail pane.
    wait(&c, &format!("#detail[data-order-id='{id}']")).await;
    wait(&c, "#dispatch-mode")
        .await
        .select_by_value("publish")
        .await
        .unwrap();
    wait(&c, "#dispatch").await.click().await.unwrap();
    wait(
        &c,
        &format!("#detail[data-order-id='{id}'][data-status='published']"),
    )
    .await;

    // A member claims it meanwhile; dispatching again is refused with the server's title.
    let member = app.login("13800000201", "演示").await.token;
    let claim = format!("/api/v1/orders/{id}/claim");
    ok_json(app.call("POST", &claim, Some(&member), None).await, 200).await;
    // The open detail follows the order live.
    wait(
        &c,
        &format!("#detail[data-order-id='{id}'][data-status='claimed']"),
    )
    .await;
    let staff = app.login(STAFF, "演示").await.token;
    let again = app
        .post_as(
            &format!("/api/v1/orders/{id}/dispatch"),
            &staff,
            json!({"mode": "publish"}),
        )
        .await;
    let title = title_of(again).await;
    wait(&c, "#dispatch").await.click().await.unwrap();
    let toast = wait(&c, "#toast.error:not([hidden])").await;
    assert_eq!(toast.text().await.unwrap(), title);

    let shot = c.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console.png");
    std::fs::write(&path, shot).unwrap();
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver (CI installs them)"]
async fn staff_read_and_record_joint_meetings_and_see_uploaded_photos() {
    let (app, _dir) = media_app(&[]).await;
    linli::seed::seed_demo(&app.state.db, &app.state.config)
        .await
        .unwrap();
    let staff = app.login(STAFF, "演示").await;
    let me = ok_json(app.get_as("/api/v1/me", &staff.token).await, 200).await;
    let roles = me["roles"].as_array().unwrap();
    let role = roles.iter().find(|r| r["role"] == "staff").unwrap();
    let community = role["region_id"].as_str().unwrap().to_owned();

    // Two items filed; a meeting recorded through the API accepts the first.
    let lamp = file(&app, &staff, &community, "路灯不亮", "small").await;
    let drain = file(&app, &staff, &community, "下水道堵塞", "micro").await;
    let (lamp_id, drain_id) = (lamp["id"].as_str().unwrap(), drain["id"].as_str().unwrap());
    let month = lamp["month"].as_str().unwrap();
    let accept = json!([{"problem_id": lamp_id, "action": "accept"}]);
    let res = meeting_res(&app, &staff, &community, meeting_body(month, accept)).await;
    let met = ok_json(res, 201).await;
    let met_id = met["id"].as_str().unwrap();

    let (_driver, c) = signed_in(&app).await;

    // The meetings page lists it; its detail names the attendees and the item it decided.
    tab(&c, "meetings").await;
    wait(&c, &format!("#meetings tr[data-meeting-id='{met_id}']"))
        .await
        .click()
        .await
        .unwrap();
    wait(&c, &format!("#meeting[data-meeting-id='{met_id}']")).await;
    assert!(text(&c, "#meeting-attendees").await.contains("李书记"));
    assert_eq!(text(&c, "#meeting-decisions li").await, "采纳：路灯不亮");

    // Recording one: without a decision the server refuses, in its words; rejecting the other
    // item with a reason records the meeting and shows it.
    wait(&c, "#meeting-new").await.click().await.unwrap();
    let row = format!("#meeting-items tr[data-problem-id='{drain_id}']");
    wait(&c, &row).await;
    wait(&c, "#meeting-attendees-input")
        .await
        .send_keys("钱社工、李书记")
        .await
        .unwrap();
    wait(&c, "#meeting-minutes-input")
        .await
        .send_keys("审议补充登记的问题")
        .await
        .unwrap();
    let empty = meeting_res(&app, &staff, &community, meeting_body(month, json!([]))).await;
    let refused = title_of(empty).await;
    wait(&c, "#meeting-submit").await.click().await.unwrap();
    assert_eq!(text(&c, "#toast.error:not([hidden])").await, refused);
    wait(&c, &format!("{row} .decision"))
        .await
        .select_by_value("reject")
        .await
        .unwrap();
    wait(&c, &format!("{row} .reason"))
        .await
        .send_keys("已由物业处理")
        .await
        .unwrap();
    wait(&c, "#meeting-submit").await.click().await.unwrap();
    wait(&c, "#toast.ok:not([hidden])").await;
    let list = format!("/api/v1/regions/{community}/meetings");
    let page = ok_json(app.get_as(&list, &staff.token).await, 200).await;
    let newest = page["items"][0]["id"].as_str().unwrap();
    assert_ne!(newest, met_id);
    wait(&c, &format!("#meeting[data-meeting-id='{newest}']")).await;
    assert_eq!(
        text(&c, "#meeting-decisions li").await,
        "不予采纳：下水道堵塞（已由物业处理）"
    );
    let item = ok_json(
        app.get_as(&format!("/api/v1/problems/{drain_id}"), &staff.token)
            .await,
        200,
    )
    .await;
    assert_eq!(item["state"], "rejected");

    // The item's detail on the problem list shows its photo.
    tab(&c, "problems").await;
    wait(&c, &format!("#problems tr[data-problem-id='{lamp_id}']"))
        .await
        .click()
        .await
        .unwrap();
    wait(
        &c,
        &format!("#problem[data-problem-id='{lamp_id}'] #problem-photos img[src^='https://']"),
    )
    .await;

    // An order placed with an uploaded photo: its detail shows the thumbnail, read with the token
    // into a blob: URL; clicking it opens the original the same way.
    let resident = app.login(RESIDENT, "演示").await;
    let me = ok_json(app.get_as("/api/v1/me", &resident.token).await, 200).await;
    let grid = me["residence"]["region_id"].as_str().unwrap().to_owned();
    let photo = upload(&app, &resident, &picture(30, 20, ImageFormat::Png)).await;
    let body = json!({"region_id": grid, "title": "窗户坏了", "address": "1 单元 101", "photos": [photo["reference"]]});
    let order = ok_json(app.post_as("/api/v1/orders", &resident.token, body).await, 201).await;
    let id = order["id"].as_str().unwrap();
    tab(&c, "queue").await;
    wait(&c, &format!("tr[data-order-id='{id}']"))
        .await
        .click()
        .await
        .unwrap();
    wait(&c, "#detail-photos img[src^='blob:']")
        .await
        .click()
        .await
        .unwrap();
    wait(&c, "#viewer[open] img[src^='blob:']").await;
    c.close().await.unwrap();
}
