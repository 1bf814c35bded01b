//! Fault drills: the release server (`target/release/linli serve`, a child process) under a mixed
//! load of donations between members, redemptions (some cancelled) and whole order lives, while it is killed,
//! its PostgreSQL restarted, its Redis stopped, and finally SIGTERMed. Prints the counts
//! (writes acknowledged, writes found, 5xx seen) and exits 1 when a drill fails.
//!
//!     nice cargo build --release && cargo run --release --example drills -- [kill] [postgres] [redis] [sigterm]
//!
//! No drill named: all four, in that order, on one fresh database. Settings (environment):
//!
//! | variable | default |
//! |---|---|
//! | `DRILL_BIN` | `target/release/linli` |
//! | `DRILL_DATABASE_URL` | `postgres://postgres@127.0.0.1:5433/postgres` (a private cluster; a database `linli_drill_<n>` is made in it and dropped unless `DRILL_KEEP=1`) |
//! | `DRILL_REDIS_URL` | `redis://127.0.0.1:6380` |
//! | `DRILL_PG_STOP`, `DRILL_PG_START` | `pg_ctlcluster 15 drill stop -m fast`, `pg_ctlcluster 15 drill start` |
//! | `DRILL_REDIS_STOP`, `DRILL_REDIS_START` | `redis-cli -p 6380 shutdown nosave`, `redis-server --port 6380 --save '' --appendonly no --daemonize yes` |
//! | `DRILL_WORKERS` | 12 concurrent clients |
//!
//! The private instances: `pg_createcluster 15 drill -p 5433 -- --auth=trust && pg_ctlcluster 15
//! drill start`; `redis-server --port 6380 --save '' --daemonize yes`. Server logs go to
//! `target/drills-server.log`.
//!
//! What is checked, from the database after each drill: every acknowledged (2xx) donation,
//! redemption, cancellation and order step is there; no donation key moved points twice and no
//! order has one step twice; ledger reconciliation passes; no hold is open past its expiry and
//! every redemption's hold is open exactly while the redemption is pending; every order's status
//! is its last event's. During an outage no answer is 500 and none hangs (slowest answer printed).

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN: &str = "19900000000";
const JWT_SECRET: &str = "drill-secret-drill-secret-drill-secret-0123456";
const STEPS: [(&str, &str); 5] = [
    ("dispatch", "assign"),
    ("accept", "accept"),
    ("start", "start"),
    ("complete", "complete"),
    ("confirm", "confirm"),
];

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn sh(cmd: &str) -> bool {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("  command failed: {cmd}");
    }
    ok
}

// ---------------------------------------------------------------- the server under drill

