//! The stack's ceiling: a bare actix-web + sea-orm server, without linli's rules, on pgbench's
//! tables. `scripts/bench.py` runs it next to linli and pgbench so that one run shows how much of
//! the gap to pgbench is the stack's and how much is linli's:
//!
//! - `GET /read/{aid}`: one prepared `SELECT abalance FROM pgbench_accounts WHERE aid = $1`
//!   (the stack's floor under an order read);
//! - `POST /tpcb/{aid}`: pgbench's tpcb-like transaction (BEGIN, update the account, read it,
//!   update a teller and a branch, insert a history row, COMMIT: seven statements, as many as a
//!   donation's), each a prepared statement through sea-orm.
//!
//! Both answer a small JSON object. No auth, no idempotency, no metrics, no logging.
//!
//!     cargo run --release --example probe -- DATABASE_URL PORT [WORKERS] [POOL]

use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};

async fn read(db: web::Data<DatabaseConnection>, aid: web::Path<i32>) -> HttpResponse {
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
        [aid.into_inner().into()],
    );
    match db.query_one_raw(stmt).await {
        Ok(Some(row)) => balance(row.try_get::<i32>("", "abalance")),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// pgbench's tpcb-like transaction, statement for statement; the teller, branch and delta follow
/// from the account (scale 10: 100 tellers, 10 branches).
async fn tpcb(db: web::Data<DatabaseConnection>, aid: web::Path<i32>) -> HttpResponse {
    let aid = aid.into_inner();
    let (tid, bid, delta) = (aid % 100 + 1, aid % 10 + 1, aid % 10_001 - 5_000);
    let pg = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    };
    let Ok(txn) = db.begin().await else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let steps = async {
        let account = "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2";
        txn.execute_raw(pg(account, vec![delta.into(), aid.into()]))
            .await?;
        let read = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
        let row = txn.query_one_raw(pg(read, vec![aid.into()])).await?;
        let teller = "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2";
        txn.execute_raw(pg(teller, vec![delta.into(), tid.into()]))
            .await?;
        let branch = "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2";
        txn.execute_raw(pg(branch, vec![delta.into(), bid.into()]))
            .await?;
        let history = "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)";
        txn.execute_raw(pg(
            history,
            vec![tid.into(), bid.into(), aid.into(), delta.into()],
        ))
        .await?;
        Ok::<_, sea_orm::DbErr>(row)
    };
    let row = match steps.await {
        Ok(Some(row)) => row,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    };
    match txn.commit().await {
        Ok(()) => balance(row.try_get::<i32>("", "abalance")),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

fn balance(value: Result<i32, sea_orm::DbErr>) -> HttpResponse {
    match value {
        Ok(b) => HttpResponse::Ok().json(serde_json::json!({ "balance": b })),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(port)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: probe DATABASE_URL PORT [WORKERS] [POOL]");
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = args.get(2).map_or(Ok(cores), |w| w.parse())?;
    let pool = args.get(3).map_or(Ok(16), |p| p.parse())?;
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(pool).min_connections(1).sqlx_logging(false);
    let db = web::Data::new(Database::connect(opts).await?);
    HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .route("/read/{aid}", web::get().to(read))
            .route("/tpcb/{aid}", web::post().to(tpcb))
    })
    .workers(workers)
    .bind(("127.0.0.1", port.parse::<u16>()?))?
    .run()
    .await?;
    Ok(())
}
