//! CSV exports: the same rows as the JSON list (walked page by page), the byte order mark and
//! the header, paging past one internal page, scoping and masking like the JSON view, the
//! format chosen by `?format=` or `Accept`, and a long export arriving in pieces.

use crate::helpers::{TestApp, ok_json, problem, spawn_app, spawn_app_with};
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
    let _ = spawn_app_with;
}
