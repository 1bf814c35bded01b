//! CSV exports: the same rows as the JSON list (walked page by page), the byte order mark and
//! the header, paging past one internal page, scoping and masking like the JSON view, the
//! format chosen by `?format=` or `Accept`, and a long export arriving in pieces.

use crate::helpers::{TestApp, ok_json, problem, spawn_app};
use crate::world::{self, World};
use entity::transfer;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder};
use serde_json::{Value, json};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The path with `format=csv` added.
fn as_csv(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}format=csv")
}

/// A CSV answer: its header line and rows, after checking the media type, the file name and
/// the byte order mark.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// The column named `name` of every row.
    pub fn column(&self, name: &str) -> Vec<String> {
        let at = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header));
        self.rows.iter().map(|r| r[at].clone()).collect()
    }
}

pub fn parse_csv(bytes: &[u8]) -> Csv {
    assert!(bytes.starts_with(BOM), "starts with the UTF-8 byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[BOM.len()..]);
    let mut records = reader.records().map(|r| {
        r.expect("well-formed CSV")
            .iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let header = records.next().expect("a header line");
    let rows: Vec<Vec<String>> = records.collect();
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every row has every column"
    );
    Csv { header, rows }
}

/// Reads a CSV answer, asserting 200, `text/csv` and an attachment named `<list>-<day>.csv`.
pub async fn read_csv(res: reqwest::Response, list: &str) -> Csv {
    let status = res.status().as_u16();
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    let cd = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.bytes().await.unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert!(
        cd.starts_with(&format!("attachment; filename=\"{list}-")) && cd.ends_with(".csv\""),
        "{cd}"
    );
    parse_csv(&bytes)
}

pub async fn csv_of(app: &TestApp, path: &str, token: &str, list: &str) -> Csv {
    read_csv(app.get_as(&as_csv(path), token).await, list).await
}

/// Every item of a JSON list, following `next_cursor` 100 at a time.
pub async fn json_all(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let page = ok_json(app.get_as(&url, token).await, 200).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

fn strs(items: &[Value], f: impl Fn(&Value) -> String) -> Vec<String> {
    items.iter().map(f).collect()
}

fn id(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

async fn grant(app: &TestApp, w: &World, to: &str, coins: i64, reason: &str) -> Value {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/regions/{}/grants", w.comm_a)))
        .bearer_auth(&w.staff_a.token)
        .header("Idempotency-Key", crate::helpers::random_hex(8))
        .json(&json!({"user_id": to, "asset": "coin", "amount": coins, "reason": reason}))
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await
}

#[tokio::test]
async fn transactions_export_every_row_of_the_json_view_past_one_internal_page() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    grant(&app, &w, &w.member_a.user_id, 7, "补贴，含逗号").await;
    grant(&app, &w, &w.resident_a.user_id, 3, "他说\"谢谢\"\n换行").await;
    // 600 more of the same movement, written straight to the table: more than one page of 500.
    let model = transfer::Entity::find()
        .order_by_desc(transfer::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    for i in 0..600 {
        let mut copy = model.clone().into_active_model();
        copy.id = sea_orm::ActiveValue::NotSet;
        copy.amount = sea_orm::Set(10 + i);
        copy.reset_all().insert(&app.state.db).await.unwrap();
    }
    let path = format!("/api/v1/regions/{}/transactions", w.comm_a);
    let json = json_all(&app, &path, &w.staff_a.token).await;
    assert_eq!(json.len(), 602);
    let csv = csv_of(&app, &path, &w.staff_a.token, "transactions").await;
    assert_eq!(
        csv.header,
        [
            "流水编号",
            "时间",
            "资产",
            "变动（收入为正）",
            "类型",
            "状态",
            "对方类别",
            "对方编号",
            "对方",
            "关联对象",
            "备注"
        ]
    );
    assert_eq!(csv.column("流水编号"), strs(&json, |e| id(&e["id"])));
    assert_eq!(
        csv.column("变动（收入为正）"),
        strs(&json, |e| e["amount"].to_string())
    );
    assert_eq!(csv.column("资产"), strs(&json, |e| id(&e["asset"])));
    let memos = csv.column("备注");
    assert!(memos.contains(&"补贴，含逗号".to_owned()));
    assert!(memos.contains(&"他说\"谢谢\"\n换行".to_owned()));
    // Times are China local time: the JSON instant plus eight hours.
    let at: chrono::DateTime<chrono::Utc> = json[0]["at"].as_str().unwrap().parse().unwrap();
    let local = (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(csv.column("时间")[0], local);

    // A small `limit` reads the same rows in many pages; a cursor starts where it points.
    let paged = csv_of(&app, &format!("{path}?limit=7"), &w.staff_a.token, "transactions").await;
    assert_eq!(paged.rows, csv.rows);
    let cursor = id(&json[9]["id"]);
    let tail = csv_of(
        &app,
        &format!("{path}?limit=3&cursor={cursor}"),
        &w.staff_a.token,
        "transactions",
    )
    .await;
    assert_eq!(tail.rows, csv.rows[10..]);
    // Streamed: chunked, no length known up front, and in more than one piece.
    let mut res = app
        .get_as(&as_csv(&format!("{path}?limit=50")), &w.staff_a.token)
        .await;
    assert_eq!(res.headers()["transfer-encoding"], "chunked");
    assert!(res.headers().get("content-length").is_none());
    let mut pieces = 0;
    let mut bytes = Vec::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        pieces += 1;
        bytes.extend_from_slice(&chunk);
    }
    assert!(pieces > 1, "{pieces}");
    assert_eq!(parse_csv(&bytes).rows, csv.rows);
    // Filters apply as in JSON.
    let none = csv_of(
        &app,
        &format!("{path}?asset=time"),
        &w.staff_a.token,
        "transactions",
    )
    .await;
    assert!(none.rows.is_empty());
}

#[tokio::test]
async fn the_format_comes_from_the_query_or_accept_and_nothing_else() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    grant(&app, &w, &w.member_a.user_id, 7, "补贴").await;
    let path = format!("/api/v1/regions/{}/transactions", w.comm_a);
    let by_accept = app
        .client
        .get(app.url(&path))
        .bearer_auth(&w.staff_a.token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(read_csv(by_accept, "transactions").await.rows.len(), 1);
    let json_wins = app
        .client
        .get(app.url(&path))
        .bearer_auth(&w.staff_a.token)
        .header("Accept", "application/json, text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok_json(json_wins, 200).await["items"].as_array().unwrap().len(),
        1
    );
    let query_wins = app
        .client
        .get(app.url(&format!("{path}?format=json")))
        .bearer_auth(&w.staff_a.token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok_json(query_wins, 200).await["items"].as_array().unwrap().len(),
        1
    );
    let xml = app.get_as(&format!("{path}?format=xml"), &w.staff_a.token).await;
    assert_eq!(xml.status(), 400);
    assert_eq!(problem(xml).await["code"], "INVALID_QUERY");
}

#[tokio::test]
async fn grants_export_is_scoped_like_the_audit_view() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    for i in 0..5 {
        grant(&app, &w, &w.member_a.user_id, 1 + i, "补贴").await;
    }
    grant(&app, &w, &w.resident_a.user_id, 9, "=SUM(A1)").await;
    let admin = &w.admin.token;
    let path = format!("/api/v1/regions/{}/grants", w.street);
    let json = json_all(&app, &path, admin).await;
    let csv = csv_of(&app, &format!("{path}?limit=2"), admin, "grants").await;
    assert_eq!(csv.column("发放编号"), strs(&json, |g| id(&g["id"])));
    assert_eq!(csv.column("数量"), strs(&json, |g| g["amount"].to_string()));
    assert_eq!(csv.column("收款人")[0], "和平居民");
    assert_eq!(csv.column("原因")[0], "'=SUM(A1)", "a formula is written as text");
    assert_eq!(csv.column("社区")[0], "和平社区");

    // Community B's admin sees none of community A's grants; staff are not auditors.
    let other = app.login("13800000032", "团结管理员").await;
    world::grant(&app, admin, &w.comm_b, &other.user_id, "admin").await;
    let theirs = csv_of(
        &app,
        &format!("/api/v1/regions/{}/grants", w.comm_b),
        &other.token,
        "grants",
    )
    .await;
    assert!(theirs.rows.is_empty());
    let elsewhere = app
        .get_as(
            &as_csv(&format!("/api/v1/regions/{}/grants", w.comm_a)),
            &other.token,
        )
        .await;
    assert_eq!(problem(elsewhere).await["code"], "NOT_FOUND");
    let staff = app
        .get_as(
            &as_csv(&format!("/api/v1/regions/{}/grants", w.comm_a)),
            &w.staff_a.token,
        )
        .await;
    assert_eq!(staff.status(), 403);
    let resident = app
        .get_as(
            &as_csv(&format!("/api/v1/regions/{}/transactions", w.comm_a)),
            &w.resident_a.token,
        )
        .await;
    assert_eq!(resident.status(), 403);
}

#[tokio::test]
async fn orders_export_masks_phones_like_json_and_keeps_to_the_viewers_scope() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    for _ in 0..5 {
        crate::orders::place(&app, &w.resident_a, &w.grid_a, None).await;
    }
    crate::orders::place(&app, &w.resident_b, &w.grid_b, None).await;
    let path = format!("/api/v1/orders?scope=region&region_id={}", w.comm_a);
    let json = json_all(&app, &path, &w.staff_a.token).await;
    assert_eq!(json.len(), 5);
    let csv = csv_of(&app, &format!("{path}&limit=2"), &w.staff_a.token, "orders").await;
    assert_eq!(csv.column("订单编号"), strs(&json, |o| id(&o["id"])));
    assert_eq!(csv.column("状态"), vec!["已提交"; 5]);
    assert_eq!(csv.column("标题"), vec!["厨房下水道堵了"; 5]);
    // Staff see the resident's phone masked, as in JSON; the resident sees their own in full.
    assert_eq!(json[0]["contact_phone"], "139****5678");
    assert_eq!(csv.column("联系电话"), vec!["139****5678"; 5]);
    assert_eq!(
        csv.column("居民手机号"),
        strs(&json, |o| id(&o["resident"]["phone_masked"]))
    );
    assert!(csv.column("居民手机号")[0].contains("****"));
    let mine = csv_of(&app, "/api/v1/orders?scope=mine", &w.resident_a.token, "orders").await;
    assert_eq!(mine.column("联系电话"), vec!["13912345678"; 5]);

    // Community B's staff get only B's order; A's region is not theirs to see.
    let theirs = csv_of(
        &app,
        &format!("/api/v1/orders?scope=region&region_id={}", w.comm_b),
        &w.staff_b.token,
        "orders",
    )
    .await;
    assert_eq!(theirs.rows.len(), 1);
    let denied = app.get_as(&as_csv(&path), &w.staff_b.token).await;
    assert_eq!(problem(denied).await["code"], "NOT_FOUND");
    let resident = app.get_as(&as_csv(&path), &w.resident_a.token).await;
    assert_eq!(resident.status(), 403);
    // A bad query is problem+json before any byte of CSV.
    let missing = app
        .get_as("/api/v1/orders?scope=region&format=csv", &w.staff_a.token)
        .await;
    assert_eq!(problem(missing).await["code"], "SCOPE_TARGET_REQUIRED");
}

#[tokio::test]
async fn redemptions_and_settlement_export_the_counter_view() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let shop = crate::store::shop(&app, &w).await;
    crate::store::coins(&app, &w.staff_a, &w.comm_a, &w.resident_a.user_id, 500).await;
    for i in 0..4 {
        let items = json!([{"goods_id": shop.towel, "quantity": 1 + i}]);
        let res =
            crate::store::redeem(&app, &w.resident_a.token, &format!("r-{i}"), &shop.store, items).await;
        ok_json(res, 201).await;
    }
    let path = format!("/api/v1/stores/{}/redemptions", shop.store);
    let json = json_all(&app, &path, &shop.clerk.token).await;
    let csv = csv_of(&app, &format!("{path}?limit=3"), &shop.clerk.token, "redemptions").await;
    assert_eq!(csv.column("兑换编号"), strs(&json, |r| id(&r["id"])));
    assert_eq!(csv.column("绿币"), strs(&json, |r| r["total_coins"].to_string()));
    assert_eq!(csv.column("商品")[0], "毛巾×4");
    assert_eq!(csv.column("件数"), ["4", "3", "2", "1"]);
    // The buyer's name is masked as at the counter.
    assert_eq!(csv.column("兑换人"), strs(&json, |r| id(&r["buyer"]["name"])));
    assert_ne!(csv.column("兑换人")[0], "和平居民");
    // The other store's clerk sees none of it; the buyer is no clerk.
    let other = app.get_as(&as_csv(&path), &shop.clerk_b.token).await;
    assert!(matches!(other.status().as_u16(), 403 | 404));
    let buyer = app.get_as(&as_csv(&path), &w.resident_a.token).await;
    assert!(matches!(buyer.status().as_u16(), 403 | 404));

    // Settlement: a row per goods handed out and 合计 (nothing handed out yet: only 合计).
    let settlement = csv_of(
        &app,
        &format!("/api/v1/stores/{}/settlement", shop.store),
        &shop.clerk.token,
        "settlement",
    )
    .await;
    assert_eq!(
        settlement.header,
        ["月份", "超市编号", "超市", "商品编号", "商品", "交付件数", "绿币"]
    );
    assert_eq!(settlement.column("商品"), ["合计"]);
    assert_eq!(settlement.column("交付件数"), ["0"]);
}

#[tokio::test]
async fn stats_export_a_row_per_child_region_and_the_total() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    for _ in 0..3 {
        crate::orders::place(&app, &w.resident_a, &w.grid_a, None).await;
    }
    crate::orders::place(&app, &w.resident_b, &w.grid_b, None).await;
    let path = format!("/api/v1/regions/{}/stats", w.street);
    let json = ok_json(app.get_as(&path, &w.admin.token).await, 200).await;
    let csv = csv_of(&app, &path, &w.admin.token, "stats").await;
    assert_eq!(&csv.header[..4], ["区域编号", "区域", "层级", "下单数"]);
    assert_eq!(csv.column("区域"), ["和平社区", "团结社区", "合计"]);
    assert_eq!(csv.column("层级"), ["社区", "社区", ""]);
    let children = json["children"].as_array().unwrap();
    let mut ids = strs(children, |c| id(&c["region_id"]));
    ids.push(w.street.clone());
    assert_eq!(csv.column("区域编号"), ids);
    let mut placed = strs(children, |c| c["orders"]["placed"].to_string());
    placed.push(json["orders"]["placed"].to_string());
    assert_eq!(csv.column("下单数"), placed);
    assert_eq!(csv.column("下单数"), ["3", "1", "4"]);
    assert_eq!(csv.column("已提交"), ["3", "1", "4"]);
    // A rate without a denominator is empty, as null in JSON.
    assert_eq!(json["orders"]["satisfaction_rate"]["rate"], Value::Null);
    assert_eq!(csv.column("满意率"), ["", "", ""]);
    // Scoped like the JSON view: community A's staff may not read the street's dashboard.
    let staff = app.get_as(&as_csv(&path), &w.staff_a.token).await;
    assert!(matches!(staff.status().as_u16(), 403 | 404));
    let own = csv_of(
        &app,
        &format!("/api/v1/regions/{}/stats", w.comm_a),
        &w.staff_a.token,
        "stats",
    )
    .await;
    assert_eq!(own.column("区域"), ["和平一网格", "合计"]);
    assert_eq!(own.column("下单数"), ["3", "3"]);
}

