//! 回访: orders may be `under_review`; an order keeps the minutes it will credit apart from the
//! minutes its member reported, and the timeline records both.

use sea_orm_migration::sea_orm::{DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const BEFORE: [&str; 9] = [
    "submitted",
    "assigned",
    "published",
    "claimed",
    "in_service",
    "completed",
    "closed",
    "cancelled",
    "rejected",
];

const AFTER: [&str; 10] = [
    "submitted",
    "assigned",
    "published",
    "claimed",
    "in_service",
    "completed",
    "closed",
    "cancelled",
    "rejected",
    "under_review",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        allow_statuses(manager, &BEFORE, &AFTER).await?;
        add(manager, ServiceOrder::Table, ServiceOrder::CreditedMinutes).await?;
        add(manager, OrderEvent::Table, OrderEvent::Minutes).await?;
        add(manager, OrderEvent::Table, OrderEvent::CreditedMinutes).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager, OrderEvent::Table, OrderEvent::CreditedMinutes).await?;
        drop(manager, OrderEvent::Table, OrderEvent::Minutes).await?;
        drop(manager, ServiceOrder::Table, ServiceOrder::CreditedMinutes).await?;
        // Orders under review go back to where they were before the resident's confirm.
        manager
            .get_connection()
            .execute_unprepared("UPDATE service_order SET status = 'completed' WHERE status = 'under_review'")
            .await?;
        allow_statuses(manager, &AFTER, &BEFORE).await
    }
}

async fn add<T: IntoIden + 'static, C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    col: C,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(integer_null(col))
                .to_owned(),
        )
        .await
}

async fn drop<T: IntoIden + 'static, C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    col: C,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(col).to_owned())
        .await
}

fn in_list(statuses: &[&str]) -> String {
    statuses
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces the CHECK on `service_order.status`. PostgreSQL names the constraint; SQLite cannot
/// alter a CHECK, so the table is rebuilt from its own definition (the documented 12-step way),
/// in one script so that it runs on one connection with foreign keys off.
async fn allow_statuses(manager: &SchemaManager<'_>, from: &[&str], to: &[&str]) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            conn.execute_unprepared(&format!(
                "ALTER TABLE service_order DROP CONSTRAINT IF EXISTS service_order_status_check, \
                 ADD CONSTRAINT service_order_status_check CHECK (status IN ({}))",
                in_list(to)
            ))
            .await?;
        }
        DbBackend::Sqlite => {
            let schema = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
            let table = conn
                .query_one_raw(schema(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'service_order'",
                ))
                .await?
                .ok_or_else(|| DbErr::Migration("table service_order not found".into()))?
                .try_get::<String>("", "sql")?;
            let old_check = format!("CHECK (\"status\" IN ({}))", in_list(from));
            if !table.contains(&old_check) {
                return Err(DbErr::Migration(format!(
                    "service_order has no `{old_check}` to replace"
                )));
            }
            let rebuilt = table
                .replacen(&old_check, &format!("CHECK (\"status\" IN ({}))", in_list(to)), 1)
                .replacen(
                    "CREATE TABLE \"service_order\"",
                    "CREATE TABLE \"service_order_rebuilt\"",
                    1,
                );
            let mut indexes = Vec::new();
            for row in conn
                .query_all_raw(schema(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'service_order' \
                     AND sql IS NOT NULL",
                ))
                .await?
            {
                indexes.push(row.try_get::<String>("", "sql")?);
            }
            let seq = conn
                .query_one_raw(schema(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'service_order'",
                ))
                .await?
                .map(|r| r.try_get::<i64>("", "seq"))
                .transpose()?
                .unwrap_or(0);
            conn.execute_unprepared(&format!(
                "PRAGMA foreign_keys = OFF;
                 BEGIN IMMEDIATE;
                 {rebuilt};
                 INSERT INTO \"service_order_rebuilt\" SELECT * FROM \"service_order\";
                 DROP TABLE \"service_order\";
                 ALTER TABLE \"service_order_rebuilt\" RENAME TO \"service_order\";
                 {indexes};
                 UPDATE sqlite_sequence SET seq = {seq} WHERE name = 'service_order' AND seq < {seq};
                 COMMIT;
                 PRAGMA foreign_keys = ON;",
                indexes = indexes.join(";\n"),
            ))
            .await?;
        }
        other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
    }
    Ok(())
}

#[derive(DeriveIden)]
enum ServiceOrder {
    Table,
    CreditedMinutes,
}

#[derive(DeriveIden)]
enum OrderEvent {
    Table,
    Minutes,
    CreditedMinutes,
}
