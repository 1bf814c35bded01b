//! Database connection: SQLite by default, PostgreSQL for `postgres://` URLs.

use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use anyhow::Context;
use futures_util::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IsolationLevel, Select, SqliteTransactionMode, TransactionOptions,
    TransactionTrait, UpdateMany,
};
use std::path::Path;
use std::time::Duration;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    connect_to(config, &config.database_url).await
}

/// The read replica (`DATABASE_READ_URL`) when one is set, else the primary itself: dashboards,
/// leaderboards, exports and public feeds read through it; whatever decides a write reads the
/// primary. Nothing is migrated there (a replica follows its primary).
pub async fn connect_read(
    config: &Config,
    primary: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    match &config.database_read_url {
        Some(url) => connect_to(config, url).await,
        None => Ok(primary.clone()),
    }
}

async fn connect_to(config: &Config, url: &str) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("sqlite:") {
        ensure_sqlite_dir(url)?;
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    // sea-orm maps both its timeouts onto sqlx's acquire timeout, which also bounds connecting:
    // with every connection busy, or the database down (connections refused are retried until
    // then), a request answers 503 `NOT_READY` after `DB_ACQUIRE_TIMEOUT_MS`, never hangs.
    opts.max_connections(config.db_max_connections)
        .min_connections(1)
        .acquire_timeout(config.db_acquire_timeout)
        // Not a ping on every checkout (a round trip per transaction, and per statement run
        // outside one): only a connection idle this long is checked before it is handed out.
        // A connection that broke while busy is dropped at its first error (that request
        // answers 503), so service returns as soon as the database does.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .create_if_missing(true)
        });
    let db = Database::connect(opts)
        .await
        .with_context(|| format!("cannot connect to the database ({})", redact_url(url)))?;
    Ok(db)
}

/// Newest first, the rows with `owner = value` and an id below `before` (all when `None`): a
/// keyset page read through an index on `(owner, id)`. Written as a range over the row
/// `(owner, id)` ordered by both, so that every plan walks that index from `(value, before)`
/// down. In the plain form (`owner = $1 AND id < $2 ORDER BY id DESC LIMIT $3`), the generic plan
/// PostgreSQL adopts for a prepared statement after five runs walks the primary key backwards
/// and filters on the owner: at 1 M orders, a resident with no older orders read 500 k rows (19 s
/// on a loaded machine) for one page; at 10 M transfers, a deep statement page read 27 k.
pub fn newest_of<E: EntityTrait>(
    select: Select<E>,
    owner: E::Column,
    value: i64,
    id: E::Column,
    before: Option<i64>,
) -> Select<E> {
    use sea_orm::{QueryFilter, QueryOrder};
    let row = Expr::tuple([Expr::col((E::default(), owner)), Expr::col((E::default(), id))]);
    let bound = Expr::tuple([Expr::val(value), Expr::val(before.unwrap_or(i64::MAX))]);
    select
        .filter(row.lt(bound))
        .filter(Expr::col((E::default(), owner)).gte(value))
        .order_by_desc(owner)
        .order_by_desc(id)
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("database migration failed")
}

/// A write transaction. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, so one that
/// reads before it writes cannot fail half-way with `SQLITE_BUSY`; elsewhere a plain `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Runs `work` on one consistent snapshot: a read-only `REPEATABLE READ` transaction on
/// PostgreSQL; on SQLite a deferred transaction, which (in WAL mode) reads one snapshot from its
/// first statement to its end. For checks that read several tables and must not see a write
/// that commits between two of their statements.
pub async fn snapshot<T>(
    db: &DatabaseConnection,
    work: impl AsyncFn(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    let txn = db
        .begin_with_options(TransactionOptions {
            isolation_level: pg.then_some(IsolationLevel::RepeatableRead),
            access_mode: pg.then_some(AccessMode::ReadOnly),
            sqlite_transaction_mode: None,
        })
        .await?;
    let out = work(&txn).await;
    // Nothing was written: ending the transaction either way releases the snapshot.
    txn.rollback().await?;
    out
}

/// How many times a write transaction is tried when the database aborts it to break a deadlock
/// or a serialization conflict. Lock ordering is what prevents those; this is defence in depth.
pub const WRITE_ATTEMPTS: usize = 3;

/// Whether `err` is the database aborting a transaction for concurrency control (PostgreSQL
/// deadlock `40P01` or serialization failure `40001`; SQLite busy), so that the whole
/// transaction may be run again.
pub fn is_transient(err: &AppError) -> bool {
    use sea_orm::RuntimeErr;
    let Some(DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err.db_err()
    else {
        return false;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("40P01" | "40001" | "5" | "517"))
        }
        _ => false,
    }
}