struct Server {
    bin: String,
    port: u16,
    vars: Vec<(String, String)>,
    log: std::path::PathBuf,
    child: Option<Child>,
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = Command::new(&self.bin)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} (build it: cargo build --release): {e}", self.bin));
        self.child = Some(child);
    }

    /// Starts it and waits for `/healthz`; answers how long that took.
    async fn start(&mut self, http: &reqwest::Client) -> Duration {
        let started = Instant::now();
        self.spawn();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = http.get(format!("{}/healthz", self.base())).send().await
                && r.status() == 200
            {
                return started.elapsed();
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!(
                    "the server exited at start ({status}); see {}",
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up; see {}", self.log.display());
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn sigterm(&self) {
        let pid = self.child.as_ref().expect("running").id();
        sh(&format!("kill -TERM {pid}"));
    }

    async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

// ---------------------------------------------------------------- load and its records

#[derive(Default, Clone)]
struct Tally {
    statuses: BTreeMap<u16, u64>,
    /// No answer: connection refused or cut.
    transport: u64,
    /// No answer within the client's 20 s: a hang.
    hangs: u64,
    slowest: Duration,
    samples_5xx: Vec<String>,
}

impl Tally {
    fn count(&self, f: impl Fn(u16) -> bool) -> u64 {
        self.statuses.iter().filter(|(s, _)| f(**s)).map(|(_, n)| n).sum()
    }

    fn line(&self) -> String {
        let statuses: Vec<String> = self.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        format!(
            "{} answers [{}], {} without answer, {} hangs, slowest {} ms",
            self.count(|_| true),
            statuses.join(" "),
            self.transport,
            self.hangs,
            self.slowest.as_millis()
        )
    }
}

#[derive(Default)]
struct Acked {
    /// (transfer id, idempotency key = memo)
    transfers: Vec<(i64, String)>,
    redemptions: Vec<i64>,
    cancels: Vec<i64>,
    /// (order id, timeline action)
    steps: Vec<(i64, &'static str)>,
}

impl Acked {
    fn writes(&self) -> usize {
        self.transfers.len() + self.redemptions.len() + self.cancels.len() + self.steps.len()
    }
}

/// One request's fate, for the SIGTERM drill.
struct Fate {
    start: Instant,
    end: Instant,
    status: Option<u16>,
}

struct Load {
    http: reqwest::Client,
    base: String,
    stop: AtomicBool,
    phase: Mutex<String>,
    tallies: Mutex<BTreeMap<String, Tally>>,
    acked: Mutex<Acked>,
    fates: Mutex<Vec<Fate>>,
}

impl Load {
    fn new(http: reqwest::Client, base: String) -> Load {
        Load {
            http,
            base,
            stop: AtomicBool::new(false),
            phase: Mutex::new("load".into()),
            tallies: Mutex::default(),
            acked: Mutex::default(),
            fates: Mutex::default(),
        }
    }

    fn set_phase(&self, phase: &str) {
        *self.phase.lock().unwrap() = phase.to_owned();
    }

    fn tally(&self, phase: &str) -> Tally {
        self.tallies
            .lock()
            .unwrap()
            .get(phase)
            .cloned()
            .unwrap_or_default()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let start = Instant::now();
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .timeout(Duration::from_secs(20));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await;
        let answer = match res {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.bytes().await {
                    Ok(b) => Ok((status, serde_json::from_slice(&b).unwrap_or(Value::Null))),
                    Err(e) => Err(e.is_timeout()),
                }
            }
            Err(e) => Err(e.is_timeout()),
        };
        let end = Instant::now();
        let phase = self.phase.lock().unwrap().clone();
        {
            let mut tallies = self.tallies.lock().unwrap();
            let t = tallies.entry(phase).or_default();
            match &answer {
                Ok((status, body)) => {
                    *t.statuses.entry(*status).or_default() += 1;
                    t.slowest = t.slowest.max(end - start);
                    let seen = t
                        .samples_5xx
                        .iter()
                        .filter(|s| s.contains(&format!("→ {status} ")))
                        .count();
                    if *status >= 400 && *status != 503 && seen < 2 {
                        t.samples_5xx
                            .push(format!("{method} {path} → {status} {}", body["code"]));
                    }
                }
                Err(true) => t.hangs += 1,
                Err(false) => t.transport += 1,
            }
        }
        self.fates.lock().unwrap().push(Fate {
            start,
            end,
            status: answer.as_ref().ok().map(|a| a.0),
        });
        answer.ok()
    }

    /// A keyed write, sent again with the same key while the answer is "no answer" or 503, as a
    /// client should; `None` when it never got a final answer before the load stopped.
    async fn keyed(&self, path: &str, token: &str, key: &str, body: Value) -> Option<(u16, Value)> {
        for _ in 0..80 {
            match self
                .call("POST", path, Some(token), Some(key), Some(body.clone()))
                .await
            {
                Some((503, _)) | None => {
                    if self.stopped() {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                answer => return answer,
            }
        }
        None
    }
}

fn id_of(v: &Value) -> Option<i64> {
    v["id"].as_str()?.parse().ok()
}

// ---------------------------------------------------------------- the world the load runs in

#[derive(Clone)]
struct Pair {
    resident: String,
    member: String,
    member_id: String,
}

#[derive(Clone)]
struct World {
    run: String,
    admin: String,
    staff: String,
    grid: String,
    community: String,
    store: String,
    goods: String,
    pairs: Vec<Pair>,
}

async fn ok(load: &Load, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let (status, v) = load
        .call(method, path, token, None, Some(body))
        .await
        .unwrap_or_else(|| panic!("{method} {path}: no answer"));
    assert!(status < 300, "{method} {path} → {status}: {v}");
    v
}

async fn login(load: &Load, phone: &str) -> (String, String) {
    let v = ok(
        load,
        "POST",
        "/api/v1/auth/dev/login",
        None,
        json!({"phone": phone, "name": "演练"}),
    )
    .await;
    (
        v["access_token"].as_str().unwrap().to_owned(),
        v["user"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn build_world(load: &Load, workers: usize) -> World {
    let run = format!("{}", chrono::Utc::now().timestamp_millis() % 100_000_000);
    let (admin, _) = login(load, ADMIN).await;
    let mut parent: Option<String> = None;
    let mut ids = Vec::new();
    for (kind, name) in [
        ("county", format!("演练县{run}")),
        ("street", "演练街道".into()),
        ("community", "演练社区".into()),
        ("grid", "演练网格".into()),
    ] {
        let v = ok(
            load,
            "POST",
            "/api/v1/regions",
            Some(&admin),
            json!({"parent_id": parent, "kind": kind, "name": name}),
        )
        .await;
        let id = v["id"].as_str().unwrap().to_owned();
        parent = Some(id.clone());
        ids.push(id);
    }
    let (community, grid) = (ids[2].clone(), ids[3].clone());
    let phone = |kind: u32, i: usize| format!("1{kind}{}{:07}", run.len() % 10, i);
    let (staff, staff_id) = login(load, &phone(70, 0)).await;
    let roles = format!("/api/v1/regions/{community}/roles");
    ok(
        load,
        "POST",
        &roles,
        Some(&admin),
        json!({"user_id": staff_id, "role": "staff"}),
    )
    .await;
    let store = ok(
        load,
        "POST",
        &format!("/api/v1/regions/{community}/stores"),
        Some(&staff),
        json!({"name": format!("演练超市{run}")}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let goods = ok(
        load,
        "POST",
        &format!("/api/v1/stores/{store}/goods"),
        Some(&staff),
        json!({"name": "演练商品", "price_coins": 1, "stock": 1_000_000}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut pairs = Vec::new();
    for i in 0..workers {
        let (resident, _) = login(load, &phone(71, i)).await;
        ok(
            load,
            "PUT",
            "/api/v1/me/residence",
            Some(&resident),
            json!({"region_id": grid, "address": "1-101"}),
        )
        .await;
        let (member, member_id) = login(load, &phone(72, i)).await;
        ok(
            load,
            "POST",
            &roles,
            Some(&staff),
            json!({"user_id": member_id, "role": "member"}),
        )
        .await;
        let (status, v) = load
            .keyed(
                &format!("/api/v1/regions/{community}/grants"),
                &staff,
                &format!("drill-seed-{run}-{i}"),
                json!({"user_id": member_id, "asset": "coin", "amount": 1_000_000, "reason": "演练"}),
            )
            .await
            .expect("grant answered");
        assert_eq!(status, 201, "{v}");
        pairs.push(Pair {
            resident,
            member,
            member_id,
        });
    }
    World {
        run,
        admin,
        staff,
        grid,
        community,
        store,
        goods,
        pairs,
    }
}

/// One client: donations, redemptions (every other one cancelled) and order lives, in turn.
async fn worker(load: Arc<Load>, world: World, i: usize, round: usize) {
    let pair = &world.pairs[i];
    let friend = &world.pairs[(i + 1) % world.pairs.len()].member_id;
    let mut order: Option<(i64, usize)> = None;
    let mut n = 0usize;
    while !load.stopped() {
        n += 1;
        let key = format!("drill-{}-{round}-{i}-{n}", world.run);
        match n % 3 {
            0 => {
                let body = json!({"to_user_id": friend, "asset": "coin", "amount": 1, "memo": key});
                if let Some((201, v)) = load.keyed("/api/v1/transfers", &pair.member, &key, body).await
                    && let Some(id) = id_of(&v)
                {
                    load.acked.lock().unwrap().transfers.push((id, key));
                }
            }
            1 => {
                let body =
                    json!({"store_id": world.store, "items": [{"goods_id": world.goods, "quantity": 1}]});
                if let Some((201, v)) = load.keyed("/api/v1/redemptions", &pair.member, &key, body).await
                    && let Some(id) = id_of(&v)
                {
                    load.acked.lock().unwrap().redemptions.push(id);
                    if n.is_multiple_of(2) {
                        let path = format!("/api/v1/redemptions/{id}/cancel");
                        if let Some((200, _)) = load.call("POST", &path, Some(&pair.member), None, None).await
                        {
                            load.acked.lock().unwrap().cancels.push(id);
                        }
                    }
                }
            }
            _ => order = order_step(&load, &world, pair, order, &key).await,
        }
        if load
            .fates
            .lock()
            .unwrap()
            .last()
            .is_some_and(|f| f.status.is_none())
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The next step of this client's order life; a step without a 2xx abandons the order.
async fn order_step(
    load: &Load,
    world: &World,
    pair: &Pair,
    order: Option<(i64, usize)>,
    key: &str,
) -> Option<(i64, usize)> {
    let Some((id, step)) = order else {
        let body = json!({"region_id": world.grid, "title": "演练订单", "address": "1-101"});
        let (status, v) = load.keyed("/api/v1/orders", &pair.resident, key, body).await?;
        let id = id_of(&v).filter(|_| status == 201)?;
        load.acked.lock().unwrap().steps.push((id, "submit"));
        return Some((id, 0));
    };
    let (action, event) = STEPS[step];
    let (who, body) = match action {
        "dispatch" => (
            &world.staff,
            json!({"mode": "assign", "member_id": pair.member_id}),
        ),
        "complete" => (&pair.member, json!({"minutes": 30})),
        "confirm" => (&pair.resident, json!({"rating": 5})),
        _ => (&pair.member, json!({})),
    };
    let path = format!("/api/v1/orders/{id}/{action}");
    let (status, _) = load.call("POST", &path, Some(who), None, Some(body)).await?;
    if status != 200 {
        return None;
    }
    load.acked.lock().unwrap().steps.push((id, event));
    (step + 1 < STEPS.len()).then_some((id, step + 1))
}

fn start_load(load: &Arc<Load>, world: &World, round: usize) -> Vec<tokio::task::JoinHandle<()>> {
    load.stop.store(false, Ordering::SeqCst);
    (0..world.pairs.len())
        .map(|i| tokio::spawn(worker(load.clone(), world.clone(), i, round)))
        .collect()
}

async fn stop_load(load: &Load, workers: Vec<tokio::task::JoinHandle<()>>) {
    load.stop.store(true, Ordering::SeqCst);
    futures_util::future::join_all(workers).await;
}

// ---------------------------------------------------------------- checks in the database

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<i64>(0).unwrap()
}

fn list(ids: impl Iterator<Item = i64>) -> String {
    let v: Vec<String> = ids.map(|i| i.to_string()).collect();
    if v.is_empty() { "NULL".into() } else { v.join(",") }
}

struct Verdict {
    acked: usize,
    found: usize,
    problems: Vec<String>,
}

/// Every acknowledged write of `acked` is in the database; the whole database is consistent.
async fn verify(db: &DatabaseConnection, acked: &Acked, run: &str) -> Verdict {
    let mut problems = Vec::new();
    let mut found = 0usize;

    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT id, memo FROM transfer WHERE id IN ({})",
                list(acked.transfers.iter().map(|t| t.0))
            ),
        ))
        .await
        .unwrap();
    let memos: HashMap<i64, Option<String>> = rows
        .iter()
        .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap()))
        .collect();
    for (id, key) in &acked.transfers {
        match memos.get(id) {
            Some(Some(m)) if m == key => found += 1,
            _ => problems.push(format!("acknowledged transfer {id} ({key}) missing")),
        }
    }
    let doubled = scalar(
        db,
        &format!(
            "SELECT COUNT(*)::BIGINT FROM (SELECT memo FROM transfer WHERE kind = 'donation' \
             AND memo LIKE 'drill-{run}-%' GROUP BY memo HAVING COUNT(*) > 1) d"
        ),
    )
    .await;
    if doubled > 0 {
        problems.push(format!("{doubled} donation keys moved points twice"));
    }

    let red_ids = list(acked.redemptions.iter().copied());
    let n = scalar(
        db,
        &format!("SELECT COUNT(*)::BIGINT FROM redemption WHERE id IN ({red_ids})"),
    )
    .await;
    found += n as usize;
    if n as usize != acked.redemptions.len() {
        problems.push(format!(
            "{} acknowledged redemptions missing",
            acked.redemptions.len() as i64 - n
        ));
    }
    let cancel_ids = list(acked.cancels.iter().copied());
    let n = scalar(
        db,
        &format!(
            "SELECT COUNT(*)::BIGINT FROM redemption WHERE id IN ({cancel_ids}) AND status = 'cancelled'"
        ),
    )
    .await;
    found += n as usize;
    if n as usize != acked.cancels.len() {
        problems.push(format!(
            "{} acknowledged cancellations not cancelled",
            acked.cancels.len() as i64 - n
        ));
    }

    let orders: HashSet<i64> = acked.steps.iter().map(|s| s.0).collect();
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT order_id, action, COUNT(*)::BIGINT FROM order_event WHERE order_id IN ({}) GROUP BY order_id, action",
                list(orders.iter().copied())
            ),
        ))
        .await
        .unwrap();
    let mut events: HashMap<(i64, String), i64> = HashMap::new();
    for r in rows {
        let (o, a, n): (i64, String, i64) = (
            r.try_get_by_index(0).unwrap(),
            r.try_get_by_index(1).unwrap(),
            r.try_get_by_index(2).unwrap(),
        );
        if n > 1 {
            problems.push(format!("order {o}: event {a} written {n} times"));
        }
        events.insert((o, a), n);
    }
    for (o, a) in &acked.steps {
        if events.get(&(*o, (*a).to_owned())).is_some_and(|n| *n >= 1) {
            found += 1;
        } else {
            problems.push(format!("order {o}: acknowledged {a} has no event"));
        }
    }

    match linli::ledger::reconcile::check(db).await {
        Ok(r) if r.ok => {}
        Ok(r) => problems.extend(
            r.violations
                .iter()
                .map(|v| format!("ledger: {} {}", v.kind, v.detail)),
        ),
        Err(e) => problems.push(format!("ledger check failed: {e}")),
    }
    // A hold or a redemption open past its expiry by more than a few job ticks
    // (SLA_TICK_SECS=1 here); a redemption's hold expires with the redemption.
    let stale = scalar(
        db,
        "SELECT COUNT(*)::BIGINT FROM transfer t WHERE t.phase = 'pending' \
         AND t.expires_at < NOW() - INTERVAL '10 seconds' \
         AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.pending_id = t.id)",
    )
    .await
        + scalar(
            db,
            "SELECT COUNT(*)::BIGINT FROM redemption WHERE status = 'pending' \
             AND expires_at < NOW() - INTERVAL '10 seconds'",
        )
        .await;
    if stale > 0 {
        problems.push(format!("{stale} holds or redemptions open past their expiry"));
    }
    let mismatched = scalar(
        db,
        "SELECT COUNT(*)::BIGINT FROM redemption r WHERE r.hold_id IS NOT NULL AND \
         (r.status = 'pending') <> NOT EXISTS (SELECT 1 FROM transfer x WHERE x.pending_id = r.hold_id)",
    )
    .await;
    if mismatched > 0 {
        problems.push(format!(
            "{mismatched} redemptions whose hold is open while resolved, or resolved while pending"
        ));
    }
    let torn = scalar(
        db,
        "SELECT COUNT(*)::BIGINT FROM service_order o WHERE o.status IS DISTINCT FROM \
         (SELECT e.to_status FROM order_event e WHERE e.order_id = o.id ORDER BY e.id DESC LIMIT 1)",
    )
    .await;
    if torn > 0 {
        problems.push(format!("{torn} orders whose status is not their last event's"));
    }
    Verdict {
        acked: acked.writes(),
        found,
        problems,
    }
}

// ---------------------------------------------------------------- the drills

struct Drill<'a> {
    server: &'a mut Server,
    load: Arc<Load>,
    world: World,
    db: DatabaseConnection,
    settings: &'a Settings,
}

struct Settings {
    pg_stop: String,
    pg_start: String,
    redis_stop: String,
    redis_start: String,
}

struct Outcome {
    name: &'static str,
    passed: bool,
    lines: Vec<String>,
}

impl Drill<'_> {
    async fn settle(&self, secs: u64) {
        tokio::time::sleep(Duration::from_secs(secs)).await;
    }

    /// Seconds from now until an authenticated database read answers 200.
    async fn recovery(&self) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let res = self
                .load
                .http
                .get(format!("{}/api/v1/me", self.load.base))
                .bearer_auth(&self.world.admin)
                .send()
                .await;
            if res.is_ok_and(|r| r.status() == 200) {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    async fn finish(&self, name: &'static str, mut lines: Vec<String>, mut passed: bool) -> Outcome {
        let acked = std::mem::take(&mut *self.load.acked.lock().unwrap());
        let v = verify(&self.db, &acked, &self.world.run).await;
        lines.insert(
            0,
            format!(
                "writes acknowledged {} (transfers {}, redemptions {}, cancels {}, order steps {}), writes found {}",
                v.acked,
                acked.transfers.len(),
                acked.redemptions.len(),
                acked.cancels.len(),
                acked.steps.len(),
                v.found
            ),
        );
        let all = self.load.tallies.lock().unwrap().clone();
        let five = all.values().map(|t| t.count(|s| s >= 500)).sum::<u64>();
        let five_hundred = all.values().map(|t| t.count(|s| s == 500)).sum::<u64>();
        let hangs = all.values().map(|t| t.hangs).sum::<u64>();
        lines.insert(1, format!("5xx seen {five} (500: {five_hundred}), hangs {hangs}"));
        for (phase, t) in &all {
            lines.push(format!("  {phase:<10} {}", t.line()));
            lines.extend(t.samples_5xx.iter().map(|s| format!("             e.g. {s}")));
        }
        passed &= v.problems.is_empty() && v.acked == v.found && five_hundred == 0 && hangs == 0;
        lines.extend(v.problems.iter().take(20).map(|p| format!("  PROBLEM {p}")));
        Outcome { name, passed, lines }
    }

    fn reset(&self) {
        self.load.tallies.lock().unwrap().clear();
        self.load.fates.lock().unwrap().clear();
        self.load.set_phase("load");
    }

    async fn kill(&mut self, round: usize) -> Outcome {
        self.reset();
        let workers = start_load(&self.load, &self.world, round);
        let mut restarts = Vec::new();
        for _ in 0..5 {
            let pause = 1500 + rand::random_range(0..1500);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            self.server.kill9();
            restarts.push(self.server.start(&self.load.http).await);
        }
        self.settle(2).await;
        stop_load(&self.load, workers).await;
        self.settle(2).await; // a job tick or two
        let ms: Vec<String> = restarts.iter().map(|d| d.as_millis().to_string()).collect();
        let lines = vec![format!("5 kill -9, back up after [{}] ms", ms.join(", "))];
        self.finish("kill -9 ×5", lines, true).await
    }

    async fn outage(&mut self, round: usize, name: &'static str, stop: &str, start: &str) -> Outcome {
        self.reset();
        let workers = start_load(&self.load, &self.world, round);
        self.settle(3).await;
        self.load.set_phase("down");
        let mut passed = sh(stop);
        let mut lines = Vec::new();
        // While it is down: what a caller, a visitor and a new login see.
        self.settle(2).await;
        let me = self
            .load
            .call("GET", "/api/v1/me", Some(&self.world.admin), None, None)
            .await;
        let showcase = self
            .load
            .call(
                "GET",
                &format!("/api/v1/regions/{}/showcase", self.world.community),
                None,
                None,
                None,
            )
            .await;
        let login = self
            .load
            .call(
                "POST",
                "/api/v1/auth/dev/login",
                None,
                None,
                Some(json!({"phone": "13799999999", "name": "访客"})),
            )
            .await;
        let ready = self.load.call("GET", "/readyz", None, None, None).await;
        let show = |r: &Option<(u16, Value)>| match r {
            Some((s, v)) if *s >= 400 => format!("{s} {}", v["code"].as_str().unwrap_or("")),
            Some((s, _)) => s.to_string(),
            None => "no answer".into(),
        };
        lines.push(format!(
            "while down: GET /me {}, public showcase {}, dev login {}, /readyz {}",
            show(&me),
            show(&showcase),
            show(&login),
            show(&ready)
        ));
        self.settle(3).await;
        self.load.set_phase("returning");
        passed &= sh(start);
        let back = self.recovery().await;
        self.load.set_phase("after");
        match back {
            Some(d) => {
                lines.push(format!("full service {} ms after {name} returned", d.as_millis()));
                passed &= d <= Duration::from_secs(5);
            }
            None => {
                lines.push(format!("NO SERVICE 60 s after {name} returned"));
                passed = false;
            }
        }
        self.settle(3).await;
        stop_load(&self.load, workers).await;
        let down = self.load.tally("down");
        passed &= down.count(|s| s == 503) > 0 && down.count(|s| s == 500) == 0;
        self.finish(name, lines, passed).await
    }

    async fn sigterm(&mut self, round: usize) -> Outcome {
        self.reset();
        let workers = start_load(&self.load, &self.world, round);
        self.settle(3).await;
        self.load.set_phase("stopping");
        let at = Instant::now();
        self.server.sigterm();
        let status = self.server.wait_exit(Duration::from_secs(40)).await;
        let took = at.elapsed();
        // Keep knocking a moment after the exit: those are refused, never answered 5xx.
        self.load.set_phase("stopped");
        self.settle(1).await;
        stop_load(&self.load, workers).await;
        let fates = std::mem::take(&mut *self.load.fates.lock().unwrap());
        let in_flight: Vec<&Fate> = fates.iter().filter(|f| f.start < at && f.end > at).collect();
        let answered = in_flight.iter().filter(|f| f.status.is_some()).count();
        let after: Vec<&Fate> = fates.iter().filter(|f| f.start > at + took).collect();
        let refused = after.iter().filter(|f| f.status.is_none()).count();
        let mut lines = vec![
            format!(
                "SIGTERM: exited {} after {} ms",
                status.map_or("— still running —".into(), |s| s.to_string()),
                took.as_millis()
            ),
            format!(
                "in flight at SIGTERM {}, answered {answered}, cut {}; sent after exit {}, refused {refused}",
                in_flight.len(),
                in_flight.len() - answered,
                after.len()
            ),
        ];
        let passed =
            status.is_some_and(|s| s.success()) && answered == in_flight.len() && refused == after.len();
        self.server.start(&self.load.http).await;
        lines.push("(restarted for the checks)".into());
        self.finish("SIGTERM", lines, passed).await
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let wanted = if wanted.is_empty() {
        vec!["kill".into(), "postgres".into(), "redis".into(), "sigterm".into()]
    } else {
        wanted
    };
    let settings = Settings {
        pg_stop: env_or("DRILL_PG_STOP", "pg_ctlcluster 15 drill stop -m fast"),
        pg_start: env_or("DRILL_PG_START", "pg_ctlcluster 15 drill start"),
        redis_stop: env_or("DRILL_REDIS_STOP", "redis-cli -p 6380 shutdown nosave"),
        redis_start: env_or(
            "DRILL_REDIS_START",
            "redis-server --port 6380 --save '' --appendonly no --daemonize yes --logfile /tmp/linli-drill-redis.log",
        ),
    };
    let admin_url = env_or(
        "DRILL_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5433/postgres",
    );
    let redis_url = env_or("DRILL_REDIS_URL", "redis://127.0.0.1:6380");
    let workers: usize = env_or("DRILL_WORKERS", "12").parse()?;

    let admin = Database::connect(&admin_url).await?;
    let name = format!("linli_drill_{}", chrono::Utc::now().timestamp());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("DRILL_DATABASE_URL names a database");
    let database_url = format!("{base}/{name}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let vars: Vec<(String, String)> = [
        ("APP_ENV", "dev".to_owned()),
        ("BIND", format!("127.0.0.1:{port}")),
        ("DATABASE_URL", database_url.clone()),
        ("REDIS_URL", redis_url.clone()),
        ("REDIS_PREFIX", format!("{name}:")),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("ACCESS_TOKEN_TTL_SECS", "7200".into()),
        ("BOOTSTRAP_ADMIN_PHONES", ADMIN.into()),
        ("ORDER_SUBMITS_PER_HOUR", "1000".into()),
        ("MAX_OPEN_ORDERS_PER_MEMBER", "100".into()),
        ("GRANT_MAX_COINS", "1000000".into()),
        ("GRANT_DAILY_COINS", "100000000".into()),
        ("SLA_TICK_SECS", "1".into()),
        ("SHUTDOWN_TIMEOUT_SECS", "10".into()),
        ("LOG_FORMAT", "json".into()),
        ("RUST_LOG", "warn,linli=info".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let log = std::path::PathBuf::from("target/drills-server.log");
    let _ = std::fs::remove_file(&log);
    let mut server = Server {
        bin: env_or("DRILL_BIN", "target/release/linli"),
        port,
        vars,
        log: log.clone(),
        child: None,
    };
    linli::init_tls();
    // A connection per request: a request sent on a kept-alive connection the server is closing
    // at that moment would be cut without ever reaching it, blurring the SIGTERM count.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    server.start(&http).await;
    let load = Arc::new(Load::new(http, server.base()));
    let world = build_world(&load, workers).await;
    let db = Database::connect(&database_url).await?;
    println!(
        "linli fault drills: {workers} clients on PostgreSQL {} + Redis {}, database {name}, server log {}",
        linli::db::redact_url(&admin_url),
        redis_url,
        log.display()
    );

    let mut drill = Drill {
        server: &mut server,
        load,
        world,
        db,
        settings: &settings,
    };
    let mut outcomes = Vec::new();
    for (round, which) in wanted.iter().enumerate() {
        let started = Instant::now();
        let outcome = match which.as_str() {
            "kill" => drill.kill(round).await,
            "postgres" => {
                let (stop, start) = (drill.settings.pg_stop.clone(), drill.settings.pg_start.clone());
                drill.outage(round, "PostgreSQL", &stop, &start).await
            }
            "redis" => {
                let (stop, start) = (
                    drill.settings.redis_stop.clone(),
                    drill.settings.redis_start.clone(),
                );
                drill.outage(round, "Redis", &stop, &start).await
            }
            "sigterm" => drill.sigterm(round).await,
            other => anyhow::bail!("unknown drill {other}: kill, postgres, redis or sigterm"),
        };
        println!(
            "\n== {} — {} ({:.0} s)",
            outcome.name,
            if outcome.passed { "PASS" } else { "FAIL" },
            started.elapsed().as_secs_f64()
        );
        for l in &outcome.lines {
            println!("   {l}");
        }
        outcomes.push(outcome);
    }
    drill.server.kill9();
    drop(drill);
    if std::env::var("DRILL_KEEP").is_err() {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
    }
    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.passed).map(|o| o.name).collect();
    println!();
    if failed.is_empty() {
        println!("all {} drills passed", outcomes.len());
        Ok(())
    } else {
        println!("FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
}
