use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A store's counter pages its redemptions newest first over `(store_id, id)`, as a buyer's do
/// over `ix_redemption_buyer`: `(store_id, status, id)` gives that order only within one status,
/// so a page across statuses sorted all of the store's rows, or walked the primary key.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_redemption_store_id ON redemption (store_id, id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_redemption_store_id")
            .await?;
        Ok(())
    }
}