/// A short random pause before trying a transaction again, so the racers do not meet again.
pub async fn backoff(attempt: usize) {
    let ms = rand::random_range(5..25) * (attempt as u64 + 1);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Runs `work` in a write transaction, again (up to [`WRITE_ATTEMPTS`]) when the database aborts
/// it for concurrency ([`is_transient`]). Answers the still-open transaction with the result, so
/// the caller can add its own writes before committing; on failure the transaction is rolled back.
pub async fn attempt_write<T>(
    db: &DatabaseConnection,
    work: impl AsyncFn(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<(DatabaseTransaction, T)> {
    let mut attempt = 0;
    loop {
        let txn = begin_write(db).await?;
        match work(&txn).await {
            Ok(value) => return Ok((txn, value)),
            Err(e) => {
                txn.rollback().await?;
                if !is_transient(&e) || attempt + 1 >= WRITE_ATTEMPTS {
                    return Err(e);
                }
                tracing::warn!(attempt, error = %e, "transaction aborted by the database, trying again");
                backoff(attempt).await;
                attempt += 1;
            }
        }
    }
}

/// [`attempt_write`], committed.
pub async fn write<T>(
    db: &DatabaseConnection,
    work: impl AsyncFn(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    let (txn, value) = attempt_write(db, work).await?;
    txn.commit().await?;
    Ok(value)
}

/// Works through due rows one by one, each in its own write transaction: `due(after)` lists the
/// next ids above `after`, in order; `step` acts on one. A step refused with `gone` (another
/// instance or a person got there first) or failing otherwise is rolled back and skipped, so one
/// stuck row never holds up the rest; the next sweep tries it again. Answers how many committed.
pub async fn sweep<'a>(
    db: &'a DatabaseConnection,
    what: &str,
    gone: ErrorCode,
    due: impl Fn(i64) -> BoxFuture<'a, AppResult<Vec<i64>>>,
    step: impl for<'t> Fn(&'t DatabaseTransaction, i64) -> BoxFuture<'t, AppResult<()>>,
) -> AppResult<usize> {
    let mut done = 0;
    let mut after = 0;
    loop {
        let ids = due(after).await?;
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = *last;
        for id in ids {
            let outcome = match begin_write(db).await {
                Ok(txn) => match step(&txn, id).await {
                    Ok(()) => txn.commit().await.map_err(AppError::from),
                    Err(e) => txn.rollback().await.map_err(AppError::from).and(Err(e)),
                },
                Err(e) => Err(e.into()),
            };
            match outcome {
                Ok(()) => done += 1,
                Err(e) if e.code == gone => {}
                Err(e) => tracing::warn!(id, error = %e, "{what}: skipped, retried next time"),
            }
        }
    }
}

/// Runs a conditional `update` and answers the row it changed, if any: one statement with
/// `RETURNING` on PostgreSQL; on SQLite (no `RETURNING` through sea-orm here) the update and then
/// `reread`, both on the in-process database.
pub async fn update_returning<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    update: UpdateMany<E>,
    reread: Select<E>,
) -> Result<Option<E::Model>, DbErr> {
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.into_iter().next());
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    reread.one(conn).await
}

/// `SUM(e)` as a BIGINT: on PostgreSQL a SUM of integers may be NUMERIC, which does not read as i64.
pub fn sum_i64(e: impl Into<Expr>) -> Expr {
    Expr::expr(Func::sum(e)).cast_as(Alias::new("BIGINT"))
}

/// `COUNT(e)` as a BIGINT, the same on both databases.
pub fn count_i64(e: impl Into<Expr>) -> Expr {
    Expr::expr(Func::count(e)).cast_as(Alias::new("BIGINT"))
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// A fresh machine has no `./data/`: create the directory of a SQLite file.
fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database directory {}", dir.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/linli"),
            "postgres://app:***@db:5432/linli"
        );
        assert_eq!(redact_url("postgres://app@db/linli"), "postgres://app@db/linli");
        assert_eq!(
            redact_url("sqlite://./data/x.db?mode=rwc"),
            "sqlite://./data/x.db?mode=rwc"
        );
    }

    #[test]
    fn sqlite_dir_is_created() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a/b/linli.db");
        ensure_sqlite_dir(&format!("sqlite://{}?mode=rwc", file.display())).unwrap();
        assert!(file.parent().unwrap().is_dir());
    }
}
