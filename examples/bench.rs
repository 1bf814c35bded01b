//! Load benchmark through the HTTP API: whole order lives, claim storms, and love-supermarket
//! redemptions under contention (rushes on scarce goods, a steady crowd on one store, pickups).
//!
//!     cargo run --release --example bench -- [CLIENTS] [ORDERS] [STORM_MEMBERS] [STORMS] [REDEEMS]
//!
//! Defaults: 16 clients, 400 orders, 100 members per storm, 10 storms, 5 redemptions per member
//! in the steady run (`-- 16 400 1000 1` is the 1,000-claims storm; each storm prints its
//! winners, 409s and 5xx). Rushes offer 20 goods to every storm member at once. The server runs
//! in this process on a random port, on `DATABASE_URL` (default: a fresh SQLite file) and
//! `REDIS_URL` if set; each run builds its own county, so an existing database is only added to. Prints
//! throughput and p50/p99 latency per step. Figures, not assertions: machines are noisy.
//! `scripts/bench.py` is the other benchmark: the release server as its own process under wrk,
//! next to pgbench, the lists at 10 M rows and the server's memory.

use linli::config::Config;
use linli::startup::Application;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ADMIN: &str = "19900000000";

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, Duration) {
        let started = Instant::now();
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        (status, body, started.elapsed())
    }

    async fn call_keyed(&self, path: &str, token: &str, key: &str, body: Value) -> (u16, Value, Duration) {
        let started = Instant::now();
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        (status, body, started.elapsed())
    }

    async fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
        let (status, v, _) = self.call(method, path, token, body).await;
        assert!(status < 300, "{method} {path} → {status}: {v}");
        v
    }

    async fn login(&self, phone: &str) -> (String, String) {
        let v = self
            .ok(
                "POST",
                "/api/v1/auth/dev/login",
                None,
                Some(json!({"phone": phone, "name": "压测"})),
            )
            .await;
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["user"]["id"].as_str().unwrap().to_owned(),
        )
    }
}

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn report(step: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{step:<10} {:>6} req  {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
        samples.len(),
        samples.len() as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (clients, orders, storm_members, storms) = (arg(1, 16), arg(2, 400), arg(3, 100), arg(4, 10));
    let redeems = arg(5, 5);
    let dir = tempfile::tempdir()?;
    let default_db = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let mut vars: BTreeMap<&str, String> = BTreeMap::from([
        ("BIND", "127.0.0.1:0".into()),
        ("APP_ENV", "dev".into()),
        (
            "DATABASE_URL",
            std::env::var("DATABASE_URL").unwrap_or(default_db),
        ),
        ("BOOTSTRAP_ADMIN_PHONES", ADMIN.into()),
        ("ORDER_SUBMITS_PER_HOUR", "1000".into()),
        ("MAX_OPEN_ORDERS_PER_MEMBER", "100".into()),
        ("GRANT_DAILY_COINS", "100000000".into()),
        ("LOG_FORMAT", "json".into()),
    ]);
    if let Ok(url) = std::env::var("REDIS_URL") {
        vars.insert("REDIS_URL", url);
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let backend = if config.database_url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let c = Client {
        http: reqwest::Client::builder().pool_max_idle_per_host(256).build()?,
        base,
    };

    // A county of its own for this run.
    let run = chrono::Utc::now().timestamp_millis() % 100_000_000;
    let (admin, _) = c.login(ADMIN).await;
    let mk = |parent: Option<String>, kind: &str, name: String| {
        let (c, admin) = (&c, admin.clone());
        let kind = kind.to_owned();
        async move {
            c.ok(
                "POST",
                "/api/v1/regions",
                Some(&admin),
                Some(json!({"parent_id": parent, "kind": kind, "name": name})),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let county = mk(None, "county", format!("压测县{run}")).await;
    let street = mk(Some(county), "street", "压测街道".into()).await;
    let community = mk(Some(street), "community", "压测社区".into()).await;
    let grid = mk(Some(community.clone()), "grid", "压测网格".into()).await;
    let phone = |kind: u32, i: usize| format!("1{kind}{}{:07}", run % 10, i);
    let (staff, staff_id) = c.login(&phone(60, 0)).await;
    let grant = |user: String, role: &str, by: String| {
        let (c, community) = (&c, community.clone());
        let role = role.to_owned();
        async move {
            c.ok(
                "POST",
                &format!("/api/v1/regions/{community}/roles"),
                Some(&by),
                Some(json!({"user_id": user, "role": role})),
            )
            .await;
        }
    };
    grant(staff_id, "staff", admin.clone()).await;
    let mut pairs = Vec::new();
    for i in 0..clients {
        let (resident, _) = c.login(&phone(61, i)).await;
        c.ok(
            "PUT",
            "/api/v1/me/residence",
            Some(&resident),
            Some(json!({"region_id": grid, "address": "1-101"})),
        )
        .await;
        let (member, member_id) = c.login(&phone(62, i)).await;
        grant(member_id.clone(), "member", staff.clone()).await;
        pairs.push((resident, member, member_id));
    }
    let mut crowd = Vec::new();
    let mut crowd_ids = Vec::new();
    for i in 0..storm_members {
        let (m, id) = c.login(&phone(63, i)).await;
        grant(id.clone(), "member", staff.clone()).await;
        crowd.push(m);
        crowd_ids.push(id);
    }
    println!(
        "linli bench on {backend}: {clients} clients, {orders} order lives, {storms} storms of {storm_members} claims"
    );

    // Whole order lives, `clients` at a time.
    let steps = ["place", "dispatch", "accept", "start", "complete", "confirm"];
    let started = Instant::now();
    let lives = pairs
        .iter()
        .enumerate()
        .map(|(i, (resident, member, member_id))| {
            let (c, staff, grid) = (&c, &staff, &grid);
            async move {
                let mut times: Vec<Vec<Duration>> = vec![Vec::new(); steps.len()];
                let per_client = orders.div_ceil(clients);
                for _ in 0..per_client.min(orders.saturating_sub(i * per_client)) {
                    let body = json!({"region_id": grid, "title": "压测订单", "address": "1-101"});
                    let (_, o, t) = c.call("POST", "/api/v1/orders", Some(resident), Some(body)).await;
                    times[0].push(t);
                    let id = o["id"].as_str().expect("order placed").to_owned();
                    let act = |a: &str| format!("/api/v1/orders/{id}/{a}");
                    let calls: [(&str, &str, Value); 5] = [
                        (
                            "dispatch",
                            staff,
                            json!({"mode": "assign", "member_id": member_id}),
                        ),
                        ("accept", member, json!({})),
                        ("start", member, json!({})),
                        ("complete", member, json!({"minutes": 30})),
                        ("confirm", resident, json!({"rating": 5})),
                    ];
                    for (k, (a, who, body)) in calls.into_iter().enumerate() {
                        let (status, v, t) = c.call("POST", &act(a), Some(who), Some(body)).await;
                        assert_eq!(status, 200, "{a}: {v}");
                        times[k + 1].push(t);
                    }
                }
                times
            }
        });
    let per_client = futures_util::future::join_all(lives).await;
    let wall = started.elapsed();
    for (k, step) in steps.iter().enumerate() {
        report(step, per_client.iter().flat_map(|t| t[k].clone()).collect(), wall);
    }
    let done: usize = per_client.iter().map(|t| t[5].len()).sum();
    println!(
        "{:<10} {done:>6} lives {:>8.1} lives/s",
        "whole",
        done as f64 / wall.as_secs_f64()
    );

    // Claim storms: everyone grabs the same published order at once.
    let mut claim_times = Vec::new();
    let mut storms_ok = true;
    let started = Instant::now();
    let (resident0, _, _) = &pairs[0];
    for _ in 0..storms {
        let body = json!({"region_id": grid, "title": "抢单", "address": "1-101"});
        let id = c.ok("POST", "/api/v1/orders", Some(resident0), Some(body)).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        c.ok(
            "POST",
            &format!("/api/v1/orders/{id}/dispatch"),
            Some(&staff),
            Some(json!({"mode": "publish"})),
        )
        .await;
        let path = format!("/api/v1/orders/{id}/claim");
        let claims = crowd.iter().map(|m| c.call("POST", &path, Some(m), None));
        let results = futures_util::future::join_all(claims).await;
        let count = |f: &dyn Fn(u16) -> bool| results.iter().filter(|r| f(r.0)).count();
        let (won, lost, failed) = (count(&|s| s == 200), count(&|s| s == 409), count(&|s| s >= 500));
        println!(
            "storm      {} claims: {won} winner(s), {lost} × 409, {failed} × 5xx, {} other",
            results.len(),
            results.len() - won - lost - failed
        );
        storms_ok &= won == 1 && failed == 0 && won + lost == results.len();
        claim_times.extend(results.into_iter().map(|r| r.2));
    }
    report("claim", claim_times, started.elapsed());
    assert!(storms_ok, "every storm has exactly one winner and no 5xx");
    println!("(every storm had exactly one winner, the rest 409, no 5xx)");

    redemptions(&c, run, &staff, &community, &crowd, &crowd_ids, storms, redeems).await;
    let check = c
        .ok("GET", "/api/v1/ledger/reconciliation", Some(&admin), None)
        .await;
    assert_eq!(check["ok"], true, "ledger reconciles after the run: {check}");
    println!("(ledger reconciled after the run)");
    Ok(())
}

/// Love supermarket under contention: `storms` rushes of the whole crowd on 20 goods, then the
/// crowd redeeming `redeems` times each from one store, then the counter picking them all up.
#[allow(clippy::too_many_arguments)]
async fn redemptions(
    c: &Client,
    run: i64,
    staff: &str,
    community: &str,
    crowd: &[String],
    crowd_ids: &[String],
    storms: usize,
    redeems: usize,
) {
    const RUSH_STOCK: usize = 20;
    let store = c
        .ok(
            "POST",
            &format!("/api/v1/regions/{community}/stores"),
            Some(staff),
            Some(json!({"name": "压测爱心超市"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let coins = (storms + redeems) as i64 * 10;
    for (i, id) in crowd_ids.iter().enumerate() {
        let (status, v, _) = c
            .call_keyed(
                &format!("/api/v1/regions/{community}/grants"),
                staff,
                &format!("bench-coins-{run}-{i}"),
                json!({"user_id": id, "asset": "coin", "amount": coins, "reason": "压测"}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    let store = &store;
    let goods = |name: String, stock: usize| async move {
        c.ok(
            "POST",
            &format!("/api/v1/stores/{store}/goods"),
            Some(staff),
            Some(json!({"name": name, "price_coins": 10, "stock": stock})),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let mut rush_times = Vec::new();
    let started = Instant::now();
    for n in 0..storms {
        let g = goods(format!("抢兑{n}"), RUSH_STOCK).await;
        let body = json!({"store_id": store, "items": [{"goods_id": g, "quantity": 1}]});
        let rush = crowd.iter().enumerate().map(|(i, who)| {
            let (key, body) = (format!("rush-{run}-{n}-{i}"), body.clone());
            async move { c.call_keyed("/api/v1/redemptions", who, &key, body).await }
        });
        let results = futures_util::future::join_all(rush).await;
        let won = results.iter().filter(|r| r.0 == 201).count();
        assert_eq!(won, RUSH_STOCK.min(crowd.len()), "exactly the stock is redeemed");
        assert!(
            results
                .iter()
                .all(|r| r.0 == 201 || r.1["code"] == "OUT_OF_STOCK")
        );
        rush_times.extend(results.into_iter().map(|r| r.2));
    }
    report("rush", rush_times, started.elapsed());
    println!("(every rush sold exactly its {RUSH_STOCK} in stock, no more)");

    let g = goods("常备".into(), crowd.len() * redeems).await;
    let started = Instant::now();
    let steady = crowd.iter().enumerate().map(|(i, who)| {
        let g = g.clone();
        async move {
            let mut out = Vec::new();
            for k in 0..redeems {
                let body = json!({"store_id": store, "items": [{"goods_id": g, "quantity": 1}]});
                let (status, v, t) = c
                    .call_keyed("/api/v1/redemptions", who, &format!("steady-{run}-{i}-{k}"), body)
                    .await;
                assert_eq!(status, 201, "{v}");
                out.push((v["pickup_code"].as_str().unwrap().to_owned(), t));
            }
            out
        }
    });
    let made: Vec<(String, Duration)> = futures_util::future::join_all(steady)
        .await
        .into_iter()
        .flatten()
        .collect();
    report("redeem", made.iter().map(|m| m.1).collect(), started.elapsed());

    // Four counters picking up at once.
    let started = Instant::now();
    let path = format!("/api/v1/stores/{store}/pickups");
    let lanes = made.chunks(made.len().div_ceil(4)).map(|lane| {
        let path = &path;
        async move {
            let mut times = Vec::new();
            for (code, _) in lane {
                let (status, v, t) = c
                    .call("POST", path, Some(staff), Some(json!({"code": code})))
                    .await;
                assert_eq!(status, 200, "{v}");
                times.push(t);
            }
            times
        }
    });
    let picked: Vec<Duration> = futures_util::future::join_all(lanes)
        .await
        .into_iter()
        .flatten()
        .collect();
    report("pickup", picked, started.elapsed());
}
