use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The outbox carried only order notices (`order_id NOT NULL`). Activities (and later domains)
/// notify too: `order_id` becomes optional and `activity_id` names the activity a notice is about.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE outbox ALTER COLUMN order_id DROP NOT NULL")
                .await?;
            db.execute_unprepared("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS activity_id bigint NULL")
                .await?;
            return Ok(());
        }
        // SQLite cannot drop a NOT NULL: the table is rebuilt from its own definition.
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'",
            ))
            .await?
            .ok_or_else(|| DbErr::Migration("outbox table missing".into()))?;
        let sql: String = row.try_get("", "sql")?;
        if !sql.contains("\"order_id\" integer NOT NULL") && !sql.contains("\"order_id\" bigint NOT NULL") {
            // Rebuilt already (migrated down and up again: `down` keeps the column optional).
            if !sql.contains("activity_id") {
                db.execute_unprepared("ALTER TABLE outbox ADD COLUMN activity_id bigint NULL")
                    .await?;
            }
            return Ok(());
        }
        let renamed = sql.replacen("\"outbox\"", "\"outbox_next\"", 1);
        // sea-query writes a bigint as `integer` on SQLite; accept either spelling.
        let rebuilt = ["integer", "bigint"].iter().fold(renamed.clone(), |s, ty| {
            s.replacen(
                &format!("\"order_id\" {ty} NOT NULL"),
                &format!("\"order_id\" {ty} NULL"),
                1,
            )
        });
        if !rebuilt.starts_with("CREATE TABLE \"outbox_next\"") || rebuilt == renamed {
            return Err(DbErr::Migration(format!("unexpected outbox definition: {sql}")));
        }
        // One batch on one connection: copy, swap, re-index, add the new column.
        db.execute_unprepared(&format!(
            "{rebuilt};
             INSERT INTO outbox_next (id, channel, order_id, region_id, recipient_id, template_id, payload,
                status, attempts, last_error, available_at, created_at, sent_at)
             SELECT id, channel, order_id, region_id, recipient_id, template_id, payload,
                status, attempts, last_error, available_at, created_at, sent_at FROM outbox;
             DROP TABLE outbox;
             ALTER TABLE outbox_next RENAME TO outbox;
             ALTER TABLE outbox ADD COLUMN activity_id bigint NULL;
             CREATE INDEX IF NOT EXISTS ix_outbox_status_available ON outbox (status, available_at);"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Notices without an order go; on SQLite `order_id` stays optional (a second rebuild
        // would buy nothing), and `up` knows it.
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM outbox WHERE order_id IS NULL")
            .await?;
        db.execute_unprepared("ALTER TABLE outbox DROP COLUMN activity_id")
            .await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE outbox ALTER COLUMN order_id SET NOT NULL")
                .await?;
        }
        Ok(())
    }
}
