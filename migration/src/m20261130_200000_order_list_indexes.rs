use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `GET /orders` (mine / assigned) pages newest first by id: with the owner and the id in
        // one index each page is a short backward range scan, however many orders the person has.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_order_resident_id ON service_order (resident_id, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_order_assignee_id ON service_order (assignee_id, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_order_resident_id")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_order_assignee_id")
            .await?;
        Ok(())
    }
}