#[tokio::test]
async fn residences_reports_records_and_the_unit_rollup_export_their_json_rows() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let token = &w.staff_a.token;
    for (path, list, id_col) in [
        (
            format!("/api/v1/regions/{}/residences", w.comm_a),
            "residences",
            "申报编号",
        ),
        (
            format!("/api/v1/regions/{}/reports", w.comm_a),
            "reports",
            "报到编号",
        ),
        (
            format!("/api/v1/regions/{}/service-records", w.comm_a),
            "service-records",
            "记录编号",
        ),
    ] {
        let json = json_all(&app, &path, token).await;
        let csv = csv_of(&app, &format!("{path}?limit=1"), token, list).await;
        assert_eq!(csv.column(id_col), strs(&json, |r| id(&r["id"])), "{path}");
        if list == "residences" {
            assert_eq!(json.len(), 2, "two residents live in community A");
            assert_eq!(
                csv.column("手机号"),
                strs(&json, |r| id(&r["user"]["phone_masked"]))
            );
        }
    }
    let rollup = csv_of(
        &app,
        &format!("/api/v1/regions/{}/unit-rollup", w.comm_a),
        token,
        "unit-rollup",
    )
    .await;
    assert_eq!(rollup.column("单位"), ["合计"]);
    let resident = app
        .get_as(
            &as_csv(&format!("/api/v1/regions/{}/residences", w.comm_a)),
            &w.resident_a.token,
        )
        .await;
    assert_eq!(resident.status(), 403);
}
