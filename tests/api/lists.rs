//! Lists that stay flat however long the history: statements merged from one keyset scan per
//! account and side, order lists on (owner, id) indexes. Timing is the benchmark's business
//! (`scripts/bench.py`); these check the pages and the indexes.

use crate::helpers::{TestApp, generic_plan, ok_json, spawn_app};
use crate::orders::{act, completed, item};
use crate::world;
use entity::{redemption, service_order, transfer};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, QueryTrait, Statement};
use serde_json::{Value, json};

async fn keyed(app: &TestApp, token: &str, path: &str, key: &str, body: Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await;
}

/// Every page of `path` at `limit` a page, in order.
async fn pages(app: &TestApp, token: &str, path: &str, limit: u32) -> Vec<Value> {
    let (mut out, mut cursor) = (Vec::new(), String::new());
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let page = ok_json(
            app.get_as(&format!("{path}{sep}limit={limit}{cursor}"), token)
                .await,
            200,
        )
        .await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        out.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

fn ids(entries: &[Value]) -> Vec<i64> {
    entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_statement_pages_through_both_sides_and_both_assets_newest_first() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    // member A: an award (time and coin), three grants in, one donation out, one in.
    let item = item(&app, &w).await;
    let o = completed(&app, &w, Some(&item), json!({"minutes": 30})).await;
    ok_json(
        act(&app, &w.resident_a, &o, "confirm", json!({"rating": 5})).await,
        200,
    )
    .await;
    let grants = format!("/api/v1/regions/{}/grants", w.comm_a);
    for (who, key) in [
        (&w.member_a, "g1"),
        (&w.resident_a, "g2"),
        (&w.member_a, "g3"),
        (&w.member_a, "g4"),
    ] {
        let body = json!({"user_id": who.user_id, "asset": "coin", "amount": 20, "reason": "补贴"});
        keyed(&app, &w.staff_a.token, &grants, key, body).await;
    }
    let give = |to: &str, amount: i64| json!({"to_user_id": to, "asset": "coin", "amount": amount});
    keyed(
        &app,
        &w.member_a.token,
        "/api/v1/transfers",
        "d1",
        give(&w.resident_a.user_id, 7),
    )
    .await;
    keyed(
        &app,
        &w.resident_a.token,
        "/api/v1/transfers",
        "d2",
        give(&w.member_a.user_id, 3),
    )
    .await;

    let all = pages(&app, &w.member_a.token, "/api/v1/me/transactions", 100).await;
    assert_eq!(all.len(), 7, "{all:?}");
    let mut sorted = ids(&all);
    sorted.sort_unstable();
    sorted.dedup();
    sorted.reverse();
    assert_eq!(ids(&all), sorted, "newest first, each once");
    let amounts: Vec<i64> = all.iter().map(|e| e["amount"].as_i64().unwrap()).collect();
    assert_eq!(&amounts[..2], &[3, -7], "the donation in, then the one out");
    for limit in [1, 2, 3] {
        let paged = pages(&app, &w.member_a.token, "/api/v1/me/transactions", limit).await;
        assert_eq!(ids(&paged), ids(&all), "pages of {limit}");
    }
    let time = pages(&app, &w.member_a.token, "/api/v1/me/transactions?asset=time", 1).await;
    assert_eq!(time.len(), 1);
    assert_eq!(time[0]["kind"], "award");
    let donations = pages(
        &app,
        &w.member_a.token,
        "/api/v1/me/transactions?kind=donation&asset=coin",
        1,
    )
    .await;
    assert_eq!(ids(&donations), ids(&all[..2]));

    // The pool's statement: the award and four grants out, newest first, paged.
    let pool = format!("/api/v1/regions/{}/transactions", w.comm_a);
    let whole = pages(&app, &w.staff_a.token, &pool, 100).await;
    assert_eq!(whole.len(), 6, "award in time and coin, four grants: {whole:?}");
    assert!(whole.iter().all(|e| e["amount"].as_i64().unwrap() < 0));
    assert_eq!(ids(&pages(&app, &w.staff_a.token, &pool, 4).await), ids(&whole));
}

/// The definition of index `name`, as the database reports it.
async fn index_def(app: &TestApp, name: &str) -> String {
    let sql = if app.database_url.starts_with("sqlite") {
        format!("SELECT sql AS def FROM sqlite_master WHERE type = 'index' AND name = '{name}'")
    } else {
        format!("SELECT indexdef AS def FROM pg_indexes WHERE indexname = '{name}'")
    };
    let db = &app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name} is missing"));
    row.try_get("", "def").unwrap()
}

