//! The staff console in a real browser: headless Chromium driven through chromedriver
//! (WebDriver). Ignored by default, since it needs Debian's `chromium` and `chromium-driver`;
//! CI installs them and runs `cargo test --test api console:: -- --ignored`. `CHROMEDRIVER` and
//! `CHROMIUM` override the programs' paths. A screenshot is saved to `target/console.png`.

use crate::helpers::{TestApp, ok_json, spawn_app};
use fantoccini::{Client, ClientBuilder, Locator};
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

async fn login(app: &TestApp, phone: &str) -> String {
    let body = json!({"phone": phone, "name": "演示"});
    let res = app.call("POST", "/api/v1/auth/dev/login", None, Some(body)).await;
    ok_json(res, 200).await["access_token"]
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
    let driver = driver().await;
    let c = browser(&driver).await;

    // Sign in as the demo's community worker, with the password.
    c.goto(&app.url("/console/")).await.unwrap();
    wait(&c, "#login-phone")
        .await
        .send_keys("13800000101")
        .await
        .unwrap();
    wait(&c, "#login-password")
        .await
        .send_keys(linli::seed::DEMO_PASSWORD)
        .await
        .unwrap();
    wait(&c, "#login-submit").await.click().await.unwrap();
    wait(&c, "#live.on").await;

    // A resident places an order; it appears in the queue without a reload.
    let resident = login(&app, "13800000301").await;
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
    let member = login(&app, "13800000201").await;
    let claim = format!("/api/v1/orders/{id}/claim");
    ok_json(app.call("POST", &claim, Some(&member), None).await, 200).await;
    // The open detail follows the order live.
    wait(
        &c,
        &format!("#detail[data-order-id='{id}'][data-status='claimed']"),
    )
    .await;
    let staff = login(&app, "13800000101").await;
    let again = app
        .post_as(
            &format!("/api/v1/orders/{id}/dispatch"),
            &staff,
            json!({"mode": "publish"}),
        )
        .await;
    assert!(again.status().is_client_error());
    let title = again.json::<Value>().await.unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned();
    wait(&c, "#dispatch").await.click().await.unwrap();
    let toast = wait(&c, "#toast.error:not([hidden])").await;
    assert_eq!(toast.text().await.unwrap(), title);

    let shot = c.screenshot().await.unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console.png");
    std::fs::write(&path, shot).unwrap();
    c.close().await.unwrap();
}