/// The generic plan of a deep page of owner 1's rows (`db::newest_of`), once its SQL is seen to
/// order by the owner, then the id.
async fn owner_page_plan<E: EntityTrait>(
    db: &sea_orm::DatabaseConnection,
    owner: E::Column,
    name: &str,
    id: E::Column,
) -> String {
    let page = linli::db::newest_of(E::find(), owner, 1, id, Some(100))
        .limit(21)
        .build(db.get_database_backend());
    let table = E::default().table_name().to_owned();
    let order = format!(r#"ORDER BY "{table}"."{name}" DESC, "{table}"."id" DESC"#);
    assert!(page.sql.contains(&order), "{}", page.sql);
    generic_plan(db, page).await
}

#[tokio::test]
async fn order_lists_have_their_keyset_indexes() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    for (index, owner) in [
        ("ix_order_resident_id", "resident_id"),
        ("ix_order_assignee_id", "assignee_id"),
    ] {
        let def = index_def(&app, index).await;
        assert!(def.contains(&format!("({owner}, id)")), "{def}");
    }
    // A page of one owner's rows walks the owner's index, also in a generic plan, which does not
    // know how few rows the owner has (a walk of the primary key would read the whole table). The
    // page orders by the owner first: no other index gives that order, so no plan at any scale
    // walks the primary key (the tables here are too small to show the planner's choice).
    for (owner, name, index) in [
        (
            service_order::Column::ResidentId,
            "resident_id",
            "ix_order_resident_id",
        ),
        (
            service_order::Column::AssigneeId,
            "assignee_id",
            "ix_order_assignee_id",
        ),
    ] {
        let plan = owner_page_plan::<service_order::Entity>(db, owner, name, service_order::Column::Id).await;
        assert!(plan.contains(index) && !plan.contains("TEMP B-TREE"), "{plan}");
    }
    for (side, index) in [
        (transfer::Column::DebitAccountId, "ix_transfer_debit"),
        (transfer::Column::CreditAccountId, "ix_transfer_credit"),
    ] {
        let page = linli::db::newest_of(transfer::Entity::find(), side, 1, transfer::Column::Id, None)
            .limit(21)
            .build(backend);
        let plan = generic_plan(db, page).await;
        assert!(plan.contains(index), "{plan}");
    }
    // Redemptions: a buyer's (`/me/redemptions`) and a store's counter list, each a range of the
    // owner's rows. The store has other indexes led by `store_id`; on these near-empty tables
    // PostgreSQL may pick any of them, while on 300 k rows its generic plan walks
    // `ix_redemption_store_id` with no sort. Never the primary key (the whole table).
    for (owner, name, index) in [
        (redemption::Column::BuyerId, "buyer_id", "ix_redemption_buyer"),
        (redemption::Column::StoreId, "store_id", "ix_redemption_store"),
    ] {
        let plan = owner_page_plan::<redemption::Entity>(db, owner, name, redemption::Column::Id).await;
        assert!(plan.contains(index) && !plan.contains("pkey"), "{plan}");
        if backend == DbBackend::Sqlite {
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
    let def = index_def(&app, "ix_redemption_store_id").await;
    assert!(def.contains("(store_id, id)"), "{def}");
    if app.database_url.starts_with("sqlite") {
        // With the index the newest-first page is a range scan: no sort of the owner's orders.
        let plan = db
            .query_all_raw(Statement::from_string(
                backend,
                "EXPLAIN QUERY PLAN SELECT id FROM service_order WHERE resident_id = 1 \
                 AND id < 100 ORDER BY id DESC LIMIT 21",
            ))
            .await
            .unwrap();
        let text: Vec<String> = plan
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect();
        assert!(
            text.iter().any(|d| d.contains("ix_order_resident_id"))
                && !text.iter().any(|d| d.contains("TEMP B-TREE")),
            "{text:?}"
        );
    }
}
